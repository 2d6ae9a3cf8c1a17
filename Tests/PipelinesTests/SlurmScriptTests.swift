@testable import Pipelines
import Foundation
import XCTest

/// The `cluster:` section and the sbatch scripts it gives each step and the collecting job.
final class SlurmScriptTests: XCTestCase {
    func error(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        XCTFail("expected an error")
        return ""
    }

    func testClusterSectionWritesTheStepScripts() throws {
        let c = try SuiteConfigFile.load(nil, overrides: ["cluster.partition=gpu", "cluster.gres=gpu:1", "cluster.cpus_per_task=8",
                                                         "cluster.mem=16G", "cluster.time='4:00:00'", "cluster.sbatch_lines=['--account=proj42', '--qos=short']"])
        _ = try c.resolved()
        XCTAssertEqual(c.cluster.cpusPerTask, 8)
        var slurm = SlurmExecutor(cluster: c.cluster, executable: URL(fileURLWithPath: "/opt/baiqa bin/baiqa"))
        slurm.stepArguments = ["--device", "cuda"]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-script-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let step = dir.appendingPathComponent("victim.sbatch"), collect = dir.appendingPathComponent("collect.sbatch")
        let command = ["/opt/baiqa bin/baiqa", "step", "run", "--step", "victim-0123", "--threads", "\"${SLURM_CPUS_PER_TASK:-1}\""]
        try slurm.write(script: step, name: "baiqa-victim-P-baiqa", log: dir.appendingPathComponent("logs/victim-%j.out"),
                        directory: "/shared/work dir", command: command, forStep: true)
        try slurm.write(script: collect, name: "baiqa-collect", log: dir.appendingPathComponent("logs/collect-%j.out"),
                        directory: "/shared/work dir", command: ["/opt/baiqa bin/baiqa", "experiment", "--collect"], forStep: false)
        let lines = try String(contentsOf: step, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, [
            "#!/bin/bash", "# Written by baiqa experiment --executor slurm.", "#SBATCH --job-name=baiqa-victim-P-baiqa",
            "#SBATCH --output=\(dir.path)/logs/victim-%j.out", "#SBATCH --partition=gpu", "#SBATCH --gres=gpu:1",
            "#SBATCH --cpus-per-task=8", "#SBATCH --mem=16G", "#SBATCH --time=4:00:00", "#SBATCH --account=proj42", "#SBATCH --qos=short",
            "set -e", "cd '/shared/work dir'",
            "exec '/opt/baiqa bin/baiqa' step run --step victim-0123 --threads \"${SLURM_CPUS_PER_TASK:-1}\"",
        ])
        // The collecting job asks for no GPU, CPUs or memory of a step.
        let collecting = try String(contentsOf: collect, encoding: .utf8)
        XCTAssertFalse(collecting.contains("--gres") || collecting.contains("--cpus-per-task") || collecting.contains("--mem"), collecting)
        XCTAssertTrue(collecting.contains("#SBATCH --partition=gpu\n") && collecting.contains("#SBATCH --account=proj42\n"), collecting)
    }

    func testBadClusterValuesAreNamed() throws {
        XCTAssertTrue(error { _ = try SuiteConfigFile.load(nil, overrides: ["cluster.cpus_per_task=-2"]).resolved() }.contains("cluster.cpus_per_task"))
        XCTAssertTrue(error { _ = try SuiteConfigFile.load(nil, overrides: ["cluster.partition='a b'"]).resolved() }.contains("cluster.partition"))
        XCTAssertTrue(error { _ = try SuiteConfigFile.load(nil, overrides: ["cluster.sbatch_lines=[account=x]"]).resolved() }.contains("cluster.sbatch_lines"))
        XCTAssertTrue(error { _ = try SuiteConfigFile.load(nil, overrides: ["cluster.queue=gpu"]) }.contains("cluster.queue"))
    }
}
