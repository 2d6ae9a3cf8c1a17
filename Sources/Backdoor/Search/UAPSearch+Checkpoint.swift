import Foundation
import IQAData
import IQAModels
import Torch
import TorchPickle

extension UAPSearch {
    /// Runs the search with a checkpoint after every epoch in `checkpoint` (the trigger, the epochs and
    /// steps done, the persistent optimiser's moments, the objective curve so far and `fingerprint`,
    /// which names the search's inputs). A checkpoint with the same fingerprint is resumed, so a killed
    /// search continues where it stopped and ends with the same trigger and curve; one from other inputs
    /// is ignored. The checkpoint is left for the caller to delete once its outputs exist. `afterEpoch`
    /// runs after each checkpoint (e.g. to rewrite the curve file).
    public func runResumable(surrogate: IQAModel, source: ImageSource, images: [Int], checkpoint: URL, fingerprint: String,
                             objective: UAPObjective? = nil, every: Int = 50, monitor: RunMonitor,
                             afterEpoch: ((State) throws -> Void)? = nil) throws -> State {
        var state = try initialState()
        if FileManager.default.fileExists(atPath: checkpoint.path), case .dict(let d) = try TorchFile.load(contentsOf: checkpoint),
           d["fingerprint"]?.stringValue == fingerprint, let done = d["epochs_done"]?.intValue, let t = d["trigger"]?.tensorValue {
            state = State(trigger: try Tensor(record: t), epochsDone: Int(done), lastLoss: d["last_loss"]?.doubleValue ?? .nan,
                          lastPixelMSE: d["last_pixel_mse"]?.doubleValue ?? .nan)
            state.stepsDone = Int(d["steps_done"]?.intValue ?? 0)
            state.seconds = d["seconds"]?.doubleValue ?? 0
            for (k, v) in d {
                guard let key = k.stringValue, key.hasPrefix("optimiser."), let r = v.tensorValue else { continue }
                state.optimiser[String(key.dropFirst("optimiser.".count))] = try Tensor(record: r)
            }
            if let json = d["curve"]?.stringValue {
                state.curve = try JSONDecoder().decode([CurvePoint].self, from: Data(json.utf8))
            }
            monitor.log("trigger search: resuming after epoch \(done) (\(state.stepsDone) steps)")
        }
        return try run(surrogate: surrogate, source: source, images: images, from: state, objective: objective, every: every,
                       progress: { done, total, mse in
            monitor.progress(stage: "UAP-DCT search", done: done, total: total, detail: String(format: "crop PSNR %.2f dB", -10 * log10(max(mse, 1e-12))))
        }, onEpoch: { s in
            let curve = String(decoding: try JSONEncoder().encode(s.curve), as: UTF8.self)
            let moments = s.optimiser.sorted { $0.key < $1.key }
            try TensorFile.save([("trigger", s.trigger)] + moments.map { ("optimiser.\($0.key)", $0.value) },
                                metadata: [("epochs_done", .int(Int64(s.epochsDone))), ("fingerprint", .string(fingerprint)),
                                           ("last_loss", .double(s.lastLoss)), ("last_pixel_mse", .double(s.lastPixelMSE)),
                                           ("steps_done", .int(Int64(s.stepsDone))), ("seconds", .double(s.seconds)),
                                           ("curve", .string(curve))],
                                to: checkpoint)
            try afterEpoch?(s)
        })
    }
}
