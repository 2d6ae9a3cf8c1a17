import Foundation

// A minimal ZIP reader and writer for torch.save archives: stored (uncompressed) entries only,
// no ZIP64. That is all PyTorch writes for files under 4 GiB, and keeping it minimal keeps the
// attack surface of a file parser small. Every read is bounds-checked.

/// CRC-32 (IEEE 802.3, the polynomial ZIP uses), table-driven.
enum CRC32 {
    static let table: [UInt32] = (0 ..< 256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0 ..< 8 { c = (c & 1) != 0 ? (0xEDB8_8320 ^ (c >> 1)) : (c >> 1) }
        return c
    }

    static func checksum(_ data: Data) -> UInt32 {
        data.withUnsafeBytes { checksum($0) }
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { crc = t[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }
}

/// Little-endian reads from `Data` that return nil instead of trapping when out of range.
extension Data {
    func readLE<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= count - size else { return nil }
        var value: T = 0
        for i in 0 ..< size { value |= T(self[startIndex + offset + i]) << (8 * i) }
        return value
    }

    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

struct ZipEntry {
    var name: String
    var flags: UInt16
    var method: UInt16
    var crc32: UInt32
    var compressedSize: Int
    var size: Int
    var localHeaderOffset: Int
}

struct ZipReader {
    static let localSignature: UInt32 = 0x0403_4B50
    static let centralSignature: UInt32 = 0x0201_4B50
    static let endSignature: UInt32 = 0x0605_4B50

    /// Zero-based bytes of the whole archive.
    let data: Data
    let entries: [ZipEntry]
    private let byName: [String: Int]

    init(_ input: Data) throws {
        let data = input.startIndex == 0 ? input : Data(input)
        self.data = data
        let looksLikeZip = data.count >= 4 && data.readLE(UInt32.self, at: 0) == ZipReader.localSignature

        // The end-of-central-directory record is 22 bytes plus an optional comment (≤ 65535).
        var endOffset: Int?
        if data.count >= 22 {
            let lowest = Swift.max(0, data.count - 22 - 0xFFFF)
            var p = data.count - 22
            while p >= lowest {
                if data[p] == 0x50, data.readLE(UInt32.self, at: p) == ZipReader.endSignature {
                    endOffset = p
                    break
                }
                p -= 1
            }
        }
        guard let end = endOffset else {
            if looksLikeZip {
                throw TorchFileError(.truncated, "truncated (zip end-of-central-directory record not found)")
            }
            if data.count >= 2, data[0] == 0x80, data[1] <= 5 {
                throw TorchFileError(.unsupported,
                    "legacy torch.save format (PyTorch < 1.6 or _use_new_zipfile_serialization=False) is not supported; "
                    + "re-save it with a newer PyTorch")
            }
            throw TorchFileError(.notZip, "not a zip archive (PyTorch ≥1.6 format expected)")
        }
        guard let disk = data.readLE(UInt16.self, at: end + 4),
              let cdDisk = data.readLE(UInt16.self, at: end + 6),
              let diskEntries = data.readLE(UInt16.self, at: end + 8),
              let totalEntries = data.readLE(UInt16.self, at: end + 10),
              let cdSize = data.readLE(UInt32.self, at: end + 12),
              let cdOffset = data.readLE(UInt32.self, at: end + 16)
        else { throw TorchFileError(.truncated, "truncated (zip end record)") }
        // PyTorch's writer always adds a ZIP64 end record and locator, even to small files; they
        // only matter when the classic record's fields are saturated, which means "see ZIP64".
        if totalEntries == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            throw TorchFileError(.unsupported, "ZIP64 archives are not supported (file larger than 4 GiB?)")
        }
        guard disk == 0, cdDisk == 0, diskEntries == totalEntries else {
            throw TorchFileError(.unsupported, "multi-part zip archives are not supported")
        }
        guard Int(cdOffset) + Int(cdSize) <= end else {
            throw TorchFileError(.truncated, "truncated (zip central directory lies outside the file)")
        }

        var entries: [ZipEntry] = []
        var byName: [String: Int] = [:]
        var p = Int(cdOffset)
        for _ in 0 ..< Int(totalEntries) {
            guard let sig = data.readLE(UInt32.self, at: p), let flags = data.readLE(UInt16.self, at: p + 8),
                  let method = data.readLE(UInt16.self, at: p + 10), let crc = data.readLE(UInt32.self, at: p + 16),
                  let csize = data.readLE(UInt32.self, at: p + 20), let usize = data.readLE(UInt32.self, at: p + 24),
                  let nameLength = data.readLE(UInt16.self, at: p + 28),
                  let extraLength = data.readLE(UInt16.self, at: p + 30),
                  let commentLength = data.readLE(UInt16.self, at: p + 32),
                  let localOffset = data.readLE(UInt32.self, at: p + 42)
            else { throw TorchFileError(.truncated, "truncated (zip central directory)") }
            guard sig == ZipReader.centralSignature else {
                throw TorchFileError(.corruptArchive, "corrupt zip central directory (bad signature at byte \(p))")
            }
            let nameStart = p + 46
            guard nameStart + Int(nameLength) <= end else {
                throw TorchFileError(.truncated, "truncated (zip central directory)")
            }
            let nameBytes = data[nameStart ..< nameStart + Int(nameLength)]
            let name = String(bytes: nameBytes, encoding: .utf8) ?? String(decoding: nameBytes, as: UTF8.self)
            if csize == 0xFFFF_FFFF || usize == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                throw TorchFileError(.unsupported, "ZIP64 archives are not supported (entry '\(name)')")
            }
            if byName[name] == nil { byName[name] = entries.count }
            entries.append(ZipEntry(name: name, flags: flags, method: method, crc32: crc,
                                    compressedSize: Int(csize), size: Int(usize), localHeaderOffset: Int(localOffset)))
            p = nameStart + Int(nameLength) + Int(extraLength) + Int(commentLength)
        }
        self.entries = entries
        self.byName = byName
    }

