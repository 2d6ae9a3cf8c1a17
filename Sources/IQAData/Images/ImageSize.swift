import Foundation

/// An image's pixel size.
public struct ImageSize: Hashable, Codable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public var description: String { "\(width)x\(height)" }
}

extension ImageIO {
    /// The most pixels an image may have; larger headers are refused before anything is decoded or
    /// allocated (a 100000x100000 PNG of a few bytes would ask for 30 GB). The default is PIL's
    /// decompression-bomb limit (2 × 89,478,485); `BAIQA_MAX_IMAGE_PIXELS` raises or lowers it.
    public static let defaultMaxPixels = 178_956_970
    public static let maxPixels: Int = {
        guard let text = ProcessInfo.processInfo.environment["BAIQA_MAX_IMAGE_PIXELS"] else { return defaultMaxPixels }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")), value > 0 else {
            FileHandle.standardError.write(Data("warning: BAIQA_MAX_IMAGE_PIXELS=\(text) is not a positive integer; using \(defaultMaxPixels)\n".utf8))
            return defaultMaxPixels
        }
        return value
    }()

    /// The size of the image at `url` from its header alone (JPEG frame header, PNG IHDR, BMP
    /// info header), reading only as much of the file as needed. Why: a report on a 10,000-image
    /// dataset should not have to decode every image to list their sizes. A damaged header is an
    /// `ImageError`; damage further into the file is only found by decoding.
    public static func size(of url: URL) throws -> ImageSize {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImageError(.missingFile, file: path, "no such file")
        }
        if isDirectory.boolValue { throw ImageError(.unsupportedFormat, file: path, "is a directory, not an image") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImageError(.missingFile, file: path, "cannot open for reading")
        }
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        var chunk = 1 << 16
        while true {
            let data: Data
            do { data = try handle.read(upToCount: chunk) ?? Data() } catch {
                throw ImageError(.missingFile, file: path, "cannot read: \(AtomicFile.reason(error))")
            }
            let atEnd = data.count < chunk
            bytes.append(contentsOf: data)
            do {
                if let size = try headerSize(bytes, complete: atEnd) { return size }
            } catch let error as ImageError {
                throw error.naming(path)
            }
            chunk *= 2
        }
    }

    /// The size in `bytes`' header; nil when more bytes are needed (only if `complete` is false).
    static func headerSize(_ bytes: [UInt8], complete: Bool) throws -> ImageSize? {
        if bytes.isEmpty { throw ImageError(.emptyFile, file: nil, "empty file (0 bytes)") }
        func need(_ n: Int, _ what: String) throws -> Bool {
            if bytes.count >= n { return true }
            if complete { throw ImageError(.corrupt, file: nil, "truncated \(what) header") }
            return false
        }
        func be16(_ i: Int) -> Int { Int(bytes[i]) << 8 | Int(bytes[i + 1]) }
        func be32(_ i: Int) -> Int { be16(i) << 16 | be16(i + 2) }
        func le16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func le32(_ i: Int) -> Int32 { Int32(bitPattern: UInt32(le16(i)) | UInt32(le16(i + 2)) << 16) }
        func checked(_ w: Int, _ h: Int, _ format: String) throws -> ImageSize {
            guard w > 0, h > 0 else { throw ImageError(.corrupt, file: nil, "\(format) header gives an empty size \(w)x\(h)") }
            guard w <= maxPixels / h else {
                throw ImageError(.tooLarge, file: nil, "\(format) header claims \(w)x\(h) pixels, above the limit of \(maxPixels) "
                                 + "(refused before decoding; raise it with BAIQA_MAX_IMAGE_PIXELS)")
            }
            return ImageSize(width: w, height: h)
        }

        switch ImageFormat.sniff(bytes) {
        case .png:
            guard try need(24, "PNG") else { return nil }
            guard Array(bytes[12..<16]) == Array("IHDR".utf8) else {
                throw ImageError(.corrupt, file: nil, "PNG does not start with an IHDR chunk")
            }
            return try checked(be32(16), be32(20), "PNG")
        case .bmp:
            guard try need(26, "BMP") else { return nil }
            let infoSize = Int(le32(14))
            if infoSize == 12 { return try checked(le16(18), le16(20), "BMP") } // OS/2 core header
            return try checked(Int(le32(18)), Int(abs(Int64(le32(22)))), "BMP")
        case .jpeg:
            var i = 2
            while true {
                // Markers are 0xFF (possibly repeated as fill) and a code.
                guard try need(i + 2, "JPEG") else { return nil }
                guard bytes[i] == 0xFF else {
                    throw ImageError(.corrupt, file: nil, "corrupt JPEG: no marker at byte \(i) before the frame header")
                }
                var code = bytes[i + 1]
                while code == 0xFF {
                    i += 1
                    guard try need(i + 2, "JPEG") else { return nil }
                    code = bytes[i + 1]
                }
                i += 2
                if code == 0x01 || (0xD0...0xD7).contains(code) { continue } // no length
                if code == 0xD9 || code == 0xDA {
                    throw ImageError(.corrupt, file: nil, "corrupt JPEG: no frame header before the image data")
                }
                guard try need(i + 2, "JPEG") else { return nil }
                let length = be16(i)
                guard length >= 2 else { throw ImageError(.corrupt, file: nil, "corrupt JPEG: segment length \(length)") }
                let isFrame = (0xC0...0xCF).contains(code) && code != 0xC4 && code != 0xC8 && code != 0xCC
                if isFrame {
                    guard try need(i + 7, "JPEG") else { return nil }
                    return try checked(be16(i + 5), be16(i + 3), "JPEG")
                }
                i += length
            }
        case nil:
            let head = bytes.prefix(4).map { String(format: "%02X", $0) }.joined(separator: " ")
            throw ImageError(.unsupportedFormat, file: nil,
                             "unsupported image format (starts with \(head); expected JPEG, PNG or BMP)")
        }
    }
}
