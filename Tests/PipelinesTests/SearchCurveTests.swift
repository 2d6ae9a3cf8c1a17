import Backdoor
@testable import Pipelines
import Foundation
import XCTest

/// The search curve file: written, read back, merged into one figure with gaps, bad files named.
final class SearchCurveTests: XCTestCase {
    func point(_ step: Int, _ shift: Double) -> UAPSearch.CurvePoint {
        let v = UAPObjective.Value(meanAbsShift: shift, meanShift: -shift, ownMeanAbsShift: shift / 2, patternRMS: 4, scale: 2)
        return UAPSearch.CurvePoint(step: step, seconds: Double(step), loss: step == 0 ? nil : -1, pixelMSE: step == 0 ? nil : 1e-3,
                                    objective: UAPObjectiveRecord(v))
    }

    func testWriteReadAndMerge() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("curves-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.csv"), b = dir.appendingPathComponent("b.csv")
        try SearchCurve.write([point(0, 5), point(30, 7.5), point(60, 9)], to: a)
        try SearchCurve.write([point(0, 5), point(30, 12)], to: b)
        let text = try String(contentsOf: a, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(String(text[1]), "0,0.0,,,5.000000,-5.000000,2.500000,4.0000,2.000000")
        XCTAssertEqual(String(text[2]), "30,30.0,-1,30.0000,7.500000,-7.500000,3.750000,4.0000,2.000000")
        XCTAssertEqual(try SearchCurve.read(a).map(\.value), [5, 7.5, 9])
        XCTAssertEqual(try SearchCurve.read(a, column: "own_mean_abs_shift").map(\.value), [2.5, 3.75, 4.5])
        let figure = SearchCurve.figure([("official", try SearchCurve.read(a)), ("projected", try SearchCurve.read(b))])
        XCTAssertEqual(figure.data.first?.csv, "step,official,projected\n0,5,5\n30,7.5,12\n60,9,nan\n")
        try Data("step,x\n1,2\n".utf8).write(to: b)
        XCTAssertThrowsError(try SearchCurve.read(b)) { XCTAssertTrue("\($0)".contains("b.csv"), "\($0)") }
        XCTAssertThrowsError(try SearchCurve.read(dir.appendingPathComponent("missing.csv"))) { XCTAssertTrue("\($0)".contains("missing.csv")) }
    }
}
