import Foundation

/// The JSON files runs write and read back: pretty, sorted keys, atomic writes; non-finite numbers as
/// the strings "inf", "-inf" and "nan" (a correlation of constant predictions is NaN, not an error).
public enum JSONFiles {
    public enum Keys { case asIs, snakeCase }

    public static func encoder(keys: Keys = .asIs) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        if keys == .snakeCase { e.keyEncodingStrategy = .convertToSnakeCase }
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    public static func data<T: Encodable>(_ value: T, keys: Keys = .asIs) throws -> Data {
        try encoder(keys: keys).encode(value)
    }

    public static func write<T: Encodable>(_ value: T, to url: URL, keys: Keys = .asIs) throws {
        try data(value, keys: keys).write(to: url, options: .atomic)
    }

    /// Reads a file this tool wrote; the error names the file.
    public static func read<T: Decodable>(_ type: T.Type, from url: URL, keys: Keys = .asIs) throws -> T {
        let d = JSONDecoder()
        if keys == .snakeCase { d.keyDecodingStrategy = .convertFromSnakeCase }
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try d.decode(T.self, from: Data(contentsOf: url)) } catch { throw RunError("\(url.path): unreadable (\(error))") }
    }

    /// Text for stdout.
    public static func string<T: Encodable>(_ value: T, keys: Keys = .asIs) throws -> String {
        String(decoding: try data(value, keys: keys), as: UTF8.self)
    }
}
