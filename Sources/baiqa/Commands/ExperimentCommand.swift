import ArgumentParser
import Backdoor
import Dispatch
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run a backdoor experiment end to end: one P-BAIQA victim, or the whole attack suite from a config file.",
        discussion: """
        With no arguments: generates the built-in dataset (data/builtin) if absent, poisons 20% of the
        training split with a seeded DCT trigger, trains a HyperIQA victim with the CPU recipe, and
        evaluates benign quality and the α-response. Writes results.json, report.md, the victim
        checkpoint, the trigger, poison.json, predictions.csv and log.txt into the run folder.
        A killed run resumes from its last epoch when re-run with the same options.

        With --config FILE (YAML or JSON; see configs/) and/or --set key.path=value: the whole chain of
        the paper — clean model, surrogate, UAP-DCT trigger search, C-BAIQA's PGD, one victim per label
        mode × attack (BAIQA, Blended, WaNet, FTrojan) — and a Table 1/2-style report.md plus results.json.
        Each step lives in <out>/steps/<kind>-<hash of its inputs>/ (or --steps DIR, shared between
        suites) and is reused when its inputs did not change; re-running the same command resumes a
        killed suite. In this mode only --out, --steps, --set and --threads apply.
        """)

    @Option(help: "Suite config file (YAML or JSON): runs the whole attack chain.")
    var config: String?

    @Option(name: .customLong("set"), help: "Override a config key, e.g. --set victim.epochs=4 --set attacks=[baiqa,wanet] (repeatable).")
    var overrides: [String] = []

    @Option(help: "Suite step folder, shared between suites (default: <out>/steps).")
    var steps: String?

    @Option(help: "Run folder (default: runs/experiment, or runs/experiment-N if taken).")
    var out: String?

    @OptionGroup var data: DatasetOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var weights: BackboneWeightsOption

    @Option(help: "Victim model: hyperiqa, dbcnn or tres.")
    var model: ModelKind = .hyperiqa

    @Option(help: "Training preset: cpu (2-core friendly) or paper (the official recipe of the model).")
    var preset: String = "cpu"

    @Option(help: "Override the preset's epoch count.")
    var epochs: Int?

    @Option(help: "Trigger family: baiqa (DCT trigger) or a baseline: blended, wanet, ftrojan (same α scaling and pipeline).")
    var attack: AttackKind = .baiqa

    @Option(help: "Trigger file (.pt, a [3, 64] tensor as torch.save writes it). Default: a seeded random trigger.")
    var trigger: String?

    @Option(help: "Design PSNR (dB) of the default random trigger.")
    var triggerPsnr: Double = 30

    @Option(help: "DCT positions: official (the code's) or mid-band (the paper's wording).")
    var positions: DCTPositions = .official

    @Option(help: "Fraction of training images poisoned.")
    var rate: Double = 0.2

    @Option(help: "Score shift Δy at α = 1.")
    var deltaY: Double = 40

    @Option(help: "α sampling: weighted (official), equal, uniform or sqrt-uniform.")
    var alphaSampling: AlphaSampling = .weighted

    @Option(help: "Images in a generated built-in dataset.")
    var builtinCount: Int = 600

    @Option(help: "Side length of generated built-in images.")
    var builtinSize: Int = 256

    func run() throws {
        runtime.apply()
        if config != nil || !overrides.isEmpty { return try runSuite() }
        let monitor = ConsoleMonitor()
        var config = ExperimentConfig()
        config.seed = runtime.seed
        config.dataset = try data.resolved()
        config.dataset.builtinCount = builtinCount
        config.dataset.builtinSize = builtinSize
        guard var recipe = TrainingRecipe.preset(preset, model: model) else { throw ValidationError("unknown preset '\(preset)' for \(model.rawValue) (\(TrainingRecipe.presetNames(for: model).joined(separator: ", ")))") }
        if let epochs {
            guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
            recipe.epochs = epochs
        }
        try weights.apply(to: &recipe)
        config.recipe = recipe
        guard (0...1).contains(rate) else { throw ValidationError("--rate must be in [0, 1]") }
        config.attack.rate = rate
        config.attack.deltaY = deltaY
        config.attack.alphaSampling = alphaSampling
        config.attack.positions = positions
        config.attack.randomTriggerPSNR = triggerPsnr
        var timings: [String: Double] = [:]

        // Inputs first: any bad input fails here, before a run folder exists.
        if let trigger {
            let url = URL(fileURLWithPath: trigger)
            guard FileManager.default.fileExists(atPath: url.path) else { throw CLIError("\(trigger): no such trigger file") }
            config.attack.triggerFile = url.standardizedFileURL.path
            config.attack.triggerFingerprint = ExperimentConfig.fnv1a64(try Data(contentsOf: url))
        }
        config.attack.kind = attack
        let triggerValue = attack == .baiqa ? try BackdoorExperiment.loadTrigger(config.attack, seed: config.seed) : nil
        let t0 = DispatchTime.now().uptimeNanoseconds
        let root = URL(fileURLWithPath: config.dataset.root)
        if config.dataset.kind == "builtin" && !FileManager.default.fileExists(atPath: root.path) {
            monitor.log("generating the built-in dataset (\(builtinCount) images, \(builtinSize)²) in \(root.path)")
            try BuiltinDatasetGenerator(count: builtinCount, size: builtinSize, seed: config.dataset.builtinSeed)
                .generate(into: root) { done, total in monitor.progress(stage: "generate dataset", done: done, total: total, detail: "") }
        }
        let dataset = try LoadedDataset.load(config.dataset.source()) { done, total in
            monitor.progress(stage: "decode images", done: done, total: total, detail: "")
        }
        timings["data"] = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        monitor.log("dataset: \(dataset.samples.count) images (\(config.dataset.kind)) from \(root.path)")

        // The run folder: work in <out>.partial, rename when complete.
        let outURL = try RunFolder.choose(out)
        let work = try RunFolder.prepareWork(for: outURL, fingerprint: config.fingerprint, monitor: monitor)
        monitor.logFile = work.appendingPathComponent("log.txt")
        monitor.log("run folder: \(outURL.path) (working in \(work.lastPathComponent))")
        let experiment = BackdoorExperiment(config: config, workDir: work, monitor: monitor)
        let results: ExperimentResults
        do {
            results = try experiment.run(dataset: dataset, trigger: triggerValue, timings: timings)
        } catch {
            RunFolder.abandon(work)
            throw error
        }
        try results.jsonData().write(to: work.appendingPathComponent("results.json"), options: .atomic)
        try Data(ExperimentReport.markdown(results, runName: outURL.lastPathComponent).utf8)
            .write(to: work.appendingPathComponent("report.md"), options: .atomic)
        try RunFolder.finish(work, into: outURL)
        let a = results.attack
        print(String(format: "benign SROCC %.3f  PLCC %.3f  RMSE %.2f | mMAE %.2f  mMRA %.3f  PSNR(α=1) %.2f dB",
                     results.benign.srocc, results.benign.plcc, results.benign.rmse, a.metrics.mmae, a.metrics.mmra, a.psnrAlpha1))
        print("results: \(outURL.appendingPathComponent("results.json").path)")
        print("report:  \(outURL.appendingPathComponent("report.md").path)")
    }
}

extension DCTPositions: ExpressibleByArgument {}
extension ModelKind: ExpressibleByArgument {}
extension AlphaSampling: ExpressibleByArgument {}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
