import Backdoor
import Foundation
import IQAModels

/// Everything that determines an experiment's numbers. Its hash names the run's inputs: a partial run
/// folder is resumed only when the hash matches.
public struct ExperimentConfig: Codable, Equatable, Sendable {
    public struct Dataset: Codable, Equatable, Sendable {
        /// "builtin" (generated on demand) or "folder" (images + score CSV).
        public var kind: String = "builtin"
        public var root: String = "data/builtin"
        public var csv: String = "scores.csv"
        public var nameColumn: String = "image"
        public var scoreColumn: String = "mos"
        public var builtinCount: Int = 600
        public var builtinSize: Int = 256
        public var builtinSeed: UInt64 = 0
        public init() {}
    }

    public struct Attack: Codable, Equatable, Sendable {
        public var name: String = "p-baiqa"
        public var rate: Double = 0.2
        public var deltaY: Double = 40
        public var alphaSampling: AlphaSampling = .weighted
        /// A trigger file (.pt, [3, 64]) or nil for a seeded random trigger at `randomTriggerPSNR` dB.
        public var triggerFile: String?
        /// FNV-1a 64 of the trigger file's bytes: a changed file changes the config fingerprint.
        public var triggerFingerprint: String?
        public var randomTriggerPSNR: Double = 30
        public var positions: DCTPositions = .official
        public init() {}
    }

    public var dataset = Dataset()
    public var trainRatio: Double = 0.8
    public var attack = Attack()
    public var recipe: TrainingRecipe = .cpu(.hyperiqa)
    public var alphas: [Double] = AlphaSweep.paperAlphas
    public var seed: UInt64 = 0

    public init() {}

    /// A stable fingerprint of the config (sorted-key JSON, FNV-1a 64).
    public var fingerprint: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return ExperimentConfig.fnv1a64((try? encoder.encode(self)) ?? Data())
    }

    public static func fnv1a64(_ data: Data) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return String(format: "%016llx", h)
    }
}
