import Backdoor
@testable import Evaluation
import XCTest

/// Figures are CSV data plus a gnuplot script; the numbers in the CSV are the ones the figure shows.
final class FigureTests: XCTestCase {
    func rows(_ csv: String) -> [[String]] { csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } }

    func testAlphaShiftSeriesAreMeansAndStandardDeviationsOfTheShift() {
        let series = AlphaShiftFigure.Series(label: "P-BAIQA", alphas: [-1, 1], clean: [50, 60, 70], triggered: [[10, 22, 30], [90, 100, 116]])
        let expected: [Double] = [-118.0 / 3, 42]
        XCTAssertEqual(series.meanShift[0], expected[0], accuracy: 1e-12)
        XCTAssertEqual(series.meanShift[1], expected[1], accuracy: 1e-12)
        // s.d. with n − 1: shifts −40, −38, −40 → mean −39.333, deviations 0.667, 1.333, 0.667.
        let variance: Double = (4.0 / 9 + 16.0 / 9 + 4.0 / 9) / 2
        XCTAssertEqual(series.standardDeviation[0], variance.squareRoot(), accuracy: 1e-12)
        let figure = AlphaShiftFigure.make([series], deltaY: 40)
        let r = rows(figure.data[0].csv)
        XCTAssertEqual(r[0], ["alpha", "ideal", "P-BAIQA mean", "P-BAIQA sd"])
        XCTAssertEqual(r[1][0...1], ["-1", "-40"])
        XCTAssertEqual(Double(r[2][2])!, 42, accuracy: 1e-4)
        XCTAssertTrue(figure.gnuplotScript.contains("set output 'fig2-alpha-shift.png'"))
        XCTAssertTrue(figure.gnuplotScript.contains("set output 'fig2-alpha-shift.svg'"))
        XCTAssertTrue(figure.plot.contains("with yerrorlines"))
    }

    func testHistogramCountsEveryValueOnce() {
        let f = HistogramFigure.make(name: "h", title: "t", xLabel: "α", values: [-1, -0.95, 0, 0.05, 0.99, 1, .nan], lower: -1, upper: 1, bins: 20)
        let r = Array(rows(f.data[0].csv).dropFirst())
        XCTAssertEqual(r.count, 20)
        XCTAssertEqual(r.map { Int($0[1])! }.reduce(0, +), 6, "NaN is left out, the upper edge counts in the last bin")
        XCTAssertEqual(r.first!, ["-0.95", "2"])
        XCTAssertEqual(r[10], ["0.05", "2"])
        XCTAssertEqual(r.last!, ["0.95", "2"])
    }

    func testDefenceCurveCarriesTheStepsNumbers() {
        let f = DefenceCurveFigure.make(name: "fig3b", title: "t", xLabel: "rate",
                                        points: [.init(strength: 0, mmae: 6.5, rmse: 18.1, cleanSetRMSE: 17, mmra: 0.93),
                                                 .init(strength: 0.4, mmae: 9.25, rmse: 25, cleanSetRMSE: 18.5, mmra: 0.8)], chosen: 0.4)
        XCTAssertEqual(rows(f.data[0].csv), [["strength", "mMAE", "test RMSE", "clean-set RMSE", "mMRA"], ["0", "6.5", "18.1", "17", "0.93"],
                                              ["0.4", "9.25", "25", "18.5", "0.8"]])
        XCTAssertTrue(f.plot.contains("set arrow from 0.4, graph 0"))
        XCTAssertTrue(f.plot.contains("axes x1y2"))
    }

    func testTriggerPatternPutsEachCoefficientAtItsPosition() throws {
        let values = (0..<192).map { Float($0 - 96) }
        for positions in DCTPositions.allCases {
            let trigger = try DCTTrigger(values: values, positions: positions)
            let f = TriggerPatternFigure.make(trigger)
            XCTAssertEqual(f.data.map(\.file), ["trigger-dct-Y.csv", "trigger-dct-Cb.csv", "trigger-dct-Cr.csv"])
            for c in 0..<3 {
                let grid = rows(f.data[c].csv).flatMap { $0.map { Double($0)! } }
                XCTAssertEqual(grid.count, 256)
                XCTAssertEqual(grid.filter { $0 != 0 }.count, c == 1 ? 63 : 64, "one coefficient of Cb is 0 by construction")
                for (k, p) in positions.flatPositions.enumerated() { XCTAssertEqual(grid[p], Double(values[c * 64 + k])) }
            }
        }
    }

    func testScriptsQuoteTitlesAndMarkMissingValues() {
        XCTAssertEqual(Figure.quoted("it's"), "'it''s'")
        XCTAssertEqual(Figure.csvNumber(.nan), "nan")
        XCTAssertEqual(Figure.csvNumber(.infinity), "nan")
        XCTAssertEqual(Figure.csvNumber(0.123456789), "0.123457")
    }
}
