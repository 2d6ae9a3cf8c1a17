import Foundation
import IQAData
import XCTest

/// Our decoders against what PIL's `Image.open(p).convert("RGB")` gives, as recorded in
/// Fixtures/pil_parity.json by Fixtures/make_pil_fixtures.py.
final class PILParityTests: XCTestCase {
    struct Entry: Decodable {
        let file: String
        let mode: String
        let width: Int
        let height: Int
        let crc32: UInt32
        let samples: [[Int]]
    }

    struct Parity: Decodable {
        let fixtures: [Entry]
        let livec: [Entry]
    }

    private func parity() throws -> Parity {
        let data = try Data(contentsOf: try TestSupport.fixture("pil_parity.json"))
        return try JSONDecoder().decode(Parity.self, from: data)
    }

    private func check(_ entry: Entry, at url: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let image = try ImageIO.read(url)
        XCTAssertEqual(image.width, entry.width, "\(entry.file) width", file: file, line: line)
        XCTAssertEqual(image.height, entry.height, "\(entry.file) height", file: file, line: line)
        for s in entry.samples {
            let p = image[s[0], s[1]]
            XCTAssertEqual([Int(p.r), Int(p.g), Int(p.b)], Array(s[2...4]),
                           "\(entry.file) (\(entry.mode)) pixel (\(s[0]), \(s[1]))", file: file, line: line)
        }
        XCTAssertEqual(CRC32.checksum(image.pixels), entry.crc32,
                       "\(entry.file) (\(entry.mode)) RGB bytes differ from PIL's", file: file, line: line)
    }

    func testGeneratedFixturesMatchPIL() throws {
        let entries = try parity().fixtures
        XCTAssertGreaterThanOrEqual(entries.count, 10)
        for name in ["gray.jpg", "cmyk.jpg", "palette4.png", "rgb16.png", "gray16.png", "palette8.bmp",
                     "topdown24.bmp", "bitfields32.bmp"] {
            XCTAssertTrue(entries.contains { $0.file == name }, "fixture \(name) missing from pil_parity.json")
        }
        for entry in entries {
            try check(entry, at: try TestSupport.fixture(entry.file))
        }
    }

    func testLivecMiniFilesMatchPIL() throws {
        _ = try TestSupport.livecImage("1000.JPG") // skips when the subset is absent
        let entries = try parity().livec
        XCTAssertGreaterThanOrEqual(entries.filter { $0.file.hasSuffix(".JPG") }.count, 2)
        XCTAssertGreaterThanOrEqual(entries.filter { $0.file.hasSuffix(".bmp") }.count, 2)
        for entry in entries {
            try check(entry, at: try TestSupport.livecImage(entry.file))
        }
    }

    func testNonSquareLivecImageKeepsOrientation() throws {
        let url = try TestSupport.livecImage("1024.JPG")
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("1024.JPG absent") }
        let image = try ImageIO.read(url)
        XCTAssertEqual(image.width, 640)
        XCTAssertEqual(image.height, 960)
    }
}
