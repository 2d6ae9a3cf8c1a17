import Evaluation
import Foundation

/// `report.md` of a sweep: one table per combination of the non-seed axes, one row per model (the clean
/// model, then each victim), each number as mean ± sample standard deviation over the seed axes' members
/// (the paper reports single runs; a seed's spread says which differences are real).
public enum SweepReport {
    /// Mean and sample standard deviation (nil for fewer than two values).
    public static func meanAndDeviation(_ values: [Double]) -> (mean: Double, sd: Double?) {
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return (mean, nil) }
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return (mean, variance.squareRoot())
    }

    static func cell(_ values: [Double?], decimals: Int) -> String {
        let present = values.compactMap { $0 }
        guard !present.isEmpty else { return "—" }
        let (mean, sd) = meanAndDeviation(present)
        return NumberFormat.fixed(mean, decimals: decimals) + " ± " + (sd.map { NumberFormat.fixed($0, decimals: decimals) } ?? "—")
    }

    public static func markdown(_ r: SweepResults) -> String {
        let seedAxes = r.axes.filter { SweepResults.isSeedAxis($0.key) }
        let groupAxes = r.axes.filter { !SweepResults.isSeedAxis($0.key) }
        var out = "# BAIQA sweep `\(r.name)`\n\n"
        out += "Axes: " + r.axes.map { "`\($0.key)` ∈ {\($0.values.joined(separator: ", "))}" }.joined(separator: " × ")
        out += "; \(r.members.count) suites sharing one step store.\n"
        if seedAxes.isEmpty {
            out += "No seed axis (`seed` or `*.seed`): each cell is one suite's number (± —).\n"
        } else {
            out += "Cells: mean ± sample standard deviation over \(seedAxes.map { "`\($0.key)`" }.joined(separator: " × ")); n suites per row.\n"
        }
        out += "Benign numbers on clean test images; mMAE ↓ / mMRA ↑ of the α sweep under each victim's own trigger; PSNR at α = 1 in dB.\n"

        // Groups in axis-value order (the members are the grid's product in that order).
        var groups: [[SweepResults.Assignment]] = []
        for member in r.members {
            let key = groupAxes.map { SweepResults.Assignment(key: $0.key, value: member.value(of: $0.key) ?? "") }
            if !groups.contains(key) { groups.append(key) }
        }
        for group in groups {
            let members = r.members.filter { m in group.allSatisfy { m.value(of: $0.key) == $0.value } }
            out += "\n## " + (group.isEmpty ? "All suites" : group.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")) + "\n\n"
            var table = MarkdownTable(headers: ["model", "n", "PLCC", "SROCC", "RMSE", "mMAE", "mMRA", "PSNR(α=1)"],
                                      alignments: [.left] + Array(repeating: .right, count: 7))
            var models: [String] = []
            for m in members { for row in m.rows where !models.contains(row.model) { models.append(row.model) } }
            for model in models {
                let rows = members.compactMap { $0.rows.first { $0.model == model } }
                table.append([model, "\(rows.count)",
                              cell(rows.map(\.plcc), decimals: 3), cell(rows.map(\.srocc), decimals: 3), cell(rows.map(\.rmse), decimals: 2),
                              cell(rows.map(\.mmae), decimals: 2), cell(rows.map(\.mmra), decimals: 3), cell(rows.map(\.psnrAlpha1), decimals: 2)])
            }
            out += table.markdown
        }

        out += "\n## Suites\n\n"
        var list = MarkdownTable(headers: r.axes.map(\.key) + ["report"])
        for m in r.members { list.append(r.axes.map { m.value(of: $0.key) ?? "" } + ["[\(m.folder)/report.md](\(m.folder)/report.md)"]) }
        out += list.markdown
        return out
    }
}
