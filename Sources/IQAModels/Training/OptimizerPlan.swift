/// How the parameters are optimised over the epochs, per architecture (spec §8).
public enum OptimizerPlan: Codable, Equatable, Sendable {
    /// HyperIQA: Adam, backbone at lr, hyper-network head (group 1) at lr·ratio.
    case hyperIQA(HyperIQAPlan)
    /// DBCNN: first only the fc (group 1) with SGD while the features are frozen, then everything with Adam.
    case twoPhase(TwoPhasePlan)
    /// TReS: Adam over everything, optionally with a StepLR schedule.
    case adam(AdamPlan)

    public struct HyperIQAPlan: Codable, Equatable, Sendable {
        public var learningRate: Double
        public var headRatio: Double
        public var weightDecay: Double
        /// Official quirk: the head's parameter list is a one-shot iterator, so it trains in epoch 1 only.
        public var headTrainedFirstEpochOnly: Bool
        /// Official behaviour: a fresh Adam (moments reset) at the end of every epoch.
        public var resetEachEpoch: Bool

        /// Head learning rate of the optimiser the official code re-creates after 0-based epoch `t`:
        /// lr / 10^(t // 8) × (ratio while t ≤ 8, else 1).
        public func headLearningRate(afterEpoch t: Int) -> Double {
            var lr = learningRate
            for _ in 0..<(t / 8) { lr /= 10 }
            return lr * (t <= 8 ? headRatio : 1)
        }
    }

    public struct TwoPhasePlan: Codable, Equatable, Sendable {
        public var headEpochs: Int
        public var headLearningRate: Double
        public var momentum: Double
        public var fullLearningRate: Double
        public var weightDecay: Double
    }

    public struct AdamPlan: Codable, Equatable, Sendable {
        public var learningRate: Double
        public var weightDecay: Double
        /// StepLR(step, γ) as the TReS code creates it.
        public var stepSize: Int?
        public var gamma: Double
        /// Official quirk: the backdoor solvers never call scheduler.step(), so the rate stays constant.
        public var schedulerStepped: Bool

        public func learningRate(epoch: Int) -> Double {
            guard schedulerStepped, let stepSize, stepSize > 0 else { return learningRate }
            var lr = learningRate
            for _ in 0..<(epoch / stepSize) { lr *= gamma }
            return lr
        }
    }

    /// Replaces the base learning rate — the backbone's (HyperIQA; the head keeps its ratio), the all-layers
    /// Adam phase's (DBCNN) or the single Adam's (TReS) — and/or the weight decay (nil: keep).
    public mutating func override(learningRate: Double?, weightDecay: Double?) {
        switch self {
        case .hyperIQA(var p):
            p.learningRate = learningRate ?? p.learningRate
            p.weightDecay = weightDecay ?? p.weightDecay
            self = .hyperIQA(p)
        case .twoPhase(var p):
            p.fullLearningRate = learningRate ?? p.fullLearningRate
            p.weightDecay = weightDecay ?? p.weightDecay
            self = .twoPhase(p)
        case .adam(var p):
            p.learningRate = learningRate ?? p.learningRate
            p.weightDecay = weightDecay ?? p.weightDecay
            self = .adam(p)
        }
    }

    /// The optimiser-related quirks a run reproduces, for manifests and `baiqa models`.
    public var quirks: [String] {
        switch self {
        case .hyperIQA(let p):
            return (p.headTrainedFirstEpochOnly ? ["hyper-network head trained in epoch 1 only (official)"] : [])
                + (p.resetEachEpoch ? ["Adam re-created every epoch (official)"] : [])
        case .twoPhase(let p):
            return p.headEpochs > 0 ? ["fc only (SGD, features frozen) for \(p.headEpochs) epochs, then all layers (Adam) (official)"]
                                    : ["all layers with Adam from epoch 1"]
        case .adam(let p):
            return p.stepSize != nil && !p.schedulerStepped ? ["StepLR created but never stepped (official)"] : []
        }
    }
}
