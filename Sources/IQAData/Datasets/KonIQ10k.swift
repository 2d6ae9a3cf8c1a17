import Foundation

/// KonIQ-10k in its release layout: a CSV list at the root and the images in a folder per size,
/// `1024x768/` (originals) or `512x384/` (half size, what the BAIQA code reads).
///
/// The list is `koniq10k_scores_and_distributions.csv` when present (the BAIQA code's file), else
/// `koniq10k_distributions_sets.csv`; names come from `image_name` and labels from `MOS_zscore`
/// (KonIQ's 0–100 scale; the `MOS` column is on 1–5). The official train/validation/test split
/// is the `set` column, which `officialSplit` turns into a `DatasetSplit`.
public struct KonIQ10kDataset: IQADatasetSource {
    public enum Resolution: String, Sendable, CaseIterable, Codable {
        case full = "1024x768"
        case half = "512x384"
    }

    /// Which official subsets make up the test list (spec §2.2: the BAIQA code tests on everything
    /// that is not training, i.e. validation + test; the release's own test set is 2,015 images).
    public enum TestSets: String, Sendable, CaseIterable, Codable {
        case validationAndTest = "validation+test"
        case testOnly = "test"
    }

    public static let scoresCSVName = "koniq10k_scores_and_distributions.csv"
    public static let setsCSVName = "koniq10k_distributions_sets.csv"

    public var root: URL
    /// nil: whichever image folder exists, preferring 512x384.
    public var resolution: Resolution?
    public var nameColumn: String
    public var scoreColumn: String

    public init(root: URL, resolution: Resolution? = nil, nameColumn: String = "image_name",
                scoreColumn: String = "MOS_zscore") {
        self.root = root
        self.resolution = resolution
        self.nameColumn = nameColumn
        self.scoreColumn = scoreColumn
    }

    /// The score list in use: the scores file if it exists, else the sets file.
    public func listURL() throws -> URL {
        for name in [Self.scoresCSVName, Self.setsCSVName] {
            let url = root.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        throw DatasetError(file: root.path, "no KonIQ-10k list: neither \(Self.scoresCSVName) nor \(Self.setsCSVName) is there")
    }

    /// The image folder in use (see `resolution`).
    public func imagesFolder() throws -> URL {
        let candidates = resolution.map { [$0] } ?? [.half, .full]
        for candidate in candidates {
            let url = root.appendingPathComponent(candidate.rawValue)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return url
            }
        }
        let wanted = candidates.map { "\($0.rawValue)/" }.joined(separator: " or ")
        throw DatasetError(file: root.path, "no KonIQ-10k image folder \(wanted)")
    }

    public func load(mode: DatasetLoadMode) throws -> DatasetLoadResult {
        try DatasetError.requireFolder(root, "KonIQ-10k folder", article: "the")
        let list = try listURL()
        let images = try imagesFolder()
        let table = try ScoreTable.read(list)
        var collector = SampleCollector(mode: mode, listFile: list.path)
        try table.entries(nameColumn: nameColumn, scoreColumn: scoreColumn, collector: &collector) {
            line, name, score, rawScore, collector in
            try collector.add(name: name, url: images.appendingPathComponent(name), score: score,
                              place: "line \(line)", scoreText: "\"\(rawScore)\" in column \"\(scoreColumn)\"")
        }
        return try collector.finish()
    }

    /// The official split from the `set` column (of the sets file, or of the list if it has one):
    /// `training` → train, and `validation`/`test` → test as `testSets` says, each in list order.
    public func officialSplit(testSets: TestSets = .validationAndTest) throws -> DatasetSplit {
        let setsURL = root.appendingPathComponent(Self.setsCSVName)
        let url = FileManager.default.fileExists(atPath: setsURL.path) ? setsURL : try listURL()
        let table = try ScoreTable.read(url)
        guard table.hasColumn("set") else {
            throw DatasetError(file: url.path, "no column \"set\" (the official split is in \(Self.setsCSVName))")
        }
        let nameIndex = try table.column(nameColumn)
        let setIndex = try table.column("set")
        var train: [String] = [], test: [String] = []
        var seen: Set<String> = []
        for record in table.rows {
            guard record.fields.count > max(nameIndex, setIndex) else {
                throw DatasetError(file: url.path, "line \(record.line): \(record.fields.count) fields, but the header has \(table.columns.count)")
            }
            let name = ScoreTable.trimmed(record.fields[nameIndex])
            guard !name.isEmpty else { throw DatasetError(file: url.path, "line \(record.line): empty image name") }
            guard seen.insert(name).inserted else {
                throw DatasetError(file: url.path, "line \(record.line): image \"\(name)\" is listed twice")
            }
            let set = ScoreTable.trimmed(record.fields[setIndex])
            switch set.lowercased() {
            case "training", "train": train.append(name)
            case "test": test.append(name)
            case "validation", "val":
                if testSets == .validationAndTest { test.append(name) }
            default:
                throw DatasetError(file: url.path,
                                   "line \(record.line): set \"\(set)\" is not training, validation or test")
            }
        }
        guard !train.isEmpty, !test.isEmpty else {
            throw DatasetError(file: url.path, "the set column gives \(train.count) training and \(test.count) test images")
        }
        return DatasetSplit(train: train, test: test)
    }
}

extension DatasetKind {
    public static let koniq = DatasetKind(
        name: "koniq", summary: "KonIQ-10k in its release layout (scores CSV, 1024x768/ or 512x384/ images; --koniq-resolution)",
        open: { spec in
            let resolution = try spec.koniqResolution.map { value -> KonIQ10kDataset.Resolution in
                guard let r = KonIQ10kDataset.Resolution(rawValue: value) else {
                    throw DatasetError(file: spec.root, "unknown KonIQ-10k resolution '\(value)' (1024x768 or 512x384)")
                }
                return r
            }
            return KonIQ10kDataset(root: URL(fileURLWithPath: spec.root), resolution: resolution)
        })
}
