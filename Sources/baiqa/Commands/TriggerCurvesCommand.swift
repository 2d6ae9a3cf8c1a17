import ArgumentParser
import Foundation
import Pipelines

extension TriggerCommand {
    struct Curves: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "curves",
            abstract: "Plot trigger searches' objective against Adam steps, from their .curve.csv files.",
            discussion: """
            Each CURVE is a <trigger>.curve.csv written by `trigger search` (or a suite's trigger step's curve.csv), \
            optionally labelled as LABEL=FILE. Writes <out>/figures/search-objective.{csv,gp,png,svg} (PNG/SVG with gnuplot).
            """)

        @Argument(help: "Curve files, as FILE or LABEL=FILE.") var curves: [String]
        @Option(help: "Output folder.") var out: String
        @Option(help: "Column to plot: mean_abs_shift (on the budget), own_mean_abs_shift, mean_shift.") var column = "mean_abs_shift"

        func run() throws {
            guard !curves.isEmpty else { throw ValidationError("name at least one curve file") }
            let loaded = try curves.map { spec -> (label: String, points: [(step: Int, value: Double)]) in
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                let (label, path) = parts.count == 2 ? (parts[0], parts[1]) : (URL(fileURLWithPath: spec).lastPathComponent, spec)
                return (label, try SearchCurve.read(URL(fileURLWithPath: path), column: column))
            }
            let folder = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let outcome = try FigureRenderer.write([SearchCurve.figure(loaded)], into: folder)
            if let note = outcome.note { print(note) }
            print("figure in \(folder.appendingPathComponent(FigureRenderer.folderName).appendingPathComponent("search-objective").path).{csv,gp\(outcome.rendered.isEmpty ? "" : ",png,svg")}")
        }
    }
}
