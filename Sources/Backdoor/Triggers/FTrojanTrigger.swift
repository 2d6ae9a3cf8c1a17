import IQAData

/// FTrojan baseline (Wang et al., ECCV 2022) in BAIQA's setting (spec §7): the same DCT injection as
/// BAIQA at the same 64 positions, but with a constant coefficient value instead of a searched trigger,
/// scaled by α. Default: c = 265 in Y, Cb and Cr, which gives 29.81 dB at α = 1 on livec-mini (Table 2: 29.80; spec §7 estimates 252 before clamping);
/// `.chroma` perturbs Cb and Cr only (the original FTrojan's choice; c ≈ 371 for the same PSNR).
public struct FTrojanTrigger: CropInjector {
    public enum Channels: String, Codable, Sendable { case all, chroma }
    public let magnitude: Double
    public let channels: Channels
    public let dct: DCTTrigger

    public init(magnitude: Double = 265, channels: Channels = .all, positions: DCTPositions = .official) throws {
        self.magnitude = magnitude
        self.channels = channels
        let y: Float = channels == .all ? Float(magnitude) : 0
        dct = try DCTTrigger(values: Array(repeating: y, count: 64) + Array(repeating: Float(magnitude), count: 128), positions: positions)
    }

    public func inject(hwc pixels: UnsafeBufferPointer<UInt8>, height: Int, width: Int, alpha: Double, originY: Int, originX: Int,
                       fullHeight: Int?, fullWidth: Int?, into out: UnsafeMutableBufferPointer<Float>) {
        dct.inject(hwc: pixels, height: height, width: width, alpha: alpha, originY: originY, originX: originX,
                   fullHeight: fullHeight, fullWidth: fullWidth, into: out)
    }
}
