import Foundation

/// Whole-file writes that never leave a half-written file under the final name: the bytes go to a
/// hidden temporary file in the same folder (same file system, so rename(2) is atomic), which then
/// replaces the target. An interrupted run leaves at worst a stray `.name.tmp-…` file.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temp = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UUID().uuidString.prefix(8))")
        do {
            try Data(bytes).write(to: temp)
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw ImageError(.writeFailed, file: url.path, "cannot write: \(Self.reason(error))")
        }
        if rename(temp.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temp)
            throw ImageError(.writeFailed, file: url.path, "cannot move the finished file into place: \(reason)")
        }
    }

    /// The most specific text Foundation gives for a failed write (e.g. "No such file or directory").
    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.localizedDescription
        }
        return ns.localizedDescription
    }
}
