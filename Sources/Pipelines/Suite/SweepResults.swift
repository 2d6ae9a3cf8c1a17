import Foundation
import IQAData

/// What a sweep measured: per member, its axis values and one row per model of its suite (the clean
/// model, then each victim), flat so that `results.csv` and the mean ± s.d. report read the same
/// numbers. Each member's whole results.json stays in its own folder.
public struct SweepResults: Codable {
    public struct Assignment: Codable, Equatable {
        public var key: String
        public var value: String
    }

    /// One model of one member: benign quality on clean test images, and for a victim its attack numbers.
    public struct Row: Codable, Equatable {
        /// "clean model", or the victim as the suite report names it ("P-BAIQA / WaNet").
        public var model: String
        public var plcc: Double, srocc: Double, krcc: Double, rmse: Double
        public var mmae: Double?, mmra: Double?, psnrAlpha1: Double?
    }

    public struct MemberResult: Codable {
        public var assignments: [Assignment]
        /// The member's suite folder, relative to the sweep folder.
        public var folder: String
        public var rows: [Row]

        public init(assignments: [Assignment], folder: String, results: SuiteResults) {
            self.assignments = assignments
            self.folder = folder
            let c = results.clean.benign
            rows = [Row(model: "clean model", plcc: c.plcc, srocc: c.srocc, krcc: c.krcc, rmse: c.rmse)]
            for run in results.runs {
                let b = run.benign, a = run.attackMetrics
                rows.append(Row(model: SuiteReport.victimName(label: run.label, attack: run.attack), plcc: b.plcc, srocc: b.srocc, krcc: b.krcc,
                                rmse: b.rmse, mmae: a.mmae, mmra: a.mmra, psnrAlpha1: a.psnrAlpha1))
            }
        }

        public func value(of key: String) -> String? { assignments.first { $0.key == key }?.value }
    }

    public var name: String
    public var axes: [SuiteSweep.Axis]
    public var members: [MemberResult]

    public init(name: String, axes: [SuiteSweep.Axis], members: [MemberResult]) {
        self.name = name
        self.axes = axes
        self.members = members
    }

    /// Axes over which the report averages: the seed (`seed`, or any `*.seed` key). The others split it
    /// into groups, one table each.
    public static func isSeedAxis(_ key: String) -> Bool { key == "seed" || key.hasSuffix(".seed") }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }

    /// One line per member and model: the axis values, then the numbers (empty where a row has none).
    public func csv() -> String {
        let number = { (v: Double?) in v.map { String(format: "%.6f", $0) } ?? "" }
        var lines = [(axes.map(\.key) + ["folder", "model", "plcc", "srocc", "krcc", "rmse", "mmae", "mmra", "psnr_alpha1"])
            .map(CSV.escape).joined(separator: ",")]
        for member in members {
            let prefix = axes.map { member.value(of: $0.key) ?? "" } + [member.folder]
            for r in member.rows {
                let fields = prefix + [r.model] + [r.plcc, r.srocc, r.krcc, r.rmse].map(number) + [r.mmae, r.mmra, r.psnrAlpha1].map(number)
                lines.append(fields.map(CSV.escape).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
