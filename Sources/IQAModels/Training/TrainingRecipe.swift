import Foundation
import IQAData
import Torch

/// How a model is trained and tested: architecture, data sampling, loss, optimiser plan, test protocol.
/// `paper` presets are the official recipes (spec §8); `cpu` presets are scaled down for 2-core machines
/// (narrower backbones trained from scratch on 128² crops, 6 crops per image, 10 epochs).
public struct TrainingRecipe: Codable, Equatable, Sendable {
    public enum Loss: String, Codable, Sendable {
        case l1, mse
        /// The original TReS objective: L1 on the crop and its mirror, self-consistency between them and
        /// the relative ranking loss (`TReS.originalTrainingLoss`; TReS models only).
        case tresOriginal = "tres-original"
    }
    /// A multiplier on every group's learning rate over the run. `cosine`: 0.5·(1 + cos(π·t/T)) per batch,
    /// t the batch index over all epochs (the `cpu` presets: from scratch at lr 1e-3, a constant rate
    /// leaves the last epoch's weights, and so the test SROCC, jumping by ±0.1 from epoch to epoch).
    public enum LRSchedule: String, Codable, Sendable { case constant, cosine }

    public var name: String
    public var model: ModelSpec
    public var epochs: Int
    public var batchSize: Int
    public var patchesPerImage: Int
    public var cropSize: Int
    public var loss: Loss
    public var optimizer: OptimizerPlan
    /// Crops averaged per test image.
    public var testPatches: Int
    /// The backdoor solvers flip test crops at random too (spec §3.4).
    public var flipAtTest: Bool
    /// Where the trigger grid sits in a crop. Official victims see it at a random phase (`fullImage`); a
    /// small network trained from scratch for minutes does not learn that phase-invariant detector
    /// (measured: mMRA ≈ 0 after 10 CPU epochs), so the `cpu` presets anchor it at the crop origin as the
    /// official trigger search does (`crop`).
    public var triggerPhase: TriggerPhase
    /// Training crops start on the full image's trigger block grid only (nil/false: anywhere). For a
    /// dataset with the trigger baked in (`baiqa poison`), this is what `triggerPhase = .crop` is on the
    /// fly: every crop sees the trigger at phase 0, which the from-scratch `cpu` victims need.
    public var cropsOnTriggerGrid: Bool?
    /// ImageNet weights in torchvision's layout for the backbone (nil: train from scratch).
    public var backboneWeights: String?
    /// FNV-1a 64 of that file, so a changed file changes the run's fingerprint.
    public var backboneWeightsFingerprint: String?
    /// DBCNN only: a pretrained SCNN (`baiqa pretrain scnn`, or the official scnn.pkl) for the second stream.
    public var scnnWeights: String?
    public var scnnWeightsFingerprint: String?
    /// Start the score layer's bias at the mean training label (`cpu` presets of DBCNN and TReS; the
    /// official code starts it at 0, which from scratch leaves the first epochs predicting far below the MOS).
    public var outputBiasFromLabels: Bool?
    /// nil: constant (the official recipes' behaviour, whatever their StepLR settings say).
    public var lrSchedule: LRSchedule?

    public static let presetNames = ["paper", "cpu"]
    /// Presets that exist for one architecture only: `original` = TReS as its authors train it.
    public static func presetNames(for kind: ModelKind) -> [String] { presetNames + (kind == .tres ? ["original"] : []) }

    /// The schedule's multiplier for batch `index` of `batchCount` in 0-based `epoch`.
    public func learningRateFactor(epoch: Int, index: Int, batchCount: Int) -> Double {
        guard lrSchedule == .cosine, epochs > 0, batchCount > 0 else { return 1 }
        let t = Double(epoch * batchCount + index), total = Double(epochs * batchCount)
        return 0.5 * (1 + cos(Double.pi * min(t / total, 1)))
    }

    public static func preset(_ name: String, model kind: ModelKind) -> TrainingRecipe? {
        switch name.lowercased() {
        case "paper": return paper(kind)
        case "cpu": return cpu(kind)
        case "original" where kind == .tres: return originalTReS()
        default: return nil
        }
    }

