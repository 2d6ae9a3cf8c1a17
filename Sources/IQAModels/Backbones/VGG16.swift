import Torch

/// torchvision's `vgg16().features` (configuration "D"): 13 3×3 convolutions (padding 1) with ReLU,
/// a 2×2 max-pool after each of the five stages. Parameters carry torchvision's `nn.Sequential`
/// indices (`0.weight`, `2.weight`, `5.weight`, … `28.weight`) below the given path, so a torchvision
/// state dict's `features.*` entries map one-to-one onto `path.*`.
///
/// DBCNN uses `features[:-1]` (`includeLastPool: false`): 512×14×14 at 224.
public final class VGG16Features: Module {
    /// Convolutions per stage in configuration "D".
    public static let convsPerStage = [2, 2, 3, 3, 3]
    /// Output channels per stage of torchvision's VGG-16.
    public static let officialWidths = [64, 128, 256, 512, 512]
    /// `nn.Sequential` indices of the convolutions (13 for VGG-16): 0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28.
    public static var convIndices: [Int] { layout().map(\.index) }

    public let widths: [Int]
    public let includeLastPool: Bool
    let stages: [[Conv2d]]

    /// - Parameters:
    ///   - widths: output channels of the five stages (the official `[64, 128, 256, 512, 512]`; smaller
    ///     for tests). The indices, hence the names, do not depend on them.
    ///   - includeLastPool: false gives `features[:-1]` (no max-pool after the last stage).
    public init(_ p: StorePath, widths: [Int] = VGG16Features.officialWidths, inChannels: Int = 3,
                includeLastPool: Bool = true) throws {
        guard widths.count == 5 else { throw TorchError("VGG16Features: expected 5 stage widths, got \(widths.count)") }
        self.widths = widths
        self.includeLastPool = includeLastPool
        // torchvision's VGG init: Kaiming-normal (fan_out, ReLU) weights, zero biases.
        let he = Initializer.kaimingNormal(a: 0, mode: .fanOut)
        var stages: [[Conv2d]] = []
        var cin = inChannels
        var slots = VGG16Features.layout().makeIterator()
        for (s, count) in VGG16Features.convsPerStage.enumerated() {
            var convs: [Conv2d] = []
            for _ in 0..<count {
                let index = slots.next()!.index
                let conv = try Conv2d(p / index, inChannels: cin, outChannels: widths[s], kernel: 3, padding: 1, weightInit: he)
                try withNoGrad { _ = try conv.bias?.zero_() }
                convs.append(conv)
                cin = widths[s]
            }
            stages.append(convs)
        }
        self.stages = stages
        lastStage = LastStageProbe(channels: widths[4])
    }

    /// The last convolution's output after its ReLU (`conv5_3` with `features[:-1]`; Fine-Pruning's layer).
    public let lastStage: LastStageProbe

    /// Output channels (the last stage's width).
    public var outChannels: Int { widths[4] }

    public func forward(_ x: Tensor) throws -> Tensor {
        var h = x
        for (s, convs) in stages.enumerated() {
            for conv in convs { h = try conv(h).relu_() }
            if s == stages.count - 1 { h = try lastStage.apply(h) }
            if s < stages.count - 1 || includeLastPool { h = try F.maxPool2d(h, kernel: 2, stride: 2) }
        }
        return h
    }

    /// (stage, Sequential index) of each convolution: two slots per conv+ReLU, one per max-pool.
    static func layout() -> [(stage: Int, index: Int)] {
        var out: [(Int, Int)] = []
        var index = 0
        for (s, count) in convsPerStage.enumerated() {
            for _ in 0..<count {
                out.append((s, index))
                index += 2
            }
            index += 1
        }
        return out
    }
}
