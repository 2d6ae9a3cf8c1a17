import Foundation
import IQAData

/// Runs a suite's plan as Slurm jobs: one sbatch script per step that is not done (`baiqa step run`,
/// with as many threads as the job has CPUs), submitted in plan order with `--dependency=afterok:` on
/// the jobs of the steps it reads, and a last job that collects results.json and report.md. Job ids are
/// recorded in `<run>/slurm/jobs.json` as each is submitted, so a submission that stops half-way lists
/// what it submitted. Submitting again submits only the steps that are neither done nor queued or
/// running (a failed step, and the steps Slurm cancelled after it). The step store must be on a file
/// system every node sees, at the same path.
public struct SlurmExecutor {
    public var cluster: SuiteConfig.ClusterSection
    public var executable: URL
    /// Extra arguments for every step (e.g. `--device cuda`).
    public var stepArguments: [String] = []

    public init(cluster: SuiteConfig.ClusterSection, executable: URL) {
        self.cluster = cluster
        self.executable = executable
    }

    /// One submitted job, as `jobs.json` lists it.
    public struct Job: Codable, Equatable {
        /// The step folder, or "collect" for the job that writes results.json.
        public var step: String
        public var role: String
        public var job: String
        public var submitted: String
    }

    /// Throws when `sbatch` is not on PATH.
    public static func checkClient() throws { _ = try SlurmCommands() }

    static func jobsFile(_ run: URL) -> URL { run.appendingPathComponent("slurm/jobs.json") }

    public static func jobs(in run: URL) -> [Job] {
        (try? JSONFiles.read([Job].self, from: jobsFile(run))) ?? []
    }

