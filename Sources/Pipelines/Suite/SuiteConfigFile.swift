import Foundation
import Yams

/// Reading a suite config: a YAML or JSON document (JSON is YAML) merged key by key over the defaults,
/// then `--set key.path=value` overrides. Every key must exist in the defaults, so a typo is an error
/// that names it instead of a silently ignored setting. Values are YAML scalars (`0.3`, `true`,
/// `[baiqa, wanet]`); `null` keeps the default.
public enum SuiteConfigFile {
    public static func load(_ url: URL?, overrides: [String] = []) throws -> SuiteConfig {
        var tree = try defaultsTree()
        if let url {
            let text: String
            do { text = try String(contentsOf: url, encoding: .utf8) } catch {
                throw SuiteConfigError("\(url.path): cannot read the config file (\(error.localizedDescription))")
            }
            let parsed: Any?
            do { parsed = try Yams.load(yaml: text) } catch { throw SuiteConfigError("\(url.path): not valid YAML or JSON: \(error)") }
            if let parsed, !(parsed is NSNull) {
                guard var user = parsed as? [AnyHashable: Any] else { throw SuiteConfigError("\(url.path): the document must be a mapping of keys to values") }
                // A sweep's axes are not a suite's settings (SuiteSweep reads them).
                user[AnyHashable("sweep")] = nil
                try merge(user, into: &tree, path: [], source: url.path)
            }
        }
        for item in overrides {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw SuiteConfigError("--set \(item): expected key.path=value")
            }
            let path = item[..<eq].split(separator: ".").map(String.init)
            let valueText = String(item[item.index(after: eq)...])
            let value: Any
            do { value = try Yams.load(yaml: valueText) ?? NSNull() } catch { throw SuiteConfigError("--set \(item): value is not a YAML scalar or list: \(error)") }
            var nested: Any = value
            for key in path.reversed() { nested = [AnyHashable(key): nested] }
            try merge(nested as! [AnyHashable: Any], into: &tree, path: [], source: "--set \(item)")
        }
        return try decode(tree, source: url?.path ?? "config")
    }

    /// The config file's `sweep:` section: key path → the values it takes, each as YAML text for `--set`
    /// (JSON, which is YAML), in key order. Empty without a file or section.
    public static func sweepSection(_ url: URL?) throws -> [(key: String, values: [String])] {
        guard let url, let text = try? String(contentsOf: url, encoding: .utf8),
              let document = (try? Yams.load(yaml: text)) as? [AnyHashable: Any], let section = document[AnyHashable("sweep")] else { return [] }
        if section is NSNull { return [] }
        guard let axes = section as? [AnyHashable: Any] else {
            throw SuiteConfigError("\(url.path): 'sweep' must map key paths to lists of values, e.g. sweep: {seed: [0, 1, 2]}")
        }
        return try axes.map { rawKey, value -> (key: String, values: [String]) in
            let key = "\(rawKey.base)"
            guard let list = value as? [Any], !list.isEmpty else {
                throw SuiteConfigError("\(url.path): 'sweep.\(key)' must be a non-empty list of values")
            }
            return (key, try list.map { v in
                let json = try jsonValue(v, key: "sweep.\(key)", source: url.path)
                if let string = json as? String { return string }
                let data = try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed, .sortedKeys])
                return String(decoding: data, as: UTF8.self)
            })
        }.sorted { $0.key < $1.key }
    }

    /// The defaults as a JSON-like tree with snake_case keys (what a config file overrides).
    static func defaultsTree() throws -> [String: Any] {
        let data = try encoder().encode(SuiteConfig())
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }

    /// The config as the user would write it (JSON, snake_case): the run folder's `config.json`.
    public static func json(_ config: SuiteConfig) throws -> Data { try encoder().encode(config) }

    static func merge(_ user: [AnyHashable: Any], into tree: inout [String: Any], path: [String], source: String) throws {
        for (rawKey, value) in user {
            guard let key = rawKey.base as? String else { throw SuiteConfigError("\(source): key \(rawKey) is not a string") }
            let here = (path + [key]).joined(separator: ".")
            guard let current = tree[key] else {
                let known = tree.keys.sorted().joined(separator: ", ")
                throw SuiteConfigError("\(source): unknown key '\(here)' (known here: \(known))")
            }
            if value is NSNull { continue }
            if var sub = current as? [String: Any] {
                guard let userSub = value as? [AnyHashable: Any] else { throw SuiteConfigError("\(source): '\(here)' must be a mapping") }
                try merge(userSub, into: &sub, path: path + [key], source: source)
                tree[key] = sub
            } else {
                tree[key] = try jsonValue(value, key: here, source: source)
            }
        }
    }

    /// YAML values → JSON-serialisable values (YAML dates and binary are not config values).
    static func jsonValue(_ value: Any, key: String, source: String) throws -> Any {
        switch value {
        case let v as Bool: return v
        case let v as Int: return v
        case let v as Double:
            guard v.isFinite else { throw SuiteConfigError("\(source): '\(key)' must be finite, got \(v)") }
            return v
        case let v as String: return v
        case let v as [Any]: return try v.map { try jsonValue($0, key: key, source: source) }
        case let v as [AnyHashable: Any]:
            var out: [String: Any] = [:]
            for (k, x) in v { out["\(k.base)"] = try jsonValue(x, key: "\(key).\(k.base)", source: source) }
            return out
        default: throw SuiteConfigError("\(source): '\(key)' has an unsupported value \(value)")
        }
    }

    static func decode(_ tree: [String: Any], source: String) throws -> SuiteConfig {
        let data = try JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys])
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { return try decoder.decode(SuiteConfig.self, from: data) } catch let error as DecodingError {
            throw SuiteConfigError("\(source): \(describe(error))")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ c: [CodingKey]) -> String {
            c.map { $0.intValue.map { "[\($0)]" } ?? snake($0.stringValue) }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .typeMismatch(let type, let ctx): return "'\(path(ctx.codingPath))': expected \(type)"
        case .valueNotFound(let type, let ctx): return "'\(path(ctx.codingPath))': missing \(type)"
        case .keyNotFound(let key, let ctx): return "'\(path(ctx.codingPath + [key]))': missing"
        case .dataCorrupted(let ctx): return "'\(path(ctx.codingPath))': \(ctx.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    static func snake(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }
}
