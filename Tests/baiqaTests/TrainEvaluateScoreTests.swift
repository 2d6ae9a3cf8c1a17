import Foundation
import XCTest

/// `baiqa train`, `evaluate` and `score` on a tiny generated dataset.
final class TrainEvaluateScoreTests: XCTestCase {
    func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func testTrainThenEvaluateAndScore() throws {
        let dir = try CLI.temporaryDirectory("train")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "24", "--size", "128"], in: dir).status, 0)
        let train = try CLI.run(["train", "--model", "hyperiqa", "--dataset", "folder", "--root", "data", "--epochs", "1",
                                 "--out", "clean", "--threads", "2"], in: dir)
        XCTAssertEqual(train.status, 0, train.stderr)
        let run = dir.appendingPathComponent("clean")
        for f in ["model.pt", "manifest.json", "split.json", "results.json", "report.md", "log.txt"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent(f).path), f)
        }
        let manifest = try json(run.appendingPathComponent("manifest.json"))
        XCTAssertEqual(manifest["kind"] as? String, "train")
        XCTAssertEqual((manifest["test"] as? [String])?.count, 5)
        let benign = try json(run.appendingPathComponent("results.json"))["benign"] as! [String: Any]

        // evaluate reproduces the run's own test numbers (same seeded crops)
        let eval = try CLI.run(["evaluate", "--run", "clean", "--json", "--logistic"], in: dir)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let out = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        let again = out["benign"] as! [String: Any]
        XCTAssertEqual(again["srocc"] as? Double, benign["srocc"] as? Double)
        XCTAssertEqual(again["rmse"] as? Double, benign["rmse"] as? Double)
        XCTAssertNotNil(out["benign_mapped"])

        // score: one line per image, deterministic
        let s1 = try CLI.run(["score", "data/images", "--run", "clean", "--csv"], in: dir)
        XCTAssertEqual(s1.status, 0, s1.stderr)
        XCTAssertEqual(s1.stdout.split(separator: "\n").count, 25)
        XCTAssertEqual(try CLI.run(["score", "data/images", "--run", "clean", "--csv"], in: dir).stdout, s1.stdout)
        let one = try CLI.run(["score", "data/images/00003.png", "--run", "clean", "--json"], in: dir)
        XCTAssertEqual(one.status, 0, one.stderr)

        // A folder with a truncated and a too-small image among good ones: the good ones get the scores
        // they get alone, the bad ones an error each, and the exit status says so.
        let fm = FileManager.default
        let mixed = dir.appendingPathComponent("mixed")
        try fm.copyItem(at: dir.appendingPathComponent("data/images"), to: mixed)
        let png = try Data(contentsOf: mixed.appendingPathComponent("00000.png"))
        try png.prefix(png.count / 2).write(to: mixed.appendingPathComponent("zz-truncated.png"))
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "tiny", "--count", "1", "--size", "64"], in: dir).status, 0)
        try fm.copyItem(at: dir.appendingPathComponent("tiny/images/00000.png"), to: mixed.appendingPathComponent("aa-small.png"))
        let m = try CLI.run(["score", "mixed", "--run", "clean", "--csv"], in: dir)
        XCTAssertEqual(m.status, 1, m.stderr)
        XCTAssertTrue(m.stderr.contains("2 of 26 images could not be scored"), m.stderr)
        XCTAssertTrue(m.stderr.contains("zz-truncated.png") && m.stderr.contains("aa-small.png"), m.stderr)
        let rows = m.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(rows.first, "image,score,error")
        XCTAssertEqual(rows.count, 27)
        XCTAssertEqual(rows.filter { $0.hasPrefix("0") }, Array(s1.stdout.split(separator: "\n").map(String.init).dropFirst()))
        let broken = try XCTUnwrap(rows.first { $0.hasPrefix("zz-truncated.png,") })
        XCTAssertTrue(broken.hasPrefix("zz-truncated.png,,"), broken)
        XCTAssertTrue(try XCTUnwrap(rows.first { $0.hasPrefix("aa-small.png,") }).contains("smaller than the model"), m.stdout)
        let mj = try CLI.run(["score", "mixed", "--run", "clean", "--json"], in: dir)
        XCTAssertEqual(mj.status, 1)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(mj.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(json.count, 26)
        XCTAssertTrue(json.first { $0["image"] as? String == "zz-truncated.png" }?["score"] is NSNull)
        XCTAssertNotNil(json.first { $0["image"] as? String == "zz-truncated.png" }?["error"] as? String)
        XCTAssertEqual(json.filter { $0["error"] == nil }.count, 24)

        // errors: not a run folder; an image smaller than the crops
        let bad = try CLI.run(["evaluate", "--run", "data"], in: dir)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("not a baiqa run folder"), bad.stderr)
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "small", "--count", "1", "--size", "64"], in: dir).status, 0)
        let small = try CLI.run(["score", "small/images/00000.png", "--run", "clean"], in: dir)
        XCTAssertNotEqual(small.status, 0)
        XCTAssertTrue(small.stderr.contains("00000.png") && small.stderr.contains("smaller"), small.stderr)
    }

    /// `--resume RUN` after a kill ends with the same numbers as an uninterrupted run.
    func testResumeFlag() throws {
        let dir = try CLI.temporaryDirectory("tresume")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "24", "--size", "128"], in: dir).status, 0)
        let args = ["train", "--dataset", "folder", "--root", "data", "--epochs", "3", "--threads", "2"]
        XCTAssertEqual(try CLI.run(args + ["--out", "full"], in: dir).status, 0)
        guard try CLI.runAndKill(args + ["--out", "cut"], in: dir, afterFileAppears: "cut.partial/train_state.pt", leaving: "cut.partial") else {
            throw XCTSkip("the run finished before it could be killed")
        }
        let resumed = try CLI.run(["train", "--resume", "cut"], in: dir)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let a = try json(dir.appendingPathComponent("full/results.json"))["benign"] as! [String: Any]
        let b = try json(dir.appendingPathComponent("cut/results.json"))["benign"] as! [String: Any]
        XCTAssertEqual(NSDictionary(dictionary: a), NSDictionary(dictionary: b))
    }

    /// `--splits K`: one run per split seed and the median in summary.json; a re-run reuses finished splits.
    func testMedianOverSplits() throws {
        let dir = try CLI.temporaryDirectory("splits")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "12", "--size", "128"], in: dir).status, 0)
        let args = ["train", "--dataset", "folder", "--root", "data", "--epochs", "1", "--splits", "2", "--out", "sp"]
        let r = try CLI.run(args, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try json(dir.appendingPathComponent("sp/summary.json"))
        let per = try XCTUnwrap(summary["per_split"] as? [[String: Any]])
        XCTAssertEqual(per.count, 2)
        let sroccs = per.map { $0["srocc"] as! Double }.sorted()
        XCTAssertEqual((summary["median"] as! [String: Double])["srocc"]!, (sroccs[0] + sroccs[1]) / 2, accuracy: 1e-12)
        let again = try CLI.run(args, in: dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("already done"), again.stderr)
    }
}
