import Backdoor
import Dispatch
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch
import TorchPickle

/// The paper's whole chain for one victim model and dataset (Tables 1–2), as a plan of content-addressed
/// steps (`SuitePlan`):
///
///     clean model ─┬─ (surrogate, often the same step) ─┬─ trigger search (Algorithm 1) ─┐
///                  │                                    └─ PGD refinement (C-BAIQA)     ─┤
///                  └─ clean-model response (zero trigger, each attack's trigger)         │
///     victims: one per label mode × attack, trained and evaluated  ◀────────────────────┘
///     defences: each configured defence on each victim
///
/// Every step's folder is keyed by the hash of its inputs, so re-running (after a kill, or with a
/// changed config) recomputes only the steps whose inputs changed. A step reads what the steps before it
/// wrote from their folders, so any process sharing the store can compute it (`baiqa step run`); `run()`
/// computes the plan in order in this process, `collect()` gathers the finished steps into results.
public final class AttackSuite {
    public let resolved: SuiteConfig.Resolved
    public let steps: StepStore
    let monitor: RunMonitor
    /// Whether images are decoded up front (for computing); planning alone only reads their sizes.
    let decodeImages: Bool

    public init(config: SuiteConfig, stepsFolder: URL, monitor: RunMonitor = SilentMonitor(), decodeImages: Bool = true) throws {
        resolved = try config.resolved()
        steps = StepStore(root: stepsFolder, monitor: monitor)
        self.monitor = monitor
        self.decodeImages = decodeImages
    }

    var config: SuiteConfig { resolved.config }

    func trainingConfig(_ recipe: TrainingRecipe) -> TrainingConfig {
        var t = TrainingConfig()
        t.dataset = resolved.dataset
        t.trainRatio = config.dataset.trainRatio
        t.recipe = recipe
        t.seed = config.seed
        return t
    }

    // MARK: what the steps share, loaded once per process

    var dataTime = 0.0
    private var loadedDataset: LoadedDataset?
    private var loadedSplit: LoadedDataset.IndexSplit?
    private var models: [String: IQAModel] = [:]
    private var loadedTrigger: DCTTrigger??
    private var loadedDeltas: [Int: Tensor]?

    func dataset() throws -> LoadedDataset {
        if let d = loadedDataset { return d }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let d = decodeImages ? try LoadedDataset.open(resolved.dataset, monitor: monitor)
                             : try LoadedDataset.open(resolved.dataset, monitor: monitor, memoryBudget: 0)
        dataTime += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        loadedDataset = d
        return d
    }

    func split() throws -> LoadedDataset.IndexSplit {
        if let s = loadedSplit { return s }
        let s = try dataset().split(resolved.dataset, trainRatio: config.dataset.trainRatio, seed: config.seed)
        for w in s.warnings { monitor.log("warning: \(w)") }
        loadedSplit = s
        return s
    }

    /// The model a finished training step saved.
    func model(_ folder: String) throws -> IQAModel {
        if let m = models[folder] { return m }
        let url = steps.root.appendingPathComponent(folder)
        let m = try RunManifest.read(from: url).loadModel(folder: url)
        models[folder] = m
        return m
    }

    // MARK: the plan

