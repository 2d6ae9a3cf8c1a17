import Foundation
import IQAData

/// A grid of suites: the product of `--sweep key=v1,v2` axes (and the config's `sweep:` section) over one
/// base config, all sharing one step store, so steps the members have in common (a clean model under two
/// Δy values, a trigger under three seeds of the victim) are computed once. The members' plans are merged
/// into one plan that any executor runs; each member then gets its own suite folder, and the sweep folder
/// a report with the mean ± standard deviation of every number over the seed axes.
public struct SuiteSweep {
    public struct Axis: Codable, Equatable {
        public var key: String
        /// YAML texts, as `--set key=value` takes them.
        public var values: [String]
    }

    public struct Member {
        /// `key=value` per axis, in axis order.
        public var assignments: [(key: String, value: String)]
        public var run: SuiteRun
        public var label: String { assignments.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
    }

    public let base: SuiteConfig
    public let axes: [Axis]
    public let members: [Member]
    public let folder: URL
    public let stepsFolder: URL
    let monitor: RunMonitor

    /// Axes from the config file's `sweep:` section, then `--sweep key=v1,v2` (which replaces a section
    /// axis of the same key). Empty: not a sweep.
    public static func axes(configFile: URL?, sweeps: [String]) throws -> [Axis] {
        var axes = try SuiteConfigFile.sweepSection(configFile).map { Axis(key: $0.key, values: $0.values) }
        for item in sweeps {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw SuiteConfigError("--sweep \(item): expected key.path=value1,value2,…")
            }
            let key = String(item[..<eq])
            let values = item[item.index(after: eq)...].split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard !values.contains(where: \.isEmpty) else { throw SuiteConfigError("--sweep \(item): an empty value") }
            axes.removeAll { $0.key == key }
            axes.append(Axis(key: key, values: values))
        }
        for axis in axes {
            guard !["name", "sweep"].contains(axis.key) else { throw SuiteConfigError("sweep \(axis.key): cannot be swept (every member is a suite of the sweep's name)") }
            guard Set(axis.values).count == axis.values.count else { throw SuiteConfigError("sweep \(axis.key): a value appears twice in \(axis.values)") }
        }
        // In key order whatever the order given: member folders are named from it, and a config file's
        // mapping (the sweep folder's config.json, which the collecting job reads) keeps no order.
        return axes.sorted { $0.key < $1.key }
    }

    /// Checks every axis and every member's config before anything is written.
    public init(configFile: URL?, overrides: [String], axes: [Axis], out: String?, steps: String?, monitor: RunMonitor) throws {
        precondition(!axes.isEmpty)
        base = try SuiteConfigFile.load(configFile, overrides: overrides)
        self.axes = axes
        folder = URL(fileURLWithPath: out ?? "runs/\(base.name)").standardizedFileURL
        stepsFolder = steps.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? folder.appendingPathComponent("steps")
        self.monitor = monitor
        // Each value alone over the defaults first, so an unknown key or a bad value is named as the sweep's.
        for axis in axes {
            for value in axis.values {
                do { _ = try SuiteConfigFile.load(nil, overrides: ["\(axis.key)=\(value)"]).resolved() } catch {
                    throw SuiteConfigError("sweep \(axis.key)=\(value): \(Self.reason(error, key: axis.key, value: value))")
                }
            }
        }
        var grid: [[(key: String, value: String)]] = [[]]
        for axis in axes { grid = grid.flatMap { row in axis.values.map { row + [(axis.key, $0)] } } }
        var members: [Member] = []
        for assignments in grid {
            let sets = assignments.map { "\($0.key)=\($0.value)" }
            let name = sets.map(Self.folderName).joined(separator: "_")
            let run: SuiteRun
            do {
                run = try SuiteRun(configFile: configFile, overrides: overrides + sets, out: folder.appendingPathComponent(name).path,
                                   steps: stepsFolder.path, monitor: monitor)
                _ = try run.config.resolved()
            } catch {
                throw SuiteConfigError("sweep member \(sets.joined(separator: " ")): \(error)")
            }
            if let other = members.first(where: { $0.run.folder == run.folder }) {
                throw SuiteConfigError("sweep members \(other.label) and \(sets.joined(separator: " ")) would share the folder \(name); use values that differ in letters or digits")
            }
            members.append(Member(assignments: assignments, run: run))
        }
        self.members = members
    }

    /// The error without the `--set k=v:` prefix the config loader gives it.
    static func reason(_ error: Error, key: String, value: String) -> String {
        let text = "\(error)"
        let prefix = "--set \(key)=\(value): "
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }

