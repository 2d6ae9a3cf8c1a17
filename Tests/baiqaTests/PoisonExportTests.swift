import Foundation
import XCTest

/// `baiqa poison` exports a releasable poisoned dataset that `baiqa train` trains on.
final class PoisonExportTests: XCTestCase {
    func testExportTrainEvaluate() throws {
        let dir = try CLI.temporaryDirectory("poison")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "20", "--size", "128"], in: dir).status, 0)
        let p = try CLI.run(["poison", "--dataset", "folder", "--root", "data", "--out", "poisoned", "--rate", "0.25"], in: dir)
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertTrue(p.stdout.contains("4 of 16 training images poisoned"), p.stdout)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("poisoned/manifest.json"))) as! [String: Any]
        let entries = manifest["poisoned"] as! [[String: Any]]
        XCTAssertEqual(entries.count, 4)
        for e in entries {   // poison-label: label = y + α·Δy
            XCTAssertEqual(e["label"] as! Double, (e["original_score"] as! Double) + (e["alpha"] as! Double) * 40, accuracy: 1e-9)
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("poisoned/" + (e["image"] as! String)).path))
        }
        let csvLines = try String(contentsOf: dir.appendingPathComponent("poisoned/scores.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csvLines.count, 21)

        let t = try CLI.run(["train", "--dataset", "folder", "--root", "poisoned", "--split", "poisoned/split.json", "--epochs", "1", "--out", "victim"], in: dir)
        XCTAssertEqual(t.status, 0, t.stderr)
        let e = try CLI.run(["evaluate", "--run", "victim", "--trigger", "poisoned/trigger.pt", "--trigger-phase", "full-image", "--json"], in: dir)
        XCTAssertEqual(e.status, 0, e.stderr)
        let out = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(((out["attack"] as! [String: Any])["alphas"] as! [Double]).count, 20)

        // clean-label: labels unchanged, α = (y − 50)/40
        let c = try CLI.run(["poison", "--dataset", "folder", "--root", "data", "--out", "clean", "--label", "clean", "--attack", "blended"], in: dir)
        XCTAssertEqual(c.status, 0, c.stderr)
        let cm = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("clean/manifest.json"))) as! [String: Any]
        for e in cm["poisoned"] as! [[String: Any]] {
            let y = e["original_score"] as! Double
            XCTAssertEqual(e["label"] as! Double, y)
            XCTAssertEqual(e["alpha"] as! Double, (y - 50) / 40, accuracy: 1e-12)
        }
        // an existing output folder is refused
        XCTAssertNotEqual(try CLI.run(["poison", "--dataset", "folder", "--root", "data", "--out", "clean"], in: dir).status, 0)
    }
}
