import IQAModels
import XCTest

final class LRScheduleTests: XCTestCase {
    func testCosineFactorOverTheRun() throws {
        var r = TrainingRecipe.cpu(.hyperiqa)
        XCTAssertEqual(r.lrSchedule, .cosine)
        r.epochs = 4
        XCTAssertEqual(r.learningRateFactor(epoch: 0, index: 0, batchCount: 10), 1)
        XCTAssertEqual(r.learningRateFactor(epoch: 2, index: 0, batchCount: 10), 0.5, accuracy: 1e-12)      // halfway
        XCTAssertEqual(r.learningRateFactor(epoch: 1, index: 0, batchCount: 10), 0.5 * (1 + cos(Double.pi / 4)), accuracy: 1e-12)
        XCTAssertEqual(r.learningRateFactor(epoch: 3, index: 9, batchCount: 10), 0.5 * (1 + cos(Double.pi * 39 / 40)), accuracy: 1e-12)
        XCTAssertLessThan(r.learningRateFactor(epoch: 3, index: 9, batchCount: 10), 0.002)
        // Past the planned run (more epochs than the recipe says) the rate stays at 0, never rises again.
        XCTAssertEqual(r.learningRateFactor(epoch: 5, index: 0, batchCount: 10), 0, accuracy: 1e-12)
    }

    func testOfficialRecipesKeepAConstantRate() {
        for kind in ModelKind.allCases {
            let r = TrainingRecipe.paper(kind)
            XCTAssertNil(r.lrSchedule)
            XCTAssertEqual(r.learningRateFactor(epoch: 3, index: 5, batchCount: 10), 1)
            XCTAssertEqual(TrainingRecipe.cpu(kind).lrSchedule, .cosine)
        }
    }
}
