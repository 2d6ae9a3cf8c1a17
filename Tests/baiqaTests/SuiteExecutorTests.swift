import Foundation
import XCTest

/// The suite as a plan of steps and its executors: `--plan` lists the DAG without computing, `baiqa step
/// run` computes one step, `--jobs 2` gives a serial run's numbers, and a failed step fails only what
/// reads it, after which a re-run computes only those steps.
final class SuiteExecutorTests: XCTestCase {
    /// Eight steps: the clean model (also the surrogate), PGD, two clean-model responses, a P- and a
    /// C-BAIQA WaNet victim, and fine-tuning of each victim (after it).
    static let tiny = [
        "--set", "name=tiny", "--set", "seed=2", "--set", "dataset.root=data",
        "--set", "dataset.builtin_count=24", "--set", "dataset.builtin_size=128",
        "--set", "victim.epochs=1", "--set", "surrogate.epochs=1", "--set", "pgd.steps=2", "--set", "pgd.views=2",
        "--set", "alphas=[-1,0.5,1]", "--set", "attacks=[wanet]",
        "--set", "defences.run=[finetune]", "--set", "defences.clean_fraction=0.2",
    ]

    static func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    /// results.json without what may differ between executors: timings, and the paths of step folders
    /// in different stores.
    static func numbers(_ url: URL) throws -> NSDictionary {
        func strip(_ v: Any) -> Any {
            if let d = v as? [String: Any] {
                return d.filter { !["timings", "step", "file", "train_seconds"].contains($0.key) }.mapValues(strip)
            }
            if let a = v as? [Any] { return a.map(strip) }
            return v
        }
        return NSDictionary(dictionary: strip(try Self.json(url)) as! [String: Any])
    }

