import ArgumentParser
import Foundation
import Pipelines

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Make a run's, a defence's or a suite's figures again (PNG and SVG with gnuplot).",
        discussion: """
        Figures are made from the folder's own files: an experiment run gives the α response (Fig. 2), the \
        trigger's DCT pattern, a test image clean, triggered and its residual, the α histogram of the poisoned \
        set and the training curve; a defence gives Fig. 3 (mMAE and RMSE against epochs, pruning rate or mask \
        threshold); a suite gives Fig. 2 over its victims. Each figure's CSV data and gnuplot script are written \
        beside its images in <folder>/figures/, so they can be restyled; without gnuplot (Debian: gnuplot-nox) \
        only those are written. report.md's Figures section is rewritten.
        """)

    @Argument(help: "Run, defence or suite folder.") var folder: String
    @Option(help: "A suite's step store, when it is not <suite>/steps.") var steps: String?

    func run() throws {
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else { throw ValidationError("\(url.path): no such folder") }
        let (figures, outcome) = try RunFigures.render(url, stepsFolder: steps.map { URL(fileURLWithPath: $0).standardizedFileURL },
                                                       monitor: ConsoleMonitor())
        guard !figures.figures.isEmpty || !figures.images.isEmpty else {
            throw RunError("\(url.path): nothing to plot (no predictions, poison list, defence steps or training curve)")
        }
        for skipped in figures.skipped { print("skipped: \(skipped)") }
        if let note = outcome.note, FigureRenderer.gnuplot != nil { throw RunError(note) }
        print("figures in \(url.appendingPathComponent(FigureRenderer.folderName).path)")
    }
}
