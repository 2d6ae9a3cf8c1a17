import Foundation

/// One dataset layout the tool can open, as the model registry has one entry per architecture. A new
/// dataset is a loader file that declares its `DatasetKind` (e.g. `extension DatasetKind { static let … }`)
/// plus one line in `DatasetRegistry.kinds`.
public struct DatasetKind: Sendable {
    public let name: String
    /// One line for `--help` and listings.
    public let summary: String
    /// Where the dataset lives when no root is given (nil: a root is required).
    public let defaultRoot: String?
    /// Builds the loader from a spec (its root and the options the kind reads).
    public let open: @Sendable (DatasetSpec) throws -> IQADatasetSource
    /// Writes the dataset into the spec's root when it is absent (nil: the data must exist).
    public let generateOnDemand: (@Sendable (DatasetSpec, RunMonitor) throws -> Void)?

    public init(name: String, summary: String, defaultRoot: String? = nil,
                open: @escaping @Sendable (DatasetSpec) throws -> IQADatasetSource,
                generateOnDemand: (@Sendable (DatasetSpec, RunMonitor) throws -> Void)? = nil) {
        self.name = name
        self.summary = summary
        self.defaultRoot = defaultRoot
        self.open = open
        self.generateOnDemand = generateOnDemand
    }
}

public enum DatasetRegistry {
    /// Every dataset kind, in the order listings show them.
    public static let kinds: [DatasetKind] = [.builtin, .folder, .livec, .koniq]

    public static var names: [String] { kinds.map(\.name) }

    /// The kind called `name`; `file` is what the error names (a root, a config key).
    public static func kind(named name: String, file: String = "dataset") throws -> DatasetKind {
        guard let kind = kinds.first(where: { $0.name == name }) else {
            throw DatasetError(file: file, "unknown dataset kind '\(name)' (\(names.joined(separator: ", ")))")
        }
        return kind
    }
}

extension DatasetKind {
    /// Images plus a score CSV (`FolderDataset`).
    public static let folder = DatasetKind(
        name: "folder", summary: "any folder of images with a score CSV (--csv, --name-column, --score-column)",
        open: { spec in
            let root = URL(fileURLWithPath: spec.root)
            return FolderDataset(root: root, csv: root.appendingPathComponent(spec.csv), nameColumn: spec.nameColumn, scoreColumn: spec.scoreColumn)
        })
}
