import Foundation

/// The dataset layout every command accepts: a root folder of images and a CSV file (by default
/// `root/scores.csv`) with a header line, one row per image, a name column (default `image`) and a
/// score column (default `mos`); other columns are ignored.
///
/// Path rule: a name in the CSV is the image's path **relative to the root folder**, e.g.
/// `images/00000.png` (an absolute path is used as it is). This is the layout
/// `BuiltinDatasetGenerator` writes.
///
/// `load()` checks everything up front and fails with one line naming the file and the problem:
/// missing root or CSV, missing column, a score that is not a number or not finite (with its line),
/// an image listed but missing, a name listed twice, or no images at all.
/// `load(mode: .collectProblems)` lists every bad entry instead (for reports).
public struct FolderDataset: IQADatasetSource {
    public var root: URL
    public var csv: URL
    public var nameColumn: String
    public var scoreColumn: String

    public static let defaultCSVName = "scores.csv"

    public init(root: URL, csv: URL? = nil, nameColumn: String = "image", scoreColumn: String = "mos") {
        self.root = root
        self.csv = csv ?? root.appendingPathComponent(Self.defaultCSVName)
        self.nameColumn = nameColumn
        self.scoreColumn = scoreColumn
    }

    /// Where the image named `name` in the CSV lives.
    public func url(forImageNamed name: String) -> URL {
        name.hasPrefix("/") ? URL(fileURLWithPath: name) : root.appendingPathComponent(name)
    }

    public func load() throws -> [IQASample] {
        try load(mode: .failFast).samples
    }

    public func load(mode: DatasetLoadMode) throws -> DatasetLoadResult {
        try DatasetError.requireFolder(root, "dataset folder", article: "a")
        let table = try ScoreTable.read(csv)
        var collector = SampleCollector(mode: mode, listFile: csv.path)
        try table.entries(nameColumn: nameColumn, scoreColumn: scoreColumn, collector: &collector) {
            line, name, score, rawScore, collector in
            try collector.add(name: name, url: url(forImageNamed: name), score: score, place: "line \(line)",
                              scoreText: "\"\(rawScore)\" in column \"\(scoreColumn)\"")
        }
        return try collector.finish()
    }
}
