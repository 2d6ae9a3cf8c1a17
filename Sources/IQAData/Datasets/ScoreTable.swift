import Foundation

/// A dataset's CSV list read and checked up to the header: shared by the folder and KonIQ-10k
/// loaders so that both word their file problems alike.
struct ScoreTable {
    let csv: URL
    /// Header names, trimmed of spaces.
    let columns: [String]
    /// The records after the header.
    let rows: [CSV.Record]

    static func read(_ csv: URL, what: String = "score list (CSV)") throws -> ScoreTable {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: csv.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw DatasetError(file: csv.path, "\(what) does not exist")
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
        return ScoreTable(csv: csv, columns: header.fields.map(trimmed), rows: Array(records.dropFirst()))
    }

    /// Index of the column named `name`, or an error listing the columns there are.
    func column(_ name: String) throws -> Int {
        guard let index = columns.firstIndex(of: name) else {
            let known = columns.map { "\"\($0)\"" }.joined(separator: ", ")
            throw DatasetError(file: csv.path, "no column \"\(name)\" in the header (columns: \(known))")
        }
        return index
    }

    func hasColumn(_ name: String) -> Bool { columns.contains(name) }

    static func trimmed(_ s: String) -> String {
        s.trimmingCharacters(in: .whitespaces)
    }

    /// Walks the rows as (name, score) entries, reporting rows that give no sample (too few
    /// fields, empty name, score not a number) to `collector` and handing the others to `body`.
    func entries(nameColumn: String, scoreColumn: String, collector: inout SampleCollector,
                 _ body: (_ line: Int, _ name: String, _ score: Double, _ rawScore: String, _ collector: inout SampleCollector) throws -> Void) throws {
        let nameIndex = try column(nameColumn)
        let scoreIndex = try column(scoreColumn)
        for record in rows {
            let line = record.line
            guard record.fields.count > max(nameIndex, scoreIndex) else {
                try collector.report(.badEntry, "line \(line): \(record.fields.count) fields, but the header has \(columns.count)")
                continue
            }
            let name = Self.trimmed(record.fields[nameIndex])
            guard !name.isEmpty else {
                try collector.report(.badEntry, "line \(line): empty image name in column \"\(nameColumn)\"")
                continue
            }
            let rawScore = Self.trimmed(record.fields[scoreIndex])
            guard let score = Double(rawScore) else {
                try collector.report(.badEntry, name: name,
                                     "line \(line): score \"\(rawScore)\" in column \"\(scoreColumn)\" is not a number")
                continue
            }
            try body(line, name, score, rawScore, &collector)
        }
    }
}
