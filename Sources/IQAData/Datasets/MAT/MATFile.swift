import Foundation

/// A reader for MATLAB Level-5 MAT files (v5/v6/v7, not the HDF5-based v7.3), limited to what IQA
/// datasets ship: cell arrays of strings and numeric arrays, optionally zlib-compressed (v7).
///
/// Why our own reader: LIVEC's score and name lists exist only as .mat files, and a reader this
/// small (no structs, sparse, complex or objects) is easier to trust than a dependency. Every
/// problem is a `DatasetError` naming the file: truncated data, a bad header, a damaged zlib
/// stream, an unsupported class. Malformed input never traps.
public enum MATFile {
    /// Ceiling on what one compressed element may inflate to (LIVEC's largest needs 75 KB).
    public static let defaultMaxInflatedBytes = 256 << 20

    /// Reads every variable of the MAT file at `url`, by name.
    public static func read(_ url: URL, maxInflatedBytes: Int = defaultMaxInflatedBytes) throws -> [String: MATValue] {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DatasetError(file: path, "MAT file does not exist")
        }
        guard !isDirectory.boolValue else { throw DatasetError(file: path, "is a folder, not a MAT file") }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw DatasetError(file: path, "cannot read: \(AtomicFile.reason(error))")
        }
        return try parse(bytes, file: path, maxInflatedBytes: maxInflatedBytes)
    }

    /// Parses MAT-file bytes; `file` is the name errors give.
    public static func parse(_ bytes: [UInt8], file: String,
                             maxInflatedBytes: Int = defaultMaxInflatedBytes) throws -> [String: MATValue] {
        do {
            var parser = MATParser(maxInflatedBytes: maxInflatedBytes)
            return try parser.parseFile(bytes)
        } catch let problem as MATParser.Problem {
            throw DatasetError(file: file, problem.text)
        }
    }
}

/// The parsing proper; problems are thrown without the file name, which `MATFile` adds.
struct MATParser {
    struct Problem: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    // Data types (the tag's first word).
    static let miINT8: UInt32 = 1, miUINT8: UInt32 = 2, miINT16: UInt32 = 3, miUINT16: UInt32 = 4
    static let miINT32: UInt32 = 5, miUINT32: UInt32 = 6, miSINGLE: UInt32 = 7, miDOUBLE: UInt32 = 9
    static let miINT64: UInt32 = 12, miUINT64: UInt32 = 13, miMATRIX: UInt32 = 14, miCOMPRESSED: UInt32 = 15
    static let miUTF8: UInt32 = 16, miUTF16: UInt32 = 17, miUTF32: UInt32 = 18

    // Array classes (the low byte of the array flags).
    static let mxCELL: UInt32 = 1, mxCHAR: UInt32 = 4

    static let classNames: [UInt32: String] = [
        1: "cell", 2: "struct", 3: "object", 4: "char", 5: "sparse", 6: "double", 7: "single",
        8: "int8", 9: "uint8", 10: "int16", 11: "uint16", 12: "int32", 13: "uint32", 14: "int64",
        15: "uint64", 16: "function handle", 17: "opaque",
    ]

    let maxInflatedBytes: Int
    /// Set from the header: "MI" read as little-endian means the writer was big-endian.
    var bigEndian = false

    init(maxInflatedBytes: Int) {
        self.maxInflatedBytes = maxInflatedBytes
    }

    /// A view of one buffer (the file, or one inflated element) with a position, and where it
    /// came from for messages.
    struct Buffer {
        let bytes: ArraySlice<UInt8>
        var pos: Int
        /// " (inside the compressed element at byte N)" or "".
        let origin: String

        var remaining: Int { bytes.endIndex - pos }
    }

    struct Element {
        var type: UInt32
        var data: ArraySlice<UInt8>
        /// Where the tag starts: a byte offset in the file, or in the inflated element.
        var offset: Int
    }

    // MARK: File level

