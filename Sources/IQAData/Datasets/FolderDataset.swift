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
public struct FolderDataset: Sendable {
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
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw DatasetError(file: root.path, "dataset folder does not exist")
        }
        guard isDirectory.boolValue else { throw DatasetError(file: root.path, "is a file, not a dataset folder") }
        guard fm.fileExists(atPath: csv.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw DatasetError(file: csv.path, "score list (CSV) does not exist")
        }
        let text: String
        do {
            text = try String(contentsOf: csv, encoding: .utf8)
        } catch {
            throw DatasetError(file: csv.path, "cannot read the CSV as UTF-8 text")
        }
        let records: [CSV.Record]
        do { records = try CSV.parse(text) } catch let error as CSV.ParseError {
            throw DatasetError(file: csv.path, error.description)
        }
        guard let header = records.first else { throw DatasetError(file: csv.path, "empty CSV (no header line)") }

        let columns = header.fields.map(Self.trimmed)
        func column(_ name: String) throws -> Int {
            guard let index = columns.firstIndex(of: name) else {
                let known = columns.map { "\"\($0)\"" }.joined(separator: ", ")
                throw DatasetError(file: csv.path, "no column \"\(name)\" in the header (columns: \(known))")
            }
            return index
        }
        let nameIndex = try column(nameColumn)
        let scoreIndex = try column(scoreColumn)

        var samples: [IQASample] = []
        var firstLine: [String: Int] = [:] // standardised path -> line, to catch duplicates
        for record in records.dropFirst() {
            let line = record.line
            guard record.fields.count > max(nameIndex, scoreIndex) else {
                throw DatasetError(file: csv.path, "line \(line): \(record.fields.count) fields, but the header has \(columns.count)")
            }
            let name = Self.trimmed(record.fields[nameIndex])
            guard !name.isEmpty else {
                throw DatasetError(file: csv.path, "line \(line): empty image name in column \"\(nameColumn)\"")
            }
            let rawScore = Self.trimmed(record.fields[scoreIndex])
            guard let score = Double(rawScore) else {
                throw DatasetError(file: csv.path, "line \(line): score \"\(rawScore)\" in column \"\(scoreColumn)\" is not a number")
            }
            guard score.isFinite else {
                throw DatasetError(file: csv.path, "line \(line): score \"\(rawScore)\" in column \"\(scoreColumn)\" is not finite")
            }
            let url = url(forImageNamed: name)
            let key = url.standardizedFileURL.path
            if let previous = firstLine[key] {
                throw DatasetError(file: csv.path, "line \(line): image \"\(name)\" is listed twice (also on line \(previous))")
            }
            firstLine[key] = line
            guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw DatasetError(file: csv.path, "line \(line): image \"\(name)\" is listed but missing (\(url.path))")
            }
            samples.append(IQASample(name: name, url: url, score: score))
        }
        guard !samples.isEmpty else { throw DatasetError(file: csv.path, "no images listed (empty dataset)") }
        return samples
    }

    private static func trimmed(_ s: String) -> String {
        s.trimmingCharacters(in: .whitespaces)
    }
}
