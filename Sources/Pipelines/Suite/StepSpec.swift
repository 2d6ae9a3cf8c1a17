import Foundation
import IQAData

/// What `baiqa step run` needs to compute one step of a store on its own, in any process on any node
/// sharing the store: the config of a suite that planned the step, the directory that config's relative
/// paths are relative to, and the step's role in that suite. Written into `<store>/.specs/<step>.json`
/// whenever a suite is planned; suites that share a step write equivalent specs (the step's key is the
/// same), so the last writer is as good as any.
public struct StepSpec: Codable {
    public var config: SuiteConfig
    public var directory: String
    public var role: String

    static func url(store: URL, folder: String) -> URL {
        store.appendingPathComponent(".specs").appendingPathComponent("\(folder).json")
    }

    /// One spec per step of `plan`.
    static func write(_ plan: SuitePlan, config: SuiteConfig, store: URL) throws {
        let folder = store.appendingPathComponent(".specs")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let directory = FileManager.default.currentDirectoryPath
        for step in plan.steps {
            try JSONFiles.write(StepSpec(config: config, directory: directory, role: step.id), to: url(store: store, folder: step.folder), keys: .snakeCase)
        }
    }

    public static func read(store: URL, folder: String) throws -> StepSpec {
        let url = url(store: store, folder: folder)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw RunError("\(store.path): no step \(folder) was planned in this store (no \(url.lastPathComponent) in .specs; `baiqa experiment --config C --plan` lists a suite's steps)")
        }
        return try JSONFiles.read(StepSpec.self, from: url, keys: .snakeCase)
    }
}

/// `baiqa step run`: one step of a store, computed in this process.
public struct SingleStepRun {
    public let store: URL
    public let folder: String
    public let spec: StepSpec
    let monitor: RunMonitor

    /// Reads the step's spec (the error names the store and the step).
    public init(store: String, step: String, monitor: RunMonitor) throws {
        self.store = URL(fileURLWithPath: store).standardizedFileURL
        guard FileManager.default.fileExists(atPath: self.store.path) else { throw RunError("\(store): no such step store") }
        folder = step.hasSuffix("/") ? String(step.dropLast()) : step
        spec = try StepSpec.read(store: self.store, folder: folder)
        self.monitor = monitor
    }

    /// Computes the step (reused when done); its dependencies must be done.
    public func run() throws {
        guard FileManager.default.changeCurrentDirectoryPath(spec.directory) else {
            throw RunError("\(StepSpec.url(store: store, folder: folder).path): its directory \(spec.directory) is not reachable from this node")
        }
        let suite = try AttackSuite(config: spec.config, stepsFolder: store, monitor: monitor)
        let plan = try suite.plan()
        guard let step = plan.step(folder: folder) else {
            throw RunError("\(folder): the suite that planned it (role \(spec.role)) no longer plans this step here; the store or its inputs changed")
        }
        // Tests of the executors make chosen steps fail here (roles starting with the variable's value).
        if let role = ProcessInfo.processInfo.environment["BAIQA_TEST_FAIL_STEP"], !role.isEmpty, step.roles.contains(where: { $0.hasPrefix(role) }) {
            throw RunError("\(folder): failed on purpose (BAIQA_TEST_FAIL_STEP=\(role))")
        }
        try suite.compute(step)
    }
}
