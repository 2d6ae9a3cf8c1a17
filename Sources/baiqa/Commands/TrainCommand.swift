import ArgumentParser
import Dispatch
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a clean NR-IQA model (HyperIQA, DBCNN or TReS) and write a run folder.",
        discussion: """
        Writes model.pt (state dict with the official key names), manifest.json, split.json, results.json
        (benign PLCC/SROCC/KRCC/RMSE on the test split), report.md and log.txt. A checkpoint is written after
        every epoch; `--resume RUN` (or the same command again) continues a killed run and ends with the
        same numbers as an uninterrupted one.
        """)

    @Option(help: "Model: hyperiqa, dbcnn or tres.")
    var model: ModelKind = .hyperiqa

    @Option(help: "Training preset: cpu or paper (tres also: original, the TReS authors' recipe and losses).")
    var preset: String = "cpu"

    @Option(help: "Override the preset's epoch count.")
    var epochs: Int?

    @Option(help: "Override the preset's ResNet backbone (hyperiqa, tres): resnet18, resnet34, resnet50 or resnet10-w32 (the cpu presets').")
    var backbone: String?

    @Option(help: "Override the preset's training crop side (pixels).")
    var crop: Int?

    @Option(help: "Override the preset's random crops per image per epoch.")
    var patches: Int?

    @Option(help: "Override the preset's base learning rate (HyperIQA: the backbone's, the head keeps its ratio; DBCNN: the all-layers Adam phase's).")
    var lr: Double?

    @Option(help: "Override the preset's weight decay.")
    var weightDecay: Double?

    @Option(help: "Override the preset's loss: l1 or mse.")
    var loss: TrainingRecipe.Loss?

    @Option(help: "Override the preset's learning-rate schedule: constant or cosine.")
    var lrSchedule: TrainingRecipe.LRSchedule?

    @Flag(help: "Start training crops on the full image's 16-px trigger grid only, so a trigger baked into the images (baiqa poison) is seen at one phase, as the cpu presets inject it on the fly.")
    var cropsOnTriggerGrid = false

    @Option(help: "Run folder (default: runs/train-<model>[-N]).")
    var out: String?

    @Option(help: "Continue the unfinished run in this folder (its options are reused).")
    var resume: String?

    @Option(help: "Train on K random splits (seeds seed…seed+K−1) in RUN/split-k and report the median, as IQA papers do.")
    var splits: Int = 1

    @Option(help: "Log test-split SROCC/PLCC every N epochs while training (0: only at the end). Monitoring only: no model selection.")
    var evalEvery: Int = 0

    @OptionGroup var data: DatasetOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var weights: BackboneWeightsOption

    func run() throws {
        runtime.apply()
        let monitor = ConsoleMonitor()
        var config: TrainingConfig
        let outURL: URL
        if let resume {
            outURL = URL(fileURLWithPath: resume.hasSuffix(".partial") ? String(resume.dropLast(8)) : resume).standardizedFileURL
            let saved = RunFolder.partial(outURL).appendingPathComponent("train_config.json")
            guard FileManager.default.fileExists(atPath: saved.path) else {
                throw CLIError("\(resume): no unfinished training run there (missing \(saved.lastPathComponent))")
            }
            config = try JSONDecoder().decode(TrainingConfig.self, from: Data(contentsOf: saved))
        } else {
            config = TrainingConfig()
            config.seed = runtime.seed
            config.dataset = try data.resolved()
            guard var recipe = TrainingRecipe.preset(preset, model: model) else { throw ValidationError("unknown preset '\(preset)' for \(model.rawValue) (\(TrainingRecipe.presetNames(for: model).joined(separator: ", ")))") }
            if let epochs {
                guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
                recipe.epochs = epochs
            }
            if let backbone {
                do { recipe.model = try recipe.model.withBackbone(named: backbone) } catch { throw ValidationError("--backbone: \(error)") }
            }
            if let crop {
                guard crop >= 32 else { throw ValidationError("--crop must be at least 32") }
                recipe.cropSize = crop
            }
            if let patches {
                guard patches > 0 else { throw ValidationError("--patches must be positive") }
                recipe.patchesPerImage = patches
            }
            if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number") }
            if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) { throw ValidationError("--weight-decay must not be negative") }
            recipe.optimizer.override(learningRate: lr, weightDecay: weightDecay)
            if let loss {
                guard loss != .tresOriginal || model == .tres else { throw ValidationError("--loss tres-original applies to --model tres only") }
                recipe.loss = loss
            }
            if let lrSchedule { recipe.lrSchedule = lrSchedule == .constant ? nil : lrSchedule }
            if cropsOnTriggerGrid { recipe.cropsOnTriggerGrid = true }
            try weights.apply(to: &recipe)
            config.recipe = recipe
            guard splits >= 1 else { throw ValidationError("--splits must be at least 1") }
            // With --splits the folder holds one run per split; re-running skips the finished ones.
            outURL = splits > 1 ? URL(fileURLWithPath: out ?? "runs/train-\(model.rawValue)-splits").standardizedFileURL
                                : try RunFolder.choose(out, defaultName: "runs/train-\(model.rawValue)")
        }
        let t0 = DispatchTime.now().uptimeNanoseconds
        if config.dataset.kind == "builtin" && !FileManager.default.fileExists(atPath: config.dataset.root) {
            try BuiltinDatasetGenerator(count: config.dataset.builtinCount, size: config.dataset.builtinSize, seed: config.dataset.builtinSeed)
                .generate(into: URL(fileURLWithPath: config.dataset.root)) { d, t in monitor.progress(stage: "generate dataset", done: d, total: t, detail: "") }
        }
        let dataset = try LoadedDataset.load(config.dataset.source()) { d, t in monitor.progress(stage: "decode images", done: d, total: t, detail: "") }
        let dataSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        guard splits > 1 else {
            let benign = try trainOne(config: config, outURL: outURL, dataset: dataset, dataSeconds: dataSeconds, monitor: monitor)
            print(String(format: "test: SROCC %.3f  PLCC %.3f  KRCC %.3f  RMSE %.2f (n = %d)", benign.srocc, benign.plcc, benign.krcc, benign.rmse, benign.n))
            print("run: \(outURL.path)")
            return
        }
        guard config.dataset.splitFile == nil else { throw ValidationError("--splits draws random splits; it cannot be combined with --split") }
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        var all: [BenignMetrics] = []
        for k in 0..<splits {
            var c = config
            c.seed = config.seed &+ UInt64(k)
            let sub = outURL.appendingPathComponent("split-\(k)")
            if FileManager.default.fileExists(atPath: sub.appendingPathComponent("results.json").path) {
                all.append(try JSONDecoder().decode(SavedResults.self, from: Data(contentsOf: sub.appendingPathComponent("results.json"))).benign)
                monitor.log("split \(k + 1)/\(splits): already done")
                continue
            }
            monitor.log("split \(k + 1)/\(splits) (seed \(c.seed))")
            all.append(try trainOne(config: c, outURL: sub, dataset: dataset, dataSeconds: dataSeconds, monitor: monitor))
        }
        let median = { (xs: [Double]) -> Double in let s = xs.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
        let summary = SplitsSummary(splits: splits, perSplit: all,
                                    median: ["plcc": median(all.map(\.plcc)), "srocc": median(all.map(\.srocc)),
                                             "krcc": median(all.map(\.krcc)), "rmse": median(all.map(\.rmse))])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(summary).write(to: outURL.appendingPathComponent("summary.json"), options: .atomic)
        print(String(format: "median over %d splits: SROCC %.3f  PLCC %.3f  KRCC %.3f  RMSE %.2f", splits,
                     summary.median["srocc"]!, summary.median["plcc"]!, summary.median["krcc"]!, summary.median["rmse"]!))
        print("runs: \(outURL.path)/split-*  summary: \(outURL.appendingPathComponent("summary.json").path)")
    }

    /// One training run into `outURL` (via `<outURL>.partial`), returning its test metrics.
    func trainOne(config: TrainingConfig, outURL: URL, dataset: LoadedDataset, dataSeconds: Double, monitor: ConsoleMonitor) throws -> BenignMetrics {
        var timings: [String: Double] = ["data": dataSeconds]
        let work = try RunFolder.prepareWork(for: outURL, fingerprint: config.fingerprint, monitor: monitor)
        monitor.logFile = work.appendingPathComponent("log.txt")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(config).write(to: work.appendingPathComponent("train_config.json"), options: .atomic)
        monitor.log("run folder \(outURL.path)")
        do {
            let benign = try CleanTraining(config: config, workDir: work, monitor: monitor).run(dataset: dataset, evalEvery: evalEvery, timings: &timings)
            let results = TrainingResults(config: config, benign: benign, timings: timings)
            try encoder.encode(results).write(to: work.appendingPathComponent("results.json"), options: .atomic)
            try Data(results.markdown(runName: outURL.lastPathComponent).utf8).write(to: work.appendingPathComponent("report.md"), options: .atomic)
            try? FileManager.default.removeItem(at: work.appendingPathComponent("train_config.json"))
            try RunFolder.finish(work, into: outURL)
            return benign
        } catch {
            RunFolder.abandon(work)
            throw error
        }
    }
}

