import CImageCodecs

/// In-memory JPEG through the libjpeg-turbo shim: decoding matches PIL's `convert("RGB")` pixel
/// for pixel; encoding is PIL's save (baseline, 4:2:0 by default) at a given quality.
public enum JPEGCodec {
    /// Chroma subsampling of the encoder.
    public enum Subsampling: String, Codable, Sendable, CaseIterable {
        /// Cb and Cr at half resolution both ways: PIL's and most cameras' and web services' default.
        case s420 = "420"
        /// Every channel at full resolution (PIL's `subsampling=0`).
        case s444 = "444"

        /// Read from "420"/"444" or, as YAML writes an unquoted 444, from the number.
        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            let text = (try? c.decode(String.self)) ?? (try? c.decode(Int.self)).map(String.init) ?? ""
            guard let value = Subsampling(rawValue: text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "chroma subsampling must be 420 or 444, got '\(text)'")
            }
            self = value
        }
    }

    /// Decodes JPEG bytes to RGB8. Truncated or corrupt data throws `ImageError.Kind.corrupt`.
    public static func decode(_ data: [UInt8]) throws -> RGBImage {
        try ShimDecoder.decode(data, format: "JPEG", ic_jpeg_decode)
    }

    /// Encodes RGB8 as JPEG; `quality` 1...100 (clamped), libjpeg's scaling as in PIL.
    public static func encode(_ image: RGBImage, quality: Int, subsampling: Subsampling = .s420) throws -> [UInt8] {
        var err = [CChar](repeating: 0, count: Int(IC_ERROR_CAPACITY))
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let q = Int32(max(1, min(100, quality)))
        let rc = image.pixels.withUnsafeBufferPointer { buf in
            ic_jpeg_encode(buf.baseAddress, Int32(image.width), Int32(image.height), q, subsampling == .s444 ? 1 : 0,
                           &out, &size, &err)
        }
        guard rc == 0, let out else {
            throw ImageError(.invalidArgument, file: nil, "JPEG encoding failed: \(String(cString: err))")
        }
        defer { ic_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
