import Torch

/// HyperIQA (Su et al., CVPR 2020) as in the official code (spec §8.1): a ResNet backbone with local
/// distortion-aware (LDA) branches yields a 224-d "target input" vector; a hyper-network on the last
/// stage's features generates, per image, the weights of a 5-layer target network 224→112→56→28→14→1.
public final class HyperIQA: IQAModel {
    public struct Config: Codable, Equatable, Sendable {
        public var backbone: ResNetSpec
        public var ldaOutChannels = 16
        public var hyperInChannels = 112
        public var targetInSize = 224
        public var targetFC = [112, 56, 28, 14]
        /// Spatial size of the hyper-network's feature map (7 for 224 crops). Smaller crops give a smaller
        /// last stage, which is adaptively pooled to this size so the weight generators keep their shapes.
        public var featureSize = 7

        public init(backbone: ResNetSpec) { self.backbone = backbone }
    }

    public let store: ParameterStore
    public let config: Config
    public var outputBias: Tensor { fc5b.bias! }
    public var lastStage: LastStageProbe { trunk.lastStage }
    public var name: String { "hyperiqa" }

    let trunk: ResNetTrunk
    let ldaConvs: [Conv2d]            // lda1..3_pool.0 (1×1, no bias)
    let ldaFCs: [Linear]              // lda1..4_fc
    let ldaGrids = [8, 4, 2, 1]       // pooled grid per stage: AvgPool2d(7, 7) at 224
    let hyperConvs: [Conv2d]          // conv1.0, conv1.2, conv1.4
    let weightConvs: [Conv2d]         // fc1w_conv … fc4w_conv
    let biasFCs: [Linear]             // fc1b_fc … fc4b_fc
    let fc5w: Linear, fc5b: Linear

    /// Parameter group of the hyper-network head (everything outside `res`), trained at 10× lr.
    public static let headGroup = 1

    public init(store: ParameterStore, config: Config) throws {
        self.store = store
        self.config = config
        let root = store.root
        let res = root / "res"
        trunk = try ResNetTrunk(res, spec: config.backbone)
        let ch = config.backbone.stageChannels
        let ldaMid = [config.ldaOutChannels, config.ldaOutChannels * 2, config.ldaOutChannels * 4]
        let he = Initializer.kaimingNormal(a: 0, mode: .fanIn)
        // Registration order = the official state_dict order: lda1_pool, lda1_fc, lda2_pool, …
        var convs: [Conv2d] = [], fcs: [Linear] = []
        for i in 0..<3 {
            convs.append(try Conv2d(res / "lda\(i + 1)_pool" / 0, inChannels: ch[i], outChannels: ldaMid[i], kernel: 1,
                                    bias: false, weightInit: he))
            fcs.append(try Linear(res / "lda\(i + 1)_fc", inFeatures: ldaMid[i] * ldaGrids[i] * ldaGrids[i],
                                  outFeatures: config.ldaOutChannels, weightInit: he))
        }
        fcs.append(try Linear(res / "lda4_fc", inFeatures: ch[3], outFeatures: config.targetInSize - config.ldaOutChannels * 3, weightInit: he))
        ldaConvs = convs
        ldaFCs = fcs

        // The hyper head joins optimiser group 1 (the official code gives it lr × 10).
        let head = root.group(HyperIQA.headGroup)
        hyperConvs = [
            try Conv2d(head / "conv1" / 0, inChannels: ch[3], outChannels: 1024, kernel: 1),
            try Conv2d(head / "conv1" / 2, inChannels: 1024, outChannels: 512, kernel: 1),
            try Conv2d(head / "conv1" / 4, inChannels: 512, outChannels: config.hyperInChannels, kernel: 1),
        ]
        let sizes = [config.targetInSize] + config.targetFC
        let fs2 = config.featureSize * config.featureSize
        var wconvs: [Conv2d] = [], bfcs: [Linear] = []
        for i in 0..<4 {
            let (fin, fout) = (sizes[i], sizes[i + 1])
            guard (fin * fout) % fs2 == 0 else { throw TorchError("HyperIQA: \(fin)×\(fout) is not divisible by \(fs2)") }
            wconvs.append(try Conv2d(head / "fc\(i + 1)w_conv", inChannels: config.hyperInChannels, outChannels: fin * fout / fs2,
                                     kernel: 3, padding: 1, weightInit: he))
            bfcs.append(try Linear(head / "fc\(i + 1)b_fc", inFeatures: config.hyperInChannels, outFeatures: fout, weightInit: he))
        }
        weightConvs = wconvs
        biasFCs = bfcs
        fc5w = try Linear(head / "fc5w_fc", inFeatures: config.hyperInChannels, outFeatures: config.targetFC[3], weightInit: he)
        fc5b = try Linear(head / "fc5b_fc", inFeatures: config.hyperInChannels, outFeatures: 1, weightInit: he)
    }

    public func scores(_ input: Tensor) throws -> Tensor {
        let x = store.channelsLast ? try input.channelsLast() : input
        let stages = try trunk.features(x)
        let n = x.size(0)

        // Target-network input: LDA vectors of the four stages.
        var lda: [Tensor] = []
        for i in 0..<4 {
            let pooled = i < 3 ? try ldaConvs[i](stages[i]) : stages[i]
            let grid = ldaGrids[i]
            let v = try F.adaptiveAvgPool2d(pooled, outputSize: (grid, grid)).reshape([n, -1])
            lda.append(try ldaFCs[i](v))
        }
        let targetIn = try Tensor.cat(lda, dim: 1).unsqueeze(2)                 // [N, 224, 1]

        // Hyper-network: per-image weights and biases of the target network.
        var h = stages[3]
        let fs = config.featureSize
        if h.size(2) != fs || h.size(3) != fs { h = try F.adaptiveAvgPool2d(h, outputSize: (fs, fs)) }
        for conv in hyperConvs { h = try conv(h).relu_() }
        let pooled = try F.adaptiveAvgPool2d(h, outputSize: (1, 1)).reshape([n, config.hyperInChannels])
        let sizes = [config.targetInSize] + config.targetFC
        var q = targetIn
        for i in 0..<4 {
            // fc{i}w_conv output [N, C, fs, fs] read as [N, fout, fin] in PyTorch's (contiguous) order.
            let w = try weightConvs[i](h).contiguous().reshape([n, sizes[i + 1], sizes[i]])
            let b = try biasFCs[i](pooled).unsqueeze(2)
            q = try w.bmm(q).add_(b).sigmoid_()
        }
        let w5 = try fc5w(pooled).unsqueeze(1)                                  // [N, 1, 14]
        let b5 = try fc5b(pooled)                                                // [N, 1]
        return try (w5.bmm(q).squeeze(2) + b5).squeeze(1)
    }

    public static func make(config: Config, device: Device = Runtime.defaultDevice, channelsLast: Bool = true) throws -> HyperIQA {
        try HyperIQA(store: ParameterStore(device: device, channelsLast: channelsLast), config: config)
    }
}
