import Foundation
import XCTest

/// `train --backbone/--lr/--weight-decay/--loss` change the preset's recipe, and say so in the manifest
/// (bad values: MalformedInputTests.testBadTrainOverrides).
final class TrainOverridesTests: XCTestCase {
    func testOverridesReachTheManifest() throws {
        let dir = try CLI.temporaryDirectory("overrides")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "12", "--size", "64"], in: dir).status, 0)
        let r = try CLI.run(["train", "--dataset", "folder", "--root", "data", "--epochs", "1", "--crop", "32", "--patches", "1",
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
}
