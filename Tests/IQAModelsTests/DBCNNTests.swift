import Foundation
import XCTest
@testable import IQAModels
import Torch

final class DBCNNTests: XCTestCase {
    /// The tiny configuration of Fixtures/make_fixtures.py.
    static let tiny = DBCNN.Config(vggWidths: [4, 4, 8, 8, 8], scnnChannels: [4, 4, 6, 6, 6, 6, 8, 8, 8])

    func testVGG16ConvIndicesAreTorchvisions() {
        XCTAssertEqual(VGG16Features.convIndices, [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28])
    }

    func testKeysShapesAndCountMatchOfficial() throws {
        let official = try officialStateDict("DBCNN")
        let model = try DBCNN.make(channelsLast: false)
        assertMatchesOfficial(model.store, official.entries)
        XCTAssertEqual(model.store.parameterCount, official.parameterCount)
        XCTAssertEqual(model.store.parameterCount, 15_311_345)
        // The official files are saved from DataParallel: "module." is stripped on load.
        XCTAssertFalse(model.store.entries.contains { $0.name.hasPrefix("module.") })
        // fc: Kaiming-normal weight, zero bias.
        XCTAssertEqual(try model.store["fc.bias"]!.item(), 0)
        let std = try model.store["fc.weight"]!.to(.float64).variance(dims: [1]).sqrt().item()
        XCTAssertEqual(std, (2.0 / 65536).squareRoot(), accuracy: 2e-4)
    }

    /// Official sizes at 72×72: VGG gives 4×4 maps, SCNN 5×5, so the resize path runs.
    func testForwardShapeAndGradient() throws {
        Runtime.manualSeed(0)
        let model = try DBCNN.make()
        let x = try Tensor.randn([2, 3, 72, 72])
        let y = try model.scores(x)
        XCTAssertEqual(y.shape, [2])
        XCTAssertTrue(try y.isFinite().to(.float32).min().item() == 1)
        try y.sum().backward()
        for name in ["fc.weight", "features1.0.weight", "features1.28.weight", "features2.0.weight", "features2.25.weight"] {
            let g = try XCTUnwrap(model.store[name]?.grad, name)
            XCTAssertGreaterThan(try g.abs().sum().item(), 0, name)
        }
        XCTAssertEqual(model.store.parameters(group: DBCNN.headGroup).map(\.name), ["fc.weight", "fc.bias"])
    }

    /// The tiny PyTorch DBCNN (same structure and names) loaded into ours gives the same outputs.
    func testMatchesPyTorch() throws {
        let state = try loadFixture("dbcnn_tiny_state.pt")
        let io = try loadFixture("dbcnn_tiny_io.pt")
        let x = try XCTUnwrap(io["input"])
        for channelsLast in [false, true] {
            let model = try DBCNN.make(config: Self.tiny, channelsLast: channelsLast)
            let report = try model.store.load(state, strict: true)
            XCTAssertEqual(report.loaded, state.count)
            model.store.eval()
            let (pooled, y) = try withNoGrad {
                let xs = channelsLast ? try x.channelsLast() : x
                return (try DBCNN.bilinearPool(model.features1(xs), model.features2(xs)), try model.scores(x))
            }
            try assertClose(pooled, try XCTUnwrap(io["pooled"]), atol: 1e-5, "pooled (channelsLast \(channelsLast))")
            try assertClose(y, try XCTUnwrap(io["output"]), atol: 1e-5, "output (channelsLast \(channelsLast))")
        }
        // With DataParallel's prefix.
        let model = try DBCNN.make(config: Self.tiny)
        let prefixed = Dictionary(uniqueKeysWithValues: state.map { ("module." + $0.key, $0.value) })
        XCTAssertTrue(try model.store.load(prefixed, strict: true, stripPrefix: "module.").isClean)
    }

    func testPretrainedSCNNAndVGGCarryOver() throws {
        Runtime.manualSeed(1)
        let scnn = try SCNNClassifier(store: ParameterStore(), channels: Self.tiny.scnnChannels, projectionWidth: 8, classes: 39)
        let logits = try scnn(Tensor.randn([2, 3, 32, 32]))
        XCTAssertEqual(logits.shape, [2, 39])
        XCTAssertEqual(scnn.store.stateDict().map(\.name).filter { !$0.hasPrefix("features.") },
                       ["projection.0.weight", "projection.0.bias", "projection.1.weight", "projection.1.bias",
                        "projection.1.running_mean", "projection.1.running_var", "projection.1.num_batches_tracked",
                        "projection.3.weight", "projection.3.bias", "projection.4.weight", "projection.4.bias",
                        "projection.4.running_mean", "projection.4.running_var", "projection.4.num_batches_tracked",
                        "classifier.weight", "classifier.bias"])
        // As the official scnn.pkl: a DataParallel state dict.
        let saved = Dictionary(uniqueKeysWithValues: scnn.store.stateDict().map { ("module." + $0.name, $0.tensor) })
        let model = try DBCNN.make(config: Self.tiny)
        try model.loadSCNN(saved)
        for (name, t) in scnn.store.stateDict() where name.hasPrefix("features.") {
            XCTAssertEqual(try model.store["features2." + name.dropFirst("features.".count)]!.to(.float64).doubles(),
                           try t.to(.float64).doubles(), name)
        }
        // A torchvision-style VGG state dict (features.* plus a classifier that is ignored).
        let vggStore = ParameterStore()
        _ = try VGG16Features(vggStore.root / "features", widths: Self.tiny.vggWidths)
        _ = try Linear(vggStore.root / "classifier" / 0, inFeatures: 8, outFeatures: 3)
        try model.loadVGG16(Dictionary(uniqueKeysWithValues: vggStore.stateDict().map { ($0.name, $0.tensor) }))
        XCTAssertEqual(try model.store["features1.28.weight"]!.floats(), try vggStore["features.28.weight"]!.floats())
        // A state dict that does not fit is refused.
        XCTAssertThrowsError(try model.loadSCNN(["features.0.weight": try Tensor.zeros([1, 1, 3, 3])]))
    }
}
