import Foundation
import XCTest

@testable import Torch

/// BatchNorm2d statistics against PyTorch's documented formulas, computed here in Double:
///   train: y = (x − μ_B)/√(σ²_B + ε)·γ + β with the biased batch variance;
///          running_mean ← (1−m)·running_mean + m·μ_B, running_var ← (1−m)·running_var + m·σ²_B·n/(n−1);
///          num_batches_tracked += 1
///   eval:  y = (x − running_mean)/√(running_var + ε)·γ + β, statistics untouched.
final class BatchNormTests: XCTestCase {
    private let n = 3, c = 2, h = 2, w = 2
    private let momentum = 0.1, eps = 1e-5

    /// Per-channel values of an NCHW array.
    private func channel(_ v: [Double], _ ch: Int) -> [Double] {
        var out: [Double] = []
        for b in 0..<n { for i in 0..<(h * w) { out.append(v[(b * c + ch) * h * w + i]) } }
        return out
    }

    private func meanVar(_ xs: [Double]) -> (mean: Double, biased: Double, unbiased: Double) {
        let mean = xs.reduce(0, +) / Double(xs.count)
        let ss = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        return (mean, ss / Double(xs.count), ss / Double(xs.count - 1))
    }

    private func makeLayer() throws -> (ParameterStore, BatchNorm2d) {
        let store = ParameterStore()
        let bn = try BatchNorm2d(store.root / "bn", features: c, momentum: momentum, eps: eps)
        try withNoGrad {
            try bn.weight.copy_(Tensor([1.5, 0.5] as [Float]))
            try bn.bias.copy_(Tensor([0.25, -1] as [Float]))
        }
        return (store, bn)
    }

    func testTrainModeUsesBatchStatisticsAndUpdatesRunningStats() throws {
        let (store, bn) = try makeLayer()
        XCTAssertTrue(store.isTraining)
        let gamma = [1.5, 0.5], beta = [0.25, -1.0]
        var runningMean = [0.0, 0.0], runningVar = [1.0, 1.0]

        for (batch, seed) in [UInt64(61), 62].enumerated() {
            let xs = uniformValues(n * c * h * w, -2, 3, seed: seed).map { Double(Float($0)) }
            let x = try Tensor(xs.map(Float.init), shape: [n, c, h, w])
            let y = try bn(x).doubles()
            for ch in 0..<c {
                let stats = meanVar(channel(xs, ch))
                let expectedY = channel(xs, ch).map { ($0 - stats.mean) / (stats.biased + eps).squareRoot() * gamma[ch] + beta[ch] }
                assertClose(channel(y, ch), expectedY, rtol: 1e-5, atol: 1e-5, "batch \(batch) channel \(ch)")
                runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * stats.mean
                runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * stats.unbiased
            }
            assertClose(try bn.runningMean.doubles(), runningMean, rtol: 1e-6, atol: 1e-7, "running_mean after \(batch + 1)")
            assertClose(try bn.runningVar.doubles(), runningVar, rtol: 1e-6, atol: 1e-7, "running_var after \(batch + 1)")
            XCTAssertEqual(try bn.numBatchesTracked.itemInt(), batch + 1)
            XCTAssertEqual(bn.numBatchesTracked.dtype, .int64)
        }
        // the buffers are the store's entries (what a checkpoint saves)
        assertClose(try store["bn.running_mean"]!.doubles(), runningMean, rtol: 1e-6, atol: 1e-7)
        XCTAssertEqual(try store["bn.num_batches_tracked"]!.itemInt(), 2)
    }

    func testEvalModeUsesRunningStatistics() throws {
        let (store, bn) = try makeLayer()
        try withNoGrad {
            try bn.runningMean.copy_(Tensor([0.5, -0.25] as [Float]))
            try bn.runningVar.copy_(Tensor([2.0, 0.75] as [Float]))
        }
        store.eval()
        let xs = uniformValues(n * c * h * w, -2, 3, seed: 63).map { Double(Float($0)) }
        let y = try bn(Tensor(xs.map(Float.init), shape: [n, c, h, w])).doubles()
        let rm = [0.5, -0.25], rv = [2.0, 0.75], gamma = [1.5, 0.5], beta = [0.25, -1.0]
        for ch in 0..<c {
            let expected = channel(xs, ch).map { ($0 - rm[ch]) / (rv[ch] + eps).squareRoot() * gamma[ch] + beta[ch] }
            assertClose(channel(y, ch), expected, rtol: 1e-5, atol: 1e-6, "channel \(ch)")
        }
        XCTAssertEqual(try bn.runningMean.floats(), [0.5, -0.25], "eval leaves running stats alone")
        XCTAssertEqual(try bn.runningVar.floats(), [2.0, 0.75])
        XCTAssertEqual(try bn.numBatchesTracked.itemInt(), 0)

        // back to train mode: batch statistics again (output per channel has mean β)
        store.train()
        let yTrain = try bn(Tensor(xs.map(Float.init), shape: [n, c, h, w])).doubles()
        XCTAssertEqual(meanVar(channel(yTrain, 1)).mean, -1, accuracy: 1e-5)
        XCTAssertEqual(try bn.numBatchesTracked.itemInt(), 1)
    }

    func testRunningStatsAreNotPartOfTheGraph() throws {
        let (_, bn) = try makeLayer()
        let x = try Tensor(uniformValues(n * c * h * w, seed: 64).map(Float.init), shape: [n, c, h, w])
        try (bn(x) * Tensor.arange(0, Double(n * c * h * w)).reshape([n, c, h, w])).sum().backward()
        XCTAssertNotNil(bn.weight.grad)
        XCTAssertNotNil(bn.bias.grad)
        XCTAssertFalse(bn.runningMean.requiresGrad)
        XCTAssertNil(bn.runningMean.grad)
    }
}
