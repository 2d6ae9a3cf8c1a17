import ArgumentParser
import Evaluation
import Foundation
import IQAData
import Pipelines

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Rank a dataset's images by how likely they carry a DCT-domain trigger (no model needed).",
        discussion: """
        A BAIQA (or FTrojan) trigger adds the same pattern to every 16×16 block of the image's YCbCr \
        channels, so at its coefficients a poisoned image's blocks agree. For each channel and coefficient \
        of the 16×16 block DCT (blocks on the official injection grid) the audit takes the t statistic of \
        the coefficient over the image's blocks, normalises it against the whole dataset (median and MAD \
        per coefficient) and scores each image by the mean of its largest --top-fraction of squared z. A \
        baseline score (log high-frequency energy, normalised the same way) comes with it. Writes a CSV \
        (rank, image, score, baseline_score, blocks), most suspicious first. --against-list (baiqa poison's \
        manifest.json, or a JSON list of image names) adds ROC-AUC and TPR at 5 % FPR, overall and per |α| bin. \
        --run VICTIM adds a model-based score for a defender who holds the model trained on the dataset: \
        spectral signatures adapted to regression (the victim's last-stage features, residualised on the \
        label, projected on their top singular vector).
        """)

    @OptionGroup(title: "Dataset") var data: DatasetSourceOptions
    @Option(help: "Ranked CSV output (default: audit.csv).") var out: String = "audit.csv"
    @Option(help: "The images known to be poisoned, to evaluate the ranking: baiqa poison's manifest.json or a JSON list of names.")
    var againstList: String?
    @Option(help: "Share of the 765 AC coefficients whose z² make an image's score.") var topFraction: Double = 0.1
    @Option(name: .customLong("run"), help: "Run folder of the model trained on this dataset: adds the model-based (spectral-signature) score.")
    var victim: String?
    @Option(help: "Print this many top-ranked images.") var show: Int = 10
    @OptionGroup var output: JSONOutputOption
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var compute: DeviceOptions

    struct Output: Encodable {
        var images: Int
        var csv: String
        var top: [DatasetAudit.Entry]
        var evaluation: [DatasetAudit.EvaluationRow]?
    }

    func run() throws {
        let seed = runtime.apply()
        try compute.apply()
        guard topFraction > 0, topFraction <= 1 else { throw ValidationError("--top-fraction must be in (0, 1], got \(topFraction)") }
        guard show >= 0 else { throw ValidationError("--show must be ≥ 0") }
        try OutputPaths.requireFolder(of: out)
        // Read the list first: a bad list fails before minutes of auditing.
        let poisoned = try againstList.map { try DatasetAudit.readPoisonedList(URL(fileURLWithPath: $0)) }
        let spec = try data.resolved()
        if let poisoned, let list = againstList {
            // Every listed name must be an image of the dataset: checked on the sample list, before the audit.
            try spec.prepare(monitor: SilentMonitor())
            let names = Set(try spec.source().load().map(\.name))
            if let missing = poisoned.keys.sorted().first(where: { !names.contains($0) }) {
                throw ValidationError("\(list): '\(missing)' is not an image of the audited dataset")
            }
        }
        var audit = DatasetAudit(dataset: spec)
        audit.topFraction = topFraction
        audit.victim = victim.map { URL(fileURLWithPath: $0) }
        audit.seed = seed
        let entries = try audit.run(monitor: output.json ? SilentMonitor() : ConsoleMonitor())
        let evaluation = try poisoned.map { try DatasetAudit.evaluate(entries, poisoned: $0, source: againstList!) }
        try Data(DatasetAudit.csv(entries, poisoned: poisoned).utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        let top = Array(entries.prefix(show))
        if output.json {
            return print(try JSONFiles.string(Output(images: entries.count, csv: out, top: top, evaluation: evaluation), keys: .snakeCase))
        }
        let withModel = entries.first?.modelScore != nil
        var table = MarkdownTable(headers: ["rank", "image", "score", "baseline"] + (withModel ? ["model"] : []), alignments: [.right, .left, .right, .right, .right])
        for (k, e) in top.enumerated() {
            table.append([String(k + 1), e.image, NumberFormat.fixed(e.score, decimals: 2), NumberFormat.fixed(e.baselineScore, decimals: 2)]
                         + (withModel ? [NumberFormat.fixed(e.modelScore, decimals: 3, missing: "")] : []))
        }
        print("\(entries.count) images audited → \(out)\n")
        if !top.isEmpty { print(table.markdown) }
        if let evaluation {
            var t = MarkdownTable(headers: ["poisoned images", "audit AUC", "audit TPR@5%FPR", "baseline AUC", "baseline TPR@5%FPR"]
                                  + (withModel ? ["model AUC", "model TPR@5%FPR"] : []),
                                  alignments: [.left] + Array(repeating: .right, count: withModel ? 6 : 4))
            for r in evaluation {
                t.append([r.subset, NumberFormat.fixed(r.audit.auc, decimals: 3), NumberFormat.fixed(r.audit.tpr, decimals: 3),
                          NumberFormat.fixed(r.baseline.auc, decimals: 3), NumberFormat.fixed(r.baseline.tpr, decimals: 3)]
                         + (r.model.map { [NumberFormat.fixed($0.auc, decimals: 3), NumberFormat.fixed($0.tpr, decimals: 3)] } ?? []))
            }
            print(t.markdown, terminator: "")
        }
    }
}
