import Foundation
import XCTest

@testable import Torch

/// Initialiser statistics on big tensors against torch.nn.init's formulas.
final class InitializerTests: XCTestCase {
    private func stats(_ t: Tensor) throws -> (mean: Double, std: Double, min: Double, max: Double) {
        let v = try t.doubles()
        let mean = v.reduce(0, +) / Double(v.count)
        let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)
        return (mean, variance.squareRoot(), v.min()!, v.max()!)
    }

    private func make(_ shape: [Int], _ initializer: Initializer) throws -> Tensor {
        let store = ParameterStore()
        return try store.root.parameter("w", shape: shape, initializer: initializer)
    }

    func testFans() {
        XCTAssertTrue(Initializer.fans([64, 32, 3, 3]) == (288, 576))
        XCTAssertTrue(Initializer.fans([10, 20]) == (20, 10))
        XCTAssertTrue(Initializer.fans([7]) == (7, 7))
    }

    func testKaimingNormal() throws {
        Runtime.manualSeed(1)
        let shape = [256, 128, 3, 3]  // fan_in 1152, fan_out 2304
        let s = try stats(make(shape, .kaimingNormal(a: 0, mode: .fanIn)))
        let expected = (2.0 / 1152).squareRoot()
        XCTAssertEqual(s.std, expected, accuracy: 0.05 * expected)
        XCTAssertEqual(s.mean, 0, accuracy: 0.01 * expected)
        let fanOut = try stats(make(shape, .kaimingNormal(a: 0, mode: .fanOut)))
        XCTAssertEqual(fanOut.std, (2.0 / 2304).squareRoot(), accuracy: 0.05 * (2.0 / 2304).squareRoot())
    }

    func testKaimingUniformAndTorchDefault() throws {
        Runtime.manualSeed(2)
        let shape = [256, 128, 3, 3]
        let bound = (2.0 / 1.0).squareRoot() * (3.0 / 1152).squareRoot()  // a = 0: gain √2
        let s = try stats(make(shape, .kaimingUniform(a: 0, mode: .fanIn)))
        XCTAssertLessThanOrEqual(s.max, bound)
        XCTAssertGreaterThanOrEqual(s.min, -bound)
        XCTAssertGreaterThan(s.max, 0.99 * bound)
        XCTAssertEqual(s.std, bound / 3.0.squareRoot(), accuracy: 0.05 * bound / 3.0.squareRoot())
        // PyTorch's default Conv/Linear weight: kaiming_uniform(a = √5) gives bound 1/√fan_in
        let d = try stats(make(shape, Initializer.torchDefaultWeight))
        let defaultBound = 1 / 1152.0.squareRoot()
        XCTAssertLessThanOrEqual(d.max, defaultBound * (1 + 1e-6))
        XCTAssertGreaterThan(d.max, 0.99 * defaultBound)
        XCTAssertEqual(d.std, defaultBound / 3.0.squareRoot(), accuracy: 0.05 * defaultBound / 3.0.squareRoot())
    }

    func testXavierAndBiasDefaultAndConstants() throws {
        Runtime.manualSeed(3)
        let x = try stats(make([512, 256], .xavierUniform(gain: 1)))
        let bound = (6.0 / 768).squareRoot()
        XCTAssertLessThanOrEqual(x.max, bound)
        XCTAssertEqual(x.std, bound / 3.0.squareRoot(), accuracy: 0.05 * bound / 3.0.squareRoot())

        let b = try stats(make([100_000], .biasDefault(fanIn: 400)))
        XCTAssertLessThanOrEqual(b.max, 0.05)
        XCTAssertGreaterThanOrEqual(b.min, -0.05)
        XCTAssertGreaterThan(b.max, 0.049)

        let n = try stats(make([100_000], .normal(mean: 2, std: 0.5)))
        XCTAssertEqual(n.mean, 2, accuracy: 0.01)
        XCTAssertEqual(n.std, 0.5, accuracy: 0.025)

        XCTAssertEqual(try make([3], .zeros).floats(), [0, 0, 0])
        XCTAssertEqual(try make([3], .ones).floats(), [1, 1, 1])
        XCTAssertEqual(try make([2], .constant(0.25)).floats(), [0.25, 0.25])
        let u = try stats(make([10_000], .uniform(-3, -2)))
        XCTAssertGreaterThanOrEqual(u.min, -3)
        XCTAssertLessThanOrEqual(u.max, -2)
    }

    func testSeedMakesInitialisationReproducible() throws {
        Runtime.manualSeed(42)
        let a = try make([4, 3], .torchDefaultWeight).floats()
        Runtime.manualSeed(42)
        let b = try make([4, 3], .torchDefaultWeight).floats()
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, try make([4, 3], .torchDefaultWeight).floats())
    }
}
