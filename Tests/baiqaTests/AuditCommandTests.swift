import Foundation
import XCTest

/// `baiqa audit` on an exported poisoned synthetic set: the poisoned images rank first, the evaluation
/// reads `baiqa poison`'s manifest, bad input fails with one line.
final class AuditCommandTests: XCTestCase {
    func testAuditRanksPoisonedImagesAndEvaluatesAgainstTheManifest() throws {
        let dir = try CLI.temporaryDirectory("audit")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "30", "--size", "96"], in: dir).status, 0)
        let p = try CLI.run(["poison", "--dataset", "folder", "--root", "data", "--out", "poisoned", "--rate", "0.25"], in: dir)
        XCTAssertEqual(p.status, 0, p.stderr)
        let args = ["audit", "--dataset", "folder", "--root", "poisoned", "--against-list", "poisoned/manifest.json", "--out", "ranked.csv"]
        let r = try CLI.run(args + ["--json"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(out["images"] as? Int, 30)
        let rows = try XCTUnwrap(out["evaluation"] as? [[String: Any]])
        let all = try XCTUnwrap(rows.first)
        XCTAssertTrue((all["subset"] as? String)?.hasPrefix("all poisoned (n = 6)") ?? false, "\(all)")
        let auc = try XCTUnwrap((all["audit"] as? [String: Any])?["auc"] as? Double)
        XCTAssertGreaterThanOrEqual(auc, 0.95, "the audit separates poisoned images")
        XCTAssertTrue(rows.contains { ($0["subset"] as? String)?.hasPrefix("|α| ≥ 0.5") ?? false })

        let csv = try String(contentsOf: dir.appendingPathComponent("ranked.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.first, "rank,image,score,baseline_score,blocks,poisoned,alpha")
        XCTAssertEqual(csv.count, 31)
        XCTAssertEqual(csv.dropFirst().filter { $0.split(separator: ",")[5] == "1" }.count, 6)
        // Same dataset, same ranking.
        let before = try Data(contentsOf: dir.appendingPathComponent("ranked.csv"))
        XCTAssertEqual(try CLI.run(args, in: dir).status, 0)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("ranked.csv")), before)

        try Data(#"["images/nope.png"]"#.utf8).write(to: dir.appendingPathComponent("unknown.json"))
        try Data(#"{"poisoned": 3}"#.utf8).write(to: dir.appendingPathComponent("malformed.json"))
        for (list, needle) in [("missing.json", "missing.json"), ("unknown.json", "images/nope.png"), ("malformed.json", "malformed.json")] {
            let b = try CLI.run(["audit", "--dataset", "folder", "--root", "poisoned", "--against-list", list, "--out", "bad.csv"], in: dir)
            XCTAssertNotEqual(b.status, 0, list)
            XCTAssertTrue(b.stderr.contains(needle), "\(list): \(b.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad.csv").path), list)
        }
        // With the victim trained on the set: the model-based score comes along.
        let t = try CLI.run(["train", "--dataset", "folder", "--root", "poisoned", "--split", "poisoned/split.json", "--epochs", "1",
                             "--patches", "1", "--crop", "64", "--crops-on-trigger-grid", "--out", "victim"], in: dir)
        XCTAssertEqual(t.status, 0, t.stderr)
        let m = try CLI.run(args + ["--run", "victim", "--json"], in: dir)
        XCTAssertEqual(m.status, 0, m.stderr)
        let withModel = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(m.stdout.utf8)) as? [String: Any])
        let model = try XCTUnwrap(((withModel["evaluation"] as? [[String: Any]])?.first?["model"]) as? [String: Any])
        XCTAssertEqual(model["positives"] as? Int, 6)
        XCTAssertTrue((model["auc"] as? Double).map { (0...1).contains($0) } ?? false)
        let modelCSV = try String(contentsOf: dir.appendingPathComponent("ranked.csv"), encoding: .utf8)
        XCTAssertTrue(modelCSV.hasPrefix("rank,image,score,baseline_score,blocks,model_score,poisoned,alpha\n"), modelCSV)
        let noRun = try CLI.run(args + ["--run", "nowhere"], in: dir)
        XCTAssertNotEqual(noRun.status, 0)
        XCTAssertTrue(noRun.stderr.contains("nowhere"), noRun.stderr)

        let top = try CLI.run(["audit", "--dataset", "folder", "--root", "poisoned", "--top-fraction", "2"], in: dir)
        XCTAssertNotEqual(top.status, 0)
        XCTAssertTrue(top.stderr.contains("--top-fraction"), top.stderr)
    }
}
