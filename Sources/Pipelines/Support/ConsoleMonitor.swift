import Dispatch
import IQAData
import Foundation

/// Prints log lines and progress (with an ETA) to stderr and appends log lines to a file.
public final class ConsoleMonitor: RunMonitor {
    private var logFile: URL?
    private var stage = ""
    private var stageStart = DispatchTime.now()
    private var lastPrint = DispatchTime(uptimeNanoseconds: 0)
    private let interactive = isatty(STDERR_FILENO) != 0
    /// Progress arrives from worker threads (parallel decoding): one lock keeps the stage clock consistent.
    private let lock = NSLock()

    public init(logFile: URL? = nil) { self.logFile = logFile }

    public func log(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        clearProgressLine()
        FileHandle.standardError.write(Data((line + "\n").utf8))
        appendToFile(line)
    }

    private func appendToFile(_ line: String) {
        guard let logFile else { return }
        let stamped = "[\(ISO8601DateFormatter().string(from: Date()))] \(line)\n"
        if let h = try? FileHandle(forWritingTo: logFile) {
            h.seekToEndOfFile()
            h.write(Data(stamped.utf8))
            try? h.close()
        } else {
            try? Data(stamped.utf8).write(to: logFile)
        }
    }

    public func progress(stage: String, done: Int, total: Int, detail: String) {
        lock.lock()
        defer { lock.unlock() }
        let now = DispatchTime.now()
        if stage != self.stage {
            self.stage = stage
            stageStart = now
        }
        // Interactive: redraw at most 10×/s; logs and pipes: a line every 10 s and at the end.
        let minGap: UInt64 = interactive ? 100_000_000 : 10_000_000_000
        guard done == total || now.uptimeNanoseconds &- lastPrint.uptimeNanoseconds >= minGap else { return }
        lastPrint = now
        let elapsed = Double(now.uptimeNanoseconds.subtractingReportingOverflow(stageStart.uptimeNanoseconds).overflow
                             ? 0 : now.uptimeNanoseconds - stageStart.uptimeNanoseconds) / 1e9
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let percent = total > 0 ? 100 * done / total : 100
        let text = "\(stage): \(done)/\(total) (\(percent)%) \(detail) elapsed \(Self.clock(elapsed)) ETA \(Self.clock(eta))"
        if interactive {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text + (done == total ? "\n" : "")).utf8))
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    public func stageFinished(_ stage: String, seconds: Double) {}

    public func copyLog(to file: URL?) {
        lock.lock()
        defer { lock.unlock() }
        logFile = file
    }

    private func clearProgressLine() {
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    public static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
