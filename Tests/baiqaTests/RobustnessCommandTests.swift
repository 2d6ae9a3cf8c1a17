import Foundation
import IQAData
import XCTest

/// `baiqa robustness` (the α sweep behind JPEG channels) and `baiqa poison --format jpeg` (a poisoned set
/// released as JPEG), on a tiny synthetic dataset.
final class RobustnessCommandTests: XCTestCase {
    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testPoisonedSetReleasedAsJPEGIsThePNGExportRecompressed() throws {
        let dir = try CLI.temporaryDirectory("poison-jpeg")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "12", "--size", "96"], in: dir).status, 0)
        let common = ["poison", "--dataset", "folder", "--root", "data", "--rate", "0.25", "--seed", "3"]
        XCTAssertEqual(try CLI.run(common + ["--out", "png"], in: dir).status, 0)
        let j = try CLI.run(common + ["--out", "jpeg", "--format", "jpeg", "--quality", "70", "--subsampling", "444"], in: dir)
        XCTAssertEqual(j.status, 0, j.stderr)
        let manifest = try json(String(contentsOf: dir.appendingPathComponent("jpeg/manifest.json"), encoding: .utf8))
        let format = try XCTUnwrap(manifest["poisoned_jpeg"] as? [String: Any])
        XCTAssertEqual(format["quality"] as? Int, 70)
        XCTAssertEqual(format["subsampling"] as? String, "444")
        let entries = try XCTUnwrap(manifest["poisoned"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 2)
        let channel = try JPEGRecompression(quality: 70, subsampling: .s444)
        for e in entries {
            let name = try XCTUnwrap(e["image"] as? String)
            XCTAssertTrue(name.hasSuffix(".jpg"), name)
            let released = try ImageIO.read(dir.appendingPathComponent("jpeg/" + name))
            let lossless = try ImageIO.read(dir.appendingPathComponent("png/" + name.replacingOccurrences(of: ".jpg", with: ".png")))
            XCTAssertEqual(released.pixels, try channel.roundTrip(lossless).pixels, name)
        }
        for (args, needle) in [(["--format", "jpeg"], "--quality"), (["--quality", "70"], "--format jpeg"),
                               (["--format", "jpeg", "--quality", "0"], "1…100"), (["--format", "gif"], "format")] {
            let r = try CLI.run(common + ["--out", "bad"] + args, in: dir)
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(needle), "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad").path))
        }
    }

    func testRobustnessRowsAgreeWithEvaluateAndLoseTheTriggerAsQualityFalls() throws {
        let dir = try CLI.temporaryDirectory("robustness")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "10", "--size", "128"], in: dir).status, 0)
        XCTAssertEqual(try CLI.run(["poison", "--dataset", "folder", "--root", "data", "--out", "poisoned"], in: dir).status, 0)
        let t = try CLI.run(["train", "--dataset", "folder", "--root", "poisoned", "--split", "poisoned/split.json", "--epochs", "1",
                             "--patches", "2", "--out", "victim"], in: dir)
        XCTAssertEqual(t.status, 0, t.stderr)
        let args = ["robustness", "--run", "victim", "--trigger", "poisoned/trigger.pt", "--trigger-phase", "full-image",
                    "--jpeg", "90,40", "--patches", "2", "--json", "--csv", "rows.csv"]
        let r = try CLI.run(args, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = try json(r.stdout)
        let rows = try XCTUnwrap(out["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 3)
        XCTAssertNil(rows[0]["recompression"])
        let first = try XCTUnwrap(rows[1]["recompression"] as? [String: Any])
        XCTAssertEqual(first["quality"] as? Int, 90)
        XCTAssertEqual(first["subsampling"] as? String, "420")
        let retained = try rows.map { try XCTUnwrap(($0["survival"] as? [String: Any])?["retained"] as? Double) }
        XCTAssertEqual(retained[0], 1, accuracy: 1e-12, "without a channel the whole trigger is left")
        XCTAssertLessThan(retained[1], 1)
        XCTAssertLessThan(retained[2], retained[1], "quality 40 leaves less of the trigger than quality 90")
        XCTAssertGreaterThan(retained[2], 0)
        XCTAssertEqual(rows[0]["mean_clean_shift"] as? Double, 0)

        // The reference row is `baiqa evaluate`'s sweep with the same trigger, phase and crops.
        let e = try CLI.run(["evaluate", "--run", "victim", "--trigger", "poisoned/trigger.pt", "--trigger-phase", "full-image", "--patches", "2", "--json"], in: dir)
        XCTAssertEqual(e.status, 0, e.stderr)
        let evaluated = try XCTUnwrap(try json(e.stdout)["attack"] as? [String: Any])
        let reference = try XCTUnwrap(rows[0]["attack"] as? [String: Any])
        XCTAssertEqual(reference["mae"] as? [Double], evaluated["mae"] as? [Double])

        let csv = try String(contentsOf: dir.appendingPathComponent("rows.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 4)
        XCTAssertTrue(csv[2].hasPrefix("90,420,"), String(csv[2]))
        // Same inputs, same numbers: a channel's row does not depend on the other channels of the run.
        var again = args
        again[again.firstIndex(of: "90,40")!] = "40"
        let single = try json(CLI.run(again, in: dir).stdout)
        let row = try XCTUnwrap((single["rows"] as? [[String: Any]])?.last)
        XCTAssertEqual((row["attack"] as? [String: Any])?["mae"] as? [Double], (rows[2]["attack"] as? [String: Any])?["mae"] as? [Double])
        XCTAssertEqual((row["survival"] as? [String: Any])?["retained"] as? Double, retained[2])

        for (bad, needle) in [(["--jpeg", "90,abc"], "--jpeg"), (["--jpeg", "101"], "--jpeg"), (["--subsampling", "422"], "subsampling")] {
            let b = try CLI.run(["robustness", "--run", "victim", "--trigger", "poisoned/trigger.pt"] + bad, in: dir)
            XCTAssertNotEqual(b.status, 0, bad.joined(separator: " "))
            XCTAssertTrue(b.stderr.contains(needle), "\(bad): \(b.stderr)")
        }
        // The victim's own run has no trigger (it trained on an exported set): one must be named.
        let noTrigger = try CLI.run(["robustness", "--run", "victim"], in: dir)
        XCTAssertNotEqual(noTrigger.status, 0)
        XCTAssertTrue(noTrigger.stderr.contains("no trigger"), noTrigger.stderr)
    }
}
