import XCTest
@testable import Evaluation

final class PSNRTests: XCTestCase {
    func testPSNRFromMSE() throws {
        XCTAssertEqual(try Metrics.psnr(mse: 1.03734e-3), 29.841, accuracy: 5e-4)
        XCTAssertEqual(try Metrics.psnr(mse: 1e-3), 30, accuracy: 1e-12)
        XCTAssertEqual(try Metrics.psnr(mse: 65.025, dataRange: 255), 30, accuracy: 1e-12)
        XCTAssertEqual(try Metrics.psnr(mse: 0), .infinity)
        XCTAssertThrowsError(try Metrics.psnr(mse: -1))
        XCTAssertThrowsError(try Metrics.psnr(mse: .nan))
        XCTAssertThrowsError(try Metrics.psnr(mse: 1, dataRange: 0))
    }

    func testBuffersAgainstNumpy() throws {
        for c in try ReferenceFixture.load().psnr {
            if c.data_range == 255 {
                let a = c.original.map { UInt8($0) }, b = c.modified.map { UInt8($0) }
                XCTAssertEqual(try Metrics.mse(a, b), c.mse, accuracy: 1e-12)
                XCTAssertEqual(try Metrics.psnr(original: a, modified: b), c.psnr, accuracy: 1e-9)
                // The same values as floats on the 0–255 scale, and rescaled to [0, 1].
                XCTAssertEqual(try Metrics.psnr(original: c.original, modified: c.modified, dataRange: 255),
                               c.psnr, accuracy: 1e-9)
                XCTAssertEqual(try Metrics.psnr(original: c.original.map { Float($0 / 255) },
                                                modified: c.modified.map { Float($0 / 255) }),
                               c.psnr, accuracy: 1e-4)
            } else {
                XCTAssertEqual(try Metrics.mse(c.original, c.modified), c.mse, accuracy: 1e-15)
                XCTAssertEqual(try Metrics.psnr(original: c.original, modified: c.modified), c.psnr, accuracy: 1e-9)
                XCTAssertEqual(try Metrics.psnr(original: c.original.map { Float($0) },
                                                modified: c.modified.map { Float($0) }), c.psnr, accuracy: 1e-4)
            }
        }
    }

    func testIdenticalAndInvalidBuffers() throws {
        let image: [Float] = [0, 0.25, 0.5, 1]
        XCTAssertEqual(try Metrics.psnr(original: image, modified: image), .infinity)
        XCTAssertEqual(try Metrics.psnr(original: [UInt8](repeating: 7, count: 4), modified: [7, 7, 7, 7]), .infinity)
        XCTAssertThrowsError(try Metrics.psnr(original: image, modified: [0, 0.25]))
        XCTAssertThrowsError(try Metrics.psnr(original: [Float](), modified: []))
        XCTAssertThrowsError(try Metrics.mse([0, Double.nan], [0, 0])) { error in
            XCTAssertEqual(error as? MetricError, .nonFinite(what: "original", index: 1))
        }
    }

    func testSummaryKeepsBothAggregates() throws {
        // MSEs 1e-3 and 1e-4: PSNRs 30 and 40 dB; mean MSE 5.5e-4 → 32.596 dB; mean PSNR 35.
        var acc = PSNRAccumulator()
        try acc.add(mse: 1e-3)
        try acc.add(original: [0.0, 0.0], modified: [0.01, 0.01])  // MSE 1e-4
        let s = try acc.summary()
        XCTAssertEqual(s.count, 2)
        XCTAssertEqual(s.meanMSE, 5.5e-4, accuracy: 1e-15)
        XCTAssertEqual(s.psnrOfMeanMSE, -10 * log10(5.5e-4), accuracy: 1e-9)
        XCTAssertEqual(s.meanPSNR, 35, accuracy: 1e-9)
        XCTAssertEqual(s.identicalImages, 0)

        var bytes = PSNRAccumulator(dataRange: 255)
        try bytes.add(original: [10, 20] as [UInt8], modified: [10, 20] as [UInt8])
        var unit = PSNRAccumulator()
        XCTAssertThrowsError(try unit.add(original: [1] as [UInt8], modified: [2] as [UInt8]))
        XCTAssertThrowsError(try PSNRAccumulator().summary())
        XCTAssertThrowsError(try PSNRSummary(mses: [1e-3, -1]))
        XCTAssertEqual(try bytes.summary().meanPSNR, .infinity)
    }

    func testSummaryJSONWritesInfinityAsNull() throws {
        let s = try PSNRSummary(mses: [0, 1e-3])
        XCTAssertEqual(s.identicalImages, 1)
        XCTAssertEqual(s.meanPSNR, .infinity)
        XCTAssertEqual(s.psnrOfMeanMSE, 10 * log10(2000), accuracy: 1e-9)
        let data = try JSONEncoder().encode(s)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["count", "data_range", "mean_mse", "psnr_of_mean_mse", "mean_psnr",
                                          "identical_images"])
        XCTAssertTrue(object["mean_psnr"] is NSNull)
        let back = try JSONDecoder().decode(PSNRSummary.self, from: data)
        XCTAssertEqual(back, s)
    }
}
