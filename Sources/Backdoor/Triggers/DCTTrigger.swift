import Foundation
import IQAData
import Torch

/// The BAIQA trigger: a 3×64 matrix t added, scaled by α, to 64 fixed coefficients of the unnormalised
/// 16×16 block DCT-II of the full-range YCbCr image (spec §3.1). Everything but the 8-bit rounding and
/// the final clamp is linear, so injection reduces to adding α·Π, a fixed 16-periodic RGB pattern:
///
///     T(x, α·t) = clamp((round(255·x) + α·Π[(r + top) mod 16, (c + left) mod 16]) / 255, 0, 1)
///
/// where (top, left) is the zero padding the official code adds to reach a multiple of 16.
public struct DCTTrigger: Sendable {
    /// Rows Y, Cb, Cr; column k goes to position `positions.flatPositions[k]`. DCT units on 0…255.
    public let values: [Float]
    public let positions: DCTPositions
    /// Π at α = 1: [3 (R, G, B)][16][16] on the 0…255 scale.
    public let pattern: [Float]

    public static let channels = 3, coefficients = 64, block = 16

    public init(values: [Float], positions: DCTPositions = .official) throws {
        guard values.count == DCTTrigger.channels * DCTTrigger.coefficients else {
            throw TorchError("trigger must have 3×64 = 192 values, got \(values.count)")
        }
        guard values.allSatisfy({ $0.isFinite }) else { throw TorchError("trigger contains non-finite values") }
        self.values = values
        self.positions = positions
        self.pattern = DCTTrigger.rgbPattern(values: values.map(Double.init), positions: positions).map(Float.init)
    }

    /// From a [3, 64] tensor (e.g. a loaded trigger file).
    public init(tensor: Tensor, positions: DCTPositions = .official) throws {
        guard tensor.shape == [3, 64] else {
            throw TorchError("trigger tensor must have shape [3, 64], got \(tensor.shape)")
        }
        try self.init(values: tensor.floats(), positions: positions)
    }

    public func tensor() throws -> Tensor { try Tensor(values, shape: [3, 64]) }

    // MARK: the linear map t → Π

    /// Inverse unnormalised 2-D DCT basis: B[m·16+n][u·16+v] = w_u w_v cos(πu(2m+1)/32) cos(πv(2n+1)/32) / 256,
    /// with w_0 = 1/2 and w_k = 1 (the exact inverse of scipy's dct(norm=None) in both axes).
    public static let inverseDCTBasis: [Double] = {
        let n = 16
        var c = [Double](repeating: 0, count: n * n)     // c[k*16+m] = w_k cos(πk(2m+1)/32) / 16
        for k in 0..<n {
            for m in 0..<n {
                c[k * n + m] = (k == 0 ? 0.5 : 1.0) * cos(Double.pi * Double(k) * Double(2 * m + 1) / 32) / 16
            }
        }
        var basis = [Double](repeating: 0, count: 256 * 256)
        for m in 0..<n {
            for nn in 0..<n {
                for u in 0..<n {
                    for v in 0..<n { basis[(m * n + nn) * 256 + u * n + v] = c[u * n + m] * c[v * n + nn] }
                }
            }
        }
        return basis
    }()

    /// YCbCr→RGB without offsets (JPEG full range): rows R, G, B over (Y, Cb, Cr).
    public static let ycbcrToRGB: [Double] = [1, 0, 1.402,
                                              1, -0.344136286, -0.714136286,
                                              1, 1.772, 0]

    /// Π = M · IDCT(T_c) for every channel, [3][16][16], in 0…255 units.
    static func rgbPattern(values: [Double], positions: DCTPositions) -> [Double] {
        let flat = positions.flatPositions
        var ycc = [Double](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            for pixel in 0..<256 {
                var s = 0.0
                for k in 0..<64 { s += values[c * 64 + k] * inverseDCTBasis[pixel * 256 + flat[k]] }
                ycc[c * 256 + pixel] = s
            }
        }
        var rgb = [Double](repeating: 0, count: 3 * 256)
        for o in 0..<3 {
            for pixel in 0..<256 {
                rgb[o * 256 + pixel] = (0..<3).reduce(0) { $0 + ycbcrToRGB[o * 3 + $1] * ycc[$1 * 256 + pixel] }
            }
        }
        return rgb
    }

