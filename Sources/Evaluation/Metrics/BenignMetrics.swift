// The benign (clean) IQA metrics of spec §9.1: PLCC, SROCC, KRCC and RMSE against ground-truth MOS.

/// Agreement of a model's predictions with the ground-truth MOS.
///
/// JSON keys: `plcc`, `srocc`, `krcc`, `rmse`, `n`, and `logistic_mapping` (the fitted β1…β4, present only
/// when PLCC/RMSE were computed after the 4-parameter logistic). An undefined correlation (constant
/// predictions) is NaN in memory and `null` in JSON.
public struct BenignMetrics: Codable, Sendable, Equatable {
    /// Pearson's r (after the logistic mapping when `logisticMapping` is set).
    public var plcc: Double
    /// Spearman's ρ (unaffected by any monotonic mapping).
    public var srocc: Double
    /// Kendall's τ-b.
    public var krcc: Double
    /// Root mean squared error (after the logistic mapping when `logisticMapping` is set).
    public var rmse: Double
    /// Number of images.
    public var n: Int
    /// The logistic fitted before PLCC/RMSE, or nil for raw predictions (the paper's protocol).
    public var logisticMapping: LogisticMapping?

    public init(plcc: Double, srocc: Double, krcc: Double, rmse: Double, n: Int,
                logisticMapping: LogisticMapping? = nil) {
        self.plcc = plcc
        self.srocc = srocc
        self.krcc = krcc
        self.rmse = rmse
        self.n = n
        self.logisticMapping = logisticMapping
    }

    /// Computes all metrics of `predictions` against `labels` (≥ 2 finite pairs; ≥ 4 when `mapped`).
    /// With `mapped: true`, one logistic is fitted and used for both PLCC and RMSE.
    public init(predictions: [Double], labels: [Double], mapped: Bool = false) throws {
        try Metrics.checkPaired(predictions, labels, minimum: mapped ? 4 : 2)
        let mapping = mapped ? try LogisticMapping.fit(predictions: predictions, labels: labels) : nil
        let scores = mapping?.apply(predictions) ?? predictions
        self.init(plcc: Metrics.pearson(scores, labels),
                  srocc: try Metrics.srocc(predictions, labels),
                  krcc: try Metrics.krcc(predictions, labels),
                  rmse: Metrics.rootMeanSquare(scores, labels),
                  n: predictions.count,
                  logisticMapping: mapping)
    }

    private enum CodingKeys: String, CodingKey {
        case plcc, srocc, krcc, rmse, n
        case logisticMapping = "logistic_mapping"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        plcc = try c.decodeNumber(forKey: .plcc)
        srocc = try c.decodeNumber(forKey: .srocc)
        krcc = try c.decodeNumber(forKey: .krcc)
        rmse = try c.decodeNumber(forKey: .rmse)
        n = try c.decode(Int.self, forKey: .n)
        logisticMapping = try c.decodeIfPresent(LogisticMapping.self, forKey: .logisticMapping)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeFiniteOrNull(plcc, forKey: .plcc)
        try c.encodeFiniteOrNull(srocc, forKey: .srocc)
        try c.encodeFiniteOrNull(krcc, forKey: .krcc)
        try c.encodeFiniteOrNull(rmse, forKey: .rmse)
        try c.encode(n, forKey: .n)
        try c.encodeIfPresent(logisticMapping, forKey: .logisticMapping)
    }
}
