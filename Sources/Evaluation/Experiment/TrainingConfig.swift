import Foundation
import IQAModels

/// Everything that determines a clean training run (`baiqa train`); its fingerprint guards resumes.
public struct TrainingConfig: Codable, Equatable, Sendable {
    public var dataset = ExperimentConfig.Dataset()
    public var trainRatio = 0.8
    public var recipe: TrainingRecipe = .cpu(.hyperiqa)
    public var seed: UInt64 = 0

    public init() {}

    public var fingerprint: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return ExperimentConfig.fnv1a64((try? encoder.encode(self)) ?? Data())
    }
}
