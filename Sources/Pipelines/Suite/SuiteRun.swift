import Foundation
import IQAData

/// `baiqa experiment --config`: a suite folder (config.json, log.txt, results.json, report.md) around
/// an `AttackSuite` whose steps live in `<folder>/steps` or a shared step store, computed by an executor.
public struct SuiteRun {
    public let config: SuiteConfig
    public let folder: URL
    public let stepsFolder: URL
    let monitor: RunMonitor

    /// How the plan's steps are computed.
    public enum Executor {
        /// One after another in this process.
        case serial
        /// As `baiqa step run` processes on this machine.
        case local(LocalExecutor)

        /// Only a process that computes the steps itself decodes the images up front.
        var decodesImages: Bool { if case .serial = self { return true } else { return false } }

        /// Computes the plan's steps (a serial run through `suite`, whose closures they call).
        func compute(_ plan: SuitePlan, suite: AttackSuite, logs: URL, monitor: RunMonitor) throws {
            switch self {
            case .serial:
                for step in plan.steps { try suite.compute(step) }
            case .local(let local):
                try local.run(plan, store: suite.steps, logs: logs, monitor: monitor)
            }
        }
    }

    /// Reads and checks the config (every problem fails here, before anything is written).
    public init(configFile: URL?, overrides: [String], out: String?, steps: String?, monitor: RunMonitor) throws {
        config = try SuiteConfigFile.load(configFile, overrides: overrides)
        folder = URL(fileURLWithPath: out ?? "runs/\(config.name)").standardizedFileURL
        stepsFolder = steps.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? folder.appendingPathComponent("steps")
        self.monitor = monitor
    }

    /// The plan and where each step stands, without computing or writing anything.
    public func plan() throws -> (SuitePlan, [String: StepState]) {
        let suite = try AttackSuite(config: config, stepsFolder: stepsFolder, monitor: monitor, decodeImages: false)
        let plan = try suite.plan()
        return (plan, Dictionary(uniqueKeysWithValues: plan.steps.map { ($0.folder, suite.steps.state(of: $0.folder)) }))
    }

    public func run(executor: Executor = .serial) throws -> SuiteResults {
        let (suite, plan) = try prepare(decodeImages: executor.decodesImages)
        try executor.compute(plan, suite: suite, logs: folder.appendingPathComponent("logs"), monitor: monitor)
        return try finish(suite: suite, plan: plan)
    }

    /// `--executor slurm`: submits one job per step that is neither done nor queued, and a job that
    /// collects the results; returns the jobs submitted now. When every step is done already, collects
    /// here and returns the results instead.
    public func submit(_ slurm: SlurmExecutor, collectArguments: [String]) throws -> (jobs: [SlurmExecutor.Job], results: SuiteResults?) {
        // Without Slurm's client nothing is written, not even the run folder.
        try SlurmExecutor.checkClient()
        let (suite, plan) = try prepare(decodeImages: false)
        if plan.steps.allSatisfy({ suite.steps.state(of: $0.folder) == .done }) {
            monitor.log("every step is done: collecting the results here")
            return ([], try finish(suite: suite, plan: plan))
        }
        return (try slurm.submit(plan, store: suite.steps, run: folder, collectArguments: collectArguments, monitor: monitor), nil)
    }

    /// `--collect`: results.json and report.md from the finished steps (the Slurm executor's last job).
    public func collect() throws -> SuiteResults {
        let (suite, plan) = try prepare(decodeImages: false)
        return try finish(suite: suite, plan: plan)
    }

    /// `--status`: each step's state in the store and in Slurm.
    public func status() throws -> [SlurmExecutor.StatusRow] {
        let suite = try AttackSuite(config: config, stepsFolder: stepsFolder, monitor: monitor, decodeImages: false)
        return try SlurmExecutor.status(try suite.plan(), store: suite.steps, run: folder)
    }

    /// The suite folder (config.json, log.txt), the plan and the step specs every executor needs.
    func prepare(decodeImages: Bool) throws -> (AttackSuite, SuitePlan) {
        let fm = FileManager.default
        let configURL = folder.appendingPathComponent("config.json")
        let configData = try SuiteConfigFile.json(config)
        // A suite folder is re-entered (resume, or steps reused after a config change) but never taken
        // over from something else.
        if fm.fileExists(atPath: folder.path) && !fm.fileExists(atPath: configURL.path) {
            throw RunError("\(folder.path) exists and is not an attack-suite folder (no config.json); choose another --out")
        }
        let suite = try AttackSuite(config: config, stepsFolder: stepsFolder, monitor: monitor, decodeImages: decodeImages)
        try fm.createDirectory(at: stepsFolder, withIntermediateDirectories: true)
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        try configData.write(to: configURL, options: .atomic)
        monitor.copyLog(to: folder.appendingPathComponent("log.txt"))
        monitor.log("attack suite `\(config.name)` in \(folder.path) (steps in \(stepsFolder.path))")
        let plan = try suite.plan()
        try StepSpec.write(plan, config: config, store: stepsFolder)
        return (suite, plan)
    }

    /// results.json, report.md and figures from the finished steps.
    func finish(suite: AttackSuite, plan: SuitePlan) throws -> SuiteResults {
        let results = try suite.collect(plan)
        try results.jsonData().write(to: folder.appendingPathComponent("results.json"), options: .atomic)
        try Data(SuiteReport.markdown(results, runName: folder.lastPathComponent).utf8)
            .write(to: folder.appendingPathComponent("report.md"), options: .atomic)
        RunFigures.addToRun(folder, stepsFolder: stepsFolder, monitor: monitor)
        return results
    }
}

extension SuitePlan {
    /// The plan as a table: one line per step with its state, role(s), folder and the steps it reads.
    public func table(states: [String: StepState]) -> String {
        let roleWidth = max(4, steps.map { $0.roles.joined(separator: ", ").count }.max() ?? 0)
        let folderWidth = max(4, steps.map(\.folder.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var lines = [pad("state", 8) + "  " + pad("role", roleWidth) + "  " + pad("step", folderWidth) + "  after"]
        for s in steps {
            let after = s.dependencies.map { d in self.step(folder: d)?.id ?? d }.joined(separator: ", ")
            lines.append(pad(states[s.folder]?.rawValue ?? "?", 8) + "  " + pad(s.roles.joined(separator: ", "), roleWidth) + "  "
                         + pad(s.folder, folderWidth) + "  " + (after.isEmpty ? "—" : after))
        }
        let counts = Dictionary(grouping: steps, by: { states[$0.folder] ?? .missing }).mapValues(\.count)
        lines.append("\(steps.count) steps: " + [StepState.done, .running, .partial, .missing].compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", "))
        return lines.joined(separator: "\n") + "\n"
    }
}
