/// How well a suspicion score separates poisoned from clean images: ROC-AUC (the probability that a
/// poisoned image scores above a clean one, ties counting half: the Mann–Whitney statistic) and the
/// true-positive rate at the threshold where at most `fpr` of the clean images are flagged.
public struct DetectionMetrics: Codable, Sendable, Equatable {
    public var positives: Int
    public var negatives: Int
    public var auc: Double
    /// The false-positive rate the TPR is read at (0.05 by default).
    public var fpr: Double
    public var tpr: Double

    /// `scores` of the positive (poisoned) and negative (clean) images; both must be non-empty and finite.
    public init(positive: [Double], negative: [Double], fpr: Double = 0.05) throws {
        guard !positive.isEmpty, !negative.isEmpty else {
            throw MetricError.invalidArgument("detection metrics need poisoned and clean images (got \(positive.count) and \(negative.count))")
        }
        guard (positive + negative).allSatisfy(\.isFinite) else { throw MetricError.invalidArgument("detection scores must be finite") }
        guard fpr >= 0, fpr < 1 else { throw MetricError.invalidArgument("false-positive rate must be in [0, 1), got \(fpr)") }
        positives = positive.count
        negatives = negative.count
        self.fpr = fpr
        // AUC by average ranks (ties get the mean of their ranks).
        let all = (positive.map { ($0, true) } + negative.map { ($0, false) }).sorted { $0.0 < $1.0 }
        var rankSum = 0.0, i = 0
        while i < all.count {
            var j = i
            while j + 1 < all.count, all[j + 1].0 == all[i].0 { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j where all[k].1 { rankSum += rank }
            i = j + 1
        }
        let np = Double(positive.count), nn = Double(negative.count)
        auc = (rankSum - np * (np + 1) / 2) / (np * nn)
        // Flag scores strictly above τ, the lowest clean score that leaves at most fpr·N clean images above it.
        let clean = negative.sorted(by: >)
        let allowed = Int((fpr * nn).rounded(.down))
        let tau = clean[min(allowed, clean.count - 1)]
        tpr = Double(positive.filter { $0 > tau }.count) / np
    }
}
