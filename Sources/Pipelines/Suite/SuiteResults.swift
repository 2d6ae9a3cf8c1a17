import Backdoor
import Evaluation
import Foundation
import IQAData

/// `results.json` of an attack suite: the config as run, the clean model, the attack's artefacts and one
/// entry per backdoored victim (label mode × attack), plus the clean model's response to each trigger.
public struct SuiteResults: Codable {
    public var config: SuiteConfig
    public var victimModel: String
    public var clean: CleanModel
    public var surrogate: StepRef
    public var trigger: TriggerInfo?
    public var pgd: PGDInfo?
    public var runs: [VictimRun]
    /// The clean model under each attack's trigger, and under a zero trigger (attack "none").
    public var cleanModelResponse: [Response]
    /// Each configured defence on each victim (nil: none configured).
    public var defences: [DefenceRun]?
    /// Each victim's α sweep behind the test-time JPEG channels of `robustness.jpeg` (nil: none configured).
    public var jpegTestTime: [JPEGTestRun]?
    /// The victims trained on poisoned images released as JPEG (`robustness.release`; nil: none).
    public var jpegRelease: [JPEGReleaseRun]?
    /// Wall seconds per part of the suite, as recorded by its steps when they were computed (by any
    /// process; 0 for steps recorded before step.json held them), and `data`: this process's dataset load.
    public var timings: [String: Double]
    public var environment: [String: String]

    public struct StepRef: Codable {
        public var step: String
        /// The clean model's step doubles as the surrogate.
        public var reused: Bool
    }

    public struct CleanModel: Codable {
        public var step: String
        public var benign: BenignMetrics
    }

    public struct TriggerInfo: Codable {
        /// search, file or random.
        public var source: String
        public var file: String?
        public var step: String?
        /// PSNR at α = 1 over the search images (full images, mean MSE).
        public var psnrSearchImages: Double?
        public var searchImages: Int?
    }

    public struct PGDInfo: Codable {
        public var step: String
        public var images: Int
        /// Mean |surrogate score − ȳ| before and after the refinement (EOT views).
        public var meanDistanceBefore: Double
        public var meanDistanceAfter: Double
    }

    public struct AttackNumbers: Codable {
        public var alphas: [Double]
        public var mae: [Double]
        public var mra: [Double]
        public var mmae: Double
        public var mmra: Double
        public var psnrAlpha1: Double
        enum CodingKeys: String, CodingKey { case alphas, mae, mra, mmae, mmra, psnrAlpha1 = "psnr_alpha1" }
    }

    public struct VictimRun: Codable {
        /// poison (P-BAIQA) or clean (C-BAIQA).
        public var label: String
        public var attack: String
        public var step: String
        public var benign: BenignMetrics
        public var attackMetrics: AttackNumbers
        public var trainSeconds: Double

        enum CodingKeys: String, CodingKey { case label, attack, step, benign, attackMetrics = "attack_metrics", trainSeconds = "train_seconds" }
    }

    /// A defence on a victim: the undefended and the defended model's numbers.
    public struct DefenceRun: Codable {
        public var label: String
        public var attack: String
        public var defence: String
        public var step: String
        /// The pruning rate or ANP threshold chosen on clean data (fine-tuning: its epoch count).
        public var chosenStrength: Double
        public var before: Numbers
        public var after: Numbers

        public struct Numbers: Codable {
            public var srocc: Double, plcc: Double, rmse: Double, mmae: Double, mmra: Double, cleanSetRMSE: Double
            init(_ s: DefenceStep) {
                (srocc, plcc, rmse, mmae, mmra, cleanSetRMSE) = (s.benign.srocc, s.benign.plcc, s.benign.rmse, s.attack.mmae, s.attack.mmra, s.cleanSetRMSE)
            }
            enum CodingKeys: String, CodingKey { case srocc, plcc, rmse, mmae, mmra, cleanSetRMSE = "cleanSetRmse" }
        }
        enum CodingKeys: String, CodingKey { case label, attack, defence, step, chosenStrength, before, after }
    }

    public struct JPEGTestRun: Codable {
        public var label: String
        public var attack: String
        public var step: String
        /// The reference row without JPEG first, then one per quality.
        public var rows: [JPEGRobustness.Row]
    }

    public struct JPEGReleaseRun: Codable {
        public var label: String
        public var attack: String
        public var release: JPEGRecompression
        public var step: String
        public var benign: BenignMetrics
        public var attackMetrics: AttackNumbers
    }

    public struct Response: Codable {
        public var attack: String
        public var attackMetrics: AttackNumbers
        /// Δy·mean|α|: the mMAE of a trigger that changes nothing.
        public var noEffectMMAE: Double
        enum CodingKeys: String, CodingKey { case attack, attackMetrics = "attack_metrics", noEffectMMAE = "no_effect_mmae" }
    }

    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.keyEncodingStrategy = .convertToSnakeCase
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(self)
    }
}

extension SuiteResults.AttackNumbers {
    init(_ m: AttackMetrics, psnr: Double) {
        self.init(alphas: m.alphas, mae: m.mae, mra: m.mra, mmae: m.mmae, mmra: m.mmra, psnrAlpha1: psnr)
    }
}
