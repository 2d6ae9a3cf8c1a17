import Backdoor
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch

/// `baiqa defend finetune|fineprune|anp --run VICTIM_RUN`: one defence on a backdoored victim, in
/// `<run>/defences/<name>/` (or `out`), BackdoorBench-style: `steps.csv` (one row per epoch, rate or
/// threshold, the undefended victim first), the defended model (`defended.pt`, with `manifest.json` so
/// `baiqa evaluate --run` takes the folder), `clean_set.json`, `results.json` with the chosen step, and
/// `report.md`. Written in `<out>.partial` and resumable after a kill with the same numbers.
public struct DefenceJob {
    public var kind: DefenceKind
    public var run: URL
    public var out: URL?
    /// The defender's share of the victim's training images (default 5 %, ANP's official 1 %).
    public var cleanFraction: Double?
    /// A JSON file `{"clean": [image names]}` instead (e.g. another defence's clean_set.json).
    public var cleanSplit: URL?
    /// Seeds the clean-set draw, the fine-tuning crops and ANP's batches (default: the run's seed).
    public var seed: UInt64?
    /// Fine-tuning epochs (default: the victim's).
    public var epochs: Int?
    /// Fine-tuning learning rate (default: the victim's recipe's).
    public var learningRate: Double?
    public var pruningRates: [Double] = DefenceJob.grid(to: 0.80)
    public var anpThresholds: [Double] = DefenceJob.grid(to: 0.90)
    /// The clean-only selection rule: the largest rate/threshold whose clean-set RMSE rises less than this.
    public var maxCleanRMSERise = 0.10
    /// nil fields: the official defaults for `paper` victims, the CPU scale for `cpu` ones (`anpDefaults`).
    public var anpIterations: Int?
    public var anpBatchSize: Int?
    public var anpEpsilon: Double?
    public var anpTradeOff: Double?
    public var anpMaskLearningRate: Double?

    public static let maskFile = "last_stage_mask.pt"

    public init(kind: DefenceKind, run: URL) {
        self.kind = kind
        self.run = run
    }

    /// 0, 0.05, …, `end`.
    public static func grid(to end: Double, step: Double = 0.05) -> [Double] {
        (0...Int((end / step).rounded())).map { (Double($0) * step * 1e6).rounded() / 1e6 }
    }

    /// ANP as `optimize_mask_cifar.py` runs it (2,000 iterations of 128 crops) for `paper` victims; for the
    /// `cpu` presets 200 iterations of 32 crops (≈ 4 min on 2 cores instead of ≈ 1.5 h, docs/results.md).
    public static func anpDefaults(recipe: TrainingRecipe) -> ANPMaskOptimizer.Settings {
        var s = ANPMaskOptimizer.Settings()
        if recipe.name == "cpu" {
            s.iterations = 200
            s.batchSize = 32
        }
        return s
    }

    /// The checks that need no computation; every error names the option or file at fault.
    func validate() throws {
        if let f = cleanFraction, !(f > 0 && f < 1) { throw DefenceError("--clean-fraction must be in (0, 1), got \(f)") }
        if let e = epochs, e < 0 { throw DefenceError("--epochs must be ≥ 0, got \(e)") }
        if let lr = learningRate, !(lr > 0 && lr.isFinite) { throw DefenceError("--lr must be positive, got \(lr)") }
        for (name, values, upper) in [("--rates", pruningRates, 1.0), ("--thresholds", anpThresholds, 1.0)] {
            guard !values.isEmpty, values.allSatisfy({ $0 >= 0 && $0 <= upper }), values == values.sorted(), values.first == 0 else {
                throw DefenceError("\(name) must start at 0 and rise within [0, \(upper)], got \(values)")
            }
        }
        guard maxCleanRMSERise > 0 else { throw DefenceError("--max-rmse-rise must be > 0, got \(maxCleanRMSERise)") }
        if let i = anpIterations, i < 1 { throw DefenceError("--iterations must be ≥ 1, got \(i)") }
        if let b = anpBatchSize, b < 2 { throw DefenceError("--batch-size must be ≥ 2 (BatchNorm needs a batch), got \(b)") }
        if let e = anpEpsilon, !(e >= 0 && e < 1) { throw DefenceError("--epsilon must be in [0, 1), got \(e)") }
        if let t = anpTradeOff, !(t >= 0 && t <= 1) { throw DefenceError("--trade-off must be in [0, 1], got \(t)") }
        if let l = anpMaskLearningRate, !(l > 0) { throw DefenceError("--mask-lr must be > 0, got \(l)") }
    }

