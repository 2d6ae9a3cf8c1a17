import Backdoor
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch

/// Algorithm 1 from a surrogate to a trigger file (`baiqa trigger search`, the suite's trigger step):
/// the resumable search, the trigger as a [3, 64] tensor file (as the official .pt), a JSON record with
/// its PSNR on the search images and its objective on held-out images, and the objective-vs-steps curve
/// as CSV (rewritten after every epoch, so a long search can be watched).
public struct TriggerSearchJob {
    public var search: UAPSearch
    /// Held-out images for the objective (`UAPObjective`: their center crops) and the interval in steps.
    public var heldOut: (images: [Int], names: [String])?
    public var every = 50

    public init(search: UAPSearch, heldOut: (images: [Int], names: [String])? = nil, every: Int = 50) {
        self.search = search
        self.heldOut = heldOut
        self.every = every
    }

    /// What names a search: a checkpoint is resumed only by a search with the same inputs. Keys added
    /// after 2026-12-05 are optional and absent at their old defaults, so earlier searches keep their names.
    struct Inputs: Encodable {
        var surrogate: String, images: [String]
        var epsilon: Double, lambda: Double, epochs: Int, steps: Int, batch: Int, repeats: Int, learningRate: Double
        var crop: Int, initRange: Double, positions: String, seed: UInt64
        var method: String?, heldOut: [String]?, every: Int?
    }

    func inputs(surrogate: String, names: [String]) -> Inputs {
        let s = search
        return Inputs(surrogate: surrogate, images: names, epsilon: s.epsilon, lambda: s.lambda, epochs: s.epochs, steps: s.stepsPerBatch,
                      batch: s.batchSize, repeats: s.repeats, learningRate: s.learningRate, crop: s.crop, initRange: s.initRange,
                      positions: s.positions.rawValue, seed: s.seed, method: s.method == .official ? nil : s.method.rawValue,
                      heldOut: heldOut?.names, every: heldOut == nil ? nil : every)
    }

    /// Searches against `surrogate` (named `surrogateName`: its run folder or step key) on `images`
    /// (`names`) of `source`; writes the record to `record`, the curve beside `out` (`<out>.curve.csv`
    /// style: `curve`), then the trigger to `out` and, while running, the per-epoch checkpoint to
    /// `checkpoint` (removed at the end). The same search run again after it finished returns the files
    /// it wrote (see `ResultFile`).
    @discardableResult
    public func run(surrogate: IQAModel, surrogateName: String, source: ImageSource, images: [Int], names: [String],
                    out: URL, record: URL, curve: URL, checkpoint: URL, monitor: RunMonitor) throws -> SearchRecord {
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
        let objective = try heldOut.map {
            try UAPObjective(surrogate: surrogate, crops: UAPObjective.centerCrops(source: source, images: $0.images, crop: search.crop),
                             budget: search.budget)
        }
        let final = try search.runResumable(surrogate: surrogate, source: source, images: images, checkpoint: checkpoint,
                                            fingerprint: fingerprint, objective: objective, every: every, monitor: monitor,
                                            afterEpoch: { state in if objective != nil { try SearchCurve.write(state.curve, to: curve) } })
        let psnr = try TriggerPSNR.summary(source: source, images: images, injector: DCTTrigger(tensor: final.trigger, positions: search.positions))
        let last = try objective.map { try UAPObjectiveRecord($0.evaluate(final.trigger)) }
        var result = SearchRecord(images: images.count, epsilon: search.epsilon * 255, epochs: search.epochs, psnrAlpha1: psnr.psnrOfMeanMSE,
                                  meanPSNR: psnr.meanPSNR, surrogate: surrogateName, positions: search.positions.rawValue,
                                  lastLoss: final.lastLoss, lastPixelMSE: final.lastPixelMSE, fingerprint: fingerprint)
        result.method = search.method.rawValue
        result.learningRate = search.learningRate
        result.steps = final.stepsDone
        result.heldOutImages = heldOut?.images.count
        result.objective = last
        result.environment = Runtime.computeEnvironment
        if objective != nil { try SearchCurve.write(final.curve, to: curve) }
        try outputs.commit(result, lock: lock) { try TensorFile.save(final.trigger, to: $0) }
        try? FileManager.default.removeItem(at: checkpoint)
        return result
    }
}

