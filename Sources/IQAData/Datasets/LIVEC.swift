import Foundation

/// The LIVE In the Wild Image Quality Challenge database (LIVEC, CLIVE) in its release layout:
/// `root/Data/AllImages_release.mat` (a cell array of file names), `root/Data/AllMOS_release.mat`
/// (the MOS of each, same order) and the images under `root/Images/<name>`.
///
/// As in the BAIQA code, the first 7 entries (`t1.bmp`…`t7.bmp`, the images used to train the
/// study's subjects, under `Images/trainingImages/` in the release) are skipped: dataset index i
/// is .mat entry i + 7, which is what the official split's indices count. Labels are the raw MOS
/// (0–100). Sample names are the names in the .mat file.
public struct LIVECDataset: IQADatasetSource {
    public var root: URL

    public static let namesFile = "Data/AllImages_release.mat"
    public static let scoresFile = "Data/AllMOS_release.mat"
    public static let namesVariable = "AllImages_release"
    public static let scoresVariable = "AllMOS_release"
    /// Entries at the start of the lists that are not part of the dataset (t1…t7).
    public static let skippedEntries = 7

    public init(root: URL) {
        self.root = root
    }

    public var namesURL: URL { root.appendingPathComponent(Self.namesFile) }
    public var scoresURL: URL { root.appendingPathComponent(Self.scoresFile) }

    /// Where the image named `name` in the .mat file lives.
    public func url(forImageNamed name: String) -> URL {
        root.appendingPathComponent("Images").appendingPathComponent(name)
    }

    /// The dataset's image names in dataset-index order (t1…t7 skipped): what official index files
    /// refer to. Reads only the names file.
    public func imageNames() throws -> [String] {
        let names = try readNames()
        return Array(names.dropFirst(Self.skippedEntries))
    }

    public func load(mode: DatasetLoadMode) throws -> DatasetLoadResult {
        try DatasetError.requireFolder(root, "LIVEC folder", article: "the")
        let names = try readNames()
        let scores = try readScores()
        guard names.count == scores.count else {
            throw DatasetError(file: scoresURL.path,
                               "holds \(scores.count) scores but \(Self.namesFile) lists \(names.count) names (the lists must be aligned)")
        }
        var collector = SampleCollector(mode: mode, listFile: namesURL.path)
        for i in Self.skippedEntries..<names.count {
            let name = names[i]
            let place = "entry \(i + 1)"
            guard !name.isEmpty else {
                try collector.report(.badEntry, "\(place): empty image name")
                continue
            }
            try collector.add(name: name, url: url(forImageNamed: name), score: scores[i], place: place,
                              scoreText: "\(scores[i]) (\(Self.scoresFile))")
        }
        return try collector.finish()
    }

    private func readNames() throws -> [String] {
        let value = try variable(Self.namesVariable, in: namesURL)
        guard case .strings(let names) = value else {
            throw DatasetError(file: namesURL.path, "variable \"\(Self.namesVariable)\" is \(value.summary), expected a cell array of file names")
        }
        let training = (1...Self.skippedEntries).map { "t\($0).bmp" }
        guard names.count > Self.skippedEntries, Array(names.prefix(Self.skippedEntries)) == training else {
            let found = names.prefix(Self.skippedEntries).joined(separator: ", ")
            throw DatasetError(file: namesURL.path,
                               "the first \(Self.skippedEntries) entries should be the training images t1.bmp…t7.bmp followed by the dataset, found [\(found)] (\(names.count) entries)")
        }
        return names
    }

    private func readScores() throws -> [Double] {
        let value = try variable(Self.scoresVariable, in: scoresURL)
        guard case .doubles(let scores, let dims) = value, dims.filter({ $0 != 1 }).count <= 1 else {
            throw DatasetError(file: scoresURL.path, "variable \"\(Self.scoresVariable)\" is \(value.summary), expected a vector of scores")
        }
        return scores
    }

    private func variable(_ name: String, in url: URL) throws -> MATValue {
        let variables = try MATFile.read(url)
        guard let value = variables[name] else {
            let found = variables.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            throw DatasetError(file: url.path, "no variable \"\(name)\" (variables: \(found.isEmpty ? "none" : found))")
        }
        return value
    }
}

extension DatasetKind {
    public static let livec = DatasetKind(
        name: "livec", summary: "LIVE In the Wild (CLIVE) in its release layout (Data/*.mat, Images/)",
        open: { spec in LIVECDataset(root: URL(fileURLWithPath: spec.root)) })
}
