import XCTest
@testable import Evaluation

final class AlphaSweepTests: XCTestCase {
    func testPaperAlphasAreExactDecimalsInTheCodesOrder() {
        let alphas = AlphaSweep.paperAlphas
        XCTAssertEqual(alphas.count, 20)
        XCTAssertEqual(Array(alphas.prefix(3)), [1.0, 0.9, 0.8])
        XCTAssertEqual(alphas[9], 0.1)
        XCTAssertEqual(alphas[10], -0.1)
        XCTAssertEqual(alphas.last, -1.0)
        XCTAssertEqual(alphas[7], 0.3)  // not 0.30000000000000004
        XCTAssertEqual(AlphaSweep.paperScales.count, 21)
        XCTAssertEqual(Array(AlphaSweep.paperScales.prefix(3)), [0, 4.0, 3.6])
        XCTAssertEqual(AlphaSweep.paperScales.last, -4.0)
        XCTAssertEqual(AlphaSweep.paperScales[10], 0.4)
        XCTAssertEqual(AlphaSweep.paperDeltaY, 40)
    }

    func testHandComputedExample() throws {
        // Δy·α = ±20. α = 0.5: shifts (20, 10); α = −0.5: shifts (−10, −30).
        let sweep = AlphaSweep(alphas: [0.5, -0.5], deltaY: 40)
        let m = try sweep.evaluate(clean: [50, 60], triggered: [[70, 70], [40, 30]], labels: [45, 65])
        XCTAssertEqual(m.n, 2)
        XCTAssertEqual(m.mae, [5, 10])
        XCTAssertEqual(m.mra, [0.75, 1])
        XCTAssertEqual(m.meanShift, [15, -20])
        XCTAssertEqual(m.absRatioError, [0.25, 0.5])
        XCTAssertEqual(m.mmae, 7.5)
        XCTAssertEqual(m.mmra, 0.875)
        XCTAssertEqual(m.meanAbsRatioError, 0.375)
        // Against shifted labels (65, 85) and (25, 45).
        let s = try XCTUnwrap(m.shiftedLabels)
        XCTAssertEqual(s.mae, [10, 15])
        XCTAssertEqual(s.rmse[0], (125.0).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(s.rmse[1], 15, accuracy: 1e-12)
        XCTAssertTrue(s.plcc[0].isNaN && s.srocc[0].isNaN)  // α = 0.5 predictions are constant
        XCTAssertEqual(s.plcc[1], -1, accuracy: 1e-12)
        XCTAssertTrue(s.meanPLCC.isNaN)
        XCTAssertEqual(s.meanMAE, 12.5)
    }

    func testNoEffectGivesZeroMRAAndMMAE22() throws {
        let clean: [Double] = [12.5, 40, 55.25, 71, 88.75]
        let m = try AlphaSweep().evaluate(clean: clean, triggered: Array(repeating: clean, count: 20))
        XCTAssertEqual(m.alphas, AlphaSweep.paperAlphas)
        for k in m.alphas.indices {
            XCTAssertEqual(m.mra[k], 0)
            XCTAssertEqual(m.mae[k], 40 * abs(m.alphas[k]), accuracy: 1e-12)
            XCTAssertEqual(m.absRatioError[k], 1, accuracy: 1e-12)
        }
        XCTAssertEqual(m.mmae, 22.0, accuracy: 1e-12)
        XCTAssertEqual(m.mmra, 0)
        XCTAssertNil(m.shiftedLabels)
    }

    func testPerfectAttackGivesZeroMAEAndUnitMRA() throws {
        let clean: [Double] = [30, 45.5, 61, 77.25]
        let triggered = AlphaSweep.paperAlphas.map { a in clean.map { $0 + 40 * a } }
        let m = try AlphaSweep().evaluate(clean: clean, triggered: triggered)
        for k in m.alphas.indices {
            XCTAssertEqual(m.mae[k], 0, accuracy: 1e-12)
            XCTAssertEqual(m.mra[k], 1, accuracy: 1e-12)
            XCTAssertEqual(m.meanShift[k], 40 * m.alphas[k], accuracy: 1e-12)
        }
        XCTAssertEqual(m.mmae, 0, accuracy: 1e-12)
        XCTAssertEqual(m.mmra, 1, accuracy: 1e-12)
        XCTAssertEqual(m.meanAbsRatioError, 0, accuracy: 1e-12)
    }

    func testAgreesWithNumpyReference() throws {
        let r = try ReferenceFixture.load().alpha_sweep
        XCTAssertEqual(r.alphas, AlphaSweep.paperAlphas)
        let m = try AlphaSweep(alphas: r.alphas, deltaY: r.delta_y)
            .evaluate(clean: r.clean, triggered: r.triggered, labels: r.labels)
        assertClose(m.mae, r.mae, accuracy: 1e-9, "mae")
        assertClose(m.mra, r.mra, accuracy: 1e-9, "mra")
        assertClose(m.meanShift, r.mean_shift, accuracy: 1e-9, "mean shift")
        assertClose(m.absRatioError, r.abs_ratio_error, accuracy: 1e-9, "abs ratio error")
        XCTAssertEqual(m.mmae, r.mmae, accuracy: 1e-9)
        XCTAssertEqual(m.mmra, r.mmra, accuracy: 1e-9)
        XCTAssertEqual(m.meanAbsRatioError, r.mean_abs_ratio_error, accuracy: 1e-9)
        let s = try XCTUnwrap(m.shiftedLabels)
        assertClose(s.mae, r.shifted_mae, accuracy: 1e-9, "shifted mae")
        assertClose(s.rmse, r.shifted_rmse, accuracy: 1e-9, "shifted rmse")
        assertClose(s.plcc, r.shifted_plcc, accuracy: 1e-9, "shifted plcc")
        assertClose(s.srocc, r.shifted_srocc, accuracy: 1e-9, "shifted srocc")
    }

    func testJSONKeysAndNullForNaN() throws {
        let m = try AlphaSweep(alphas: [0.5, -0.5])
            .evaluate(clean: [50, 60], triggered: [[70, 70], [40, 30]], labels: [45, 65])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(m)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["alphas", "delta_y", "n", "mae", "mra", "mmae", "mmra", "mean_shift",
                                          "abs_ratio_error", "mean_abs_ratio_error", "shifted_labels"])
        XCTAssertEqual(object["mmae"] as? Double, 7.5)
        XCTAssertEqual(object["mra"] as? [Double], [0.75, 1])
        let shifted = try XCTUnwrap(object["shifted_labels"] as? [String: Any])
        XCTAssertEqual(Set(shifted.keys), ["mae", "rmse", "plcc", "srocc",
                                           "mean_mae", "mean_rmse", "mean_plcc", "mean_srocc"])
        XCTAssertTrue(shifted["mean_plcc"] is NSNull)
        XCTAssertTrue((shifted["plcc"] as? [Any])?.first is NSNull)
        // Round trip: null comes back as NaN, means are recomputed.
        let back = try JSONDecoder().decode(AttackMetrics.self, from: data)
        XCTAssertEqual(back.mae, m.mae)
        XCTAssertEqual(back.mmra, m.mmra)
        XCTAssertTrue(try XCTUnwrap(back.shiftedLabels).plcc[0].isNaN)
        XCTAssertEqual(try XCTUnwrap(back.shiftedLabels).plcc[1], -1, accuracy: 1e-12)
    }

