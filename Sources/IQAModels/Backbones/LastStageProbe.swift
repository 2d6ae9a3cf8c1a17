import Torch

/// The output of a backbone's last stage (ResNet `layer4`, DBCNN's VGG `conv5_3` after its ReLU): where
/// Fine-Pruning measures each channel's activation and masks the least active channels. Inert (one nil
/// check) unless a mask or an observer is set.
public final class LastStageProbe {
    /// Channels of the stage's output.
    public let channels: Int
    /// Per-channel multiplier [C] on the model's device, 0 for a pruned channel (nil: nothing pruned). A
    /// mask instead of removed filters, because ResNet's last stage ends in a residual sum that pruning the
    /// last convolution's filters would not silence.
    public var mask: Tensor?
    /// Sees every output of the stage (before the mask), e.g. to accumulate mean activations.
    public var observer: ((Tensor) throws -> Void)?

    public init(channels: Int) { self.channels = channels }

    func apply(_ x: Tensor) throws -> Tensor {
        try observer?(x)
        guard let mask else { return x }
        guard mask.count == channels else { throw TorchError("last-stage mask has \(mask.count) values for \(channels) channels") }
        return try x * mask.reshape([1, channels, 1, 1])
    }
}
