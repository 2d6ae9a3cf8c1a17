import Dispatch
import Foundation
import IQAData
import IQAModels
import Torch
import TorchPickle

/// Trains a model in a work folder with a checkpoint after every epoch: one file, `train_state.pt`,
/// holding the model (`model.*`), the optimiser state (`optimizer.*`), the epochs done, a generation
/// counter, the config fingerprint and the timings, written atomically (temporary file, fsync, rename).
/// A kill at any instant leaves either the previous checkpoint or the new one, never the weights of
/// one epoch beside the optimiser of another. Re-running with the same fingerprint resumes after the
/// last checkpointed epoch and ends with the same numbers as an uninterrupted run. The model's own
/// state dict (`<modelFile>`) is written once training is complete.
public final class CheckpointedTraining {
    public let model: IQAModel
    public let trainer: Trainer
    let workDir: URL
    let modelFile: String
    let fingerprint: String
    let monitor: RunMonitor

    public init(recipe: TrainingRecipe, renderer: PatchRenderer, seed: UInt64, workDir: URL, modelFile: String,
                fingerprint: String, monitor: RunMonitor) throws {
        Runtime.manualSeed(seed)
        model = try recipe.model.make()
        if let weights = recipe.backboneWeights {
            try model.loadBackboneWeights(from: URL(fileURLWithPath: weights))
            monitor.log("backbone initialised from \(weights)")
        }
        if let scnn = recipe.scnnWeights {
            guard let dbcnn = model as? DBCNN else { throw TorchError("--scnn-weights applies to DBCNN only") }
            do { try dbcnn.loadSCNN(TensorFile.loadTensors(from: URL(fileURLWithPath: scnn))) } catch { throw TorchError("\(scnn): \(error)") }
            monitor.log("SCNN stream initialised from \(scnn)")
        }
        trainer = try Trainer(model: model, recipe: recipe, renderer: renderer, seed: seed)
        self.workDir = workDir
        self.modelFile = modelFile
        self.fingerprint = fingerprint
        self.monitor = monitor
    }

    var modelURL: URL { workDir.appendingPathComponent(modelFile) }
    var stateURL: URL { workDir.appendingPathComponent("train_state.pt") }

