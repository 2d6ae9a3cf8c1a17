import Torch

/// TReS (Golestaneh et al., WACV 2022) in the variant of the BAIQA code (`DBCNN.py`'s `Net`, spec §8.3):
/// a ResNet-18 (`model.*`, torchvision names) gives its four stage outputs; each is L2-normalised
/// across channels, "L2-pooled" (square → fixed 3×3 depthwise filter [[1,2,1],[2,4,2],[1,2,1]]/16,
/// stride 1, padding 1 → sqrt(· + 1e-12)), passed through Dropout(0.1) and average-pooled to 7×7
/// (pools 8/4/2/none at 224; here adaptive pooling, identical there, so other crop sizes work). The
/// concatenation, 960×7×7, is read as 49 tokens by a 2-layer pre-norm DETR encoder (d_model 960,
/// 16 heads, FFN 64, dropout 0.5, final LayerNorm) with a fixed 2-D sine positional encoding added to
/// queries and keys. Head: token average → `fc2` Linear(960 → 512), concatenated with the average-pooled
/// (raw) last stage (512) → `fc` Linear(1024 → 1).
///
/// The official forward also runs a horizontally flipped copy through the network for a consistency
/// loss (and the original TReS adds a relative-ranking loss); BAIQA's solvers use neither, only the
/// prediction, so `scores` returns the prediction alone. The original TReS objective (Golestaneh et
/// al., WACV 2022) is `originalTrainingLoss`, used by the `original` recipe.
///
/// The state dict matches the official one key for key, including the parts the forward never uses:
/// the `L2pooling_l1…4.filter` buffers and the backbone's ImageNet classifier `model.fc`.
/// 19,820,457 parameters at the official sizes.
public final class TReS: IQAModel {
    public struct Config: Codable, Equatable, Sendable {
        public var backbone: ResNetSpec
        /// Transformer: attention heads, encoder layers, feed-forward width.
        public var heads = 16, encoderLayers = 2, feedForward = 64
        /// Transformer dropout (attention weights, feed-forward, residual branches).
        public var dropout = 0.5
        /// Element-wise dropout on the L2-pooled stage features.
        public var featureDropout = 0.1
        /// Token grid side: the stages are pooled to tokenGrid × tokenGrid (7 at 224).
        public var tokenGrid = 7
        /// Output classes of the unused backbone classifier `model.fc` (1000 in the official model;
        /// nil leaves it out, which changes the state dict).
        public var backboneClasses: Int? = 1000

        public init(backbone: ResNetSpec = .resnet18) { self.backbone = backbone }

        /// Transformer width: the sum of the stage channels (960 for ResNet-18).
        public var dModel: Int { backbone.stageChannels.reduce(0, +) }

        public static let official = Config()
    }

    public let store: ParameterStore
    public let config: Config
    public var outputBias: Tensor { fc.bias! }
    public var lastStage: LastStageProbe { trunk.lastStage }
    public var name: String { "tres" }

    let l2Filters: [Tensor]           // L2pooling_l1…4.filter, [C, 1, 3, 3]
    let trunk: ResNetTrunk            // model.*
    let backboneFC: Linear?           // model.fc (unused)
    let encoder: TransformerEncoder   // transformer.encoder.*
    let fc2: Linear, fc: Linear
    let positionEncoding: Tensor      // [1, L, d_model]