    func entry(named name: String) -> ZipEntry? {
        byName[name].map { entries[$0] }
    }

    /// The bytes of a stored entry, CRC-checked.
    func contents(of entry: ZipEntry) throws -> Data {
        if entry.flags & 1 != 0 {
            throw TorchFileError(.unsupported, "entry '\(entry.name)' is encrypted")
        }
        guard entry.method == 0 else {
            let how = entry.method == 8 ? "deflate-compressed" : "compressed (method \(entry.method))"
            throw TorchFileError(.unsupported,
                "entry '\(entry.name)' is \(how); only stored (uncompressed) entries, as torch.save writes, are supported")
        }
        guard entry.compressedSize == entry.size else {
            throw TorchFileError(.corruptArchive, "entry '\(entry.name)' is stored but its sizes differ")
        }
        let h = entry.localHeaderOffset
        guard let sig = data.readLE(UInt32.self, at: h), let nameLength = data.readLE(UInt16.self, at: h + 26),
              let extraLength = data.readLE(UInt16.self, at: h + 28)
        else { throw TorchFileError(.truncated, "truncated (local header of '\(entry.name)')") }
        guard sig == ZipReader.localSignature else {
            throw TorchFileError(.corruptArchive, "corrupt zip: bad local header for entry '\(entry.name)'")
        }
        let start = h + 30 + Int(nameLength) + Int(extraLength)
        guard start + entry.size <= data.count else {
            throw TorchFileError(.truncated, "truncated (entry '\(entry.name)' runs past the end of the file)")
        }
        let bytes = data.subdata(in: start ..< start + entry.size)
        guard CRC32.checksum(bytes) == entry.crc32 else {
            throw TorchFileError(.corruptArchive, "entry '\(entry.name)' is corrupt (CRC-32 mismatch)")
        }
        return bytes
    }
}

