import Backdoor
import Evaluation
import Foundation

/// `report.md` of an attack suite, laid out like the paper's Table 1 (benign ⓐ PLCC / ⓑ SROCC / ⓒ RMSE
/// and mMAE / mMRA per attack, P-BAIQA and C-BAIQA side by side) and Table 2 (PSNR at α = 1), with the
/// paper's LIVEC numbers for the same victim next to them.
public enum SuiteReport {
    /// Paper Table 1, LIVEC: model → attack → (P cell, C cell), each "PLCC/SROCC/RMSE; mMAE/mMRA".
    static let paperTable1: [String: [String: (String, String)]] = [
        "hyperiqa": ["w/o": ("0.911/0.897/9.47", "0.911/0.897/9.47"),
                     "blended": ("0.887/0.859/10.27; 18.88/0.11", "0.903/0.883/9.91; 22.47/−0.02"),
                     "wanet": ("0.877/0.855/10.59; 22.03/−0.00", "0.877/0.855/10.59; 22.03/−0.00"),
                     "ftrojan": ("0.912/0.878/9.64; 10.18/0.51", "0.905/0.883/9.40; 18.92/0.13"),
                     "baiqa": ("0.903/0.872/9.52; 8.72/0.63", "0.903/0.892/9.91; 10.65/0.60")],
        "dbcnn": ["w/o": ("0.878/0.869/10.48", "0.878/0.869/10.48"),
                  "blended": ("0.855/0.817/10.96; 18.44/0.13", "0.773/0.717/17.01; 22.18/−0.01"),
                  "wanet": ("0.828/0.798/11.71; 22.04/−0.00", "0.828/0.798/11.71; 22.04/−0.00"),
                  "ftrojan": ("0.866/0.848/10.90; 10.50/0.50", "0.771/0.723/17.15; 21.89/0.00"),
                  "baiqa": ("0.887/0.860/9.98; 9.45/0.56", "0.890/0.866/10.09; 12.37/0.45")],
        "tres": ["w/o": ("0.909/0.894/15.22", "0.909/0.894/15.22"),
                 "blended": ("0.878/0.845/17.60; 20.15/0.10", "0.897/0.872/17.61; 23.08/−0.04"),
                 "wanet": ("0.881/0.869/16.80; 22.00/0.00", "0.881/0.869/16.80; 22.00/0.00"),
                 "ftrojan": ("0.866/0.843/18.11; 10.33/0.66", "0.895/0.882/17.94; 19.60/0.10"),
                 "baiqa": ("0.877/0.855/17.31; 10.22/0.73", "0.895/0.871/16.15; 13.75/0.42")],
    ]
    /// Paper Table 2, LIVEC.
    static let paperPSNR = ["blended": "27.71", "wanet": "26.59", "ftrojan": "29.80", "baiqa": "30.06"]
    static let attackNames = ["baiqa": "BAIQA (ours)", "blended": "Blended", "wanet": "WaNet", "ftrojan": "FTrojan", "none": "zero trigger"]

    /// A victim in the reports' words: the label mode's attack name, then the trigger ("C-BAIQA / WaNet").
    static func victimName(label: String, attack: String) -> String {
        "\(label == "poison" ? "P" : "C")-BAIQA / \(attackNames[attack] ?? attack)"
    }

