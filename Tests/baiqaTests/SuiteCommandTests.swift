import Foundation
import XCTest

/// `baiqa experiment --config/--set`: the whole attack chain on a tiny generated dataset, step reuse,
/// the zero-trigger sanity check, and config errors that stop before anything is written.
final class SuiteCommandTests: XCTestCase {
    static let tiny = [
        "--threads", "2",
        "--set", "dataset.builtin_count=24", "--set", "dataset.builtin_size=128",
        "--set", "victim.epochs=1", "--set", "trigger.epochs=1", "--set", "trigger.repeats=2",
        "--set", "pgd.steps=2", "--set", "pgd.views=2", "--set", "alphas=[-1,-0.5,0.5,1]",
        "--set", "attacks=[baiqa,wanet]",
    ]

    func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func testTinySuiteRunsEveryStepThenReusesThem() throws {
        let dir = try CLI.temporaryDirectory("suite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("tiny.yaml")
        try "name: tiny\nseed: 1\ndataset: {root: data}\n".write(to: config, atomically: true, encoding: .utf8)
        let first = try CLI.run(["experiment", "--config", "tiny.yaml"] + Self.tiny, in: dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        let run = dir.appendingPathComponent("runs/tiny")  // default out: runs/<name>
        for file in ["config.json", "results.json", "report.md", "log.txt"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), file)
        }
        let r = try json(run.appendingPathComponent("results.json"))
        let runs = try XCTUnwrap(r["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { "\($0["label"]!)-\($0["attack"]!)" }, ["poison-baiqa", "poison-wanet", "clean-baiqa", "clean-wanet"])
        for v in runs {
            let benign = try XCTUnwrap(v["benign"] as? [String: Any])
            XCTAssertEqual(benign["n"] as? Int, 5)
            let m = try XCTUnwrap(v["attack_metrics"] as? [String: Any])
            XCTAssertEqual(m["alphas"] as? [Double], [-1, -0.5, 0.5, 1])
            XCTAssertTrue((m["mmae"] as? Double).map { $0.isFinite && $0 > 0 } ?? false)
        }
        // The metric's sanity check: a trigger that changes nothing has mMAE = Δy·mean|α| = 40·0.75
        // up to the sweep's fresh crops, and no relative attack.
        let response = try XCTUnwrap(r["clean_model_response"] as? [[String: Any]])
        let none = try XCTUnwrap(response.first { $0["attack"] as? String == "none" })
        XCTAssertEqual(none["no_effect_mmae"] as? Double, 30)
        let noneMetrics = try XCTUnwrap(none["attack_metrics"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(noneMetrics["mmae"] as? Double), 30, accuracy: 1.5)
        XCTAssertEqual(try XCTUnwrap(noneMetrics["mmra"] as? Double), 0, accuracy: 0.05)
        let pgd = try XCTUnwrap(r["pgd"] as? [String: Any])
        XCTAssertLessThan(try XCTUnwrap(pgd["mean_distance_after"] as? Double), try XCTUnwrap(pgd["mean_distance_before"] as? Double))
        let saved = try json(run.appendingPathComponent("config.json"))
        XCTAssertEqual(saved["name"] as? String, "tiny")
        XCTAssertEqual((saved["victim"] as? [String: Any])?["epochs"] as? Int, 1)
        let report = try String(contentsOf: run.appendingPathComponent("report.md"), encoding: .utf8)
        for heading in ["## Table 1", "## Table 2", "zero trigger", "WaNet"] { XCTAssertTrue(report.contains(heading), heading) }
        let steps = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("steps").path).filter { !$0.hasPrefix(".") }
        XCTAssertFalse(steps.contains { $0.hasSuffix(".partial") }, "\(steps)")
        for kind in ["train-", "trigger-", "pgd-", "response-", "victim-"] { XCTAssertTrue(steps.contains { $0.hasPrefix(kind) }, kind) }

        // Same command again: every step is reused and the numbers are the same.
        let second = try CLI.run(["experiment", "--config", "tiny.yaml"] + Self.tiny, in: dir)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stderr.components(separatedBy: "reusing").count - 1, steps.count, second.stderr)
        let r2 = try json(run.appendingPathComponent("results.json"))
        XCTAssertEqual(NSArray(array: runs), NSArray(array: r2["runs"] as! [[String: Any]]))

        // A smaller attack list touches nothing new.
        let subset = try CLI.run(["experiment", "--config", "tiny.yaml"] + Self.tiny + ["--set", "attacks=[wanet]", "--set", "labels=[clean]"], in: dir)
        XCTAssertEqual(subset.status, 0, subset.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("steps").path).filter { !$0.hasPrefix(".") }.sorted(), steps.sorted())
        let r3 = try json(run.appendingPathComponent("results.json"))
        XCTAssertEqual(NSDictionary(dictionary: (r3["runs"] as! [[String: Any]])[0]), NSDictionary(dictionary: runs[3]))

        // Table 3's ablation ③: C-BAIQA without the PGD refinement is one new victim step and no PGD.
        let ablation = try CLI.run(["experiment", "--config", "tiny.yaml"] + Self.tiny + ["--set", "attacks=[baiqa]", "--set", "labels=[clean]",
                                                                                      "--set", "pgd.refine=false", "--set", "clean_model_response=false"], in: dir)
        XCTAssertEqual(ablation.status, 0, ablation.stderr)
        let added = Set(try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("steps").path).filter { !$0.hasPrefix(".") }).subtracting(steps)
        XCTAssertEqual(added.count, 1, "\(added)")
        XCTAssertTrue(added.first?.hasPrefix("victim-") ?? false, "\(added)")
        let r4 = try json(run.appendingPathComponent("results.json"))
        XCTAssertNil(r4["pgd"])
        XCTAssertTrue(try String(contentsOf: run.appendingPathComponent("report.md"), encoding: .utf8).contains("PGD: off"))
        XCTAssertNotEqual(NSDictionary(dictionary: (r4["runs"] as! [[String: Any]])[0]), NSDictionary(dictionary: runs[2]))

