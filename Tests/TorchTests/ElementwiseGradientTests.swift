import XCTest

@testable import Torch

/// Autograd of element-wise operations against central finite differences (float64).
final class ElementwiseGradientTests: XCTestCase {
    /// The checker itself: it must catch a wrong gradient. x·detach(x) has autograd gradient x but
    /// true derivative 2x; a function of the input that autograd cannot see gives no gradient.
    func testCheckerDetectsWrongGradients() throws {
        let x = try uniformTensor([2, 3], 0.5, 1, seed: 10)
        let wrong = try gradientMismatches(inputs: [x]) { try $0[0] * $0[0].detach() }
        XCTAssertEqual(wrong.mismatches.count, 6, "\(wrong.mismatches)")
        let hidden = try gradientMismatches(inputs: [x, x]) { try $0[0] * $0[1].detach() }
        XCTAssertEqual(hidden.mismatches, ["input 1 got no gradient"])
        let right = try gradientMismatches(inputs: [x]) { try $0[0] * $0[0] }
        XCTAssertEqual(right.mismatches, [])
        XCTAssertGreaterThan(right.largest, 1)
    }

    func testBinaryArithmeticWithBroadcasting() throws {
        let a = try uniformTensor([2, 3], seed: 1)
        let row = try uniformTensor([3], seed: 2)
        let column = try uniformTensor([2, 1], 0.5, 2, seed: 3)  // divisor away from 0
        try checkGradient(inputs: [a, row]) { try $0[0] + $0[1] }
        try checkGradient(inputs: [a, column]) { try $0[0] - $0[1] }
        try checkGradient(inputs: [a, row]) { try $0[0] * $0[1] }
        try checkGradient(inputs: [a, column]) { try $0[0] / $0[1] }
        // a broadcast on both sides: [2,1] ⊕ [3] → [2,3]
        try checkGradient(inputs: [column, row]) { try ($0[0] * $0[1]) / ($0[0] + 3) }
    }

    func testScalarOperands() throws {
        let a = try uniformTensor([2, 3], 0.5, 2, seed: 4)
        try checkGradient(inputs: [a]) { try 2 - $0[0] }
        try checkGradient(inputs: [a]) { try $0[0] * 3 + 1 }
        try checkGradient(inputs: [a]) { try $0[0] / 4 - 0.5 }
        try checkGradient(inputs: [a]) { try -$0[0] }
    }

    func testPowSqrtExpLog() throws {
        let positive = try uniformTensor([2, 3], 0.3, 2, seed: 5)
        let exponent = try uniformTensor([2, 3], -1, 2, seed: 6)
        try checkGradient(inputs: [positive]) { try $0[0].pow(2.5) }
        try checkGradient(inputs: [positive]) { try $0[0].pow(-1.5) }
        try checkGradient(inputs: [positive, exponent]) { try $0[0].pow($0[1]) }
        try checkGradient(inputs: [positive]) { try $0[0].sqrt() }
        try checkGradient(inputs: [try uniformTensor([2, 3], -2, 2, seed: 7)]) { try $0[0].exp() }
        try checkGradient(inputs: [positive]) { try $0[0].log() }
    }

    func testSigmoidTanh() throws {
        let x = try uniformTensor([2, 4], -3, 3, seed: 8)
        try checkGradient(inputs: [x]) { try $0[0].sigmoid() }
        try checkGradient(inputs: [x]) { try $0[0].tanh() }
    }

    func testReluAndAbsAwayFromZero() throws {
        let x = try awayFromZeroTensor([3, 4], seed: 9)
        try checkGradient(inputs: [x]) { try $0[0].relu() }
        try checkGradient(inputs: [x]) { try $0[0].abs() }
        // and the exact values: relu' ∈ {0, 1}, abs' = sign
        let leaf = try x.clone().requiringGrad()
        try leaf.relu().sum().backward()
        XCTAssertEqual(try leaf.grad!.doubles(), try x.doubles().map { $0 > 0 ? 1 : 0 })
    }

    func testClampInsideAndOutside() throws {
        // |x| ∈ [0.1, 1): with bounds ±0.5 some entries are inside (gradient 1), some outside (0);
        // none is within 0.05 of a bound.
        let values = [-0.9, -0.3, 0.2, 0.45 - 0.1, 0.7, -0.6, 0.05, 0.95]
        let x = try Tensor(values, shape: [2, 4])
        try checkGradient(inputs: [x]) { try $0[0].clamp(min: -0.5, max: 0.5) }
        try checkGradient(inputs: [x]) { try $0[0].clamp(min: 0) }
        try checkGradient(inputs: [x]) { try $0[0].clamp(max: 0.1 + 0.15) }
        let leaf = try x.clone().requiringGrad()
        try leaf.clamp(min: -0.5, max: 0.5).sum().backward()
        XCTAssertEqual(try leaf.grad!.doubles(), values.map { Swift.abs($0) < 0.5 ? 1 : 0 })
    }

    func testOtherUnaryOps() throws {
        let x = try uniformTensor([2, 3], 0.3, 2, seed: 101)
        try checkGradient(inputs: [x]) { try $0[0].rsqrt() }
        try checkGradient(inputs: [x]) { try $0[0].log10() }
        try checkGradient(inputs: [x]) { try $0[0].square() }
        try checkGradient(inputs: [x]) { try $0[0].sin() * $0[0].cos() }
        let signed = try awayFromZeroTensor([2, 3], seed: 102)
        try checkGradient(inputs: [signed]) { try $0[0].gelu() }
        try checkGradient(inputs: [signed]) { try $0[0].leakyReLU(0.2) }
    }

    func testMaximumMinimumWhere() throws {
        let a = try uniformTensor([2, 3], seed: 103)
        let b = try a + awayFromZeroTensor([2, 3], seed: 104)  // |a − b| ≥ 0.1: no ties
        try checkGradient(inputs: [a, b]) { try $0[0].maximum($0[1]) }
        try checkGradient(inputs: [a, b]) { try $0[0].minimum($0[1]) }
        let condition = try a.gt(0)
        try checkGradient(inputs: [a, b]) { try Tensor.where(condition, $0[0] * 2, $0[1]) }
        try checkGradient(inputs: [a, b]) { try $0[0].clamp(min: $0[1], max: nil) }
    }
}
