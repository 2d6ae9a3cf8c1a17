import XCTest
@testable import Evaluation

final class ReportTests: XCTestCase {
    func testMarkdownTableLayout() {
        let table = MarkdownTable(headers: ["Attack", "mMAE", "mMRA"],
                                  rows: [["Ours", "8.72", "0.63"], ["WaNet", "22.03", "-0.00"]],
                                  alignments: [.left, .right, .center])
        XCTAssertEqual(table.markdown, """
            | Attack |  mMAE | mMRA  |
            | :----- | ----: | :---: |
            | Ours   |  8.72 | 0.63  |
            | WaNet  | 22.03 | -0.00 |

            """)
        XCTAssertEqual(table.description, table.markdown)
    }

    func testRaggedRowsAndEscaping() {
        let table = MarkdownTable(headers: ["a"], rows: [["x|y", "extra"], []])
        XCTAssertEqual(table.markdown, """
            | a    |       |
            | :--- | :---- |
            | x\\|y | extra |
            |      |       |

            """)
        XCTAssertEqual(MarkdownTable(headers: []).markdown, "")
    }

    func testNumberFormatting() {
        XCTAssertEqual(NumberFormat.fixed(0.90349, decimals: 3), "0.903")
        XCTAssertEqual(NumberFormat.fixed(22, decimals: 2), "22.00")
        XCTAssertEqual(NumberFormat.fixed(-0.001, decimals: 2), "-0.00")
        XCTAssertEqual(NumberFormat.fixed(-0.0, decimals: 2), "0.00")
        XCTAssertEqual(NumberFormat.fixed(2.5, decimals: 0), "2")  // round half to even, as printf
        XCTAssertEqual(NumberFormat.fixed(.nan, decimals: 2), "n/a")
        XCTAssertEqual(NumberFormat.fixed(.infinity, decimals: 2), "inf")
        XCTAssertEqual(NumberFormat.fixed(-.infinity, decimals: 2), "-inf")
        XCTAssertEqual(NumberFormat.fixed(nil, decimals: 2, missing: "—"), "—")
        XCTAssertEqual(NumberFormat.joined([(0.911, 3), (0.897, 3), (9.47, 2)]), "0.911/0.897/9.47")
    }

    func testAlphaSweepAndBenignTables() throws {
        let m = try AlphaSweep(alphas: [0.5, -0.5])
            .evaluate(clean: [50, 60], triggered: [[70, 70], [40, 30]], labels: [45, 65])
        let lines = MarkdownTable.alphaSweep(m, decimals: 2).markdown.split(separator: "\n")
        XCTAssertEqual(lines.count, 5)  // header, separator, 2 α, mean
        XCTAssertTrue(lines[2].contains("0.5") && lines[2].contains("5.00") && lines[2].contains("0.75")
                      && lines[2].contains("n/a"))
        XCTAssertTrue(lines[4].hasPrefix("| mean") && lines[4].contains("7.50") && lines[4].contains("0.88"))

        let benign = try BenignMetrics(predictions: [1, 2, 3, 5], labels: [1, 3, 2, 4])
        XCTAssertEqual(MarkdownTable.benign([("clean", benign)]).markdown, """
            |       |  PLCC | SROCC |  KRCC | RMSE |   n |
            | :---- | ----: | ----: | ----: | ---: | --: |
            | clean | 0.832 | 0.800 | 0.667 | 0.87 |   4 |

            """)
    }

    func testBenignMetricsJSON() throws {
        let m = BenignMetrics(plcc: .nan, srocc: 0.5, krcc: 0.25, rmse: 3, n: 10)
        let data = try JSONEncoder().encode(m)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["plcc", "srocc", "krcc", "rmse", "n"])
        XCTAssertTrue(object["plcc"] is NSNull)
        let back = try JSONDecoder().decode(BenignMetrics.self, from: data)
        XCTAssertTrue(back.plcc.isNaN)
        XCTAssertEqual(back.srocc, 0.5)
        XCTAssertEqual(back.n, 10)
    }
}