    /// The suite's steps, their keys and dependencies (reads the dataset's list and split, not its pixels
    /// unless the suite decodes images).
    public func plan() throws -> SuitePlan {
        var plan = SuitePlan()
        let dataset = try dataset()
        let split = try split()
        let victimName = resolved.victim.model.kind.displayName

        // 1. The clean model (Table 1's "w/o" row) and the surrogate (the same step when the recipes agree).
        let clean = try planTraining(&plan, id: "clean", recipe: resolved.victim, describe: "clean \(victimName)")
        let surrogate = try planTraining(&plan, id: "surrogate", recipe: resolved.surrogate, describe: "surrogate")

        // The poisoned subset: the images both label modes poison (the same seeded draw as the victims'
        // poison plans), on which the trigger is searched and PGD runs, as the official partial_index.
        let positions = try PoisonPlan.poisonLabel(trainCount: split.train.count, rate: config.poison.rate, deltaY: config.poison.deltaY,
                                                   sampling: config.poison.alphaSampling, seed: config.seed, subset: split.poisonedPositions).poisoned
        let subset = positions.map { split.train[$0] }
        let subsetNames = subset.map { dataset.names[$0] }

        // 2. The trigger (BAIQA only): a file, a seeded random one, or Algorithm 1's search as a step.
        var trigger: TriggerSource?
        if config.attacks.contains(.baiqa) {
            trigger = try planTrigger(&plan, surrogate: surrogate, subset: subset, names: subsetNames,
                                      heldOut: (split.test, split.test.map { dataset.names[$0] }))
        }

        // 3. C-BAIQA's PGD refinement of the poisoned images (unless the ablation turns it off).
        var pgd: String?
        if config.labels.contains(.clean) && config.pgd.refine {
            pgd = try planPGD(&plan, surrogate: surrogate, subset: subset, names: subsetNames)
        }

        // 4. The clean model's response to each trigger, and to a zero trigger (the metric's sanity check).
        if config.cleanModelResponse {
            for name in ["none"] + config.attacks.map(\.rawValue) {
                try planResponse(&plan, attack: name, clean: clean, trigger: name == "baiqa" ? trigger : nil)
            }
        }

        // 5. One backdoored victim per label mode × attack; 6. the defences on every victim.
        for label in config.labels {
            for attack in config.attacks {
                let victim = try planVictim(&plan, label: label, attack: attack, trigger: attack == .baiqa ? trigger : nil,
                                            pgd: label == .clean ? pgd : nil)
                let name = Self.victimName(label: label.rawValue, attack: attack.rawValue)
                for kind in config.defences.run {
                    try planDefence(&plan, kind: kind, victim: victim, name: name)
                }
                // 7. JPEG robustness: the victim behind test-time recompression, and victims whose poisoned
                // images were released as JPEG.
                if !config.robustness.jpeg.isEmpty { try planRobustness(&plan, victim: victim, name: name) }
                for channel in try config.robustness.releaseChannels() {
                    try planVictim(&plan, label: label, attack: attack, trigger: attack == .baiqa ? trigger : nil,
                                   pgd: label == .clean ? pgd : nil, release: channel)
                }
            }
        }
        return plan
    }

    static func victimName(label: String, attack: String) -> String { "\(label == "poison" ? "P" : "C")-\(attack)" }

    /// The role of a victim step: `victim-P-baiqa`, or `victim-P-baiqa-release-q75` for one trained on a
    /// poisoned set released as JPEG.
    static func victimRole(_ name: String, release: JPEGRecompression?) -> String {
        "victim-\(name)" + (release.map { "-release-q\($0.quality)" } ?? "")
    }

    /// Computes the plan in order, in this process (each step reused when done), and gathers the results.
    public func run() throws -> SuiteResults {
        let plan = try plan()
        for step in plan.steps { try compute(step) }
        return try collect(plan)
    }

    /// Computes one step of the plan (its dependencies must be done), or reuses it when done.
    public func compute(_ step: SuitePlan.Step) throws {
        for d in step.dependencies where steps.state(of: step.folder) != .done && steps.state(of: d) != .done {
            throw RunError("step \(step.folder) (\(step.id)) needs \(d), which is not finished in \(steps.root.path): run that step first")
        }
        try steps.run(step.kind, inputs: step.inputs, describe: step.describe, body: step.compute)
    }

    // MARK: steps

    /// A clean training step; returns its folder name.
    func planTraining(_ plan: inout SuitePlan, id: String, recipe: TrainingRecipe, describe: String) throws -> String {
        let tc = trainingConfig(recipe)
        return try plan.add(id: id, kind: "train", inputs: tc, after: [], describe: describe) { [unowned self] work in
            var t: [String: Double] = [:]
            let benign = try CleanTraining(config: tc, workDir: work, monitor: monitor).run(dataset: try dataset(), timings: &t)
            try JSONFiles.write(CleanResult(benign: benign, timings: t), to: work.appendingPathComponent("results.json"))
            try? FileManager.default.removeItem(at: work.appendingPathComponent("train_state.pt"))
        }
    }

