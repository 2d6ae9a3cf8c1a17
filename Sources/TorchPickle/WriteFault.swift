import Foundation

/// A test-only fault hook for crash consistency: with `BAIQA_TEST_FAULT_WRITE=N` (or `N:after`) the
/// process ends abruptly (exit status 86, no clean-up) at the N-th `TorchFile.save` it makes — after the
/// new file is fully written but before it replaces the old one (or just after, with `:after`). Tests
/// use it to stop a run at every checkpoint write and check that re-running ends with the numbers of an
/// uninterrupted run. With `N:fail` the N-th write fails as on a full disk (the process goes on and
/// must report it). A suffix `@TEXT` counts only the writes whose path contains TEXT (one step of a
/// suite: `@/pgd-`). Unset, it does nothing.
enum WriteFault {
    enum Point { case beforeRename, afterRename, fail }

    static let exitStatus: Int32 = 86
    private static let lock = NSLock()
    private static var writes = 0
    private static let plan: (write: Int, point: Point, filter: String?)? = {
        guard let setting = ProcessInfo.processInfo.environment["BAIQA_TEST_FAULT_WRITE"] else { return nil }
        let at = setting.firstIndex(of: "@")
        let value = at.map { String(setting[..<$0]) } ?? setting
        let filter = at.map { String(setting[setting.index(after: $0)...]) }
        let parts = value.split(separator: ":")
        guard let n = parts.first.flatMap({ Int($0) }), n > 0 else { return nil }
        let point: Point = parts.count < 2 ? .beforeRename : parts[1] == "after" ? .afterRename : parts[1] == "fail" ? .fail : .beforeRename
        return (n, point, filter)
    }()

    /// The number of this write to `url` in the process (1, 2, …; 0 for a write the filter skips).
    static func next(_ url: URL) -> Int {
        if let filter = plan?.filter, !url.path.contains(filter) { return 0 }
        lock.lock()
        defer { lock.unlock() }
        writes += 1
        return writes
    }

    /// Whether the `write`-th write is to fail (`N:fail`).
    static func fails(_ write: Int) -> Bool {
        guard let plan else { return false }
        return plan.write == write && plan.point == .fail
    }

    static func trigger(at write: Int, _ point: Point) {
        guard let plan, plan.write == write, plan.point == point else { return }
        _exit(exitStatus)
    }
}
