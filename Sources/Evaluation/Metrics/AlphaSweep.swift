// The α-sweep of spec §9.2: how well the trigger at strength α moves every prediction by Δy·α.

/// The attack evaluation of BAIQA: for each α, every test image is scored with the trigger at α, and the
/// triggered predictions Pα(i) are compared with the image's own clean prediction P0(i) (the α = 0 pass):
///
/// - MAE(α) = mean_i |Pα(i) − (P0(i) + Δy·α)|  — against the clean prediction, not against y + Δy·α;
/// - MRA(α) = mean_i (Pα(i) − P0(i)) / (Δy·α)  — the mean shift over the target shift;
/// - mMAE, mMRA = the means of MAE(α), MRA(α) over the α values.
///
/// An attack without effect (Pα = P0) gives MRA = 0 and mMAE = Δy·mean|α| (22.0 for the paper's α list);
/// a perfect attack gives MAE = 0 and MRA = 1.
public struct AlphaSweep: Sendable, Equatable {
    /// The 20 non-zero α of the official code, in its order: 1.0, 0.9, …, 0.1, −0.1, …, −1.0.
    /// The code computes α = 0.25·s from the scales s = 4.0, 3.6, …; here each α is the exact decimal
    /// k/10 (the nearest Double), so labels and JSON show 0.3, not 0.30000000000000004.
    public static let paperAlphas: [Double] =
        (1...10).reversed().map { Double($0) / 10 } + (1...10).map { -Double($0) / 10 }

    /// The official code's 21 trigger scales s = [0, 4.0, 3.6, …, 0.4, −0.4, …, −4.0] (α = s/4, the first
    /// entry being the clean pass), as exact decimals.
    public static let paperScales: [Double] = [0] + paperAlphas.map { ($0 * 40).rounded() / 10 }

    /// The paper's target shift per unit α: Δy = 40 MOS points (Δ(α) = 40α).
    public static let paperDeltaY = 40.0

    /// The α values evaluated (non-zero, finite).
    public var alphas: [Double]
    /// The target shift per unit α (Δy > 0).
    public var deltaY: Double

    public init(alphas: [Double] = AlphaSweep.paperAlphas, deltaY: Double = AlphaSweep.paperDeltaY) {
        self.alphas = alphas
        self.deltaY = deltaY
    }

    /// Evaluates one sweep.
    /// - Parameters:
    ///   - clean: P0(i), the per-image predictions of the α = 0 pass (≥ 1 image).
    ///   - triggered: Pα(i) for each α, in the order of `alphas` (`triggered[k][i]` is image i at `alphas[k]`).
    ///   - labels: the ground-truth MOS y(i); when given, the result also holds `shiftedLabels`
    ///     (metrics against y + Δy·α; the correlations need ≥ 2 images).
    /// - Throws: `MetricError` for an empty or zero α, Δy ≤ 0, mismatched lengths or non-finite values.
    public func evaluate(clean: [Double], triggered: [[Double]], labels: [Double]? = nil) throws -> AttackMetrics {
        try validate(clean: clean, triggered: triggered, labels: labels)
        let n = Double(clean.count)
        var mae: [Double] = [], mra: [Double] = [], meanShift: [Double] = [], ratioError: [Double] = []
        var shifted = ShiftedLabelMetrics()
        for (alpha, predictions) in zip(alphas, triggered) {
            let target = deltaY * alpha
            var absError = 0.0, shift = 0.0, absRatio = 0.0
            for i in clean.indices {
                let d = predictions[i] - clean[i]
                absError += abs(d - target)
                shift += d
                absRatio += abs(d / target - 1)
            }
            mae.append(absError / n)
            meanShift.append(shift / n)
            mra.append(shift / n / target)
            ratioError.append(absRatio / n)
            if let labels {
                try shifted.append(predictions: predictions, labels: labels.map { $0 + target })
            }
        }
        return AttackMetrics(alphas: alphas, deltaY: deltaY, n: clean.count, mae: mae, mra: mra,
                             meanShift: meanShift, absRatioError: ratioError,
                             shiftedLabels: labels == nil ? nil : shifted)
    }

    private func validate(clean: [Double], triggered: [[Double]], labels: [Double]?) throws {
        guard !alphas.isEmpty else { throw MetricError.invalidArgument("the α list is empty") }
        if let bad = alphas.first(where: { $0 == 0 || !$0.isFinite }) {
            throw MetricError.invalidArgument("α must be finite and non-zero (MRA divides by Δy·α), got \(bad)")
        }
        guard deltaY > 0, deltaY.isFinite else {
            throw MetricError.invalidArgument("Δy must be finite and positive, got \(deltaY)")
        }
        guard triggered.count == alphas.count else {
            throw MetricError.lengthMismatch(what: "triggered prediction sets (one per α)",
                                             expected: alphas.count, actual: triggered.count)
        }
        try Metrics.checkVector(clean, "clean predictions", minimum: 1)
        for (alpha, predictions) in zip(alphas, triggered) {
            try Metrics.checkPaired(clean, predictions, minimum: 1,
                                    names: ("clean predictions", "triggered predictions at α = \(alpha)"))
        }
        if let labels {
            try Metrics.checkPaired(clean, labels, minimum: 1, names: ("clean predictions", "labels"))
        }
    }
}
