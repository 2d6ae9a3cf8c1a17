import Backdoor
import Dispatch
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
        let dataset = try timed("data") { try loadDataset() }
        let split = try dataset.split(file: resolved.dataset.splitFile.map { URL(fileURLWithPath: $0) }, trainRatio: config.dataset.trainRatio,
                                      seed: config.seed, dropMissing: resolved.dataset.dropMissing)
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

        // The same libtorch/threads record as every step's step.json, plus what only the suite reports.
        var environment = steps.computedWith
        environment["device"] = "cpu"
        environment["flush_denormal"] = "\(Runtime.flushesDenormals)"
        environment["config_key"] = try StepStore.key(config)
        return SuiteResults(config: config, victimModel: resolved.victim.model.kind.rawValue,
                            clean: .init(step: clean.folder.lastPathComponent, benign: cleanBenign),
                            surrogate: .init(step: surrogateStep.folder.lastPathComponent, reused: surrogateStep.reused),
                            trigger: triggerInfo, pgd: pgdInfo, runs: runs, cleanModelResponse: response, timings: timings, environment: environment)
    }

    // MARK: data

    func loadDataset() throws -> LoadedDataset {
        let d = resolved.dataset
        if d.kind == "builtin" && !FileManager.default.fileExists(atPath: d.root) {
            monitor.log("generating the built-in dataset (\(d.builtinCount) images, \(d.builtinSize)²) in \(d.root)")
            try BuiltinDatasetGenerator(count: d.builtinCount, size: d.builtinSize, seed: d.builtinSeed)
                .generate(into: URL(fileURLWithPath: d.root)) { done, total in self.monitor.progress(stage: "generate dataset", done: done, total: total, detail: "") }
        }
        let dataset = try LoadedDataset.load(d.source()) { done, total in self.monitor.progress(stage: "decode images", done: done, total: total, detail: "") }
        monitor.log("dataset: \(dataset.samples.count) images (\(d.kind)) from \(d.root)")
        return dataset
    }

    // MARK: steps

    func trainClean(_ recipe: TrainingRecipe, role: String, dataset: LoadedDataset) throws -> (StepStore.Step, BenignMetrics) {
        let tc = trainingConfig(recipe)
        let step = try steps.run("train", inputs: tc, describe: role) { work in
            var t: [String: Double] = [:]
            let benign = try CleanTraining(config: tc, workDir: work, monitor: monitor).run(dataset: dataset, timings: &t)
            try SuiteJSON.write(CleanResult(benign: benign, timings: t), to: work.appendingPathComponent("results.json"))
            try? FileManager.default.removeItem(at: work.appendingPathComponent("train_state.pt"))
        }
        let saved = try SuiteJSON.read(CleanResult.self, from: step.folder.appendingPathComponent("results.json"))
        monitor.log(String(format: "%@: test SROCC %.3f  PLCC %.3f  RMSE %.2f", role, saved.benign.srocc, saved.benign.plcc, saved.benign.rmse))
        return (step, saved.benign)
    }

    struct CleanResult: Codable { var benign: BenignMetrics; var timings: [String: Double] }

    struct SearchInputs: Encodable {
        var surrogate: String, images: [String]
        var epsilon: Double, lambda: Double, epochs: Int, steps: Int, batch: Int, repeats: Int, learningRate: Double
        var crop: Int, initRange: Double, positions: String, seed: UInt64
    }

    struct SearchResult: Codable {
        var psnrAlpha1: Double, meanPSNR: Double, images: Int, lastLoss: Double, lastPixelMSE: Double
        enum CodingKeys: String, CodingKey {
            case psnrAlpha1 = "psnr_alpha1", meanPSNR = "mean_psnr_alpha1", images, lastLoss = "last_loss", lastPixelMSE = "last_pixel_mse"
        }
    }

    func makeTrigger(surrogate: IQAModel, surrogateKey: String, dataset: LoadedDataset, subset: [Int], names: [String])
        throws -> (DCTTrigger, SuiteResults.TriggerInfo, (path: String, fingerprint: String)?) {
        let t = config.trigger
        switch t.source {
        case "file":
            let url = URL(fileURLWithPath: t.file).standardizedFileURL
            guard let bytes = try? Data(contentsOf: url) else { throw SuiteConfigError("trigger.file: \(t.file): cannot read the trigger file") }
            var a = ExperimentConfig.Attack()
            a.triggerFile = url.path
            a.positions = t.positions
            let dct = try BackdoorExperiment.loadTrigger(a, seed: config.seed)
            return (dct, .init(source: "file", file: url.path), (url.path, ExperimentConfig.fnv1a64(bytes)))
        case "random":
            return (try DCTTrigger.random(seed: config.seed, targetPSNR: t.psnr, positions: t.positions), .init(source: "random"), nil)
        default:
            let s = resolved.search
            let inputs = SearchInputs(surrogate: surrogateKey, images: names, epsilon: s.epsilon, lambda: s.lambda, epochs: s.epochs, steps: s.stepsPerBatch,
                                      batch: s.batchSize, repeats: s.repeats, learningRate: s.learningRate, crop: s.crop, initRange: s.initRange,
                                      positions: s.positions.rawValue, seed: s.seed)
            let step = try steps.run("trigger", inputs: inputs, describe: "UAP-DCT trigger search on \(names.count) images") { work in
                let stateURL = work.appendingPathComponent("search-state.pt")
                var state = try s.initialState()
                if FileManager.default.fileExists(atPath: stateURL.path), case .dict(let d) = try TorchFile.load(contentsOf: stateURL),
                   let done = d["epochs_done"]?.intValue, let tensor = d["trigger"]?.tensorValue {
                    state = UAPSearch.State(trigger: try Tensor(record: tensor), epochsDone: Int(done), lastLoss: .nan, lastPixelMSE: .nan)
                    monitor.log("trigger search: resuming after epoch \(done)")
                }
                let final = try s.run(surrogate: surrogate, source: dataset.source, images: subset, from: state, progress: { d, total, mse in
                    self.monitor.progress(stage: "UAP-DCT search", done: d, total: total, detail: String(format: "crop PSNR %.2f dB", -10 * log10(max(mse, 1e-12))))
                }, onEpoch: { st in
                    try TensorFile.save([("trigger", st.trigger)], metadata: [("epochs_done", .int(Int64(st.epochsDone)))], to: stateURL)
                })
                try TensorFile.save(final.trigger, to: work.appendingPathComponent("trigger.pt"))
                let psnr = try TriggerPSNR.summary(source: dataset.source, images: subset, injector: DCTTrigger(tensor: final.trigger, positions: s.positions))
                try SuiteJSON.write(SearchResult(psnrAlpha1: psnr.psnrOfMeanMSE, meanPSNR: psnr.meanPSNR, images: subset.count,
                                                 lastLoss: final.lastLoss, lastPixelMSE: final.lastPixelMSE), to: work.appendingPathComponent("trigger.json"))
                try? FileManager.default.removeItem(at: stateURL)
            }
            let url = step.folder.appendingPathComponent("trigger.pt")
            let dct = try DCTTrigger(tensor: TensorFile.loadTensor(from: url), positions: t.positions)
            let result = try SuiteJSON.read(SearchResult.self, from: step.folder.appendingPathComponent("trigger.json"))
            monitor.log(String(format: "trigger: PSNR(α=1) %.2f dB on the %d search images", result.psnrAlpha1, result.images))
            return (dct, .init(source: "search", file: url.path, step: step.folder.lastPathComponent, psnrSearchImages: result.psnrAlpha1, searchImages: result.images),
                    (url.path, ExperimentConfig.fnv1a64(try Data(contentsOf: url))))
        }
    }

    struct PGDInputs: Encodable {
        var surrogate: String, images: [String]
        var epsilon: Double, stepSize: Double, steps: Int, views: Int, target: Double, crop: Int, seed: UInt64
    }

    struct PGDResult: Codable {
        var images: Int, meanDistanceBefore: Double, meanDistanceAfter: Double
        enum CodingKeys: String, CodingKey { case images, meanDistanceBefore = "mean_distance_before", meanDistanceAfter = "mean_distance_after" }
    }

    func refine(surrogate: IQAModel, surrogateKey: String, dataset: LoadedDataset, subset: [Int], names: [String]) throws -> ([Int: Tensor], SuiteResults.PGDInfo) {
        let p = resolved.pgd
        let inputs = PGDInputs(surrogate: surrogateKey, images: names, epsilon: p.epsilon, stepSize: p.stepSize, steps: p.steps, views: p.views,
                               target: p.target, crop: p.crop, seed: p.seed)
        let step = try steps.run("pgd", inputs: inputs, describe: "targeted PGD on \(names.count) images") { work in
            // One file per image while running, so that a killed step resumes where it stopped.
            let parts = work.appendingPathComponent("parts")
            try FileManager.default.createDirectory(at: parts, withIntermediateDirectories: true)
            var deltas: [(name: String, tensor: Tensor)] = []
            var before = 0.0, after = 0.0
            for (k, i) in subset.enumerated() {
                let image = try dataset.source.image(i)
                let part = parts.appendingPathComponent("\(k).pt")
                let delta = try p.perturbation(surrogate: surrogate, image: image, index: k, cache: part)
                deltas.append((names[k], delta))
                before += abs(try p.meanPrediction(surrogate: surrogate, image: image, delta: nil, index: k) - p.target)
                after += abs(try p.meanPrediction(surrogate: surrogate, image: image, delta: delta, index: k) - p.target)
                monitor.progress(stage: "PGD", done: k + 1, total: subset.count,
                                 detail: String(format: "mean |f−ȳ| %.2f → %.2f", before / Double(k + 1), after / Double(k + 1)))
            }
            // name → δ ([3, H, W] on 0…1), as `baiqa pgd` writes it.
            try TensorFile.save(deltas, to: work.appendingPathComponent("deltas.pt"))
            try SuiteJSON.write(PGDResult(images: subset.count, meanDistanceBefore: before / Double(max(subset.count, 1)),
                                          meanDistanceAfter: after / Double(max(subset.count, 1))), to: work.appendingPathComponent("pgd.json"))
            try FileManager.default.removeItem(at: parts)
        }
        let loaded = try TensorFile.loadTensors(from: step.folder.appendingPathComponent("deltas.pt"))
        var index: [String: Int] = [:]
        for (i, n) in dataset.names.enumerated() where index[n] == nil { index[n] = i }
        var deltas: [Int: Tensor] = [:]
        for (name, delta) in loaded {
            guard let i = index[name] else { throw BackdoorError("\(step.folder.path)/deltas.pt: image \(name) is not in the dataset") }
            deltas[i] = delta
        }
        let result = try SuiteJSON.read(PGDResult.self, from: step.folder.appendingPathComponent("pgd.json"))
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
                try SuiteJSON.write(response, to: work.appendingPathComponent("response.json"))
            }
            return try SuiteJSON.read(SuiteResults.Response.self, from: step.folder.appendingPathComponent("response.json"))
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
        }
        let saved = try JSONDecoder().decode(SavedExperiment.self, from: Data(contentsOf: step.folder.appendingPathComponent("results.json")))
        return .init(label: label.rawValue, attack: attack.rawValue, step: step.folder.lastPathComponent, benign: saved.benign,
                     attackMetrics: .init(saved.attack.metrics, psnr: saved.attack.psnrAlpha1), trainSeconds: saved.timings["train"] ?? 0)
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

/// JSON files the suite writes and reads back (keys as the types spell them; non-finite numbers as strings).
enum SuiteJSON {
    static func write<T: Encodable>(_ value: T, to url: URL) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try e.encode(value).write(to: url, options: .atomic)
    }

    static func read<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try d.decode(T.self, from: Data(contentsOf: url)) } catch { throw BackdoorError("\(url.path): unreadable step output (\(error))") }
    }
}
