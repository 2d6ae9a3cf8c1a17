import CImageCodecs

/// The calling convention the codec shim's decoders share: bytes in; RGB8 pixels, size and an error
/// text out; the pixels freed with `ic_free`.
enum ShimDecoder {
    typealias Decode = (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                        UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<CChar>?) -> Int32

    static func decode(_ data: [UInt8], format: String, _ decode: Decode) throws -> RGBImage {
        var err = [CChar](repeating: 0, count: Int(IC_ERROR_CAPACITY))
        var out: UnsafeMutablePointer<UInt8>?
        var width: Int32 = 0, height: Int32 = 0
        let rc = data.withUnsafeBufferPointer { buf in decode(buf.baseAddress, buf.count, &out, &width, &height, &err) }
        guard rc == 0, let out else {
            throw ImageError(.corrupt, file: nil, "corrupt or truncated \(format): \(String(cString: err))")
        }
        defer { ic_free(out) }
        return RGBImage(width: Int(width), height: Int(height), pixels: Array(UnsafeBufferPointer(start: out, count: Int(width) * Int(height) * 3)))
    }
}
