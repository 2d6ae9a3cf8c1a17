import XCTest

@testable import Torch

/// Autograd of linear algebra and torch.nn.functional operations against central finite differences.
final class NNGradientTests: XCTestCase {
    func testMatmulAndBmm() throws {
        let a = try uniformTensor([2, 3], seed: 11)
        let b = try uniformTensor([3, 4], seed: 12)
        try checkGradient(inputs: [a, b]) { try $0[0].matmul($0[1]) }
        // batched matmul with a broadcast right-hand side
        try checkGradient(inputs: [try uniformTensor([2, 2, 3], seed: 13), b]) { try $0[0].matmul($0[1]) }
        let x = try uniformTensor([2, 2, 3], seed: 14)
        let y = try uniformTensor([2, 3, 2], seed: 15)
        try checkGradient(inputs: [x, y]) { try $0[0].bmm($0[1]) }
    }

    func testLinear() throws {
        let x = try uniformTensor([3, 4], seed: 16)
        let w = try uniformTensor([2, 4], seed: 17)
        let b = try uniformTensor([2], seed: 18)
        try checkGradient(inputs: [x, w, b]) { try F.linear($0[0], weight: $0[1], bias: $0[2]) }
        try checkGradient(inputs: [x, w]) { try F.linear($0[0], weight: $0[1]) }
    }

    func testConv2dStridePaddingGroupsBias() throws {
        let x = try uniformTensor([1, 4, 5, 5], seed: 19)
        let w = try uniformTensor([4, 2, 3, 3], seed: 20)  // groups 2: 2 input channels per group
        let b = try uniformTensor([4], seed: 21)
        let y = try F.conv2d(x, weight: w, bias: b, stride: (2, 2), padding: (1, 1), groups: 2)
        XCTAssertEqual(y.shape, [1, 4, 3, 3])
        try checkGradient(inputs: [x, w, b]) {
            try F.conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1), groups: 2)
        }
    }

    func testBatchNormTrainingGradients() throws {
        let x = try uniformTensor([3, 2, 2, 2], -2, 2, seed: 22)
        let w = try uniformTensor([2], 0.5, 1.5, seed: 23)
        let b = try uniformTensor([2], seed: 24)
        try checkGradient(inputs: [x, w, b]) {
            try F.batchNorm($0[0], weight: $0[1], bias: $0[2], runningMean: nil, runningVar: nil, training: true)
        }
    }

    func testPooling() throws {
        let x = try uniformTensor([1, 2, 4, 4], seed: 25)
        try checkGradient(inputs: [x]) { try F.avgPool2d($0[0], kernel: 2) }
        try checkGradient(inputs: [x]) { try F.avgPool2d($0[0], kernel: 3, stride: 2, padding: 1, countIncludePad: false) }
        let distinct = try distinctTensor([1, 2, 4, 4], seed: 26)
        try checkGradient(inputs: [distinct]) { try F.maxPool2d($0[0], kernel: 2) }
        try checkGradient(inputs: [distinct]) { try F.maxPool2d($0[0], kernel: 3, stride: 2, padding: 1) }
        let odd = try uniformTensor([1, 2, 5, 5], seed: 27)
        try checkGradient(inputs: [odd]) { try F.adaptiveAvgPool2d($0[0], outputSize: (2, 3)) }
    }

    func testLayerNorm() throws {
        let x = try uniformTensor([2, 3, 4], -2, 2, seed: 28)
        let w = try uniformTensor([3, 4], 0.5, 1.5, seed: 29)
        let b = try uniformTensor([3, 4], seed: 30)
        try checkGradient(inputs: [x, w, b]) { try F.layerNorm($0[0], normalizedShape: [3, 4], weight: $0[1], bias: $0[2]) }
        try checkGradient(inputs: [x]) { try F.layerNorm($0[0], normalizedShape: [4], weight: nil, bias: nil) }
    }

    func testSoftmaxAndLogSoftmax() throws {
        let x = try uniformTensor([3, 4], -2, 2, seed: 31)
        try checkGradient(inputs: [x]) { try F.softmax($0[0], dim: 1) }
        try checkGradient(inputs: [x]) { try F.softmax($0[0], dim: 0) }
        try checkGradient(inputs: [x]) { try F.logSoftmax($0[0], dim: 1) }
        try checkGradient(inputs: [x]) { try F.logSoftmax($0[0], dim: -2) }
    }

    func testUpsampleBilinear() throws {
        let x = try uniformTensor([1, 2, 3, 3], seed: 32)
        try checkGradient(inputs: [x]) { try F.upsampleBilinear($0[0], size: (5, 4)) }
        try checkGradient(inputs: [x]) { try F.upsampleBilinear($0[0], size: (5, 4), alignCorners: true) }
        try checkGradient(inputs: [x]) { try F.upsampleBilinear($0[0], size: (2, 2)) }
    }

    func testGridSample() throws {
        let x = try uniformTensor([1, 2, 3, 3], seed: 33)
        // Sample points strictly inside, none on a pixel centre (where bilinear sampling has a kink).
        let grid = try uniformTensor([1, 2, 2, 2], -0.8, 0.8, seed: 34)
        try checkGradient(inputs: [x, grid]) { try F.gridSample($0[0], grid: $0[1]) }
        try checkGradient(inputs: [x, grid]) { try F.gridSample($0[0], grid: $0[1], padding: .border, alignCorners: true) }
    }
}
