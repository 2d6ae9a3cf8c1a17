import Foundation

/// Content-addressed step folders: `<root>/<kind>-<key>/`, where the key is the FNV-1a 64 of the step's
/// inputs (sorted-key JSON, including the keys of the steps it reads). A finished folder holds
/// `step.json` and is reused as is; work happens in `<folder>.partial`, which the step may resume
/// (checkpoints) and which is renamed only when the step succeeded.
public struct StepStore {
    public let root: URL
    let monitor: RunMonitor

    public init(root: URL, monitor: RunMonitor) {
        self.root = root
        self.monitor = monitor
    }

    public struct Step {
        public var kind: String
        public var key: String
        public var folder: URL
        public var reused: Bool
    }

    public static func key<Inputs: Encodable>(_ inputs: Inputs) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return ExperimentConfig.fnv1a64(try e.encode(inputs))
    }

    /// Runs `body(workFolder)` unless the step is already done; returns the finished folder.
    @discardableResult
    public func run<Inputs: Encodable>(_ kind: String, inputs: Inputs, describe: String,
                                       body: (URL) throws -> Void) throws -> Step {
        let key = try Self.key(inputs)
        let folder = root.appendingPathComponent("\(kind)-\(key)")
        let marker = folder.appendingPathComponent("step.json")
        let fm = FileManager.default
        if fm.fileExists(atPath: marker.path) {
            monitor.log("\(describe): done before, reusing \(folder.lastPathComponent)")
            return Step(kind: kind, key: key, folder: folder, reused: true)
        }
        let work = root.appendingPathComponent("\(kind)-\(key).partial")
        if fm.fileExists(atPath: work.path) {
            monitor.log("\(describe): resuming the unfinished step in \(work.lastPathComponent)")
        } else {
            try fm.createDirectory(at: work, withIntermediateDirectories: true)
            monitor.log("\(describe): step \(folder.lastPathComponent)")
        }
        try body(work)
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.keyEncodingStrategy = .convertToSnakeCase
        try e.encode(StepRecord(kind: kind, key: key, inputs: inputs)).write(to: work.appendingPathComponent("step.json"), options: .atomic)
        if fm.fileExists(atPath: folder.path) { try fm.removeItem(at: folder) }   // a folder without step.json is debris
        try fm.moveItem(at: work, to: folder)
        return Step(kind: kind, key: key, folder: folder, reused: false)
    }

    struct StepRecord<Inputs: Encodable>: Encodable {
        var kind: String
        var key: String
        var inputs: Inputs
    }
}