    public init(store: ParameterStore, config: Config = .official) throws {
        self.store = store
        self.config = config
        let root = store.root
        let channels = config.backbone.stageChannels
        let d = config.dModel
        guard d % 4 == 0 else { throw TorchError("TReS: d_model \(d) must be divisible by 4 (sine encoding)") }
        guard d % config.heads == 0 else { throw TorchError("TReS: d_model \(d) is not divisible by \(config.heads) heads") }

        // Registration order = the official state_dict order: L2pooling_l*, model, transformer, fc2, fc.
        let kernel: [Float] = [1, 2, 1, 2, 4, 2, 1, 2, 1].map { $0 / 16 }
        l2Filters = try channels.enumerated().map { i, c in
            try (root / "L2pooling_l\(i + 1)").buffer("filter", Tensor(Array(repeating: kernel, count: c).flatMap { $0 },
                                                                   shape: [c, 1, 3, 3]))
        }
        trunk = try ResNetTrunk(root / "model", spec: config.backbone)
        backboneFC = try config.backboneClasses.map {
            try Linear(root / "model" / "fc", inFeatures: channels[3], outFeatures: $0)
        }
        encoder = try TransformerEncoder(root / "transformer" / "encoder", layers: config.encoderLayers, dModel: d,
                                         heads: config.heads, feedForward: config.feedForward, dropout: config.dropout,
                                         normalizeBefore: true)
        fc2 = try Linear(root / "fc2", inFeatures: d, outFeatures: channels[3])
        fc = try Linear(root / "fc", inFeatures: 2 * channels[3], outFeatures: 1)

        let g = config.tokenGrid
        positionEncoding = try sinePositionEncoding(channels: d, height: g, width: g, device: store.device)
            .flatten(from: 2).transpose(1, 2).contiguous()
    }

    public func scores(_ input: Tensor) throws -> Tensor {
        let x = store.channelsLast ? try input.channelsLast() : input
        return try scores(stages: trunk.features(x))
    }

    /// Everything after the backbone: the four stage outputs [N, C_i, H_i, W_i] → scores [N].
    public func scores(stages: [Tensor]) throws -> Tensor {
        try head(stages: stages, featureDropout: true).score
    }

    /// Scores [N] plus the transformer output [N, L, d] (the consistency loss compares it).
    func head(stages: [Tensor], featureDropout: Bool) throws -> (score: Tensor, memory: Tensor) {
        let g = config.tokenGrid
        let n = stages[0].size(0)
        let tokens = try tokenMap(stages, featureDropout: featureDropout).reshape([n, config.dModel, g * g]).transpose(1, 2)
        let memory = try encoder(tokens, pos: positionEncoding)                                            // [N, L, d]
        let quality = try fc2(memory.mean(dims: [1]))                                                      // [N, C4]
        let last = try stages[3].mean(dims: [2, 3])                                                        // [N, C4]
        return (try fc(Tensor.cat([quality, last], dim: 1)).squeeze(1), memory)
    }

    /// The original TReS forward: the prediction for `x` and the self-consistency loss
    /// L1(transformer(x), transformer(flip x)ᵈ) + L1(layer4(x), layer4(flip x)ᵈ), ᵈ = detached; the
    /// flipped pass skips the feature dropout, as in the original code.
    func consistentForward(_ x: Tensor) throws -> (score: Tensor, consistency: Tensor) {
        let stages = try trunk.features(x)
        let (score, memory) = try head(stages: stages, featureDropout: true)
        let flippedStages = try trunk.features(x.flip([3]))
        let flipped = try head(stages: flippedStages, featureDropout: false)
        let consistency = try F.l1Loss(memory, flipped.memory.detach()) + F.l1Loss(stages[3], flippedStages[3].detach())
        return (score, consistency)
    }

    /// The original TReS training loss for a batch of crops and their labels:
    ///
    ///     L1(p, y) + C(x) + L1(p', y) + C(flip x)
    ///       + ½(|R − R'ᵈ| + |R' − Rᵈ|) + 0.05(R + R')
    ///
    /// p, p' the predictions of x and flip(x), C the self-consistency loss, and R (R') the relative
    /// ranking loss on p (p'): with the batch sorted by label, two p = 1 triplet-margin terms, (lowest,
    /// second lowest, highest) with margin y_max − y_2nd-lowest and (highest, second highest, lowest)
    /// with margin y_2nd-highest − y_min. A batch of one has no ranking term.
    public func originalTrainingLoss(_ input: Tensor, labels: [Float]) throws -> Tensor {
        let x = store.channelsLast ? try input.channelsLast() : input
        let y = try Tensor(labels, shape: [labels.count]).to(store.device)
        let a = try consistentForward(x)
        let b = try consistentForward(x.flip([3]))
        var loss = try F.l1Loss(a.score, y) + a.consistency + F.l1Loss(b.score, y) + b.consistency
        if labels.count >= 2 {
            let r = try TReS.rankingLoss(a.score, labels: labels), rf = try TReS.rankingLoss(b.score, labels: labels)
            loss = try loss + ((r - rf.detach()).abs() + (rf - r.detach()).abs()) * 0.5 + (r + rf) * 0.05
        }
        return loss
    }

