import Foundation
import TorchPickle
import XCTest

/// `baiqa trigger search` and `baiqa pgd` against a tiny surrogate: the same jobs the suite runs, with
/// their trigger/perturbation files and JSON records, deterministic, and resumable search checkpoints
/// cleaned up at the end.
final class AttackStepCommandTests: XCTestCase {
    func testSearchAndPGDWriteTheirFilesAndRecords() throws {
        let dir = try CLI.temporaryDirectory("steps")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "12", "--size", "96"], in: dir).status, 0)
        let train = try CLI.run(["train", "--dataset", "folder", "--root", "data", "--epochs", "1", "--crop", "64", "--patches", "2",
                                 "--threads", "2", "--out", "surrogate"], in: dir)
        XCTAssertEqual(train.status, 0, train.stderr)

        let search = ["trigger", "search", "--surrogate", "surrogate", "--rate", "0.5", "--epochs", "1", "--repeats", "2", "--batch", "4",
                      "--steps", "2", "--threads", "2"]
        let s1 = try CLI.run(search + ["--out", "t1.pt"], in: dir)
        XCTAssertEqual(s1.status, 0, s1.stderr)
        XCTAssertTrue(s1.stdout.contains("on 5 search images"), s1.stdout)   // half of the 10 training images
        let t1 = try TorchFile.load(contentsOf: dir.appendingPathComponent("t1.pt"))
        XCTAssertEqual(t1.tensorValue?.shape, [3, 64])
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("t1.pt.json"))) as! [String: Any]
        XCTAssertEqual(record["images"] as? Int, 5)
        XCTAssertEqual(record["epsilon"] as? Double, 8)
        XCTAssertEqual(record["positions"] as? String, "official")
        XCTAssertGreaterThan(try XCTUnwrap(record["psnr_alpha1"] as? Double), 10)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("t1.pt.search.pt").path))
        XCTAssertEqual(record["method"] as? String, "official")
        XCTAssertEqual(record["steps"] as? Int, 6)                 // 5 images × 2 repeats in batches of 4: 3 batches × 2 steps
        XCTAssertEqual(record["held_out_images"] as? Int, 2)
        // The objective curve on the surrogate's 2 test images: step 0 and the end (--every 50 > 6 steps).
        let curve = try String(contentsOf: dir.appendingPathComponent("t1.pt.curve.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(curve.first.map(String.init), "step,seconds,loss,crop_psnr,mean_abs_shift,mean_shift,own_mean_abs_shift,pattern_rms,scale")
        XCTAssertEqual(curve.dropFirst().map { $0.split(separator: ",").first.map(String.init) }, ["0"])
        let objective = try XCTUnwrap(record["objective"] as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(objective["mean_abs_shift"] as? Double), 0)
        // Projected: on the budget (PSNR ≥ the design bound 30.07 dB; clamping only raises it), a curve
        // point every 2 steps.
        let projected = try CLI.run(search + ["--out", "p.pt", "--method", "projected", "--every", "2"], in: dir)
        XCTAssertEqual(projected.status, 0, projected.stderr)
        XCTAssertTrue(projected.stdout.contains("objective on 2 held-out images"), projected.stdout)
        let precord = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("p.pt.json"))) as! [String: Any]
        XCTAssertEqual(precord["method"] as? String, "projected")
        XCTAssertEqual(precord["learning_rate"] as? Double, 10)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(precord["psnr_alpha1"] as? Double), 30.0)
        let pcurve = try String(contentsOf: dir.appendingPathComponent("p.pt.curve.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(pcurve.dropFirst().map { $0.split(separator: ",").first.map(String.init) }, ["0", "2", "4", "6"])
        // `trigger objective` compares triggers at the same budget.
        let compare = try CLI.run(["trigger", "objective", "--model", "surrogate", "--trigger", "t1.pt", "p.pt", "random:1", "--csv", "o.csv"], in: dir)
        XCTAssertEqual(compare.status, 0, compare.stderr)
        let rows = try String(contentsOf: dir.appendingPathComponent("o.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 4)
        XCTAssertTrue(rows[1].hasPrefix("t1.pt,8.0000,30.0"), String(rows[1]))
        for (args, message) in [(["--lr", "0"], "--lr"), (["--method", "pgd"], "pgd"), (["--every", "-1"], "--every")] {
            let bad = try CLI.run(search + ["--out", "bad.pt"] + args, in: dir)
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.stderr.contains(message), bad.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad.pt").path))
        }
        let badTrigger = try CLI.run(["trigger", "objective", "--model", "surrogate", "--trigger", "random:x"], in: dir)
        XCTAssertNotEqual(badTrigger.status, 0)
        XCTAssertTrue(badTrigger.stderr.contains("random:x"), badTrigger.stderr)
        // Same seed and inputs: the same trigger values; another seed: another trigger.
        func trigger(_ name: String) throws -> PickleValue { try TorchFile.load(contentsOf: dir.appendingPathComponent(name)) }
        XCTAssertEqual(try CLI.run(search + ["--out", "t2.pt"], in: dir).status, 0)
        XCTAssertEqual(try trigger("t1.pt"), try trigger("t2.pt"))
        XCTAssertEqual(try CLI.run(search + ["--out", "t3.pt", "--seed", "1"], in: dir).status, 0)
        XCTAssertNotEqual(try trigger("t1.pt"), try trigger("t3.pt"))

        let pgd = try CLI.run(["pgd", "--surrogate", "surrogate", "--rate", "0.5", "--steps", "2", "--views", "2", "--target", "-10",
                               "--threads", "2", "--out", "d.pt"], in: dir)
        XCTAssertEqual(pgd.status, 0, pgd.stderr)
        XCTAssertTrue(pgd.stdout.contains("PGD on 5 images: mean |surrogate − -10|"), pgd.stdout)
        guard case .dict(let deltas) = try TorchFile.load(contentsOf: dir.appendingPathComponent("d.pt")) else { return XCTFail("not a dict") }
        XCTAssertEqual(deltas.count, 5)
        for (name, delta) in deltas {
            XCTAssertTrue(name.stringValue?.hasPrefix("images/") == true, "\(name)")
            XCTAssertEqual(delta.tensorValue?.shape, [3, 96, 96])
        }
        let pgdRecord = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("d.pt.json"))) as! [String: Any]
        XCTAssertEqual(pgdRecord["images"] as? Int, 5)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("d.pt.parts").path))

        // A split whose poisoned subset names an image the dataset lacks: one line naming it, nothing written.
        try Data(#"{"train": ["images/00000.png"], "test": ["images/00001.png"], "poisoned_subset": ["images/missing.png"]}"#.utf8)
            .write(to: dir.appendingPathComponent("bad.json"))
        let bad = try CLI.run(["pgd", "--surrogate", "surrogate", "--split", "bad.json", "--out", "bad.pt"], in: dir)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("images/missing.png"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad.pt").path))
    }
}
