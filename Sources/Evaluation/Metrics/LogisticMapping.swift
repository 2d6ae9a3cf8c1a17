import Foundation

/// The 4-parameter logistic used by VQEG and pyiqa to map objective scores onto the MOS scale before
/// PLCC/RMSE:  f(x) = (β1 − β2) / (1 + exp(−(x − β3) / |β4|)) + β2.
///
/// `fit` minimises Σ (f(xᵢ) − yᵢ)² with Levenberg–Marquardt (Marquardt's diagonal scaling, Nielsen's
/// damping update) from the standard start β = [max(y), min(y), mean(x), std(x)/4] (std with ddof 0;
/// 1 when x is constant), the same start pyiqa passes to scipy.optimize.curve_fit.
public struct LogisticMapping: Codable, Sendable, Equatable {
    /// Upper asymptote (for β4 > 0, as x → +∞).
    public var beta1: Double
    /// Lower asymptote.
    public var beta2: Double
    /// Midpoint (the x where f is halfway between the asymptotes).
    public var beta3: Double
    /// Scale; only |β4| matters.
    public var beta4: Double

    public init(beta1: Double, beta2: Double, beta3: Double, beta4: Double) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.beta3 = beta3
        self.beta4 = beta4
    }

    /// The parameters as [β1, β2, β3, β4].
    public var betas: [Double] { [beta1, beta2, beta3, beta4] }

    /// f(x).
    public func callAsFunction(_ x: Double) -> Double {
        (beta1 - beta2) * Self.sigmoid((x - beta3) / abs(beta4)) + beta2
    }

    /// f applied to every value.
    public func apply(_ xs: [Double]) -> [Double] { xs.map { self($0) } }

    /// The standard starting point [max(y), min(y), mean(x), std(x)/4] (std(x) = 0 → β4 = 1).
    public static func initialGuess(predictions x: [Double], labels y: [Double]) -> LogisticMapping {
        let mx = Metrics.mean(x)
        let std = (x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) } / Double(x.count)).squareRoot()
        return LogisticMapping(beta1: y.max() ?? 0, beta2: y.min() ?? 0, beta3: mx,
                               beta4: std > 0 ? std / 4 : 1)
    }

    /// Least-squares fit of f(predictions) ≈ labels. Needs ≥ 4 finite pairs (as curve_fit, one per
    /// parameter); throws `MetricError.fitFailed` if the parameters end non-finite.
    public static func fit(predictions x: [Double], labels y: [Double], initial: LogisticMapping? = nil,
                           maxIterations: Int = 1000) throws -> LogisticMapping {
        try Metrics.checkPaired(x, y, minimum: 4)
        var solver = LevenbergMarquardt(x: x, y: y)
        let start = initial ?? initialGuess(predictions: x, labels: y)
        let beta = solver.minimise(from: start.betas, maxIterations: maxIterations)
        guard beta.allSatisfy(\.isFinite), beta[3] != 0 else {
            throw MetricError.fitFailed("non-finite parameters \(beta)")
        }
        return LogisticMapping(beta1: beta[0], beta2: beta[1], beta3: beta[2], beta4: beta[3])
    }

    /// 1 / (1 + exp(−u)), exact at the tails (exp overflow gives 0, not NaN).
    static func sigmoid(_ u: Double) -> Double { 1 / (1 + exp(-u)) }
}

/// Levenberg–Marquardt for the 4-parameter logistic, with the analytic Jacobian.
private struct LevenbergMarquardt {
    let x: [Double]
    let y: [Double]
    /// Relative tolerances on the cost decrease and on the step.
    let costTolerance = 1e-14
    let stepTolerance = 1e-12

    /// Σ residual², residual = y − f(x).
    func cost(_ b: [Double]) -> Double {
        let f = LogisticMapping(beta1: b[0], beta2: b[1], beta3: b[2], beta4: b[3])
        var sum = 0.0
        for i in x.indices {
            let r = y[i] - f(x[i])
            sum += r * r
        }
        return sum
    }

