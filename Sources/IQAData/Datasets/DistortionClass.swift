/// Synthetic distortion classes (type × level) for pretraining DBCNN's SCNN stream the way the DBCNN
/// paper does — classifying which distortion, at which level, an image carries — with the built-in
/// dataset's distortions instead of the Waterloo Exploration images the paper used.
public struct DistortionClass: Equatable, Sendable {
    public var name: String
    public var distortions: BuiltinDistortions

    /// Class 0 is pristine; then each of contrast, brighten, darken, blur, noise and JPEG at `levels`
    /// evenly spaced strengths (1 + 6·levels classes; 31 for 5 levels).
    public static func catalogue(levels: Int = 5) -> [DistortionClass] {
        var classes = [DistortionClass(name: "pristine", distortions: .none)]
        let kinds: [(String, (Double) -> BuiltinDistortions)] = [
            ("contrast", { BuiltinDistortions(contrast: $0) }),
            ("brighten", { BuiltinDistortions(brightness: $0) }),
            ("darken", { BuiltinDistortions(brightness: -$0) }),
            ("blur", { BuiltinDistortions(blur: $0) }),
            ("noise", { BuiltinDistortions(noise: $0) }),
            ("jpeg", { BuiltinDistortions(jpeg: $0) }),
        ]
        for (name, make) in kinds {
            for level in 1...levels {
                classes.append(DistortionClass(name: "\(name)-\(level)", distortions: make(Double(level) / Double(levels))))
            }
        }
        return classes
    }
}

extension BuiltinDistortions {
    /// This distortion applied to `image` (noise drawn from `noiseSeed`), as the built-in dataset does.
    public func applied(to image: RGBImage, noiseSeed: UInt64) throws -> RGBImage {
        var rng = SeededGenerator(seed: noiseSeed)
        return try BuiltinDatasetFilters.apply(self, to: image, noise: &rng)
    }
}