    /// Submits what is missing; returns the jobs submitted now (empty when everything was done or queued).
    public func submit(_ plan: SuitePlan, store: StepStore, run: URL, collectArguments: [String], monitor: RunMonitor) throws -> [Job] {
        let slurm = try SlurmCommands()
        let folder = run.appendingPathComponent("slurm")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("logs"), withIntermediateDirectories: true)
        var records = Self.jobs(in: run)
        let states = try slurm.states(of: records.map(\.job))
        var pending: [String: String] = [:]      // step folder → job id of a queued or running job
        for r in records where r.step != "collect" {
            if let s = states[r.job], SlurmCommands.isAlive(s) { pending[r.step] = r.job }
        }
        var submitted: [Job] = []
        func record(_ job: Job) throws {
            records.append(job)
            submitted.append(job)
            try JSONFiles.write(records, to: Self.jobsFile(run))
        }
        let directory = FileManager.default.currentDirectoryPath
        for step in plan.steps where store.state(of: step.folder) != .done && pending[step.folder] == nil {
            let after = step.dependencies.compactMap { pending[$0] }
            let script = folder.appendingPathComponent("\(step.folder).sbatch")
            let command = [executable.path, "step", "run", "--store", store.root.path, "--step", step.folder, "--threads", "\"${SLURM_CPUS_PER_TASK:-1}\""] + stepArguments
            try write(script: script, name: "baiqa-\(step.id)", log: folder.appendingPathComponent("logs/\(step.folder)-%j.out"),
                      directory: directory, command: command, forStep: true)
            let id = try slurm.submit(script, after: after)
            pending[step.folder] = id
            try record(Job(step: step.folder, role: step.id, job: id, submitted: ISO8601DateFormatter().string(from: Date())))
            monitor.log("\(step.id): job \(id)\(after.isEmpty ? "" : " after \(after.joined(separator: ", "))")")
        }
        let alive = Set(pending.values)
        let collectAlive = records.contains { $0.step == "collect" && states[$0.job].map(SlurmCommands.isAlive) == true }
        if !submitted.isEmpty || !collectAlive {
            let script = folder.appendingPathComponent("collect.sbatch")
            try write(script: script, name: "baiqa-collect", log: folder.appendingPathComponent("logs/collect-%j.out"), directory: directory,
                      command: [executable.path] + collectArguments, forStep: false)
            let id = try slurm.submit(script, after: plan.steps.compactMap { pending[$0.folder] }.filter(alive.contains))
            try record(Job(step: "collect", role: "collect", job: id, submitted: ISO8601DateFormatter().string(from: Date())))
            monitor.log("collect: job \(id) writes the results and report.md when every step is done")
        }
        return submitted
    }

    func write(script: URL, name: String, log: URL, directory: String, command: [String], forStep: Bool) throws {
        var lines = ["#!/bin/bash", "# Written by baiqa experiment --executor slurm.", "#SBATCH --job-name=\(name)", "#SBATCH --output=\(log.path)"]
        if !cluster.partition.isEmpty { lines.append("#SBATCH --partition=\(cluster.partition)") }
        if forStep {
            if !cluster.gres.isEmpty { lines.append("#SBATCH --gres=\(cluster.gres)") }
            if cluster.cpusPerTask > 0 { lines.append("#SBATCH --cpus-per-task=\(cluster.cpusPerTask)") }
            if !cluster.mem.isEmpty { lines.append("#SBATCH --mem=\(cluster.mem)") }
        }
        if !cluster.time.isEmpty { lines.append("#SBATCH --time=\(cluster.time)") }
        lines += cluster.sbatchLines.map { "#SBATCH \($0)" }
        lines += ["set -e", "cd \(Self.quoted(directory))",
                  // Every word quoted but the thread count, which bash expands from the job's allocation.
                  "exec " + command.map { $0.hasPrefix("\"$") ? $0 : Self.quoted($0) }.joined(separator: " ")]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: script, options: .atomic)
    }

    /// Single-quoted for bash (paths with spaces).
    static func quoted(_ s: String) -> String {
        s.allSatisfy { $0.isLetter || $0.isNumber || "/._-=:,+@".contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    // MARK: status

    /// One line of `--status`: where a step stands in the store and in Slurm.
    public struct StatusRow {
        public var role: String
        public var step: String
        public var store: StepState
        public var job: String?
        public var slurm: String?
    }

    /// Each step's state in the store and, when it has a job, in Slurm (squeue/scontrol; no accounting needed).
    /// `results`: the file the collecting job writes last (a suite's results.json, a sweep's sweep.json).
    public static func status(_ plan: SuitePlan, store: StepStore, run: URL, results: String = "results.json") throws -> [StatusRow] {
        let records = jobs(in: run)
        let states = (try? SlurmCommands().states(of: records.map(\.job))) ?? [:]
        var rows = plan.steps.map { step -> StatusRow in
            let job = records.last { $0.step == step.folder }?.job
            return StatusRow(role: step.roles.joined(separator: ", "), step: step.folder, store: store.state(of: step.folder),
                             job: job, slurm: job.flatMap { states[$0] })
        }
        if let collect = records.last(where: { $0.step == "collect" }) {
            let done = FileManager.default.fileExists(atPath: run.appendingPathComponent(results).path)
            rows.append(StatusRow(role: "collect", step: results, store: done ? .done : .missing, job: collect.job, slurm: states[collect.job]))
        }
        return rows
    }

    public static func table(_ rows: [StatusRow]) -> String {
        let width = (role: max(4, rows.map(\.role.count).max() ?? 0), step: max(4, rows.map(\.step.count).max() ?? 0))
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var lines = [pad("store", 8) + "  " + pad("slurm", 26) + "  " + pad("job", 8) + "  " + pad("role", width.role) + "  step"]
        for r in rows {
            lines.append(pad(r.store.rawValue, 8) + "  " + pad(r.slurm ?? "—", 26) + "  " + pad(r.job ?? "—", 8) + "  " + pad(r.role, width.role) + "  " + r.step)
        }
        let failed = rows.filter { $0.store != .done && ($0.slurm.map { SlurmCommands.isFailed($0) } ?? false) }
        if !failed.isEmpty {
            lines.append("failed or cancelled: " + failed.map { "\($0.role) (job \($0.job!), \($0.slurm!))" }.joined(separator: "; ")
                         + " — submit again to run them and what they hold up")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The Slurm client commands the executor uses: sbatch to submit, squeue (and scontrol for jobs squeue
/// no longer lists) to read states. Not sacct: clusters without accounting have none.
struct SlurmCommands {
    let sbatch: String

    init() throws {
        guard let sbatch = Self.find("sbatch") else {
            throw RunError("sbatch: not found on PATH; --executor slurm needs Slurm's client commands (Debian: slurm-client) and a cluster")
        }
        self.sbatch = sbatch
    }

    static func find(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// `sbatch --parsable [--dependency=afterok:…] script`; the job id.
    func submit(_ script: URL, after: [String]) throws -> String {
        var arguments = ["--parsable"]
        if !after.isEmpty { arguments.append("--dependency=afterok:" + after.joined(separator: ":")) }
        arguments.append(script.path)
        let (status, out, err) = try Self.run(sbatch, arguments)
        let id = out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        guard status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            let why = err.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last.map(String.init) ?? "exit status \(status)"
            throw RunError("sbatch \(script.lastPathComponent) failed: \(why.isEmpty ? "exit status \(status), output '\(out)'" : why)")
        }
        return id
    }

    /// Job id → state (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, …) for the jobs Slurm still knows.
    func states(of jobs: [String]) throws -> [String: String] {
        guard !jobs.isEmpty else { return [:] }
        var states: [String: String] = [:]
        if let squeue = Self.find("squeue"), let (status, out, _) = try? Self.run(squeue, ["--me", "--states=all", "--noheader", "--format=%i|%T"]), status == 0 {
            for line in out.split(separator: "\n") {
                let parts = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2 { states[parts[0]] = parts[1] }
            }
        }
        // Jobs squeue did not list (another user's view, or an older job): ask scontrol one by one.
        if let scontrol = Self.find("scontrol") {
            for job in jobs where states[job] == nil {
                guard let (status, out, _) = try? Self.run(scontrol, ["-o", "show", "job", job]), status == 0 else { continue }
                if let token = out.split(separator: " ").first(where: { $0.hasPrefix("JobState=") }) { states[job] = String(token.dropFirst("JobState=".count)) }
            }
        }
        return states
    }

    static func isAlive(_ state: String) -> Bool {
        ["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT"].contains(state)
    }

    static func isFailed(_ state: String) -> Bool { !isAlive(state) && state != "COMPLETED" }

    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw RunError("\(executable): cannot run (\(error.localizedDescription))") }
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