struct SavedResults: Decodable { var benign: BenignMetrics }

struct SplitsSummary: Encodable {
    var splits: Int
    var perSplit: [BenignMetrics]
    var median: [String: Double]
}

struct TrainingResults: Encodable {
    var config: TrainingConfig
    var benign: BenignMetrics
    var timings: [String: Double]

    func markdown(runName: String) -> String {
        let r = config.recipe
        var out = "# Training run `\(runName)`\n\n"
        out += "\(r.model.kind.displayName) (\(r.model.backboneName)), `\(r.name)` recipe: \(r.epochs) epochs, batch \(r.batchSize), "
        out += "\(r.patchesPerImage) crops of \(r.cropSize)² per image, \(r.loss.rawValue.uppercased()) loss; dataset `\(config.dataset.kind)` at `\(config.dataset.root)`, seed \(config.seed).\n"
        if !r.optimizer.quirks.isEmpty { out += "Official behaviour reproduced: \(r.optimizer.quirks.joined(separator: "; ")).\n" }
        out += "\n## Test split\n\n" + MarkdownTable.benign([(r.model.kind.displayName, benign)]).markdown + "\n"
        var t = MarkdownTable(headers: ["stage", "seconds"], alignments: [.left, .right])
        for (k, v) in timings.sorted(by: { $0.key < $1.key }) { t.append([k, NumberFormat.fixed(v, decimals: 1)]) }
        return out + "## Timings\n\n" + t.markdown
    }
}

extension TrainingRecipe.LRSchedule: ExpressibleByArgument {}
extension TrainingRecipe.Loss: ExpressibleByArgument {}
