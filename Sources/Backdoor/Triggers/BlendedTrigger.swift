import IQAData

/// Blended baseline (Chen et al., 2017) scaled by α as in the paper's comparison (spec §7):
/// x' = clamp(x + α·r·(p − x)), with p a fixed seeded uniform-noise pattern defined on full-image
/// coordinates (so a crop sees the same pattern the full image has there). The default blend ratio
/// r = 0.100 gives 27.73 dB at α = 1 on livec-mini (Table 2: 27.71); negative α blends away from the pattern.
public struct BlendedTrigger: CropInjector {
    public let ratio: Double
    public let seed: UInt64

    public init(ratio: Double = 0.100, seed: UInt64 = 0) {
        self.ratio = ratio
        self.seed = seed
    }

    /// The pattern value (0…255) at full-image pixel (y, x), channel c: a hash, so any image size works.
    @inline(__always) func pattern(_ y: Int, _ x: Int, _ c: Int) -> Float {
        var z = seed &+ UInt64(truncatingIfNeeded: (y &* 1_000_003 &+ x) &* 3 &+ c) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 24) * 255
    }

    public func inject(hwc pixels: UnsafeBufferPointer<UInt8>, height: Int, width: Int, alpha: Double, originY: Int, originX: Int,
                       fullHeight: Int?, fullWidth: Int?, into out: UnsafeMutableBufferPointer<Float>) {
        let k = Float(alpha * ratio), plane = height * width
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    let v = Float(pixels[(y * width + x) * 3 + c])
                    let blended = v + k * (pattern(y + originY, x + originX, c) - v)
                    out[c * plane + y * width + x] = min(max(blended / 255, 0), 1)
                }
            }
        }
    }
}
