import Foundation
import XCTest

/// The suite's `robustness:` section: each victim behind test-time JPEG, and victims trained on poisoned
/// images released as JPEG, collected into results.json, the report and a figure.
final class SuiteRobustnessTests: XCTestCase {
    func testRobustnessSectionAddsTestAndReleaseTimeSteps() throws {
        let dir = try CLI.temporaryDirectory("suite-jpeg")
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        name: jpeg
        seed: 2
        dataset: {root: data, builtin_count: 20, builtin_size: 128}
        victim: {epochs: 1, patches: 2}
        surrogate: {epochs: 1, patches: 2}
        trigger: {source: random}
        attacks: [baiqa]
        labels: [poison]
        alphas: [-1, 1]
        clean_model_response: false
        robustness: {jpeg: [80, 30], release: [30], subsampling: 444}
        """.write(to: dir.appendingPathComponent("jpeg.yaml"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["experiment", "--config", "jpeg.yaml", "--threads", "2"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let run = dir.appendingPathComponent("runs/jpeg")
        let results = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("results.json"))) as? [String: Any])
        let tests = try XCTUnwrap(results["jpeg_test_time"] as? [[String: Any]])
        XCTAssertEqual(tests.count, 1)
        let rows = try XCTUnwrap(tests[0]["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.compactMap { ($0["recompression"] as? [String: Any])?["quality"] as? Int }, [80, 30])
        XCTAssertEqual(rows.compactMap { ($0["recompression"] as? [String: Any])?["subsampling"] as? String }, ["444", "444"])
        // The reference row is the victim's own sweep.
        let victim = try XCTUnwrap((results["runs"] as? [[String: Any]])?.first)
        let victimMMRA = try XCTUnwrap((victim["attack_metrics"] as? [String: Any])?["mmra"] as? Double)
        let referenceMRA = try XCTUnwrap((rows[0]["attack"] as? [String: Any])?["mra"] as? [Double])
        XCTAssertEqual(referenceMRA.reduce(0, +) / 2, victimMMRA, accuracy: 1e-9)

        let releases = try XCTUnwrap(results["jpeg_release"] as? [[String: Any]])
        XCTAssertEqual(releases.count, 1)
        let releaseStep = try XCTUnwrap(releases[0]["step"] as? String)
        XCTAssertNotEqual(releaseStep, victim["step"] as? String, "a released-as-JPEG victim is a step of its own")
        let log = try String(contentsOf: run.appendingPathComponent("log.txt"), encoding: .utf8)
        XCTAssertTrue(log.contains("released as JPEG q30 4:4:4"), log)

        let report = try String(contentsOf: run.appendingPathComponent("report.md"), encoding: .utf8)
        for heading in ["## JPEG robustness at test time", "## JPEG robustness at release time", "no JPEG", "q80", "q30 SROCC / mMRA"] {
            XCTAssertTrue(report.contains(heading), heading)
        }
        let steps = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("steps").path)
        XCTAssertEqual(steps.filter { $0.hasPrefix("robustness-") }.count, 1)
        XCTAssertEqual(steps.filter { $0.hasPrefix("victim-") }.count, 2)

        for (set, needle) in [("robustness.jpeg=[0]", "robustness.jpeg"), ("robustness.release=[90,90]", "robustness.release"),
                              ("robustness.subsampling=422", "subsampling")] {
            let bad = try CLI.run(["experiment", "--set", set, "--out", "bad"], in: dir)
            XCTAssertNotEqual(bad.status, 0, set)
            XCTAssertTrue(bad.stderr.contains(needle), "\(set): \(bad.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad").path), set)
        }
    }
}
