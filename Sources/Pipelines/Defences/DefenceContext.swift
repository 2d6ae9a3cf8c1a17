import Backdoor
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch

/// What every defence works with: the victim run (manifest, weights, the trigger it was attacked with),
/// its dataset and split, the defender's clean set, and the measurement of a model after each step. The
/// renderer that trains, ranks and learns masks (`cleanRenderer`) has no trigger: a defence never sees
/// triggered data; only `measure` injects the run's trigger, to report the attack.
final class DefenceContext {
    let run: URL
    let manifest: RunManifest
    let dataset: LoadedDataset
    let test: [Int], testLabels: [Double]
    let clean: [Int], cleanLabels: [Double]
    let cleanNames: [String]
    let victimState: [String: Tensor]
    let cleanRenderer: PatchRenderer
    let triggerRenderer: PatchRenderer
    let sweep: AlphaSweep
    let seed: UInt64
    let workDir: URL
    let monitor: RunMonitor
    /// Rows done so far (read back when resuming), in order.
    private(set) var steps: [DefenceStep] = []

    init(run: URL, manifest: RunManifest, dataset: LoadedDataset, cleanNames: [String], seed: UInt64, workDir: URL, monitor: RunMonitor) throws {
        self.run = run
        self.manifest = manifest
        self.dataset = dataset
        self.cleanNames = cleanNames
        self.seed = seed
        self.workDir = workDir
        self.monitor = monitor
        let index = dataset.indexByName
        test = manifest.test.map { index[$0]! }
        testLabels = test.map { dataset.scores[$0] }
        clean = cleanNames.map { index[$0]! }
        cleanLabels = clean.map { dataset.scores[$0] }
        victimState = try TensorFile.loadTensors(from: run.appendingPathComponent(manifest.checkpoint))
        let recipe = manifest.recipe
        guard let spec = manifest.triggerSpec, let attack = manifest.attack else {
            throw DefenceError("\(run.path): not a backdoored victim (its manifest records no trigger); a defence measures the attack with the run's own trigger")
        }
        let injector = try spec.injector(seed: manifest.seed, relativeTo: run)
        cleanRenderer = try PatchRenderer(source: dataset.source, crop: recipe.cropSize, injector: nil, triggerPhase: recipe.triggerPhase)
        triggerRenderer = try PatchRenderer(source: dataset.source, crop: recipe.cropSize, injector: injector, triggerPhase: recipe.triggerPhase)
        sweep = AlphaSweep(alphas: attack.alphas, deltaY: attack.deltaY)
        if FileManager.default.fileExists(atPath: stepsURL.path) {
            steps = try JSONFiles.read([DefenceStep].self, from: stepsURL)
        }
    }

    var stepsURL: URL { workDir.appendingPathComponent("steps.json") }

    /// A fresh model holding the victim's weights.
    func victimModel() throws -> IQAModel {
        let model = try manifest.recipe.model.make()
        try model.store.load(victimState, strict: true)
        model.store.eval()
        return model
    }

    /// The row of `phase` at `strength` if it was measured before (a resumed defence).
    func done(_ phase: String, _ strength: Double) -> DefenceStep? {
        steps.first { $0.phase == phase && $0.strength == strength }
    }

    /// Measures `model` as the run's own evaluation does (the same seeded crops: row "none" at strength 0
    /// reproduces the run's results.json), plus its RMSE on the defender's clean set, and records the row.
    @discardableResult
    func measure(_ model: IQAModel, phase: String, strength: Double, pruned: Int? = nil) throws -> DefenceStep {
        if let row = done(phase, strength) { return row }
        let recipe = manifest.recipe
        let predictor = Predictor(model: model, renderer: triggerRenderer, patches: recipe.testPatches, flip: recipe.flipAtTest)
        let label = "\(phase) \(DefenceStep.format(strength))"
        let outcome = try AttackEvaluator(predictor: predictor, sweep: sweep, seed: manifest.seed &+ 0xE7A1)
            .run(images: test, labels: testLabels) { d, t in self.monitor.progress(stage: "measure \(label)", done: d, total: t, detail: "") }
        let cleanPredictor = Predictor(model: model, renderer: cleanRenderer, patches: recipe.testPatches, flip: recipe.flipAtTest)
        let cleanScores = try cleanPredictor.scores(images: clean, seed: seed &+ 0xC1EA)
        var errorVsMOS = 0.0
        for predictions in outcome.triggered { for (p, y) in zip(predictions, testLabels) { errorVsMOS += abs(p - y) } }
        errorVsMOS /= Double(max(1, outcome.triggered.count * testLabels.count))
        let row = DefenceStep(phase: phase, strength: strength, pruned: pruned, cleanSetRMSE: try Metrics.rmse(cleanScores, cleanLabels),
                              benign: outcome.benign, attack: outcome.attack, triggeredErrorVsMOS: errorVsMOS)
        steps.append(row)
        try writeSteps()
        monitor.log(String(format: "%@: clean-set RMSE %.3f | test SROCC %.3f PLCC %.3f RMSE %.3f | mMAE %.3f mMRA %.3f", label,
                           row.cleanSetRMSE, row.benign.srocc, row.benign.plcc, row.benign.rmse, row.attack.mmae, row.attack.mmra))
        return row
    }

    /// steps.json (what a resumed defence reads back) and steps.csv, both replaced atomically.
    func writeSteps() throws {
        try JSONFiles.write(steps, to: stepsURL)
        let csv = ([DefenceStep.csvHeader(alphas: sweep.alphas)] + steps.map(\.csvRow)).joined(separator: "\n") + "\n"
        try Data(csv.utf8).write(to: workDir.appendingPathComponent("steps.csv"), options: .atomic)
    }

    /// The victim's training loss on a batch (the plain prediction loss for TReS's original objective).
    func loss(_ prediction: Tensor, _ labels: Tensor) throws -> Tensor {
        manifest.recipe.loss == .mse ? try F.mseLoss(prediction, labels) : try F.l1Loss(prediction, labels)
    }
}
