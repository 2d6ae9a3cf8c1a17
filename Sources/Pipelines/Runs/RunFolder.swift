import IQAData
import Foundation

/// Run folders are written as `<out>.partial` and renamed to `<out>` only when complete, so a
/// finished-looking folder is always a finished run; a `.partial` with checkpoints is resumable.
/// The `.partial` is locked (`.lock` inside it) while a process works in it, so a second process
/// with the same `--out` stops with a message naming the first instead of writing beside it.
public enum RunFolder {
    public static let marker = ".fingerprint"
    static let lockName = ".lock"

    /// A locked `<out>.partial`.
    public struct Work {
        public let url: URL
        let lock: ExclusiveLock
        public func appendingPathComponent(_ name: String) -> URL { url.appendingPathComponent(name) }
        public var lastPathComponent: String { url.lastPathComponent }
    }

    /// The requested folder, or the first free `runs/experiment[-N]`. A finished folder is never reused.
    public static func choose(_ requested: String?, defaultName: String = "runs/experiment") throws -> URL {
        let fm = FileManager.default
        if let requested {
            let url = URL(fileURLWithPath: requested).standardizedFileURL
            if fm.fileExists(atPath: url.path) {
                throw RunError("\(url.path) already exists; choose another --out (finished runs are never overwritten)")
            }
            return url
        }
        var n = 1
        while true {
            let url = URL(fileURLWithPath: n == 1 ? defaultName : "\(defaultName)-\(n)").standardizedFileURL
            // A `.partial` another process is writing is not free; a killed one is (it is resumed).
            if !fm.fileExists(atPath: url.path), !ExclusiveLock.isHeld(partial(url).appendingPathComponent(lockName)) { return url }
            n += 1
        }
    }

    public static func partial(_ out: URL) -> URL { out.deletingLastPathComponent().appendingPathComponent(out.lastPathComponent + ".partial") }

    /// Creates and locks `<out>.partial`, or locks and reuses it when it belongs to the same
    /// configuration (resume). Another process working in it is named in the error.
    public static func prepareWork(for out: URL, fingerprint: String, monitor: RunMonitor) throws -> Work {
        let fm = FileManager.default
        let work = partial(out)
        let markerURL = work.appendingPathComponent(marker)
        let existed = fm.fileExists(atPath: work.path)
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        let lock: ExclusiveLock
        switch try ExclusiveLock.attempt(work.appendingPathComponent(lockName)) {
        case .acquired(let l): lock = l
        case .held(let holder):
            throw RunError("\(out.path) is being written by \(holder.map { "\($0)" } ?? "another process"); wait for it to finish or choose another --out")
        }
        if let dead = lock.tookOverFrom { monitor.log("took over \(work.lastPathComponent) from \(dead), which is no longer running") }
        if fm.fileExists(atPath: out.path) {
            throw RunError("\(out.path) already exists; choose another --out (finished runs are never overwritten)")
        }
        if existed {
            let previous = (try? String(contentsOf: markerURL, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if previous == fingerprint {
                monitor.log("found an unfinished run with the same configuration: resuming")
                return Work(url: work, lock: lock)
            }
            if previous != nil {
                throw RunError("\(work.path) holds an unfinished run with a different configuration; remove it or choose another --out")
            }
        }
        try Data((fingerprint + "\n").utf8).write(to: markerURL, options: .atomic)
        return Work(url: work, lock: lock)
    }

    /// After a failure: keep the folder only if it holds a checkpoint worth resuming (any of `keeping`).
    public static func abandon(_ work: Work, keeping: [String] = ["train_state.pt"]) {
        if !keeping.contains(where: { FileManager.default.fileExists(atPath: work.appendingPathComponent($0).path) }) {
            try? FileManager.default.removeItem(at: work.url)
        }
        work.lock.release()
    }

    public static func finish(_ work: Work, into out: URL) throws {
        try? FileManager.default.removeItem(at: work.appendingPathComponent(marker))
        try? FileManager.default.removeItem(at: work.appendingPathComponent("train_state.pt"))
        work.lock.release(removingFile: true)
        try FileManager.default.moveItem(at: work.url, to: out)
    }
}
