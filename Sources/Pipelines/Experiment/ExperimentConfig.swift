import Backdoor
import Evaluation
import Foundation
import IQAData
import IQAModels

/// Everything that determines an experiment's numbers. Its hash names the run's inputs: a partial run
/// folder is resumed only when the hash matches.
public struct ExperimentConfig: Codable, Equatable, Sendable {
    public struct Attack: Codable, Equatable, Sendable {
        public var name: String = "p-baiqa"
        /// Trigger family: BAIQA's DCT trigger or a baseline (Blended, WaNet, FTrojan) under the same α scaling.
        public var kind: AttackKind = .baiqa
        public var baselines = BaselineSettings()
        public var rate: Double = 0.2
        public var deltaY: Double = 40
        public var alphaSampling: AlphaSampling = .weighted
        /// A trigger file (.pt, [3, 64]) or nil for a seeded random trigger at `randomTriggerPSNR` dB.
        public var triggerFile: String?
        /// FNV-1a 64 of the trigger file's bytes: a changed file changes the config fingerprint.
        public var triggerFingerprint: String?
        public var randomTriggerPSNR: Double = 30
        public var positions: DCTPositions = .official
        /// Poison-label (P-BAIQA; nil means poison) or clean-label (C-BAIQA).
        public var labelMode: PoisonPlan.LabelMode?
        /// C-BAIQA's target mean ȳ in α = (y − ȳ)/Δy (nil: 50, as the scripts).
        public var targetMean: Double?
        /// FNV-1a 64 of the C-BAIQA PGD perturbations used (nil: none).
        public var pgdFingerprint: String?
        /// Release-time JPEG: the poisoned training images reach the victim re-encoded through this channel
        /// (the clean ones as they were), as when the poisoned set is published as JPEG (nil: lossless).
        public var releaseJPEG: JPEGRecompression?
        public init() {}
    }

    public var dataset = DatasetSpec()
    public var trainRatio: Double = 0.8
    public var attack = Attack()
    public var recipe: TrainingRecipe = .cpu(.hyperiqa)
    public var alphas: [Double] = AlphaSweep.paperAlphas
    public var seed: UInt64 = 0

    public init() {}

    /// A stable fingerprint of the config (sorted-key JSON, FNV-1a 64): names the run's inputs.
    public var fingerprint: String { (try? Fingerprint.of(self)) ?? Fingerprint.fnv1a64(Data()) }
}

extension ExperimentConfig.Attack {
    /// The trigger part of the attack as the one `TriggerSpec` (the stored fields keep their names, so
    /// config fingerprints and suite step keys stay what they were).
    public var trigger: TriggerSpec {
        get {
            TriggerSpec(attack: kind, positions: positions, file: triggerFile, fileFingerprint: triggerFingerprint,
                        randomPSNR: randomTriggerPSNR, baselines: baselines)
        }
        set {
            kind = newValue.attack
            positions = newValue.positions
            triggerFile = newValue.file
            triggerFingerprint = newValue.fileFingerprint
            randomTriggerPSNR = newValue.randomPSNR
            baselines = newValue.baselines
        }
    }
}
