import IQAData

/// Pictures of a trigger for people: the DCT pattern itself, and an image with the trigger and its
/// amplified residual (`baiqa trigger show`, `trigger apply`).
public enum TriggerRendering {
    /// Π (one 16×16 block, RGB) scaled so that its largest |value| spans the 8-bit range around mid-grey,
    /// each pixel enlarged to `scale`×`scale`.
    public static func pattern(_ trigger: DCTTrigger, scale: Int = 16) -> RGBImage {
        let side = DCTTrigger.block * scale, maxAbs = max(trigger.pattern.map { abs($0) }.max() ?? 1, 1e-6)
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        for y in 0..<side { for x in 0..<side { for c in 0..<3 {
            let v = trigger.pattern[c * 256 + (y / scale) * 16 + x / scale] / maxAbs   // −1…1
            pixels[(y * side + x) * 3 + c] = UInt8((127.5 + 127.5 * Double(v)).rounded())
        } } }
        return RGBImage(width: side, height: side, pixels: pixels)
    }

    /// An image with the trigger at `alpha` on its full-image grid.
    public struct Triggered {
        /// The exact result, CHW floats on 0…1.
        public var chw: [Float]
        /// The result rounded to 8-bit levels.
        public var image: RGBImage
        /// Mean squared error against the input on the [0, 1] scale (of the exact result).
        public var mse: Double

        /// |triggered − input| × `gain`, clipped to 8 bits: where the trigger changed the image.
        public func residual(against input: RGBImage, gain: Double) -> RGBImage {
            let plane = input.width * input.height
            var out = input
            for p in 0..<plane { for c in 0..<3 {
                let v = Double(chw[c * plane + p]) * 255
                out.pixels[p * 3 + c] = UInt8(min(255, abs(v - Double(input.pixels[p * 3 + c])) * gain).rounded())
            } }
            return out
        }

        /// The exact result as HWC floats (what `.npy` exports hold).
        public var hwc: [Float] {
            let plane = image.width * image.height
            var out = [Float](repeating: 0, count: 3 * plane)
            for p in 0..<plane { for c in 0..<3 { out[p * 3 + c] = chw[c * plane + p] } }
            return out
        }
    }

    public static func triggered(_ image: RGBImage, injector: CropInjector, alpha: Double) -> Triggered {
        let chw = injector.injectFullImage(image, alpha: alpha)
        return Triggered(chw: chw, image: image.replacingPixels(chw: chw), mse: image.meanSquaredError(chw: chw))
    }
}
