import Foundation

/// Where a long run reports what it is doing: log lines and progress of the current stage (the CLI
/// prints them with an ETA and copies the log into the run folder).
public protocol RunMonitor: AnyObject {
    func log(_ line: String)
    /// `detail` is a short status such as "loss 7.12".
    func progress(stage: String, done: Int, total: Int, detail: String)
    func stageFinished(_ stage: String, seconds: Double)
    /// From now on also append log lines to `file` (a run folder's log.txt); nil stops that.
    func copyLog(to file: URL?)
}

extension RunMonitor {
    public func copyLog(to file: URL?) {}
}

/// A monitor that discards everything (tests, library use).
public final class SilentMonitor: RunMonitor {
    public init() {}
    public func log(_ line: String) {}
    public func progress(stage: String, done: Int, total: Int, detail: String) {}
    public func stageFinished(_ stage: String, seconds: Double) {}
}