    /// JᵀJ (row-major 4×4) and Jᵀr, with J = ∂f/∂β and r = y − f.
    func normalEquations(_ b: [Double]) -> (a: [Double], g: [Double]) {
        var a = [Double](repeating: 0, count: 16), g = [Double](repeating: 0, count: 4)
        let scale = abs(b[3]), sign: Double = b[3] < 0 ? -1 : 1
        for i in x.indices {
            let u = (x[i] - b[2]) / scale
            let s = LogisticMapping.sigmoid(u)
            let f = (b[0] - b[1]) * s + b[1]
            let slope = (b[0] - b[1]) * s * (1 - s)
            let j = [s, 1 - s, -slope / scale, -slope * u / scale * sign]
            let r = y[i] - f
            for p in 0..<4 {
                g[p] += j[p] * r
                for q in p..<4 { a[4 * p + q] += j[p] * j[q] }
            }
        }
        for p in 0..<4 { for q in 0..<p { a[4 * p + q] = a[4 * q + p] } }
        return (a, g)
    }

    mutating func minimise(from start: [Double], maxIterations: Int) -> [Double] {
        var beta = start
        var currentCost = cost(beta)
        var (a, g) = normalEquations(beta)
        // Marquardt scaling: the running maximum of diag(JᵀJ), as MINPACK does, so that parameters of
        // very different magnitudes (β1 ≈ 100, β4 ≈ 0.1) are damped evenly.
        var scaling = (0..<4).map { max(a[5 * $0], .leastNormalMagnitude) }
        var damping = 1e-3
        var growth = 2.0
        for _ in 0..<maxIterations {
            guard damping.isFinite else { break }
            var lhs = a
            for p in 0..<4 { lhs[5 * p] += damping * scaling[p] }
            guard let step = solve4(lhs, g) else { damping *= growth; growth *= 2; continue }
            let candidate = (0..<4).map { beta[$0] + step[$0] }
            let stepNorm = step.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let betaNorm = beta.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let candidateCost = cost(candidate)
            // Predicted decrease of the linear model: δᵀ(g + λDδ) (≥ 0).
            var predicted = 0.0
            for p in 0..<4 { predicted += step[p] * (g[p] + damping * scaling[p] * step[p]) }
            let actual = currentCost - candidateCost
            if candidateCost.isFinite, actual > 0, predicted > 0 {
                let rho = actual / predicted
                beta = candidate
                currentCost = candidateCost
                (a, g) = normalEquations(beta)
                for p in 0..<4 { scaling[p] = max(scaling[p], a[5 * p]) }
                damping *= max(1.0 / 3, 1 - pow(2 * rho - 1, 3))
                growth = 2
                if actual <= costTolerance * (currentCost + actual) { break }
            } else {
                damping *= growth
                growth *= 2
            }
            if stepNorm <= stepTolerance * (betaNorm + stepTolerance) { break }
        }
        return beta
    }
}

/// Solves the 4×4 system m·z = v (row-major m) by Gaussian elimination with partial pivoting;
/// nil when singular.
private func solve4(_ m: [Double], _ v: [Double]) -> [Double]? {
    var a = m, b = v
    for col in 0..<4 {
        let pivot = (col..<4).max { abs(a[4 * $0 + col]) < abs(a[4 * $1 + col]) }!
        guard a[4 * pivot + col] != 0, a[4 * pivot + col].isFinite else { return nil }
        if pivot != col {
            for k in 0..<4 { a.swapAt(4 * pivot + k, 4 * col + k) }
            b.swapAt(pivot, col)
        }
        for row in (col + 1)..<4 {
            let factor = a[4 * row + col] / a[4 * col + col]
            for k in col..<4 { a[4 * row + k] -= factor * a[4 * col + k] }
            b[row] -= factor * b[col]
        }
    }
    var z = [Double](repeating: 0, count: 4)
    for row in stride(from: 3, through: 0, by: -1) {
        var s = b[row]
        for k in (row + 1)..<4 { s -= a[4 * row + k] * z[k] }
        z[row] = s / a[4 * row + row]
    }
    return z.allSatisfy(\.isFinite) ? z : nil
}
