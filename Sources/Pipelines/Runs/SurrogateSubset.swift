import Foundation
import IQAData
import IQAModels

/// The surrogate and the image subset an attack step works on (trigger search, PGD): the split's
/// poisoned_subset, else a seeded fraction of the surrogate's training images (the same draw for both
/// steps, so that they work on the same images, as the official code does).
public struct SurrogateSubset {
    public var manifest: RunManifest
    public var model: IQAModel
    public var dataset: LoadedDataset
    /// The subset's images: names and their indices in `dataset`.
    public var names: [String]
    public var images: [Int]

    /// `splitFile`: a split whose poisoned_subset names the images; else `rate` of the surrogate's training images.
    public init(surrogate folder: URL, splitFile: String?, rate: Double, seed: UInt64, monitor: RunMonitor) throws {
        manifest = try RunManifest.read(from: folder)
        model = try manifest.loadModel(folder: folder)
        if let splitFile {
            guard let subset = try SplitFile.read(URL(fileURLWithPath: splitFile)).poisonedSubset else { throw RunError("\(splitFile): no poisoned_subset") }
            names = subset
        } else {
            guard rate > 0, rate <= 1 else { throw RunError("--rate must be in (0, 1], got \(rate)") }
            var rng = SeededGenerator(seed: seed, stream: 0x5B5E7)
            names = Array(manifest.train.shuffled(using: &rng).prefix(max(1, Int(rate * Double(manifest.train.count)))))
        }
        dataset = try LoadedDataset.load(manifest.dataset.source()) { done, total in
            monitor.progress(stage: "decode images", done: done, total: total, detail: "")
        }
        let index = dataset.indexByName
        let missing = names.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw RunError("images missing from the dataset: \(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? " (+\(missing.count - 5) more)" : "")")
        }
        images = names.map { index[$0]! }
    }
}
