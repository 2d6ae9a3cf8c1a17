import Foundation

/// What `baiqa experiment --config` drives: one suite, or a sweep of suites. Both are a plan of steps in
/// one step store that any executor computes, then collected into a results file.
public protocol SuiteJob {
    associatedtype Results
    /// The suite's config (a sweep's: the base every member overrides).
    var settings: SuiteConfig { get }
    var folder: URL { get }
    var stepsFolder: URL { get }
    func plan() throws -> (SuitePlan, [String: StepState])
    func run(executor: SuiteRun.Executor) throws -> Results
    func submit(_ slurm: SlurmExecutor, collectArguments: [String]) throws -> (jobs: [SlurmExecutor.Job], results: Results?)
    func collect() throws -> Results
    func status() throws -> [SlurmExecutor.StatusRow]
}

extension SuiteRun: SuiteJob {
    public var settings: SuiteConfig { config }
}

extension SuiteSweep: SuiteJob {
    public var settings: SuiteConfig { base }
}
