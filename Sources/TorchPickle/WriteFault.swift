import Foundation

/// A test-only fault hook for crash consistency: with `BAIQA_TEST_FAULT_WRITE=N` (or `N:after`) the
/// process ends abruptly (exit status 86, no clean-up) at the N-th `TorchFile.save` it makes — after the
/// new file is fully written but before it replaces the old one (or just after, with `:after`). Tests
/// use it to stop a run at every checkpoint write and check that re-running ends with the numbers of an
/// uninterrupted run. Unset, it does nothing.
enum WriteFault {
    enum Point { case beforeRename, afterRename }

    static let exitStatus: Int32 = 86
    private static let lock = NSLock()
    private static var writes = 0
    private static let plan: (write: Int, point: Point)? = {
        guard let value = ProcessInfo.processInfo.environment["BAIQA_TEST_FAULT_WRITE"] else { return nil }
        let parts = value.split(separator: ":")
        guard let n = parts.first.flatMap({ Int($0) }), n > 0 else { return nil }
        return (n, parts.count > 1 && parts[1] == "after" ? .afterRename : .beforeRename)
    }()

    /// The number of this write in the process (1, 2, …).
    static func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        writes += 1
        return writes
    }

    static func trigger(at write: Int, _ point: Point) {
        guard let plan, plan.write == write, plan.point == point else { return }
        _exit(exitStatus)
    }
}
