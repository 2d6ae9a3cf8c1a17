import Foundation
import IQAData
import IQAModels

/// Everything that determines a clean training run (`baiqa train`); its fingerprint guards resumes.
public struct TrainingConfig: Codable, Equatable, Sendable {
    public var dataset = DatasetSpec()
    public var trainRatio = 0.8
    public var recipe: TrainingRecipe = .cpu(.hyperiqa)
    public var seed: UInt64 = 0

    public init() {}

    public var fingerprint: String { (try? Fingerprint.of(self)) ?? Fingerprint.fnv1a64(Data()) }
}
