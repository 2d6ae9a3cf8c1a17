import Foundation
import IQAData
import IQAModels
import Torch

/// The model-based audit score: spectral signatures (Tran, Li & Madry 2018) adapted to regression. A
/// backdoored model represents its trigger by a direction of its last-stage features that the poisoned
/// training images share. Classification removes each class's mean; a quality score has no classes, so
/// here each feature is first residualised on the label (a least-squares line per feature: what the
/// label explains is not suspicious), then the residuals are centred, their top right singular vector v
/// found by power iteration, and an image's score is (r_i · v)².
public enum SpectralSignature {
    /// Per-image features: the mean over the image's crops and positions of each channel of
    /// `model.lastStage` (the crops `predictor` draws with `seed`; its renderer should inject nothing).
    public static func features(predictor: Predictor, images: [Int], seed: UInt64) throws -> [[Double]] {
        let stage = predictor.model.lastStage
        var rows: [[Double]] = []
        stage.observer = { x in
            let pooled = try x.detach().mean(dims: [2, 3]).to(.float64).to(.cpu).doubles()
            let c = x.size(1)
            for n in 0..<x.size(0) { rows.append(Array(pooled[(n * c)..<((n + 1) * c)])) }
        }
        defer { stage.observer = nil }
        _ = try predictor.scores(images: images, seed: seed)
        let patches = predictor.patches
        guard rows.count == images.count * patches else {
            throw BackdoorError("spectral signature: \(rows.count) feature rows for \(images.count) images × \(patches) crops")
        }
        return images.indices.map { k in
            let crops = rows[(k * patches)..<((k + 1) * patches)]
            return (0..<crops.first!.count).map { j in crops.reduce(0.0) { $0 + $1[j] } / Double(patches) }
        }
    }

    /// One score per image (≥ 0; larger = more suspicious). Needs at least 3 images.
    public static func scores(features: [[Double]], labels: [Double], iterations: Int = 200) throws -> [Double] {
        let n = features.count
        guard n >= 3, labels.count == n, let d = features.first?.count, d > 0, features.allSatisfy({ $0.count == d }) else {
            throw BackdoorError("spectral signature: needs ≥ 3 images with equal-length features and one label each")
        }
        let labelMean = labels.reduce(0, +) / Double(n)
        let centredLabels = labels.map { $0 - labelMean }
        let labelVariance = centredLabels.reduce(0) { $0 + $1 * $1 }
        var residuals = [[Double]](repeating: [Double](repeating: 0, count: d), count: n)
        for j in 0..<d {
            let column = features.map { $0[j] }
            let mean = column.reduce(0, +) / Double(n)
            let slope = labelVariance > 0 ? zip(column, centredLabels).reduce(0) { $0 + ($1.0 - mean) * $1.1 } / labelVariance : 0
            for i in 0..<n { residuals[i][j] = column[i] - mean - slope * centredLabels[i] }
        }
        // Power iteration on RᵀR from a fixed start: deterministic, and 200 steps settle the top direction
        // of a few hundred dimensions far below the scores' printed precision.
        var v = [Double](repeating: 1 / Double(d).squareRoot(), count: d)
        for _ in 0..<iterations {
            let projections = residuals.map { r in zip(r, v).reduce(0) { $0 + $1.0 * $1.1 } }
            var next = [Double](repeating: 0, count: d)
            for i in 0..<n { for j in 0..<d { next[j] += residuals[i][j] * projections[i] } }
            let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return [Double](repeating: 0, count: n) }
            v = next.map { $0 / norm }
        }
        return residuals.map { r in
            let p = zip(r, v).reduce(0) { $0 + $1.0 * $1.1 }
            return p * p
        }
    }
}
