import XCTest
@testable import Evaluation

final class LogisticMappingTests: XCTestCase {
    func testFitMatchesScipyCurveFit() throws {
        for c in try ReferenceFixture.load().logistic {
            let start = LogisticMapping.initialGuess(predictions: c.x, labels: c.y)
            assertClose(start.betas, c.initial, accuracy: 1e-9, "\(c.name) initial β")
            let fit = try LogisticMapping.fit(predictions: c.x, labels: c.y)
            let mapped = fit.apply(c.x)
            XCTAssertEqual(try Metrics.plcc(mapped, c.y), c.mapped_plcc, accuracy: 1e-4, "\(c.name) mapped PLCC")
            XCTAssertEqual(try Metrics.plcc(c.x, c.y, mapped: true), c.mapped_plcc, accuracy: 1e-4, c.name)
            XCTAssertEqual(try Metrics.rmse(c.x, c.y, mapped: true), c.mapped_rmse, accuracy: 1e-4 * c.mapped_rmse, c.name)
            XCTAssertEqual(try Metrics.plcc(c.x, c.y), c.raw_plcc, accuracy: 1e-9, "\(c.name) raw PLCC")
            // Same minimum as MINPACK: the parameters agree too (|β4| is what matters).
            let beta = [fit.beta1, fit.beta2, fit.beta3, abs(fit.beta4)]
            let expected = [c.beta[0], c.beta[1], c.beta[2], abs(c.beta[3])]
            for (b, e) in zip(beta, expected) { XCTAssertEqual(b, e, accuracy: 1e-4 * max(1, abs(e)), c.name) }

            let benign = try BenignMetrics(predictions: c.x, labels: c.y, mapped: true)
            XCTAssertEqual(benign.plcc, c.mapped_plcc, accuracy: 1e-4)
            XCTAssertEqual(benign.rmse, c.mapped_rmse, accuracy: 1e-4 * c.mapped_rmse)
            XCTAssertNotNil(benign.logisticMapping)
        }
    }

    func testRecoversExactParameters() throws {
        let truth = LogisticMapping(beta1: 90, beta2: 10, beta3: 0.4, beta4: 0.15)
        let x = (0..<60).map { Double($0) / 59 }
        let fit = try LogisticMapping.fit(predictions: x, labels: truth.apply(x))
        XCTAssertEqual(fit.beta1, 90, accuracy: 1e-6)
        XCTAssertEqual(fit.beta2, 10, accuracy: 1e-6)
        XCTAssertEqual(fit.beta3, 0.4, accuracy: 1e-8)
        XCTAssertEqual(abs(fit.beta4), 0.15, accuracy: 1e-8)
        XCTAssertEqual(try Metrics.rmse(x, truth.apply(x), mapped: true), 0, accuracy: 1e-6)
    }

    func testFormulaAndCodable() throws {
        let f = LogisticMapping(beta1: 100, beta2: 0, beta3: 50, beta4: -10)
        XCTAssertEqual(f(50), 50, accuracy: 1e-12)
        XCTAssertEqual(f(60), 100 / (1 + exp(-1)), accuracy: 1e-12)  // only |β4| counts
        XCTAssertEqual(f(1e6), 100)
        XCTAssertEqual(f(-1e6), 0)
        let json = try JSONEncoder().encode(f)
        XCTAssertEqual(try JSONDecoder().decode(LogisticMapping.self, from: json), f)
    }

    func testFitNeedsFourPoints() {
        XCTAssertThrowsError(try LogisticMapping.fit(predictions: [1, 2, 3], labels: [1, 2, 3])) { error in
            XCTAssertEqual(error as? MetricError, .tooFewValues(what: "predictions", count: 3, minimum: 4))
        }
    }
}
