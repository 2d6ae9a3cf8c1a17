import Foundation
import IQAData

/// Runs a suite's plan as `baiqa step run` processes on this machine, at most `jobs` at a time, each
/// with `threadsPerJob` intra-op threads: a step starts as soon as the steps it reads are done. The
/// numbers are those of a serial run at `threadsPerJob` threads (each step is the same computation in
/// its own process). Each step's output goes to `<logs>/<step>.log`. A failed step fails the steps
/// that read it; the others still run, and the error at the end names every step that did not finish.
public struct LocalExecutor {
    public var jobs: Int
    public var threadsPerJob: Int
    /// The `baiqa` executable the steps run in (this one).
    public var executable: URL
    /// Extra arguments for every step (e.g. `--device cuda`).
    public var stepArguments: [String] = []

    public init(jobs: Int, threadsPerJob: Int, executable: URL) {
        self.jobs = jobs
        self.threadsPerJob = threadsPerJob
        self.executable = executable
    }

    final class Running {
        let step: SuitePlan.Step
        let process: Process
        let started: Date
        init(step: SuitePlan.Step, process: Process) { (self.step, self.process, self.started) = (step, process, Date()) }
    }

    public func run(_ plan: SuitePlan, store: StepStore, logs: URL, monitor: RunMonitor) throws {
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        var done = Set(plan.steps.map(\.folder).filter { store.state(of: $0) == .done })
        let reused = done.count
        var failed: [String: String] = [:]          // folder → why
        var running: [Running] = []
        var waiting = plan.steps.filter { !done.contains($0.folder) }
        monitor.log("local executor: \(plan.steps.count) steps, \(reused) done before, \(waiting.count) to compute, \(jobs) at a time × \(threadsPerJob) threads")

        while !waiting.isEmpty || !running.isEmpty {
            // Steps after a failed one cannot run.
            for step in waiting where step.dependencies.contains(where: { failed[$0] != nil }) {
                failed[step.folder] = "not run: it needs \(step.dependencies.first { failed[$0] != nil }!), which failed"
                monitor.log("\(step.id): \(failed[step.folder]!)")
            }
            waiting.removeAll { failed[$0.folder] != nil }
            // Start what is ready, in plan order.
            while running.count < jobs, let k = waiting.firstIndex(where: { $0.dependencies.allSatisfy(done.contains) }) {
                let step = waiting.remove(at: k)
                running.append(try start(step, store: store.root, log: logs.appendingPathComponent("\(step.folder).log")))
                monitor.log("\(step.id): started \(step.folder) (pid \(running.last!.process.processIdentifier))")
            }
            if running.isEmpty { break }
            usleep(200_000)
            for r in running where !r.process.isRunning {
                let seconds = Date().timeIntervalSince(r.started)
                if r.process.terminationStatus == 0 && store.state(of: r.step.folder) == .done {
                    done.insert(r.step.folder)
                    monitor.log("\(r.step.id): done in \(ConsoleMonitor.clock(seconds)) (\(done.count - reused) of \(plan.steps.count - reused) computed)")
                } else {
                    let why = "exit status \(r.process.terminationStatus); \(Self.lastLine(of: logs.appendingPathComponent("\(r.step.folder).log")))"
                    failed[r.step.folder] = why
                    monitor.log("\(r.step.id): FAILED (\(why))")
                }
            }
            running.removeAll { !$0.process.isRunning }
        }
        if !failed.isEmpty {
            let list = plan.steps.filter { failed[$0.folder] != nil }.map { "\($0.id) (\($0.folder)): \(failed[$0.folder]!)" }
            throw RunError("\(list.count) step(s) did not finish — \(list.joined(separator: "; ")); logs in \(logs.path); re-running computes only these")
        }
    }

    func start(_ step: SuitePlan.Step, store: URL, log: URL) throws -> Running {
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let p = Process()
        p.executableURL = executable
        p.arguments = ["step", "run", "--store", store.path, "--step", step.folder, "--threads", "\(threadsPerJob)"] + stepArguments
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw RunError("\(executable.path): cannot start a step process (\(error.localizedDescription))") }
        try? handle.close()
        return Running(step: step, process: p)
    }

    /// The last non-empty line of a step's log (its error, when it failed).
    static func lastLine(of log: URL) -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(whereSeparator: \.isNewline).last.map(String.init) ?? "no output"
    }
}
