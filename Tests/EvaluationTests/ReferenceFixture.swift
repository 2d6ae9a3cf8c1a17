import Foundation
import XCTest

/// reference_metrics.json, written once by Fixtures/make_reference.py with numpy/scipy (null = NaN).
struct ReferenceFixture: Decodable {
    struct Correlation: Decodable {
        let name: String
        let x: [Double], y: [Double]
        let plcc: Double?, srocc: Double?, krcc: Double?
        let rmse: Double, mae: Double
    }

    struct Logistic: Decodable {
        let name: String
        let x: [Double], y: [Double]
        let initial: [Double], beta: [Double]
        let mapped_plcc: Double, mapped_rmse: Double, raw_plcc: Double
    }

    struct Sweep: Decodable {
        let alphas: [Double]
        let delta_y: Double
        let clean: [Double], labels: [Double]
        let triggered: [[Double]]
        let mae: [Double], mra: [Double], mean_shift: [Double], abs_ratio_error: [Double]
        let shifted_mae: [Double], shifted_rmse: [Double], shifted_plcc: [Double], shifted_srocc: [Double]
        let mmae: Double, mmra: Double, mean_abs_ratio_error: Double
    }

    struct PSNRCase: Decodable {
        let name: String
        let data_range: Double
        let original: [Double], modified: [Double]
        let mse: Double, psnr: Double
    }

    let correlation: [Correlation]
    let logistic: [Logistic]
    let alpha_sweep: Sweep
    let psnr: [PSNRCase]

    static func load() throws -> ReferenceFixture {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "reference_metrics", withExtension: "json",
                                                  subdirectory: "Fixtures"))
        return try JSONDecoder().decode(ReferenceFixture.self, from: Data(contentsOf: url))
    }
}

/// Asserts |actual − expected| ≤ accuracy, or both NaN when `expected` is nil (scipy's NaN).
func assertClose(_ actual: Double, _ expected: Double?, accuracy: Double, _ message: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    guard let expected else {
        XCTAssertTrue(actual.isNaN, "\(message): expected NaN, got \(actual)", file: file, line: line)
        return
    }
    XCTAssertEqual(actual, expected, accuracy: accuracy, message, file: file, line: line)
}

/// Element-wise `assertClose`.
func assertClose(_ actual: [Double], _ expected: [Double], accuracy: Double, _ message: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(message): count", file: file, line: line)
    for (k, (a, e)) in zip(actual, expected).enumerated() {
        assertClose(a, e, accuracy: accuracy, "\(message)[\(k)]", file: file, line: line)
    }
}
