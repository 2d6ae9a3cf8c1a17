import Evaluation
import Foundation

/// One row of a defence's `steps.csv`: the model after one step of the defence (an epoch of fine-tuning,
/// a pruning rate, an ANP threshold), measured on the victim's test split and on the defender's clean set.
public struct DefenceStep: Codable, Equatable, Sendable {
    /// "none" (the undefended victim), "finetune", "prune" (Fine-Pruning's rates) or "anp" (thresholds).
    public var phase: String
    /// Epoch (finetune), pruning rate (prune) or mask threshold (anp).
    public var strength: Double
    /// Channels (prune) or BatchNorm neurons (anp) pruned; nil for fine-tuning.
    public var pruned: Int?
    /// RMSE on the defender's clean set: the only number a defender sees (model selection uses it).
    public var cleanSetRMSE: Double
    /// Benign metrics on the victim's test split.
    public var benign: BenignMetrics
    /// The α sweep against the run's own trigger (MAE/MRA per α, mMAE, mMRA).
    public var attack: AttackMetrics
    /// mean over α and images of |ŷ(α) − MOS|: how far triggered images are from their true quality
    /// (BackdoorBench's "robust accuracy" for a regression).
    public var triggeredErrorVsMOS: Double

    // snake_case written out, as the metrics inside use: results.json reads back with plain keys.
    enum CodingKeys: String, CodingKey {
        case phase, strength, pruned, benign, attack
        case cleanSetRMSE = "clean_set_rmse", triggeredErrorVsMOS = "triggered_error_vs_mos"
    }

    /// The CSV header; per-α columns follow the sweep's α list.
    public static func csvHeader(alphas: [Double]) -> String {
        (["phase", "strength", "pruned", "clean_set_rmse", "plcc", "srocc", "krcc", "rmse", "mmae", "mmra", "triggered_mae_vs_mos"]
            + alphas.map { "mae_\(format($0))" } + alphas.map { "mra_\(format($0))" }).joined(separator: ",")
    }

    public var csvRow: String {
        ([phase, DefenceStep.format(strength), pruned.map(String.init) ?? "", f(cleanSetRMSE), f(benign.plcc), f(benign.srocc), f(benign.krcc),
          f(benign.rmse), f(attack.mmae), f(attack.mmra), f(triggeredErrorVsMOS)] + attack.mae.map(f) + attack.mra.map(f)).joined(separator: ",")
    }

    private func f(_ v: Double) -> String { v.isFinite ? String(format: "%.6f", v) : "nan" }
    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e6 ? String(Int(v)) : String(format: "%g", v)
    }
}
