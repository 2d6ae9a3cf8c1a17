import Foundation

/// A NumPy `.npy` array (what `np.save` writes): the official poisoned-subset positions are one.
/// Only what such index and score files use is read: format versions 1–3, little-endian int64,
/// int32, float32 and float64, C order (or 1-D Fortran order, which is the same).
public struct NPYArray: Equatable, Sendable {
    public enum Values: Equatable, Sendable {
        case int64([Int64])
        case int32([Int32])
        case float32([Float])
        case float64([Double])
    }

    public var shape: [Int]
    public var values: Values

    public init(shape: [Int], values: Values) {
        self.shape = shape
        self.values = values
    }

    /// The NumPy dtype string (`<i8`, `<i4`, `<f4`, `<f8`).
    public var dtype: String {
        switch values {
        case .int64: return "<i8"
        case .int32: return "<i4"
        case .float32: return "<f4"
        case .float64: return "<f8"
        }
    }

    public var count: Int {
        switch values {
        case .int64(let v): return v.count
        case .int32(let v): return v.count
        case .float32(let v): return v.count
        case .float64(let v): return v.count
        }
    }

    /// The values as Ints (integer arrays only: indices must not be rounded silently).
    public func intValues(source: String = "npy") throws -> [Int] {
        switch values {
        case .int64(let v):
            return try v.map {
                guard let i = Int(exactly: $0) else { throw DatasetError(file: source, "value \($0) does not fit an Int") }
                return i
            }
        case .int32(let v): return v.map { Int($0) }
        case .float32, .float64:
            throw DatasetError(file: source, "holds \(dtype) floating-point values, expected integers")
        }
    }

    /// The values as Doubles (any dtype).
    public var doubleValues: [Double] {
        switch values {
        case .int64(let v): return v.map { Double($0) }
        case .int32(let v): return v.map { Double($0) }
        case .float32(let v): return v.map { Double($0) }
        case .float64(let v): return v
        }
    }

    // MARK: Reading

