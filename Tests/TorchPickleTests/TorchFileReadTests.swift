import Foundation
import XCTest

@testable import TorchPickle

/// Reading files written by Python's torch.save (torch 1.13), with values checked exactly.
final class TorchFileReadTests: XCTestCase {
    func testMixedDictTensors() throws {
        let root = try loadFixture("mixed.pt")
        let dict = try XCTUnwrap(root.dictValue)
        XCTAssertEqual(dict.keys.compactMap(\.stringValue),
                       ["weight", "ids", "scale", "view", "column", "transposed", "shared_a", "shared_b", "mask", "meta"])

        let weight = try XCTUnwrap(root["weight"]?.tensorValue)
        XCTAssertEqual(weight.dtype, .float32)
        XCTAssertEqual(weight.shape, [2, 3])
        XCTAssertEqual(weight.strides, [3, 1])
        XCTAssertFalse(weight.requiresGrad)
        XCTAssertEqual(try weight.values(as: Float.self), [1.5, -2.0, 3.25, 4.0, 0.005, -6.0])

        let ids = try XCTUnwrap(root["ids"]?.tensorValue)
        XCTAssertEqual(ids.dtype, .int64)
        XCTAssertEqual(try ids.values(as: Int64.self), [1, -2, 3, 1 << 40])

        let scale = try XCTUnwrap(root["scale"]?.tensorValue)
        XCTAssertEqual(scale.dtype, .float64)
        XCTAssertEqual(scale.shape, [])
        XCTAssertEqual(scale.count, 1)
        XCTAssertEqual(try scale.values(as: Double.self), [3.141592653589793])

        let mask = try XCTUnwrap(root["mask"]?.tensorValue)
        XCTAssertEqual(mask.dtype, .bool)
        XCTAssertEqual(try mask.values(as: Bool.self), [true, false, true])
    }

    func testNonContiguousViews() throws {
        let root = try loadFixture("mixed.pt")
        // base = arange(12).reshape(3, 4); view = base[:, 1:]
        let view = try XCTUnwrap(root["view"]?.tensorValue)
        XCTAssertEqual(view.shape, [3, 3])
        XCTAssertEqual(view.strides, [4, 1])
        XCTAssertEqual(view.storageOffset, 1)
        XCTAssertFalse(view.isContiguous)
        XCTAssertEqual(view.storage.count, 12 * 4)
        XCTAssertEqual(try view.values(as: Float.self), [1, 2, 3, 5, 6, 7, 9, 10, 11])
        XCTAssertEqual(view.contiguousBytes().count, 9 * 4)

        let column = try XCTUnwrap(root["column"]?.tensorValue)
        XCTAssertEqual(column.shape, [3])
        XCTAssertEqual(column.strides, [4])
        XCTAssertEqual(column.storageOffset, 2)
        XCTAssertEqual(try column.values(as: Float.self), [2, 6, 10])

        let transposed = try XCTUnwrap(root["transposed"]?.tensorValue)
        XCTAssertEqual(transposed.shape, [4, 3])
        XCTAssertEqual(transposed.strides, [1, 4])
        XCTAssertEqual(try transposed.values(as: Float.self), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])

