import Evaluation
import Foundation

/// report.md of an experiment run: what was run, then the numbers as tables (benign quality, attack
/// summary, the α-response, PSNR, timings), with the paper's reference values beside ours.
public enum ExperimentReport {
    public static func markdown(_ r: ExperimentResults, runName: String) -> String {
        let c = r.config
        let f = { (v: Double, d: Int) in NumberFormat.fixed(v, decimals: d) }
        var out = "# BAIQA experiment `\(runName)`\n\n"
        out += ((c.attack.labelMode ?? .poison) == .poison ? "P-BAIQA (poison-label)" : "C-BAIQA (clean-label)") + " against \(c.recipe.model.kind.displayName) (\(c.recipe.model.backboneName) backbone, `\(c.recipe.name)` recipe), "
        out += "dataset `\(c.dataset.kind)` at `\(c.dataset.root)`, \(Int(c.trainRatio * 100))/\(100 - Int(c.trainRatio * 100)) split, seed \(c.seed).\n\n"
        let b = c.attack.baselines
        let trigger: String
        switch c.attack.kind {
        case .baiqa: trigger = c.attack.triggerFile.map { "`\($0)`" } ?? "a seeded random DCT trigger (\(f(c.attack.randomTriggerPSNR, 1)) dB design PSNR)"
        case .blended: trigger = "Blended baseline (blend ratio \(b.blendRatio) at α = 1)"
        case .wanet: trigger = "WaNet baseline (k = \(b.wanetGrid), \(b.wanetStrength) px at α = 1)"
        case .ftrojan: trigger = "FTrojan baseline (constant \(b.ftrojanMagnitude) at the DCT positions, \(b.ftrojanChannels.rawValue) channels)"
        }
        out += "- Trigger: \(trigger), \(c.attack.positions.rawValue) DCT positions, grid phase `\(c.recipe.triggerPhase.rawValue)`"
        out += c.recipe.triggerPhase == .crop ? " (anchored at each crop's origin, as in the official trigger search; the official victim training uses `full-image`).\n" : " (injected on the full image before cropping, as the official victim training).\n"
        if (c.attack.labelMode ?? .poison) == .poison {
            out += "- Poisoning: rate \(c.attack.rate), Δy = \(f(c.attack.deltaY, 0)), α sampling `\(c.attack.alphaSampling.rawValue)`; labels shifted by α·Δy.\n"
        } else {
            out += "- Poisoning: rate \(c.attack.rate), Δy = \(f(c.attack.deltaY, 0)), α = (y − \(f(c.attack.targetMean ?? 50, 0)))/Δy; labels kept; poisoned images PGD-refined"
            out += c.attack.pgdFingerprint.map { " (perturbations `\($0)`).\n" } ?? " (no perturbations given).\n"
        }
        out += "- Training: \(c.recipe.epochs) epochs, batch \(c.recipe.batchSize), \(c.recipe.patchesPerImage) crops of \(c.recipe.cropSize)² per image per epoch; "
        out += "test score = mean of \(c.recipe.testPatches) seeded crops\(c.recipe.flipAtTest ? " (random flips)" : "").\n\n"

        out += "## Benign quality (test split)\n\n"
        out += MarkdownTable.benign([("backdoored victim", r.benign)]).markdown + "\n"
        let poisonLabel = (c.attack.labelMode ?? .poison) == .poison
        out += poisonLabel
            ? "Paper (Table 1, P-BAIQA on LIVEC, ImageNet-pretrained backbones): HyperIQA 0.903/0.872/9.52, DBCNN 0.887/0.860/9.98, TReS 0.877/0.855/17.31 (PLCC/SROCC/RMSE).\n\n"
            : "Paper (Table 1, C-BAIQA on LIVEC, ImageNet-pretrained backbones): HyperIQA 0.903/0.892/9.91, DBCNN 0.890/0.866/10.09, TReS 0.895/0.871/16.15 (PLCC/SROCC/RMSE).\n\n"

        out += "## Attack summary\n\n"
        var summary = MarkdownTable(headers: ["", "mMAE ↓", "mMRA ↑", "PSNR(α=1) dB ↑"], alignments: [.left, .right, .right, .right])
        summary.append(["this run", f(r.attack.metrics.mmae, 2), f(r.attack.metrics.mmra, 3), f(r.attack.psnrAlpha1, 2)])
        let paper = poisonLabel
            ? ["hyperiqa": ("8.72", "0.63"), "dbcnn": ("9.45", "0.56"), "tres": ("10.22", "0.73")][c.recipe.model.kind.rawValue]!
            : ["hyperiqa": ("10.65", "0.60"), "dbcnn": ("12.37", "0.45"), "tres": ("13.75", "0.42")][c.recipe.model.kind.rawValue]!
        summary.append(["paper, \(poisonLabel ? "P" : "C")-BAIQA LIVEC \(c.recipe.model.kind.displayName)", paper.0, paper.1, "30.06"])
        summary.append(["no-effect reference", f(c.attack.deltaY * meanAbs(r.attack.metrics.alphas), 2), "0.000", ""])
        out += summary.markdown + "\n"
        out += "mMAE: mean over α of |P_α − (P_0 + α·Δy)|; mMRA: mean over α of mean(P_α − P_0)/(α·Δy) (spec §9.2). "
        out += "PSNR: of the mean MSE over \(r.attack.psnr.count) full test images (mean of per-image PSNRs: \(f(r.attack.psnr.meanPSNR, 2)) dB).\n\n"

        out += "## α-response\n\n"
        out += MarkdownTable.alphaSweep(r.attack.metrics).markdown + "\n"

        out += "## Timings\n\n"
        out += MarkdownTable.timings(r.timings).markdown + "\n"
        out += "\(ExperimentReport.computeSummary(r.environment)), config fingerprint `\(c.fingerprint)`.\n"
        return out
    }

    static func meanAbs(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.map(abs).reduce(0, +) / Double(xs.count) }

    /// "libtorch 2.13.0, 2 threads, on cuda:0 (NVIDIA H100) (deterministic)" from a results environment.
    static func computeSummary(_ e: [String: String]) -> String {
        let device = e["device_name"].map { "\(e["device"] ?? "?") (\($0))" } ?? e["device"] ?? "cpu"
        return "libtorch \(e["libtorch"] ?? "?"), \(e["threads"] ?? "?") threads, on \(device)" + (e["deterministic"] == "true" ? " (deterministic)" : "")
    }
}