    public static func read(_ url: URL) throws -> NPYArray {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw DatasetError(file: path, ".npy file does not exist") }
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw DatasetError(file: path, "cannot read: \(AtomicFile.reason(error))")
        }
        return try parse(bytes, file: path)
    }

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Parses `.npy` bytes; `file` is the name errors give.
    public static func parse(_ bytes: [UInt8], file: String) throws -> NPYArray {
        func fail(_ problem: String) -> DatasetError { DatasetError(file: file, problem) }
        if bytes.isEmpty { throw fail("empty file (0 bytes)") }
        guard bytes.count >= 10 else { throw fail("truncated: \(bytes.count) bytes, shorter than an .npy header") }
        guard bytes.starts(with: magic) else { throw fail("not an .npy file (no \\x93NUMPY magic)") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated: \(bytes.count) bytes, shorter than an .npy v\(major) header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw fail("unsupported .npy format version \(major).\(bytes[7])")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw fail("truncated: the header claims \(headerLength) bytes, only \(bytes.count - headerStart) remain")
        }
        let headerBytes = bytes[headerStart..<headerStart + headerLength]
        guard let header = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("unreadable header text")
        }
        let fields: [String: HeaderValue]
        do {
            var parser = HeaderParser(header)
            fields = try parser.parseDict()
        } catch let problem as HeaderParser.Problem {
            throw fail("malformed header \(problem.text): \(header.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard case .string(let descr)? = fields["descr"] else { throw fail("header has no 'descr' string") }
        guard case .bool(let fortran)? = fields["fortran_order"] else { throw fail("header has no 'fortran_order' flag") }
        guard case .ints(let shape)? = fields["shape"] else { throw fail("header has no 'shape' tuple") }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("negative dimension in shape \(shape)") }
        if fortran && shape.filter({ $0 > 1 }).count > 1 {
            throw fail("Fortran-order arrays are not supported (save with C order)")
        }
        let size: Int
        switch descr {
        case "<i8", "<f8": size = 8
        case "<i4", "<f4": size = 4
        default:
            throw fail("unsupported dtype '\(descr)' (supported: <i8, <i4, <f4, <f8)")
        }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail("shape \(shape) is too large") }
            count = product
        }
        let dataStart = headerStart + headerLength
        let available = bytes.count - dataStart
        guard count <= available / size else {
            throw fail("truncated: shape \(shape) needs \(count * size) bytes of data, only \(available) remain")
        }
        guard count * size == available else {
            throw fail("\(available - count * size) bytes after the data of shape \(shape)")
        }
        func word(_ at: Int, _ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<n { v |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
            return v
        }
        let offsets = (0..<count).lazy.map { dataStart + $0 * size }
        let values: Values
        switch descr {
        case "<i8": values = .int64(offsets.map { Int64(bitPattern: word($0, 8)) })
        case "<i4": values = .int32(offsets.map { Int32(bitPattern: UInt32(word($0, 4))) })
        case "<f4": values = .float32(offsets.map { Float(bitPattern: UInt32(word($0, 4))) })
        default: values = .float64(offsets.map { Double(bitPattern: word($0, 8)) })
        }
        return NPYArray(shape: shape, values: values)
    }

    // MARK: Header (a Python dict literal)

    enum HeaderValue: Equatable {
        case string(String)
        case bool(Bool)
        case ints([Int])
    }

    /// Parses `{'descr': '<i8', 'fortran_order': False, 'shape': (186,), }`: string keys; string,
    /// True/False and tuple-of-int values; trailing commas and spaces allowed.
    struct HeaderParser {
        struct Problem: Error { var text: String }
        let chars: [Character]
        var i = 0

        init(_ text: String) { chars = Array(text) }

        mutating func skipSpace() {
            while i < chars.count, chars[i].isWhitespace { i += 1 }
        }

        mutating func expect(_ c: Character) throws {
            skipSpace()
            guard i < chars.count, chars[i] == c else { throw Problem(text: "(expected '\(c)' at character \(i))") }
            i += 1
        }

        mutating func peek() -> Character? {
            skipSpace()
            return i < chars.count ? chars[i] : nil
        }

        mutating func string() throws -> String {
            skipSpace()
            guard i < chars.count, chars[i] == "'" || chars[i] == "\"" else { throw Problem(text: "(expected a string at character \(i))") }
            let quote = chars[i]
            i += 1
            var s = ""
            while i < chars.count, chars[i] != quote { s.append(chars[i]); i += 1 }
            guard i < chars.count else { throw Problem(text: "(unterminated string)") }
            i += 1
            return s
        }

        mutating func integer() throws -> Int {
            skipSpace()
            var digits = ""
            while i < chars.count, chars[i].isNumber || (digits.isEmpty && chars[i] == "-") { digits.append(chars[i]); i += 1 }
            if i < chars.count, chars[i] == "L" { i += 1 } // Python 2 longs
            guard let v = Int(digits) else { throw Problem(text: "(expected an integer at character \(i))") }
            return v
        }

        mutating func value() throws -> HeaderValue {
            switch peek() {
            case "'", "\"": return .string(try string())
            case "(":
                i += 1
                var items: [Int] = []
                while peek() != ")" {
                    items.append(try integer())
                    if peek() == "," { i += 1 } else { break }
                }
                try expect(")")
                return .ints(items)
            default:
                var word = ""
                while i < chars.count, chars[i].isLetter { word.append(chars[i]); i += 1 }
                switch word {
                case "True": return .bool(true)
                case "False": return .bool(false)
                default: throw Problem(text: "(unexpected value at character \(i))")
                }
            }
        }

        mutating func parseDict() throws -> [String: HeaderValue] {
            try expect("{")
            var result: [String: HeaderValue] = [:]
            while peek() != "}" {
                let key = try string()
                try expect(":")
                result[key] = try value()
                if peek() == "," { i += 1 } else { break }
            }
            try expect("}")
            return result
        }
    }
}
