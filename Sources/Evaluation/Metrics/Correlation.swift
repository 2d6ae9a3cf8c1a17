// Pearson (PLCC) and Spearman (SROCC) correlation, matching scipy.stats.pearsonr / spearmanr.

extension Metrics {
    /// Pearson's linear correlation coefficient r between `predictions` and `labels`.
    ///
    /// With `mapped: true`, the predictions first go through a 4-parameter logistic fitted to the labels
    /// (`LogisticMapping.fit`), as pyiqa and VQEG do; the BAIQA paper reports the raw value (`mapped: false`).
    /// A constant input gives NaN (scipy warns and returns NaN too). Throws `MetricError` for fewer than
    /// 2 values (4 when mapped), mismatched lengths or non-finite values.
    public static func plcc(_ predictions: [Double], _ labels: [Double], mapped: Bool = false) throws -> Double {
        try checkPaired(predictions, labels)
        guard mapped else { return pearson(predictions, labels) }
        let mapping = try LogisticMapping.fit(predictions: predictions, labels: labels)
        return pearson(mapping.apply(predictions), labels)
    }

    /// Spearman's rank correlation ρ: Pearson's r of the average ranks (ties share their mean rank),
    /// exactly scipy.stats.spearmanr. A constant input gives NaN.
    public static func srocc(_ predictions: [Double], _ labels: [Double]) throws -> Double {
        try checkPaired(predictions, labels)
        return pearson(averageRanks(predictions), averageRanks(labels))
    }

    /// Pearson's r of two checked vectors of equal length ≥ 2; NaN when either is constant.
    /// Centred sums, clipped to [-1, 1] like scipy.
    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        // scipy tests constancy on the values themselves: the mean of a constant vector need not
        // reproduce the constant exactly, so centring alone would leave rounding noise.
        guard let x0 = x.first, let y0 = y.first,
              x.contains(where: { $0 != x0 }), y.contains(where: { $0 != y0 }) else { return .nan }
        let mx = mean(x), my = mean(y)
        var sxx = 0.0, syy = 0.0, sxy = 0.0
        for i in x.indices {
            let dx = x[i] - mx, dy = y[i] - my
            sxx += dx * dx
            syy += dy * dy
            sxy += dx * dy
        }
        let r = sxy / (sxx.squareRoot() * syy.squareRoot())
        return min(1, max(-1, r))
    }
}
