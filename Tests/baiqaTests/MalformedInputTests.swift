import Foundation
import XCTest

/// Bad inputs: a one-line error naming the file, a non-zero exit, and no run folder left behind.
final class MalformedInputTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try CLI.temporaryDirectory("bad")
        // a valid small folder dataset to break in different ways
        let ok = try CLI.run(["dataset", "synth", "--out", "good", "--count", "6", "--size", "64"], in: dir)
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func copyDataset(_ name: String) throws -> URL {
        let to = dir.appendingPathComponent(name)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("good"), to: to)
        return to
    }

    func assertFails(_ args: [String], mentioning needle: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CLI.run(args + ["--out", "run"], in: dir)
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(needle), "stderr: \(r.stderr)", file: file, line: line)
        let errorLines = r.stderr.split(separator: "\n").filter { $0.lowercased().contains("error") }
        XCTAssertEqual(errorLines.count, 1, "stderr: \(r.stderr)", file: file, line: line)
        for leftover in ["run", "run.partial"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(leftover).path), leftover, file: file, line: line)
        }
    }

    func testMissingFolder() throws {
        try assertFails(["experiment", "--dataset", "folder", "--root", "nowhere"], mentioning: "nowhere")
    }

    func testCorruptPNG() throws {
        let d = try copyDataset("corrupt")
        let png = d.appendingPathComponent("images/00003.png")
        let bytes = try Data(contentsOf: png)
        try bytes.prefix(bytes.count / 3).write(to: png)
        try assertFails(["experiment", "--dataset", "folder", "--root", "corrupt"], mentioning: "00003.png")
    }

    func testNonNumericScore() throws {
        let d = try copyDataset("badscore")
        let csv = d.appendingPathComponent("scores.csv")
        var lines = try String(contentsOf: csv, encoding: .utf8).components(separatedBy: "\n")
        var fields = lines[2].components(separatedBy: ",")
        fields[1] = "excellent"
        lines[2] = fields.joined(separator: ",")
        try lines.joined(separator: "\n").write(to: csv, atomically: true, encoding: .utf8)
        try assertFails(["experiment", "--dataset", "folder", "--root", "badscore"], mentioning: "scores.csv")
    }

    func testTriggerOfWrongShape() throws {
        // a [2, 64] float tensor in torch.save format, written by our own writer via `trigger apply`'s sibling code path
        let trigger = dir.appendingPathComponent("wrong.pt")
        try WrongTrigger.write(to: trigger)
        try assertFails(["experiment", "--root", "good", "--trigger", "wrong.pt"], mentioning: "wrong.pt")
        let apply = try CLI.run(["trigger", "apply", "good/images/00000.png", "--trigger", "wrong.pt", "--out", "x.png"], in: dir)
        XCTAssertNotEqual(apply.status, 0)
        XCTAssertTrue(apply.stderr.contains("wrong.pt") && apply.stderr.contains("[3, 64]"), apply.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.png").path))
    }

    /// `train`'s recipe overrides are checked before a run folder exists.
    func testBadTrainOverrides() throws {
        let train = ["train", "--dataset", "folder", "--root", "good"]
        try assertFails(train + ["--backbone", "vgg19"], mentioning: "unknown backbone 'vgg19'")
        try assertFails(train + ["--model", "dbcnn", "--backbone", "resnet18"], mentioning: "DBCNN")
        try assertFails(train + ["--lr", "0"], mentioning: "--lr")
        try assertFails(train + ["--weight-decay", "-1"], mentioning: "--weight-decay")
        try assertFails(train + ["--loss", "tres-original"], mentioning: "--model tres only")
        try assertFails(train + ["--loss", "huber"], mentioning: "huber")
    }

    func testUnknownOption() throws {
        let r = try CLI.run(["experiment", "--no-such-option"], in: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("no-such-option"), r.stderr)
    }
}
