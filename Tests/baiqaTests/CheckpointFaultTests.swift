import Foundation
import XCTest

/// Crash consistency of training checkpoints: the process is stopped at every checkpoint write — after
/// the new file is complete but before it replaces the old one, and just after — through the test-only
/// fault hook `BAIQA_TEST_FAULT_WRITE`; running the same command again must end with the numbers (and
/// the weights, byte for byte) of an uninterrupted run. Before checkpoints were one file, a kill between
/// writing the weights and the optimiser state resumed epoch-2 weights with epoch-1 state.
final class CheckpointFaultTests: XCTestCase {
    func testTrainingResumesBitIdenticallyAfterAStopAtEveryCheckpointWrite() throws {
        let dir = try CLI.temporaryDirectory("fault")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "20", "--size", "96", "--seed", "3"], in: dir).status, 0)
        let args = ["train", "--dataset", "folder", "--root", "data", "--epochs", "2", "--patches", "3", "--crop", "64", "--threads", "2", "--seed", "5"]
        let full = try CLI.run(args + ["--out", "full"], in: dir)
        XCTAssertEqual(full.status, 0, full.stderr)
        let reference = try Data(contentsOf: dir.appendingPathComponent("full/results.json"))
        let weights = try Data(contentsOf: dir.appendingPathComponent("full/model.pt"))
        func benign(_ data: Data) throws -> NSDictionary {
            NSDictionary(dictionary: (try JSONSerialization.jsonObject(with: data) as! [String: Any])["benign"] as! [String: Any])
        }
        // A 2-epoch run writes three torch files: the checkpoints of epochs 1 and 2, then model.pt.
        for write in 1...3 {
            for point in ["", ":after"] {
                let out = "stopped-\(write)\(point.isEmpty ? "" : "-after")"
                let stopped = try CLI.run(args + ["--out", out], in: dir, environment: ["BAIQA_TEST_FAULT_WRITE": "\(write)\(point)"])
                XCTAssertEqual(stopped.status, 86, "write \(write)\(point): \(stopped.stderr)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(out).path))
                let again = try CLI.run(args + ["--out", out], in: dir)
                XCTAssertEqual(again.status, 0, again.stderr)
                if write > 1 || !point.isEmpty { XCTAssertTrue(again.stderr.contains("resumed after epoch"), "write \(write)\(point): \(again.stderr)") }
                XCTAssertEqual(try benign(Data(contentsOf: dir.appendingPathComponent("\(out)/results.json"))), try benign(reference), "write \(write)\(point)")
                XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("\(out)/model.pt")), weights, "write \(write)\(point)")
            }
        }
    }
}
