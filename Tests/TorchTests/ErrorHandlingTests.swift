import XCTest

@testable import Torch

/// libtorch failures surface as TorchError with libtorch's own message, never as a crash, and leave
/// nothing behind: the next valid operation works.
final class ErrorHandlingTests: XCTestCase {
    func testConv2dWrongShapes() throws {
        let x = try Tensor.zeros([1, 3, 8, 8])
        let w = try Tensor.zeros([4, 2, 3, 3])  // expects 2 input channels
        assertTorchError(containing: "expected input[1, 3, 8, 8] to have 2 channels") { try F.conv2d(x, weight: w) }
        assertTorchError(containing: "Expected 3D (unbatched) or 4D (batched) input to conv2d") {
            try F.conv2d(Tensor.zeros([8, 8]), weight: w)
        }
        // kernel larger than the (padded) input
        assertTorchError(containing: "Kernel size can't be greater than actual input size") {
            try F.conv2d(Tensor.zeros([1, 2, 2, 2]), weight: w)
        }
        XCTAssertEqual(try F.conv2d(Tensor.zeros([1, 2, 8, 8]), weight: w).shape, [1, 4, 6, 6])
    }

    func testMatmulWrongShapes() throws {
        let a = try Tensor.ones([2, 3]), b = try Tensor.ones([4, 5])
        assertTorchError(containing: "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)") { try a.matmul(b) }
        assertTorchError(containing: "batch1 must be a 3D tensor") { try a.bmm(b) }
        assertTorchError(containing: "mat1 and mat2 shapes cannot be multiplied") {
            try F.linear(a, weight: Tensor.ones([2, 4]))
        }
        XCTAssertEqual(try a.matmul(Tensor.ones([3, 2])).floats(), [3, 3, 3, 3])
    }

    func testCatWrongShapes() throws {
        let a = try Tensor.zeros([2, 3]), b = try Tensor.zeros([2, 4])
        assertTorchError(containing: "Sizes of tensors must match except in dimension 0") { try Tensor.cat([a, b], dim: 0) }
        assertTorchError(containing: "Dimension out of range") { try Tensor.cat([a, a], dim: 5) }
        assertTorchError(containing: "expected a non-empty list of Tensors") { try Tensor.cat([], dim: 0) }
        XCTAssertEqual(try Tensor.cat([a, b], dim: 1).shape, [2, 7])
    }

    func testViewErrors() throws {
        let a = try Tensor.arange(0, 6).reshape([2, 3])
        assertTorchError(containing: "shape '[4]' is invalid for input of size 6") { try a.view([4]) }
        // a transposed tensor cannot be viewed flat (reshape copies instead)
        let t = try a.transpose(0, 1)
        assertTorchError(containing: "view size is not compatible with input tensor's size and stride") { try t.view([6]) }
        XCTAssertEqual(try t.reshape([6]).floats(), [0, 3, 1, 4, 2, 5])
        assertTorchError(containing: "only one dimension can be inferred") { try a.reshape([-1, -1]) }
    }

    func testBackwardErrors() throws {
        let x = try Tensor([1, 2, 3] as [Double]).requiringGrad()
        let y = try x * 2
        assertTorchError(containing: "grad can be implicitly created only for scalar outputs") { try y.backward() }
        // no graph at all
        assertTorchError(containing: "does not require grad and does not have a grad_fn") {
            try Tensor([1.0]).sum().backward()
        }
        // a graph freed by a first backward
        let z = try (x * x).sum()
        try z.backward()
        assertTorchError(containing: "Trying to backward through the graph a second time") { try z.backward() }
        // a wrongly shaped explicit gradient
        assertTorchError(containing: "invalid gradient at index 0 - got [2] but expected shape compatible with [3]") { try (x * 3).backward(Tensor([1, 1] as [Double])) }
        // after all that, autograd still works
        x.zeroGrad()
        try (x * 3).sum().backward()
        XCTAssertEqual(try x.grad!.doubles(), [3, 3, 3])
    }

    func testCreationAndConversionErrors() throws {
        assertTorchError(containing: "shape [2, 2] of Float needs 16 bytes, got 12") { try Tensor([1, 2, 3] as [Float], shape: [2, 2]) }
        assertTorchError(containing: "needs 8 bytes, got 16") { try Tensor([1, 2] as [Double], shape: []) }
        assertTorchError(containing: "negative size") { try Tensor([Float](), shape: [-1]) }
        assertTorchError(containing: "a Tensor with 3 elements cannot be converted to Scalar") { try Tensor([1, 2, 3] as [Float]).item() }
        assertTorchError(containing: "result type Float can't be cast to the desired output type Long") {
            try Tensor([1, 2] as [Int64]).add_(Tensor([0.5, 0.5] as [Float]))
        }
        assertTorchError(containing: "clamp") { try Tensor([1] as [Float]).clamp() }
        assertTorchError(containing: "roll: 2 shifts for 1 dims") { try Tensor([1] as [Float]).roll(shifts: [1, 2], dims: [0]) }
        XCTAssertEqual(try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2]).shape, [2, 2])
    }

    func testErrorsAreIndependentAcrossManyFailures() throws {
        // the thread-local error slot is cleared after every throw: a long run of failures and
        // successes interleaved never reports a stale error
        let a = try Tensor.ones([2, 3])
        for i in 0..<50 {
            XCTAssertThrowsError(try a + Tensor.ones([4]))
            XCTAssertEqual(try (a * Double(i)).sum().item(), Double(6 * i))
        }
    }
}