    public static func markdown(_ r: SuiteResults, runName: String) -> String {
        let c = r.config
        let f = { (v: Double, d: Int) in NumberFormat.fixed(v, decimals: d) }
        var out = "# BAIQA attack suite `\(runName)`\n\n"
        out += "Victim \(r.victimModel), `\(c.victim.preset)` recipe; dataset `\(c.dataset.kind)` at `\(c.dataset.root)`, "
        out += "\(Int((c.dataset.trainRatio * 100).rounded()))/\(100 - Int((c.dataset.trainRatio * 100).rounded())) split, seed \(c.seed); preset `\(c.preset)`.\n"
        out += "Poisoning: rate \(c.poison.rate), Δy = \(f(c.poison.deltaY, 0)); P-BAIQA α sampling `\(c.poison.alphaSampling.rawValue)`, labels y + αΔy; "
        out += "C-BAIQA α = (y − \(f(c.poison.targetMean, 0)))/Δy, labels kept, poisoned images PGD-refined.\n"
        if let t = r.trigger {
            out += "Trigger: \(t.source)"
            if let p = t.psnrSearchImages, let n = t.searchImages { out += " (UAP-DCT, ε = \(f(c.trigger.epsilon, 0))/255, \(c.trigger.epochs) epochs; PSNR \(f(p, 2)) dB on its \(n) search images)" }
            if let file = t.file { out += ", `\(file)`" }
            out += ".\n"
        }
        if let p = r.pgd {
            out += "PGD: \(p.images) images, ε = \(f(c.pgd.epsilon, 1))/255, \(c.pgd.steps) steps × \(c.pgd.views) views; mean |surrogate − \(f(c.pgd.target, 0))| \(f(p.meanDistanceBefore, 2)) → \(f(p.meanDistanceAfter, 2)).\n"
        } else if c.labels.contains(.clean) && !c.pgd.refine {
            out += "PGD: off (`pgd.refine: false`): the C-BAIQA images are not refined (Table 3's ablation ③).\n"
        }
        out += "\n## Table 1: benign quality and attack effect\n\n"
        out += "Cells: PLCC/SROCC/RMSE of the backdoored victim on clean test images; mMAE ↓ / mMRA ↑ of the α sweep (spec §9.2).\n\n"
        let labels = c.labels.map(\.rawValue)
        var headers = ["Attack"]
        for l in labels { headers.append(l == "poison" ? "P-BAIQA (this run)" : "C-BAIQA (this run)") }
        for l in labels { headers.append(l == "poison" ? "P-BAIQA (paper, LIVEC)" : "C-BAIQA (paper, LIVEC)") }
        var t1 = MarkdownTable(headers: headers)
        let paper = paperTable1[r.victimModel]
        let cleanCell = "\(f(r.clean.benign.plcc, 3))/\(f(r.clean.benign.srocc, 3))/\(f(r.clean.benign.rmse, 2))"
        t1.append(["w/o (clean model)"] + labels.map { _ in cleanCell } + labels.map { paperCell(paper?["w/o"], $0) })
        for attack in c.attacks.map(\.rawValue) {
            var row = [attackNames[attack] ?? attack]
            for l in labels {
                guard let run = r.runs.first(where: { $0.label == l && $0.attack == attack }) else { row.append("—"); continue }
                let b = run.benign, a = run.attackMetrics
                row.append("\(f(b.plcc, 3))/\(f(b.srocc, 3))/\(f(b.rmse, 2)); \(f(a.mmae, 2))/\(f(a.mmra, 2))")
            }
            for l in labels { row.append(paperCell(paper?[attack], l)) }
            t1.append(row)
        }
        out += t1.markdown + "\n"

        out += "## Table 2: PSNR (dB) of poisoned test images at α = 1\n\n"
        var t2 = MarkdownTable(headers: ["", "this run", "paper (LIVEC)"], alignments: [.left, .right, .right])
        for attack in c.attacks.map(\.rawValue) {
            let psnr = r.runs.first(where: { $0.attack == attack })?.attackMetrics.psnrAlpha1
            t2.append([attackNames[attack] ?? attack, psnr.map { f($0, 2) } ?? "—", paperPSNR[attack] ?? ""])
        }
        out += t2.markdown + "\n"

        if !r.cleanModelResponse.isEmpty {
            out += "## The clean model under each trigger\n\n"
            out += "What a trigger does to a model that was never poisoned. The zero trigger is the metric's sanity check: "
            out += "it must give mMAE ≈ Δy·mean|α| and mMRA ≈ 0 (differences come only from the sweep's fresh random crops).\n\n"
            var t3 = MarkdownTable(headers: ["trigger", "mMAE", "mMRA", "no-effect mMAE", "PSNR(α=1) dB"], alignments: [.left, .right, .right, .right, .right])
            for x in r.cleanModelResponse {
                t3.append([attackNames[x.attack] ?? x.attack, f(x.attackMetrics.mmae, 2), f(x.attackMetrics.mmra, 3), f(x.noEffectMMAE, 2),
                           x.attackMetrics.psnrAlpha1.isFinite ? f(x.attackMetrics.psnrAlpha1, 2) : "∞"])
            }
            out += t3.markdown + "\n"
        }

        if let defences = r.defences, !defences.isEmpty {
            out += "## Defences (spec §10, Fig. 3)\n\n"
            out += "Each victim before → after each defence, on its clean test images and under its own trigger. The defender holds "
            out += "a clean set drawn from images that were not poisoned; pruning rates and ANP thresholds are chosen on that set only "
            out += "(largest whose clean-set RMSE rises < \(f(c.defences.maxRmseRise * 100, 0)) %). The attack survives while mMAE stays low and mMRA high.\n\n"
            var t5 = MarkdownTable(headers: ["victim", "defence", "chosen", "SROCC", "RMSE", "mMAE", "mMRA", "step folder"],
                                   alignments: [.left, .left, .right, .right, .right, .right, .right, .left])
            for d in defences {
                let victim = victimName(label: d.label, attack: d.attack)
                let chosen = d.defence == "finetune" ? "\(Int(d.chosenStrength)) epochs" : d.defence == "fineprune" ? "rate \(f(d.chosenStrength, 2))" : "threshold \(f(d.chosenStrength, 2))"
                t5.append([victim, DefenceKind(rawValue: d.defence)?.title ?? d.defence, chosen,
                           "\(f(d.before.srocc, 3)) → \(f(d.after.srocc, 3))", "\(f(d.before.rmse, 2)) → \(f(d.after.rmse, 2))",
                           "\(f(d.before.mmae, 2)) → \(f(d.after.mmae, 2))", "\(f(d.before.mmra, 3)) → \(f(d.after.mmra, 3))", d.step])
            }
            out += t5.markdown + "\n"
            out += "Paper (Fig. 3): after the whole fine-tuning mMAE rises by only ≈ 2 for P- and C-BAIQA; at a 40 % pruning rate mMAE stays "
            out += "roughly stable while the benign RMSE degrades markedly. Each defence's steps.csv and figures are in its step folder's `defence/`.\n\n"
        }

        if let tests = r.jpegTestTime, !tests.isEmpty {
            out += "## JPEG robustness at test time\n\n"
            out += "Each victim's α sweep with every test image (triggered, and its clean reference) JPEG-encoded at the quality "
            out += "(\(c.robustness.subsampling == .s420 ? "4:2:0" : "4:4:4")) before scoring. mMRA per quality; in brackets the share of the "
            out += "trigger the channel leaves, ⟨J(x+t) − J(x), t⟩/⟨t, t⟩.\n\n"
            let qualities = tests[0].rows.compactMap { $0.recompression?.quality }
            var t6 = MarkdownTable(headers: ["victim", "no JPEG"] + qualities.map { "q\($0)" }, alignments: [.left] + Array(repeating: .right, count: qualities.count + 1))
            for run in tests {
                t6.append([victimName(label: run.label, attack: run.attack)] + run.rows.map { row in
                    f(row.attack.mmra, 3) + (row.recompression == nil ? "" : row.survival.map { " (\(f($0.retained, 2)))" } ?? "")
                })
            }
            out += t6.markdown + "\n"
        }
        if let releases = r.jpegRelease, !releases.isEmpty {
            out += "## JPEG robustness at release time\n\n"
            out += "Victims trained on the poisoned set with its poisoned images re-encoded as JPEG (the clean ones as they were), "
            out += "evaluated as usual; the first column repeats the lossless victim.\n\n"
            let qualities = Array(Set(releases.map(\.release.quality))).sorted(by: >)
            var t7 = MarkdownTable(headers: ["victim", "lossless"] + qualities.map { "q\($0) SROCC / mMRA" }, alignments: [.left] + Array(repeating: .right, count: qualities.count + 1))
            for run in r.runs {
                let row = qualities.map { q in
                    releases.first { $0.label == run.label && $0.attack == run.attack && $0.release.quality == q }
                        .map { "\(f($0.benign.srocc, 3)) / \(f($0.attackMetrics.mmra, 3))" } ?? ""
                }
                t7.append([victimName(label: run.label, attack: run.attack), "\(f(run.benign.srocc, 3)) / \(f(run.attackMetrics.mmra, 3))"] + row)
            }
            out += t7.markdown + "\n"
        }

        out += "## Runs\n\n"
        var t4 = MarkdownTable(headers: ["label", "attack", "step folder", "train s"], alignments: [.left, .left, .left, .right])
        t4.append(["—", "clean model", r.clean.step, ""])
        if r.surrogate.step != r.clean.step { t4.append(["—", "surrogate", r.surrogate.step, ""]) }
        for run in r.runs { t4.append([run.label, run.attack, run.step, f(run.trainSeconds, 0)]) }
        out += t4.markdown + "\n"
        out += "## Timings (seconds each part took when its steps were computed, by whichever process; data: this one's dataset load)\n\n"
        out += MarkdownTable.timings(r.timings, heading: "step").markdown + "\n"
        out += "\(ExperimentReport.computeSummary(r.environment)), config key `\(r.environment["config_key"] ?? "?")`.\n"
        return out
    }

    static func paperCell(_ cell: (String, String)?, _ label: String) -> String {
        guard let cell else { return "" }
        return label == "poison" ? cell.0 : cell.1
    }
}
