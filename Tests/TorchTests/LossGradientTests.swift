import XCTest

@testable import Torch

/// Loss functions: values against hand computation, gradients against central finite differences.
final class LossGradientTests: XCTestCase {
    func testL1LossAwayFromZero() throws {
        let y = try uniformTensor([2, 3], seed: 41)
        let diff = try awayFromZeroTensor([2, 3], seed: 42)
        let x = try y + diff
        try checkGradient(inputs: [x, y]) { try F.l1Loss($0[0], $0[1]) }
        try checkGradient(inputs: [x, y]) { try F.l1Loss($0[0], $0[1], reduction: .sum) }
        try checkGradient(inputs: [x, y]) { try F.l1Loss($0[0], $0[1], reduction: .none) }
        let expected = try diff.doubles().map { Swift.abs($0) }.reduce(0, +) / 6
        XCTAssertEqual(try F.l1Loss(x, y).item(), expected, accuracy: 1e-12)
    }

    func testMSELoss() throws {
        let x = try uniformTensor([2, 3], seed: 43)
        let y = try uniformTensor([2, 3], seed: 44)
        try checkGradient(inputs: [x, y]) { try F.mseLoss($0[0], $0[1]) }
        try checkGradient(inputs: [x, y]) { try F.mseLoss($0[0], $0[1], reduction: .sum) }
        let expected = zip(try x.doubles(), try y.doubles()).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 6
        XCTAssertEqual(try F.mseLoss(x, y).item(), expected, accuracy: 1e-12)
    }

    func testSmoothL1LossBothBranches() throws {
        // differences on both sides of beta = 1 (quadratic below, linear above), none near ±1 or 0
        let diffs = [0.3, -0.6, 1.8, -2.5, 0.15, -1.4]
        let y = try uniformTensor([2, 3], seed: 45)
        let x = try y + Tensor(diffs, shape: [2, 3])
        try checkGradient(inputs: [x, y]) { try F.smoothL1Loss($0[0], $0[1]) }
        try checkGradient(inputs: [x, y]) { try F.smoothL1Loss($0[0], $0[1], reduction: .sum, beta: 0.5) }
        let huber = diffs.map { Swift.abs($0) < 1 ? 0.5 * $0 * $0 : Swift.abs($0) - 0.5 }
        XCTAssertEqual(try F.smoothL1Loss(x, y).item(), huber.reduce(0, +) / 6, accuracy: 1e-9)
    }

    func testCrossEntropy() throws {
        let logits = try uniformTensor([3, 4], -2, 2, seed: 46)
        let target = try Tensor([2, 0, 3] as [Int64])
        try checkGradient(inputs: [logits]) { try F.crossEntropy($0[0], target) }
        try checkGradient(inputs: [logits]) { try F.crossEntropy($0[0], target, reduction: .sum) }
        // value: mean over rows of logsumexp(row) − row[target]
        let v = try logits.doubles()
        var total = 0.0
        for (r, t) in [2, 0, 3].enumerated() {
            let row = Array(v[(4 * r)..<(4 * r + 4)])
            total += Foundation.log(row.map(Foundation.exp).reduce(0, +)) - row[t]
        }
        XCTAssertEqual(try F.crossEntropy(logits, target).item(), total / 3, accuracy: 1e-12)
    }
}