    /// `victim.model=dbcnn` → `victim.model-dbcnn`: a member's folder name.
    static func folderName(_ set: String) -> String {
        String(set.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "-" })
    }

    /// The members' plans as one (a step several members plan is one step).
    public func plan() throws -> (SuitePlan, [String: StepState]) {
        var merged = SuitePlan()
        var states: [String: StepState] = [:]
        for member in members {
            let (plan, s) = try member.run.plan()
            merged.merge(plan)
            states.merge(s) { a, _ in a }
        }
        return (merged, states)
    }

    /// Writes the sweep folder's config, every member's folder and the step specs; the merged plan, with
    /// the suites whose closures its steps call (they must stay alive while it runs).
    func prepare(decodeImages: Bool) throws -> (SuitePlan, [(AttackSuite, SuitePlan)]) {
        let fm = FileManager.default
        let configURL = folder.appendingPathComponent("config.json")
        if fm.fileExists(atPath: folder.path) && !fm.fileExists(atPath: configURL.path) {
            throw RunError("\(folder.path) exists and is not a sweep folder (no config.json); choose another --out")
        }
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        try writeConfig(to: configURL)
        var merged = SuitePlan()
        var suites: [(AttackSuite, SuitePlan)] = []
        for member in members {
            let (suite, plan) = try member.run.prepare(decodeImages: decodeImages)
            merged.merge(plan)
            suites.append((suite, plan))
        }
        monitor.log("sweep of \(members.count) suites (\(axes.map { "\($0.key): \($0.values.count)" }.joined(separator: " × "))), \(merged.steps.count) distinct steps")
        return (merged, suites)
    }

    /// The base config with the sweep's axes as its `sweep:` section: `--config` of this file re-creates the sweep.
    func writeConfig(to url: URL) throws {
        var tree = try JSONSerialization.jsonObject(with: SuiteConfigFile.json(base)) as! [String: Any]
        tree["sweep"] = Dictionary(uniqueKeysWithValues: axes.map { ($0.key, $0.values) })
        try JSONSerialization.data(withJSONObject: tree, options: [.prettyPrinted, .sortedKeys]).write(to: url, options: .atomic)
    }

    public func run(executor: SuiteRun.Executor) throws -> SweepResults {
        let (plan, suites) = try prepare(decodeImages: executor.decodesImages)
        // Each step computes through the member suite that planned it first (its closure); the store is shared.
        try executor.compute(plan, suite: suites[0].0, logs: folder.appendingPathComponent("logs"), monitor: monitor)
        return try finish(suites)
    }

    /// `--executor slurm` for the whole grid: one job per distinct step and one collecting job.
    public func submit(_ slurm: SlurmExecutor, collectArguments: [String]) throws -> (jobs: [SlurmExecutor.Job], results: SweepResults?) {
        try SlurmExecutor.checkClient()
        let (plan, suites) = try prepare(decodeImages: false)
        if plan.steps.allSatisfy({ suites[0].0.steps.state(of: $0.folder) == .done }) {
            monitor.log("every step is done: collecting the results here")
            return ([], try finish(suites))
        }
        return (try slurm.submit(plan, store: suites[0].0.steps, run: folder, collectArguments: collectArguments, monitor: monitor), nil)
    }

    public func collect() throws -> SweepResults {
        try finish(try prepare(decodeImages: false).1)
    }

    public func status() throws -> [SlurmExecutor.StatusRow] {
        let (plan, _) = try self.plan()
        return try SlurmExecutor.status(plan, store: StepStore(root: stepsFolder, monitor: monitor), run: folder, results: "sweep.json")
    }

    /// Each member's results.json and report.md, then the sweep's results.csv, report.md and sweep.json.
    func finish(_ suites: [(AttackSuite, SuitePlan)]) throws -> SweepResults {
        var memberResults: [SuiteResults] = []
        for (member, (suite, plan)) in zip(members, suites) {
            memberResults.append(try member.run.finish(suite: suite, plan: plan))
        }
        let results = SweepResults(name: base.name, axes: axes, members: zip(members, memberResults).map { member, results in
            SweepResults.MemberResult(assignments: member.assignments.map { SweepResults.Assignment(key: $0.key, value: $0.value) },
                                      folder: member.run.folder.lastPathComponent, results: results)
        })
        try Data(results.csv().utf8).write(to: folder.appendingPathComponent("results.csv"), options: .atomic)
        try Data(SweepReport.markdown(results).utf8).write(to: folder.appendingPathComponent("report.md"), options: .atomic)
        // Last: its presence is what --status calls the sweep collected.
        try results.jsonData().write(to: folder.appendingPathComponent("sweep.json"), options: .atomic)
        monitor.log("sweep results in \(folder.path) (sweep.json, results.csv, report.md)")
        return results
    }
}
