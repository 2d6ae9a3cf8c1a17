/// A simple line plot of one or more columns against the first (training curves).
public enum LineFigure {
    public static func make(name: String, title: String, xLabel: String, yLabel: String, columns: [String], rows: [[Double]],
                            y2Columns: Set<String> = [], y2Label: String? = nil) -> Figure {
        var lines = [columns.joined(separator: ",")]
        for r in rows { lines.append(r.map(Figure.csvNumber).joined(separator: ",")) }
        var plot = """
        set title \(Figure.quoted(title))
        set xlabel \(Figure.quoted(xLabel))
        set ylabel \(Figure.quoted(yLabel))
        set grid
        set key top right

        """
        if let y2Label { plot += "set y2label \(Figure.quoted(y2Label))\nset ytics nomirror\nset y2tics\n" }
        let series = columns.indices.dropFirst().map { k in
            "'\(k == 1 ? "\(name).csv" : "")' using 1:\(k + 1) axes x1y\(y2Columns.contains(columns[k]) ? 2 : 1) with linespoints lw 2 pt 7 title \(Figure.quoted(columns[k]))"
        }
        plot += "plot " + series.joined(separator: ", \\\n     ") + "\n"
        return Figure(name: name, caption: title, data: [("\(name).csv", lines.joined(separator: "\n") + "\n")], plot: plot)
    }
}
