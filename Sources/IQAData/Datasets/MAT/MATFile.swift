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

    private func topLevelMatrix(_ element: Element, in buffer: Buffer) throws -> (name: String, value: MATValue) {
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

    // MARK: Matrices

    /// Decodes a miMATRIX element: its name (empty inside cells) and value (nil for the empty
    /// 0-byte matrix MATLAB writes for `[]` cells).
    func matrix(_ element: Element, origin: String, depth: Int) throws -> (String, MATValue?) {
        let at = "matrix at byte \(element.offset)\(origin)"
        if element.data.isEmpty { return ("", nil) }
        guard depth < 8 else { throw Problem("\(at): cell arrays nested too deeply") }
        var sub = Buffer(bytes: element.data, pos: element.data.startIndex, origin: origin)
        let flags = try readElement(&sub)
        guard flags.type == Self.miUINT32, flags.data.count == 8 else {
            throw Problem("\(at): array flags are missing or malformed")
        }
        let flagWord = u32(flags.data.prefix(4))
        let arrayClass = flagWord & 0xFF
        let isComplex = flagWord & 0x0800 != 0

        let dimsElement = try readElement(&sub)
        guard dimsElement.type == Self.miINT32, dimsElement.data.count % 4 == 0, dimsElement.data.count >= 8 else {
            throw Problem("\(at): dimensions are missing or malformed")
        }
        var dims: [Int] = []
        var index = dimsElement.data.startIndex
        while index < dimsElement.data.endIndex {
            let d = Int32(bitPattern: u32(dimsElement.data[index..<index + 4]))
            guard d >= 0 else { throw Problem("\(at): negative dimension \(d)") }
            dims.append(Int(d))
            index += 4
        }
        var count = dims.contains(0) ? 0 : 1
        for d in dims where count > 0 {
            // Every element takes at least one byte, so a count beyond the data is a damaged header.
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= element.data.count else {
                throw Problem("\(at): dimensions \(dimsText(dims)) are larger than its data")
            }
            count = product
        }

        let nameElement = try readElement(&sub)
        guard nameElement.type == Self.miINT8 || nameElement.type == Self.miUINT8 else {
            throw Problem("\(at): array name is missing or malformed")
        }
        let name = String(decoding: nameElement.data, as: UTF8.self)
        let what = name.isEmpty ? at : "variable \"\(name)\""

        guard !isComplex else { throw Problem("\(what): complex arrays are not supported") }
        switch arrayClass {
        case Self.mxCELL:
            var strings: [String] = []
            strings.reserveCapacity(count)
            for i in 0..<count {
                guard sub.remaining > 0 else {
                    throw Problem("truncated: \(what) is a \(dimsText(dims)) cell array but holds only \(i) cells")
                }
                let cell = try readElement(&sub)
                guard cell.type == Self.miMATRIX else {
                    throw Problem("\(what): cell \(i + 1) is data type \(cell.type), expected a matrix")
                }
                let (_, value) = try matrix(cell, origin: origin, depth: depth + 1)
                switch value {
                case nil: strings.append("")
                case .strings(let s) where s.count == 1: strings.append(s[0])
                case .strings(let s) where s.isEmpty: strings.append("")
                case .strings: throw Problem("\(what): cell \(i + 1) is a multi-row char array (only strings are supported)")
                case .doubles: throw Problem("\(what): cell \(i + 1) is numeric (only cells of strings are supported)")
                }
            }
            return (name, .strings(strings))
        case Self.mxCHAR:
            guard sub.remaining > 0 else {
                if count == 0 { return (name, .strings([])) }
                throw Problem("truncated: \(what) has no character data")
            }
            let data = try readElement(&sub)
            return (name, .strings(try chars(data, dims: dims, count: count, what: what)))
        case 6...15:
            guard sub.remaining > 0 else {
                if count == 0 { return (name, .doubles([], dims: dims)) }
                throw Problem("truncated: \(what) has no numeric data")
            }
            let data = try readElement(&sub)
            return (name, .doubles(try numbers(data, count: count, what: what), dims: dims))
        default:
            let className = Self.classNames[arrayClass].map { "\"\($0)\"" } ?? "\(arrayClass)"
            throw Problem("\(what): unsupported class \(className) (only cells of strings, char and numeric arrays are read)")
        }
    }

    private func dimsText(_ dims: [Int]) -> String {
        dims.map(String.init).joined(separator: "×")
    }

    /// Numeric data of any storage type, as Doubles.
    func numbers(_ element: Element, count: Int, what: String) throws -> [Double] {
        let size: Int
        switch element.type {
        case Self.miINT8, Self.miUINT8: size = 1
        case Self.miINT16, Self.miUINT16: size = 2
        case Self.miINT32, Self.miUINT32, Self.miSINGLE: size = 4
        case Self.miDOUBLE, Self.miINT64, Self.miUINT64: size = 8
        default: throw Problem("\(what): unsupported numeric data type \(element.type)")
        }
        guard element.data.count == count * size else {
            throw Problem("\(what): \(element.data.count) bytes of data for \(count) values of \(size) bytes")
        }
        var values: [Double] = []
        values.reserveCapacity(count)
        var i = element.data.startIndex
        for _ in 0..<count {
            let raw = element.data[i..<i + size]
            let v: Double
            switch element.type {
            case Self.miINT8: v = Double(Int8(bitPattern: raw.first!))
            case Self.miUINT8: v = Double(raw.first!)
            case Self.miINT16: v = Double(Int16(bitPattern: u16(raw)))
            case Self.miUINT16: v = Double(u16(raw))
            case Self.miINT32: v = Double(Int32(bitPattern: u32(raw)))
            case Self.miUINT32: v = Double(u32(raw))
            case Self.miSINGLE: v = Double(Float(bitPattern: u32(raw)))
            case Self.miINT64: v = Double(Int64(bitPattern: u64(raw)))
            case Self.miUINT64: v = Double(u64(raw))
            default: v = Double(bitPattern: u64(raw))
            }
            values.append(v)
            i += size
        }
        return values
    }

    /// Character data as one string per row (MATLAB stores char matrices column by column).
    func chars(_ element: Element, dims: [Int], count: Int, what: String) throws -> [String] {
        var units: [UInt16] = [] // UTF-16 code units, as MATLAB counts characters
        switch element.type {
        case Self.miUTF8:
            guard let s = String(bytes: element.data, encoding: .utf8) else {
                throw Problem("\(what): character data is not valid UTF-8")
            }
            units = Array(s.utf16)
        case Self.miUINT16, Self.miUTF16, Self.miINT16:
            guard element.data.count % 2 == 0 else { throw Problem("\(what): odd number of bytes of UTF-16 data") }
            var i = element.data.startIndex
            while i < element.data.endIndex {
                units.append(u16(element.data[i..<i + 2]))
                i += 2
            }
        case Self.miUINT8, Self.miINT8:
            units = element.data.map { UInt16($0) } // Latin-1
        case Self.miUTF32:
            guard element.data.count % 4 == 0 else { throw Problem("\(what): UTF-32 data is not a multiple of 4 bytes") }
            var i = element.data.startIndex
            while i < element.data.endIndex {
                guard let scalar = Unicode.Scalar(u32(element.data[i..<i + 4])) else {
                    throw Problem("\(what): invalid UTF-32 character")
                }
                units.append(contentsOf: String(scalar).utf16)
                i += 4
            }
        default:
            throw Problem("\(what): unsupported character data type \(element.type)")
        }
        guard units.count == count else {
            throw Problem("\(what): a \(dimsText(dims)) char array holds \(units.count) characters")
        }
        let rows = dims[0]
        guard rows > 0 else { return [] }
        let columns = count / rows
        var strings: [String] = []
        for r in 0..<rows {
            var row: [UInt16] = []
            row.reserveCapacity(columns)
            for c in 0..<columns { row.append(units[c * rows + r]) }
            strings.append(String(decoding: row, as: UTF16.self))
        }
        return strings
    }

    // MARK: Integers in the file's byte order

    func u16(_ b: ArraySlice<UInt8>) -> UInt16 {
        let i = b.startIndex
        return bigEndian ? UInt16(b[i]) << 8 | UInt16(b[i + 1]) : UInt16(b[i]) | UInt16(b[i + 1]) << 8
    }

    func u32(_ b: ArraySlice<UInt8>) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 {
            let byte = UInt32(b[b.startIndex + k])
            v |= bigEndian ? byte << (8 * (3 - UInt32(k))) : byte << (8 * UInt32(k))
        }
        return v
    }

    func u64(_ b: ArraySlice<UInt8>) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 {
            let byte = UInt64(b[b.startIndex + k])
            v |= bigEndian ? byte << (8 * (7 - UInt64(k))) : byte << (8 * UInt64(k))
        }
        return v
    }
}