    struct CleanResult: Codable { var benign: BenignMetrics; var timings: [String: Double] }

    /// How the BAIQA trigger is had: what names it in the steps that use it, and how to load it.
    struct TriggerSource {
        var info: SuiteResults.TriggerInfo
        /// The file and what identifies its content: the file's fingerprint, or the search step's folder
        /// (known before the search has run, so that the plan's keys are).
        var file: (path: String, fingerprint: String)?
        var step: String?
        var load: () throws -> DCTTrigger
    }

    /// `heldOut`: the test images, on which the search measures its objective curve (never searched on).
    func planTrigger(_ plan: inout SuitePlan, surrogate: String, subset: [Int], names: [String],
                     heldOut: (images: [Int], names: [String])) throws -> TriggerSource {
        let t = config.trigger
        switch t.source {
        case "file":
            let url = URL(fileURLWithPath: t.file).standardizedFileURL
            guard let bytes = try? Data(contentsOf: url) else { throw SuiteConfigError("trigger.file: \(t.file): cannot read the trigger file") }
            return TriggerSource(info: .init(source: "file", file: url.path), file: (url.path, Fingerprint.fnv1a64(bytes)), step: nil,
                                 load: { try DCTTrigger.load(from: url, positions: t.positions) })
        case "random":
            let seed = config.seed
            return TriggerSource(info: .init(source: "random"), file: nil, step: nil,
                                 load: { try DCTTrigger.random(seed: seed, targetPSNR: t.psnr, positions: t.positions) })
        default:
            let job = TriggerSearchJob(search: resolved.search, heldOut: heldOut, every: config.trigger.every)
            let surrogateKey = String(surrogate.dropFirst("train-".count))
            let folder = try plan.add(id: "trigger", kind: "trigger", inputs: job.inputs(surrogate: surrogateKey, names: names), after: [surrogate],
                                      describe: "UAP-DCT trigger search on \(names.count) images") { [unowned self] work in
                try job.run(surrogate: try model(surrogate), surrogateName: surrogateKey, source: try dataset().source, images: subset, names: names,
                            out: work.appendingPathComponent("trigger.pt"), record: work.appendingPathComponent("trigger.json"),
                            curve: work.appendingPathComponent("curve.csv"), checkpoint: work.appendingPathComponent("search-state.pt"), monitor: monitor)
            }
            let url = steps.root.appendingPathComponent(folder).appendingPathComponent("trigger.pt")
            return TriggerSource(info: .init(source: "search", file: url.path, step: folder), file: (url.path, folder), step: folder,
                                 load: { try DCTTrigger.load(from: url, positions: t.positions) })
        }
    }

    /// The trigger, loaded once (nil for suites without BAIQA).
    func trigger(_ source: TriggerSource?) throws -> DCTTrigger? {
        if let loaded = loadedTrigger { return loaded }
        let t = try source.map { try $0.load() }
        loadedTrigger = .some(t)
        return t
    }

    func planPGD(_ plan: inout SuitePlan, surrogate: String, subset: [Int], names: [String]) throws -> String {
        let job = PGDJob(pgd: resolved.pgd)
        let surrogateKey = String(surrogate.dropFirst("train-".count))
        return try plan.add(id: "pgd", kind: "pgd", inputs: job.inputs(surrogate: surrogateKey, names: names), after: [surrogate],
                            describe: "targeted PGD on \(names.count) images") { [unowned self] work in
            try job.run(surrogate: try model(surrogate), surrogateName: surrogateKey, source: try dataset().source, images: subset, names: names,
                        out: work.appendingPathComponent("deltas.pt"), record: work.appendingPathComponent("pgd.json"),
                        parts: work.appendingPathComponent("parts"), monitor: monitor)
        }
    }

    /// C-BAIQA's perturbations, loaded once.
    func deltas(_ pgd: String?) throws -> [Int: Tensor] {
        guard let pgd else { return [:] }
        if let d = loadedDeltas { return d }
        let d = try PGDJob.load(steps.root.appendingPathComponent(pgd).appendingPathComponent("deltas.pt"), dataset: try dataset())
        loadedDeltas = d
        return d
    }