    /// Runs the remaining epochs; `timings["train"]` accumulates (including time before a resume).
    /// `afterEpoch(epoch)` runs after each epoch, before its checkpoint (e.g. to log and note test metrics).
    public func run(entries: [TrainingEntry], timings: inout [String: Double],
                    afterEpoch: ((Int) throws -> Void)? = nil) throws {
        let recipe = trainer.recipe
        try resumeIfPossible(timings: &timings)
        if trainer.epochsDone == 0, recipe.outputBiasFromLabels == true, !entries.isEmpty {
            let mean = entries.reduce(0.0) { $0 + $1.label } / Double(entries.count)
            try model.initializeOutputBias(mean)
            monitor.log(String(format: "score layer bias starts at the mean training label %.2f", mean))
        }
        while trainer.epochsDone < recipe.epochs {
            let epoch = trainer.epochsDone + 1
            let t0 = DispatchTime.now().uptimeNanoseconds
            let loss = try trainer.trainEpoch(entries: entries) { done, total, loss in
                self.monitor.progress(stage: "train epoch \(epoch)/\(recipe.epochs)", done: done, total: total,
                                      detail: String(format: "%@ %.3f", recipe.loss.rawValue.uppercased(), loss))
            }
            timings["train", default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            losses[epoch] = loss
            monitor.log(String(format: "epoch %d/%d: mean %@ loss %.4f", epoch, recipe.epochs, recipe.loss.rawValue.uppercased(), loss))
            // Before the checkpoint, so what it notes is saved with the epoch (a kill in between redoes the epoch).
            try afterEpoch?(epoch)
            try checkpoint(timings: timings)
        }
        // The model is a plain state dict (torch.load gives name → tensor, loadable into the official class).
        try TensorFile.save(model.store.stateDict(), to: modelURL)
        try writeCurve()
    }

    /// Mean training loss per epoch (1-based), kept in the checkpoint so a resumed run has them all.
    private(set) var losses: [Int: Double] = [:]
    /// Other numbers per epoch (e.g. test SROCC where it is logged), checkpointed with the losses.
    private(set) var notes: [Int: [String: Double]] = [:]
    /// `training.csv`: epoch, mean loss, then any noted columns (the training-curve figure's data).
    public static let curveFile = "training.csv"

    /// Records `value` under `column` for `epoch` (in the next checkpoint and in training.csv).
    func note(epoch: Int, _ column: String, _ value: Double) { notes[epoch, default: [:]][column] = value }

    func writeCurve() throws {
        let columns = Array(Set(notes.values.flatMap(\.keys))).sorted()
        let epochs = Set(losses.keys).union(notes.keys).sorted()
        let rows = epochs.map { e in
            ([String(e), losses[e].map { String(format: "%.6f", $0) } ?? ""] + columns.map { c in notes[e]?[c].map { String(format: "%.6f", $0) } ?? "" })
                .joined(separator: ",")
        }
        try Data(([(["epoch", "mean_\(trainer.recipe.loss.rawValue)_loss"] + columns).joined(separator: ",")] + rows).joined(separator: "\n").appending("\n").utf8)
            .write(to: workDir.appendingPathComponent(Self.curveFile), options: .atomic)
    }

    /// Checkpoints written so far in this folder (counting those of earlier, resumed processes).
    private(set) var generation: Int64 = 0

    func checkpoint(timings: [String: Double]) throws {
        generation += 1
        var meta: [(String, PickleValue)] = [("epochs_done", .int(Int64(trainer.epochsDone))), ("config_fingerprint", .string(fingerprint)),
                                            ("generation", .int(generation))]
        meta += timings.sorted { $0.key < $1.key }.map { ("timing.\($0.key)", .double($0.value)) }
        meta += losses.sorted { $0.key < $1.key }.map { ("loss.\($0.key)", .double($0.value)) }
        for (epoch, values) in notes.sorted(by: { $0.key < $1.key }) {
            meta += values.sorted { $0.key < $1.key }.map { ("note.\(epoch).\($0.key)", .double($0.value)) }
        }
        let optimizer = try trainer.optimizer.stateDict().sorted { $0.key < $1.key }
        let tensors = model.store.stateDict().map { ("model.\($0.name)", $0.tensor) } + optimizer.map { ("optimizer.\($0.key)", $0.value) }
        try TensorFile.save(tensors, metadata: meta, to: stateURL)
    }

    func resumeIfPossible(timings: inout [String: Double]) throws {
        guard FileManager.default.fileExists(atPath: stateURL.path) else { return }
        guard case .dict(let state) = try TorchFile.load(contentsOf: stateURL),
              let done = state["epochs_done"]?.intValue,
              state["config_fingerprint"]?.stringValue == fingerprint else {
            monitor.log("ignoring a checkpoint from another configuration")
            return
        }
        var weights: [String: Tensor] = [:], optimizerState: [String: Tensor] = [:]
        for (k, v) in try TensorFile.loadTensors(from: stateURL) {
            if k.hasPrefix("model.") { weights[String(k.dropFirst("model.".count))] = v }
            if k.hasPrefix("optimizer.") { optimizerState[String(k.dropFirst("optimizer.".count))] = v }
        }
        guard !weights.isEmpty else {
            monitor.log("ignoring a checkpoint in the earlier two-file format (its weights and optimiser state may be from different epochs)")
            return
        }
        try model.store.load(weights, strict: true)
        try trainer.restore(epochsDone: Int(done), optimizerState: optimizerState)
        for (k, v) in state where (k.stringValue ?? "").hasPrefix("timing.") {
            timings[String(k.stringValue!.dropFirst("timing.".count))] = v.doubleValue
        }
        for (k, v) in state where (k.stringValue ?? "").hasPrefix("loss.") {
            if let epoch = Int(k.stringValue!.dropFirst("loss.".count)), let value = v.doubleValue { losses[epoch] = value }
        }
        for (k, v) in state where (k.stringValue ?? "").hasPrefix("note.") {
            let parts = k.stringValue!.split(separator: ".", maxSplits: 2)
            if parts.count == 3, let epoch = Int(parts[1]), let value = v.doubleValue { notes[epoch, default: [:]][String(parts[2])] = value }
        }
        generation = state["generation"]?.intValue ?? 0
        monitor.log("resumed after epoch \(done) (checkpoint generation \(generation))")
    }
}
