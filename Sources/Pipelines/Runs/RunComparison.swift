import Evaluation
import Foundation
import IQAData

/// `baiqa runs compare`: the benign and attack numbers of run, suite, sweep and defence folders side by
/// side, and the configuration keys whose values differ between them (BackdoorBench's summary CSVs are
/// the model). Folders are read as JSON trees, so folders written by older versions compare too.
public struct RunComparison {
    /// One model of one folder.
    public struct Row: Equatable {
        /// The folder as it was named.
        public var run: String
        /// What the row measures: "clean model", a victim ("P-BAIQA / WaNet", "hyperIQA p-baiqa/baiqa"), or a defence.
        public var model: String
        public var plcc: Double?, srocc: Double?, krcc: Double?, rmse: Double?
        public var mmae: Double?, mmra: Double?, psnrAlpha1: Double?
    }

    public var runs: [String]
    public var rows: [Row]
    /// Flattened configuration (and environment) of each folder: key path → JSON text of the value.
    public var configs: [[String: String]]

    public init(folders: [String]) throws {
        guard folders.count >= 1 else { throw RunError("runs compare: name at least one folder") }
        if let twice = folders.first(where: { f in folders.filter { $0 == f }.count > 1 }) { throw RunError("\(twice): named twice") }
        runs = folders
        rows = []
        configs = []
        for folder in folders {
            let (rows, config) = try Self.read(folder)
            self.rows += rows
            configs.append(config)
        }
    }

    /// Keys whose value is not the same in every folder (absent counts as a value), sorted.
    public var differingKeys: [String] {
        let keys = Set(configs.flatMap(\.keys))
        return keys.filter { key in Set(configs.map { $0[key] ?? "" }).count > 1 }.sorted()
    }

    // MARK: reading

