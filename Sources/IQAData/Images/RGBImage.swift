/// An 8-bit RGB image: `pixels` holds `height` rows of `width` interleaved R, G, B bytes (HWC,
/// row-major), the layout PIL's `np.asarray(img.convert("RGB"))` has, so tensors built from it
/// match the PyTorch reference pipelines.
public struct RGBImage: Equatable, Hashable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// Wraps existing bytes; `pixels.count` must be `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "RGBImage needs a positive size, got \(width)x\(height)")
        precondition(pixels.count == width * height * 3,
                     "RGBImage \(width)x\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A uniformly coloured image.
    public init(width: Int, height: Int, red: UInt8 = 0, green: UInt8 = 0, blue: UInt8 = 0) {
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: bytes.count, by: 3) {
            bytes[i] = red
            bytes[i + 1] = green
            bytes[i + 2] = blue
        }
        self.init(width: width, height: height, pixels: bytes)
    }

    /// Number of pixels (not bytes).
    public var pixelCount: Int { width * height }

    /// Byte offset of channel `channel` (0 = R, 1 = G, 2 = B) of pixel (x, y).
    @inlinable
    public func offset(x: Int, y: Int, channel: Int = 0) -> Int {
        (y * width + x) * 3 + channel
    }

    /// One channel of one pixel.
    public subscript(x: Int, y: Int, channel: Int) -> UInt8 {
        get {
            precondition(contains(x: x, y: y) && (0..<3).contains(channel), "pixel (\(x), \(y), \(channel)) out of range")
            return pixels[offset(x: x, y: y, channel: channel)]
        }
        set {
            precondition(contains(x: x, y: y) && (0..<3).contains(channel), "pixel (\(x), \(y), \(channel)) out of range")
            pixels[offset(x: x, y: y, channel: channel)] = newValue
        }
    }

    /// The (R, G, B) triple of pixel (x, y).
    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        get {
            precondition(contains(x: x, y: y), "pixel (\(x), \(y)) out of range for \(width)x\(height)")
            let o = offset(x: x, y: y)
            return (pixels[o], pixels[o + 1], pixels[o + 2])
        }
        set {
            precondition(contains(x: x, y: y), "pixel (\(x), \(y)) out of range for \(width)x\(height)")
            let o = offset(x: x, y: y)
            pixels[o] = newValue.r
            pixels[o + 1] = newValue.g
            pixels[o + 2] = newValue.b
        }
    }

    public func contains(x: Int, y: Int) -> Bool {
        x >= 0 && y >= 0 && x < width && y < height
    }

    /// The sub-image whose top-left corner is (x, y); the rectangle must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
        precondition(w > 0 && h > 0 && x >= 0 && y >= 0 && x + w <= width && y + h <= height,
                     "crop (\(x), \(y), \(w)x\(h)) outside a \(width)x\(height) image")
        var out = [UInt8](repeating: 0, count: w * h * 3)
        let rowBytes = w * 3
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for row in 0..<h {
                    let from = offset(x: x, y: y + row)
                    for i in 0..<rowBytes { dst[row * rowBytes + i] = src[from + i] }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
