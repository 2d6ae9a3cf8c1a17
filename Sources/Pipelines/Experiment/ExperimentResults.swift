import Evaluation
import Foundation

/// The numbers of one experiment, written as results.json. Keys are stable: later versions add keys,
/// never rename them.
public struct ExperimentResults: Encodable {
    public var config: ExperimentConfig
    public var benign: BenignMetrics
    public var attack: AttackSection
    public var timings: [String: Double]
    public var environment: [String: String]

    public struct AttackSection: Encodable {
        public var metrics: AttackMetrics
        public var psnr: PSNRSummary
        public var psnrAlpha1: Double { psnr.psnrOfMeanMSE }

        enum Keys: String, CodingKey { case psnrAlpha1 = "psnr_alpha1", psnr }

        public func encode(to encoder: Encoder) throws {
            try metrics.encode(to: encoder)     // alphas, mae, mra, mmae, mmra, … at this level
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(psnrAlpha1, forKey: .psnrAlpha1)
            try c.encode(psnr, forKey: .psnr)
        }
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
