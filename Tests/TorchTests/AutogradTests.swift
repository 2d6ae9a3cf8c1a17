import XCTest

@testable import Torch

/// backward / .grad, torch.autograd.grad, grad mode, accumulation and zeroGrad.
final class AutogradTests: XCTestCase {
    private let xValues: [Double] = [1, 2, 3]
    private let wValues: [Double] = [0.5, -1, 2]

    func testBackwardGivesHandComputedGradient() throws {
        let x = try Tensor(xValues).requiringGrad()
        let w = try Tensor(wValues).requiringGrad()
        XCTAssertNil(x.grad)
        try (x * x * w).sum().backward()      // d/dx = 2·x·w, d/dw = x²
        XCTAssertEqual(try x.grad!.doubles(), [1, -4, 12])
        XCTAssertEqual(try w.grad!.doubles(), [1, 4, 9])
    }

    func testAutogradGradEqualsBackward() throws {
        let x = try Tensor(xValues).requiringGrad()
        let w = try Tensor(wValues).requiringGrad()
        let unused = try Tensor([7.0]).requiringGrad()
        let y = try ((x * w).sigmoid() * x).sum()
        let grads = try y.gradients(with: [x, w, unused], retainGraph: true)
        XCTAssertNil(grads[2], "an input the output does not depend on has no gradient")
        // gradients(with:) leaves .grad alone
        XCTAssertNil(x.grad)
        XCTAssertNil(w.grad)
        try y.backward()
        XCTAssertEqual(try grads[0]!.doubles(), try x.grad!.doubles())
        XCTAssertEqual(try grads[1]!.doubles(), try w.grad!.doubles())
        XCTAssertNil(unused.grad)
    }

    func testCreateGraphGivesSecondDerivative() throws {
        let x = try Tensor(xValues).requiringGrad()
        let y = try x.pow(3).sum()
        let g = try XCTUnwrap(y.gradients(with: [x], createGraph: true)[0])  // 3x²
        XCTAssertEqual(try g.doubles(), [3, 12, 27])
        try g.sum().backward()  // d/dx Σ 3x² = 6x
        XCTAssertEqual(try x.grad!.doubles(), [6, 12, 18])
    }

    func testWithNoGradStopsRecordingAndRestoresMode() throws {
        let x = try Tensor(xValues).requiringGrad()
        XCTAssertTrue(Runtime.isGradEnabled)
        let inside = try withNoGrad { () throws -> Tensor in
            XCTAssertFalse(Runtime.isGradEnabled)
            return try x * 2
        }
        XCTAssertFalse(inside.requiresGrad)
        XCTAssertTrue(Runtime.isGradEnabled)
        XCTAssertTrue(try (x * 2).requiresGrad)

        // nested: withGrad inside withNoGrad records, and each restores its caller's mode
        try withNoGrad {
            let recorded = try withGrad { try x * 2 }
            XCTAssertTrue(recorded.requiresGrad)
            XCTAssertFalse(Runtime.isGradEnabled)
        }
        // restored even when the body throws
        XCTAssertThrowsError(try withNoGrad { _ = try x + Tensor.zeros([5], dtype: .float64) })
        XCTAssertTrue(Runtime.isGradEnabled)
    }

    func testGradientsAccumulateAcrossBackwardCalls() throws {
        let x = try Tensor(xValues).requiringGrad()
        let w = try Tensor(wValues)
        try (x * w).sum().backward()
        XCTAssertEqual(try x.grad!.doubles(), wValues)
        try (x * w).sum().backward()
        XCTAssertEqual(try x.grad!.doubles(), wValues.map { 2 * $0 })
        // retainGraph: backward twice through the same graph also accumulates
        let y = try (x * x).sum()
        x.zeroGrad()
        try y.backward(retainGraph: true)
        try y.backward()
        XCTAssertEqual(try x.grad!.doubles(), xValues.map { 4 * $0 })
    }

    func testZeroGradSetsGradToNil() throws {
        let x = try Tensor(xValues).requiringGrad()
        try (x * 3).sum().backward()
        XCTAssertNotNil(x.grad)
        x.zeroGrad()
        XCTAssertNil(x.grad)
        // after zeroGrad a new backward starts from scratch
        try (x * 3).sum().backward()
        XCTAssertEqual(try x.grad!.doubles(), [3, 3, 3])
    }

    func testBackwardWithExplicitGradient() throws {
        let x = try Tensor(xValues).requiringGrad()
        let y = try x * x
        try y.backward(Tensor([1, 0, -1] as [Double]))
        XCTAssertEqual(try x.grad!.doubles(), [2, 0, -6])
    }
}
