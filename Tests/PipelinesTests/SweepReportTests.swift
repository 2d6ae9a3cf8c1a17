@testable import Pipelines
import Foundation
import XCTest

/// The sweep's statistics and axis handling, without computing a suite.
final class SweepReportTests: XCTestCase {
    func testMeanAndSampleDeviation() {
        let (mean, sd) = SweepReport.meanAndDeviation([1, 2, 3, 4])
        XCTAssertEqual(mean, 2.5)
        XCTAssertEqual(try XCTUnwrap(sd), 1.2909944487, accuracy: 1e-9)   // √(5/3): n − 1 in the denominator
        XCTAssertNil(SweepReport.meanAndDeviation([0.7]).sd)
        XCTAssertEqual(SweepReport.cell([0.5, nil, 0.7], decimals: 3), "0.600 ± 0.141")
        XCTAssertEqual(SweepReport.cell([0.5], decimals: 2), "0.50 ± —")
        XCTAssertEqual(SweepReport.cell([nil, nil], decimals: 2), "—")
    }

    func testSeedAxesAndAxisOrder() throws {
        XCTAssertTrue(SweepResults.isSeedAxis("seed"))
        XCTAssertTrue(SweepResults.isSeedAxis("victim.seed"))
        XCTAssertFalse(SweepResults.isSeedAxis("victim.model"))
        XCTAssertFalse(SweepResults.isSeedAxis("seeds"))
        // Command-line axes replace a config's axis of the same key and come out in key order.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-axes-\(UUID().uuidString.prefix(8)).yaml")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "sweep:\n  seed: [0, 1]\n  poison.rate: [0.1, 0.2]\n".write(to: dir, atomically: true, encoding: .utf8)
        let axes = try SuiteSweep.axes(configFile: dir, sweeps: ["victim.model=hyperiqa,dbcnn", "seed=3,4,5"])
        XCTAssertEqual(axes.map(\.key), ["poison.rate", "seed", "victim.model"])
        XCTAssertEqual(axes.map(\.values), [["0.1", "0.2"], ["3", "4", "5"], ["hyperiqa", "dbcnn"]])
        XCTAssertEqual(SuiteSweep.folderName("dataset.root=../a b"), "dataset.root-..-a-b")
    }
}
