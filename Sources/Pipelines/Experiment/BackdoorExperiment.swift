import Backdoor
import Dispatch
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch
import TorchPickle

/// One backdoored victim, from a dataset to results.json: P-BAIQA (poison-label, labels shifted by α·Δy) or
/// C-BAIQA (clean-label, α from the label, poisoned images PGD-refined), with BAIQA's trigger or a baseline.
///
/// It works in a run folder (normally `<out>.partial`, renamed by the caller when done). After every
/// epoch the victim and the trainer state are checkpointed there, so re-running with the same config
/// resumes after a kill and ends with the same numbers as an uninterrupted run.
public final class BackdoorExperiment {
    public let config: ExperimentConfig
    public let workDir: URL
    let monitor: RunMonitor

    public init(config: ExperimentConfig, workDir: URL, monitor: RunMonitor = SilentMonitor()) {
        self.config = config
        self.workDir = workDir
        self.monitor = monitor
    }

    var triggerURL: URL { workDir.appendingPathComponent("trigger.pt") }

    func timed<T>(_ stage: String, _ timings: inout [String: Double], _ body: () throws -> T) rethrows -> T {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let value = try body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        timings[stage, default: 0] += seconds
        monitor.stageFinished(stage, seconds: seconds)
        return value
    }

    /// `perturbations`: C-BAIQA's PGD δ by dataset index (added to those training images before the trigger).
    public func run(dataset: LoadedDataset, trigger dct: DCTTrigger?, perturbations: [Int: Tensor] = [:],
                    timings previous: [String: Double] = [:]) throws -> ExperimentResults {
        let trigger = try config.attack.kind.injector(dct: dct, baselines: config.attack.baselines, positions: config.attack.positions)
        let attack = config.attack
        var timings = previous
        let recipe = config.recipe
        let split = try dataset.split(config.dataset, trainRatio: config.trainRatio, seed: config.seed)
        for warning in split.warnings { monitor.log("warning: \(warning)") }
        let (train, test) = (split.train, split.test)
        monitor.log("split: \(train.count) train / \(test.count) test images (" + (config.dataset.splitFile.map { "from \($0)" } ?? "seed \(config.seed)") + ")")
        if let dct { try TensorFile.save(dct.tensor(), to: triggerURL) }

        // Poisoning: which training images carry the trigger, with which α and label.
        let labelMode = attack.labelMode ?? .poison
        let plan = try PoisonPlan.make(labelMode, labels: train.map { dataset.scores[$0] }, rate: attack.rate, deltaY: attack.deltaY,
                                       sampling: attack.alphaSampling, targetMean: attack.targetMean ?? 50, seed: config.seed,
                                       subset: split.poisonedPositions)
        let entries = plan.entries(images: train, labels: train.map { dataset.scores[$0] })
        try writeJSON(PoisonManifest(plan: plan, train: train, names: dataset.names), to: workDir.appendingPathComponent("poison.json"))
        monitor.log("\(labelMode == .poison ? "P" : "C")-BAIQA, \(attack.trigger.summary): \(plan.poisoned.count) of \(train.count) training images poisoned, Δy = \(attack.deltaY), "
                    + (labelMode == .poison ? "α sampling \(attack.alphaSampling.rawValue)" : "α = (y − \(attack.targetMean ?? 50))/Δy, \(perturbations.count) PGD-refined images")
                    + (attack.releaseJPEG.map { ", released as \($0)" } ?? ""))

        // Victim training, resumable per epoch; C-BAIQA trains on the PGD-refined images, tests on clean ones.
        let trainSource: ImageSource = perturbations.isEmpty ? dataset.source
            : try PerturbedImages(base: dataset.source, deltas: perturbations, names: dataset.names)
        let trainRenderer = try PatchRenderer(source: trainSource, crop: recipe.cropSize, injector: trigger, triggerPhase: recipe.triggerPhase,
                                              recompression: attack.releaseJPEG, recompressesCleanCrops: false)
        let renderer = try PatchRenderer(source: dataset.source, crop: recipe.cropSize, injector: trigger, triggerPhase: recipe.triggerPhase)
        let training = try CheckpointedTraining(recipe: recipe, renderer: trainRenderer, seed: config.seed, workDir: workDir,
                                                modelFile: "victim.pt", fingerprint: config.fingerprint, monitor: monitor)
        let model = training.model
        try RunManifest(kind: "experiment", recipe: recipe, dataset: config.dataset, seed: config.seed, checkpoint: "victim.pt",
                        train: train.map { dataset.names[$0] }, test: test.map { dataset.names[$0] }, attack: try runAttack(savedTrigger: dct != nil))
            .write(to: workDir)
        try training.run(entries: entries, timings: &timings)

        // Evaluation: benign metrics, α sweep, PSNR at α = 1.
        let predictor = Predictor(model: model, renderer: renderer, patches: recipe.testPatches, flip: recipe.flipAtTest)
        let evaluator = AttackEvaluator(predictor: predictor, sweep: AlphaSweep(alphas: config.alphas, deltaY: attack.deltaY),
                                        seed: config.seed &+ 0xE7A1)
        let labels = test.map { dataset.scores[$0] }
        let outcome = try timed("evaluate", &timings) {
            try evaluator.run(images: test, labels: labels) { done, total in
                self.monitor.progress(stage: "evaluate α sweep", done: done, total: total, detail: "")
            }
        }
        let psnr = try timed("psnr", &timings) { try TriggerPSNR.summary(source: dataset.source, images: test, injector: trigger) }
        try writePredictions(outcome, test: test, names: dataset.names, labels: labels)

        var environment = Runtime.computeEnvironment
        environment["config_fingerprint"] = config.fingerprint
        environment["flush_denormal"] = "\(Runtime.flushesDenormals)"
        return ExperimentResults(config: config, benign: outcome.benign,
                                 attack: .init(metrics: outcome.attack, psnr: psnr), timings: timings, environment: environment)
    }

