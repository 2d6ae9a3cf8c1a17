import XCTest
@testable import Evaluation

final class CorrelationTests: XCTestCase {
    func testAgreesWithScipyOnReferenceVectors() throws {
        let fixture = try ReferenceFixture.load()
        XCTAssertGreaterThanOrEqual(fixture.correlation.count, 8)
        for c in fixture.correlation {
            assertClose(try Metrics.plcc(c.x, c.y), c.plcc, accuracy: 1e-9, "\(c.name) plcc")
            assertClose(try Metrics.srocc(c.x, c.y), c.srocc, accuracy: 1e-9, "\(c.name) srocc")
            assertClose(try Metrics.krcc(c.x, c.y), c.krcc, accuracy: 1e-9, "\(c.name) krcc")
            assertClose(try Metrics.rmse(c.x, c.y), c.rmse, accuracy: 1e-9, "\(c.name) rmse")
            assertClose(try Metrics.mae(c.x, c.y), c.mae, accuracy: 1e-9, "\(c.name) mae")
        }
    }

    func testBenignMetricsBundleTheSameValues() throws {
        let c = try XCTUnwrap(try ReferenceFixture.load().correlation.first { $0.name == "mos_like_n232" })
        let m = try BenignMetrics(predictions: c.x, labels: c.y)
        assertClose(m.plcc, c.plcc, accuracy: 1e-9, "plcc")
        assertClose(m.srocc, c.srocc, accuracy: 1e-9, "srocc")
        assertClose(m.krcc, c.krcc, accuracy: 1e-9, "krcc")
        assertClose(m.rmse, c.rmse, accuracy: 1e-9, "rmse")
        XCTAssertEqual(m.n, 232)
        XCTAssertNil(m.logisticMapping)
    }

    func testAverageRanksLikeRankdata() {
        XCTAssertEqual(Metrics.averageRanks([10, 20, 20, 30]), [1, 2.5, 2.5, 4])
        XCTAssertEqual(Metrics.averageRanks([3, 1, 3, 3, 2]), [4, 1, 4, 4, 2])
        XCTAssertEqual(Metrics.averageRanks([5]), [1])
    }

    func testHandComputedKendall() throws {
        // Pairs of (1,2,3,4) vs (1,3,2,4): 5 concordant, 1 discordant, no ties → τ = 4/6.
        XCTAssertEqual(try Metrics.krcc([1, 2, 3, 4], [1, 3, 2, 4]), 4.0 / 6, accuracy: 1e-15)
        XCTAssertEqual(try Metrics.krcc([1, 2, 3], [3, 2, 1]), -1)
        // Perfect monotone but non-linear relation: ρ = τ = 1, r < 1.
        let x: [Double] = [1, 2, 3, 4, 5], y = x.map { $0 * $0 * $0 }
        XCTAssertEqual(try Metrics.srocc(x, y), 1, accuracy: 1e-15)
        XCTAssertEqual(try Metrics.krcc(x, y), 1, accuracy: 1e-15)
        XCTAssertLessThan(try Metrics.plcc(x, y), 0.99)
    }

    func testConstantInputGivesNaN() throws {
        let constant = [Double](repeating: 0.1, count: 7), other: [Double] = [1, 2, 3, 4, 5, 6, 8]
        XCTAssertTrue(try Metrics.plcc(constant, other).isNaN)
        XCTAssertTrue(try Metrics.plcc(other, constant).isNaN)
        XCTAssertTrue(try Metrics.srocc(constant, other).isNaN)
        XCTAssertTrue(try Metrics.krcc(other, constant).isNaN)
        let m = try BenignMetrics(predictions: constant, labels: other)
        XCTAssertTrue(m.plcc.isNaN && m.srocc.isNaN && m.krcc.isNaN)
        XCTAssertTrue(m.rmse.isFinite)
    }

    func testInvalidInputsThrow() {
        XCTAssertThrowsError(try Metrics.plcc([1, 2, 3], [1, 2])) { error in
            XCTAssertEqual(error as? MetricError, .lengthMismatch(what: "labels", expected: 3, actual: 2))
        }
        XCTAssertThrowsError(try Metrics.srocc([1], [2])) { error in
            XCTAssertEqual(error as? MetricError, .tooFewValues(what: "predictions", count: 1, minimum: 2))
        }
        XCTAssertThrowsError(try Metrics.krcc([], []))
        XCTAssertThrowsError(try Metrics.krcc([1, .nan, 3], [1, 2, 3])) { error in
            XCTAssertEqual(error as? MetricError, .nonFinite(what: "predictions", index: 1))
        }
        XCTAssertThrowsError(try Metrics.plcc([1, 2, 3], [1, 2, .infinity])) { error in
            XCTAssertEqual(error as? MetricError, .nonFinite(what: "labels", index: 2))
        }
        XCTAssertThrowsError(try Metrics.rmse([], []))
        XCTAssertThrowsError(try Metrics.mae([1], [1, 2]))
        XCTAssertThrowsError(try BenignMetrics(predictions: [1, 2], labels: [1, 2, 3]))
        XCTAssertThrowsError(try BenignMetrics(predictions: [1, 2, 3], labels: [1, 2, 3], mapped: true))
        // The messages name the problem.
        XCTAssertEqual(MetricError.nonFinite(what: "labels", index: 2).description,
                       "labels: non-finite value (NaN or infinity) at index 2")
    }

    func testKendallIsFastOnLargeInputs() throws {
        // n log n: 200k pairs with many ties in well under a second in release, a few seconds in debug.
        let n = 200_000
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 40) / Double(1 << 24)
        }
        let x = (0..<n).map { _ in (next() * 100).rounded() }
        let y = x.map { $0 + (next() * 30).rounded() }
        let start = Date()
        let tau = try Metrics.krcc(x, y)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        XCTAssertGreaterThan(tau, 0.5)
        XCTAssertLessThan(tau, 1)
    }
}