        let contiguous = transposed.contiguous()
        XCTAssertTrue(contiguous.isContiguous)
        XCTAssertEqual(contiguous.strides, [3, 1])
        XCTAssertEqual(contiguous, transposed)  // equality is by elements, not layout
    }

    func testSharedStorage() throws {
        let root = try loadFixture("mixed.pt")
        let a = try XCTUnwrap(root["shared_a"]?.tensorValue)
        let b = try XCTUnwrap(root["shared_b"]?.tensorValue)
        XCTAssertEqual(a.dtype, .int32)
        XCTAssertEqual(try a.values(as: Int32.self), [10, 20, 30, 40])
        XCTAssertEqual(b.shape, [2, 2])
        XCTAssertEqual(b.storageOffset, 2)
        XCTAssertEqual(try b.values(as: Int32.self), [30, 40, 50, 60])
        // One storage record, one buffer.
        XCTAssertEqual(a.storage.count, 6 * 4)
        let sameBuffer = a.storage.withUnsafeBytes { pa in
            b.storage.withUnsafeBytes { pb in pa.baseAddress == pb.baseAddress }
        }
        XCTAssertTrue(sameBuffer, "tensors with one storage key should share their bytes")
    }

    func testNestedMetadata() throws {
        let meta = try XCTUnwrap(try loadFixture("mixed.pt")["meta"])
        XCTAssertEqual(meta["epoch"], .int(7))
        XCTAssertEqual(meta["lr"], .double(1e-4))
        XCTAssertEqual(meta["name"], .string("hyperiqa"))
        XCTAssertEqual(meta["layers"], .list([1, 2, 3]))
        XCTAssertEqual(meta["flag"], .bool(true))
        XCTAssertEqual(meta["nothing"], PickleValue.none)
        XCTAssertEqual(meta["big"], .int(1 << 40))
        XCTAssertEqual(meta["negative"], .int(-5))
        XCTAssertEqual(meta["pair"], .tuple([1, "a"]))
        XCTAssertEqual(meta["blob"], .bytes(Data([0x00, 0x01, 0xFE])))  // protocol 2: _codecs.encode
        XCTAssertEqual(meta["lr"]?.doubleValue, 1e-4)
        XCTAssertEqual(meta["epoch"]?.doubleValue, 7)
    }

    func testProtocol4GivesTheSameValue() throws {
        // FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE, SHORT_BINBYTES instead of protocol 2's opcodes.
        XCTAssertEqual(try loadFixture("mixed_protocol4.pt"), try loadFixture("mixed.pt"))
    }

    func testOtherDTypes() throws {
        let root = try loadFixture("dtypes.pt")
        let f16 = try XCTUnwrap(root["f16"]?.tensorValue)
        XCTAssertEqual(f16.dtype, .float16)
        XCTAssertEqual(f16.floatValues(), [1.0, -0.5, 65504.0, 6.103515625e-05])
        let bf16 = try XCTUnwrap(root["bf16"]?.tensorValue)
        XCTAssertEqual(bf16.dtype, .bfloat16)
        XCTAssertEqual(bf16.floatValues(), [1.0, -2.5, 3.00405527047391e+38])
        XCTAssertEqual(try root["i32"]?.tensorValue?.values(as: Int32.self), [Int32.min, Int32.max])
        XCTAssertEqual(try root["i16"]?.tensorValue?.values(as: Int16.self), [Int16.min, Int16.max])
        XCTAssertEqual(try root["i8"]?.tensorValue?.values(as: Int8.self), [Int8.min, Int8.max])
        XCTAssertEqual(try root["u8"]?.tensorValue?.values(as: UInt8.self), [0, 255])
        XCTAssertEqual(root["i16"]?.tensorValue?.doubleValues(), [-32768, 32767])
        let empty = try XCTUnwrap(root["empty"]?.tensorValue)
        XCTAssertEqual(empty.shape, [0, 3])
        XCTAssertEqual(empty.count, 0)
        XCTAssertEqual(empty.contiguousBytes().count, 0)
        XCTAssertEqual(try empty.values(as: Float.self), [])
    }

    func testStateDictOfConvAndBatchNorm() throws {
        let sd = try XCTUnwrap(try loadFixture("state_dict.pt").dictValue)
        XCTAssertEqual(sd.keys.compactMap(\.stringValue), [
            "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
        ])
        let conv = try XCTUnwrap(sd["0.weight"]?.tensorValue)
        XCTAssertEqual(conv.shape, [2, 1, 3, 3])
        XCTAssertEqual(conv.strides, [9, 9, 3, 1])
        let expected = (0 ..< 18).map { Float($0) * 0.1 }
        XCTAssertEqual(try conv.values(as: Float.self), expected)
        XCTAssertEqual(try sd["0.bias"]?.tensorValue?.values(as: Float.self), [0.5, -0.5])
        XCTAssertEqual(try sd["1.weight"]?.tensorValue?.values(as: Float.self), [1.25, 0.75])
        XCTAssertEqual(try sd["1.bias"]?.tensorValue?.values(as: Float.self), [0.1, -0.1])
        XCTAssertEqual(try sd["1.running_mean"]?.tensorValue?.values(as: Float.self), [0.2, 0.3])
        XCTAssertEqual(try sd["1.running_var"]?.tensorValue?.values(as: Float.self), [1.5, 2.5])
        let tracked = try XCTUnwrap(sd["1.num_batches_tracked"]?.tensorValue)
        XCTAssertEqual(tracked.dtype, .int64)
        XCTAssertEqual(tracked.shape, [])
        XCTAssertEqual(try tracked.values(as: Int64.self), [3])
    }

    func testPlainTensorAndParameter() throws {
        let t = try XCTUnwrap(try loadFixture("tensor.pt").tensorValue)
        XCTAssertEqual(t.shape, [5])
        XCTAssertEqual(try t.values(as: Float.self), [0, 0.25, 0.5, 0.75, 1])

        let p = try XCTUnwrap(try loadFixture("parameter.pt").tensorValue)  // torch._utils._rebuild_parameter
        XCTAssertTrue(p.requiresGrad)
        XCTAssertEqual(p.shape, [1, 2])
        XCTAssertEqual(try p.values(as: Float.self), [0.25, -0.75])
    }

    /// The pre-1.6 format (torchvision's vgg16-397923af.pth, the model zoo's resnet50-19c8e357.pth).
    func testLegacyFormat() throws {
        XCTAssertEqual(try XCTUnwrap(try loadFixture("legacy.pt").tensorValue).values(as: Float.self), [1])
        let sd = try XCTUnwrap(try loadFixture("legacy_state.pth").dictValue)
        XCTAssertEqual(sd.keys.compactMap(\.stringValue), [
            "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
            "shared_a", "shared_b", "ids",
        ])
        XCTAssertEqual(try sd["0.weight"]?.tensorValue?.values(as: Float.self), (0 ..< 18).map { Float($0) * 0.1 })
        XCTAssertEqual(try sd["1.running_var"]?.tensorValue?.values(as: Float.self), [1.5, 2.5])
        XCTAssertEqual(try sd["1.num_batches_tracked"]?.tensorValue?.values(as: Int64.self), [3])
        let a = try XCTUnwrap(sd["shared_a"]?.tensorValue), b = try XCTUnwrap(sd["shared_b"]?.tensorValue)
        XCTAssertEqual(a.storageOffset, 2)
        XCTAssertEqual(b.storageOffset, 5)
        XCTAssertEqual(b.shape, [2, 2])
        XCTAssertEqual(try a.values(as: Float.self), [0.5, 0.75, 1.0, 1.25])
        XCTAssertEqual(try b.values(as: Float.self), [1.25, 1.5, 1.75, 2.0])
        XCTAssertEqual(try sd["ids"]?.tensorValue?.values(as: Int64.self), [1, -2, 1 << 40])
        // Cut anywhere after the header: an error, never a partial state dict.
        let bytes = try Data(contentsOf: fixtureURL("legacy_state.pth"))
        for cut in [20, 200, bytes.count - 200, bytes.count - 1] {
            XCTAssertThrowsError(try TorchFile.decode(bytes.prefix(cut)), "cut at \(cut)") { error in
                XCTAssertTrue([.truncated, .malformedPickle].contains((error as? TorchFileError)?.kind), "\(cut): \(error)")
            }
        }
    }

    func testUnsupportedFormatsAreNamed() throws {
        assertTorchFileError(.unsupported, containing: "deflate") {
            _ = try loadFixture("deflated.pt")
        }
    }

    /// The official BAIQA trigger (shared with the project, not committed here).
    func testOfficialTrigger() throws {
        let repoRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = repoRoot.appendingPathComponent("../shared/reference/trigger_p0.2_adam_e8.pt").standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("official trigger not found at \(url.path)")
        }
        let trigger = try XCTUnwrap(try TorchFile.load(contentsOf: url).tensorValue)
        XCTAssertEqual(trigger.dtype, .float32)
        XCTAssertEqual(trigger.shape, [3, 64])
        let values = try trigger.values(as: Float.self)
        XCTAssertEqual(values.count, 192)
        XCTAssertEqual(Array(values[0 ..< 3]), [60.49598693847656, 816.2697143554688, -750.510009765625])
        XCTAssertEqual(values[64], -97.798583984375)  // Cb
        XCTAssertEqual(values[128], 9.46182918548584)  // Cr
    }
}
