import ArgumentParser
import Backdoor
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a run's model on its test split: PLCC, SROCC, KRCC, RMSE, and with --trigger the α sweep.",
        discussion: """
        Uses the run's manifest (model, recipe, dataset, test images) and seeded test crops, so repeated
        evaluations give identical numbers. --logistic also reports PLCC/RMSE after the 4-parameter logistic
        mapping used by pyiqa and VQEG. --trigger FILE (or --attack, for the run's own trigger) adds the
        α sweep of spec §9.2: MAE(α), MRA(α), mMAE, mMRA and PSNR at α = 1.
        """)

    @Option(name: .customLong("run"), help: "Run folder (from baiqa train or baiqa experiment).")
    var runFolder: String

    @Option(help: "Evaluate on this dataset root instead of the manifest's (same layout and image names).")
    var root: String?

    @Option(help: "Trigger file for the α sweep.")
    var trigger: String?

    @Flag(help: "Use the run's own trigger (backdoored victims).")
    var attack = false

    @Flag(help: "Also report PLCC and RMSE after a 4-parameter logistic mapping.")
    var logistic = false

    @Option(help: "Crops per test image (default: the recipe's).")
    var patches: Int?

    @Option(help: "Seed of the test crops.")
    var seed: UInt64 = 0

    @Option(help: "Trigger grid phase for the sweep: full-image or crop (default: the run's recipe). A victim trained on an exported poisoned dataset saw the trigger at the full image's phase: use full-image, or crop if it was trained with --crops-on-trigger-grid.")
    var triggerPhase: TriggerPhase?

    @Option(help: "Δy of the α sweep.")
    var deltaY: Double = 40

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "Intra-op threads for libtorch.")
    var threads: Int?

    func run() throws {
        if let threads { Runtime.setThreads(threads) }
        let folder = URL(fileURLWithPath: runFolder)
        let manifest = try RunManifest.read(from: folder)
        var datasetConfig = manifest.dataset
        if let root { datasetConfig.root = root }
        let model = try manifest.loadModel(folder: folder)
        let loaded = try LoadedDataset.load(datasetConfig.source())
        let resolved = try DatasetSplit(train: manifest.train, test: manifest.test)
            .resolve(against: loaded.samples, missing: .error, source: folder.appendingPathComponent(RunManifest.fileName).path)
        var index: [String: Int] = [:]
        for (i, s) in loaded.samples.enumerated() where index[s.name] == nil { index[s.name] = i }
        let test = resolved.test.map { index[$0.name]! }
        let labels = test.map { loaded.scores[$0] }

        var triggerFile = trigger
        if attack {
            guard let t = manifest.trigger else { throw CLIError("\(runFolder): the run has no trigger (use --trigger FILE)") }
            triggerFile = folder.appendingPathComponent(t).path
        }
        let injector: DCTTrigger? = try triggerFile.map { path in
            do { return try DCTTrigger(tensor: TensorFile.loadTensor(from: URL(fileURLWithPath: path))) } catch { throw CLIError("\(path): \(error)") }
        }
        let recipe = manifest.recipe
        let renderer = try PatchRenderer(source: loaded.source, crop: recipe.cropSize, injector: injector, triggerPhase: triggerPhase ?? recipe.triggerPhase)
        let predictor = Predictor(model: model, renderer: renderer, patches: patches ?? recipe.testPatches, flip: recipe.flipAtTest)
        let evaluator = AttackEvaluator(predictor: predictor, sweep: AlphaSweep(deltaY: deltaY), seed: seed &+ 0xE7A1)

        var output = EvaluationOutput(run: folder.path, n: test.count)
        if let injector {
            let monitor = ConsoleMonitor()
            let outcome = try evaluator.run(images: test, labels: labels) { d, t in
                if !json { monitor.progress(stage: "α sweep", done: d, total: t, detail: "") }
            }
            output.benign = outcome.benign
            output.attack = outcome.attack
            output.psnrAlpha1 = try TriggerPSNR.summary(source: loaded.source, images: test, injector: injector)
            if logistic { output.benignMapped = try BenignMetrics(predictions: outcome.clean, labels: labels, mapped: true) }
        } else {
            let clean = try predictor.scores(images: test, seed: seed &+ 0xE7A1)
            output.benign = try BenignMetrics(predictions: clean, labels: labels)
            if logistic { output.benignMapped = try BenignMetrics(predictions: clean, labels: labels, mapped: true) }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
            return
        }
        var rows: [(String, BenignMetrics)] = [("raw predictions", output.benign!)]
        if let m = output.benignMapped { rows.append(("logistic-mapped", m)) }
        print(MarkdownTable.benign(rows).markdown)
        if let a = output.attack, let p = output.psnrAlpha1 {
            print(MarkdownTable.alphaSweep(a).markdown)
            print(String(format: "mMAE %.3f  mMRA %.4f  PSNR(α=1) %.2f dB", a.mmae, a.mmra, p.psnrOfMeanMSE))
        }
    }
}

struct EvaluationOutput: Encodable {
    var run: String
    var n: Int
    var benign: BenignMetrics?
    var benignMapped: BenignMetrics?
    var attack: AttackMetrics?
    var psnrAlpha1: PSNRSummary?
}

extension TriggerPhase: ExpressibleByArgument {}
