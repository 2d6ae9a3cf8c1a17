import XCTest
@testable import Torch

final class TensorBasicsTests: XCTestCase {
    func testRoundTripAndArithmetic() throws {
        let a = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        XCTAssertEqual(a.shape, [2, 3])
        XCTAssertEqual(a.dtype, .float32)
        let b = try a * 2 + 1
        XCTAssertEqual(try b.floats(), [3, 5, 7, 9, 11, 13])
        let s = try a.sum(dims: [1])
        XCTAssertEqual(try s.floats(), [6, 15])
        let m = try a.matmul(a.transpose(0, 1))
        XCTAssertEqual(try m.floats(), [14, 32, 32, 77])
    }

    func testShapeMismatchThrowsInsteadOfCrashing() throws {
        let a = try Tensor.zeros([2, 3])
        let b = try Tensor.zeros([4, 5])
        XCTAssertThrowsError(try a + b) { error in
            XCTAssertTrue("\(error)".contains("size of tensor"), "\(error)")
        }
        XCTAssertThrowsError(try a.matmul(b))
        // the error slot is cleared: a following valid op succeeds
        XCTAssertEqual(try (a + a).shape, [2, 3])
    }

    func testFromDataChecksByteCount() {
        XCTAssertThrowsError(try Tensor([1, 2, 3] as [Float], shape: [2, 2])) { error in
            XCTAssertTrue("\(error)".contains("needs 16 bytes, got 12"), "\(error)")
        }
    }

    func testThreadsDefaultToCores() {
        XCTAssertEqual(Runtime.threads, ProcessInfo.processInfo.environment["BAIQA_THREADS"].flatMap(Int.init)
                       ?? ProcessInfo.processInfo.activeProcessorCount)
    }
}
