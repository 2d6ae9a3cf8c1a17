import Foundation
import IQAData
import IQAModels
import Torch
import TorchPickle

extension UAPSearch {
    /// Runs the search with a checkpoint after every epoch in `checkpoint` (the trigger, the epochs done
    /// and `fingerprint`, which names the search's inputs). A checkpoint with the same fingerprint is
    /// resumed, so a killed search continues where it stopped and ends with the same trigger; one from
    /// other inputs is ignored. The checkpoint is left for the caller to delete once its outputs exist.
    public func runResumable(surrogate: IQAModel, source: ImageSource, images: [Int], checkpoint: URL, fingerprint: String,
                             monitor: RunMonitor) throws -> State {
        var state = try initialState()
        if FileManager.default.fileExists(atPath: checkpoint.path), case .dict(let d) = try TorchFile.load(contentsOf: checkpoint),
           d["fingerprint"]?.stringValue == fingerprint, let done = d["epochs_done"]?.intValue, let t = d["trigger"]?.tensorValue {
            state = State(trigger: try Tensor(record: t), epochsDone: Int(done), lastLoss: d["last_loss"]?.doubleValue ?? .nan,
                          lastPixelMSE: d["last_pixel_mse"]?.doubleValue ?? .nan)
            monitor.log("trigger search: resuming after epoch \(done)")
        }
        return try run(surrogate: surrogate, source: source, images: images, from: state, progress: { done, total, mse in
            monitor.progress(stage: "UAP-DCT search", done: done, total: total, detail: String(format: "crop PSNR %.2f dB", -10 * log10(max(mse, 1e-12))))
        }, onEpoch: { s in
            try TensorFile.save([("trigger", s.trigger)], metadata: [("epochs_done", .int(Int64(s.epochsDone))), ("fingerprint", .string(fingerprint)),
                                                                   ("last_loss", .double(s.lastLoss)), ("last_pixel_mse", .double(s.lastPixelMSE))],
                                to: checkpoint)
        })
    }
}
