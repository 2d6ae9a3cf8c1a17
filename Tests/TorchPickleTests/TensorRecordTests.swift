import Foundation
import XCTest

@testable import TorchPickle

final class TensorRecordTests: XCTestCase {
    func testDTypeTable() {
        XCTAssertEqual(TensorDType.float32.storageClassName, "FloatStorage")
        XCTAssertEqual(TensorDType.int64.storageClassName, "LongStorage")
        XCTAssertEqual(TensorDType.bfloat16.storageClassName, "BFloat16Storage")
        XCTAssertEqual(TensorDType(storageClassName: "HalfStorage"), .float16)
        XCTAssertEqual(TensorDType(storageClassName: "ByteStorage"), .uint8)
        XCTAssertEqual(TensorDType(storageClassName: "CharStorage"), .int8)
        XCTAssertNil(TensorDType(storageClassName: "ComplexFloatStorage"))
        XCTAssertEqual(TensorDType.allCases.map(\.elementSize), [4, 8, 2, 2, 8, 4, 2, 1, 1, 1])
    }

    func testContiguousConstruction() throws {
        let t = try TensorRecord([Int16(1), 2, 3, 4, 5, 6], shape: [3, 2])
        XCTAssertEqual(t.dtype, .int16)
        XCTAssertEqual(t.strides, [2, 1])
        XCTAssertEqual(t.contiguousBytes(), Data([1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0]))
        let fromBytes = try TensorRecord(dtype: .int16, shape: [3, 2], contiguousBytes: t.contiguousBytes())
        XCTAssertEqual(fromBytes, t)
        XCTAssertEqual(TensorRecord.contiguousStrides(for: [2, 3, 4]), [12, 4, 1])
        XCTAssertEqual(TensorRecord.contiguousStrides(for: []), [])
    }

    func testWrongByteCountIsRefused() {
        assertTorchFileError(.invalidTensor, containing: "7 bytes given") {
            _ = try TensorRecord(dtype: .float32, shape: [2], contiguousBytes: Data(count: 7))
        }
        assertTorchFileError(.invalidTensor, containing: "tensor is float32, not float64") {
            _ = try TensorRecord([Float(1)], shape: [1]).values(as: Double.self)
        }
    }

    func testStridedViews() throws {
        // Storage 0..<12 (uint8); view [2, 3] with strides [1, 4] starting at 1: a transposed window.
        let storage = Data((0 ..< 12).map { UInt8($0) })
        let view = try TensorRecord(dtype: .uint8, shape: [2, 3], strides: [1, 4], storageOffset: 1, storage: storage)
        XCTAssertFalse(view.isContiguous)
        XCTAssertEqual(try view.values(as: UInt8.self), [1, 5, 9, 2, 6, 10])
        // Expanded (stride 0) dimensions repeat elements.
        let expanded = try TensorRecord(dtype: .uint8, shape: [3, 2], strides: [0, 1], storageOffset: 4, storage: storage)
        XCTAssertEqual(try expanded.values(as: UInt8.self), [4, 5, 4, 5, 4, 5])
        // Size-1 dimensions with odd strides still count as contiguous.
        let odd = try TensorRecord(dtype: .uint8, shape: [1, 3], strides: [99, 1], storageOffset: 0, storage: storage)
        XCTAssertTrue(odd.isContiguous)
        XCTAssertEqual(try odd.values(as: UInt8.self), [0, 1, 2])
        // A slice of a larger Data works (indices are rebased).
        let slice = storage[4 ..< 8]
        let fromSlice = try TensorRecord(dtype: .uint8, shape: [4], strides: [1], storage: slice)
        XCTAssertEqual(try fromSlice.values(as: UInt8.self), [4, 5, 6, 7])
    }

    func testViewsOutsideTheStorageAreRefused() {
        let storage = Data(count: 16)  // 4 floats
        assertTorchFileError(.invalidTensor, containing: "exceeds its storage") {
            _ = try TensorRecord(dtype: .float32, shape: [2, 2], strides: [2, 1], storageOffset: 1, storage: storage)
        }
        assertTorchFileError(.invalidTensor, containing: "negative stride") {
            _ = try TensorRecord(dtype: .float32, shape: [2], strides: [-1], storageOffset: 1, storage: storage)
        }
        assertTorchFileError(.invalidTensor, containing: "overflows") {
            _ = try TensorRecord(dtype: .float32, shape: [2, 2], strides: [Int.max, 1], storage: storage)
        }
        assertTorchFileError(.invalidTensor, containing: "sizes but") {
            _ = try TensorRecord(dtype: .float32, shape: [2, 2], strides: [1], storage: storage)
        }
    }

    func testHalfConversion() {
        XCTAssertEqual(TensorRecord.halfToFloat(0x3C00), 1)
        XCTAssertEqual(TensorRecord.halfToFloat(0xC000), -2)
        XCTAssertEqual(TensorRecord.halfToFloat(0x7BFF), 65504)
        XCTAssertEqual(TensorRecord.halfToFloat(0x0001), 5.9604645e-08)  // smallest subnormal
        XCTAssertEqual(TensorRecord.halfToFloat(0x8000).sign, .minus)
        XCTAssertEqual(TensorRecord.halfToFloat(0x7C00), .infinity)
        XCTAssertTrue(TensorRecord.halfToFloat(0x7E00).isNaN)
    }

    func testPickleDictSemantics() {
        var d: PickleDict = ["b": 1, "a": 2]
        d["b"] = 3  // replacing keeps the position
        d["c"] = 4
        XCTAssertEqual(d.keys, ["b", "a", "c"])
        XCTAssertEqual(d.values, [3, 2, 4])
        d["a"] = nil
        XCTAssertEqual(d.keys, ["b", "c"])
        XCTAssertEqual(d["c"], 4)
        XCTAssertNil(d["a"])
        XCTAssertEqual(d.map(\.key), ["b", "c"])
        XCTAssertNotEqual(["x": 1, "y": 2] as PickleDict, ["y": 2, "x": 1] as PickleDict)  // order matters
    }
}
