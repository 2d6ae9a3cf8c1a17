import Foundation
import IQAData
import IQAModels
import Torch

/// C-BAIQA's refinement of a whole poisoned subset with `TargetedPGD`, one image after the other. Each
/// finished δ is kept in `parts/<k>.pt`, so a killed refinement resumes at the first missing image.
public struct PGDRefinement {
    public var pgd: TargetedPGD

    public init(pgd: TargetedPGD) { self.pgd = pgd }

    public struct Outcome {
        /// Image name → δ ([3, H, W] on the 0…1 scale), in subset order.
        public var deltas: [(name: String, tensor: Tensor)]
        /// Mean |surrogate score − target| over the subset before and after (the EOT views' mean).
        public var meanDistanceBefore: Double
        public var meanDistanceAfter: Double
    }

    /// `image(k)` gives the k-th subset image (named `names[k]`).
    public func run(surrogate: IQAModel, names: [String], image: (Int) throws -> RGBImage, parts: URL,
                    monitor: RunMonitor) throws -> Outcome {
        try FileManager.default.createDirectory(at: parts, withIntermediateDirectories: true)
        var deltas: [(name: String, tensor: Tensor)] = []
        var before = 0.0, after = 0.0
        for (k, name) in names.enumerated() {
            let x = try image(k)
            let delta = try pgd.perturbation(surrogate: surrogate, image: x, index: k, cache: parts.appendingPathComponent("\(k).pt"))
            deltas.append((name, delta))
            before += abs(try pgd.meanPrediction(surrogate: surrogate, image: x, delta: nil, index: k) - pgd.target)
            after += abs(try pgd.meanPrediction(surrogate: surrogate, image: x, delta: delta, index: k) - pgd.target)
            monitor.progress(stage: "PGD", done: k + 1, total: names.count,
                             detail: String(format: "mean |f−ȳ| %.2f → %.2f", before / Double(k + 1), after / Double(k + 1)))
        }
        let n = Double(max(names.count, 1))
        return Outcome(deltas: deltas, meanDistanceBefore: before / n, meanDistanceAfter: after / n)
    }
}