    struct ResponseInputs: Encodable {
        var clean: String, attack: String, triggerFingerprint: String?, randomTrigger: Bool
        var baselines: BaselineSettings, positions: String, alphas: [Double], deltaY: Double, seed: UInt64
    }

    /// The clean model under one trigger ("none": a zero trigger); one step per trigger, so that a suite
    /// with fewer attacks reuses them.
    func planResponse(_ plan: inout SuitePlan, attack name: String, clean: String, trigger: TriggerSource?) throws {
        let inputs = ResponseInputs(clean: String(clean.dropFirst("train-".count)), attack: name, triggerFingerprint: trigger?.file?.fingerprint,
                                    randomTrigger: name == "baiqa" && config.trigger.source == "random",
                                    baselines: config.baselines, positions: config.trigger.positions.rawValue,
                                    alphas: config.alphas, deltaY: config.poison.deltaY, seed: config.seed)
        try plan.add(id: "response-\(name)", kind: "response", inputs: inputs, after: [clean] + (trigger?.step.map { [$0] } ?? []),
                     describe: "clean model under the \(name) trigger") { [unowned self] work in
            let dataset = try dataset()
            let test = try split().test
            let recipe = resolved.victim
            let injector: CropInjector = name == "none"
                ? try DCTTrigger(tensor: Tensor.zeros([3, 64]), positions: config.trigger.positions)
                : try AttackKind(rawValue: name)!.injector(dct: try self.trigger(trigger), baselines: config.baselines, positions: config.trigger.positions)
            let renderer = try PatchRenderer(source: dataset.source, crop: recipe.cropSize, injector: injector, triggerPhase: recipe.triggerPhase)
            let predictor = Predictor(model: try model(clean), renderer: renderer, patches: recipe.testPatches, flip: recipe.flipAtTest)
            let evaluator = AttackEvaluator(predictor: predictor, sweep: AlphaSweep(alphas: config.alphas, deltaY: config.poison.deltaY),
                                            seed: config.seed &+ 0xE7A1)
            let outcome = try evaluator.run(images: test, labels: test.map { dataset.scores[$0] }) { d, t in
                self.monitor.progress(stage: "clean model + \(name) trigger", done: d, total: t, detail: "")
            }
            let psnr = try TriggerPSNR.summary(source: dataset.source, images: test, injector: injector).psnrOfMeanMSE
            let meanAbsAlpha = config.alphas.map(abs).reduce(0, +) / Double(config.alphas.count)
            let response = SuiteResults.Response(attack: name, attackMetrics: .init(outcome.attack, psnr: psnr),
                                                 noEffectMMAE: config.poison.deltaY * meanAbsAlpha)
            try JSONFiles.write(response, to: work.appendingPathComponent("response.json"))
        }
    }

    @discardableResult
    func planVictim(_ plan: inout SuitePlan, label: PoisonPlan.LabelMode, attack: AttackKind, trigger: TriggerSource?, pgd: String?,
                    release: JPEGRecompression? = nil) throws -> String {
        var ec = ExperimentConfig()
        ec.dataset = resolved.dataset
        ec.trainRatio = config.dataset.trainRatio
        ec.recipe = resolved.victim
        ec.alphas = config.alphas
        ec.seed = config.seed
        ec.attack.name = "\(label == .poison ? "p" : "c")-baiqa/\(attack.rawValue)"
        ec.attack.kind = attack
        ec.attack.baselines = config.baselines
        ec.attack.rate = config.poison.rate
        ec.attack.deltaY = config.poison.deltaY
        ec.attack.alphaSampling = config.poison.alphaSampling
        ec.attack.positions = config.trigger.positions
        ec.attack.labelMode = label
        if attack == .baiqa {
            ec.attack.triggerFile = trigger?.file?.path
            ec.attack.triggerFingerprint = trigger?.file?.fingerprint
            ec.attack.randomTriggerPSNR = config.trigger.psnr
        }
        if label == .clean {
            ec.attack.targetMean = config.poison.targetMean
            ec.attack.pgdFingerprint = pgd   // the step folder's name, as suites have always keyed it
        }
        ec.attack.releaseJPEG = release
        let name = Self.victimName(label: label.rawValue, attack: attack.rawValue)
        let after = [trigger?.step, pgd].compactMap { $0 }
        return try plan.add(id: Self.victimRole(name, release: release), kind: "victim", inputs: ec, after: after,
                            describe: "\(label == .poison ? "P" : "C")-BAIQA victim, \(attack.rawValue) trigger"
                                + (release.map { ", poisoned images released as \($0)" } ?? "")) { [unowned self] work in
            let experiment = BackdoorExperiment(config: ec, workDir: work, monitor: monitor)
            let results = try experiment.run(dataset: try dataset(), trigger: attack == .baiqa ? try self.trigger(trigger) : nil,
                                             perturbations: try deltas(pgd))
            try results.jsonData().write(to: work.appendingPathComponent("results.json"), options: .atomic)
            try Data(ExperimentReport.markdown(results, runName: work.deletingPathExtension().lastPathComponent).utf8)
                .write(to: work.appendingPathComponent("report.md"), options: .atomic)
            try? FileManager.default.removeItem(at: work.appendingPathComponent("train_state.pt"))
            RunFigures.addToRun(work, monitor: monitor)
        }
    }