    func stepFolders(_ store: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: store.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    func testPlanThenJobsGiveTheSerialNumbers() throws {
        let dir = try CLI.temporaryDirectory("executor")
        defer { try? FileManager.default.removeItem(at: dir) }

        // The plan: every step with its role and dependencies, nothing computed or written.
        let plan = try CLI.run(["experiment"] + Self.tiny + ["--plan", "--out", "jobs"], in: dir)
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let lines = plan.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init), ["state", "role", "step", "after"])
        XCTAssertEqual(lines.last, "8 steps: 8 missing")
        // Columns are separated by two spaces or more: state, role(s), step folder, the roles it reads.
        let rows = Dictionary(uniqueKeysWithValues: lines.dropFirst().dropLast().map { line -> (String, [String]) in
            let cells = line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return (cells[1], cells)
        })
        XCTAssertEqual(Set(rows.keys), ["clean, surrogate", "pgd", "response-none", "response-wanet", "victim-P-wanet", "victim-C-wanet",
                                       "defence-finetune-P-wanet", "defence-finetune-C-wanet"])
        XCTAssertTrue(rows.values.allSatisfy { $0.count == 4 && $0[0] == "missing" }, "\(rows)")
        XCTAssertEqual(rows["pgd"]?.last, "clean")
        XCTAssertEqual(rows["victim-C-wanet"]?.last, "pgd")
        XCTAssertEqual(rows["victim-P-wanet"]?.last, "—")
        XCTAssertEqual(rows["defence-finetune-P-wanet"]?.last, "victim-P-wanet")
        XCTAssertEqual(rows["response-wanet"]?[2].hasPrefix("response-"), true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("jobs").path))

        // Serial at 1 thread, then two processes of 1 thread each: the same numbers.
        let serial = try CLI.run(["experiment"] + Self.tiny + ["--threads", "1", "--out", "serial"], in: dir)
        XCTAssertEqual(serial.status, 0, serial.stderr)
        let jobs = try CLI.run(["experiment"] + Self.tiny + ["--threads", "2", "--jobs", "2", "--out", "jobs"], in: dir)
        XCTAssertEqual(jobs.status, 0, jobs.stderr)
        XCTAssertTrue(jobs.stderr.contains("local executor: 8 steps, 0 done before, 8 to compute, 2 at a time × 1 threads"), jobs.stderr)
        XCTAssertEqual(try Self.numbers(dir.appendingPathComponent("jobs/results.json")), try Self.numbers(dir.appendingPathComponent("serial/results.json")))
        let store = dir.appendingPathComponent("jobs/steps")
        let folders = try stepFolders(store)
        XCTAssertEqual(folders.count, 8, "\(folders)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("jobs/logs").path).sorted(), folders.map { "\($0).log" })
        // Each step recorded what it computed with and how long it took; the suite's timings are theirs.
        let victim = try XCTUnwrap(folders.first { $0.hasPrefix("victim-") })
        let record = try Self.json(store.appendingPathComponent("\(victim)/step.json"))
        XCTAssertEqual((record["computed_with"] as? [String: String])?["threads"], "1")
        XCTAssertGreaterThan(try XCTUnwrap(record["seconds"] as? Double), 0)
        let timings = try XCTUnwrap(try Self.json(dir.appendingPathComponent("jobs/results.json"))["timings"] as? [String: Double])
        XCTAssertEqual(Set(timings.keys), ["data", "clean model", "pgd", "clean-model response", "victim P-wanet", "victim C-wanet", "defence finetune"])

        // Now the plan says done; one step again is reused; a step needs its dependencies done.
        let replan = try CLI.run(["experiment"] + Self.tiny + ["--plan", "--out", "jobs"], in: dir)
        XCTAssertTrue(replan.stdout.hasSuffix("8 steps: 8 done\n"), replan.stdout)
        let again = try CLI.run(["step", "run", "--store", "jobs/steps", "--step", victim, "--threads", "1"], in: dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("done before, reusing \(victim)"), again.stderr)
        let unknown = try CLI.run(["step", "run", "--store", "jobs/steps", "--step", "victim-0000000000000000"], in: dir)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("no step victim-0000000000000000 was planned in this store"), unknown.stderr)
        let noStore = try CLI.run(["step", "run", "--store", "nowhere", "--step", victim], in: dir)
        XCTAssertTrue(noStore.status != 0 && noStore.stderr.contains("nowhere: no such step store"), noStore.stderr)
    }

    func testAFailedStepFailsWhatReadsItAndARerunComputesOnlyThose() throws {
        let dir = try CLI.temporaryDirectory("executor-fail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let failing = try CLI.run(["experiment"] + Self.tiny + ["--threads", "2", "--jobs", "2", "--out", "run"], in: dir,
                                  environment: ["BAIQA_TEST_FAIL_STEP": "victim-P"])
        XCTAssertNotEqual(failing.status, 0)
        XCTAssertTrue(failing.stderr.contains("victim-P-wanet: FAILED"), failing.stderr)
        XCTAssertTrue(failing.stderr.contains("defence-finetune-P-wanet: not run: it needs victim-"), failing.stderr)
        XCTAssertTrue(failing.stderr.contains("2 step(s) did not finish"), failing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run/results.json").path))
        let store = dir.appendingPathComponent("run/steps")
        XCTAssertEqual(try stepFolders(store).filter { !$0.hasSuffix(".partial") }.count, 6)
        let status = try CLI.run(["experiment"] + Self.tiny + ["--plan", "--out", "run"], in: dir)
        XCTAssertTrue(status.stdout.hasSuffix("8 steps: 6 done, 2 missing\n"), status.stdout)
        // A step cannot run before the steps it reads.
        func folder(of role: String) throws -> String {
            let rows = status.stdout.split(separator: "\n").map { $0.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            return try XCTUnwrap(rows.first { $0.count == 4 && $0[1] == role }?[2])
        }
        let needs = try CLI.run(["step", "run", "--store", "run/steps", "--step", try folder(of: "defence-finetune-P-wanet")], in: dir)
        XCTAssertNotEqual(needs.status, 0)
        XCTAssertTrue(needs.stderr.contains("needs \(try folder(of: "victim-P-wanet")), which is not finished"), needs.stderr)

        let rerun = try CLI.run(["experiment"] + Self.tiny + ["--threads", "2", "--jobs", "2", "--out", "run"], in: dir)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stderr.contains("8 steps, 6 done before, 2 to compute"), rerun.stderr)
        XCTAssertEqual(rerun.stderr.components(separatedBy: ": started ").count - 1, 2, rerun.stderr)
        XCTAssertEqual((try Self.json(dir.appendingPathComponent("run/results.json"))["runs"] as? [Any])?.count, 2)
    }
}
