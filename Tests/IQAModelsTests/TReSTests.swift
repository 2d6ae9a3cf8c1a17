import Foundation
import XCTest
@testable import IQAModels
import Torch

final class TReSTests: XCTestCase {
    /// The tiny configuration of Fixtures/make_fixtures.py: basic blocks [1,1,1,1] of width 4
    /// (d_model 60), 4 heads, FFN 16, 2 layers, token grid 2, a 10-class model.fc.
    static var tiny: TReS.Config {
        var c = TReS.Config(backbone: ResNetSpec(block: .basic, layers: [1, 1, 1, 1], width: 4))
        c.heads = 4
        c.feedForward = 16
        c.tokenGrid = 2
        c.backboneClasses = 10
        return c
    }

    func testKeysShapesAndCountMatchOfficial() throws {
        let official = try officialStateDict("TReS")
        let model = try TReS.make(channelsLast: false)
        assertMatchesOfficial(model.store, official.entries)
        XCTAssertEqual(model.store.parameterCount, official.parameterCount)
        XCTAssertEqual(model.store.parameterCount, 19_820_457)
        XCTAssertEqual(model.config.dModel, 960)
        // The fixed L2-pooling filter: [[1,2,1],[2,4,2],[1,2,1]]/16 per channel.
        let filter = try XCTUnwrap(model.store["L2pooling_l2.filter"])
        XCTAssertEqual(Array(try filter.floats().prefix(9)), [1, 2, 1, 2, 4, 2, 1, 2, 1].map { Float($0) / 16 })
        XCTAssertFalse(filter.requiresGrad)
        // Transformer init: Xavier-uniform matrices, zero attention biases.
        let w = try XCTUnwrap(model.store["transformer.encoder.layers.0.self_attn.in_proj_weight"])
        XCTAssertLessThanOrEqual(try w.abs().max().item(), (6.0 / (960 + 2880)).squareRoot() + 1e-6)
        XCTAssertEqual(try model.store["transformer.encoder.layers.1.self_attn.in_proj_bias"]!.abs().max().item(), 0)
    }

    /// ResNet-18 at 64×64: layer4 is 2×2 and is adaptively pooled up to the 7×7 token grid.
    func testForwardShapeAndGradient() throws {
        Runtime.manualSeed(0)
        let model = try TReS.make()
        let x = try Tensor.randn([2, 3, 64, 64])
        let y = try model.scores(x)
        XCTAssertEqual(y.shape, [2])
        try y.sum().backward()
        for name in ["model.conv1.weight", "model.layer1.0.conv1.weight", "model.layer4.1.bn2.weight",
                     "transformer.encoder.layers.0.self_attn.in_proj_weight", "transformer.encoder.layers.1.linear2.weight",
                     "transformer.encoder.norm.weight", "fc2.weight", "fc.weight"] {
            let g = try XCTUnwrap(model.store[name]?.grad, name)
            XCTAssertGreaterThan(try g.abs().sum().item(), 0, name)
        }
        // The backbone's ImageNet classifier is kept for the state dict but not used.
        XCTAssertNil(model.store["model.fc.weight"]?.grad)
        // Dropout is active in train mode only.
        model.store.eval()
        let a = try withNoGrad { try model.scores(x) }, b = try withNoGrad { try model.scores(x) }
        XCTAssertEqual(try a.floats(), try b.floats())
    }

    /// The tiny PyTorch TReS (official structure and names, nn.MultiheadAttention) loaded into ours.
    func testMatchesPyTorch() throws {
        var state = try loadFixture("tres_tiny_backbone.pt")
        state.merge(try loadFixture("tres_tiny_head.pt")) { a, _ in a }
        let io = try loadFixture("tres_tiny_io.pt")
        let x = try XCTUnwrap(io["input"])
        for channelsLast in [false, true] {
            let model = try TReS.make(config: Self.tiny, channelsLast: channelsLast)
            XCTAssertEqual(try model.store.load(state, strict: true).loaded, state.count)
            model.store.eval()
            let (tokens, y) = try withNoGrad {
                let xs = channelsLast ? try x.channelsLast() : x
                return (try model.tokenMap(model.trunk.features(xs)), try model.scores(x))
            }
            try assertClose(tokens, try XCTUnwrap(io["tokens"]), atol: 1e-5, "tokens (channelsLast \(channelsLast))")
            try assertClose(y, try XCTUnwrap(io["output"]), atol: 1e-5, "output (channelsLast \(channelsLast))")
        }
    }

