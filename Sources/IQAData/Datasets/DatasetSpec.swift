import Foundation

/// Which dataset a run uses and how to open it: a kind from `DatasetRegistry`, its root folder and the
/// kind's options. Stored in run manifests and hashed into run and step fingerprints, so its encoded
/// keys never change (new fields are optional).
public struct DatasetSpec: Codable, Equatable, Sendable {
    /// A `DatasetRegistry` kind: builtin (generated on demand), folder (images + score CSV), livec, koniq.
    public var kind: String = "builtin"
    public var root: String = "data/builtin"
    public var csv: String = "scores.csv"
    public var nameColumn: String = "image"
    public var scoreColumn: String = "mos"
    public var builtinCount: Int = 600
    public var builtinSize: Int = 256
    public var builtinSeed: UInt64 = 0
    /// KonIQ-10k image folder: "1024x768" or "512x384" (nil: whichever exists, preferring 512x384).
    public var koniqResolution: String?
    /// A split file (JSON: train, test, optional poisoned_subset); nil → seeded random split.
    public var splitFile: String?
    public var splitFingerprint: String?
    /// Drop split images missing from the dataset (with a warning) instead of failing.
    public var dropMissing = false
    public init() {}

    /// The loader for this dataset's layout (an unknown kind is an error naming the known ones).
    public func source() throws -> IQADatasetSource {
        try DatasetRegistry.kind(named: kind, file: root).open(self)
    }

    /// Generates the dataset first when its kind does that on demand (builtin) and the root is absent.
    public func prepare(monitor: RunMonitor) throws {
        guard let generate = try DatasetRegistry.kind(named: kind, file: root).generateOnDemand,
              !FileManager.default.fileExists(atPath: root) else { return }
        try generate(self, monitor)
    }

    /// Records a split file by its standardised path and the fingerprint of its bytes (so that a changed
    /// file changes every run fingerprint that contains this spec). `key` names the setting in errors.
    public mutating func useSplitFile(_ path: String, key: String) throws {
        let url = URL(fileURLWithPath: path)
        guard let bytes = try? Data(contentsOf: url) else { throw DatasetError(file: path, "\(key): cannot read the split file") }
        splitFile = url.standardizedFileURL.path
        splitFingerprint = Fingerprint.fnv1a64(bytes)
    }
}
