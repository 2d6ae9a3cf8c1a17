import Torch

/// The convolutional part of DBCNN's SCNN (Zhang et al., "Blind image quality assessment using a deep
/// bilinear convolutional neural network", TCSVT 2020), as the official DBCNN code's `SCNN.features`:
/// nine 3×3 conv (padding 1, with bias) + BatchNorm + ReLU layers,
/// 3→48→48(s2)→64→64(s2)→64→64(s2)→128→128→128(s2), i.e. 128×14×14 at 224.
///
/// Names are the `nn.Sequential` indices below the given path: conv `3k`, BN `3k+1` (ReLU `3k+2` has
/// no parameters), so DBCNN's `features2.0.weight`, `features2.1.running_mean`, … `features2.25.*`.
public final class SCNN: Module {
    public static let officialChannels = [48, 48, 64, 64, 64, 64, 128, 128, 128]
    public static let officialStrides = [1, 2, 1, 2, 1, 2, 1, 1, 2]

    public let channels: [Int]
    public let strides: [Int]
    let convs: [Conv2d]
    let norms: [BatchNorm2d]

    /// Initialised as the official `weight_init`: Kaiming-normal (fan_in, ReLU) conv weights, zero conv
    /// biases, BatchNorm weight 1 and bias 0.
    public init(_ p: StorePath, channels: [Int] = SCNN.officialChannels, strides: [Int] = SCNN.officialStrides,
                inChannels: Int = 3) throws {
        guard channels.count == strides.count, !channels.isEmpty else {
            throw TorchError("SCNN: \(channels.count) channel counts vs \(strides.count) strides")
        }
        self.channels = channels
        self.strides = strides
        let he = Initializer.kaimingNormal(a: 0, mode: .fanIn)
        var convs: [Conv2d] = [], norms: [BatchNorm2d] = []
        var cin = inChannels
        for (k, (cout, stride)) in zip(channels, strides).enumerated() {
            let conv = try Conv2d(p / (3 * k), inChannels: cin, outChannels: cout, kernel: 3, stride: stride, padding: 1, weightInit: he)
            try withNoGrad { _ = try conv.bias?.zero_() }
            convs.append(conv)
            norms.append(try BatchNorm2d(p / (3 * k + 1), features: cout))
            cin = cout
        }
        self.convs = convs
        self.norms = norms
    }

    public var outChannels: Int { channels[channels.count - 1] }

    public func forward(_ x: Tensor) throws -> Tensor {
        var h = x
        for (conv, bn) in zip(convs, norms) { h = try bn(conv(h)).relu_() }
        return h
    }
}

/// The SCNN classification network that DBCNN's second stream is pretrained with (official `SCNN`
/// module): `features` (the `SCNN` above) → global average pool (the official AvgPool2d(14) at 224)
/// → `projection` (1×1 conv 128→256 + BN + ReLU, 1×1 conv 256→256 + BN + ReLU) → `classifier`
/// Linear(256 → 39): the synthetic distortion type × level categories of the DBCNN paper.
///
/// Not part of DBCNN's state dict; only its `features.*` entries carry over (`DBCNN.loadSCNN`).
/// The official `scnn.pkl` was saved from a DataParallel model: load it with `stripPrefix: "module."`.
public final class SCNNClassifier: Module {
    public static let officialClasses = 39

    public let store: ParameterStore
    public let features: SCNN
    let projection: [(Conv2d, BatchNorm2d)]
    let classifier: Linear

    public init(store: ParameterStore, channels: [Int] = SCNN.officialChannels, strides: [Int] = SCNN.officialStrides,
                projectionWidth: Int = 256, classes: Int = SCNNClassifier.officialClasses) throws {
        self.store = store
        let root = store.root
        features = try SCNN(root / "features", channels: channels, strides: strides)
        let he = Initializer.kaimingNormal(a: 0, mode: .fanIn)
        var proj: [(Conv2d, BatchNorm2d)] = []
        var cin = features.outChannels
        for k in 0..<2 {
            let conv = try Conv2d(root / "projection" / (3 * k), inChannels: cin, outChannels: projectionWidth, kernel: 1, weightInit: he)
            try withNoGrad { _ = try conv.bias?.zero_() }
            proj.append((conv, try BatchNorm2d(root / "projection" / (3 * k + 1), features: projectionWidth)))
            cin = projectionWidth
        }
        projection = proj
        classifier = try Linear(root / "classifier", inFeatures: projectionWidth, outFeatures: classes, weightInit: he, biasInit: .zeros)
    }

    /// Class logits [N, classes] for a batch [N, 3, H, W].
    public func forward(_ input: Tensor) throws -> Tensor {
        let x = store.channelsLast ? try input.channelsLast() : input
        var h = try F.adaptiveAvgPool2d(features(x), outputSize: (1, 1))
        for (conv, bn) in projection { h = try bn(conv(h)).relu_() }
        return try classifier(h.flatten(from: 1))
    }

    public static func make(device: Device = .cpu, channelsLast: Bool = true) throws -> SCNNClassifier {
        try SCNNClassifier(store: ParameterStore(device: device, channelsLast: channelsLast))
    }
}
