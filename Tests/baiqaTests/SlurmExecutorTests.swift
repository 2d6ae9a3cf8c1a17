import Foundation
import XCTest

/// `--executor slurm` on a real single-node cluster (`scripts/slurm-local.sh start`; CI starts one): one job
/// per step with afterok dependencies, a failed step cancels what reads it and `--status` names it, a
/// resubmission computes only those steps, and the results equal a serial run's. The bad-input cases need
/// no cluster.
final class SlurmExecutorTests: XCTestCase {
    static let tiny = SuiteExecutorTests.tiny

    /// Skips unless a Slurm controller answers and its node is usable.
    static func requireCluster() throws {
        guard let sinfo = ["/usr/bin/sinfo", "/usr/local/bin/sinfo"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw XCTSkip("no Slurm client (sinfo); start a local cluster with scripts/slurm-local.sh start")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sinfo)
        p.arguments = ["--noheader", "--format=%T"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0, text.contains("idle") || text.contains("mix") || text.contains("alloc") else {
            throw XCTSkip("no Slurm controller answering with a usable node (sinfo: '\(text.trimmingCharacters(in: .whitespacesAndNewlines))'); start one with scripts/slurm-local.sh start")
        }
    }

    struct Row { var store, slurm, job, role, step: String }

    /// `--status` as rows (columns are separated by two spaces or more) and its closing line, if any.
    func status(_ out: String, in dir: URL, environment: [String: String] = [:]) throws -> (rows: [Row], failed: String?, text: String) {
        let r = try CLI.run(["experiment"] + Self.tiny + ["--status", "--out", out], in: dir, environment: environment)
        XCTAssertEqual(r.status, 0, r.stderr)
        var rows: [Row] = []
        var failed: String?
        for line in r.stdout.split(separator: "\n").dropFirst().map(String.init) {
            if line.hasPrefix("failed or cancelled: ") { failed = line; continue }
            let c = line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            XCTAssertEqual(c.count, 5, line)
            if c.count == 5 { rows.append(Row(store: c[0], slurm: c[1], job: c[2], role: c[3], step: c[4])) }
        }
        return (rows, failed, r.stdout)
    }

    static let alive: Set<String> = ["PENDING", "RUNNING", "CONFIGURING", "COMPLETING"]

    /// Polls `--status` until no job of the run is queued or running (at most 20 minutes).
    func waitForJobs(_ out: String, in dir: URL) throws -> (rows: [Row], failed: String?, text: String) {
        let deadline = Date().addingTimeInterval(1200)
        while true {
            let s = try status(out, in: dir)
            if !s.rows.contains(where: { Self.alive.contains($0.slurm) }) { return s }
            if Date() > deadline { XCTFail("Slurm jobs still queued or running after 20 minutes:\n\(s.text)"); return s }
            Thread.sleep(forTimeInterval: 2)
        }
    }

    func testSlurmJobsPerStepFailureResubmitAndTheSerialNumbers() throws {
        try Self.requireCluster()
        let dir = try CLI.temporaryDirectory("slurm")
        defer { try? FileManager.default.removeItem(at: dir) }

        // A partition the cluster does not have: sbatch refuses the first job, nothing is queued.
        let refused = try CLI.run(["experiment"] + Self.tiny + ["--executor", "slurm", "--partition", "nosuch", "--out", "refused"], in: dir)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains(".sbatch failed: sbatch: error:"), refused.stderr)
        XCTAssertTrue(refused.stderr.lowercased().contains("partition"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("refused/slurm/jobs.json").path))

        // Submitted with the victim-P step made to fail (the environment travels with sbatch's default --export=ALL).
        let submit = try CLI.run(["experiment"] + Self.tiny + ["--executor", "slurm", "--out", "slurm"], in: dir,
                                 environment: ["BAIQA_TEST_FAIL_STEP": "victim-P"])
        XCTAssertEqual(submit.status, 0, submit.stderr)
        XCTAssertTrue(submit.stdout.contains("submitted 9 job(s) to Slurm"), submit.stdout)
        XCTAssertTrue(submit.stdout.contains("--status"), submit.stdout)
        let run = dir.appendingPathComponent("slurm")
        let jobs = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("slurm/jobs.json"))) as? [[String: String]])
        // One job per step (8) and the collecting job; each step's script beside them.
        XCTAssertEqual(jobs.count, 9)
        XCTAssertEqual(Set(jobs.compactMap { $0["step"] }).count, 9)
        XCTAssertEqual(jobs.last?["step"], "collect")
        for job in jobs where job["step"] != "collect" {
            let script = try String(contentsOf: run.appendingPathComponent("slurm/\(job["step"]!).sbatch"), encoding: .utf8)
            XCTAssertTrue(script.contains("step run --store") && script.contains("--step \(job["step"]!)"), script)
            XCTAssertTrue(script.contains("--threads \"${SLURM_CPUS_PER_TASK:-1}\""), script)
        }
        // The C victim waits for PGD's job, which waits for the clean model's.
        XCTAssertTrue(submit.stderr.contains("victim-C-wanet: job \(jobs.first { $0["role"] == "victim-C-wanet" }!["job"]!) after \(jobs.first { $0["role"] == "pgd" }!["job"]!)"), submit.stderr)

        let failed = try waitForJobs("slurm", in: dir)
        let byRole = Dictionary(uniqueKeysWithValues: failed.rows.map { ($0.role, $0) })
        XCTAssertEqual(byRole["victim-P-wanet"]?.slurm, "FAILED", failed.text)
        XCTAssertEqual(byRole["victim-P-wanet"]?.store, "missing", failed.text)
        XCTAssertEqual(byRole["defence-finetune-P-wanet"]?.slurm, "CANCELLED", failed.text)
        XCTAssertEqual(byRole["collect"]?.slurm, "CANCELLED", failed.text)
        for role in ["clean, surrogate", "pgd", "victim-C-wanet", "defence-finetune-C-wanet"] {
            XCTAssertEqual(byRole[role]?.slurm, "COMPLETED", "\(role): \(failed.text)")
            XCTAssertEqual(byRole[role]?.store, "done", "\(role): \(failed.text)")
        }
        let failedLine = try XCTUnwrap(failed.failed, failed.text)
        XCTAssertTrue(failedLine.contains("victim-P-wanet (job \(byRole["victim-P-wanet"]!.job), FAILED)"), failedLine)
        XCTAssertTrue(failedLine.contains("defence-finetune-P-wanet"), failedLine)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("results.json").path))

        // Resubmitted: only the failed step, the one it held up, and the collecting job.
        let resubmit = try CLI.run(["experiment"] + Self.tiny + ["--executor", "slurm", "--out", "slurm"], in: dir)
        XCTAssertEqual(resubmit.status, 0, resubmit.stderr)
        XCTAssertTrue(resubmit.stdout.contains("submitted 3 job(s) to Slurm"), resubmit.stdout)
        let done = try waitForJobs("slurm", in: dir)
        XCTAssertTrue(done.rows.allSatisfy { $0.store == "done" }, done.text)
        XCTAssertTrue(done.rows.allSatisfy { $0.slurm == "COMPLETED" }, done.text)
        XCTAssertNil(done.failed, done.text)
        let all = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("slurm/jobs.json"))) as? [[String: String]])
        XCTAssertEqual(all.dropFirst(9).compactMap { $0["role"] }.sorted(), ["collect", "defence-finetune-P-wanet", "victim-P-wanet"])

        // The numbers of a serial run at the jobs' thread count (one CPU per job: one thread).
        let serial = try CLI.run(["experiment"] + Self.tiny + ["--threads", "1", "--out", "serial"], in: dir)
        XCTAssertEqual(serial.status, 0, serial.stderr)
        XCTAssertEqual(try SuiteExecutorTests.numbers(run.appendingPathComponent("results.json")), try SuiteExecutorTests.numbers(dir.appendingPathComponent("serial/results.json")))
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("report.md").path))
    }

    func testBadExecutorInputIsRefusedAndWhatWasSubmittedIsListed() throws {
        let dir = try CLI.temporaryDirectory("slurm-bad")
        defer { try? FileManager.default.removeItem(at: dir) }

        let unknown = try CLI.run(["experiment"] + Self.tiny + ["--executor", "pbs", "--out", "x"], in: dir)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("pbs") && unknown.stderr.contains("slurm"), unknown.stderr)
        let both = try CLI.run(["experiment"] + Self.tiny + ["--executor", "slurm", "--jobs", "2", "--out", "x"], in: dir)
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("--jobs applies to the local executor"), both.stderr)
        let badKey = try CLI.run(["experiment"] + Self.tiny + ["--set", "cluster.queue=gpu", "--executor", "slurm", "--out", "x"], in: dir)
        XCTAssertNotEqual(badKey.status, 0)
        XCTAssertTrue(badKey.stderr.contains("cluster.queue"), badKey.stderr)

        // No sbatch on PATH: a one-line error and nothing written.
        let missing = try CLI.run(["experiment"] + Self.tiny + ["--executor", "slurm", "--out", "x"], in: dir, environment: ["PATH": dir.appendingPathComponent("empty").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("sbatch: not found on PATH"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("x").path))

        // An sbatch that accepts two jobs and then fails: the error names the script, and the two jobs it
        // did submit are in jobs.json and in --status.
        let bin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let fake = bin.appendingPathComponent("sbatch")
        try """
        #!/bin/sh
        n=$(cat "\(bin.path)/count" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "\(bin.path)/count"
        if [ $n -le 2 ]; then echo "900$n"; exit 0; fi
        echo "sbatch: error: Batch job submission failed: Job violates accounting/QOS policy" >&2; exit 1

        """.write(to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let half = try CLI.run(["experiment"] + Self.tiny + ["--executor", "slurm", "--out", "half"], in: dir, environment: ["PATH": path])
        XCTAssertNotEqual(half.status, 0)
        XCTAssertTrue(half.stderr.contains(".sbatch failed: sbatch: error: Batch job submission failed: Job violates accounting/QOS policy"), half.stderr)
        let jobs = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("half/slurm/jobs.json"))) as? [[String: String]])
        XCTAssertEqual(jobs.compactMap { $0["job"] }, ["9001", "9002"])
        let listed = try status("half", in: dir, environment: ["PATH": path])
        XCTAssertEqual(listed.rows.filter { $0.job != "—" }.map(\.job), ["9001", "9002"], listed.text)
    }
}
