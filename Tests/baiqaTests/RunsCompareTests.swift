import Foundation
import XCTest

/// `baiqa runs compare`: the folders' numbers side by side and the configuration keys that differ.
final class RunsCompareTests: XCTestCase {
    func testTwoRunsNameTheirDifferingKeys() throws {
        let dir = try CLI.temporaryDirectory("compare")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "24", "--size", "128"], in: dir).status, 0)
        for (name, seed) in [("a", "0"), ("b", "1")] {
            let r = try CLI.run(["train", "--model", "hyperiqa", "--dataset", "folder", "--root", "data", "--epochs", "1",
                                 "--seed", seed, "--out", name, "--threads", "2"], in: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        func benign(_ run: String) throws -> [String: Double] {
            let tree = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("\(run)/results.json"))) as! [String: Any]
            return tree["benign"] as! [String: Double]
        }

        let text = try CLI.run(["runs", "compare", "a", "b"], in: dir)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("configuration key(s) differ"), text.stdout)
        XCTAssertTrue(text.stdout.contains("| seed "), text.stdout)
        XCTAssertTrue(text.stdout.contains(String(format: "%.3f", try benign("a")["srocc"]!)), text.stdout)

        let csv = try CLI.run(["runs", "compare", "a", "b", "--csv"], in: dir)
        XCTAssertEqual(csv.status, 0, csv.stderr)
        let lines = csv.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(Array(lines[0].prefix(9)), ["run", "model", "plcc", "srocc", "krcc", "rmse", "mmae", "mmra", "psnr_alpha1"])
        let seedColumn = try XCTUnwrap(lines[0].firstIndex(of: "seed"), "\(lines[0])")
        XCTAssertEqual(lines[1][0], "a")
        XCTAssertEqual(lines[1][seedColumn], "0")
        XCTAssertEqual(lines[2][seedColumn], "1")
        XCTAssertEqual(try XCTUnwrap(Double(lines[2][5])), try benign("b")["rmse"]!, accuracy: 1e-6)
        XCTAssertEqual(lines[1][6], "", "a clean model has no mMAE")
        // Keys that are the same in both are not listed (the dataset, the epochs).
        XCTAssertFalse(lines[0].contains { $0.contains("epochs") }, "\(lines[0])")

        let json = try CLI.run(["runs", "compare", "a", "b", "--json"], in: dir)
        XCTAssertEqual(json.status, 0, json.stderr)
        let tree = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let differing = try XCTUnwrap(tree["differing_keys"] as? [String: [String: Any]])
        XCTAssertEqual(differing["seed"]?["a"] as? String, "0")
        XCTAssertEqual((tree["rows"] as? [Any])?.count, 2)

        // The same folder with itself: nothing differs.
        let same = try CLI.run(["runs", "compare", "a", "./a"], in: dir)
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertTrue(same.stdout.contains("No configuration key differs"), same.stdout)

        for (arguments, needle) in [(["a", "data"], "data: not a baiqa run, suite, sweep or defence folder"),
                                    (["a", "nothing"], "nothing: not a baiqa run"), (["a", "a"], "a: named twice")] {
            let r = try CLI.run(["runs", "compare"] + arguments, in: dir)
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains(needle), r.stderr)
        }
    }
}
