import Foundation
import TorchPickle
import XCTest

@testable import Torch

/// TensorFile: torch.save-format files written and read by the Torch module.
final class TensorFileTests: XCTestCase {
    func testRoundTripOfEveryDType() throws {
        let url = temporaryFile(self)
        let f32 = try Tensor([1.5, -2.25, 3e-8, .greatestFiniteMagnitude, -0.0, 7] as [Float], shape: [2, 3])
        let f64 = try Tensor([Double.pi, -1e300, Double.leastNonzeroMagnitude] as [Double])
        let i64 = try Tensor([1, -2, Int64(1) << 40, .min] as [Int64], shape: [2, 2])
        let u8 = try Tensor([0, 1, 128, 255] as [UInt8])
        let bool = try Tensor([1, 0, 0, 1, 1] as [UInt8]).to(.bool)
        let scalar = try Tensor.scalar(42.5, dtype: .float32)
        let empty = try Tensor.zeros([0, 3])
        try TensorFile.save([("f32", f32), ("f64", f64), ("i64", i64), ("u8", u8), ("bool", bool),
                             ("scalar", scalar), ("empty", empty)], to: url)

        let loaded = try TensorFile.loadTensors(from: url)
        XCTAssertEqual(Set(loaded.keys), ["f32", "f64", "i64", "u8", "bool", "scalar", "empty"])
        let lf32 = try XCTUnwrap(loaded["f32"])
        XCTAssertEqual(lf32.dtype, .float32)
        XCTAssertEqual(lf32.shape, [2, 3])
        XCTAssertEqual(try lf32.bytes(), try f32.bytes(), "bit-exact, including −0")
        XCTAssertEqual(try loaded["f64"]!.doubles(), [Double.pi, -1e300, Double.leastNonzeroMagnitude])
        XCTAssertEqual(loaded["f64"]!.dtype, .float64)
        XCTAssertEqual(try loaded["i64"]!.scalars(as: Int64.self), [1, -2, 1 << 40, .min])
        XCTAssertEqual(loaded["i64"]!.shape, [2, 2])
        XCTAssertEqual(try loaded["u8"]!.scalars(as: UInt8.self), [0, 1, 128, 255])
        XCTAssertEqual(loaded["bool"]!.dtype, .bool)
        XCTAssertEqual(try loaded["bool"]!.bytes(), [1, 0, 0, 1, 1])
        XCTAssertEqual(loaded["scalar"]!.shape, [])
        XCTAssertEqual(try loaded["scalar"]!.item(), 42.5)
        XCTAssertEqual(loaded["empty"]!.shape, [0, 3])
        XCTAssertEqual(loaded["empty"]!.count, 0)
        XCTAssertFalse(loaded["f32"]!.requiresGrad)
    }

    func testNonContiguousAndGradTensorsAreSavedByValue() throws {
        let url = temporaryFile(self)
        let base = try Tensor.arange(0, 6, dtype: .float64).reshape([2, 3])
        let transposed = try base.transpose(0, 1)  // [[0,3],[1,4],[2,5]]
        XCTAssertFalse(transposed.isContiguous)
        let parameter = try Tensor([1, 2] as [Float]).requiringGrad()
        try TensorFile.save([("t", transposed), ("p", parameter)], to: url)
        let loaded = try TensorFile.loadTensors(from: url)
        XCTAssertEqual(loaded["t"]!.shape, [3, 2])
        XCTAssertEqual(try loaded["t"]!.doubles(), [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(try loaded["p"]!.floats(), [1, 2])
    }

    func testMetadataEntries() throws {
        let url = temporaryFile(self)
        let w = try Tensor([1, 2, 3] as [Float])
        try TensorFile.save([("w", w)], metadata: [("epoch", .int(7)), ("arch", .string("hyperiqa")), ("lr", .double(2e-5))],
                            to: url)
        let raw = try TorchFile.load(contentsOf: url)
        let dict = try XCTUnwrap(raw.dictValue)
        XCTAssertEqual(dict["epoch"]?.intValue, 7)
        XCTAssertEqual(dict["arch"]?.stringValue, "hyperiqa")
        XCTAssertEqual(dict["lr"]?.doubleValue, 2e-5)
        XCTAssertEqual(dict["w"]?.tensorValue?.shape, [3])
        // loadTensors keeps the tensors only
        let tensors = try TensorFile.loadTensors(from: url)
        XCTAssertEqual(Array(tensors.keys), ["w"])
        XCTAssertEqual(try tensors["w"]!.floats(), [1, 2, 3])
    }

    func testSingleTensorFiles() throws {
        let url = temporaryFile(self)
        let t = try Tensor([0.5, 1.5, 2.5, 3.5] as [Float], shape: [2, 2])
        try TensorFile.save(t, to: url)
        let back = try TensorFile.loadTensor(from: url)
        XCTAssertEqual(back.shape, [2, 2])
        XCTAssertEqual(try back.floats(), [0.5, 1.5, 2.5, 3.5])
        // loadTensors wants a dict
        assertTorchError(containing: "expected a dict of tensors, found a tensor") { try TensorFile.loadTensors(from: url) }
        // loadTensor accepts a dict with exactly one tensor, not two
        let two = temporaryFile(self)
        try TensorFile.save([("a", t), ("b", t)], to: two)
        assertTorchError(containing: "expected one tensor, found a dict with 2") { try TensorFile.loadTensor(from: two) }
    }

    func testMissingFileThrows() {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("does-not-exist-\(UUID().uuidString).pt")
        XCTAssertThrowsError(try TensorFile.loadTensors(from: url))
    }

    /// The trigger released with the paper (saved by PyTorch as a single [3, 64] float32 tensor).
    func testOfficialTrigger() throws {
        let url = repositoryRoot.appendingPathComponent("../shared/reference/trigger_p0.2_adam_e8.pt").standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("official trigger not found at \(url.path) (the shared reference folder is not part of the repository)")
        }
        let trigger = try TensorFile.loadTensor(from: url)
        XCTAssertEqual(trigger.shape, [3, 64])
        XCTAssertEqual(trigger.dtype, .float32)
        let values = try trigger.floats()
        XCTAssertEqual(values[0], 60.49598693847656)
        XCTAssertEqual(values[1], 816.2697143554688)
    }
}
