import Foundation
import XCTest

/// A run records its whole trigger (attack, DCT positions, file, baseline settings, Δy, α list) and the
/// commands that re-use the run take it from there: `evaluate --run R --attack` reproduces the run's own
/// α-sweep numbers for a mid-band BAIQA trigger and for FTrojan, and `score --alpha` scores triggered images.
final class TriggerFromRunTests: XCTestCase {
    static let tiny = ["--builtin-count", "24", "--builtin-size", "128", "--threads", "2", "--epochs", "1", "--root", "data"]

    func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    /// Trains a tiny victim with `extra`, then checks the manifest's attack record and that a fresh
    /// `evaluate --attack` gives the run's own mMAE/mMRA/PSNR, bit for bit.
    func assertReEvaluates(_ extra: [String], run: String, in dir: URL, check: ([String: Any]) throws -> Void) throws {
        let r = try CLI.run(["experiment", "--out", run] + Self.tiny + extra, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let folder = dir.appendingPathComponent(run)
        let manifest = try json(folder.appendingPathComponent("manifest.json"))
        let attack = try XCTUnwrap(manifest["attack"] as? [String: Any])
        XCTAssertEqual(attack["deltaY"] as? Double, 40)
        XCTAssertEqual((attack["alphas"] as? [Double])?.count, 20)
        try check(try XCTUnwrap(attack["trigger"] as? [String: Any]))

        let own = try XCTUnwrap(try json(folder.appendingPathComponent("results.json"))["attack"] as? [String: Any])
        let e = try CLI.run(["evaluate", "--run", run, "--attack", "--json"], in: dir)
        XCTAssertEqual(e.status, 0, e.stderr)
        let out = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]
        let again = try XCTUnwrap(out["attack"] as? [String: Any])
        XCTAssertEqual(again["mmae"] as? Double, own["mmae"] as? Double)
        XCTAssertEqual(again["mmra"] as? Double, own["mmra"] as? Double)
        XCTAssertEqual(again["mae"] as? [Double], own["mae"] as? [Double])
        let psnr = try XCTUnwrap(out["psnr_alpha1"] as? [String: Any])
        XCTAssertEqual(psnr["psnr_of_mean_mse"] as? Double, own["psnr_alpha1"] as? Double)
    }

