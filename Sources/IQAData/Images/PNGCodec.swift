import CImageCodecs

/// In-memory PNG through the libpng shim. Decoding follows PIL's `convert("RGB")` (palette
/// expanded, alpha dropped without compositing, 16-bit colour to its high byte, 16-bit gray
/// clipped at 255); encoding is lossless 8-bit RGB.
public enum PNGCodec {
    public static func decode(_ data: [UInt8]) throws -> RGBImage {
        try ShimDecoder.decode(data, format: "PNG", ic_png_decode)
    }

    public static func encode(_ image: RGBImage) throws -> [UInt8] {
        var err = [CChar](repeating: 0, count: Int(IC_ERROR_CAPACITY))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let rc = image.pixels.withUnsafeBufferPointer { buf in
            ic_png_encode(buf.baseAddress, Int32(image.width), Int32(image.height), &out, &size, &err)
        }
        guard rc == 0, let out else {
            throw ImageError(.invalidArgument, file: nil, "PNG encoding failed: \(String(cString: err))")
        }
        defer { ic_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