    mutating func parseFile(_ bytes: [UInt8]) throws -> [String: MATValue] {
        if bytes.isEmpty { throw Problem("empty file (0 bytes)") }
        guard bytes.count >= 128 else {
            throw Problem("truncated: \(bytes.count) bytes, shorter than the 128-byte MAT header")
        }
        let text = String(decoding: bytes[0..<116], as: UTF8.self)
        guard text.hasPrefix("MATLAB") else {
            throw Problem("bad header: not a MAT v5 file (the header text does not start with \"MATLAB\")")
        }
        switch (bytes[126], bytes[127]) {
        case (0x49, 0x4D): bigEndian = false // "IM"
        case (0x4D, 0x49): bigEndian = true // "MI"
        default:
            throw Problem(String(format: "bad header: endian indicator is 0x%02X%02X, expected \"IM\" or \"MI\"",
                                 bytes[126], bytes[127]))
        }
        let version = u16(bytes[124...125])
        if version == 0x0200 {
            throw Problem("MAT v7.3 (HDF5) files are not supported; save with -v7 or -v6")
        }
        guard version == 0x0100 else {
            throw Problem(String(format: "bad header: version 0x%04X, expected 0x0100", version))
        }

        var variables: [String: MATValue] = [:]
        var buffer = Buffer(bytes: bytes[...], pos: 128, origin: "")
        while buffer.remaining > 0 {
            let element = try readElement(&buffer, topLevel: true)
            let variable: (name: String, value: MATValue)
            switch element.type {
            case Self.miMATRIX:
                variable = try topLevelMatrix(element, in: buffer)
            case Self.miCOMPRESSED:
                let inflated: [UInt8]
                do {
                    inflated = try Zlib.inflate(element.data, maxOutput: maxInflatedBytes)
                } catch let failure as Zlib.Failure {
                    throw Problem("bad zlib stream in the compressed element at byte \(element.offset): \(failure.description)")
                }
                var inner = Buffer(bytes: inflated[...], pos: 0,
                                   origin: " (inside the compressed element at byte \(element.offset))")
                let matrix = try readElement(&inner, topLevel: true)
                guard matrix.type == Self.miMATRIX else {
                    throw Problem("compressed element at byte \(element.offset) holds data type \(matrix.type), expected a matrix (14)")
                }
                guard inner.remaining == 0 else {
                    throw Problem("compressed element at byte \(element.offset) holds more than one matrix")
                }
                variable = try topLevelMatrix(matrix, in: inner)
            default:
                throw Problem("unexpected data type \(element.type) at byte \(element.offset) (expected a matrix or a compressed element)")
            }
            guard variables[variable.name] == nil else {
                throw Problem("variable \"\(variable.name)\" appears twice")
            }
            variables[variable.name] = variable.value
        }
        return variables
    }

    func topLevelMatrix(_ element: Element, in buffer: Buffer) throws -> (name: String, value: MATValue) {
        let (name, value) = try matrix(element, origin: buffer.origin, depth: 0)
        guard !name.isEmpty else { throw Problem("a variable at byte \(element.offset)\(buffer.origin) has no name") }
        guard let value else { throw Problem("variable \"\(name)\" is empty (a 0-byte matrix)") }
        return (name, value)
    }

    // MARK: Elements

    /// Reads one tagged element (either tag format) and moves past it and its padding. Compressed
    /// elements are not padded; a top-level element may lack the padding at the very end.
    func readElement(_ buffer: inout Buffer, topLevel: Bool = false) throws -> Element {
        let start = buffer.pos
        let offset = start
        guard buffer.remaining >= 8 else {
            throw Problem("truncated: data element at byte \(offset)\(buffer.origin) needs an 8-byte tag, only \(buffer.remaining) bytes remain")
        }
        let first = u32(buffer.bytes[start..<start + 4])
        if first >> 16 != 0 {
            // Small data element: 2-byte size and 2-byte type, data in the tag's second word.
            let type = first & 0xFFFF
            let size = Int(first >> 16)
            guard size <= 4 else {
                throw Problem("malformed small data element at byte \(offset)\(buffer.origin): size \(size) > 4")
            }
            buffer.pos = start + 8
            return Element(type: type, data: buffer.bytes[start + 4..<start + 4 + size], offset: offset)
        }
        let type = first
        let size = Int(u32(buffer.bytes[start + 4..<start + 8]))
        let dataStart = start + 8
        guard size <= buffer.bytes.endIndex - dataStart else {
            throw Problem("truncated: data element at byte \(offset)\(buffer.origin) claims \(size) bytes, only \(buffer.bytes.endIndex - dataStart) remain")
        }
        let data = buffer.bytes[dataStart..<dataStart + size]
        if type == Self.miCOMPRESSED {
            buffer.pos = dataStart + size
        } else {
            let padded = dataStart + (size + 7) / 8 * 8
            guard padded <= buffer.bytes.endIndex || topLevel else {
                throw Problem("truncated: padding of the data element at byte \(offset)\(buffer.origin) is missing")
            }
            buffer.pos = min(padded, buffer.bytes.endIndex)
        }
        return Element(type: type, data: data, offset: offset)
    }
}
