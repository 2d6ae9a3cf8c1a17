import Foundation

/// Why a dataset could not be loaded or generated: one line naming the file (or folder) and the
/// problem, e.g. `data/scores.csv: line 7: score "n/a" in column "mos" is not a number`.
public struct DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var problem: String

    public init(file: String, _ problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }

    /// Fails unless `root` is an existing folder: "<root>: <name> does not exist" or "is a file, not <article> <name>".
    public static func requireFolder(_ root: URL, _ name: String, article: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw DatasetError(file: root.path, "\(name) does not exist")
        }
        guard isDirectory.boolValue else { throw DatasetError(file: root.path, "is a file, not \(article) \(name)") }
    }
}
