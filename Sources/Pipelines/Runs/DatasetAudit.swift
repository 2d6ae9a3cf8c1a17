import Backdoor
import Evaluation
import Foundation
import IQAData
import IQAModels

/// `baiqa audit`: which images of an IQA dataset carry a DCT-domain trigger, with no model. Ranks every
/// image by `TriggerAuditScores` (and by the high-frequency-energy baseline), and given the list of the
/// images known to be poisoned, measures ROC-AUC and TPR at 5 % FPR overall and per |α| bin. Given the
/// model trained on the dataset, it adds the model-based score (`SpectralSignature`).
public struct DatasetAudit {
    public var dataset: DatasetSpec
    public var topFraction = 0.1
    /// A run folder of the victim trained on this dataset (nil: model-free scores only).
    public var victim: URL?
    /// Seeds the victim's crops for the model-based score.
    public var seed: UInt64 = 0

    public init(dataset: DatasetSpec) { self.dataset = dataset }

    public struct Entry: Codable, Sendable {
        public var image: String
        public var score: Double
        public var baselineScore: Double
        public var blocks: Int
        /// The spectral-signature score on the victim's features (nil without a victim).
        public var modelScore: Double?
    }

    /// Every image of the dataset, most suspicious first (ties: by name).
    public func run(monitor: RunMonitor) throws -> [Entry] {
        try dataset.prepare(monitor: monitor)
        let samples = try dataset.source().load()
        let statistics = try LoadedDataset.parallelMap(samples, progress: { d, t in monitor.progress(stage: "audit", done: d, total: t, detail: "") }) { s in
            do { return try BlockDCTConsistency(image: ImageIO.read(s.url)) } catch let e as BackdoorError { throw RunError("\(s.url.path): \(e)") }
        }
        let scored = try TriggerAuditScores(statistics, topFraction: topFraction)
        let modelScores = try victim.map { try modelBasedScores(victim: $0, monitor: monitor) }
        return samples.indices.map { i in
            Entry(image: samples[i].name, score: scored.scores[i], baselineScore: scored.baseline[i], blocks: statistics[i].blocks,
                  modelScore: modelScores?[i])
        }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.image < $1.image }
    }

    /// Spectral-signature scores of every image of the dataset (in the dataset's order) on the victim's
    /// last-stage features, with its own crop size and crop count. A victim whose recipe anchors the
    /// trigger at the crop origin sees crops on the full image's trigger grid, where a baked-in trigger
    /// has the phase it learnt.
    func modelBasedScores(victim: URL, monitor: RunMonitor) throws -> [Double] {
        let manifest = try RunManifest.read(from: victim)
        let model = try manifest.loadModel(folder: victim)
        let loaded = try LoadedDataset.open(dataset, monitor: monitor)
        let recipe = manifest.recipe
        let renderer: PatchRenderer
        do { renderer = try PatchRenderer(source: loaded.source, crop: recipe.cropSize) } catch { throw RunError("\(victim.path): \(error)") }
        let predictor = Predictor(model: model, renderer: renderer, patches: recipe.testPatches, flip: false,
                                  onTriggerGrid: recipe.triggerPhase == .crop || recipe.cropsOnTriggerGrid == true)
        monitor.log("model-based score: \(manifest.recipe.model.kind.displayName) features of \(victim.lastPathComponent), \(recipe.testPatches) crops per image")
        let features = try SpectralSignature.features(predictor: predictor, images: Array(loaded.samples.indices), seed: seed)
        return try SpectralSignature.scores(features: features, labels: loaded.scores)
    }

    /// The images known to be poisoned, with their α where the file gives it: `baiqa poison`'s
    /// manifest.json (`poisoned: [{image, alpha}]`), `{"poisoned": [names]}` or a plain list of names.
    public static func readPoisonedList(_ url: URL) throws -> [String: Double?] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw RunError("\(url.path): cannot read the poisoned list") }
        guard let json = try? JSONSerialization.jsonObject(with: data) else { throw RunError("\(url.path): not JSON") }
        let items: [Any]
        if let list = json as? [Any] { items = list } else if let object = json as? [String: Any], let list = object["poisoned"] as? [Any] { items = list } else {
            throw RunError("\(url.path): expected a list of image names or an object with a 'poisoned' list")
        }
        var out: [String: Double?] = [:]
        for (k, item) in items.enumerated() {
            if let name = item as? String { out[name] = .some(nil); continue }
            guard let entry = item as? [String: Any], let name = entry["image"] as? String else {
                throw RunError("\(url.path): poisoned[\(k)] is neither a name nor an object with 'image'")
            }
            out[name] = entry["alpha"] as? Double
        }
        guard !out.isEmpty else { throw RunError("\(url.path): the poisoned list is empty") }
        return out
    }

    /// One evaluation row: the poisoned images of an |α| range against all clean images.
    public struct EvaluationRow: Codable, Sendable {
        public var subset: String
        public var audit: DetectionMetrics
        public var baseline: DetectionMetrics
        public var model: DetectionMetrics?
    }

    /// All poisoned images, then (when the list gives α) |α| ≥ 0.5 and the bins (0, 0.25], (0.25, 0.5],
    /// (0.5, 0.75], (0.75, 1], above 1. Empty bins are left out. Every listed name must be in the audit.
    public static func evaluate(_ entries: [Entry], poisoned: [String: Double?], source: String) throws -> [EvaluationRow] {
        let names = Set(entries.map(\.image))
        if let missing = poisoned.keys.sorted().first(where: { !names.contains($0) }) {
            throw RunError("\(source): '\(missing)' is not an image of the audited dataset")
        }
        let clean = entries.filter { poisoned[$0.image] == nil }
        var subsets: [(String, (Double?) -> Bool)] = [("all poisoned", { _ in true })]
        if poisoned.values.contains(where: { $0 != nil }) {
            subsets.append(("|α| ≥ 0.5", { ($0.map(abs) ?? -1) >= 0.5 }))
            for (lo, hi) in [(0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.0), (1.0, Double.infinity)] {
                let label = hi.isFinite ? "|α| in (\(lo), \(hi)]" : "|α| > \(lo)"
                subsets.append((label, { a in a.map { abs($0) > lo && abs($0) <= hi } ?? false }))
            }
        }
        return try subsets.compactMap { label, member in
            let positives = entries.filter { e in poisoned[e.image].map { member($0) } ?? false }
            guard !positives.isEmpty else { return nil }
            return EvaluationRow(subset: "\(label) (n = \(positives.count))",
                                 audit: try DetectionMetrics(positive: positives.map(\.score), negative: clean.map(\.score)),
                                 baseline: try DetectionMetrics(positive: positives.map(\.baselineScore), negative: clean.map(\.baselineScore)),
                                 model: try entries.first?.modelScore.map { _ in
                                     try DetectionMetrics(positive: positives.map { $0.modelScore! }, negative: clean.map { $0.modelScore! })
                                 })
        }
    }

    /// rank,image,score,baseline_score,blocks[,model_score][,poisoned,alpha] — one line per image, most suspicious first.
    public static func csv(_ entries: [Entry], poisoned: [String: Double?]?) -> String {
        let withModel = entries.first?.modelScore != nil
        var lines = ["rank,image,score,baseline_score,blocks" + (withModel ? ",model_score" : "") + (poisoned == nil ? "" : ",poisoned,alpha")]
        for (k, e) in entries.enumerated() {
            var cells = [String(k + 1), CSV.escape(e.image), String(format: "%.6g", e.score), String(format: "%.6g", e.baselineScore), String(e.blocks)]
            if withModel { cells.append(String(format: "%.6g", e.modelScore ?? .nan)) }
            if let poisoned {
                let flagged = poisoned[e.image] != nil
                cells += [flagged ? "1" : "0", flagged ? (poisoned[e.image]!.map { String(format: "%.4f", $0) } ?? "") : ""]
            }
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
