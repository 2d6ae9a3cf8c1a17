import XCTest

@testable import Torch

/// A network saved by PyTorch (Fixtures/make_fixtures.py, torch 1.13) rebuilt from Torch layers:
/// Sequential(Conv2d(3,4,3), BatchNorm2d(4), Flatten(), Linear(64,5)), loaded strictly from its
/// state_dict and run in eval mode, must reproduce PyTorch's output.
final class PyTorchParityTests: XCTestCase {
    private func buildNetwork(_ store: ParameterStore) throws -> Sequential {
        let root = store.root
        return Sequential([
            try Conv2d(root / 0, inChannels: 3, outChannels: 4, kernel: 3),
            try BatchNorm2d(root / 1, features: 4),
            Lambda { try $0.flatten(from: 1) },
            try Linear(root / 3, inFeatures: 64, outFeatures: 5),
        ])
    }

    func testStateDictNamesMatchPyTorch() throws {
        let store = ParameterStore()
        _ = try buildNetwork(store)
        let state = try TensorFile.loadTensors(from: fixtureURL("sequential_state.pt"))
        XCTAssertEqual(Set(store.stateDict().map(\.name)), Set(state.keys))
        XCTAssertEqual(store.stateDict().map(\.name), ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                                        "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"])
        for (name, t) in store.stateDict() {
            XCTAssertEqual(state[name]?.shape, t.shape, name)
            XCTAssertEqual(state[name]?.dtype, t.dtype, name)
        }
    }

    func testEvalOutputMatchesPyTorch() throws {
        let store = ParameterStore()
        let net = try buildNetwork(store)
        let state = try TensorFile.loadTensors(from: fixtureURL("sequential_state.pt"))
        let report = try store.load(state, strict: true)
        XCTAssertEqual(report.loaded, 9)
        XCTAssertEqual(try store["1.num_batches_tracked"]!.itemInt(), 3)

        let io = try TensorFile.loadTensors(from: fixtureURL("sequential_io.pt"))
        let x = try XCTUnwrap(io["input"]), expected = try XCTUnwrap(io["output"])
        XCTAssertEqual(x.shape, [2, 3, 6, 6])
        XCTAssertEqual(expected.shape, [2, 5])

        store.eval()
        let y = try withNoGrad { try net(x) }
        XCTAssertEqual(y.shape, [2, 5])
        assertClose(try y.floats(), try expected.floats(), rtol: 1e-5, atol: 1e-5)
        // eval mode left the loaded statistics alone
        XCTAssertEqual(try store["1.running_mean"]!.floats(), try state["1.running_mean"]!.floats())
        XCTAssertEqual(try store["1.num_batches_tracked"]!.itemInt(), 3)

        // sanity: the running statistics matter (train mode gives a different output)
        store.train()
        let yTrain = try withNoGrad { try net(x) }
        XCTAssertGreaterThan(zip(try yTrain.floats(), try expected.floats()).map { Swift.abs($0 - $1) }.max()!, 1e-3)
    }
}
