import Foundation

/// Reading and writing image files. Reads recognise JPEG, PNG and BMP by their magic bytes and
/// return the pixels PIL's `Image.open(p).convert("RGB")` gives; writes are atomic (temporary file
/// in the same folder, then rename). Every error is an `ImageError` naming the file.
public enum ImageIO {
    /// Decodes the image at `url` to RGB8.
    public static func read(_ url: URL) throws -> RGBImage {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImageError(.missingFile, file: path, "no such file")
        }
        if isDirectory.boolValue {
            throw ImageError(.unsupportedFormat, file: path, "is a directory, not an image")
        }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw ImageError(.missingFile, file: path, "cannot read: \(AtomicFile.reason(error))")
        }
        if bytes.isEmpty { throw ImageError(.emptyFile, file: path, "empty file (0 bytes)") }
        do {
            return try decode(bytes)
        } catch let error as ImageError {
            throw error.naming(path)
        }
    }

    /// Decodes an in-memory JPEG, PNG or BMP, recognised by its magic bytes.
    public static func decode(_ bytes: [UInt8]) throws -> RGBImage {
        if bytes.isEmpty { throw ImageError(.emptyFile, file: nil, "empty image data (0 bytes)") }
        // The header's size first: an image above `maxPixels` is refused before the codec allocates.
        // (Other header damage is left to the codec, whose messages say more.)
        do { _ = try ImageIO.headerSize(bytes, complete: true) } catch let error as ImageError where error.kind == .tooLarge { throw error } catch {}
        switch ImageFormat.sniff(bytes) {
        case .jpeg: return try JPEGCodec.decode(bytes)
        case .png: return try PNGCodec.decode(bytes)
        case .bmp: return try BMPDecoder.decode(bytes)
        case nil:
            let head = bytes.prefix(4).map { String(format: "%02X", $0) }.joined(separator: " ")
            throw ImageError(.unsupportedFormat, file: nil,
                             "unsupported image format (starts with \(head); expected JPEG, PNG or BMP)")
        }
    }

    /// In-memory JPEG round trip helpers (the synthetic dataset's compression distortion uses them).
    public static func encodeJPEG(_ image: RGBImage, quality: Int) throws -> [UInt8] {
        try JPEGCodec.encode(image, quality: quality)
    }

    public static func decodeJPEG(_ bytes: [UInt8]) throws -> RGBImage {
        try JPEGCodec.decode(bytes)
    }

    public static func encodePNG(_ image: RGBImage) throws -> [UInt8] {
        try PNGCodec.encode(image)
    }

    /// Writes `image` as a lossless 8-bit RGB PNG.
    public static func writePNG(_ image: RGBImage, to url: URL) throws {
        let bytes: [UInt8]
        do { bytes = try PNGCodec.encode(image) } catch let error as ImageError { throw error.naming(url.path) }
        try AtomicFile.write(bytes, to: url)
    }

    /// Writes `image` as a baseline JPEG at `quality` (1...100), 4:2:0 unless told otherwise.
    public static func writeJPEG(_ image: RGBImage, quality: Int, subsampling: JPEGCodec.Subsampling = .s420, to url: URL) throws {
        let bytes: [UInt8]
        do { bytes = try JPEGCodec.encode(image, quality: quality, subsampling: subsampling) } catch let error as ImageError { throw error.naming(url.path) }
        try AtomicFile.write(bytes, to: url)
    }
}
