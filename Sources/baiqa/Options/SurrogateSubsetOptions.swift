import ArgumentParser
import Foundation
import IQAData
import Pipelines

/// The surrogate and the image subset an attack step works on (trigger search, PGD).
struct SurrogateSubsetOptions: ParsableArguments {
    @Option(help: "Surrogate run folder (from baiqa train).") var surrogate: String

    @Option(help: "Split file whose poisoned_subset lists the images (default: a seeded --rate of the surrogate's training images).")
    var split: String?

    @Option(help: "Fraction of the surrogate's training images when no split is given.") var rate: Double = 0.2

    func resolve(seed: UInt64, monitor: RunMonitor) throws -> SurrogateSubset {
        guard rate > 0, rate <= 1 else { throw ValidationError("--rate must be in (0, 1]") }
        return try SurrogateSubset(surrogate: URL(fileURLWithPath: surrogate), splitFile: split, rate: rate, seed: seed, monitor: monitor)
    }
}
