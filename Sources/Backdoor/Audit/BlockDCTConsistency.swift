import Foundation
import IQAData

/// The model-free trigger statistic of `baiqa audit`. A DCT-domain trigger adds the same small pattern
/// α·T to every 16×16 block of an image's YCbCr channels, so at the trigger's coefficients the blocks
/// agree: the coefficient's mean over the blocks is far from zero relative to its spread. For each
/// channel c and coefficient k of the 16×16 block DCT (blocks on the official injection grid of the
/// image's size), t(c, k) = mean_b / (sd_b / √B), a one-sample t statistic over the B blocks; a clean
/// image's t are of order 1 at mid and high frequencies, a poisoned image's are of order √B·α·T/sd.
/// `highFrequencyEnergy` is the baseline detector's number: mean squared 4-neighbour Laplacian of Y.
public struct BlockDCTConsistency: Sendable, Equatable {
    public static let block = 16
    /// t statistics, [3 × 256] (channel-major, coefficient u·16 + v); the DC terms are 0.
    public var t: [Double]
    public var blocks: Int
    public var highFrequencyEnergy: Double

    /// Orthonormal DCT-II matrix, D[k·16 + m] = w_k cos(πk(2m+1)/32).
    static let dct: [Double] = {
        let n = block
        var d = [Double](repeating: 0, count: n * n)
        for k in 0..<n {
            let w = k == 0 ? (1.0 / Double(n)).squareRoot() : (2.0 / Double(n)).squareRoot()
            for m in 0..<n { d[k * n + m] = w * cos(Double.pi * Double(k) * Double(2 * m + 1) / Double(2 * n)) }
        }
        return d
    }()

    /// Measures `image`. Needs at least two whole blocks on the grid (an image of 32×16 pixels or more).
    public init(image: RGBImage) throws {
        let n = Self.block, h = image.height, w = image.width
        let (top, left) = DCTTrigger.paddingOffset(height: h, width: w)
        let y0 = (n - top) % n, x0 = (n - left) % n
        let rows = (h - y0) / n, cols = (w - x0) / n
        guard rows * cols >= 2 else {
            throw BackdoorError("a \(w)×\(h) image has fewer than two whole 16×16 blocks on the trigger grid")
        }
        // Welford's running mean and sum of squared deviations per coefficient (stable when the mean is
        // large against the spread, as for low frequencies).
        var mean = [Double](repeating: 0, count: 3 * 256), m2 = [Double](repeating: 0, count: 3 * 256), seen = 0.0
        var ycc = [Double](repeating: 0, count: 3 * 256), tmp = [Double](repeating: 0, count: 256)
        let d = Self.dct
        image.pixels.withUnsafeBufferPointer { px in
            for by in 0..<rows {
                for bx in 0..<cols {
                    seen += 1
                    for m in 0..<n {
                        for q in 0..<n {
                            let p = ((y0 + by * n + m) * w + x0 + bx * n + q) * 3
                            let r = Double(px[p]), g = Double(px[p + 1]), b = Double(px[p + 2])
                            ycc[m * n + q] = 0.299 * r + 0.587 * g + 0.114 * b
                            ycc[256 + m * n + q] = -0.168736 * r - 0.331264 * g + 0.5 * b
                            ycc[512 + m * n + q] = 0.5 * r - 0.418688 * g - 0.081312 * b
                        }
                    }
                    for c in 0..<3 {
                        // tmp = D·X, then coefficient (u, v) = Σ_q tmp[u][q]·D[v][q].
                        for u in 0..<n {
                            for q in 0..<n {
                                var s = 0.0
                                for m in 0..<n { s += d[u * n + m] * ycc[c * 256 + m * n + q] }
                                tmp[u * n + q] = s
                            }
                        }
                        for u in 0..<n {
                            for v in 0..<n {
                                var s = 0.0
                                for q in 0..<n { s += tmp[u * n + q] * d[v * n + q] }
                                let k = c * 256 + u * n + v
                                let delta = s - mean[k]
                                mean[k] += delta / seen
                                m2[k] += delta * (s - mean[k])
                            }
                        }
                    }
                }
            }
        }
        let count = Double(rows * cols)
        t = (0..<(3 * 256)).map { i in
            guard i % 256 != 0 else { return 0 }
            let variance = m2[i] / (count - 1)
            // A coefficient that never varies (a flat synthetic image) carries no evidence either way.
            return variance > 1e-12 * (1 + mean[i] * mean[i]) ? mean[i] / (variance / count).squareRoot() : 0
        }
        blocks = rows * cols
        highFrequencyEnergy = Self.laplacianEnergy(image)
    }

    /// Mean squared 4-neighbour Laplacian of the luma over the interior pixels.
    static func laplacianEnergy(_ image: RGBImage) -> Double {
        let h = image.height, w = image.width
        guard h >= 3, w >= 3 else { return 0 }
        var luma = [Double](repeating: 0, count: h * w)
        for p in 0..<(h * w) {
            luma[p] = 0.299 * Double(image.pixels[p * 3]) + 0.587 * Double(image.pixels[p * 3 + 1]) + 0.114 * Double(image.pixels[p * 3 + 2])
        }
        var total = 0.0
        for y in 1..<(h - 1) {
            for x in 1..<(w - 1) {
                let c = y * w + x
                let l = 4 * luma[c] - luma[c - 1] - luma[c + 1] - luma[c - w] - luma[c + w]
                total += l * l
            }
        }
        return total / Double((h - 2) * (w - 2))
    }
}