    /// What names the defence's results: a `.partial` is resumed only by the same inputs.
    struct Inputs: Encodable {
        var kind: String, victim: String, clean: [String], seed: UInt64, epochs: Int
        var rates: [Double]?, thresholds: [Double]?, maxRise: Double, anp: ANPMaskOptimizer.Settings?, threads: Int
        /// Absent (the victim's rate) leaves the key of defences run before the option existed unchanged.
        var lr: Double?
    }

    public func run(monitor: RunMonitor) throws -> DefenceResults {
        try validate()
        let manifest = try RunManifest.read(from: run)
        guard manifest.attack != nil || manifest.trigger != nil else {
            throw DefenceError("\(run.path): not a backdoored victim (its manifest records no trigger); a defence measures the attack with the run's own trigger")
        }
        let victimFile = run.appendingPathComponent(manifest.checkpoint)
        guard FileManager.default.fileExists(atPath: victimFile.path) else { throw DefenceError("\(victimFile.path): the victim's weights are missing") }
        let poisoned = try Self.poisonedNames(run: run)
        let target = out ?? run.appendingPathComponent("defences").appendingPathComponent(kind.rawValue)
        if FileManager.default.fileExists(atPath: target.path) {
            throw DefenceError("\(target.path) already exists; choose another --out (finished defences are never overwritten)")
        }
        let dataset = try LoadedDataset.load(manifest.dataset.source())
        let known = Set(dataset.names)
        for name in manifest.train + manifest.test where !known.contains(name) {
            throw DefenceError("\(run.appendingPathComponent(RunManifest.fileName).path): image \(name) is not in the dataset at \(manifest.dataset.root)")
        }
        let seed = self.seed ?? manifest.seed
        let fraction = cleanFraction ?? (kind == .anp ? 0.01 : 0.05)
        let cleanNames: [String]
        if let cleanSplit {
            cleanNames = try Self.readCleanSplit(cleanSplit, known: known, test: Set(manifest.test))
            let overlap = cleanNames.filter { poisoned.contains($0) }.count
            if overlap > 0 { monitor.log("note: \(overlap) of the clean set's images were poisoned in training; the defence uses their clean copies and true scores") }
        } else {
            cleanNames = try DefenderCleanSet.draw(train: manifest.train, poisoned: poisoned, fraction: fraction, seed: seed)
        }
        let epochs = self.epochs ?? manifest.recipe.epochs
        var anp = Self.anpDefaults(recipe: manifest.recipe)
        if let v = anpIterations { anp.iterations = v }
        if let v = anpBatchSize { anp.batchSize = v }
        if let v = anpEpsilon { anp.epsilon = v }
        if let v = anpTradeOff { anp.tradeOff = v }
        if let v = anpMaskLearningRate { anp.maskLearningRate = v }
        let inputs = Inputs(kind: kind.rawValue, victim: try Fingerprint.ofFile(victimFile), clean: cleanNames, seed: seed,
                            epochs: kind == .anp ? 0 : epochs, rates: kind == .fineprune ? pruningRates : nil,
                            thresholds: kind == .anp ? anpThresholds : nil, maxRise: maxCleanRMSERise, anp: kind == .anp ? anp : nil,
                            threads: Runtime.threads, lr: kind == .anp ? nil : learningRate)
        let fingerprint = try Fingerprint.of(inputs)

        let work = try RunFolder.prepareWork(for: target, fingerprint: fingerprint, monitor: monitor)
        do {
            let context = try DefenceContext(run: run, manifest: manifest, dataset: dataset, cleanNames: cleanNames, seed: seed,
                                             workDir: work.url, monitor: monitor)
            try JSONFiles.write(CleanSetRecord(clean: cleanNames, fraction: cleanSplit == nil ? fraction : nil,
                                               source: cleanSplit?.path, seed: seed, excludedPoisoned: poisoned.count),
                                to: work.appendingPathComponent("clean_set.json"), keys: .snakeCase)
            monitor.log("\(kind.title) of \(run.path): \(cleanNames.count) clean images (\(manifest.train.count) training images, \(poisoned.count) poisoned), "
                        + "\(context.test.count) test images")
            let undefended = try context.measure(context.victimModel(), phase: "none", strength: 0)
            var results = DefenceResults(defence: kind.rawValue, run: run.path, cleanImages: cleanNames.count, undefended: undefended,
                                         chosen: undefended, settings: .init(epochs: kind == .anp ? nil : epochs, learningRate: kind == .anp ? nil : learningRate, maxCleanRMSERise: maxCleanRMSERise,
                                                                            anp: kind == .anp ? anp : nil))
            var manifestOut = manifest
            manifestOut.kind = "defence"
            manifestOut.checkpoint = "defended.pt"
            switch kind {
            case .finetune:
                _ = try FineTuningDefence(context: context, epochs: epochs, learningRate: learningRate, fingerprint: fingerprint).run()
                results.chosen = context.steps.last!
            case .fineprune:
                let outcome = try FinePruningDefence(context: context, rates: pruningRates, maxCleanRMSERise: maxCleanRMSERise,
                                                     epochs: epochs, learningRate: learningRate, fingerprint: fingerprint).run()
                results.chosen = context.steps.last!
                results.chosenRate = outcome.rate
                manifestOut.lastStageMask = Self.maskFile
            case .anp:
                let outcome = try ANPDefence(context: context, settings: anp, thresholds: anpThresholds, maxCleanRMSERise: maxCleanRMSERise,
                                             fingerprint: fingerprint).run()
                try TensorFile.save(context.victimModel().store.stateDict().map { ($0.name, outcome.state[$0.name]!) },
                                    to: work.appendingPathComponent("defended.pt"))
                results.chosen = context.done("anp", outcome.threshold)!
                results.chosenThreshold = outcome.threshold
                try? FileManager.default.removeItem(at: work.appendingPathComponent("anp_state.pt"))
            }
            results.steps = context.steps
            var environment = Runtime.computeEnvironment
            environment["config_fingerprint"] = fingerprint
            results.environment = environment
            // The defended model's folder is a run folder of its own: it carries the victim's trigger file.
            if let file = manifest.triggerSpec?.file, !file.hasPrefix("/") {
                let copy = work.appendingPathComponent(file)
                if !FileManager.default.fileExists(atPath: copy.path) {
                    try FileManager.default.copyItem(at: run.appendingPathComponent(file), to: copy)
                }
            }
            try manifestOut.write(to: work.url)
            try JSONFiles.write(results, to: work.appendingPathComponent("results.json"))
            try Data(DefenceReport.markdown(results, alphas: context.sweep.alphas).utf8).write(to: work.appendingPathComponent("report.md"), options: .atomic)
            RunFigures.addToRun(work.url, monitor: monitor)
            try RunFolder.finish(work, into: target)
            return results
        } catch {
            RunFolder.abandon(work, keeping: ["steps.json", "train_state.pt", "anp_state.pt"])
            throw error
        }
    }

