import Foundation
import XCTest

/// `train --backbone/--lr/--weight-decay/--loss` change the preset's recipe, and say so in the manifest;
/// bad values stop before any run folder exists.
final class TrainOverridesTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try CLI.temporaryDirectory("overrides")
        let ok = try CLI.run(["dataset", "synth", "--out", "good", "--count", "12", "--size", "64"], in: dir)
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testOverridesReachTheManifest() throws {
        let r = try CLI.run(["train", "--dataset", "folder", "--root", "good", "--epochs", "1", "--crop", "32", "--patches", "1",
                             "--backbone", "resnet18", "--lr", "3e-4", "--weight-decay", "0.01", "--loss", "mse",
                             "--threads", "1", "--out", "run"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run/manifest.json"))) as! [String: Any]
        let recipe = manifest["recipe"] as! [String: Any]
        XCTAssertEqual(recipe["loss"] as? String, "mse")
        let plan = ((recipe["optimizer"] as! [String: Any])["hyperIQA"] as! [String: Any])["_0"] as! [String: Any]
        XCTAssertEqual(plan["learningRate"] as? Double, 3e-4)
        XCTAssertEqual(plan["weightDecay"] as? Double, 0.01)
        let model = ((recipe["model"] as! [String: Any])["hyperIQA"] as! [String: Any])["_0"] as! [String: Any]
        let backbone = model["backbone"] as! [String: Any]
        XCTAssertEqual(backbone["layers"] as? [Int], [2, 2, 2, 2])
        XCTAssertEqual(backbone["width"] as? Int, 64)
    }

    func testBadOverridesFailWithoutARunFolder() throws {
        let cases: [([String], String)] = [
            (["--backbone", "vgg19"], "unknown backbone 'vgg19'"),
            (["--model", "dbcnn", "--backbone", "resnet18"], "DBCNN"),
            (["--lr", "0"], "--lr"),
            (["--weight-decay", "-1"], "--weight-decay"),
            (["--loss", "tres-original"], "--model tres only"),
            (["--loss", "huber"], "huber"),
        ]
        for (args, needle) in cases {
            let r = try CLI.run(["train", "--dataset", "folder", "--root", "good"] + args + ["--out", "run"], in: dir)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(needle), "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run").path), "\(args)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run.partial").path), "\(args)")
        }
    }
}
