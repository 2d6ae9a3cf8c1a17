/// How a loader treats a bad entry (missing image, duplicate name, unusable score). Training must
/// not start on a damaged dataset, so the default stops at the first problem; a report (`dataset
/// info`) wants to list every problem at once. Problems that leave nothing to load (no list file,
/// a missing column, an unreadable .mat) are thrown in both modes.
public enum DatasetLoadMode: String, Sendable, CaseIterable {
    /// Throw a `DatasetError` at the first problem.
    case failFast
    /// Leave bad entries out and return every problem with the good samples.
    case collectProblems
}

/// What a loader returns: the usable samples, in list order, and (in `.collectProblems` mode)
/// every problem met, in list order. With `.failFast` `problems` is always empty.
public struct DatasetLoadResult: Equatable, Sendable {
    public var samples: [IQASample]
    public var problems: [DatasetProblem]

    public init(samples: [IQASample], problems: [DatasetProblem] = []) {
        self.samples = samples
        self.problems = problems
    }
}

/// A dataset layout that yields IQA samples (a folder with a CSV, LIVEC, KonIQ-10k), so that
/// commands can take any of them.
public protocol IQADatasetSource: Sendable {
    func load(mode: DatasetLoadMode) throws -> DatasetLoadResult
}

extension IQADatasetSource {
    /// All samples, failing at the first problem (what training needs).
    public func load() throws -> [IQASample] {
        try load(mode: .failFast).samples
    }
}
