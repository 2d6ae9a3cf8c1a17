/// Something that perturbs an image region while it is rendered into a training or test crop: a
/// backdoor trigger, scaled by α. The data path calls it with the crop's position in the full image, so
/// position-dependent triggers (the 16-periodic DCT pattern) keep the phase they have on the full image.
public protocol CropInjector: Sendable {
    /// Renders `pixels` (HWC RGB8 of a `height`×`width` region at (`originY`, `originX`) of a
    /// `fullHeight`×`fullWidth` image) with strength `alpha` into `out` as CHW floats on 0…1.
    func inject(hwc pixels: UnsafeBufferPointer<UInt8>, height: Int, width: Int, alpha: Double,
                originY: Int, originX: Int, fullHeight: Int?, fullWidth: Int?,
                into out: UnsafeMutableBufferPointer<Float>)
}
