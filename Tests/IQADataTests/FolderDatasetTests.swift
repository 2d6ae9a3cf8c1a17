import Foundation
import IQAData
import XCTest

final class FolderDatasetTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = try TestSupport.temporaryFolder(self).appendingPathComponent("data")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
        for name in ["a.png", "b.png", "c.png"] {
            try ImageIO.writePNG(RGBImage(width: 4, height: 4, red: 9), to: root.appendingPathComponent("images/\(name)"))
        }
    }

    private func writeCSV(_ text: String, name: String = "scores.csv") throws {
        try Data(text.utf8).write(to: root.appendingPathComponent(name))
    }

    /// Loading fails with a one-line message that names `file` and contains every one of `words`.
    private func assertFails(_ dataset: FolderDataset, naming file: String, _ words: [String], line: UInt = #line) {
        XCTAssertThrowsError(try dataset.load(), line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(error is DatasetError, "not a DatasetError: \(error)", line: line)
            XCTAssertTrue(text.contains(file), "\(text) should name \(file)", line: line)
            for word in words { XCTAssertTrue(text.contains(word), "\(text) should say \(word)", line: line) }
            XCTAssertFalse(text.contains("\n"), "one line expected: \(text)", line: line)
        }
    }

    func testRoundTripOnGeneratedDataset() throws {
        let dir = try TestSupport.temporaryFolder(self).appendingPathComponent("builtin")
        let generator = BuiltinDatasetGenerator(count: 6, size: 32, seed: 4)
        try generator.generate(into: dir)
        let samples = try FolderDataset(root: dir).load()
        XCTAssertEqual(samples.map(\.name), generator.items().map(\.name))
        XCTAssertEqual(samples.map(\.score), generator.items().map(\.mos))
        XCTAssertEqual(samples[2].url.path, dir.appendingPathComponent("images/00002.png").path)
        XCTAssertEqual(try ImageIO.read(samples[2].url), try generator.image(at: 2))
    }

    func testCustomColumnsCSVElsewhereAndLenientSpacing() throws {
        try writeCSV("id, file ,dmos,extra\r\n1, images/b.png , 12.5 ,x\r\n2,images/a.png,-3e1,y\r\n", name: "list.csv")
        let dataset = FolderDataset(root: root, csv: root.appendingPathComponent("list.csv"),
                                    nameColumn: "file", scoreColumn: "dmos")
        let samples = try dataset.load()
        XCTAssertEqual(samples.map(\.name), ["images/b.png", "images/a.png"])
        XCTAssertEqual(samples.map(\.score), [12.5, -30])
        XCTAssertEqual(samples[0].url, root.appendingPathComponent("images/b.png"))
    }

    func testMissingRootAndCSV() throws {
        let nowhere = root.appendingPathComponent("nowhere")
        assertFails(FolderDataset(root: nowhere), naming: nowhere.path, ["does not exist"])
        assertFails(FolderDataset(root: root), naming: "scores.csv", ["does not exist"])
        let file = root.appendingPathComponent("images/a.png")
        assertFails(FolderDataset(root: file), naming: file.path, ["not a dataset folder"])
    }

    func testMissingColumn() throws {
        try writeCSV("image,score\nimages/a.png,1\n")
        assertFails(FolderDataset(root: root), naming: "scores.csv", ["no column \"mos\"", "\"image\", \"score\""])
        assertFails(FolderDataset(root: root, nameColumn: "file", scoreColumn: "score"), naming: "scores.csv", ["\"file\""])
    }

    func testBadScores() throws {
        try writeCSV("image,mos\nimages/a.png,1\nimages/b.png,n/a\n")
        assertFails(FolderDataset(root: root), naming: "scores.csv", ["line 3", "\"n/a\"", "not a number"])
        try writeCSV("image,mos\nimages/a.png,\n")
        assertFails(FolderDataset(root: root), naming: "scores.csv", ["line 2", "not a number"])
        for bad in ["nan", "inf", "-infinity", "1e999"] {
            try writeCSV("image,mos\nimages/a.png,2\nimages/b.png,1\nimages/c.png,\(bad)\n")
            assertFails(FolderDataset(root: root), naming: "scores.csv", ["line 4", "not finite"])
        }
    }

    func testMissingImage() throws {
        try writeCSV("image,mos\nimages/a.png,1\nimages/zzz.png,2\n")
        assertFails(FolderDataset(root: root), naming: "scores.csv", ["line 3", "images/zzz.png", "missing"])
        try writeCSV("image,mos\nimages,1\n") // a folder is not an image
        assertFails(FolderDataset(root: root), naming: "scores.csv", ["line 2", "missing"])
    }

    func testDuplicateNames() throws {
        try writeCSV("image,mos\nimages/a.png,1\nimages/b.png,2\n./images/a.png,3\n")
        assertFails(FolderDataset(root: root), naming: "scores.csv", ["line 4", "listed twice", "line 2"])
    }

    func testEmptyDatasetAndShortRows() throws {
        try writeCSV("image,mos\n")
        assertFails(FolderDataset(root: root), naming: "scores.csv", ["empty dataset"])
        try writeCSV("")
        assertFails(FolderDataset(root: root), naming: "scores.csv", ["no header"])
        try writeCSV("image,mos\nimages/a.png\n")
        assertFails(FolderDataset(root: root), naming: "scores.csv", ["line 2", "1 fields"])
        try writeCSV("image,mos\n,5\n")
        assertFails(FolderDataset(root: root), naming: "scores.csv", ["line 2", "empty image name"])
        try writeCSV("image,mos\n\"images/a.png,1\n")
        assertFails(FolderDataset(root: root), naming: "scores.csv", ["never closed"])
    }
}
