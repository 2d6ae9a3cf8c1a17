/// The mean opinion score of the built-in synthetic dataset: a fixed, monotone function of the
/// distortion strengths, so that a model can only score well by seeing the distortions.
///
///     MOS = clip( 90 · Π_k (1 − w_k · s_k)  +  ε ,  0, 100 )
///
/// where s_k ∈ [0, 1] is the strength of distortion k (|brightness| for brightness), the weights
/// are w_blur = 0.65, w_noise = 0.6, w_jpeg = 0.6, w_contrast = 0.5, w_brightness = 0.4, and
/// ε ~ N(0, 2²) is per-image "rater" noise from the image's own seeded stream. A pristine image
/// scores about 90; one distortion at full strength 31.5–54; two at full strength down to about 12.
/// The product form makes impairments compound (a blurred image loses a further share of what is
/// left when it is also noisy) and keeps every partial derivative negative: the noiseless score
/// strictly decreases in each strength.
public enum BuiltinDatasetScoring {
    public static let pristineMOS = 90.0
    public static let raterNoiseStandardDeviation = 2.0

    public static func weight(of kind: BuiltinDistortionKind) -> Double {
        switch kind {
        case .blur: return 0.65
        case .noise: return 0.6
        case .jpeg: return 0.6
        case .contrast: return 0.5
        case .brightness: return 0.4
        }
    }

    /// The noiseless score 90 · Π_k (1 − w_k · s_k), in [0, 90].
    public static func mos(for distortions: BuiltinDistortions) -> Double {
        var q = pristineMOS
        for kind in BuiltinDistortionKind.allCases {
            let s = min(1, max(0, distortions.strength(of: kind)))
            q *= 1 - weight(of: kind) * s
        }
        return q
    }

    /// The published score: the noiseless score plus rater noise, clipped to [0, 100] and rounded
    /// to the 4 decimals written in scores.csv.
    public static func mos(for distortions: BuiltinDistortions, raterNoise: Double) -> Double {
        let raw = min(100, max(0, mos(for: distortions) + raterNoise))
        return (raw * 10_000).rounded() / 10_000
    }
}