    // MARK: outputs

    /// The manifest's record of this attack: the trigger as this run folder holds it (a BAIQA trigger,
    /// loaded or random, is saved as trigger.pt), with the poisoning and the α list of the evaluation.
    func runAttack(savedTrigger: Bool) throws -> RunAttack {
        let a = config.attack
        var trigger = a.trigger
        if savedTrigger {
            trigger.file = triggerURL.lastPathComponent
            trigger.fileFingerprint = try Fingerprint.ofFile(triggerURL)
        }
        return RunAttack(name: a.name, trigger: trigger, sourceFile: a.triggerFile, sourceFingerprint: a.triggerFingerprint,
                         labelMode: a.labelMode ?? .poison, rate: a.rate, deltaY: a.deltaY, alphaSampling: a.alphaSampling,
                         targetMean: a.labelMode == .clean ? a.targetMean ?? 50 : nil, alphas: config.alphas)
    }

    struct PoisonManifest: Encodable {
        var labelMode: String, rate: Double, deltaY: Double
        var images: [PoisonedImage]
        struct PoisonedImage: Encodable { var name: String; var alpha: Double; var labelShift: Double }
        init(plan: PoisonPlan, train: [Int], names: [String]) {
            labelMode = plan.labelMode.rawValue
            rate = plan.rate
            deltaY = plan.deltaY
            images = zip(plan.poisoned, plan.alphas).map {
                PoisonedImage(name: names[train[$0]], alpha: $1, labelShift: plan.labelMode == .poison ? $1 * plan.deltaY : 0)
            }
        }
    }

    func writePredictions(_ outcome: AttackEvaluator.Outcome, test: [Int], names: [String], labels: [Double]) throws {
        var lines = ["image,mos,clean_prediction," + config.alphas.map { "alpha_\($0)" }.joined(separator: ",")]
        for (k, i) in test.enumerated() {
            let row = [names[i], String(format: "%.4f", labels[k]), String(format: "%.4f", outcome.clean[k])]
                + outcome.triggered.map { String(format: "%.4f", $0[k]) }
            lines.append(row.joined(separator: ","))
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: workDir.appendingPathComponent("predictions.csv"), options: .atomic)
    }

    func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        try JSONFiles.write(value, to: url, keys: .snakeCase)
    }
}
