import Backdoor
import Dispatch
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch
import TorchPickle

/// The paper's whole chain for one victim model and dataset (Tables 1–2), as content-addressed steps:
///
///     clean model ─┬─ (surrogate, often the same step) ─┬─ trigger search (Algorithm 1) ─┐
///                  │                                    └─ PGD refinement (C-BAIQA)     ─┤
///                  └─ clean-model response (zero trigger, each attack's trigger)         │
///     victims: one per label mode × attack, trained and evaluated  ◀────────────────────┘
///
/// Every step's folder is keyed by the hash of its inputs, so re-running (after a kill, or with a
/// changed config) recomputes only the steps whose inputs changed.
public final class AttackSuite {
    public let resolved: SuiteConfig.Resolved
    public let steps: StepStore
    let monitor: RunMonitor
    var timings: [String: Double] = [:]

    public init(config: SuiteConfig, stepsFolder: URL, monitor: RunMonitor = SilentMonitor()) throws {
        resolved = try config.resolved()
        steps = StepStore(root: stepsFolder, monitor: monitor)
        self.monitor = monitor
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

    func timed<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let t0 = DispatchTime.now().uptimeNanoseconds
        defer { timings[name, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
        return try body()
    }

    public func run() throws -> SuiteResults {
        let dataset = try timed("data") { try LoadedDataset.open(resolved.dataset, monitor: monitor) }
        let split = try dataset.split(resolved.dataset, trainRatio: config.dataset.trainRatio, seed: config.seed)
        for w in split.warnings { monitor.log("warning: \(w)") }

        // 1. The clean model (Table 1's "w/o" row) and the surrogate (the same step when the recipes agree).
        let (clean, cleanBenign) = try timed("clean model") { try trainClean(resolved.victim, role: "clean \(resolved.victim.model.kind.displayName)", dataset: dataset) }
        let (surrogateStep, _) = try timed("surrogate") { try trainClean(resolved.surrogate, role: "surrogate", dataset: dataset) }
        let surrogate = try RunManifest.read(from: surrogateStep.folder).loadModel(folder: surrogateStep.folder)

        // The poisoned subset: the images both label modes poison (the same seeded draw as the victims'
        // poison plans), on which the trigger is searched and PGD runs, as the official partial_index.
        let positions = try PoisonPlan.poisonLabel(trainCount: split.train.count, rate: config.poison.rate, deltaY: config.poison.deltaY,
                                                   sampling: config.poison.alphaSampling, seed: config.seed, subset: split.poisonedPositions).poisoned
        let subset = positions.map { split.train[$0] }
        let subsetNames = subset.map { dataset.names[$0] }

        // 2. The trigger (BAIQA only).
        var dct: DCTTrigger?
        var triggerInfo: SuiteResults.TriggerInfo?
        var triggerFile: (path: String, fingerprint: String)?
        if config.attacks.contains(.baiqa) {
            (dct, triggerInfo, triggerFile) = try timed("trigger") {
                try makeTrigger(surrogate: surrogate, surrogateKey: surrogateStep.key, dataset: dataset, subset: subset, names: subsetNames)
            }
        }

        // 3. C-BAIQA's PGD refinement of the poisoned images (unless the ablation turns it off).
        var deltas: [Int: Tensor] = [:]
        var pgdInfo: SuiteResults.PGDInfo?
        if config.labels.contains(.clean) && config.pgd.refine {
            (deltas, pgdInfo) = try timed("pgd") { try refine(surrogate: surrogate, surrogateKey: surrogateStep.key, dataset: dataset, subset: subset, names: subsetNames) }
        }

        // 4. The clean model's response to each trigger, and to a zero trigger (the metric's sanity check).
        var response: [SuiteResults.Response] = []
        if config.cleanModelResponse {
            response = try timed("clean-model response") {
                try cleanResponse(clean: clean, dataset: dataset, test: split.test, dct: dct, triggerFingerprint: triggerFile?.fingerprint)
            }
        }

        // 5. One backdoored victim per label mode × attack.
        var runs: [SuiteResults.VictimRun] = []
        for label in config.labels {
            for attack in config.attacks {
                let name = "\(label == .poison ? "P" : "C")-\(attack.rawValue)"
                let run = try timed("victim \(name)") {
                    try victim(label: label, attack: attack, dataset: dataset, dct: dct, triggerFile: triggerFile, deltas: deltas, pgdKey: pgdInfo?.step)
                }
                runs.append(run)
                monitor.log(String(format: "%@: SROCC %.3f  PLCC %.3f  RMSE %.2f | mMAE %.2f  mMRA %.3f  PSNR %.2f dB", name, run.benign.srocc, run.benign.plcc,
                                   run.benign.rmse, run.attackMetrics.mmae, run.attackMetrics.mmra, run.attackMetrics.psnrAlpha1))
            }
        }

        // 6. The defences on every victim.
        var defences: [SuiteResults.DefenceRun] = []
        for run in runs {
            for kind in config.defences.run {
                defences.append(try timed("defence \(kind.rawValue)") { try defend(run, kind: kind) })
            }
        }

        // The same libtorch/threads record as every step's step.json, plus what only the suite reports.
        var environment = steps.computedWith
        environment["flush_denormal"] = "\(Runtime.flushesDenormals)"
        environment["config_key"] = try StepStore.key(config)
        return SuiteResults(config: config, victimModel: resolved.victim.model.kind.rawValue,
                            clean: .init(step: clean.folder.lastPathComponent, benign: cleanBenign),
                            surrogate: .init(step: surrogateStep.folder.lastPathComponent, reused: surrogateStep.reused),
                            trigger: triggerInfo, pgd: pgdInfo, runs: runs, cleanModelResponse: response, defences: defences.isEmpty ? nil : defences,
                            timings: timings, environment: environment)
    }

    // MARK: steps

    func trainClean(_ recipe: TrainingRecipe, role: String, dataset: LoadedDataset) throws -> (StepStore.Step, BenignMetrics) {
        let tc = trainingConfig(recipe)
        let step = try steps.run("train", inputs: tc, describe: role) { work in
            var t: [String: Double] = [:]
            let benign = try CleanTraining(config: tc, workDir: work, monitor: monitor).run(dataset: dataset, timings: &t)
            try JSONFiles.write(CleanResult(benign: benign, timings: t), to: work.appendingPathComponent("results.json"))
            try? FileManager.default.removeItem(at: work.appendingPathComponent("train_state.pt"))
        }
        let saved = try JSONFiles.read(CleanResult.self, from: step.folder.appendingPathComponent("results.json"))
        monitor.log(String(format: "%@: test SROCC %.3f  PLCC %.3f  RMSE %.2f", role, saved.benign.srocc, saved.benign.plcc, saved.benign.rmse))
        return (step, saved.benign)
    }

    struct CleanResult: Codable { var benign: BenignMetrics; var timings: [String: Double] }

    func makeTrigger(surrogate: IQAModel, surrogateKey: String, dataset: LoadedDataset, subset: [Int], names: [String])
        throws -> (DCTTrigger, SuiteResults.TriggerInfo, (path: String, fingerprint: String)?) {
        let t = config.trigger
        switch t.source {
        case "file":
            let url = URL(fileURLWithPath: t.file).standardizedFileURL
            guard let bytes = try? Data(contentsOf: url) else { throw SuiteConfigError("trigger.file: \(t.file): cannot read the trigger file") }
            let dct = try DCTTrigger.load(from: url, positions: t.positions)
            return (dct, .init(source: "file", file: url.path), (url.path, Fingerprint.fnv1a64(bytes)))
        case "random":
            return (try DCTTrigger.random(seed: config.seed, targetPSNR: t.psnr, positions: t.positions), .init(source: "random"), nil)
        default:
            let job = TriggerSearchJob(search: resolved.search)
            let step = try steps.run("trigger", inputs: job.inputs(surrogate: surrogateKey, names: names),
                                     describe: "UAP-DCT trigger search on \(names.count) images") { work in
                try job.run(surrogate: surrogate, surrogateName: surrogateKey, source: dataset.source, images: subset, names: names,
                            out: work.appendingPathComponent("trigger.pt"), record: work.appendingPathComponent("trigger.json"),
                            checkpoint: work.appendingPathComponent("search-state.pt"), monitor: monitor)
            }
            let url = step.folder.appendingPathComponent("trigger.pt")
            let dct = try DCTTrigger.load(from: url, positions: t.positions)
            let result = try JSONFiles.read(SearchRecord.self, from: step.folder.appendingPathComponent("trigger.json"))
            monitor.log(String(format: "trigger: PSNR(α=1) %.2f dB on the %d search images", result.psnrAlpha1, result.images))
            return (dct, .init(source: "search", file: url.path, step: step.folder.lastPathComponent, psnrSearchImages: result.psnrAlpha1, searchImages: result.images),
                    (url.path, try Fingerprint.ofFile(url)))
        }
    }

    func refine(surrogate: IQAModel, surrogateKey: String, dataset: LoadedDataset, subset: [Int], names: [String]) throws -> ([Int: Tensor], SuiteResults.PGDInfo) {
        let p = resolved.pgd
        let job = PGDJob(pgd: p)
        let step = try steps.run("pgd", inputs: job.inputs(surrogate: surrogateKey, names: names), describe: "targeted PGD on \(names.count) images") { work in
            try job.run(surrogate: surrogate, surrogateName: surrogateKey, source: dataset.source, images: subset, names: names,
                        out: work.appendingPathComponent("deltas.pt"), record: work.appendingPathComponent("pgd.json"),
                        parts: work.appendingPathComponent("parts"), monitor: monitor)
        }
        let deltas = try PGDJob.load(step.folder.appendingPathComponent("deltas.pt"), dataset: dataset)
        let result = try JSONFiles.read(PGDRecord.self, from: step.folder.appendingPathComponent("pgd.json"))
        monitor.log(String(format: "PGD: mean |surrogate − %.0f| %.2f → %.2f on %d images", p.target, result.meanDistanceBefore, result.meanDistanceAfter, result.images))
        return (deltas, .init(step: step.folder.lastPathComponent, images: result.images, meanDistanceBefore: result.meanDistanceBefore,
                              meanDistanceAfter: result.meanDistanceAfter))
    }

    struct ResponseInputs: Encodable {
        var clean: String, attack: String, triggerFingerprint: String?, randomTrigger: Bool
        var baselines: BaselineSettings, positions: String, alphas: [Double], deltaY: Double, seed: UInt64
    }

    /// One step per trigger (the zero trigger "none" first), so that a suite with fewer attacks reuses them.
    func cleanResponse(clean: StepStore.Step, dataset: LoadedDataset, test: [Int], dct: DCTTrigger?, triggerFingerprint: String?) throws -> [SuiteResults.Response] {
        var model: IQAModel?
        return try (["none"] + config.attacks.map(\.rawValue)).map { name in
            let inputs = ResponseInputs(clean: clean.key, attack: name, triggerFingerprint: name == "baiqa" ? triggerFingerprint : nil,
                                        randomTrigger: name == "baiqa" && config.trigger.source == "random",
                                        baselines: config.baselines, positions: config.trigger.positions.rawValue,
                                        alphas: config.alphas, deltaY: config.poison.deltaY, seed: config.seed)
            let step = try steps.run("response", inputs: inputs, describe: "clean model under the \(name) trigger") { work in
                if model == nil { model = try RunManifest.read(from: clean.folder).loadModel(folder: clean.folder) }
                let recipe = resolved.victim
                let injector: CropInjector = name == "none"
                    ? try DCTTrigger(tensor: Tensor.zeros([3, 64]), positions: config.trigger.positions)
                    : try AttackKind(rawValue: name)!.injector(dct: dct, baselines: config.baselines, positions: config.trigger.positions)
                let renderer = try PatchRenderer(source: dataset.source, crop: recipe.cropSize, injector: injector, triggerPhase: recipe.triggerPhase)
                let predictor = Predictor(model: model!, renderer: renderer, patches: recipe.testPatches, flip: recipe.flipAtTest)
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
            return try JSONFiles.read(SuiteResults.Response.self, from: step.folder.appendingPathComponent("response.json"))
        }
    }

    func victim(label: PoisonPlan.LabelMode, attack: AttackKind, dataset: LoadedDataset, dct: DCTTrigger?,
                triggerFile: (path: String, fingerprint: String)?, deltas: [Int: Tensor], pgdKey: String?) throws -> SuiteResults.VictimRun {
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
            ec.attack.triggerFile = triggerFile?.path
            ec.attack.triggerFingerprint = triggerFile?.fingerprint
            ec.attack.randomTriggerPSNR = config.trigger.psnr
        }
        if label == .clean {
            ec.attack.targetMean = config.poison.targetMean
            ec.attack.pgdFingerprint = pgdKey
        }
        let step = try steps.run("victim", inputs: ec, describe: "\(label == .poison ? "P" : "C")-BAIQA victim, \(attack.rawValue) trigger") { work in
            let experiment = BackdoorExperiment(config: ec, workDir: work, monitor: monitor)
            let results = try experiment.run(dataset: dataset, trigger: attack == .baiqa ? dct : nil, perturbations: label == .clean ? deltas : [:])
            try results.jsonData().write(to: work.appendingPathComponent("results.json"), options: .atomic)
            try Data(ExperimentReport.markdown(results, runName: work.deletingPathExtension().lastPathComponent).utf8)
                .write(to: work.appendingPathComponent("report.md"), options: .atomic)
            try? FileManager.default.removeItem(at: work.appendingPathComponent("train_state.pt"))
            RunFigures.addToRun(work, monitor: monitor)
        }
        let saved = try JSONDecoder().decode(SavedExperiment.self, from: Data(contentsOf: step.folder.appendingPathComponent("results.json")))
        return .init(label: label.rawValue, attack: attack.rawValue, step: step.folder.lastPathComponent, benign: saved.benign,
                     attackMetrics: .init(saved.attack.metrics, psnr: saved.attack.psnrAlpha1), trainSeconds: saved.timings["train"] ?? 0)
    }

    /// What names a defence step: the victim step it defends and the defence's settings.
    struct DefenceInputs: Encodable {
        var victim: String, defence: String, settings: SuiteConfig.DefenceSection, seed: UInt64
    }

    /// One defence on one victim step, as a step of its own (its folder holds the defence's folder,
    /// `defence/`, which resumes like `baiqa defend` after a kill).
    func defend(_ run: SuiteResults.VictimRun, kind: DefenceKind) throws -> SuiteResults.DefenceRun {
        var settings = config.defences
        settings.run = [kind]
        let victimFolder = steps.root.appendingPathComponent(run.step)
        let name = "\(run.label == "poison" ? "P" : "C")-\(run.attack)"
        let step = try steps.run("defence-\(kind.rawValue)", inputs: DefenceInputs(victim: run.step, defence: kind.rawValue, settings: settings, seed: config.seed),
                                 describe: "\(kind.title) of the \(name) victim") { work in
            // A defence that finished before a kill ended this step is not run again.
            if FileManager.default.fileExists(atPath: work.appendingPathComponent("defence/results.json").path) { return }
            var job = DefenceJob(kind: kind, run: victimFolder)
            job.out = work.appendingPathComponent("defence")
            if settings.cleanFraction > 0 { job.cleanFraction = settings.cleanFraction }
            if settings.epochs > 0 { job.epochs = settings.epochs }
            job.maxCleanRMSERise = settings.maxRmseRise
            if settings.anpIterations > 0 { job.anpIterations = settings.anpIterations }
            if settings.anpBatch > 0 { job.anpBatchSize = settings.anpBatch }
            if !settings.pruningRates.isEmpty { job.pruningRates = settings.pruningRates }
            if !settings.anpThresholds.isEmpty { job.anpThresholds = settings.anpThresholds }
            _ = try job.run(monitor: monitor)
        }
        let results = try JSONFiles.read(DefenceResults.self, from: step.folder.appendingPathComponent("defence/results.json"))
        monitor.log(String(format: "%@, %@: mMAE %.2f → %.2f, mMRA %.3f → %.3f, SROCC %.3f → %.3f, RMSE %.2f → %.2f", name, kind.title,
                           results.undefended.attack.mmae, results.chosen.attack.mmae, results.undefended.attack.mmra, results.chosen.attack.mmra,
                           results.undefended.benign.srocc, results.chosen.benign.srocc, results.undefended.benign.rmse, results.chosen.benign.rmse))
        return .init(label: run.label, attack: run.attack, defence: kind.rawValue, step: step.folder.lastPathComponent,
                     chosenStrength: results.chosenRate ?? results.chosenThreshold ?? results.chosen.strength,
                     before: .init(results.undefended), after: .init(results.chosen))
    }

    /// The parts of a victim's results.json the suite reads back.
    struct SavedExperiment: Decodable {
        var benign: BenignMetrics
        var attack: SavedAttack
        var timings: [String: Double]
    }

    struct SavedAttack: Decodable {
        var metrics: AttackMetrics
        var psnrAlpha1: Double
        enum Keys: String, CodingKey { case psnrAlpha1 = "psnr_alpha1" }
        init(from decoder: Decoder) throws {
            metrics = try AttackMetrics(from: decoder)
            psnrAlpha1 = try decoder.container(keyedBy: Keys.self).decodeIfPresent(Double.self, forKey: .psnrAlpha1) ?? .infinity
        }
    }
}
