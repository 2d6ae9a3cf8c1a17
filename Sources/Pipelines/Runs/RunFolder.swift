import IQAData
import Foundation

/// Run folders are written as `<out>.partial` and renamed to `<out>` only when complete, so a
/// finished-looking folder is always a finished run; a `.partial` with checkpoints is resumable.
public enum RunFolder {
    public static let marker = ".fingerprint"

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
            if !fm.fileExists(atPath: url.path) { return url }
            n += 1
        }
    }

    public static func partial(_ out: URL) -> URL { out.deletingLastPathComponent().appendingPathComponent(out.lastPathComponent + ".partial") }

    /// Creates `<out>.partial`, or reuses it when it belongs to the same configuration (resume).
    public static func prepareWork(for out: URL, fingerprint: String, monitor: RunMonitor) throws -> URL {
        let fm = FileManager.default
        let work = partial(out)
        let markerURL = work.appendingPathComponent(marker)
        if fm.fileExists(atPath: work.path) {
            let previous = (try? String(contentsOf: markerURL, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if previous == fingerprint {
                monitor.log("found an unfinished run with the same configuration: resuming")
                return work
            }
            throw RunError("\(work.path) holds an unfinished run with a different configuration; remove it or choose another --out")
        }
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        try Data((fingerprint + "\n").utf8).write(to: markerURL, options: .atomic)
        return work
    }

    /// After a failure: keep the folder only if it holds a checkpoint worth resuming.
    public static func abandon(_ work: URL) {
        if !FileManager.default.fileExists(atPath: work.appendingPathComponent("train_state.pt").path) {
            try? FileManager.default.removeItem(at: work)
        }
    }

    public static func finish(_ work: URL, into out: URL) throws {
        try? FileManager.default.removeItem(at: work.appendingPathComponent(marker))
        try? FileManager.default.removeItem(at: work.appendingPathComponent("train_state.pt"))
        try FileManager.default.moveItem(at: work, to: out)
    }
}
