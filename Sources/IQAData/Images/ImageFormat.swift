/// The image containers `ImageIO.read` understands, recognised by their first bytes rather than the
/// file name: datasets ship JPEGs named `.bmp` and the like.
public enum ImageFormat: String, Equatable, Sendable {
    case jpeg = "JPEG"
    case png = "PNG"
    case bmp = "BMP"

    /// The format whose signature `bytes` start with, or nil.
    public static func sniff<C: Collection>(_ bytes: C) -> ImageFormat? where C.Element == UInt8 {
        let head = Array(bytes.prefix(8))
        if head.starts(with: [0xFF, 0xD8]) { return .jpeg } // SOI; a damaged file after it is a corrupt JPEG
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0x42, 0x4D]) { return .bmp } // "BM"
        return nil
    }
}