    /// Names of the victim's poisoned training images (its poison.json).
    static func poisonedNames(run: URL) throws -> Set<String> {
        struct Poison: Decodable { struct Image: Decodable { var name: String }; var images: [Image] }
        let url = run.appendingPathComponent("poison.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DefenceError("\(url.path) is missing: a defence draws its clean set from the images that were not poisoned")
        }
        do { return Set(try JSONDecoder().decode(Poison.self, from: Data(contentsOf: url)).images.map(\.name)) } catch {
            throw DefenceError("\(url.path): unreadable poison list (\(error))")
        }
    }

    /// `{"clean": [names]}`: every name in the dataset, none in the victim's test split, no duplicates.
    static func readCleanSplit(_ url: URL, known: Set<String>, test: Set<String>) throws -> [String] {
        struct Split: Decodable { var clean: [String] }
        let names: [String]
        do { names = try JSONDecoder().decode(Split.self, from: Data(contentsOf: url)).clean } catch {
            throw DefenceError("\(url.path): expected a JSON object with a \"clean\" list of image names (\(error))")
        }
        guard !names.isEmpty else { throw DefenceError("\(url.path): the \"clean\" list is empty") }
        if let dup = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw DefenceError("\(url.path): image \(dup) is listed twice")
        }
        if let unknown = names.first(where: { !known.contains($0) }) { throw DefenceError("\(url.path): image \(unknown) is not in the dataset") }
        let overlap = names.filter { test.contains($0) }
        if !overlap.isEmpty {
            throw DefenceError("\(url.path): \(overlap.count) image(s) of the clean set are in the victim's test split (e.g. \(overlap[0])); the defence would be measured on what it trained on")
        }
        return names
    }
}

/// `clean_set.json`: the defender's images (reusable as `--clean-split`).
struct CleanSetRecord: Encodable {
    var clean: [String]
    var fraction: Double?
    var source: String?
    var seed: UInt64
    var excludedPoisoned: Int
}
