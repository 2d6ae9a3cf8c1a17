import Evaluation
import Foundation

/// The figures of an attack suite: Fig. 2 with one series per victim (label mode × attack), each from its
/// victim step's predictions.csv, in the suite's step store.
enum SuiteFigures {
    /// P-BAIQA, C-ftrojan, …
    static func name(_ label: String, _ attack: String) -> String {
        (label == "poison" ? "P" : "C") + "-" + (attack == "baiqa" ? "BAIQA" : attack)
    }

    static func of(_ folder: URL, stepsFolder: URL? = nil) throws -> RunFigures {
        let url = folder.appendingPathComponent("results.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw RunError("\(folder.path): the suite has not finished (no results.json)")
        }
        // Only which victim is which step: the rest of results.json is the suite's tables.
        struct Runs: Decodable {
            struct Run: Decodable { var label: String; var attack: String; var step: String }
            struct Defence: Decodable { var label: String; var attack: String; var defence: String; var step: String }
            struct JPEGTest: Decodable {
                struct Row: Decodable {
                    struct Channel: Decodable { var quality: Int }
                    struct Attack: Decodable { var mra: [Double] }
                    var recompression: Channel?
                    var attack: Attack
                }
                var label: String; var attack: String; var rows: [Row]
            }
            struct JPEGRelease: Decodable {
                struct Channel: Decodable { var quality: Int }
                struct Numbers: Decodable { var mmra: Double }
                var label: String; var attack: String; var release: Channel; var attackMetrics: Numbers
                enum CodingKeys: String, CodingKey { case label, attack, release, attackMetrics = "attack_metrics" }
            }
            var runs: [Run]
            var defences: [Defence]?
            var jpegTestTime: [JPEGTest]?
            var jpegRelease: [JPEGRelease]?
            enum CodingKeys: String, CodingKey { case runs, defences, jpegTestTime = "jpeg_test_time", jpegRelease = "jpeg_release" }
        }
        let results: Runs
        do { results = try JSONFiles.read(Runs.self, from: url) } catch {
            throw RunError("\(url.path): unreadable suite results (\(error))")
        }
        let steps = stepsFolder ?? folder.appendingPathComponent("steps")
        var out = RunFigures()
        var series: [AlphaShiftFigure.Series] = []
        var deltaY: Double?
        for run in results.runs {
            let stepFolder = steps.appendingPathComponent(run.step)
            guard let manifest = try? RunManifest.read(from: stepFolder), let attack = manifest.attack,
                  let (clean, triggered) = try RunFigures.predictions(stepFolder.appendingPathComponent("predictions.csv"), alphas: attack.alphas) else {
                out.skipped.append("\(run.label)/\(run.attack): no predictions in \(stepFolder.path)")
                continue
            }
            let label = Self.name(run.label, run.attack)
            series.append(.init(label: label, alphas: attack.alphas, clean: clean, triggered: triggered))
            deltaY = deltaY ?? attack.deltaY
        }
        if let deltaY, !series.isEmpty { out.figures.append(AlphaShiftFigure.make(series, deltaY: deltaY)) }

        // Fig. 3 over the victims: one figure per defence phase.
        var curves: [String: [(label: String, points: [DefenceCurveFigure.Point])]] = [:]
        for d in results.defences ?? [] {
            let url = steps.appendingPathComponent(d.step).appendingPathComponent("defence/steps.json")
            guard let rows = try? JSONFiles.read([DefenceStep].self, from: url) else {
                out.skipped.append("\(d.label)/\(d.attack) \(d.defence): no steps in \(url.path)")
                continue
            }
            let label = Self.name(d.label, d.attack)
            func points(_ phase: String) -> [DefenceCurveFigure.Point] {
                rows.filter { $0.phase == phase }.map { .init(strength: $0.strength, mmae: $0.attack.mmae, rmse: $0.benign.rmse, cleanSetRMSE: $0.cleanSetRMSE, mmra: $0.attack.mmra) }
            }
            switch d.defence {
            case "finetune":
                let before = rows.first { $0.phase == "none" }.map { [DefenceCurveFigure.Point(strength: 0, mmae: $0.attack.mmae, rmse: $0.benign.rmse, cleanSetRMSE: $0.cleanSetRMSE, mmra: $0.attack.mmra)] } ?? []
                curves["finetune", default: []].append((label, before + points("finetune")))
            case "fineprune": curves["fineprune", default: []].append((label, points("prune")))
            case "anp": curves["anp", default: []].append((label, points("anp")))
            default: break
            }
        }
        let titles = [("finetune", "suite-fig3a-finetuning", "Fine-tuning on clean data (Fig. 3a)", "fine-tuning epoch"),
                      ("fineprune", "suite-fig3b-pruning", "Fine-Pruning before its fine-tuning (Fig. 3b)", "pruning rate"),
                      ("anp", "suite-anp-thresholds", "ANP pruning by mask threshold", "mask threshold")]
        for (kind, name, title, xLabel) in titles {
            if let series = curves[kind], !series.isEmpty {
                out.figures.append(DefenceCurveFigure.make(name: name, title: title, xLabel: xLabel, series: series))
            }
        }

        // mMRA against JPEG quality: one line per victim at test time, one per victim at release time.
        var columns: [String: [Int: Double]] = [:], order: [String] = []
        func add(_ column: String, _ quality: Int, _ mmra: Double) {
            if columns[column] == nil { order.append(column) }
            columns[column, default: [:]][quality] = mmra
        }
        for run in results.jpegTestTime ?? [] {
            for row in run.rows { if let q = row.recompression?.quality { add(Self.name(run.label, run.attack) + " (test)", q, row.attack.mra.reduce(0, +) / Double(max(1, row.attack.mra.count))) } }
        }
        for run in results.jpegRelease ?? [] { add(Self.name(run.label, run.attack) + " (release)", run.release.quality, run.attackMetrics.mmra) }
        if !order.isEmpty {
            let qualities = Set(columns.values.flatMap(\.keys)).sorted(by: >)
            let rows = qualities.map { q in [Double(q)] + order.map { columns[$0]?[q] ?? .nan } }
            out.figures.append(LineFigure.make(name: "suite-jpeg-robustness", title: "Backdoor behind JPEG: mMRA against quality",
                                               xLabel: "JPEG quality", yLabel: "mMRA", columns: ["quality"] + order, rows: rows))
        }
        return out
    }
}
