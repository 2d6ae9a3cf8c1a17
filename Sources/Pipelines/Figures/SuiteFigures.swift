import Evaluation
import Foundation

/// The figures of an attack suite: Fig. 2 with one series per victim (label mode × attack), each from its
/// victim step's predictions.csv, in the suite's step store.
enum SuiteFigures {
    static func of(_ folder: URL, stepsFolder: URL? = nil) throws -> RunFigures {
        let url = folder.appendingPathComponent("results.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw RunError("\(folder.path): the suite has not finished (no results.json)")
        }
        // Only which victim is which step: the rest of results.json is the suite's tables.
        struct Runs: Decodable { struct Run: Decodable { var label: String; var attack: String; var step: String }; var runs: [Run] }
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
            let label = (run.label == "poison" ? "P" : "C") + "-" + (run.attack == "baiqa" ? "BAIQA" : run.attack)
            series.append(.init(label: label, alphas: attack.alphas, clean: clean, triggered: triggered))
            deltaY = deltaY ?? attack.deltaY
        }
        if let deltaY, !series.isEmpty { out.figures.append(AlphaShiftFigure.make(series, deltaY: deltaY)) }
        return out
    }
}