/// Writes a ZIP archive of stored entries whose data start on `alignment`-byte boundaries, as
/// PyTorch's writer does (so readers can memory-map storages): the local header's extra field
/// carries the padding, under the header id "FB" that PyTorch uses for it.
struct ZipWriter {
    private(set) var output = Data()
    private var central = Data()
    private var count = 0
    let alignment: Int

    init(alignment: Int = 64) {
        self.alignment = alignment
    }

    mutating func add(name: String, contents: Data) throws {
        let nameBytes = Array(name.utf8)
        guard nameBytes.count <= 0xFFFF else { throw TorchFileError(.unencodable, "zip entry name too long: \(name)") }
        guard count < 0xFFFF else { throw TorchFileError(.unencodable, "too many entries for a zip without ZIP64") }
        let offset = output.count
        guard offset < 0xFFFF_FFFF, contents.count < 0xFFFF_FFFF,
              offset + 30 + nameBytes.count + 4 + alignment + contents.count < 0xFFFF_FFFF
        else {
            throw TorchFileError(.unencodable, "archive larger than 4 GiB needs ZIP64, which this writer does not produce")
        }
        // Data would start after the 30-byte header, the name, and the extra field's 4-byte header.
        let unpadded = offset + 30 + nameBytes.count + 4
        let padding = (alignment - unpadded % alignment) % alignment
        let crc = CRC32.checksum(contents)
        let utf8Flag: UInt16 = nameBytes.allSatisfy { $0 < 0x80 } ? 0 : 0x0800

        output.appendLE(ZipReader.localSignature)
        output.appendLE(UInt16(20))  // version needed to extract
        output.appendLE(utf8Flag)
        output.appendLE(UInt16(0))  // method: stored
        output.appendLE(UInt16(0))  // time 00:00
        output.appendLE(UInt16(0x21))  // date 1980-01-01 (fixed, so output is reproducible)
        output.appendLE(crc)
        output.appendLE(UInt32(contents.count))
        output.appendLE(UInt32(contents.count))
        output.appendLE(UInt16(nameBytes.count))
        output.appendLE(UInt16(4 + padding))
        output.append(contentsOf: nameBytes)
        output.append(contentsOf: [0x46, 0x42])  // "FB"
        output.appendLE(UInt16(padding))
        output.append(Data(repeating: 0x5A, count: padding))  // "Z"
        output.append(contents)

        central.appendLE(ZipReader.centralSignature)
        central.appendLE(UInt16(20))  // version made by
        central.appendLE(UInt16(20))  // version needed
        central.appendLE(utf8Flag)
        central.appendLE(UInt16(0))
        central.appendLE(UInt16(0))
        central.appendLE(UInt16(0x21))
        central.appendLE(crc)
        central.appendLE(UInt32(contents.count))
        central.appendLE(UInt32(contents.count))
        central.appendLE(UInt16(nameBytes.count))
        central.appendLE(UInt16(0))  // extra
        central.appendLE(UInt16(0))  // comment
        central.appendLE(UInt16(0))  // disk
        central.appendLE(UInt16(0))  // internal attributes
        central.appendLE(UInt32(0))  // external attributes
        central.appendLE(UInt32(offset))
        central.append(contentsOf: nameBytes)
        count += 1
    }

    mutating func finish() throws -> Data {
        let cdOffset = output.count
        guard cdOffset + central.count < 0xFFFF_FFFF else {
            throw TorchFileError(.unencodable, "archive larger than 4 GiB needs ZIP64, which this writer does not produce")
        }
        output.append(central)
        output.appendLE(ZipReader.endSignature)
        output.appendLE(UInt16(0))
        output.appendLE(UInt16(0))
        output.appendLE(UInt16(count))
        output.appendLE(UInt16(count))
        output.appendLE(UInt32(central.count))
        output.appendLE(UInt32(cdOffset))
        output.appendLE(UInt16(0))  // comment length
        return output
    }
}