    func testMultiheadAttentionMatchesPyTorch() throws {
        let parts = try loadFixture("tres_parts.pt")
        let store = ParameterStore()
        let mha = try MultiheadAttention(store.root / "mha", embedDim: 32, heads: 4, dropout: 0.5)
        XCTAssertEqual(store.stateDict().map(\.name), ["mha.in_proj_weight", "mha.in_proj_bias", "mha.out_proj.weight", "mha.out_proj.bias"])
        try store.load(parts.filter { $0.key.hasPrefix("mha.") }, strict: true)
        store.eval()
        let out = try withNoGrad {
            try mha(query: XCTUnwrap(parts["mha_query"]), key: XCTUnwrap(parts["mha_key"]), value: XCTUnwrap(parts["mha_value"]))
        }
        try assertClose(out, try XCTUnwrap(parts["mha_output"]), atol: 1e-5, "attention")
    }

    func testSinePositionEncodingMatchesPyTorch() throws {
        let parts = try loadFixture("tres_parts.pt")
        try assertClose(try sinePositionEncoding(channels: 32, height: 3, width: 4), try XCTUnwrap(parts["pos_3x4"]), atol: 1e-5, "3×4")
        try assertClose(try sinePositionEncoding(channels: 64, height: 7, width: 7), try XCTUnwrap(parts["pos_7x7"]), atol: 1e-5, "7×7")
        XCTAssertThrowsError(try sinePositionEncoding(channels: 30, height: 2, width: 2))
    }

    func testL2PoolingMatchesPyTorch() throws {
        let parts = try loadFixture("tres_parts.pt")
        let model = try TReS.make(config: Self.tiny, channelsLast: false)
        let y = try TReS.l2Pool(try XCTUnwrap(parts["l2pool_input"]), filter: model.l2Filters[0])
        try assertClose(y, try XCTUnwrap(parts["l2pool_output"]), atol: 1e-5, "L2 pooling")
    }

    func testLoadBackboneFromTorchvisionLayout() throws {
        Runtime.manualSeed(2)
        let classifier = try ResNetClassifier(store: ParameterStore(), spec: Self.tiny.backbone, classes: 10)
        let model = try TReS.make(config: Self.tiny)
        try model.loadBackbone(Dictionary(uniqueKeysWithValues: classifier.store.stateDict().map { ($0.name, $0.tensor) }))
        XCTAssertEqual(try model.store["model.layer3.0.conv2.weight"]!.contiguous().floats(),
                       try classifier.store["layer3.0.conv2.weight"]!.contiguous().floats())
        XCTAssertEqual(try model.store["model.fc.bias"]!.floats(), try classifier.store["fc.bias"]!.floats())
    }

    /// The cpu preset's bias start: the score is linear in fc's bias, so setting it to the mean label
    /// moves every score by exactly (mean − old bias); the paper preset keeps the official zero start.
    func testOutputBiasStartsAtTheMeanLabel() throws {
        Runtime.manualSeed(0)
        let model = try TReS.make(config: Self.tiny, channelsLast: false)
        model.store.eval()
        let x = try Tensor.randn([2, 3, 64, 64])
        let before = try withNoGrad { try model.scores(x).floats() }
        let oldBias = try model.outputBias.item()
        try model.initializeOutputBias(52.5)
        XCTAssertEqual(try model.outputBias.floats(), [52.5])
        let after = try withNoGrad { try model.scores(x).floats() }
        for (b, a) in zip(before, after) { XCTAssertEqual(Double(a - b), 52.5 - oldBias, accuracy: 1e-3) }
        XCTAssertEqual(TrainingRecipe.preset("cpu", model: .tres)?.outputBiasFromLabels, true)
        XCTAssertEqual(TrainingRecipe.preset("cpu", model: .dbcnn)?.outputBiasFromLabels, true)
        XCTAssertNil(TrainingRecipe.preset("paper", model: .tres)?.outputBiasFromLabels)
        XCTAssertNil(TrainingRecipe.preset("cpu", model: .hyperiqa)?.outputBiasFromLabels)
    }
}
