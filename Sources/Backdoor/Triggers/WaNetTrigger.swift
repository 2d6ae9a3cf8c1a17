import Foundation
import IQAData

/// WaNet baseline (Nguyen & Tran, ICLR 2021) scaled by α (spec §7): a fixed smooth warp. A k×k grid
/// (k = 4) of seeded random offsets in [−1, 1]², normalised by its mean magnitude, is upsampled
/// bilinearly over the full image; every pixel is resampled (bilinearly) at its position plus
/// α·strength·offset pixels. The default strength 0.84 px gives 26.49 dB at α = 1 on livec-mini (PSNR of the mean MSE; Table 2: 26.59).
/// On a crop the warp uses full-image coordinates and samples inside the crop (clamped at its border,
/// which differs from warping the full image only within `strength` pixels of the crop's edge).
public struct WaNetTrigger: CropInjector {
    public let gridSize: Int
    public let strength: Double
    public let seed: UInt64
    let grid: [Double]   // [k][k][2] (dy, dx), mean magnitude 1

    public init(gridSize k: Int = 4, strength: Double = 0.84, seed: UInt64 = 0) {
        self.gridSize = k
        self.strength = strength
        self.seed = seed
        var rng = SeededGenerator(seed: seed, stream: 0x3A7E7)
        var g = (0..<(k * k * 2)).map { _ in rng.uniform(-1, 1) }
        let meanMagnitude = g.map(abs).reduce(0, +) / Double(g.count)
        g = g.map { $0 / meanMagnitude }
        grid = g
    }

    /// Offset (dy, dx) in grid units at normalised full-image position (u, v) ∈ [0, 1]².
    func offset(_ u: Double, _ v: Double) -> (Double, Double) {
        let k = gridSize
        let gy = u * Double(k - 1), gx = v * Double(k - 1)
        let y0 = min(Int(gy), k - 2), x0 = min(Int(gx), k - 2)
        let fy = gy - Double(y0), fx = gx - Double(x0)
        func at(_ y: Int, _ x: Int, _ c: Int) -> Double { grid[(y * k + x) * 2 + c] }
        func lerp(_ c: Int) -> Double {
            let top = at(y0, x0, c) * (1 - fx) + at(y0, x0 + 1, c) * fx
            let bottom = at(y0 + 1, x0, c) * (1 - fx) + at(y0 + 1, x0 + 1, c) * fx
            return top * (1 - fy) + bottom * fy
        }
        return (lerp(0), lerp(1))
    }

    public func inject(hwc pixels: UnsafeBufferPointer<UInt8>, height: Int, width: Int, alpha: Double, originY: Int, originX: Int,
                       fullHeight: Int?, fullWidth: Int?, into out: UnsafeMutableBufferPointer<Float>) {
        let fh = Double(max((fullHeight ?? height) - 1, 1)), fw = Double(max((fullWidth ?? width) - 1, 1))
        let plane = height * width, scale = alpha * strength
        for y in 0..<height {
            for x in 0..<width {
                let (dy, dx) = offset(Double(y + originY) / fh, Double(x + originX) / fw)
                let sy = min(max(Double(y) + scale * dy, 0), Double(height - 1))
                let sx = min(max(Double(x) + scale * dx, 0), Double(width - 1))
                let y0 = Int(sy), x0 = Int(sx), y1 = min(y0 + 1, height - 1), x1 = min(x0 + 1, width - 1)
                let fy = Float(sy - Double(y0)), fx = Float(sx - Double(x0))
                for c in 0..<3 {
                    let a = Float(pixels[(y0 * width + x0) * 3 + c]), b = Float(pixels[(y0 * width + x1) * 3 + c])
                    let d = Float(pixels[(y1 * width + x0) * 3 + c]), e = Float(pixels[(y1 * width + x1) * 3 + c])
                    let v = (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy
                    out[c * plane + y * width + x] = min(max(v / 255, 0), 1)
                }
            }
        }
    }
}
