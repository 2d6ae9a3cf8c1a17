import Torch

/// DBCNN (Zhang et al., TCSVT 2020) as the BAIQA code's `DBCNN` class (spec §8.2): two streams on the
/// same crop, VGG-16 `features[:-1]` (`features1`, 512×14×14 at 224) and the SCNN features
/// (`features2`, 128×14×14), bilinearly pooled (X1·X2ᵀ)/(H·W) → 512×128 = 65,536 values → sqrt(x + 1e-8)
/// → L2-normalised → `fc` Linear(65536 → 1).
///
/// Names are the official state_dict keys without DataParallel's "module." prefix (the official
/// solvers save DataParallel models): load such files with `store.load(state, stripPrefix: "module.")`.
/// 15,311,345 parameters at the official sizes.
public final class DBCNN: IQAModel {
    public struct Config: Codable, Equatable, Sendable {
        /// VGG-16 stage widths (official `[64, 128, 256, 512, 512]`).
        public var vggWidths = VGG16Features.officialWidths
        /// SCNN channels and strides (official 48, 48, 64, 64, 64, 64, 128, 128, 128 / 1, 2, 1, 2, 1, 2, 1, 1, 2).
        public var scnnChannels = SCNN.officialChannels
        public var scnnStrides = SCNN.officialStrides

        public init() {}
        public init(vggWidths: [Int], scnnChannels: [Int], scnnStrides: [Int] = SCNN.officialStrides) {
            self.vggWidths = vggWidths
            self.scnnChannels = scnnChannels
            self.scnnStrides = scnnStrides
        }

        public static let official = Config()
    }

    public let store: ParameterStore
    public let config: Config
    public var outputBias: Tensor { fc.bias! }
    public var lastStage: LastStageProbe { features1.lastStage }
    public var name: String { "dbcnn" }

    let features1: VGG16Features
    let features2: SCNN
    let fc: Linear

    /// Optimiser group of `fc`: the official solver trains only it for the first half of the epochs
    /// (features frozen), then everything. The features are in group 0.
    public static let headGroup = 1

    public init(store: ParameterStore, config: Config = .official) throws {
        self.store = store
        self.config = config
        let root = store.root
        features1 = try VGG16Features(root / "features1", widths: config.vggWidths, includeLastPool: false)
        features2 = try SCNN(root / "features2", channels: config.scnnChannels, strides: config.scnnStrides)
        // Official init: Kaiming-normal weight (fan_in, ReLU gain), zero bias.
        fc = try Linear(root.group(DBCNN.headGroup) / "fc", inFeatures: features1.outChannels * features2.outChannels,
                        outFeatures: 1, weightInit: .kaimingNormal(a: 0, mode: .fanIn), biasInit: .zeros)
    }

    public func scores(_ input: Tensor) throws -> Tensor {
        let x = store.channelsLast ? try input.channelsLast() : input
        let pooled = try DBCNN.bilinearPool(features1(x), features2(x))
        return try fc(pooled).squeeze(1)
    }

    /// DBCNN's pooling of the two streams: x1 [N, C1, H, W], x2 [N, C2, h, w] → [N, C1·C2].
    /// If the spatial sizes differ, x2 is resized to (H, W) as the official `F.upsample_bilinear`
    /// does (bilinear, align_corners=True). Then (X1·X2ᵀ)/(H·W), flattened, sqrt(x + 1e-8) (plain, not
    /// signed: the entries are non-negative after ReLU) and L2-normalised (`F.normalize`, eps 1e-12).
    public static func bilinearPool(_ x1: Tensor, _ x2: Tensor) throws -> Tensor {
        let (n, c1, h, w) = (x1.size(0), x1.size(1), x1.size(2), x1.size(3))
        var x2 = x2
        if x2.size(2) != h || x2.size(3) != w { x2 = try F.upsampleBilinear(x2, size: (h, w), alignCorners: true) }
        let c2 = x2.size(1)
        let a = try x1.reshape([n, c1, h * w])
        let b = try x2.reshape([n, c2, h * w]).transpose(1, 2)
        let gram = try (a.bmm(b) / Double(h * w)).reshape([n, c1 * c2])
        let rooted = try (gram + 1e-8).sqrt()
        return try rooted / rooted.norm(p: 2, dims: [1], keepDim: true).clamp(min: 1e-12)
    }

    /// Copies torchvision's ImageNet VGG-16 (`features.*` of a `vgg16` state dict) into `features1`.
    public func loadVGG16(_ state: [String: Tensor]) throws {
        try store.loadSubtree(state, from: "features.", into: "features1.")
    }

    /// Copies a pretrained SCNN (the official `scnn.pkl`, a DataParallel `SCNN` state dict, or one of
    /// `SCNNClassifier`) into `features2`; only its `features.*` entries are used.
    public func loadSCNN(_ state: [String: Tensor]) throws {
        let prefixed = state.keys.contains { $0.hasPrefix("module.") }
        try store.loadSubtree(state, from: "features.", into: "features2.", stripPrefix: prefixed ? "module." : "")
    }

    public static func make(config: Config = .official, device: Device = Runtime.defaultDevice, channelsLast: Bool = true) throws -> DBCNN {
        try DBCNN(store: ParameterStore(device: device, channelsLast: channelsLast), config: config)
    }
}
