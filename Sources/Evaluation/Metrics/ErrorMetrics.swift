// Prediction errors against labels: RMSE and MAE.

extension Metrics {
    /// Root mean squared error sqrt(mean((prediction − label)²)). With `mapped: true` the predictions
    /// first go through the fitted 4-parameter logistic (`LogisticMapping`), as for `plcc(mapped:)`.
    /// Needs ≥ 1 pair (≥ 4 when mapped), equal lengths and finite values.
    public static func rmse(_ predictions: [Double], _ labels: [Double], mapped: Bool = false) throws -> Double {
        try checkPaired(predictions, labels, minimum: 1)
        let x = mapped ? try LogisticMapping.fit(predictions: predictions, labels: labels).apply(predictions)
                       : predictions
        return rootMeanSquare(x, labels)
    }

    /// Mean absolute error mean(|prediction − label|). Needs ≥ 1 pair, equal lengths, finite values.
    public static func mae(_ predictions: [Double], _ labels: [Double]) throws -> Double {
        try checkPaired(predictions, labels, minimum: 1)
        var sum = 0.0
        for i in predictions.indices { sum += abs(predictions[i] - labels[i]) }
        return sum / Double(predictions.count)
    }

    /// RMSE of two checked, equally long, non-empty vectors.
    static func rootMeanSquare(_ x: [Double], _ y: [Double]) -> Double {
        var sum = 0.0
        for i in x.indices {
            let d = x[i] - y[i]
            sum += d * d
        }
        return (sum / Double(x.count)).squareRoot()
    }
}