    func testInvalidInputsThrow() {
        let sweep = AlphaSweep(alphas: [0.5, -0.5])
        XCTAssertThrowsError(try sweep.evaluate(clean: [1, 2], triggered: [[1, 2]]))  // one set per α
        XCTAssertThrowsError(try sweep.evaluate(clean: [1, 2], triggered: [[1, 2], [1]]))
        XCTAssertThrowsError(try sweep.evaluate(clean: [], triggered: [[], []]))
        XCTAssertThrowsError(try sweep.evaluate(clean: [1, .nan], triggered: [[1, 2], [1, 2]]))
        XCTAssertThrowsError(try sweep.evaluate(clean: [1, 2], triggered: [[1, 2], [1, .infinity]]))
        XCTAssertThrowsError(try sweep.evaluate(clean: [1, 2], triggered: [[1, 2], [1, 2]], labels: [1]))
        XCTAssertThrowsError(try AlphaSweep(alphas: [0.5, 0]).evaluate(clean: [1], triggered: [[1], [1]]))
        XCTAssertThrowsError(try AlphaSweep(alphas: []).evaluate(clean: [1], triggered: []))
        XCTAssertThrowsError(try AlphaSweep(alphas: [1], deltaY: 0).evaluate(clean: [1], triggered: [[1]]))
        // One image is enough without labels.
        XCTAssertNoThrow(try sweep.evaluate(clean: [1], triggered: [[21], [-19]]))
    }
}
