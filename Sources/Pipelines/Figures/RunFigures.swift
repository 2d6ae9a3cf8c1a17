import Backdoor
import Evaluation
import Foundation
import IQAData
import Torch

/// The figures of a folder baiqa wrote, made from its files alone (so `baiqa plot` can redo them):
/// an experiment run (Fig. 2 from predictions.csv, the trigger's DCT pattern and a test image clean,
/// triggered and its residual, the α histogram of the poisoned set, the training curve), a defence
/// (Fig. 3: mMAE and RMSE against epochs, pruning rate or mask threshold), a clean training run (its
/// curve) and a suite (Fig. 2 over its victims, see `SuiteFigures`).
public struct RunFigures {
    public var figures: [Figure] = []
    public var images: [(name: String, image: RGBImage, caption: String)] = []
    /// What could not be drawn and why (e.g. the dataset moved).
    public var skipped: [String] = []

    public init() {}

    /// The figures of the folder `folder`; which ones depends on what it is.
    /// `stepsFolder`: a suite's step store when it is not `<suite>/steps`.
    public static func of(_ folder: URL, stepsFolder: URL? = nil) throws -> RunFigures {
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.appendingPathComponent(RunManifest.fileName).path) {
            let manifest = try RunManifest.read(from: folder)
            var out = RunFigures()
            switch manifest.kind {
            case "experiment": try out.addExperiment(folder, manifest: manifest)
            case "defence": try out.addDefence(folder)
            default: break
            }
            out.addTrainingCurve(folder)
            return out
        }
        if fm.fileExists(atPath: folder.appendingPathComponent("config.json").path) {
            return try SuiteFigures.of(folder, stepsFolder: stepsFolder)
        }
        throw RunError("\(folder.path): not a baiqa run, defence or suite folder (no manifest.json or config.json)")
    }

    /// Writes them into `folder/figures/` and returns what was rendered.
    @discardableResult
    public func write(into folder: URL) throws -> FigureRenderer.Outcome {
        try FigureRenderer.write(figures, images: images.map { ($0.name, $0.image) }, into: folder)
    }

    /// Makes, writes and renders the figures of `folder` (a finished run's files, or a `.partial` about to be
    /// finished) and appends their section to its report.md; logs what could not be rendered. Figures never
    /// fail a run: a problem is logged and the run's numbers stand.
    public static func addToRun(_ folder: URL, stepsFolder: URL? = nil, monitor: RunMonitor) {
        do { try render(folder, stepsFolder: stepsFolder, monitor: monitor) } catch { monitor.log("figures not made: \(error)") }
    }

    /// The same, throwing (`baiqa plot`).
    @discardableResult
    public static func render(_ folder: URL, stepsFolder: URL? = nil, monitor: RunMonitor) throws -> (figures: RunFigures, outcome: FigureRenderer.Outcome) {
        let figures = try of(folder, stepsFolder: stepsFolder)
        guard !figures.figures.isEmpty || !figures.images.isEmpty else { return (figures, .init()) }
        let outcome = try figures.write(into: folder)
        if let note = outcome.note { monitor.log(note) }
        let report = folder.appendingPathComponent("report.md")
        if var text = try? String(contentsOf: report, encoding: .utf8) {
            if let range = text.range(of: "\n## Figures\n") { text = String(text[..<range.lowerBound]) + "\n" }
            text += (text.hasSuffix("\n\n") ? "" : "\n") + figures.markdown(rendered: outcome.rendered)
            try Data(text.utf8).write(to: report, options: .atomic)
        }
        monitor.log("figures: \(outcome.rendered.count) of \(figures.figures.count) rendered in \(folder.appendingPathComponent(FigureRenderer.folderName).path)")
        return (figures, outcome)
    }

    public func markdown(rendered: [String]) -> String {
        var section = FigureRenderer.markdownSection(figures, images: images.map { ($0.name, $0.caption) }, rendered: rendered)
        if !skipped.isEmpty { section += skipped.map { "- \($0)" }.joined(separator: "\n") + "\n" }
        return section
    }

    // MARK: experiment runs

    mutating func addExperiment(_ folder: URL, manifest: RunManifest) throws {
        guard let attack = manifest.attack else { return }
        if let (clean, triggered) = try Self.predictions(folder.appendingPathComponent("predictions.csv"), alphas: attack.alphas) {
            figures.append(AlphaShiftFigure.make([.init(label: attack.name, alphas: attack.alphas, clean: clean, triggered: triggered)],
                                                 deltaY: attack.deltaY))
        }
        if attack.trigger.attack == .baiqa, let file = attack.trigger.file {
            let url = file.hasPrefix("/") ? URL(fileURLWithPath: file) : folder.appendingPathComponent(file)
            if let tensor = try? TensorFile.loadTensor(from: url), let dct = try? DCTTrigger(tensor: tensor, positions: attack.trigger.positions) {
                figures.append(TriggerPatternFigure.make(dct))
            }
        }
        if let alphas = try Self.poisonAlphas(folder.appendingPathComponent("poison.json")), !alphas.isEmpty {
            figures.append(HistogramFigure.make(name: "poison-alpha-histogram", title: "α of the \(alphas.count) poisoned training images",
                                                xLabel: "α", values: alphas, lower: -1, upper: 1, bins: 20))
        }
        do {
            try addTriggeredImage(folder, manifest: manifest)
        } catch {
            skipped.append("triggered test image not drawn: \(error)")
        }
    }

    /// The first test image clean, at α = −1, 0.5 and 1, and |triggered − clean| at α = 1 amplified.
    mutating func addTriggeredImage(_ folder: URL, manifest: RunManifest) throws {
        guard let spec = manifest.triggerSpec, let first = manifest.test.first else { return }
        guard let sample = try manifest.dataset.source().load().first(where: { $0.name == first }) else {
            throw RunError("\(first) is not in the dataset at \(manifest.dataset.root)")
        }
        let image = try ImageIO.read(sample.url)
        let injector = try spec.injector(seed: manifest.seed, relativeTo: folder)
        var panels = [image]
        for alpha in [-1.0, 0.5, 1] { panels.append(TriggerRendering.triggered(image, injector: injector, alpha: alpha).image) }
        let atOne = TriggerRendering.triggered(image, injector: injector, alpha: 1)
        let gain = 20.0
        panels.append(atOne.residual(against: image, gain: gain))
        images.append(("trigger-on-test-image", Self.montage(panels, side: 320),
                       "\(first): clean, triggered at α = −1, 0.5, 1, and |triggered − clean| × \(Int(gain)) at α = 1 (PSNR \(String(format: "%.2f", 10 * log10(1 / max(atOne.mse, 1e-12)))) dB)"))
    }

    /// Central crops of at most `side` px, side by side with a white gap.
    static func montage(_ panels: [RGBImage], side: Int) -> RGBImage {
        let h = panels.map { min($0.height, side) }.max() ?? 0
        let gap = 8
        let widths = panels.map { min($0.width, side) }
        let total = widths.reduce(0, +) + gap * (panels.count - 1)
        var pixels = [UInt8](repeating: 255, count: total * h * 3)
        var x0 = 0
        for (p, w) in zip(panels, widths) {
            let ph = min(p.height, side)
            let (top, left) = ((p.height - ph) / 2, (p.width - w) / 2)
            for y in 0..<ph { for x in 0..<w { for c in 0..<3 {
                pixels[(y * total + x0 + x) * 3 + c] = p.pixels[((top + y) * p.width + left + x) * 3 + c]
            } } }
            x0 += w + gap
        }
        return RGBImage(width: total, height: h, pixels: pixels)
    }

    /// Clean and per-α predictions from an experiment's predictions.csv (nil when it is absent).
    static func predictions(_ url: URL, alphas: [Double]) throws -> (clean: [Double], triggered: [[Double]])? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        guard let header = rows.first, header.count == 3 + alphas.count else {
            throw RunError("\(url.path): expected image, mos, clean_prediction and \(alphas.count) α columns")
        }
        var clean: [Double] = [], triggered = [[Double]](repeating: [], count: alphas.count)
        for (line, row) in rows.dropFirst().enumerated() {
            guard row.count == header.count, let c = Double(row[2]) else { throw RunError("\(url.path): line \(line + 2) is malformed") }
            clean.append(c)
            for k in alphas.indices {
                guard let v = Double(row[3 + k]) else { throw RunError("\(url.path): line \(line + 2) is malformed") }
                triggered[k].append(v)
            }
        }
        return (clean, triggered)
    }

    static func poisonAlphas(_ url: URL) throws -> [Double]? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        struct Poison: Decodable { struct Image: Decodable { var alpha: Double }; var images: [Image] }
        do { return try JSONDecoder().decode(Poison.self, from: Data(contentsOf: url)).images.map(\.alpha) } catch {
            throw RunError("\(url.path): unreadable poison list (\(error))")
        }
    }

    // MARK: defences and training

    mutating func addDefence(_ folder: URL) throws {
        let url = folder.appendingPathComponent("results.json")
        let results: DefenceResults
        do { results = try JSONFiles.read(DefenceResults.self, from: url) } catch {
            throw RunError("\(url.path): unreadable defence results (\(error))")
        }
        let before = results.undefended
        func point(_ s: DefenceStep, at strength: Double? = nil) -> DefenceCurveFigure.Point {
            .init(strength: strength ?? s.strength, mmae: s.attack.mmae, rmse: s.benign.rmse, cleanSetRMSE: s.cleanSetRMSE, mmra: s.attack.mmra)
        }
        let tuned = results.steps.filter { $0.phase == "finetune" }
        let pruned = results.steps.filter { $0.phase == "prune" }
        let anp = results.steps.filter { $0.phase == "anp" }
        if !pruned.isEmpty {
            figures.append(DefenceCurveFigure.make(name: "fig3b-pruning", title: "Fine-Pruning: attack and benign error against the pruning rate (Fig. 3b)",
                                                   xLabel: "pruning rate (share of last-stage channels masked)", points: pruned.map { point($0) },
                                                   chosen: results.chosenRate))
        }
        if !tuned.isEmpty {
            let title = pruned.isEmpty ? "Fine-tuning: attack and benign error against epochs (Fig. 3a)"
                : "Fine-tuning after pruning at rate \(DefenceStep.format(results.chosenRate ?? 0))"
            figures.append(DefenceCurveFigure.make(name: "fig3a-finetuning", title: title, xLabel: "fine-tuning epoch",
                                                   points: [point(pruned.isEmpty ? before : pruned.first { $0.strength == results.chosenRate } ?? before, at: 0)]
                                                       + tuned.map { point($0) }, chosen: nil))
        }
        if !anp.isEmpty {
            figures.append(DefenceCurveFigure.make(name: "anp-thresholds", title: "ANP: attack and benign error against the mask threshold",
                                                   xLabel: "mask threshold (neurons below it pruned)", points: anp.map { point($0) },
                                                   chosen: results.chosenThreshold))
        }
    }

    mutating func addTrainingCurve(_ folder: URL) {
        let url = folder.appendingPathComponent(CheckpointedTraining.curveFile)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return }
        let lines = text.split(separator: "\n")
        guard let header = lines.first?.split(separator: ",").map(String.init), header.count >= 2 else { return }
        // Empty cells (an epoch without a test evaluation) are gaps.
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) ?? .nan } }
            .filter { $0.count == header.count }
        guard !rows.isEmpty else { return }
        let columns = header.map { $0.replacingOccurrences(of: "_", with: " ") }
        let y2 = Set(columns.filter { $0.hasPrefix("test ") })
        figures.append(LineFigure.make(name: "training-curve", title: "Training loss per epoch" + (y2.isEmpty ? "" : " and test SROCC"),
                                       xLabel: "epoch", yLabel: columns[1], columns: columns, rows: rows,
                                       y2Columns: y2, y2Label: y2.isEmpty ? nil : "test SROCC"))
    }

}
