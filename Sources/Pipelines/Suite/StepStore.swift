import Foundation
import IQAData
import Torch

/// Content-addressed step folders: `<root>/<kind>-<key>/`, where the key is the FNV-1a 64 of the step's
/// inputs (sorted-key JSON, including the keys of the steps it reads). A finished folder holds
/// `step.json` and is reused as is; work happens in `<folder>.partial`, which the step may resume
/// (checkpoints) and which is renamed only when the step succeeded.
///
/// A step is computed under an exclusive lock (`.locks/<kind>-<key>.lock` in the store), so processes
/// sharing a store (the same suite started twice, cluster jobs on one file system) compute each step
/// once: the second waits for the holder and then reuses the finished step.
///
/// `step.json` also records what the step was computed with (libtorch version, intra-op threads). These
/// are not part of the key, so a step is reused across thread counts, but libtorch's reductions depend on
/// the thread count (measured: one HyperIQA epoch on livec-mini ends at L1 25.30 with 1 thread, 24.20 with
/// 2), so a reused step computed differently is named in the log.
public struct StepStore {
    public let root: URL
    let monitor: RunMonitor
    /// What this process computes with, as recorded in `step.json`'s `computed_with`.
    public let computedWith: [String: String]

    public static var currentComputation: [String: String] {
        Runtime.computeEnvironment
    }

    public init(root: URL, monitor: RunMonitor, computedWith: [String: String] = StepStore.currentComputation) {
        self.root = root
        self.monitor = monitor
        self.computedWith = computedWith
    }

    public struct Step {
        public var kind: String
        public var key: String
        public var folder: URL
        public var reused: Bool
    }

    public static func key<Inputs: Encodable>(_ inputs: Inputs) throws -> String { try Fingerprint.of(inputs) }

    /// Runs `body(workFolder)` unless the step is already done; returns the finished folder.
    @discardableResult
    public func run<Inputs: Encodable>(_ kind: String, inputs: Inputs, describe: String,
                                       body: (URL) throws -> Void) throws -> Step {
        let key = try Self.key(inputs)
        let folder = root.appendingPathComponent("\(kind)-\(key)")
        let marker = folder.appendingPathComponent("step.json")
        let fm = FileManager.default
        if fm.fileExists(atPath: marker.path) {
            monitor.log("\(describe): done before, reusing \(folder.lastPathComponent)\(differences(recordedIn: marker))")
            return Step(kind: kind, key: key, folder: folder, reused: true)
        }
        let locks = root.appendingPathComponent(".locks")
        try fm.createDirectory(at: locks, withIntermediateDirectories: true)
        let lock = try ExclusiveLock.acquire(locks.appendingPathComponent("\(kind)-\(key).lock")) { holder in
            monitor.log("\(describe): \(holder.map { "\($0)" } ?? "another process") is computing this step; waiting for it")
        }
        defer { lock.release() }
        if let dead = lock.tookOverFrom {
            monitor.log("\(describe): took over the lock left by \(dead), which is no longer running")
        }
        if fm.fileExists(atPath: marker.path) {
            monitor.log("\(describe): computed by another process meanwhile, reusing \(folder.lastPathComponent)")
            return Step(kind: kind, key: key, folder: folder, reused: true)
        }
        let work = root.appendingPathComponent("\(kind)-\(key).partial")
        if fm.fileExists(atPath: work.path) {
            monitor.log("\(describe): resuming the unfinished step in \(work.lastPathComponent)")
        } else {
            try fm.createDirectory(at: work, withIntermediateDirectories: true)
            monitor.log("\(describe): step \(folder.lastPathComponent)")
        }
        let t0 = Date()
        try body(work)
        // Seconds of this invocation only: a step resumed after a kill records the time of its last part.
        let seconds = (Date().timeIntervalSince(t0) * 1000).rounded() / 1000
        try JSONFiles.write(StepRecord(kind: kind, key: key, inputs: inputs, computedWith: computedWith, seconds: seconds),
                            to: work.appendingPathComponent("step.json"), keys: .snakeCase)
        if fm.fileExists(atPath: folder.path) { try fm.removeItem(at: folder) }   // a folder without step.json is debris
        try fm.moveItem(at: work, to: folder)
        return Step(kind: kind, key: key, folder: folder, reused: false)
    }

    /// " (computed with threads 1, this run 2; …)" when the finished step was computed differently from
    /// this process; "" when the same, or when its `step.json` predates `computed_with`.
    func differences(recordedIn marker: URL) -> String {
        struct Recorded: Decodable { var computedWith: [String: String]? }
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        guard let bytes = try? Data(contentsOf: marker), let then = (try? d.decode(Recorded.self, from: bytes))?.computedWith else { return "" }
        let changed = computedWith.keys.sorted().filter { then[$0] != nil && then[$0] != computedWith[$0] }
        guard !changed.isEmpty else { return "" }
        let list = changed.map { "\($0) \(then[$0]!), this run \(computedWith[$0]!)" }.joined(separator: "; ")
        return " (computed with \(list): a fresh run of this step would not give the same numbers)"
    }

    struct StepRecord<Inputs: Encodable>: Encodable {
        var kind: String
        var key: String
        var inputs: Inputs
        var computedWith: [String: String]
        var seconds: Double
    }

    /// The seconds a finished step's last invocation took (nil: not finished, or recorded before step.json held them).
    public func recordedSeconds(of folder: String) -> Double? {
        struct Recorded: Decodable { var seconds: Double? }
        guard let bytes = try? Data(contentsOf: root.appendingPathComponent(folder).appendingPathComponent("step.json")) else { return nil }
        return (try? JSONDecoder().decode(Recorded.self, from: bytes))?.seconds
    }
}
