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

    // MARK: projected method, budget, objective

    /// The budget in pixel terms: the official trigger's Π has RMS 8.21 (spec §3.1); a trigger on the
    /// budget has RMS 255·ε, and injecting it into a mid-grey image (no clamping) gives PSNR 20·log10(1/ε).
    func testBudgetMatchesTheSpecAndThePixelPSNR() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/official_trigger_pattern", withExtension: "json"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let official = try Tensor((json["trigger"] as! [Double]).map(Float.init), shape: [3, 64])
        let budget = TriggerBudget(epsilon: 8.0 / 255)
        XCTAssertEqual(try budget.patternRMS(official), 8.21, accuracy: 0.005)
        let onBudget = try budget.randomOnBudget(seed: 3)
        XCTAssertEqual(try budget.patternRMS(onBudget), 8, accuracy: 1e-4)
        XCTAssertNotEqual(try onBudget.floats(), try budget.randomOnBudget(seed: 4).floats())
        let grey = try Tensor.full([1, 3, 64, 64], 0.5)
        let injected = try DCTTrigger(tensor: onBudget).apply(grey, alpha: 1)
        let mse = try F.mseLoss(injected, (grey * 255).round() / 255).item()
        XCTAssertEqual(-10 * log10(mse), 20 * log10(255.0 / 8), accuracy: 0.01)
        // Projection shrinks a trigger outside onto the surface and leaves one inside alone.
        let big = try official * 3
        XCTAssertEqual(try budget.project(big), 8 / (3 * 8.21), accuracy: 1e-3)
        XCTAssertEqual(try budget.patternRMS(big), 8, accuracy: 1e-3)
        let small = try official * 0.1
        XCTAssertEqual(try budget.project(small), 1)
        XCTAssertEqual(try budget.patternRMS(small), 0.821, accuracy: 1e-3)
    }

    /// The objective on held-out crops: mean |Δŷ| ≥ |mean Δŷ|, on the budget regardless of the trigger's
    /// own strength, and at its own strength when weaker; a zero trigger is an error.
    func testObjectiveScalesOntoTheBudget() throws {
        Runtime.manualSeed(5)
        let surrogate = try HyperIQA.make(config: .init(backbone: .resnet10w32), channelsLast: false)
        surrogate.store.eval()
        let crops = try UAPObjective.centerCrops(source: images(3, size: 72), images: [0, 1, 2], crop: 64)
        XCTAssertEqual(crops.shape, [3, 3, 64, 64])
        let objective = try UAPObjective(surrogate: surrogate, crops: crops, budget: TriggerBudget(epsilon: 8.0 / 255))
        let t = try TriggerBudget(epsilon: 8.0 / 255).randomOnBudget(seed: 1)
        let onBudget = try objective.evaluate(t), half = try objective.evaluate(t * 0.5), double = try objective.evaluate(t * 2)
        XCTAssertGreaterThan(onBudget.meanAbsShift, 0)
        XCTAssertGreaterThanOrEqual(onBudget.meanAbsShift, abs(onBudget.meanShift))
        XCTAssertEqual(half.meanAbsShift, onBudget.meanAbsShift, accuracy: 1e-4 * onBudget.meanAbsShift)
        XCTAssertEqual(double.meanAbsShift, onBudget.meanAbsShift, accuracy: 1e-4 * onBudget.meanAbsShift)
        XCTAssertEqual(half.scale, 2, accuracy: 1e-4)
        XCTAssertEqual(double.ownMeanAbsShift, double.meanAbsShift)
        XCTAssertNotEqual(half.ownMeanAbsShift, half.meanAbsShift)
        XCTAssertThrowsError(try objective.evaluate(t * 0))
    }

    /// A short projected search on the formula surrogate (responsive scores), 224 crops of its 240×256 images.
    func projectedSearch() -> UAPSearch {
        var s = UAPSearch()
        s.method = .projected
        s.learningRate = UAPSearch.defaultLearningRate(.projected)
        s.epochs = 2
        s.batchSize = 4
        s.repeats = 1
        s.stepsPerBatch = 4
        s.crop = 224
        return s
    }

    /// Projected: the trigger starts and stays on the budget through a run, whose curve has a point every
    /// `every` steps; on one batch, repeated updates raise the objective measured on those crops.
    func testProjectedSearchStaysOnTheBudgetAndRaisesTheObjective() throws {
        let surrogate = try FormulaSurrogate.make()
        let source = FormulaSurrogate.images()
        var search = projectedSearch()
        search.epochs = 3
        let objective = try UAPObjective(surrogate: surrogate, crops: UAPObjective.centerCrops(source: source, images: [0, 1, 2], crop: 224),
                                         budget: search.budget)
        let start = try search.initialState()
        XCTAssertEqual(try search.budget.patternRMS(start.trigger), 8, accuracy: 1e-4)
        let end = try search.run(surrogate: surrogate, source: source, images: [0, 1, 2], from: start, objective: objective, every: 4)
        XCTAssertEqual(end.stepsDone, 3 * 1 * 4)                                       // epochs × batches × steps
        XCTAssertEqual(end.curve.map(\.step), [0, 4, 8, 12])
        for point in end.curve { XCTAssertEqual(point.objective.patternRMS, 8, accuracy: 1e-3) }
        XCTAssertEqual(try search.budget.patternRMS(end.trigger), 8, accuracy: 1e-3)

        // The center crops themselves as the batch (measured: mean |Δŷ| 18.4 → 31.3 in 20 steps).
        let stepper = try UAPSearch.BatchStepper(search: search, surrogate: surrogate, trigger: start.trigger)
        let clean = try search.cropBatch(source: source, images: [0, 1, 2], y: 8, x: 16, flip: false)
        let before = try objective.evaluate(stepper.trigger).meanAbsShift
        var losses: [Double] = []
        for _ in 0..<5 { try stepper.optimise(clean: clean) { loss, _ in losses.append(loss) } }
        XCTAssertGreaterThan(try objective.evaluate(stepper.trigger).meanAbsShift, 1.5 * before)
        XCTAssertLessThan(losses.last!, 2 * losses.first!)                              // −MSE: more negative
        XCTAssertEqual(try search.budget.patternRMS(stepper.trigger), 8, accuracy: 1e-3)
    }

    /// Projected keeps one Adam across batches: resuming from an epoch's state (trigger and moments)
    /// ends with the same trigger and curve as the uninterrupted run; without the moments it would not.
    func testProjectedSearchResumesWithItsOptimiserState() throws {
        let surrogate = try FormulaSurrogate.make()
        let source = FormulaSurrogate.images()
        let search = projectedSearch()
        let objective = try UAPObjective(surrogate: surrogate, crops: UAPObjective.centerCrops(source: source, images: [3], crop: 224),
                                         budget: search.budget)
        var afterFirst: UAPSearch.State?
        let full = try search.run(surrogate: surrogate, source: source, images: [0, 1, 2], from: search.initialState(), objective: objective,
                                  every: 2, onEpoch: { if $0.epochsDone == 1 { afterFirst = $0 } })
        let saved = try XCTUnwrap(afterFirst)
        XCTAssertEqual(Set(saved.optimiser.keys), ["trigger.exp_avg", "trigger.exp_avg_sq", "trigger.step"])
        let resumed = try search.run(surrogate: surrogate, source: source, images: [0, 1, 2], from: saved, objective: objective, every: 2)
        XCTAssertEqual(try resumed.trigger.floats(), try full.trigger.floats())
        XCTAssertEqual(resumed.curve.map(\.step), full.curve.map(\.step))
        XCTAssertEqual(resumed.curve.map(\.objective), full.curve.map(\.objective))
        var forgetful = saved
        forgetful.optimiser = [:]
        let restarted = try search.run(surrogate: surrogate, source: source, images: [0, 1, 2], from: forgetful)
        XCTAssertNotEqual(try restarted.trigger.floats(), try full.trigger.floats())
    }
}
