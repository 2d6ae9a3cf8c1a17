import Backdoor
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch

/// Algorithm 1 from a surrogate to a trigger file (`baiqa trigger search`, the suite's trigger step):
/// the resumable search, the trigger as a [3, 64] tensor file (as the official .pt) and a JSON record
/// with its PSNR on the search images.
public struct TriggerSearchJob {
    public var search: UAPSearch

    public init(search: UAPSearch) { self.search = search }

    /// What names a search: a checkpoint is resumed only by a search with the same inputs.
    struct Inputs: Encodable {
        var surrogate: String, images: [String]
        var epsilon: Double, lambda: Double, epochs: Int, steps: Int, batch: Int, repeats: Int, learningRate: Double
        var crop: Int, initRange: Double, positions: String, seed: UInt64
    }

    func inputs(surrogate: String, names: [String]) -> Inputs {
        let s = search
        return Inputs(surrogate: surrogate, images: names, epsilon: s.epsilon, lambda: s.lambda, epochs: s.epochs, steps: s.stepsPerBatch,
                      batch: s.batchSize, repeats: s.repeats, learningRate: s.learningRate, crop: s.crop, initRange: s.initRange,
                      positions: s.positions.rawValue, seed: s.seed)
    }

    /// Searches against `surrogate` (named `surrogateName`: its run folder or step key) on `images`
    /// (`names`) of `source`; writes the record to `record`, then the trigger to `out` and, while
    /// running, the per-epoch checkpoint to `checkpoint` (removed at the end). The same search run
    /// again after it finished returns the files it wrote (see `ResultFile`).
    @discardableResult
    public func run(surrogate: IQAModel, surrogateName: String, source: ImageSource, images: [Int], names: [String],
                    out: URL, record: URL, checkpoint: URL, monitor: RunMonitor) throws -> SearchRecord {
        let fingerprint = try Fingerprint.of(inputs(surrogate: surrogateName, names: names))
        let outputs = ResultFile<SearchRecord>(out: out, record: record)
        let lock: ExclusiveLock
        switch try outputs.claim(fingerprint: fingerprint) {
        case .finished(let done):
            monitor.log("\(out.path): searched before with the same inputs, reusing it")
            try? FileManager.default.removeItem(at: checkpoint)
            return done
        case .toCompute(let l): lock = l
        }
        let final = try search.runResumable(surrogate: surrogate, source: source, images: images, checkpoint: checkpoint,
                                            fingerprint: fingerprint, monitor: monitor)
        let psnr = try TriggerPSNR.summary(source: source, images: images, injector: DCTTrigger(tensor: final.trigger, positions: search.positions))
        let result = SearchRecord(images: images.count, epsilon: search.epsilon * 255, epochs: search.epochs, psnrAlpha1: psnr.psnrOfMeanMSE,
                                  meanPSNR: psnr.meanPSNR, surrogate: surrogateName, positions: search.positions.rawValue,
                                  lastLoss: final.lastLoss, lastPixelMSE: final.lastPixelMSE, fingerprint: fingerprint)
        try outputs.commit(result, lock: lock) { try TensorFile.save(final.trigger, to: $0) }
        try? FileManager.default.removeItem(at: checkpoint)
        return result
    }
}

/// The JSON record beside a searched trigger.
public struct SearchRecord: FingerprintedRecord {
    public var images: Int
    /// ε in 8-bit levels.
    public var epsilon: Double?
    public var epochs: Int?
    /// PSNR at α = 1 over the search images (of the mean MSE; and the mean of per-image PSNRs).
    public var psnrAlpha1: Double
    public var meanPSNR: Double
    public var surrogate: String?
    public var positions: String?
    public var lastLoss: Double
    public var lastPixelMSE: Double
    /// Of the search's inputs (absent in records written before 2026-12-05).
    public var fingerprint: String?

    enum CodingKeys: String, CodingKey {
        case images, epsilon, epochs, surrogate, positions, fingerprint
        case psnrAlpha1 = "psnr_alpha1", meanPSNR = "mean_psnr_alpha1", lastLoss = "last_loss", lastPixelMSE = "last_pixel_mse"
    }
}
