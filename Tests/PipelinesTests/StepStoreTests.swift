import IQAData
@testable import Pipelines
import Foundation
import XCTest

final class StepStoreTests: XCTestCase {
    final class LogMonitor: RunMonitor {
        var lines: [String] = []
        func log(_ line: String) { lines.append(line) }
        func progress(stage: String, done: Int, total: Int, detail: String) {}
        func stageFinished(_ stage: String, seconds: Double) {}
    }

    struct Inputs: Encodable { var epochs: Int }

    func testAFinishedStepIsReusedAndNamesAThreadCountDifferentFromItsOwn() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("steps-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let log = LogMonitor()
        let one = StepStore(root: root, monitor: log, computedWith: ["libtorch": "1.13.1", "threads": "1"])
        var bodies = 0
        let first = try one.run("train", inputs: Inputs(epochs: 3), describe: "clean") { work in
            bodies += 1
            try Data("w".utf8).write(to: work.appendingPathComponent("model.pt"))
        }
        XCTAssertFalse(first.reused)
        XCTAssertEqual(first.folder.lastPathComponent, "train-\(try StepStore.key(Inputs(epochs: 3)))")
        XCTAssertTrue(FileManager.default.fileExists(atPath: first.folder.appendingPathComponent("model.pt").path))
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: first.folder.appendingPathComponent("step.json"))) as? [String: Any])
        XCTAssertEqual(record["computed_with"] as? [String: String], ["libtorch": "1.13.1", "threads": "1"])

        // Same computation: reused silently.
        let again = try one.run("train", inputs: Inputs(epochs: 3), describe: "clean") { _ in bodies += 1 }
        XCTAssertTrue(again.reused)
        XCTAssertEqual(log.lines.last, "clean: done before, reusing \(first.folder.lastPathComponent)")

        // Another thread count: still reused (not part of the key), but said.
        let two = StepStore(root: root, monitor: log, computedWith: ["libtorch": "1.13.1", "threads": "2"])
        XCTAssertTrue(try two.run("train", inputs: Inputs(epochs: 3), describe: "clean") { _ in bodies += 1 }.reused)
        XCTAssertEqual(bodies, 1)
        let line = try XCTUnwrap(log.lines.last)
        XCTAssertTrue(line.contains("computed with threads 1, this run 2"), line)
        XCTAssertFalse(line.contains("libtorch"), line)

        // Other inputs: a new step.
        XCTAssertFalse(try two.run("train", inputs: Inputs(epochs: 4), describe: "clean") { _ in bodies += 1 }.reused)
        XCTAssertEqual(bodies, 2)
    }

    func testAStepWithoutARecordedComputationIsReusedWithoutANote() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("steps-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let key = try StepStore.key(Inputs(epochs: 1))
        let folder = root.appendingPathComponent("pgd-\(key)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(#"{"kind": "pgd", "key": "\#(key)", "inputs": {"epochs": 1}}"#.utf8).write(to: folder.appendingPathComponent("step.json"))
        let log = LogMonitor()
        let store = StepStore(root: root, monitor: log, computedWith: ["threads": "2"])
        XCTAssertTrue(try store.run("pgd", inputs: Inputs(epochs: 1), describe: "PGD") { _ in XCTFail("recomputed") }.reused)
        XCTAssertEqual(log.lines, ["PGD: done before, reusing pgd-\(key)"])
    }
}
