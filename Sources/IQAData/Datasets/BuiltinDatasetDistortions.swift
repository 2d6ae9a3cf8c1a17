/// The five distortion types of the built-in synthetic dataset, in the order they are applied.
public enum BuiltinDistortionKind: String, CaseIterable, Sendable {
    case contrast
    case brightness
    case blur
    case noise
    case jpeg
}

/// The distortions of one synthetic image, as strengths: 0 means absent, 1 the strongest level.
/// `brightness` is signed (−1...1: darker or lighter); its strength is its magnitude.
///
/// Strength → parameter, applied in this order (contrast, brightness, blur, noise, JPEG):
/// - contrast: samples pulled towards the image mean by the factor 1 − 0.7·s (down to 0.3)
/// - brightness: 80·b added to every sample (±80 on 0–255), then clipped to 0–255
/// - blur: Gaussian, σ = 4·s px
/// - noise: additive Gaussian, σ = 30·s (per sample, on 0–255)
/// - jpeg: quality round(90 − 85·s·(2 − s)), i.e. 90 at s = 0 down to 5 at s = 1, spending more
///   of the range where the artefacts are visible (s = 0.5 → 26)
public struct BuiltinDistortions: Equatable, Hashable, Sendable {
    public var contrast: Double
    public var brightness: Double
    public var blur: Double
    public var noise: Double
    public var jpeg: Double

    public init(contrast: Double = 0, brightness: Double = 0, blur: Double = 0, noise: Double = 0, jpeg: Double = 0) {
        self.contrast = contrast
        self.brightness = brightness
        self.blur = blur
        self.noise = noise
        self.jpeg = jpeg
    }

    public static let none = BuiltinDistortions()

    /// The strength in 0...1 of one kind (the magnitude for brightness).
    public func strength(of kind: BuiltinDistortionKind) -> Double {
        switch kind {
        case .contrast: return contrast
        case .brightness: return abs(brightness)
        case .blur: return blur
        case .noise: return noise
        case .jpeg: return jpeg
        }
    }

    /// Sets one kind's strength; for brightness, `value` is the signed value.
    public mutating func set(_ kind: BuiltinDistortionKind, _ value: Double) {
        switch kind {
        case .contrast: contrast = value
        case .brightness: brightness = value
        case .blur: blur = value
        case .noise: noise = value
        case .jpeg: jpeg = value
        }
    }

    /// The signed value stored for `kind` (what the CSV column holds).
    public func value(of kind: BuiltinDistortionKind) -> Double {
        kind == .brightness ? brightness : strength(of: kind)
    }

    /// The kinds present (strength > 0), in application order.
    public var active: [BuiltinDistortionKind] {
        BuiltinDistortionKind.allCases.filter { strength(of: $0) > 0 }
    }

    // MARK: Physical parameters

    public var contrastFactor: Double { 1 - 0.7 * contrast }
    public var brightnessShift: Double { 80 * brightness }
    public var blurSigma: Double { 4 * blur }
    public var noiseSigma: Double { 30 * noise }
    public var jpegQuality: Int { Int((90 - 85 * jpeg * (2 - jpeg)).rounded()) }
}