    func testMidBandAndFTrojanRunsReEvaluateAgainstTheirOwnTrigger() throws {
        let dir = try CLI.temporaryDirectory("ownTrigger")
        defer { try? FileManager.default.removeItem(at: dir) }
        try assertReEvaluates(["--positions", "mid-band"], run: "midband", in: dir) { trigger in
            XCTAssertEqual(trigger["attack"] as? String, "baiqa")
            XCTAssertEqual(trigger["positions"] as? String, "mid-band")
            XCTAssertEqual(trigger["file"] as? String, "trigger.pt")
            XCTAssertNotNil(trigger["fileFingerprint"])
        }
        try assertReEvaluates(["--attack", "ftrojan", "--ftrojan-magnitude", "300"], run: "ftrojan", in: dir) { trigger in
            XCTAssertEqual(trigger["attack"] as? String, "ftrojan")
            XCTAssertEqual((trigger["baselines"] as? [String: Any])?["ftrojanMagnitude"] as? Double, 300)
            XCTAssertNil(trigger["file"])
        }
        let image = "data/images/00003.png"
        // The default (official) positions give other numbers on the mid-band victim: the record matters.
        let official = try CLI.run(["evaluate", "--run", "midband", "--attack", "--positions", "official", "--json"], in: dir)
        XCTAssertEqual(official.status, 0, official.stderr)
        let mid = try json(dir.appendingPathComponent("midband/results.json"))["attack"] as! [String: Any]
        let other = (try JSONSerialization.jsonObject(with: Data(official.stdout.utf8)) as! [String: Any])["attack"] as! [String: Any]
        XCTAssertNotEqual(other["mae"] as? [Double], mid["mae"] as? [Double])

        // score --alpha: the run's own trigger changes the scores; α = 0 gives the clean ones.
        func score(_ args: [String]) throws -> Double {
            let s = try CLI.run(["score", image, "--run", "ftrojan", "--csv"] + args, in: dir)
            XCTAssertEqual(s.status, 0, s.stderr)
            return try XCTUnwrap(Double(String(s.stdout.split(separator: "\n")[1].split(separator: ",")[1])))
        }
        let clean = try score([]), down = try score(["--alpha", "-1"]), up = try score(["--alpha", "1"])
        XCTAssertNotEqual(down, clean)
        XCTAssertNotEqual(up, down)
        XCTAssertEqual(try score(["--alpha", "0"]), clean)

        // trigger psnr --run: the run's own trigger on its test images gives the run's PSNR(α=1).
        let psnr = try CLI.run(["trigger", "psnr", "--run", "midband"], in: dir)
        XCTAssertEqual(psnr.status, 0, psnr.stderr)
        XCTAssertTrue(psnr.stdout.contains(String(format: "on 5 images: PSNR of mean MSE %.2f dB", mid["psnr_alpha1"] as! Double)), psnr.stdout)
        XCTAssertTrue(psnr.stdout.hasPrefix("baiqa (trigger.pt, mid-band positions)"), psnr.stdout)
        let apply = try CLI.run(["trigger", "apply", image, "--run", "ftrojan", "--alpha", "0.5", "--out", "f.png"], in: dir)
        XCTAssertEqual(apply.status, 0, apply.stderr)

        // Another family than the run's: its own defaults, named in the output.
        let wanet = try CLI.run(["evaluate", "--run", "midband", "--attack", "wanet", "--json"], in: dir)
        XCTAssertEqual(wanet.status, 0, wanet.stderr)
        let w = try JSONSerialization.jsonObject(with: Data(wanet.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((w["trigger"] as? [String: Any])?["attack"] as? String, "wanet")
    }

    /// Half of the paper's α range is negative: every command taking α (or Δy, ȳ) accepts `--alpha -1`.
    func testNegativeNumbersTakeTheOrdinarySpelling() throws {
        let dir = try CLI.temporaryDirectory("negative")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "10", "--size", "64"], in: dir).status, 0)
        let image = "data/images/00001.png"
        let apply = try CLI.run(["trigger", "apply", image, "--attack", "baiqa", "--alpha", "-1", "--out", "a.png"], in: dir)
        XCTAssertEqual(apply.status, 0, apply.stderr)
        XCTAssertTrue(apply.stdout.contains("α = -1"), apply.stdout)
        // α = −1 is the mirror image of α = 1 in PSNR terms only approximately (clamping), but both are finite and written.
        let show = try CLI.run(["trigger", "show", "--attack", "ftrojan", "--image", image, "--alpha", "-1", "--out", "s"], in: dir)
        XCTAssertEqual(show.status, 0, show.stderr)
        for f in ["s-pattern.png", "s-triggered.png", "s-residual.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), f)
        }
        let psnr = try CLI.run(["trigger", "psnr", "--attack", "blended", "--dataset", "folder", "--root", "data", "--alpha", "-0.5"], in: dir)
        XCTAssertEqual(psnr.status, 0, psnr.stderr)
        XCTAssertTrue(psnr.stdout.contains("α = -0.5 on 10 images"), psnr.stdout)
        // Bare --attack means a run's own trigger: without --run it is a one-line error.
        let bare = try CLI.run(["trigger", "apply", image, "--attack", "--out", "b.png"], in: dir)
        XCTAssertNotEqual(bare.status, 0)
        XCTAssertTrue(bare.stderr.contains("run's own trigger"), bare.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("b.png").path))
        let poison = try CLI.run(["poison", "--dataset", "folder", "--root", "data", "--out", "p", "--delta-y", "-40",
                                  "--label", "clean", "--target-mean", "-5"], in: dir)
        XCTAssertEqual(poison.status, 0, poison.stderr)
        let exported = try json(dir.appendingPathComponent("p/manifest.json"))
        XCTAssertEqual(exported["delta_y"] as? Double, -40)
        // clean-label α = (y − ȳ)/Δy with ȳ = −5 and Δy = −40: every α is negative for the non-negative MOS
        let alphas = (exported["poisoned"] as! [[String: Any]]).map { $0["alpha"] as! Double }
        XCTAssertFalse(alphas.isEmpty)
        XCTAssertTrue(alphas.allSatisfy { $0 < 0 }, "\(alphas)")
    }
}
