import XCTest

@testable import Torch

/// Shape operations and reductions: forward values checked by index, gradients by finite differences.
final class ShapeGradientTests: XCTestCase {
    func testReshapePermuteTranspose() throws {
        let x = try uniformTensor([2, 3, 2], seed: 51)
        try checkGradient(inputs: [x]) { try $0[0].reshape([3, 4]) }
        try checkGradient(inputs: [x]) { try $0[0].permute([2, 0, 1]) }
        try checkGradient(inputs: [x]) { try $0[0].transpose(0, 2).flatten() }
        // permute moves element [i, j, k] to [k, i, j]
        let v = try x.doubles()
        let p = try x.permute([2, 0, 1]).contiguous().doubles()
        XCTAssertEqual(p[1 * 6 + 0 * 3 + 2], v[0 * 6 + 2 * 2 + 1])
    }

    func testCatSliceFlipRollPadded() throws {
        let a = try uniformTensor([2, 3], seed: 52)
        let b = try uniformTensor([2, 2], seed: 53)
        try checkGradient(inputs: [a, b]) { try Tensor.cat([$0[0], $0[1]], dim: 1) }
        try checkGradient(inputs: [a, a]) { try Tensor.cat([$0[0], $0[1] * 2], dim: 0) }
        let x = try uniformTensor([3, 5], seed: 54)
        try checkGradient(inputs: [x]) { try $0[0].slice(1, 1, 5, step: 2) }
        try checkGradient(inputs: [x]) { try $0[0].narrow(0, start: 1, length: 2) }
        try checkGradient(inputs: [x]) { try $0[0].select(0, 2) }
        try checkGradient(inputs: [x]) { try $0[0].flip([0, 1]) }
        try checkGradient(inputs: [x]) { try $0[0].roll(shifts: [1, -2], dims: [0, 1]) }
        try checkGradient(inputs: [x]) { try $0[0].padded([1, 2, 0, 1], value: 0.5) }

        XCTAssertEqual(try Tensor([1, 2, 3, 4] as [Double]).roll(shifts: [1], dims: [0]).doubles(), [4, 1, 2, 3])
        XCTAssertEqual(try Tensor([1, 2, 3, 4] as [Double]).flip([0]).doubles(), [4, 3, 2, 1])
        let padded = try Tensor([1, 2] as [Double], shape: [1, 2]).padded([1, 0, 0, 1], value: 9)
        XCTAssertEqual(padded.shape, [2, 3])
        XCTAssertEqual(try padded.doubles(), [9, 1, 2, 9, 9, 9])
    }

    func testSumAndMeanOverDims() throws {
        let x = try uniformTensor([2, 3, 4], seed: 55)
        try checkGradient(inputs: [x]) { try $0[0].sum() }
        try checkGradient(inputs: [x]) { try $0[0].mean() }
        try checkGradient(inputs: [x]) { try $0[0].sum(dims: [1]) }
        try checkGradient(inputs: [x]) { try $0[0].sum(dims: [0, 2], keepDim: true) }
        try checkGradient(inputs: [x]) { try $0[0].mean(dims: [2]) }
        try checkGradient(inputs: [x]) { try $0[0].mean(dims: [0, 1], keepDim: true) }
        XCTAssertEqual(try x.sum(dims: [0, 2], keepDim: true).shape, [1, 3, 1])
        let v = try x.doubles()
        let mean2 = try x.mean(dims: [2]).doubles()
        XCTAssertEqual(mean2[0], v[0..<4].reduce(0, +) / 4, accuracy: 1e-15)
    }

    func testExpandRepeatStackIndexSelect() throws {
        let x = try uniformTensor([2, 1, 3], seed: 56)
        try checkGradient(inputs: [x]) { try $0[0].expand([2, 4, 3]) }
        try checkGradient(inputs: [x]) { try $0[0].repeated([1, 2, 2]) }
        try checkGradient(inputs: [x]) { try $0[0].squeeze(1).unsqueeze(0) }
        try checkGradient(inputs: [x, x]) { try Tensor.stack([$0[0], $0[1] * 3], dim: 1) }
        let index = try Tensor([2, 0, 2] as [Int64])
        try checkGradient(inputs: [x]) { try $0[0].indexSelect(2, index) }
        XCTAssertEqual(try Tensor([10, 20, 30] as [Double]).indexSelect(0, index).doubles(), [30, 10, 30])
    }

    func testOtherReductions() throws {
        let x = try distinctTensor([2, 3, 4], seed: 57)
        try checkGradient(inputs: [x]) { try $0[0].variance(dims: [2]) }
        try checkGradient(inputs: [x]) { try $0[0].variance(dims: [0, 1], unbiased: false, keepDim: true) }
        try checkGradient(inputs: [x]) { try ($0[0] + 0.05).norm(dims: [1]) }
        try checkGradient(inputs: [x]) { try $0[0].max(dims: [2]) }
        try checkGradient(inputs: [x]) { try $0[0].min(dims: [0, 1]) }
        let v = try x.doubles()
        XCTAssertEqual(try x.max().item(), v.max()!)
        XCTAssertEqual(try x.reshape([24]).argmax(dim: 0).itemInt(), v.firstIndex(of: v.max()!)!)
        let row = Array(v[0..<4]), mean = row.reduce(0, +) / 4
        XCTAssertEqual(try x.variance(dims: [2]).doubles()[0],
                       row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3, accuracy: 1e-12)
    }
}
