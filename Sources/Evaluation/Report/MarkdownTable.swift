import Foundation

// A GitHub-flavoured Markdown table, padded so that the raw text lines up too.

/// A Markdown table. `markdown` (also `description`) renders it:
///
/// ```
/// | Attack | mMAE  | mMRA |
/// | :----- | ----: | ---: |
/// | Ours   |  8.72 | 0.63 |
/// ```
///
/// Rows shorter than the header are padded with empty cells; a row longer than the header adds columns
/// with an empty heading. `|` inside a cell is escaped and line breaks become spaces.
public struct MarkdownTable: Sendable, Equatable, CustomStringConvertible {
    /// Horizontal alignment of a column.
    public enum Alignment: Sendable, Equatable {
        case left, center, right
    }

    public var headers: [String]
    public var rows: [[String]]
    /// Per-column alignment; columns without one are left-aligned.
    public var alignments: [Alignment]

    public init(headers: [String], rows: [[String]] = [], alignments: [Alignment] = []) {
        self.headers = headers
        self.rows = rows
        self.alignments = alignments
    }

    /// Appends a row.
    public mutating func append(_ row: [String]) { rows.append(row) }

    public var description: String { markdown }

    /// The table as Markdown, one line per row, ending with a newline.
    public var markdown: String {
        let columns = max(headers.count, rows.map(\.count).max() ?? 0)
        guard columns > 0 else { return "" }
        func cells(_ row: [String]) -> [String] {
            (0..<columns).map { $0 < row.count ? Self.escape(row[$0]) : "" }
        }
        let head = cells(headers), body = rows.map(cells)
        let align = (0..<columns).map { $0 < alignments.count ? alignments[$0] : .left }
        // Width 3 at least, so that the separator ":-:" fits.
        let widths = (0..<columns).map { c in ([head] + body).map { $0[c].count }.max().map { max($0, 3) } ?? 3 }

        func line(_ row: [String]) -> String {
            let padded = (0..<columns).map { Self.pad(row[$0], to: widths[$0], align[$0]) }
            return "| " + padded.joined(separator: " | ") + " |"
        }
        let separator = (0..<columns).map { c -> String in
            let w = widths[c]
            switch align[c] {
            case .left: return ":" + String(repeating: "-", count: w - 1)
            case .right: return String(repeating: "-", count: w - 1) + ":"
            case .center: return ":" + String(repeating: "-", count: w - 2) + ":"
            }
        }
        let lines = [line(head), "| " + separator.joined(separator: " | ") + " |"] + body.map(line)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func escape(_ cell: String) -> String {
        cell.replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\r\n", with: " ")
            .replacingOccurrences(of: "\n", with: " ")
    }

    private static func pad(_ text: String, to width: Int, _ alignment: Alignment) -> String {
        let missing = width - text.count
        guard missing > 0 else { return text }
        switch alignment {
        case .left: return text + String(repeating: " ", count: missing)
        case .right: return String(repeating: " ", count: missing) + text
        case .center:
            let left = missing / 2
            return String(repeating: " ", count: left) + text + String(repeating: " ", count: missing - left)
        }
    }
}