    /// Differentiable Π from a trigger tensor [3, 64] → [3, 16, 16], for the trigger search.
    public static func patternTensor(_ trigger: Tensor, positions: DCTPositions = .official) throws -> Tensor {
        let flat = positions.flatPositions
        var selected = [Float](repeating: 0, count: 256 * 64)    // [pixel, k]
        for pixel in 0..<256 {
            for k in 0..<64 { selected[pixel * 64 + k] = Float(inverseDCTBasis[pixel * 256 + flat[k]]) }
        }
        let basis = try Tensor(selected, shape: [256, 64]).to(trigger.device)
        let mix = try Tensor(ycbcrToRGB.map(Float.init), shape: [3, 3]).to(trigger.device)
        let ycc = try trigger.matmul(basis.transpose(0, 1))      // [3, 256]
        return try mix.matmul(ycc).reshape([3, 16, 16])
    }

    // MARK: injection

    /// The zero padding (top, left) the official code adds to reach a multiple of 16; it sets the phase.
    public static func paddingOffset(height: Int, width: Int) -> (top: Int, left: Int) {
        (TriggerPhase.paddingBefore(extent: height), TriggerPhase.paddingBefore(extent: width))
    }

    /// Injects α·t into an 8-bit RGB region. `pixels` is HWC of a `height`×`width` crop whose top-left
    /// corner sits at (`originY`, `originX`) of a `fullHeight`×`fullWidth` image (the phase follows the
    /// full image, as when the official code injects before cropping). Writes CHW floats on 0…1
    /// (clamped, not re-quantised) into `out`.
    public func inject(hwc pixels: UnsafeBufferPointer<UInt8>, height: Int, width: Int, alpha: Double,
                       originY: Int = 0, originX: Int = 0, fullHeight: Int? = nil, fullWidth: Int? = nil,
                       into out: UnsafeMutableBufferPointer<Float>) {
        let (top, left) = DCTTrigger.paddingOffset(height: fullHeight ?? height, width: fullWidth ?? width)
        let a = Float(alpha)
        let plane = height * width
        pattern.withUnsafeBufferPointer { pi in
            for y in 0..<height {
                let py = (y + originY + top) & 15
                for x in 0..<width {
                    let px = (x + originX + left) & 15
                    let src = (y * width + x) * 3
                    for c in 0..<3 {
                        let v = (Float(pixels[src + c]) + a * pi[c * 256 + py * 16 + px]) / 255
                        out[c * plane + y * width + x] = min(max(v, 0), 1)
                    }
                }
            }
        }
    }

    /// Tensor path: x is [3, H, W] or [N, 3, H, W] on 0…1 (any real values: they are rounded to 8-bit
    /// levels first, which matters for PGD-refined images). Differentiable in `pattern` when given.
    public func apply(_ x: Tensor, alpha: Double, originY: Int = 0, originX: Int = 0,
                      fullHeight: Int? = nil, fullWidth: Int? = nil, pattern patternOverride: Tensor? = nil) throws -> Tensor {
        let h = x.size(-2), w = x.size(-1)
        let pi = try patternOverride ?? Tensor(pattern, shape: [3, 16, 16]).to(x.device)
        let tiled = try DCTTrigger.tile(pi, height: h, width: w, originY: originY, originX: originX,
                                        fullHeight: fullHeight ?? h, fullWidth: fullWidth ?? w)
        let quantised = try (x * 255).round()
        return try ((quantised + tiled * alpha) / 255).clamp(min: 0, max: 1)
    }

    /// Tiles a [3, 16, 16] pattern over an H×W region with the phase of the full image.
    public static func tile(_ pattern: Tensor, height: Int, width: Int, originY: Int, originX: Int,
                            fullHeight: Int, fullWidth: Int) throws -> Tensor {
        let (top, left) = paddingOffset(height: fullHeight, width: fullWidth)
        let py = (originY + top) % 16, px = (originX + left) % 16
        let reps = [1, (height + py + 15) / 16, (width + px + 15) / 16]
        return try pattern.repeated(reps).slice(1, py, py + height).slice(2, px, px + width)
    }

    /// A seeded random trigger scaled so that Π has the RMS a trigger of PSNR `targetPSNR` dB has on
    /// unclipped pixels (used when no searched trigger is at hand).
    public static func random(seed: UInt64, targetPSNR: Double = 30, positions: DCTPositions = .official) throws -> DCTTrigger {
        var rng = SeededGenerator(seed: seed, stream: 0x7A1_66E2)
        let raw = (0..<192).map { _ in rng.uniform(-1, 1) }
        let p = rgbPattern(values: raw, positions: positions)
        let rms = sqrt(p.reduce(0) { $0 + $1 * $1 } / Double(p.count))
        let targetRMS = 255 / pow(10, targetPSNR / 20)
        return try DCTTrigger(values: raw.map { Float($0 * targetRMS / rms) }, positions: positions)
    }
}

extension DCTTrigger: CropInjector {}