    /// The relative ranking loss R of the original TReS (see `originalTrainingLoss`); ties in the labels
    /// keep batch order. `nn.TripletMarginLoss(p=1)` measures |a − b + 1e-6|.
    public static func rankingLoss(_ predictions: Tensor, labels: [Float]) throws -> Tensor {
        let order = labels.indices.sorted { (labels[$0], $0) < (labels[$1], $1) }
        let lo = order[0], lo2 = order[1], hi = order[order.count - 1], hi2 = order[order.count - 2]
        func p(_ i: Int) throws -> Tensor { try predictions.narrow(0, start: i, length: 1) }
        func triplet(_ anchor: Int, _ positive: Int, _ negative: Int, margin: Float) throws -> Tensor {
            let dPositive = try (p(anchor) - p(positive) + 1e-6).abs(), dNegative = try (p(anchor) - p(negative) + 1e-6).abs()
            return try (dPositive - dNegative + Double(margin)).clamp(min: 0).sum()
        }
        return try triplet(lo, lo2, hi, margin: labels[hi] - labels[lo2]) + triplet(hi, hi2, lo, margin: labels[hi2] - labels[lo])
    }

    /// The transformer's input map [N, d_model, grid, grid]: per stage L2-normalise, L2-pool, dropout,
    /// average-pool to the grid; concatenated over channels.
    func tokenMap(_ stages: [Tensor], featureDropout: Bool = true) throws -> Tensor {
        guard stages.count == 4 else { throw TorchError("TReS: expected 4 stage outputs, got \(stages.count)") }
        let g = config.tokenGrid
        let training = store.isTraining && featureDropout
        var pooled: [Tensor] = []
        for (stage, filter) in zip(stages, l2Filters) {
            var t = try TReS.l2Pool(TReS.l2Normalize(stage), filter: filter)
            t = try F.dropout(t, p: config.featureDropout, training: training)
            if t.size(2) != g || t.size(3) != g { t = try F.adaptiveAvgPool2d(t, outputSize: (g, g)) }
            pooled.append(t)
        }
        return try Tensor.cat(pooled, dim: 1)
    }

    /// `F.normalize(x, dim=1)`: x / max(‖x‖₂ over channels, 1e-12).
    static func l2Normalize(_ x: Tensor) throws -> Tensor {
        try x / x.norm(p: 2, dims: [1], keepDim: true).clamp(min: 1e-12)
    }

    /// TReS's `L2pooling`: sqrt(depthwise_conv(x², filter, padding 1) + 1e-12).
    static func l2Pool(_ x: Tensor, filter: Tensor) throws -> Tensor {
        try (F.conv2d(x.square(), weight: filter, padding: (1, 1), groups: x.size(1)) + 1e-12).sqrt()
    }

    /// Copies a torchvision ResNet state dict (ImageNet weights) into `model.*`, classifier included
    /// when the model has one.
    public func loadBackbone(_ state: [String: Tensor]) throws {
        try store.loadSubtree(state, from: "", into: "model.")
    }

    public static func make(config: Config = .official, device: Device = Runtime.defaultDevice, channelsLast: Bool = true) throws -> TReS {
        try TReS(store: ParameterStore(device: device, channelsLast: channelsLast), config: config)
    }
}
