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
}
