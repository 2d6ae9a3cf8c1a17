import Foundation
import XCTest
@testable import IQAData

final class DatasetSummaryTests: XCTestCase {
    func testEveryProblemIsListed() throws {
        let dir = try TestSupport.temporaryFolder(self)
        func png(_ name: String, _ w: Int, _ h: Int) throws -> URL {
            let url = dir.appendingPathComponent(name)
            try ImageIO.writePNG(RGBImage(width: w, height: h, green: 50), to: url)
            return url
        }
        let a = try png("a.png", 4, 3), b = try png("b.png", 4, 3), c = try png("c.png", 2, 5)
        // A JPEG cut short: its header is intact, its data is not.
        let jpeg = try ImageIO.encodeJPEG(RGBImage(width: 16, height: 16, red: 200), quality: 90)
        let cut = dir.appendingPathComponent("cut.jpg")
        try Data(jpeg.prefix(jpeg.count - 40)).write(to: cut)
        let text = dir.appendingPathComponent("notes.png")
        try Data("hello".utf8).write(to: text)
        let samples = [
            IQASample(name: "a.png", url: a, score: 10),
            IQASample(name: "b.png", url: b, score: 30),
            IQASample(name: "gone.png", url: dir.appendingPathComponent("gone.png"), score: 20),
            IQASample(name: "a.png", url: a, score: 40),
            IQASample(name: "c.png", url: c, score: .infinity),
            IQASample(name: "cut.jpg", url: cut, score: 50),
            IQASample(name: "notes.png", url: text, score: 60),
        ]
        let loadProblem = DatasetProblem(.badEntry, file: "list.csv", "line 9: score \"x\" in column \"mos\" is not a number")
        let decoded = DatasetSummary.make(samples: samples, loadProblems: [loadProblem], check: .decode, threads: 3)
        XCTAssertEqual(decoded.count, 7)
        XCTAssertEqual(decoded.problems.map(\.kind),
                       [.badEntry, .missingFile, .duplicateName, .nonFiniteScore, .undecodableImage, .undecodableImage])
        XCTAssertEqual(decoded.problems.map(\.name), [nil, "gone.png", "a.png", "c.png", "cut.jpg", "notes.png"])
        XCTAssertEqual(decoded.problems[1].file, dir.appendingPathComponent("gone.png").path)
        XCTAssertTrue(decoded.problems[2].message.contains("listed twice (samples 1 and 4)"))
        XCTAssertTrue(decoded.problems[5].message.contains("unsupported image format"))
        XCTAssertEqual(decoded.problems(.undecodableImage).count, 2)
        XCTAssertEqual(decoded.imageSizes, [.init(width: 4, height: 3, count: 3), .init(width: 2, height: 5, count: 1)])
        let stats = try XCTUnwrap(decoded.scores)
        XCTAssertEqual(stats.count, 6) // the infinite score is left out
        XCTAssertEqual(stats.min, 10)
        XCTAssertEqual(stats.max, 60)
        XCTAssertEqual(stats.mean, 35)
        XCTAssertEqual(stats.std, (1750.0 / 6).squareRoot(), accuracy: 1e-12)

        // Reading headers only, the cut JPEG looks fine.
        let headers = DatasetSummary.make(samples: samples, check: .header, threads: 1)
        XCTAssertEqual(headers.problems.map(\.name), ["gone.png", "a.png", "c.png", "notes.png"])
        XCTAssertEqual(headers.imageSizes.first, .init(width: 4, height: 3, count: 3))
        XCTAssertTrue(headers.imageSizes.contains(.init(width: 16, height: 16, count: 1)))
    }

    func testJSON() throws {
        let summary = DatasetSummary(count: 2, imageSizes: [.init(width: 500, height: 500, count: 2)],
                                     scores: .init(count: 2, min: 1, max: 3, mean: 2, std: 1), imageCheck: .header,
                                     problems: [DatasetProblem(.missingFile, file: "x/a.png", name: "a.png", "no such file")])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(summary), as: UTF8.self)
        for key in ["\"image_sizes\"", "\"image_check\":\"header\"", "\"kind\":\"missing_file\"", "\"std\":1"] {
            XCTAssertTrue(json.contains(key), "\(json) lacks \(key)")
        }
        XCTAssertEqual(try JSONDecoder().decode(DatasetSummary.self, from: Data(json.utf8)), summary)
        XCTAssertNil(DatasetSummary.ScoreStatistics([.nan]))
        let empty = DatasetSummary.make(samples: [])
        XCTAssertEqual(empty.count, 0)
        XCTAssertNil(empty.scores)
        XCTAssertNoThrow(try JSONEncoder().encode(empty))
    }

    func testFolderDatasetCollectsProblems() throws {
        let root = try TestSupport.temporaryFolder(self)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
        for name in ["a.png", "b.png"] {
            try ImageIO.writePNG(RGBImage(width: 4, height: 4), to: root.appendingPathComponent("images/\(name)"))
        }
        let csv = "image,mos\nimages/a.png,1\nimages/zz.png,2\nimages/b.png,n/a\nimages/a.png,3\nimages/b.png,nan\n,4\nimages/b.png,5\nshort\n"
        try Data(csv.utf8).write(to: root.appendingPathComponent("scores.csv"))
        let dataset = FolderDataset(root: root)
        XCTAssertThrowsError(try dataset.load()) { error in
            XCTAssertTrue("\(error)".hasSuffix("scores.csv: line 3: image \"images/zz.png\" is listed but missing (\(root.path)/images/zz.png)"),
                          "\(error)")
        }
        let result = try dataset.load(mode: .collectProblems)
        XCTAssertEqual(result.samples.map(\.name), ["images/a.png", "images/b.png"])
        XCTAssertEqual(result.samples.map(\.score), [1, 5])
        XCTAssertEqual(result.problems.map(\.kind), [.missingFile, .badEntry, .duplicateName, .nonFiniteScore, .badEntry, .badEntry])
        XCTAssertEqual(result.problems.map { $0.message.prefix(7) }, ["line 3:", "line 4:", "line 5:", "line 6:", "line 7:", "line 9:"])

        // Nothing usable: an error when failing fast, a report otherwise.
        try Data("image,mos\nimages/q.png,1\n".utf8).write(to: root.appendingPathComponent("scores.csv"))
        XCTAssertThrowsError(try dataset.load())
        let nothing = try dataset.load(mode: .collectProblems)
        XCTAssertEqual(nothing.samples, [])
        XCTAssertEqual(nothing.problems.count, 1)
        try Data("image,mos\n".utf8).write(to: root.appendingPathComponent("scores.csv"))
        XCTAssertThrowsError(try dataset.load(mode: .collectProblems)) { error in
            XCTAssertTrue("\(error)".contains("no images listed"))
        }
    }
}
