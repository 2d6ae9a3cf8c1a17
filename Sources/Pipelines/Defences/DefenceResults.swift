import Backdoor
import Evaluation
import Foundation

/// A defence's `results.json`: the undefended victim, the step chosen by the clean-only rule (the last
/// fine-tuning epoch for fine-tuning and Fine-Pruning, the chosen threshold for ANP), every step, the
/// settings and the machine it ran on.
public struct DefenceResults: Codable {
    public var defence: String
    public var run: String
    public var cleanImages: Int
    public var undefended: DefenceStep
    public var chosen: DefenceStep
    /// Fine-Pruning's rate and ANP's threshold, chosen on the clean set only.
    public var chosenRate: Double?
    public var chosenThreshold: Double?
    public var settings: Settings
    public var steps: [DefenceStep] = []
    public var environment: [String: String] = [:]

    enum CodingKeys: String, CodingKey {
        case defence, run, undefended, chosen, settings, steps, environment
        case cleanImages = "clean_images", chosenRate = "chosen_rate", chosenThreshold = "chosen_threshold"
    }

    public struct Settings: Codable {
        public var epochs: Int?
        /// nil: the victim's own.
        public var learningRate: Double?
        public var maxCleanRMSERise: Double
        public var anp: ANPMaskOptimizer.Settings?
        enum CodingKeys: String, CodingKey { case epochs, anp, learningRate = "learning_rate", maxCleanRMSERise = "max_clean_rmse_rise" }
    }
}

/// A defence's `report.md`: what it did and one table row per step.
enum DefenceReport {
    static func markdown(_ r: DefenceResults, alphas: [Double]) -> String {
        let kind = DefenceKind(rawValue: r.defence)
        var lines = ["# \(kind?.title ?? r.defence) of \(r.run)", ""]
        lines.append("Defender's clean set: \(r.cleanImages) images. Selection uses the clean set only "
                     + String(format: "(largest strength whose clean-set RMSE rises < %.0f%%).", r.settings.maxCleanRMSERise * 100))
        if let epochs = r.settings.epochs {
            lines.append("Fine-tuning: \(epochs) epochs at " + (r.settings.learningRate.map { "learning rate \($0)" } ?? "the victim's own learning rate") + ".")
        }
        if let rate = r.chosenRate { lines.append("Chosen pruning rate: \(DefenceStep.format(rate)), then fine-tuned with the mask kept.") }
        if let t = r.chosenThreshold { lines.append("Chosen ANP mask threshold: \(DefenceStep.format(t)).") }
        lines.append("")
        lines.append(String(format: "Before: test SROCC %.3f, RMSE %.2f, mMAE %.2f, mMRA %.3f. After: SROCC %.3f, RMSE %.2f, mMAE %.2f, mMRA %.3f.",
                            r.undefended.benign.srocc, r.undefended.benign.rmse, r.undefended.attack.mmae, r.undefended.attack.mmra,
                            r.chosen.benign.srocc, r.chosen.benign.rmse, r.chosen.attack.mmae, r.chosen.attack.mmra))
        lines += ["", "| phase | strength | pruned | clean-set RMSE | SROCC | PLCC | RMSE | mMAE | mMRA | triggered vs MOS |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for s in r.steps {
            let mark = s == r.chosen ? "**" : ""
            lines.append("| \(mark)\(s.phase)\(mark) | \(DefenceStep.format(s.strength)) | \(s.pruned.map(String.init) ?? "") | "
                         + String(format: "%.2f | %.3f | %.3f | %.2f | %.2f | %.3f | %.2f |", s.cleanSetRMSE, s.benign.srocc, s.benign.plcc,
                                  s.benign.rmse, s.attack.mmae, s.attack.mmra, s.triggeredErrorVsMOS))
        }
        lines += ["", "Per-α MAE and MRA (α = \(alphas.map { DefenceStep.format($0) }.joined(separator: ", "))) are in steps.csv.", ""]
        return lines.joined(separator: "\n")
    }
}
