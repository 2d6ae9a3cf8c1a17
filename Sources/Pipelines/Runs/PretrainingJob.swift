import Foundation
import IQAData
import IQAModels
import Torch
import TorchPickle

/// Distortion pretraining (`baiqa pretrain scnn|backbone`) to a weights file, resumable: a checkpoint
/// after every epoch (`<out>.pretrain.pt`: weights, optimiser state, epochs done, generation, the inputs'
/// fingerprint; one file renamed into place), a JSON record beside the weights (`<out>.json`) and the
/// `ResultFile` rules: the same command run again after a kill resumes and ends with the same weights,
/// after it finished reuses them, and never overwrites a file it did not compute with these inputs.
public struct PretrainingJob {
    public var pretraining: DistortionPretraining
    /// What the content is, for the fingerprint (the images themselves are not hashed): e.g. the
    /// dataset's kind, root and training image names.
    public var contentName: String

    public init(pretraining: DistortionPretraining, contentName: String) {
        self.pretraining = pretraining
        self.contentName = contentName
    }

    struct Inputs: Encodable {
        var network: String, content: String, size: Int, levels: Int, epochs: Int, repeats: Int, batch: Int, learningRate: Double, seed: UInt64
    }

    func fingerprint() throws -> String {
        let p = pretraining
        return try Fingerprint.of(Inputs(network: String(describing: p.network), content: contentName, size: p.size, levels: p.levels, epochs: p.epochs,
                                         repeats: p.repeats, batch: p.batchSize, learningRate: p.learningRate, seed: p.seed))
    }

    public static func checkpointURL(for out: URL) -> URL { URL(fileURLWithPath: out.path + ".pretrain.pt") }
    public static func recordURL(for out: URL) -> URL { URL(fileURLWithPath: out.path + ".json") }

    /// Pretrains (or resumes, or reuses) and writes `out` (a state dict) and its record.
    @discardableResult
    public func run(out: URL, monitor: RunMonitor, stage: String) throws -> PretrainingRecord {
        let fingerprint = try fingerprint()
        let checkpoint = Self.checkpointURL(for: out)
        let outputs = ResultFile<PretrainingRecord>(out: out, record: Self.recordURL(for: out))
        let lock: ExclusiveLock
        switch try outputs.claim(fingerprint: fingerprint) {
        case .finished(let done):
            monitor.log("\(out.path): pretrained before with the same inputs, reusing it")
            try? FileManager.default.removeItem(at: checkpoint)
            return done
        case .toCompute(let l): lock = l
        }
        var generation: Int64 = 0
        let resume = try Self.readCheckpoint(checkpoint, fingerprint: fingerprint, generation: &generation)
        if let resume { monitor.log("\(stage): resuming after epoch \(resume.epochsDone) (checkpoint generation \(generation))") }
        let outcome = try pretraining.run(from: resume, onEpoch: { state in
            generation += 1
            let tensors = state.weights.sorted { $0.key < $1.key }.map { ("model.\($0.key)", $0.value) }
                + state.optimizer.sorted { $0.key < $1.key }.map { ("optimizer.\($0.key)", $0.value) }
            try TensorFile.save(tensors, metadata: [("epochs_done", .int(Int64(state.epochsDone))), ("train_accuracy", .double(state.trainAccuracy)),
                                                    ("generation", .int(generation)), ("fingerprint", .string(fingerprint))],
                                to: checkpoint)
        }, progress: { done, total, loss in
            monitor.progress(stage: stage, done: done, total: total, detail: String(format: "CE %.3f", loss))
        })
        let record = PretrainingRecord(classes: outcome.classes.count, epochs: pretraining.epochs, trainAccuracy: outcome.trainAccuracy,
                                       testAccuracy: outcome.testAccuracy, fingerprint: fingerprint)
        try outputs.commit(record, lock: lock) { try TensorFile.save(outcome.store.stateDict(), to: $0) }
        try? FileManager.default.removeItem(at: checkpoint)
        return record
    }

    /// The checkpoint's state when it was written with these inputs; nil when there is none, or it is of other inputs.
    static func readCheckpoint(_ url: URL, fingerprint: String, generation: inout Int64) throws -> DistortionPretraining.State? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard case .dict(let d) = try TorchFile.load(contentsOf: url), d["fingerprint"]?.stringValue == fingerprint,
              let done = d["epochs_done"]?.intValue, let accuracy = d["train_accuracy"]?.doubleValue else { return nil }
        var weights: [String: Tensor] = [:], optimizer: [String: Tensor] = [:]
        for (k, v) in try TensorFile.loadTensors(from: url) {
            if k.hasPrefix("model.") { weights[String(k.dropFirst(6))] = v }
            if k.hasPrefix("optimizer.") { optimizer[String(k.dropFirst(10))] = v }
        }
        generation = d["generation"]?.intValue ?? 0
        return DistortionPretraining.State(epochsDone: Int(done), trainAccuracy: accuracy, weights: weights, optimizer: optimizer)
    }
}

/// The JSON record beside pretrained weights.
public struct PretrainingRecord: FingerprintedRecord {
    public var classes: Int
    public var epochs: Int
    /// Of the last epoch, and on the held-out items with every class.
    public var trainAccuracy: Double
    public var testAccuracy: Double
    public var fingerprint: String?

    enum CodingKeys: String, CodingKey {
        case classes, epochs, fingerprint
        case trainAccuracy = "train_accuracy", testAccuracy = "test_accuracy"
    }
}
