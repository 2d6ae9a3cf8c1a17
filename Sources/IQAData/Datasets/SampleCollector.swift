import Foundation

/// The per-entry checks every list-based loader shares: a finite score, a name not seen before,
/// an image file that exists. Depending on the mode a problem is thrown at once or recorded and
/// the entry left out, so that all loaders word and treat problems alike.
struct SampleCollector {
    let mode: DatasetLoadMode
    /// The list file (CSV or .mat) problems are reported against.
    let listFile: String
    private(set) var samples: [IQASample] = []
    private(set) var problems: [DatasetProblem] = []
    /// Standardised image path -> where it was first listed ("line 3", "entry 12").
    private var firstSeen: [String: String] = [:]

    init(mode: DatasetLoadMode, listFile: String) {
        self.mode = mode
        self.listFile = listFile
    }

    /// Records `problem`, or throws it as a `DatasetError` when failing fast.
    mutating func report(_ problem: DatasetProblem) throws {
        if mode == .failFast { throw DatasetError(file: problem.file, problem.message) }
        problems.append(problem)
    }

    mutating func report(_ kind: DatasetProblem.Kind, name: String? = nil, _ message: String) throws {
        try report(DatasetProblem(kind, file: listFile, name: name, message))
    }

    /// Checks one entry and keeps it when it is sound. `place` says where it is listed ("line 7");
    /// `scoreText` is how the score is written, for the message about a non-finite one.
    mutating func add(name: String, url: URL, score: Double, place: String, scoreText: String) throws {
        guard score.isFinite else {
            try report(.nonFiniteScore, name: name, "\(place): score \(scoreText) is not finite")
            return
        }
        let key = url.standardizedFileURL.path
        if let previous = firstSeen[key] {
            try report(.duplicateName, name: name, "\(place): image \"\(name)\" is listed twice (also on \(previous))")
            return
        }
        firstSeen[key] = place
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            try report(.missingFile, name: name, "\(place): image \"\(name)\" is listed but missing (\(url.path))")
            return
        }
        samples.append(IQASample(name: name, url: url, score: score))
    }

    /// The result; an empty list is an error when failing fast (nothing to train on) and a
    /// problem otherwise.
    mutating func finish() throws -> DatasetLoadResult {
        if samples.isEmpty && problems.isEmpty {
            throw DatasetError(file: listFile, "no images listed (empty dataset)")
        }
        if samples.isEmpty && mode == .failFast {
            throw DatasetError(file: listFile, "no usable images (empty dataset)")
        }
        return DatasetLoadResult(samples: samples, problems: problems)
    }
}
