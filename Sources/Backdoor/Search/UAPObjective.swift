import Foundation
import IQAData
import IQAModels
import Torch

/// The quantity Algorithm 1 is after, measured where it was not optimised: the mean |f(T(x, t)) − f(x)|
/// of the surrogate f over held-out crops, (1) with t scaled onto the ε budget's surface, so triggers are
/// compared by direction at the same visibility (a search's early triggers may be weaker or stronger
/// than the budget), and (2) at t's own strength when that lies inside the budget (else at the budget).
/// This is the y-axis of the objective-vs-steps curves (issue 20).
public final class UAPObjective {
    public let surrogate: IQAModel
    public let budget: TriggerBudget
    let quantised: Tensor          // round(255·x) of the held-out crops, [N, 3, S, S], on the surrogate's device
    let cleanScores: Tensor        // f(x), [N]
    let chunk: Int

    public struct Value: Sendable, Equatable {
        /// mean |Δŷ| and mean Δŷ with t scaled onto the budget.
        public var meanAbsShift: Double
        public var meanShift: Double
        /// mean |Δŷ| with t at min(own strength, budget).
        public var ownMeanAbsShift: Double
        /// RMS of the unscaled trigger's pattern in 8-bit levels, and the factor onto the budget.
        public var patternRMS: Double
        public var scale: Double

        public init(meanAbsShift: Double, meanShift: Double, ownMeanAbsShift: Double, patternRMS: Double, scale: Double) {
            self.meanAbsShift = meanAbsShift
            self.meanShift = meanShift
            self.ownMeanAbsShift = ownMeanAbsShift
            self.patternRMS = patternRMS
            self.scale = scale
        }
    }

    /// `crops`: held-out crops on 0…1, [N, 3, S, S] (CPU or the surrogate's device).
    public init(surrogate: IQAModel, crops: Tensor, budget: TriggerBudget, chunk: Int = 32) throws {
        guard crops.size(0) > 0 else { throw BackdoorError("the trigger objective needs at least one held-out image") }
        self.surrogate = surrogate
        self.budget = budget
        self.chunk = chunk
        let device = surrogate.device
        quantised = try (crops.to(device) * 255).round()
        cleanScores = try UAPObjective.scores(surrogate, quantised, pattern: nil, chunk: chunk)
    }

    public var count: Int { quantised.size(0) }

    /// The S×S center crop of each of `images`, on 0…1, [N, 3, S, S].
    public static func centerCrops(source: ImageSource, images: [Int], crop: Int) throws -> Tensor {
        let plane = crop * crop
        var out = [Float](repeating: 0, count: images.count * 3 * plane)
        for (n, i) in images.enumerated() {
            let image = try source.image(i)
            guard image.width >= crop, image.height >= crop else {
                throw BackdoorError("held-out image \(i) is \(image.width)×\(image.height), smaller than the \(crop)² crop")
            }
            let y0 = (image.height - crop) / 2, x0 = (image.width - crop) / 2
            for row in 0..<crop {
                for col in 0..<crop {
                    let src = ((y0 + row) * image.width + x0 + col) * 3
                    for c in 0..<3 { out[n * 3 * plane + c * plane + row * crop + col] = Float(image.pixels[src + c]) / 255 }
                }
            }
        }
        return try Tensor(out, shape: [images.count, 3, crop, crop])
    }

    public func evaluate(_ trigger: Tensor) throws -> Value {
        try withNoGrad {
            let t = try trigger.detach().to(surrogate.device)
            let rms = try budget.patternRMS(t)
            guard rms > 0 else { throw BackdoorError("the trigger is zero: it has no direction to measure") }
            let scale = budget.maxRMS / rms
            let onBudget = try shifts(t * scale)
            let own = scale < 1 ? onBudget : try shifts(t)
            return Value(meanAbsShift: try onBudget.abs().mean().item(), meanShift: try onBudget.mean().item(),
                         ownMeanAbsShift: try own.abs().mean().item(), patternRMS: rms, scale: scale)
        }
    }

    /// f(T(x, t)) − f(x) per held-out crop.
    func shifts(_ t: Tensor) throws -> Tensor {
        let s = quantised.size(2)
        let pattern = try DCTTrigger.tile(DCTTrigger.patternTensor(t, positions: budget.positions), height: s, width: s,
                                          originY: 0, originX: 0, fullHeight: s, fullWidth: s)
        return try UAPObjective.scores(surrogate, quantised, pattern: pattern, chunk: chunk) - cleanScores
    }

    static func scores(_ model: IQAModel, _ quantised: Tensor, pattern: Tensor?, chunk: Int) throws -> Tensor {
        try withNoGrad {
            let (mean, std) = try PatchRenderer.normalisation(device: quantised.device)
            var parts: [Tensor] = []
            for start in stride(from: 0, to: quantised.size(0), by: chunk) {
                let q = try quantised.narrow(0, start: start, length: min(chunk, quantised.size(0) - start))
                let x = try (pattern.map { try q + $0 } ?? q) / 255
                parts.append(try model.scores((x.clamp(min: 0, max: 1) - mean) / std))
            }
            return try Tensor.cat(parts, dim: 0)
        }
    }
}