/// The objective-vs-steps curve of a search as CSV: step, wall seconds, the step's loss and crop PSNR,
/// and the held-out objective (mean |Δŷ|, mean Δŷ on the budget; mean |Δŷ| at the trigger's own strength
/// capped at the budget; the raw pattern RMS and the factor onto the budget).
public enum SearchCurve {
    public static let header = "step,seconds,loss,crop_psnr,mean_abs_shift,mean_shift,own_mean_abs_shift,pattern_rms,scale"

    public static func write(_ points: [UAPSearch.CurvePoint], to url: URL) throws {
        var lines = [header]
        for p in points {
            let psnr = p.pixelMSE.map { $0 > 0 ? String(format: "%.4f", -10 * log10($0)) : "inf" } ?? ""
            let loss = p.loss.map { String(format: "%.6g", $0) } ?? ""
            let o = p.objective
            lines.append("\(p.step),\(String(format: "%.1f", p.seconds)),\(loss),\(psnr),\(String(format: "%.6f", o.meanAbsShift))," +
                         "\(String(format: "%.6f", o.meanShift)),\(String(format: "%.6f", o.ownMeanAbsShift)),\(String(format: "%.4f", o.patternRMS)),\(String(format: "%.6f", o.scale))")
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url, options: .atomic)
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
    /// Added 2026-12-06: the update rule, Adam's rate, steps taken, the number of held-out images and the
    /// final objective on them, libtorch/threads/device. Wall time is in the curve file, not here: the
    /// record of a resumed search must be byte-identical to an uninterrupted one's. (`seconds`: unused.)
    public var method: String?
    public var learningRate: Double?
    public var steps: Int?
    public var seconds: Double?
    public var heldOutImages: Int?
    public var objective: UAPObjectiveRecord?
    public var environment: [String: String]?

    enum CodingKeys: String, CodingKey {
        case images, epsilon, epochs, surrogate, positions, fingerprint, method, steps, seconds, objective, environment
        case psnrAlpha1 = "psnr_alpha1", meanPSNR = "mean_psnr_alpha1", lastLoss = "last_loss", lastPixelMSE = "last_pixel_mse"
        case learningRate = "learning_rate", heldOutImages = "held_out_images"
    }
}

extension SearchCurve {
    /// Reads the step and one column (default mean |Δŷ| on the budget) of a curve file.
    public static func read(_ url: URL, column: String = "mean_abs_shift") throws -> [(step: Int, value: Double)] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw RunError("\(url.path): cannot read the curve file") }
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first, header.first == "step", let k = header.firstIndex(of: column) else {
            throw RunError("\(url.path): not a search curve (header must start with step and have \(column))")
        }
        return try lines.dropFirst().enumerated().map { n, row in
            guard row.count == header.count, let step = Int(row[0]), let v = Double(row[k]) else {
                throw RunError("\(url.path): line \(n + 2) is not a curve row")
            }
            return (step, v)
        }
    }

    /// One figure of several searches' objective against Adam steps (points missing in a curve: gaps).
    public static func figure(_ curves: [(label: String, points: [(step: Int, value: Double)])], name: String = "search-objective",
                              title: String = "Algorithm 1: surrogate shift on held-out crops at the ε budget") -> Figure {
        let steps = Set(curves.flatMap { $0.points.map(\.step) }).sorted()
        let lookup = curves.map { Dictionary($0.points.map { ($0.step, $0.value) }, uniquingKeysWith: { _, last in last }) }
        let rows = steps.map { s in [Double(s)] + lookup.map { $0[s] ?? .nan } }
        return LineFigure.make(name: name, title: title, xLabel: "Adam steps", yLabel: "mean |Δŷ|", columns: ["step"] + curves.map(\.label), rows: rows)
    }
}
