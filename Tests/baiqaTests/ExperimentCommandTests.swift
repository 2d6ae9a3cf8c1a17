import Foundation
import XCTest

/// End-to-end runs of `baiqa experiment` on a tiny generated dataset (24 images of 128², 1–2 epochs).
final class ExperimentCommandTests: XCTestCase {
    static let tinyArguments = ["--builtin-count", "24", "--builtin-size", "128", "--threads", "2"]

    func results(_ run: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("results.json"))) as! [String: Any]
    }

    func testTinyExperimentWritesRunFolderAndIsDeterministic() throws {
        let dir = try CLI.temporaryDirectory("exp")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try CLI.run(["experiment", "--root", "data", "--out", "runA", "--epochs", "1"] + Self.tinyArguments, in: dir)
        XCTAssertEqual(a.status, 0, a.stderr)
        let runA = dir.appendingPathComponent("runA")
        for file in ["results.json", "report.md", "victim.pt", "trigger.pt", "poison.json", "predictions.csv", "log.txt"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: runA.appendingPathComponent(file).path), file)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("runA.partial").path))
        let r = try results(runA)
        let benign = try XCTUnwrap(r["benign"] as? [String: Any])
        let attack = try XCTUnwrap(r["attack"] as? [String: Any])
        for key in ["plcc", "srocc", "krcc", "rmse", "n"] { XCTAssertNotNil(benign[key], key) }
        for key in ["alphas", "mae", "mra", "mmae", "mmra", "psnr_alpha1"] { XCTAssertNotNil(attack[key], key) }
        XCTAssertNotNil(r["config"]); XCTAssertNotNil(r["timings"])
        XCTAssertEqual(benign["n"] as? Int, 5)      // 24 images, 80/20 split
        XCTAssertEqual((attack["alphas"] as? [Double])?.count, 20)
        // the default trigger is designed for ≈ 30 dB; clipping can only raise the PSNR
        XCTAssertGreaterThan(try XCTUnwrap(attack["psnr_alpha1"] as? Double), 29.5)
        let report = try String(contentsOf: runA.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("## α-response"))

        // Same seed, same inputs → the same numbers.
        let b = try CLI.run(["experiment", "--root", "data", "--out", "runB", "--epochs", "1"] + Self.tinyArguments, in: dir)
        XCTAssertEqual(b.status, 0, b.stderr)
        let rb = try results(dir.appendingPathComponent("runB"))
        XCTAssertEqual(NSDictionary(dictionary: benign), NSDictionary(dictionary: rb["benign"] as! [String: Any]))
        XCTAssertEqual((attack["mae"] as! [Double]), ((rb["attack"] as! [String: Any])["mae"] as! [Double]))

        // A finished run folder is never overwritten.
        let again = try CLI.run(["experiment", "--root", "data", "--out", "runA", "--epochs", "1"] + Self.tinyArguments, in: dir)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
    }

    /// Kill after the first epoch's checkpoint, re-run: the result equals an uninterrupted run.
    func testResumeAfterKillGivesTheSameNumbers() throws {
        let dir = try CLI.temporaryDirectory("resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = ["experiment", "--root", "data", "--epochs", "3"] + Self.tinyArguments
        XCTAssertEqual(try CLI.run(args + ["--out", "full"], in: dir).status, 0)

        guard try CLI.runAndKill(args + ["--out", "killed"], in: dir, afterFileAppears: "killed.partial/train_state.pt", leaving: "killed.partial") else {
            throw XCTSkip("the run finished before it could be killed")
        }
        let resumed = try CLI.run(args + ["--out", "killed"], in: dir)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resum"), resumed.stderr)
        let full = try results(dir.appendingPathComponent("full")), again = try results(dir.appendingPathComponent("killed"))
        XCTAssertEqual(NSDictionary(dictionary: full["benign"] as! [String: Any]), NSDictionary(dictionary: again["benign"] as! [String: Any]))
        XCTAssertEqual((full["attack"] as! [String: Any])["mra"] as! [Double], (again["attack"] as! [String: Any])["mra"] as! [Double])
    }
}
