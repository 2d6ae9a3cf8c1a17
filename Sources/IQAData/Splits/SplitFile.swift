import Foundation

/// Split files: a `DatasetSplit` as JSON (`{"train": [...], "test": [...], "poisoned_subset":
/// [...]}`; other keys, such as a description, are ignored when reading). Writes are atomic, so an
/// interrupted run never leaves half a split behind; reads validate the split.
public enum SplitFile {
    public static func read(_ url: URL) throws -> DatasetSplit {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw DatasetError(file: path, "split file does not exist")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError(file: path, "cannot read: \(AtomicFile.reason(error))")
        }
        let split: DatasetSplit
        do {
            split = try JSONDecoder().decode(DatasetSplit.self, from: data)
        } catch let error as DecodingError {
            throw DatasetError(file: path, "not a split file: \(describe(error))")
        }
        try split.validate(source: path)
        return split
    }

    public static func write(_ split: DatasetSplit, to url: URL) throws {
        try split.validate(source: url.path)
        do {
            try AtomicFile.write(Array(try json(split).utf8), to: url)
        } catch let error as ImageError {
            throw DatasetError(file: url.path, error.problem)
        }
    }

    /// The JSON text, laid out by hand: Foundation's encoder does not keep key order on Linux, and
    /// a split file should read train, test, poisoned_subset and be byte-for-byte reproducible.
    static func json(_ split: DatasetSplit) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        func list(_ key: String, _ names: [String]) throws -> String {
            let items = try names.map { "    " + String(decoding: try encoder.encode($0), as: UTF8.self) }
            return items.isEmpty ? "  \"\(key)\": []" : "  \"\(key)\": [\n" + items.joined(separator: ",\n") + "\n  ]"
        }
        var parts = [try list("train", split.train), try list("test", split.test)]
        if let poisoned = split.poisonedSubset { parts.append(try list("poisoned_subset", poisoned)) }
        return "{\n" + parts.joined(separator: ",\n") + "\n}\n"
    }

    /// One line for a JSON decoding failure.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.reduce("") { text, key in
                if let i = key.intValue { return text + "[\(i)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
            return path.isEmpty ? "the top level" : "\"\(path)\""
        }
        switch error {
        case .keyNotFound(let key, _): return "no \"\(key.stringValue)\" list"
        case .typeMismatch(_, let context): return "\(path(context)) is not a list of image names"
        case .valueNotFound(_, let context): return "\(path(context)) is null"
        case .dataCorrupted: return "not valid JSON"
        @unknown default: return "cannot decode"
        }
    }
}
