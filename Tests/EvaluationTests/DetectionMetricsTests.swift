import Evaluation
import XCTest

final class DetectionMetricsTests: XCTestCase {
    func testAUCCountsTiesAsHalf() throws {
        XCTAssertEqual(try DetectionMetrics(positive: [3, 4], negative: [1, 2]).auc, 1)
        XCTAssertEqual(try DetectionMetrics(positive: [1, 2], negative: [3, 4]).auc, 0)
        XCTAssertEqual(try DetectionMetrics(positive: [1], negative: [1]).auc, 0.5)
        XCTAssertEqual(try DetectionMetrics(positive: [2, 0], negative: [1]).auc, 0.5)
        // 5 of the 6 (positive, negative) pairs are ordered, one is tied: (5 + 0.5) / 6.
        XCTAssertEqual(try DetectionMetrics(positive: [3, 5], negative: [1, 3, 2]).auc, 5.5 / 6, accuracy: 1e-12)
    }

    func testTPRAtFivePercentFPR() throws {
        let negatives = (0..<100).map(Double.init)   // 5 of them may lie above τ = 94
        let m = try DetectionMetrics(positive: [50, 98.5, 200], negative: negatives)
        XCTAssertEqual(m.tpr, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.positives, 3)
        XCTAssertEqual(m.negatives, 100)
        XCTAssertEqual(try DetectionMetrics(positive: [94], negative: negatives).tpr, 0, "a score at τ is not flagged")
        XCTAssertEqual(try DetectionMetrics(positive: [1], negative: [0], fpr: 0).tpr, 1)
    }

    func testBadInput() {
        XCTAssertThrowsError(try DetectionMetrics(positive: [], negative: [1]))
        XCTAssertThrowsError(try DetectionMetrics(positive: [1], negative: []))
        XCTAssertThrowsError(try DetectionMetrics(positive: [.nan], negative: [1]))
        XCTAssertThrowsError(try DetectionMetrics(positive: [1], negative: [1], fpr: 1))
    }
}
