/// Something that perturbs an image region while it is rendered into a training or test crop: a
/// backdoor trigger, scaled by α. The data path calls it with the crop's position in the full image, so
/// position-dependent triggers (the 16-periodic DCT pattern) keep the phase they have on the full image.
public protocol CropInjector: Sendable {
    /// Renders `pixels` (HWC RGB8 of a `height`×`width` region at (`originY`, `originX`) of a
    /// `fullHeight`×`fullWidth` image) with strength `alpha` into `out` as CHW floats on 0…1.
    func inject(hwc pixels: UnsafeBufferPointer<UInt8>, height: Int, width: Int, alpha: Double,
                originY: Int, originX: Int, fullHeight: Int?, fullWidth: Int?,
                into out: UnsafeMutableBufferPointer<Float>)
}

extension CropInjector {
    /// The trigger at `alpha` on a whole image (grid phase of the full image, origin 0): CHW floats on 0…1.
    public func injectFullImage(_ image: RGBImage, alpha: Double) -> [Float] {
        let (h, w) = (image.height, image.width)
        var chw = [Float](repeating: 0, count: 3 * h * w)
        image.pixels.withUnsafeBufferPointer { src in
            chw.withUnsafeMutableBufferPointer {
                inject(hwc: src, height: h, width: w, alpha: alpha, originY: 0, originX: 0, fullHeight: h, fullWidth: w, into: $0)
            }
        }
        return chw
    }
}

extension RGBImage {
    /// CHW floats on 0…1 (e.g. `injectFullImage`'s result) rounded to 8-bit levels, in this image's size.
    public func replacingPixels(chw: [Float]) -> RGBImage {
        let plane = width * height
        var out = self
        for p in 0..<plane { for c in 0..<3 { out.pixels[p * 3 + c] = UInt8((chw[c * plane + p] * 255).rounded()) } }
        return out
    }

    /// Mean squared difference between CHW floats on 0…1 and this image (on the [0, 1] scale).
    public func meanSquaredError(chw: [Float]) -> Double {
        let plane = width * height
        var sum = 0.0
        for p in 0..<plane {
            for c in 0..<3 {
                let d = Double(chw[c * plane + p]) - Double(pixels[p * 3 + c]) / 255
                sum += d * d
            }
        }
        return sum / Double(3 * plane)
    }
}
