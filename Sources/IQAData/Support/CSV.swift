import Foundation

/// A small RFC 4180 CSV reader/writer: comma separated, fields optionally in double quotes (which
/// may then hold commas, line breaks and `""` for a quote), LF or CRLF line ends, a leading UTF-8
/// byte-order mark ignored, blank lines skipped. Fields are returned as written (no trimming).
public enum CSV {
    public struct Record: Equatable, Sendable {
        public var fields: [String]
        /// 1-based line of the file on which the record starts.
        public var line: Int
    }

    public struct ParseError: Error, CustomStringConvertible, Equatable, Sendable {
        public var line: Int
        public var problem: String
        public var description: String { "line \(line): \(problem)" }
    }

    public static func parse(_ text: String) throws -> [Record] {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var inQuotes = false, wasQuoted = false, recordHasContent = false
        var i = 0

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        func endRecord() {
            endField()
            // A line with nothing on it is not a record of one empty field.
            if recordHasContent || fields.count > 1 { records.append(Record(fields: fields, line: recordLine)) }
            fields.removeAll()
            recordHasContent = false
        }

        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == quote {
                    if i + 1 < bytes.count && bytes[i + 1] == quote {
                        field.append(quote)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if b == lf { line += 1 }
                    field.append(b)
                }
                i += 1
                continue
            }
            switch b {
            case quote:
                guard field.isEmpty && !wasQuoted else {
                    throw ParseError(line: line, problem: "stray double quote inside an unquoted field")
                }
                inQuotes = true
                wasQuoted = true
                recordHasContent = true
            case comma:
                endField()
                recordHasContent = true
            case cr where i + 1 < bytes.count && bytes[i + 1] == lf:
                break // the LF that follows ends the record
            case lf, cr:
                endRecord()
                line += 1
                recordLine = line
            default:
                if wasQuoted {
                    throw ParseError(line: line, problem: "text after the closing quote of a field")
                }
                field.append(b)
                recordHasContent = true
            }
            i += 1
        }
        if inQuotes { throw ParseError(line: recordLine, problem: "quoted field is never closed") }
        if recordHasContent || !field.isEmpty { endRecord() }
        return records
    }

    /// `value` quoted if it needs to be (comma, quote or line break).
    public static func escape(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
