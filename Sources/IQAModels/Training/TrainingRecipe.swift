/// How a victim is trained and tested. `paper` is the official HyperIQA recipe (spec §8.1); `cpu` is a
/// scaled-down recipe for 2-core machines: a narrow ResNet-10 backbone trained from scratch on 128²
/// crops, 6 patches per image, with learning rates suited to training without ImageNet weights.
import IQAData

public struct TrainingRecipe: Codable, Equatable, Sendable {
    public var name: String
    public var backbone: ResNetSpec
    public var epochs: Int
    public var batchSize: Int
    public var patchesPerImage: Int
    public var cropSize: Int
    /// Backbone (`res`, including the LDA branches) learning rate.
    public var learningRate: Double
    /// The hyper-network head trains at learningRate × this.
    public var headLearningRateRatio: Double
    public var weightDecay: Double
    /// Official quirk (spec §8.1): the head's parameter list is a one-shot iterator, so the head only
    /// trains during epoch 1. `true` reproduces it; `false` trains the head in every epoch.
    public var headTrainedFirstEpochOnly: Bool
    /// Official behaviour: a fresh Adam (moments reset) at the end of every epoch.
    public var resetOptimizerEachEpoch: Bool
    /// Crops averaged per test image.
    public var testPatches: Int
    /// The backdoor solvers flip test crops at random too (spec §3.4).
    public var flipAtTest: Bool
    /// Where the trigger grid sits in a crop. Official victims see it at a random phase (`fullImage`); a
    /// small network trained from scratch for minutes does not learn that phase-invariant detector
    /// (measured: mMRA ≈ 0 after 10 CPU epochs), so the `cpu` preset anchors it at the crop origin as the
    /// official trigger search does (`crop`).
    public var triggerPhase: TriggerPhase

    public static let paper = TrainingRecipe(
        name: "paper", backbone: .resnet50, epochs: 24, batchSize: 32, patchesPerImage: 25, cropSize: 224,
        learningRate: 2e-5, headLearningRateRatio: 10, weightDecay: 5e-4, headTrainedFirstEpochOnly: true,
        resetOptimizerEachEpoch: true, testPatches: 25, flipAtTest: true, triggerPhase: .fullImage)

    public static let cpu = TrainingRecipe(
        name: "cpu", backbone: .resnet10w32, epochs: 10, batchSize: 16, patchesPerImage: 6, cropSize: 128,
        learningRate: 1e-3, headLearningRateRatio: 1, weightDecay: 5e-4, headTrainedFirstEpochOnly: false,
        resetOptimizerEachEpoch: false, testPatches: 4, flipAtTest: true, triggerPhase: .crop)

    public static func named(_ name: String) -> TrainingRecipe? {
        switch name.lowercased() {
        case "paper": return .paper
        case "cpu": return .cpu
        default: return nil
        }
    }

    /// Head learning rate of the optimiser the official code re-creates after 0-based epoch `t`:
    /// lr / 10^(t // 8) × (ratio while t ≤ 8, else 1). (With the epoch-1 quirk the head group is empty
    /// by then, so this only matters when `headTrainedFirstEpochOnly` is false.)
    public func headLearningRate(afterEpoch t: Int) -> Double {
        var lr = learningRate
        for _ in 0..<(t / 8) { lr /= 10 }
        return lr * (t <= 8 ? headLearningRateRatio : 1)
    }
}