    static func json(_ url: URL) throws -> [String: Any] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw RunError("\(url.path): cannot read (\(error.localizedDescription))") }
        guard let tree = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RunError("\(url.path): not a JSON object")
        }
        return tree
    }

    static func read(_ folder: String) throws -> ([Row], [String: String]) {
        let url = URL(fileURLWithPath: folder)
        let fm = FileManager.default
        let results = url.appendingPathComponent("results.json"), sweep = url.appendingPathComponent("sweep.json")
        if fm.fileExists(atPath: sweep.path) {
            let tree = try json(sweep)
            var rows: [Row] = []
            for member in tree["members"] as? [[String: Any]] ?? [] {
                let name = member["folder"] as? String ?? "?"
                for r in member["rows"] as? [[String: Any]] ?? [] {
                    rows.append(Row(run: folder, model: "\(name): \(r["model"] as? String ?? "?")", plcc: r["plcc"] as? Double, srocc: r["srocc"] as? Double,
                                    krcc: r["krcc"] as? Double, rmse: r["rmse"] as? Double, mmae: r["mmae"] as? Double,
                                    mmra: r["mmra"] as? Double, psnrAlpha1: r["psnr_alpha1"] as? Double))
                }
            }
            return (rows, flatten(try json(url.appendingPathComponent("config.json"))))
        }
        guard fm.fileExists(atPath: results.path) else {
            throw RunError("\(folder): not a baiqa run, suite, sweep or defence folder (no results.json or sweep.json)")
        }
        let tree = try json(results)
        var config = flatten(tree["environment"] as? [String: Any] ?? [:], prefix: "environment.")
        var rows: [Row] = []
        if let runs = tree["runs"] as? [[String: Any]], let clean = tree["clean"] as? [String: Any] {
            // An attack suite: the clean model, each victim, each defence's outcome.
            rows.append(benignRow(folder, "clean model", clean["benign"]))
            for run in runs {
                var row = benignRow(folder, victimName(run), run["benign"])
                attack(run["attack_metrics"], into: &row)
                rows.append(row)
            }
            for d in tree["defences"] as? [[String: Any]] ?? [] {
                let after = d["after"] as? [String: Any] ?? [:]
                rows.append(Row(run: folder, model: "\(victimName(d)) + \(d["defence"] as? String ?? "?")", plcc: after["plcc"] as? Double,
                                srocc: after["srocc"] as? Double, rmse: after["rmse"] as? Double, mmae: after["mmae"] as? Double, mmra: after["mmra"] as? Double))
            }
            let suiteConfig = url.appendingPathComponent("config.json")
            let settings = fm.fileExists(atPath: suiteConfig.path) ? try json(suiteConfig) : tree["config"] as? [String: Any] ?? [:]
            config.merge(flatten(settings)) { a, _ in a }
        } else if let defence = tree["defence"] as? String {
            rows += defenceRows(folder, tree, name: defence)
            config.merge(flatten(tree["settings"] as? [String: Any] ?? [:], prefix: "settings.")) { a, _ in a }
            for key in ["defence", "run", "clean_images"] { if let v = tree[key] { config[key] = text(v) } }
        } else if tree["benign"] != nil {
            // A training or experiment run, with the defences run on it.
            let settings = tree["config"] as? [String: Any] ?? [:]
            var name = "clean model"
            if let attack = settings["attack"] as? [String: Any], let n = attack["name"] as? String { name = n }
            if let model = (settings["recipe"] as? [String: Any])?["model"] as? [String: Any], let kind = model.keys.sorted().first { name = "\(kind) \(name)" }
            var row = benignRow(folder, name, tree["benign"])
            if tree["attack"] != nil { attack(tree["attack"], into: &row) }
            rows.append(row)
            let defences = url.appendingPathComponent("defences")
            for d in ((try? fm.contentsOfDirectory(atPath: defences.path)) ?? []).sorted() {
                let file = defences.appendingPathComponent(d).appendingPathComponent("results.json")
                guard fm.fileExists(atPath: file.path) else { continue }
                rows += defenceRows(folder, try json(file), name: d).dropFirst()
            }
            config.merge(flatten(settings)) { a, _ in a }
        } else {
            throw RunError("\(results.path): neither a run's, a suite's nor a defence's results")
        }
        return (rows, config)
    }

    static func victimName(_ run: [String: Any]) -> String {
        SuiteReport.victimName(label: run["label"] as? String ?? "?", attack: run["attack"] as? String ?? "?")
    }

    static func benignRow(_ run: String, _ model: String, _ benign: Any?) -> Row {
        let b = benign as? [String: Any] ?? [:]
        return Row(run: run, model: model, plcc: b["plcc"] as? Double, srocc: b["srocc"] as? Double, krcc: b["krcc"] as? Double, rmse: b["rmse"] as? Double)
    }

    static func attack(_ attack: Any?, into row: inout Row) {
        let a = attack as? [String: Any] ?? [:]
        (row.mmae, row.mmra, row.psnrAlpha1) = (a["mmae"] as? Double, a["mmra"] as? Double, a["psnr_alpha1"] as? Double)
    }

    /// The undefended victim, then the defended one at the chosen rate, threshold or epoch count.
    static func defenceRows(_ run: String, _ tree: [String: Any], name: String) -> [Row] {
        var rows: [Row] = []
        for (key, label) in [("undefended", "undefended"), ("chosen", name)] {
            guard let step = tree[key] as? [String: Any] else { continue }
            var row = benignRow(run, label, step["benign"])
            attack(step["attack"], into: &row)
            rows.append(row)
        }
        return rows
    }

    /// `{a: {b: 1}}` → `["a.b": "1"]`; lists and scalars as compact JSON.
    static func flatten(_ tree: [String: Any], prefix: String = "") -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in tree {
            if let nested = value as? [String: Any], !nested.isEmpty {
                out.merge(flatten(nested, prefix: prefix + key + ".")) { a, _ in a }
            } else {
                out[prefix + key] = text(value)
            }
        }
        return out
    }

    static func text(_ value: Any) -> String {
        if let s = value as? String { return s }
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: output

    static let columns = ["plcc", "srocc", "krcc", "rmse", "mmae", "mmra", "psnr_alpha1"]

    func numbers(_ r: Row) -> [Double?] { [r.plcc, r.srocc, r.krcc, r.rmse, r.mmae, r.mmra, r.psnrAlpha1] }

    /// A line per row (the folders' differing keys as columns, BackdoorBench-style).
    public func csv() -> String {
        let keys = differingKeys
        var lines = [(["run", "model"] + Self.columns + keys).map(CSV.escape).joined(separator: ",")]
        for r in rows {
            let config = configs[runs.firstIndex(of: r.run) ?? 0]
            let fields = [r.run, r.model] + numbers(r).map { $0.map { String(format: "%.6f", $0) } ?? "" } + keys.map { config[$0] ?? "" }
            lines.append(fields.map(CSV.escape).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The rows as a table, then the differing keys with each folder's value (long values shortened).
    public func markdown() -> String {
        let decimals = [3, 3, 3, 2, 2, 3, 2]
        var table = MarkdownTable(headers: ["run", "model", "PLCC", "SROCC", "KRCC", "RMSE", "mMAE", "mMRA", "PSNR(α=1)"],
                                  alignments: [.left, .left] + Array(repeating: .right, count: 7))
        for r in rows {
            table.append([r.run, r.model] + zip(numbers(r), decimals).map { NumberFormat.fixed($0, decimals: $1, missing: "—") })
        }
        let out = table.markdown
        let keys = differingKeys
        guard !keys.isEmpty else { return out + "\nNo configuration key differs between the folders.\n" }
        func short(_ s: String) -> String { s.count > 48 ? String(s.prefix(47)) + "…" : s }
        var diff = MarkdownTable(headers: ["configuration key"] + runs)
        for key in keys { diff.append([key] + configs.map { short($0[key] ?? "—") }) }
        return out + "\n\(keys.count) configuration key(s) differ:\n\n" + diff.markdown
    }

    public func jsonData() throws -> Data {
        let rowObjects = rows.map { r -> [String: Any] in
            var o: [String: Any] = ["run": r.run, "model": r.model]
            for (key, value) in zip(Self.columns, numbers(r)) { o[key] = value ?? NSNull() }
            return o
        }
        let differing = Dictionary(uniqueKeysWithValues: differingKeys.map { key in
            (key, Dictionary(uniqueKeysWithValues: zip(runs, configs).map { run, config in (run, config[key].map { $0 as Any } ?? NSNull()) }))
        })
        return try JSONSerialization.data(withJSONObject: ["rows": rowObjects, "differing_keys": differing], options: [.prettyPrinted, .sortedKeys])
    }
}
