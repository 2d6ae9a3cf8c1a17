import Foundation
import XCTest
@testable import Backdoor
import IQAData
import IQAModels
import Torch

final class UAPSearchTests: XCTestCase {
    func images(_ n: Int, size: Int) -> InMemoryImages {
        var rng = SeededGenerator(seed: 4)
        return InMemoryImages((0..<n).map { _ in
            RGBImage(width: size, height: size, pixels: (0..<(size * size * 3)).map { _ in UInt8.random(in: 20...235, using: &rng) })
        })
    }

    func tinySearch() -> UAPSearch {
        var s = UAPSearch()
        s.epochs = 2
        s.batchSize = 4
        s.repeats = 2
        s.stepsPerBatch = 3
        s.crop = 64
        s.epsilon = 8.0 / 255
        return s
    }

    /// The search moves the trigger, is deterministic for a seed, and resumes exactly from a saved epoch.
    func testSearchIsDeterministicAndResumable() throws {
        Runtime.manualSeed(0)
        let surrogate = try HyperIQA.make(config: .init(backbone: .resnet10w32), channelsLast: false)
        let source = images(4, size: 72)
        let search = tinySearch()
        let start = try search.initialState()
        XCTAssertEqual(try start.trigger.floats().map(abs).max()!, 300, accuracy: 30)  // U(−300, 300)
        var afterFirstEpoch: UAPSearch.State?
        let full = try search.run(surrogate: surrogate, source: source, images: Array(0..<4), from: start,
                                  onEpoch: { if $0.epochsDone == 1 { afterFirstEpoch = $0 } })
        XCTAssertEqual(full.epochsDone, 2)
        XCTAssertNotEqual(try full.trigger.floats(), try start.trigger.floats())
        let again = try search.run(surrogate: surrogate, source: source, images: Array(0..<4), from: try search.initialState())
        XCTAssertEqual(try again.trigger.floats(), try full.trigger.floats())
        let resumed = try search.run(surrogate: surrogate, source: source, images: Array(0..<4), from: XCTUnwrap(afterFirstEpoch))
        XCTAssertEqual(try resumed.trigger.floats(), try full.trigger.floats())
        XCTAssertTrue(full.lastPixelMSE.isFinite && full.lastPixelMSE > 0)
    }

    /// The visibility hinge: starting far above the budget, the search pulls the pixel MSE down towards ε².
    func testVisibilityTermShrinksAnOversizedTrigger() throws {
        Runtime.manualSeed(1)
        let surrogate = try HyperIQA.make(config: .init(backbone: .resnet10w32), channelsLast: false)
        var search = tinySearch()
        search.initRange = 3000
        search.learningRate = 100   // 18 Adam steps of ≈ lr each: enough to see the hinge act
        search.epochs = 3
        let start = try search.initialState()
        let end = try search.run(surrogate: surrogate, source: images(4, size: 64), images: Array(0..<4), from: start)
        let before = try DCTTrigger(tensor: start.trigger).pattern.map { Double($0 * $0) }.reduce(0, +)
        let after = try DCTTrigger(tensor: end.trigger).pattern.map { Double($0 * $0) }.reduce(0, +)
        XCTAssertLessThan(after, before / 2)
    }

    /// Below the budget only the attack term acts: the trigger grows.
    func testAttackTermGrowsASmallTrigger() throws {
        Runtime.manualSeed(2)
        let surrogate = try HyperIQA.make(config: .init(backbone: .resnet10w32), channelsLast: false)
        var search = tinySearch()
        search.initRange = 20
        search.learningRate = 10
        let start = try search.initialState()
        let end = try search.run(surrogate: surrogate, source: images(4, size: 64), images: Array(0..<4), from: start)
        let before = try DCTTrigger(tensor: start.trigger).pattern.map { Double($0 * $0) }.reduce(0, +)
        let after = try DCTTrigger(tensor: end.trigger).pattern.map { Double($0 * $0) }.reduce(0, +)
        XCTAssertGreaterThan(after, before)
    }

    func testSmallImagesAreAnError() throws {
        let surrogate = try HyperIQA.make(config: .init(backbone: .resnet10w32), channelsLast: false)
        var search = tinySearch()
        search.crop = 128
        XCTAssertThrowsError(try search.run(surrogate: surrogate, source: images(2, size: 64), images: [0, 1], from: search.initialState()))
    }
}
