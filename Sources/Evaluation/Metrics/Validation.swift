// Input checks shared by the metrics; they throw `MetricError` with the vector's name.

extension Metrics {
    /// Throws unless every value of `values` is finite and there are at least `minimum` of them.
    static func checkVector(_ values: [Double], _ what: String, minimum: Int) throws {
        guard values.count >= minimum else {
            throw MetricError.tooFewValues(what: what, count: values.count, minimum: minimum)
        }
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw MetricError.nonFinite(what: what, index: index)
        }
    }

    /// Throws unless `x` and `y` have the same length (≥ `minimum`) and only finite values.
    static func checkPaired(_ x: [Double], _ y: [Double], minimum: Int = 2,
                            names: (String, String) = ("predictions", "labels")) throws {
        guard x.count == y.count else {
            throw MetricError.lengthMismatch(what: names.1, expected: x.count, actual: y.count)
        }
        try checkVector(x, names.0, minimum: minimum)
        try checkVector(y, names.1, minimum: minimum)
    }

    /// Arithmetic mean of a non-empty vector.
    static func mean(_ values: [Double]) -> Double {
        values.reduce(0, +) / Double(values.count)
    }
}
