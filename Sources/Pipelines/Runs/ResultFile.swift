import Foundation

/// A JSON record that names the inputs its result was computed from.
protocol FingerprintedRecord: Codable {
    var fingerprint: String? { get }
}

/// The outputs of a job that writes one result file and a JSON record beside it (`trigger search`,
/// `pgd`, and their suite steps). The record carries the fingerprint of the job's inputs and is written
/// before the result file, which is renamed into place last, so a result beside a record of the same
/// inputs is complete. Running a killed job again resumes it and ends with the same files; running a
/// finished one again reuses them; a file from other inputs (or not from this tool) is never
/// overwritten. While the job runs, `<out>.lock` keeps a second process out.
struct ResultFile<Record: FingerprintedRecord> {
    let out: URL
    let record: URL

    enum State {
        /// Nothing of this job's yet (or an unfinished try of it): compute.
        case toCompute(ExclusiveLock)
        /// Done before with the same inputs.
        case finished(Record)
    }

    /// Locks the output and says what is there; throws when it is another job's or being written.
    func claim(fingerprint: String) throws -> State {
        let fm = FileManager.default
        let lock: ExclusiveLock
        switch try ExclusiveLock.attempt(out.deletingLastPathComponent().appendingPathComponent(out.lastPathComponent + ".lock")) {
        case .acquired(let l): lock = l
        case .held(let holder):
            throw RunError("\(out.path) is being written by \(holder.map { "\($0)" } ?? "another process"); wait for it to finish or choose another --out")
        }
        let recorded = fm.fileExists(atPath: record.path) ? try? JSONFiles.read(Record.self, from: record) : nil
        if let recorded, recorded.fingerprint == fingerprint {
            if fm.fileExists(atPath: out.path) {
                lock.release(removingFile: true)
                return .finished(recorded)
            }
            return .toCompute(lock)
        }
        for file in [out, record] where fm.fileExists(atPath: file.path) {
            lock.release(removingFile: true)
            throw RunError("\(file.path) already exists and was not computed with these inputs; choose another --out or remove it")
        }
        return .toCompute(lock)
    }

    /// Writes the record, then the result (`writeResult(out)`), and releases the lock.
    func commit(_ value: Record, lock: ExclusiveLock, writeResult: (URL) throws -> Void) throws {
        try JSONFiles.write(value, to: record)
        try writeResult(out)
        lock.release(removingFile: true)
    }
}
