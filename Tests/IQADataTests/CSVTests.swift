import IQAData
import XCTest

final class CSVTests: XCTestCase {
    func testPlainAndQuotedFields() throws {
        let text = "image,mos\r\n\"a, b.png\",1.5\r\n\"say \"\"hi\"\".png\",2\r\n\"two\nlines.png\",3\r\nlast.png,4"
        let records = try CSV.parse(text)
        XCTAssertEqual(records.map(\.fields), [["image", "mos"], ["a, b.png", "1.5"], ["say \"hi\".png", "2"],
                                               ["two\nlines.png", "3"], ["last.png", "4"]])
        XCTAssertEqual(records.map(\.line), [1, 2, 3, 4, 6])
    }

    func testBOMBlankLinesAndEmptyFields() throws {
        let records = try CSV.parse("\u{FEFF}a,b,c\n\n1,,3\n,\n\n")
        XCTAssertEqual(records.map(\.fields), [["a", "b", "c"], ["1", "", "3"], ["", ""]])
        XCTAssertEqual(records.map(\.line), [1, 3, 4])
        XCTAssertEqual(try CSV.parse(""), [])
    }

    func testMalformedQuotes() {
        XCTAssertThrowsError(try CSV.parse("a,b\n1,\"open\n2,3\n")) { error in
            XCTAssertEqual((error as? CSV.ParseError)?.line, 2)
            XCTAssertTrue("\(error)".contains("never closed"))
        }
        XCTAssertThrowsError(try CSV.parse("a,b\nx\"y,1\n")) { error in
            XCTAssertEqual((error as? CSV.ParseError)?.line, 2)
        }
        XCTAssertThrowsError(try CSV.parse("a,b\n\"x\"y,1\n"))
    }

    func testEscapeRoundTrip() throws {
        let values = ["plain", "with,comma", "with \"quote\"", "line\nbreak", "crlf\r\nbreak", ""]
        XCTAssertEqual(CSV.escape("plain"), "plain")
        let line = values.map(CSV.escape).joined(separator: ",")
        XCTAssertEqual(try CSV.parse(line).first?.fields, values)
    }
}
