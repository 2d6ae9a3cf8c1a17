import XCTest

@testable import Torch

/// Names, duplicate detection, strict / lenient loading, prefixes, trainability and groups.
final class ParameterStoreTests: XCTestCase {
    /// a.0 = Linear(3→2), a.1 = BatchNorm2d(2), head = Linear(2→1) in group 1.
    private func makeStore() throws -> ParameterStore {
        let store = ParameterStore()
        _ = try Linear(store.root / "a" / 0, inFeatures: 3, outFeatures: 2)
        _ = try BatchNorm2d(store.root / "a" / 1, features: 2)
        _ = try Linear(store.root.group(1) / "head", inFeatures: 2, outFeatures: 1)
        return store
    }

    private let allNames = ["a.0.weight", "a.0.bias", "a.1.weight", "a.1.bias", "a.1.running_mean", "a.1.running_var",
                            "a.1.num_batches_tracked", "head.weight", "head.bias"]

    /// A full state dict for `makeStore()` with every value distinct from the fresh model's.
    private func checkpoint() throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, shape) in [("a.0.weight", [2, 3]), ("a.0.bias", [2]), ("a.1.weight", [2]), ("a.1.bias", [2]),
                           ("a.1.running_mean", [2]), ("a.1.running_var", [2]), ("head.weight", [1, 2]), ("head.bias", [1])] {
            out[k] = try Tensor.full(shape, 7.5)
        }
        out["a.1.num_batches_tracked"] = try Tensor.scalar(42, dtype: .int64)
        return out
    }

    private func snapshot(_ store: ParameterStore) throws -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for (name, t) in store.stateDict() { out[name] = try t.doubles() }
        return out
    }

    func testNamesFollowPaths() throws {
        let store = try makeStore()
        XCTAssertEqual(store.stateDict().map(\.name), allNames)
        XCTAssertEqual((store.root / "a" / 0).name("weight"), "a.0.weight")
        XCTAssertEqual(store["a.0.weight"]?.shape, [2, 3])
        XCTAssertEqual(store["a.1.num_batches_tracked"]?.dtype, .int64)
        XCTAssertNil(store["a.0.nothing"])
        XCTAssertEqual(store.parameterCount, 6 + 2 + 2 + 2 + 2 + 1)
        // buffers are not parameters
        XCTAssertEqual(store.parameters().map(\.name), ["a.0.weight", "a.0.bias", "a.1.weight", "a.1.bias", "head.weight", "head.bias"])
        XCTAssertTrue(store.parameters().allSatisfy { $0.tensor.requiresGrad })
        XCTAssertFalse(try XCTUnwrap(store["a.1.running_mean"]).requiresGrad)
    }

    func testGroups() throws {
        let store = try makeStore()
        XCTAssertEqual(store.parameters(group: 0).map(\.name), ["a.0.weight", "a.0.bias", "a.1.weight", "a.1.bias"])
        XCTAssertEqual(store.parameters(group: 1).map(\.name), ["head.weight", "head.bias"])
        let g = ParameterGroup(store: store, group: 1, learningRate: 0.3)
        XCTAssertEqual(g.parameters.map(\.name), ["head.weight", "head.bias"])
    }

    func testDuplicateNamesThrow() throws {
        let store = try makeStore()
        assertTorchError(containing: "duplicate parameter name 'a.0.weight'") {
            try Linear(store.root / "a" / 0, inFeatures: 3, outFeatures: 2)
        }
        assertTorchError(containing: "duplicate") { try (store.root / "head").buffer("bias", Tensor.zeros([1])) }
    }

    func testStrictLoadCopiesEverything() throws {
        let store = try makeStore()
        let report = try store.load(try checkpoint(), strict: true)
        XCTAssertTrue(report.isClean)
        XCTAssertEqual(report.loaded, 9)
        XCTAssertEqual(try store["a.0.weight"]!.floats(), [Float](repeating: 7.5, count: 6))
        XCTAssertEqual(try store["a.1.num_batches_tracked"]!.itemInt(), 42)
        // loading keeps the model's tensors (identity, dtype, requires_grad), it copies values in
        XCTAssertEqual(store["a.0.weight"]!.dtype, .float32)
        XCTAssertTrue(store["a.0.weight"]!.requiresGrad)
    }

    func testStrictLoadThrowsAndChangesNothing() throws {
        let store = try makeStore()
        let before = try snapshot(store)

        var missing = try checkpoint()
        missing["a.1.running_var"] = nil
        assertTorchError(containing: "missing keys: a.1.running_var") { try store.load(missing, strict: true) }

        var unexpected = try checkpoint()
        unexpected["a.2.weight"] = try Tensor.zeros([3])
        assertTorchError(containing: "unexpected keys: a.2.weight") { try store.load(unexpected, strict: true) }

        var mismatched = try checkpoint()
        mismatched["a.0.weight"] = try Tensor.zeros([3, 2])
        assertTorchError(containing: "a.0.weight: checkpoint [3, 2] vs model [2, 3]") { try store.load(mismatched, strict: true) }

        XCTAssertEqual(try snapshot(store), before)
    }

    func testLenientLoadReports() throws {
        let store = try makeStore()
        var values = try checkpoint()
        values["a.1.running_var"] = nil
        values["head.bias"] = try Tensor.zeros([3])
        values["extra.thing"] = try Tensor.zeros([1])
        let before = try snapshot(store)
        let report = try store.load(values, strict: false)
        XCTAssertEqual(report.missing, ["a.1.running_var"])
        XCTAssertEqual(report.unexpected, ["extra.thing"])
        XCTAssertEqual(report.shapeMismatches, ["head.bias: checkpoint [3] vs model [1]"])
        XCTAssertEqual(report.loaded, 7)
        XCTAssertFalse(report.isClean)
        XCTAssertEqual(try store["a.0.bias"]!.floats(), [7.5, 7.5])
        XCTAssertEqual(try store["a.1.running_var"]!.doubles(), before["a.1.running_var"])
        XCTAssertEqual(try store["head.bias"]!.doubles(), before["head.bias"])
    }

    func testStripPrefix() throws {
        let store = try makeStore()
        var prefixed: [String: Tensor] = [:]
        for (k, v) in try checkpoint() { prefixed["module." + k] = v }
        XCTAssertThrowsError(try store.load(prefixed, strict: true))
        let report = try store.load(prefixed, strict: true, stripPrefix: "module.")
        XCTAssertEqual(report.loaded, 9)
        XCTAssertEqual(try store["head.weight"]!.floats(), [7.5, 7.5])
    }

    func testSetTrainable() throws {
        let store = try makeStore()
        try store.setTrainable(false, prefix: "a.")
        XCTAssertEqual(store.parameters().map(\.name), ["head.weight", "head.bias"])
        XCTAssertFalse(store["a.0.weight"]!.requiresGrad)
        // frozen parameters get no gradient
        let x = try Tensor.ones([1, 3])
        let y = try F.linear(x, weight: store["a.0.weight"]!, bias: store["a.0.bias"]!)
        XCTAssertFalse(y.requiresGrad)
        try store.setTrainable(true, prefix: "a.0")
        XCTAssertEqual(store.parameters().map(\.name), ["a.0.weight", "a.0.bias", "head.weight", "head.bias"])
        try store.setTrainable(false)
        XCTAssertTrue(store.parameters().isEmpty)
    }

    func testZeroGradClearsEveryParameter() throws {
        let store = try makeStore()
        let w = store["head.weight"]!, b = store["head.bias"]!
        try F.linear(Tensor.ones([1, 2]), weight: w, bias: b).sum().backward()
        XCTAssertNotNil(w.grad)
        store.zeroGrad()
        XCTAssertNil(w.grad)
        XCTAssertNil(b.grad)
    }
}
