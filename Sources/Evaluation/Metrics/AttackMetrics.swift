// The result of an α-sweep (`AlphaSweep.evaluate`), with stable JSON keys.

/// Per-α attack metrics and their means over α.
///
/// JSON keys: `alphas`, `delta_y`, `n`, `mae`, `mra`, `mmae`, `mmra`, `mean_shift`, `abs_ratio_error`,
/// `mean_abs_ratio_error`, and `shifted_labels` (only when labels were given). Per-α arrays follow
/// `alphas`. Non-finite values (e.g. an undefined correlation) are written as `null` and read back as NaN.
public struct AttackMetrics: Codable, Sendable, Equatable {
    /// The α values, in evaluation order.
    public var alphas: [Double]
    /// The target shift per unit α.
    public var deltaY: Double
    /// Number of images.
    public var n: Int
    /// MAE(α) = mean_i |Pα(i) − (P0(i) + Δy·α)|.
    public var mae: [Double]
    /// MRA(α) = mean_i (Pα(i) − P0(i)) / (Δy·α).
    public var mra: [Double]
    /// mean_i (Pα(i) − P0(i)), the achieved mean shift (target Δy·α).
    public var meanShift: [Double]
    /// mean_i |(Pα(i) − P0(i)) / (Δy·α) − 1|, the per-image relative shift error.
    public var absRatioError: [Double]
    /// Metrics of Pα against the shifted labels y + Δy·α; nil when no labels were given.
    public var shiftedLabels: ShiftedLabelMetrics?

    /// mMAE: the mean of `mae` over α.
    public var mmae: Double { Metrics.mean(mae) }
    /// mMRA: the mean of `mra` over α.
    public var mmra: Double { Metrics.mean(mra) }
    /// The mean of `absRatioError` over α.
    public var meanAbsRatioError: Double { Metrics.mean(absRatioError) }

    public init(alphas: [Double], deltaY: Double, n: Int, mae: [Double], mra: [Double],
                meanShift: [Double], absRatioError: [Double], shiftedLabels: ShiftedLabelMetrics? = nil) {
        self.alphas = alphas
        self.deltaY = deltaY
        self.n = n
        self.mae = mae
        self.mra = mra
        self.meanShift = meanShift
        self.absRatioError = absRatioError
        self.shiftedLabels = shiftedLabels
    }

    private enum CodingKeys: String, CodingKey {
        case alphas, n, mae, mra, mmae, mmra
        case deltaY = "delta_y"
        case meanShift = "mean_shift"
        case absRatioError = "abs_ratio_error"
        case meanAbsRatioError = "mean_abs_ratio_error"
        case shiftedLabels = "shifted_labels"
    }

    /// Reads the per-α arrays; the means (`mmae`, `mmra`, `mean_abs_ratio_error`) are recomputed from them.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        alphas = try c.decode([Double].self, forKey: .alphas)
        deltaY = try c.decode(Double.self, forKey: .deltaY)
        n = try c.decode(Int.self, forKey: .n)
        mae = try c.decodeNumbers(forKey: .mae)
        mra = try c.decodeNumbers(forKey: .mra)
        meanShift = try c.decodeNumbers(forKey: .meanShift)
        absRatioError = try c.decodeNumbers(forKey: .absRatioError)
        shiftedLabels = try c.decodeIfPresent(ShiftedLabelMetrics.self, forKey: .shiftedLabels)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(alphas, forKey: .alphas)
        try c.encode(deltaY, forKey: .deltaY)
        try c.encode(n, forKey: .n)
        try c.encodeFiniteOrNull(mae, forKey: .mae)
        try c.encodeFiniteOrNull(mra, forKey: .mra)
        try c.encodeFiniteOrNull(mmae, forKey: .mmae)
        try c.encodeFiniteOrNull(mmra, forKey: .mmra)
        try c.encodeFiniteOrNull(meanShift, forKey: .meanShift)
        try c.encodeFiniteOrNull(absRatioError, forKey: .absRatioError)
        try c.encodeFiniteOrNull(meanAbsRatioError, forKey: .meanAbsRatioError)
        try c.encodeIfPresent(shiftedLabels, forKey: .shiftedLabels)
    }
}

/// Per-α agreement of the triggered predictions Pα with the shifted labels y + Δy·α (printed by the
/// official code, not reported in the paper), and the means over α.
///
/// JSON keys: `mae`, `rmse`, `plcc`, `srocc` (per α), `mean_mae`, `mean_rmse`, `mean_plcc`, `mean_srocc`.
public struct ShiftedLabelMetrics: Codable, Sendable, Equatable {
    public var mae: [Double] = []
    public var rmse: [Double] = []
    public var plcc: [Double] = []
    public var srocc: [Double] = []

    public var meanMAE: Double { Metrics.mean(mae) }
    public var meanRMSE: Double { Metrics.mean(rmse) }
    public var meanPLCC: Double { Metrics.mean(plcc) }
    public var meanSROCC: Double { Metrics.mean(srocc) }

    public init(mae: [Double] = [], rmse: [Double] = [], plcc: [Double] = [], srocc: [Double] = []) {
        self.mae = mae
        self.rmse = rmse
        self.plcc = plcc
        self.srocc = srocc
    }

    /// Adds one α: `predictions` = Pα, `labels` = y + Δy·α.
    mutating func append(predictions: [Double], labels: [Double]) throws {
        mae.append(try Metrics.mae(predictions, labels))
        rmse.append(try Metrics.rmse(predictions, labels))
        plcc.append(try Metrics.plcc(predictions, labels))
        srocc.append(try Metrics.srocc(predictions, labels))
    }

    private enum CodingKeys: String, CodingKey {
        case mae, rmse, plcc, srocc
        case meanMAE = "mean_mae", meanRMSE = "mean_rmse", meanPLCC = "mean_plcc", meanSROCC = "mean_srocc"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mae = try c.decodeNumbers(forKey: .mae)
        rmse = try c.decodeNumbers(forKey: .rmse)
        plcc = try c.decodeNumbers(forKey: .plcc)
        srocc = try c.decodeNumbers(forKey: .srocc)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeFiniteOrNull(mae, forKey: .mae)
        try c.encodeFiniteOrNull(rmse, forKey: .rmse)
        try c.encodeFiniteOrNull(plcc, forKey: .plcc)
        try c.encodeFiniteOrNull(srocc, forKey: .srocc)
        try c.encodeFiniteOrNull(meanMAE, forKey: .meanMAE)
        try c.encodeFiniteOrNull(meanRMSE, forKey: .meanRMSE)
        try c.encodeFiniteOrNull(meanPLCC, forKey: .meanPLCC)
        try c.encodeFiniteOrNull(meanSROCC, forKey: .meanSROCC)
    }
}