    struct RobustnessInputs: Encodable {
        var victim: String, channels: [JPEGRecompression], seed: UInt64
    }

    /// A victim's α sweep behind each test-time JPEG channel (`baiqa robustness` on the victim step).
    func planRobustness(_ plan: inout SuitePlan, victim: String, name: String) throws {
        let channels = try config.robustness.testChannels()
        try plan.add(id: "robustness-\(name)", kind: "robustness", inputs: RobustnessInputs(victim: victim, channels: channels, seed: config.seed),
                     after: [victim], describe: "the \(name) victim behind JPEG") { [unowned self] work in
            let run = steps.root.appendingPathComponent(victim)
            var evaluation = RunEvaluation(folder: run)
            evaluation.trigger = try RunManifest.read(from: run).triggerSpec
            let output = try RunRobustness(evaluation: evaluation, channels: channels).run(monitor: monitor)
            try JSONFiles.write(output.rows, to: work.appendingPathComponent("robustness.json"))
            try Data(output.csv.utf8).write(to: work.appendingPathComponent("robustness.csv"), options: .atomic)
        }
    }

    /// What names a defence step: the victim step it defends and the defence's settings.
    struct DefenceInputs: Encodable {
        var victim: String, defence: String, settings: SuiteConfig.DefenceSection, seed: UInt64
    }

    /// One defence on one victim step, as a step of its own (its folder holds the defence's folder,
    /// `defence/`, which resumes like `baiqa defend` after a kill).
    func planDefence(_ plan: inout SuitePlan, kind: DefenceKind, victim: String, name: String) throws {
        var settings = config.defences
        settings.run = [kind]
        try plan.add(id: "defence-\(kind.rawValue)-\(name)", kind: "defence-\(kind.rawValue)",
                     inputs: DefenceInputs(victim: victim, defence: kind.rawValue, settings: settings, seed: config.seed), after: [victim],
                     describe: "\(kind.title) of the \(name) victim") { [unowned self] work in
            // A defence that finished before a kill ended this step is not run again.
            if FileManager.default.fileExists(atPath: work.appendingPathComponent("defence/results.json").path) { return }
            var job = DefenceJob(kind: kind, run: steps.root.appendingPathComponent(victim))
            job.out = work.appendingPathComponent("defence")
            if settings.cleanFraction > 0 { job.cleanFraction = settings.cleanFraction }
            if settings.epochs > 0 { job.epochs = settings.epochs }
            if settings.learningRate > 0 { job.learningRate = settings.learningRate }
            job.maxCleanRMSERise = settings.maxRmseRise
            if settings.anpIterations > 0 { job.anpIterations = settings.anpIterations }
            if settings.anpBatch > 0 { job.anpBatchSize = settings.anpBatch }
            if !settings.pruningRates.isEmpty { job.pruningRates = settings.pruningRates }
            if !settings.anpThresholds.isEmpty { job.anpThresholds = settings.anpThresholds }
            _ = try job.run(monitor: monitor)
        }
    }
}
