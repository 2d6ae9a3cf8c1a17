import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a lock file, so that a run folder or a suite step never has two writers (a
/// user who starts the same suite twice, cluster jobs sharing a step store). It is a `flock(2)` on the
/// file — Linux's NFS client turns that into a lock at the server — so the kernel frees it when the
/// holder dies, however it dies: a lock of a dead process is simply free. While held, the file says
/// who holds it (pid, host, start time), for the message of a process that finds it taken; a holder
/// that died leaves that text behind, which the next holder reports as the lock it took over.
public final class ExclusiveLock {
    public let file: URL
    private var fd: Int32
    /// The holder recorded in the file when this process took it over from a process that died.
    public let tookOverFrom: Holder?

    public struct Holder: CustomStringConvertible, Equatable {
        public var pid: Int32
        public var host: String
        public var since: String
        public var description: String { "pid \(pid) on host \(host) (since \(since))" }

        static var current: Holder {
            Holder(pid: getpid(), host: ProcessInfo.processInfo.hostName,
                   since: ISO8601DateFormatter().string(from: Date()))
        }

        init(pid: Int32, host: String, since: String) {
            self.pid = pid
            self.host = host
            self.since = since
        }

        init?(text: String) {
            let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 2).map(String.init)
            guard parts.count == 3, let pid = Int32(parts[0]) else { return nil }
            self.init(pid: pid, host: parts[1], since: parts[2])
        }

        var text: String { "\(pid) \(host) \(since)\n" }
    }

    private init(file: URL, fd: Int32, tookOverFrom: Holder?) {
        self.file = file
        self.fd = fd
        self.tookOverFrom = tookOverFrom
    }

    public enum Attempt {
        case acquired(ExclusiveLock)
        /// Another process holds it (as its file says, when it could be read).
        case held(by: Holder?)
    }

    /// One attempt, without waiting. The file is created when missing (its folder must exist).
    public static func attempt(_ file: URL) throws -> Attempt {
        while true {
            let fd = open(file.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw RunError("\(file.path): cannot open the lock file (\(String(cString: strerror(errno))))") }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let reason = errno
                let holder = Holder(text: readText(fd))
                close(fd)
                if reason == EWOULDBLOCK { return .held(by: holder) }
                throw RunError("\(file.path): cannot lock (\(String(cString: strerror(reason))))")
            }
            // The holder before us may have removed the file (a finished run folder): a lock on an
            // unlinked file guards nothing, so lock the file that is there now.
            var opened = stat(), named = stat()
            guard fstat(fd, &opened) == 0, stat(file.path, &named) == 0, opened.st_ino == named.st_ino, opened.st_dev == named.st_dev else {
                close(fd)
                continue
            }
            let previous = Holder(text: readText(fd))
            let me = Holder.current
            let bytes = Array(me.text.utf8)
            guard ftruncate(fd, 0) == 0, pwrite(fd, bytes, bytes.count, 0) == bytes.count else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw RunError("\(file.path): cannot write the lock file (\(reason))")
            }
            return .acquired(ExclusiveLock(file: file, fd: fd, tookOverFrom: previous))
        }
    }

    /// Waits until the lock is free, calling `waiting(holder)` once when it is not; polls every `poll` seconds.
    public static func acquire(_ file: URL, poll: Double = 0.5, waiting: (Holder?) -> Void) throws -> ExclusiveLock {
        var told = false
        while true {
            switch try attempt(file) {
            case .acquired(let lock): return lock
            case .held(let holder):
                if !told { waiting(holder); told = true }
                usleep(useconds_t(poll * 1_000_000))
            }
        }
    }

    /// Whether another process holds the lock now (false when the file does not exist).
    public static func isHeld(_ file: URL) -> Bool {
        guard FileManager.default.fileExists(atPath: file.path), case .held? = try? attempt(file) else {
            // A successful attempt took the lock: `attempt`'s lock is released when it is dropped.
            return false
        }
        return true
    }

    /// Clears the holder text and releases the lock (also on deinit). With `removingFile`, the lock
    /// file is deleted first, while still held (for a run folder that is about to be renamed).
    public func release(removingFile: Bool = false) {
        guard fd >= 0 else { return }
        if removingFile { unlink(file.path) } else { _ = ftruncate(fd, 0) }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }

    private static func readText(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = pread(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }
}