        // A defences: section: each defence is one new step on the (reused) victim, and the report gets its table.
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("steps").path).filter { !$0.hasPrefix(".") })
        let defended = try CLI.run(["experiment", "--config", "tiny.yaml"] + Self.tiny + ["--set", "attacks=[wanet]", "--set", "labels=[poison]",
                                   "--set", "defences.run=[finetune,fineprune]", "--set", "defences.pruning_rates=[0,0.5]", "--set", "defences.clean_fraction=0.2"], in: dir)
        XCTAssertEqual(defended.status, 0, defended.stderr)
        let new = Set(try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("steps").path).filter { !$0.hasPrefix(".") }).subtracting(before)
        XCTAssertEqual(new.count, 2, "\(new)")
        XCTAssertTrue(new.contains { $0.hasPrefix("defence-finetune-") } && new.contains { $0.hasPrefix("defence-fineprune-") }, "\(new)")
        let r5 = try json(run.appendingPathComponent("results.json"))
        let defences = try XCTUnwrap(r5["defences"] as? [[String: Any]])
        XCTAssertEqual(defences.map { $0["defence"] as! String }, ["finetune", "fineprune"])
        for d in defences {
            // "before" is the victim as the suite measured it.
            XCTAssertEqual((d["before"] as! [String: Any])["mmae"] as! Double, (runs[1]["attack_metrics"] as! [String: Any])["mmae"] as! Double, accuracy: 1e-9)
            let folder = run.appendingPathComponent("steps/\(d["step"] as! String)/defence")
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("steps.csv").path))
        }
        let report5 = try String(contentsOf: run.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report5.contains("## Defences"))
        XCTAssertTrue(report5.contains("| P-BAIQA / WaNet | fine-pruning | rate "), report5)
        if (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/gnuplot") }) {
            for name in ["fig2-alpha-shift", "suite-fig3a-finetuning", "suite-fig3b-pruning"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("figures/\(name).png").path), name)
            }
        }
        // Again: the defence steps are reused.
        let again = try CLI.run(["experiment", "--config", "tiny.yaml"] + Self.tiny + ["--set", "attacks=[wanet]", "--set", "labels=[poison]",
                                "--set", "defences.run=[finetune,fineprune]", "--set", "defences.pruning_rates=[0,0.5]", "--set", "defences.clean_fraction=0.2"], in: dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("fine-pruning of the P-wanet victim: done before"), again.stderr)
    }

    func testConfigErrorsStopBeforeAnythingIsWritten() throws {
        let dir = try CLI.temporaryDirectory("suite-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let typo = try CLI.run(["experiment", "--set", "victim.epoch=1", "--out", "bad"], in: dir)
        XCTAssertNotEqual(typo.status, 0)
        XCTAssertTrue(typo.stderr.contains("unknown key 'victim.epoch'"), typo.stderr)
        let type = try CLI.run(["experiment", "--set", "poison.rate=lots", "--out", "bad"], in: dir)
        XCTAssertNotEqual(type.status, 0)
        XCTAssertTrue(type.stderr.contains("'poison.rate': expected"), type.stderr)
        let range = try CLI.run(["experiment", "--set", "poison.rate=2", "--out", "bad"], in: dir)
        XCTAssertNotEqual(range.status, 0)
        XCTAssertTrue(range.stderr.contains("poison.rate"), range.stderr)
        for (set, needle) in [("defences.clean_fraction=1", "defences.clean_fraction"), ("defences.run=[nope]", "defences.run"),
                              ("defences.pruning_rates=[0.1,0.5]", "defences.pruning_rates"), ("defences.anp_batch=1", "defences.anp_batch")] {
            let bad = try CLI.run(["experiment", "--set", set, "--out", "bad"], in: dir)
            XCTAssertNotEqual(bad.status, 0, set)
            XCTAssertTrue(bad.stderr.contains(needle), "\(set): \(bad.stderr)")
        }
        let missing = try CLI.run(["experiment", "--config", "nope.yaml", "--out", "bad"], in: dir)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nope.yaml"), missing.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])

        // A folder that is not a suite's is never taken over.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("other"), withIntermediateDirectories: true)
        let taken = try CLI.run(["experiment", "--set", "name=x", "--out", "other"], in: dir)
        XCTAssertNotEqual(taken.status, 0)
        XCTAssertTrue(taken.stderr.contains("not an attack-suite folder"), taken.stderr)
    }
}
