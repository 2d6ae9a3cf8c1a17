import ArgumentParser
import Evaluation
import Foundation
import IQAData
import IQAModels

/// The surrogate and the image subset an attack step works on (trigger search, PGD): the split's
/// poisoned_subset, else a seeded fraction of the surrogate's training images (the same draw for both
/// steps, so that they work on the same images as the official code does).
struct SurrogateSubsetOptions: ParsableArguments {
    @Option(help: "Surrogate run folder (from baiqa train).")
    var surrogate: String

    @Option(help: "Split file whose poisoned_subset lists the images (default: a seeded --rate of the surrogate's training images).")
    var split: String?

    @Option(help: "Fraction of the surrogate's training images when no split is given.")
    var rate: Double = 0.2

    /// The surrogate's manifest and model, its dataset's samples, and the subset's image names (all
    /// checked to exist in that dataset).
    func resolve(seed: UInt64) throws -> (manifest: RunManifest, model: IQAModel, samples: [IQASample], names: [String]) {
        let folder = URL(fileURLWithPath: surrogate)
        let manifest = try RunManifest.read(from: folder)
        let model = try manifest.loadModel(folder: folder)
        let names: [String]
        if let split {
            guard let subset = try SplitFile.read(URL(fileURLWithPath: split)).poisonedSubset else { throw CLIError("\(split): no poisoned_subset") }
            names = subset
        } else {
            guard rate > 0, rate <= 1 else { throw ValidationError("--rate must be in (0, 1]") }
            var rng = SeededGenerator(seed: seed, stream: 0x5B5E7)
            names = Array(manifest.train.shuffled(using: &rng).prefix(max(1, Int(rate * Double(manifest.train.count)))))
        }
        let samples = try manifest.dataset.source().load()
        let known = Set(samples.map(\.name))
        let missing = names.filter { !known.contains($0) }
        guard missing.isEmpty else {
            throw CLIError("images missing from the dataset: \(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? " (+\(missing.count - 5) more)" : "")")
        }
        return (manifest, model, samples, names)
    }
}
