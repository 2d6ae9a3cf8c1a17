import Backdoor
import Foundation
import IQAData
import IQAModels

/// Everything that determines an experiment's numbers. Its hash names the run's inputs: a partial run
/// folder is resumed only when the hash matches.
public struct ExperimentConfig: Codable, Equatable, Sendable {
    public struct Dataset: Codable, Equatable, Sendable {
        /// "builtin" (generated on demand), "folder" (images + score CSV), "livec" or "koniq" (official layouts).
        public var kind: String = "builtin"
        public var root: String = "data/builtin"
        public var csv: String = "scores.csv"
        public var nameColumn: String = "image"
        public var scoreColumn: String = "mos"
        public var builtinCount: Int = 600
        public var builtinSize: Int = 256
        public var builtinSeed: UInt64 = 0
        /// KonIQ-10k image folder: "1024x768" or "512x384" (nil: whichever exists, preferring 512x384).
        public var koniqResolution: String?
        /// A split file (JSON: train, test, optional poisoned_subset); nil → seeded random split.
        public var splitFile: String?
        public var splitFingerprint: String?
        /// Drop split images missing from the dataset (with a warning) instead of failing.
        public var dropMissing = false
        public init() {}

        public static let kinds = ["builtin", "folder", "livec", "koniq"]

        /// The loader for this dataset's layout.
        public func source() throws -> IQADatasetSource {
            let rootURL = URL(fileURLWithPath: root)
            switch kind {
            case "builtin", "folder":
                return FolderDataset(root: rootURL, csv: rootURL.appendingPathComponent(csv), nameColumn: nameColumn, scoreColumn: scoreColumn)
            case "livec":
                return LIVECDataset(root: rootURL)
            case "koniq":
                let resolution = try koniqResolution.map { value -> KonIQ10kDataset.Resolution in
                    guard let r = KonIQ10kDataset.Resolution(rawValue: value) else {
                        throw DatasetError(file: root, "unknown KonIQ-10k resolution '\(value)' (1024x768 or 512x384)")
                    }
                    return r
                }
                return KonIQ10kDataset(root: rootURL, resolution: resolution)
            default:
                throw DatasetError(file: root, "unknown dataset kind '\(kind)' (builtin, folder, livec or koniq)")
            }
        }
    }

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