    /// `preset(_:model:)`, failing with a message that lists the model's presets.
    public static func preset(named name: String, model kind: ModelKind) throws -> TrainingRecipe {
        guard let recipe = preset(name, model: kind) else {
            throw TorchError("unknown preset '\(name)' for \(kind.rawValue) (\(presetNames(for: kind).joined(separator: ", ")))")
        }
        return recipe
    }

    public static func paper(_ kind: ModelKind) -> TrainingRecipe {
        switch kind {
        case .hyperiqa:
            return TrainingRecipe(name: "paper", model: .official(.hyperiqa), epochs: 24, batchSize: 32, patchesPerImage: 25,
                                  cropSize: 224, loss: .l1,
                                  optimizer: .hyperIQA(.init(learningRate: 2e-5, headRatio: 10, weightDecay: 5e-4,
                                                             headTrainedFirstEpochOnly: true, resetEachEpoch: true)),
                                  testPatches: 25, flipAtTest: true, triggerPhase: .fullImage)
        case .dbcnn:
            return TrainingRecipe(name: "paper", model: .official(.dbcnn), epochs: 16, batchSize: 32, patchesPerImage: 25,
                                  cropSize: 224, loss: .mse,
                                  optimizer: .twoPhase(.init(headEpochs: 8, headLearningRate: 1e-3, momentum: 0.9,
                                                             fullLearningRate: 1e-5, weightDecay: 5e-4)),
                                  testPatches: 25, flipAtTest: true, triggerPhase: .fullImage)
        case .tres:
            return TrainingRecipe(name: "paper", model: .official(.tres), epochs: 12, batchSize: 32, patchesPerImage: 25,
                                  cropSize: 224, loss: .l1,
                                  optimizer: .adam(.init(learningRate: 2e-5, weightDecay: 5e-4, stepSize: 4, gamma: 0.1,
                                                         schedulerStepped: false)),
                                  testPatches: 25, flipAtTest: true, triggerPhase: .fullImage)
        }
    }

    /// TReS as its authors train it (github isalirezag/TReS, run.sh for CLIVE): ResNet-50 (d_model 3840),
    /// L1 + self-consistency + relative-ranking loss on every batch and its mirror, Adam 2e-5 with weight
    /// decay 5e-4, divided by 10 with a fresh Adam after every epoch (droplr 1), 3 epochs of batch 53,
    /// 50 random crops per image for training and testing.
    public static func originalTReS() -> TrainingRecipe {
        TrainingRecipe(name: "original", model: .tres(.init(backbone: .resnet50)), epochs: 3, batchSize: 53, patchesPerImage: 50,
                       cropSize: 224, loss: .tresOriginal,
                       optimizer: .adam(.init(learningRate: 2e-5, weightDecay: 5e-4, stepSize: 1, gamma: 0.1, schedulerStepped: true)),
                       testPatches: 50, flipAtTest: false, triggerPhase: .fullImage)
    }

    public static func cpu(_ kind: ModelKind) -> TrainingRecipe {
        var r = paper(kind)
        r.name = "cpu"
        r.model = .cpu(kind)
        r.epochs = 10
        r.batchSize = 16
        r.patchesPerImage = 6
        r.cropSize = 128
        r.testPatches = 4
        r.triggerPhase = .crop
        r.lrSchedule = .cosine
        switch kind {
        case .hyperiqa:
            r.optimizer = .hyperIQA(.init(learningRate: 1e-3, headRatio: 1, weightDecay: 5e-4,
                                          headTrainedFirstEpochOnly: false, resetEachEpoch: false))
        case .dbcnn:
            r.outputBiasFromLabels = true
            // From scratch there are no pretrained features to keep frozen: train everything from epoch 1.
            r.optimizer = .twoPhase(.init(headEpochs: 0, headLearningRate: 1e-3, momentum: 0.9, fullLearningRate: 1e-3,
                                          weightDecay: 5e-4))
        case .tres:
            r.outputBiasFromLabels = true
            r.optimizer = .adam(.init(learningRate: 5e-4, weightDecay: 5e-4, stepSize: nil, gamma: 0.1, schedulerStepped: false))
        }
        return r
    }
}
