import Dispatch
import Evaluation
import Foundation
import IQAData
import IQAModels

/// One clean training run in a work folder (`baiqa train`, and the suite's clean model and surrogate):
/// split.json, manifest.json (kind "train"), model.pt checkpointed every epoch (resumable), and the
/// benign metrics on the test split with the model's seeded test protocol.
public struct CleanTraining {
    public let config: TrainingConfig
    public let workDir: URL
    let monitor: RunMonitor

    public init(config: TrainingConfig, workDir: URL, monitor: RunMonitor) {
        self.config = config
        self.workDir = workDir
        self.monitor = monitor
    }

    /// `evalEvery` > 0 logs test metrics every that many epochs (monitoring only, no model selection).
    public func run(dataset: LoadedDataset, evalEvery: Int = 0, timings: inout [String: Double]) throws -> BenignMetrics {
        let split = try dataset.split(config.dataset, trainRatio: config.trainRatio, seed: config.seed)
        for w in split.warnings { monitor.log("warning: \(w)") }
        let recipe = config.recipe
        monitor.log("training \(recipe.model.kind.displayName) (\(recipe.model.backboneName), `\(recipe.name)` recipe) on "
                    + "\(split.train.count) images, testing on \(split.test.count)")
        let names = dataset.names
        try SplitFile.write(DatasetSplit(train: split.train.map { names[$0] }, test: split.test.map { names[$0] }),
                            to: workDir.appendingPathComponent("split.json"))
        try RunManifest(kind: "train", recipe: recipe, dataset: config.dataset, seed: config.seed, checkpoint: "model.pt",
                        train: split.train.map { names[$0] }, test: split.test.map { names[$0] }).write(to: workDir)
        let renderer = try PatchRenderer(source: dataset.source, crop: recipe.cropSize)
        let training = try CheckpointedTraining(recipe: recipe, renderer: renderer, seed: config.seed, workDir: workDir,
                                                modelFile: "model.pt", fingerprint: config.fingerprint, monitor: monitor)
        let predictor = Predictor(model: training.model, renderer: renderer, patches: recipe.testPatches, flip: recipe.flipAtTest)
        // One test protocol for the per-epoch log and the final metrics (same seeded crops).
        let testLabels = split.test.map { dataset.scores[$0] }
        let testMetrics = {
            try AttackEvaluator(predictor: predictor, seed: config.seed &+ 0xE7A1).benign(images: split.test, labels: testLabels)
        }
        try training.run(entries: split.train.map { TrainingEntry(image: $0, label: dataset.scores[$0]) }, timings: &timings) { epoch in
            guard evalEvery > 0, epoch % evalEvery == 0, epoch < recipe.epochs else { return }
            let m = try testMetrics()
            monitor.log(String(format: "epoch %d: test SROCC %.3f  PLCC %.3f  RMSE %.2f", epoch, m.srocc, m.plcc, m.rmse))
            training.note(epoch: epoch, "test_srocc", m.srocc)   // into the training curve, with this epoch's checkpoint
        }
        let e0 = DispatchTime.now().uptimeNanoseconds
        let benign = try testMetrics()
        timings["evaluate"] = Double(DispatchTime.now().uptimeNanoseconds - e0) / 1e9
        if evalEvery > 0 {
            training.note(epoch: recipe.epochs, "test_srocc", benign.srocc)
            try training.writeCurve()
        }
        return benign
    }
}
