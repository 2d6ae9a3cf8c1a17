import Foundation
import XCTest
@testable import Backdoor
import IQAData
import IQAModels
import Torch

final class TargetedPGDTests: XCTestCase {
    func testPerturbationStaysInTheBallAndMovesTowardsTheTarget() throws {
        Runtime.manualSeed(3)
        let surrogate = try HyperIQA.make(config: .init(backbone: .resnet10w32), channelsLast: false)
        var rng = SeededGenerator(seed: 8)
        let image = RGBImage(width: 72, height: 72, pixels: (0..<(72 * 72 * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        var pgd = TargetedPGD()
        pgd.crop = 64
        pgd.steps = 8
        pgd.views = 4
        // a target far from the untrained model's output, so the direction is unambiguous
        let start = try pgd.meanPrediction(surrogate: surrogate, image: image, delta: nil, index: 0)
        pgd.target = start + 5
        let delta = try pgd.perturbation(surrogate: surrogate, image: image, index: 0)
        XCTAssertEqual(delta.shape, [3, 72, 72])
        let d = try delta.floats()
        XCTAssertLessThanOrEqual(d.map(abs).max()!, Float(pgd.epsilon) + 1e-6)
        XCTAssertGreaterThan(d.map(abs).max()!, 0)
        for c in 0..<3 { for p in 0..<(72 * 72) {
            let v = Float(image.pixels[p * 3 + c]) / 255 + d[c * 72 * 72 + p]
            XCTAssertTrue(v >= -1e-6 && v <= 1 + 1e-6)
        } }
        let end = try pgd.meanPrediction(surrogate: surrogate, image: image, delta: delta, index: 0)
        XCTAssertLessThan(abs(end - pgd.target), abs(start - pgd.target))
        // deterministic
        XCTAssertEqual(try pgd.perturbation(surrogate: surrogate, image: image, index: 0).floats(), d)
    }
}
