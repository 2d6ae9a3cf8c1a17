import Backdoor
import Evaluation
import Foundation
import IQAData
import IQAModels

/// `baiqa evaluate`: a run's model on its own test split with its own test protocol (seeded crops),
/// and optionally the α sweep against a trigger — by default the run's own, so that re-evaluating a run
/// gives the numbers of its results.json.
public struct RunEvaluation {
    public var folder: URL
    /// Another dataset root with the same layout and image names (nil: the manifest's).
    public var root: String?
    /// The trigger of the α sweep (nil: benign metrics only).
    public var trigger: TriggerSpec?
    /// Overrides of the run's own sweep (nil: the run's Δy, α list, crop count, crop seed, grid phase).
    public var deltaY: Double?
    public var alphas: [Double]?
    public var patches: Int?
    public var seed: UInt64?
    public var triggerPhase: TriggerPhase?
    /// Also report PLCC/RMSE after the 4-parameter logistic mapping.
    public var logistic = false

    public init(folder: URL) { self.folder = folder }

    /// What every evaluation of the run needs: its model, test images and labels, the predictor with the
    /// sweep's trigger (nil injector without one), the crop seed and the α sweep.
    public struct Prepared {
        public var test: [Int]
        public var labels: [Double]
        public var source: ImageSource
        public var injector: CropInjector?
        public var predictor: Predictor
        public var cropSeed: UInt64
        public var sweep: AlphaSweep
    }

    public func prepare() throws -> Prepared {
        let manifest = try RunManifest.read(from: folder)
        var datasetSpec = manifest.dataset
        if let root { datasetSpec.root = root }
        let model = try manifest.loadModel(folder: folder)
        let loaded = try LoadedDataset.load(datasetSpec.source())
        let resolved = try DatasetSplit(train: manifest.train, test: manifest.test)
            .resolve(against: loaded.samples, missing: .error, source: folder.appendingPathComponent(RunManifest.fileName).path)
        let index = loaded.indexByName
        let test = resolved.test.map { index[$0.name]! }
        let injector = try trigger?.injector(seed: manifest.seed, relativeTo: folder)
        let recipe = manifest.recipe
        let renderer = try PatchRenderer(source: loaded.source, crop: recipe.cropSize, injector: injector, triggerPhase: triggerPhase ?? recipe.triggerPhase)
        let predictor = Predictor(model: model, renderer: renderer, patches: patches ?? recipe.testPatches, flip: recipe.flipAtTest)
        // The run's own evaluation seeds its crops with seed + 0xE7A1 (BackdoorExperiment, CleanTraining).
        let cropSeed = (seed ?? manifest.seed) &+ 0xE7A1
        let sweep = AlphaSweep(alphas: alphas ?? manifest.attack?.alphas ?? AlphaSweep.paperAlphas,
                               deltaY: deltaY ?? manifest.attack?.deltaY ?? AlphaSweep.paperDeltaY)
        return Prepared(test: test, labels: test.map { loaded.scores[$0] }, source: loaded.source, injector: injector,
                        predictor: predictor, cropSeed: cropSeed, sweep: sweep)
    }

    public func run(monitor: RunMonitor) throws -> EvaluationOutput {
        let p = try prepare()
        var output = EvaluationOutput(run: folder.path, n: p.test.count)
        let clean: [Double]
        if let injector = p.injector {
            output.trigger = trigger
            let outcome = try AttackEvaluator(predictor: p.predictor, sweep: p.sweep, seed: p.cropSeed).run(images: p.test, labels: p.labels) { d, t in
                monitor.progress(stage: "α sweep", done: d, total: t, detail: "")
            }
            clean = outcome.clean
            output.attack = outcome.attack
            output.psnrAlpha1 = try TriggerPSNR.summary(source: p.source, images: p.test, injector: injector)
        } else {
            clean = try p.predictor.scores(images: p.test, seed: p.cropSeed)
        }
        output.benign = try BenignMetrics(predictions: clean, labels: p.labels)
        if logistic { output.benignMapped = try BenignMetrics(predictions: clean, labels: p.labels, mapped: true) }
        return output
    }
}

/// What `baiqa evaluate` prints (`--json`).
public struct EvaluationOutput: Encodable {
    public var run: String
    public var n: Int
    public var benign: BenignMetrics?
    public var benignMapped: BenignMetrics?
    public var trigger: TriggerSpec?
    public var attack: AttackMetrics?
    public var psnrAlpha1: PSNRSummary?
}
