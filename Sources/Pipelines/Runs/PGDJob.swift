import Backdoor
import Foundation
import IQAData
import IQAModels
import Torch

/// C-BAIQA's PGD refinement from a surrogate to a perturbation file (`baiqa pgd`, the suite's PGD
/// step): a torch.save dict image name → δ ([3, H, W] float32 on the 0…1 scale) and a JSON record of
/// how far the surrogate's predictions moved towards the target.
public struct PGDJob {
    public var pgd: TargetedPGD

    public init(pgd: TargetedPGD) { self.pgd = pgd }

    /// Refines `images` (`names`) of `source`; finished images wait in `parts` (resumable, removed at the end).
    @discardableResult
    public func run(surrogate: IQAModel, source: ImageSource, images: [Int], names: [String],
                    out: URL, record: URL, parts: URL, monitor: RunMonitor) throws -> PGDRecord {
        let outcome = try PGDRefinement(pgd: pgd).run(surrogate: surrogate, names: names, image: { try source.image(images[$0]) },
                                                      parts: parts, monitor: monitor)
        try TensorFile.save(outcome.deltas, to: out)
        let result = PGDRecord(images: names.count, meanDistanceBefore: outcome.meanDistanceBefore, meanDistanceAfter: outcome.meanDistanceAfter)
        try JSONFiles.write(result, to: record)
        try? FileManager.default.removeItem(at: parts)
        return result
    }

    /// The perturbations of `file` by dataset index (every name must be in the dataset).
    public static func load(_ file: URL, dataset: LoadedDataset) throws -> [Int: Tensor] {
        let index = dataset.indexByName
        var deltas: [Int: Tensor] = [:]
        for (name, delta) in try TensorFile.loadTensors(from: file) {
            guard let i = index[name] else { throw RunError("\(file.path): image \(name) is not in the dataset") }
            deltas[i] = delta
        }
        return deltas
    }
}

/// The JSON record beside a PGD perturbation file.
public struct PGDRecord: Codable {
    public var images: Int
    /// Mean |surrogate score − ȳ| before and after the refinement (EOT views).
    public var meanDistanceBefore: Double
    public var meanDistanceAfter: Double
    enum CodingKeys: String, CodingKey { case images, meanDistanceBefore = "mean_distance_before", meanDistanceAfter = "mean_distance_after" }
}
