/// A histogram (e.g. the α of the poisoned training images) with fixed bins.
public enum HistogramFigure {
    public static func make(name: String, title: String, xLabel: String, values: [Double], lower: Double, upper: Double, bins: Int) -> Figure {
        let width = (upper - lower) / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        for v in values where v.isFinite {
            let k = min(bins - 1, max(0, Int(((v - lower) / width).rounded(.down))))
            counts[k] += 1
        }
        var lines = ["bin centre,count"]
        for (k, c) in counts.enumerated() { lines.append("\(Figure.csvNumber(lower + (Double(k) + 0.5) * width)),\(c)") }
        let plot = """
        set title \(Figure.quoted(title))
        set xlabel \(Figure.quoted(xLabel))
        set ylabel 'images'
        set style fill solid 0.6 border -1
        set boxwidth \(Figure.csvNumber(width * 0.9))
        set xrange [\(Figure.csvNumber(lower)):\(Figure.csvNumber(upper))]
        set yrange [0:*]
        set grid ytics
        plot '\(name).csv' using 1:2 with boxes lc rgb '#2471a3' notitle

        """
        return Figure(name: name, caption: title, data: [("\(name).csv", lines.joined(separator: "\n") + "\n")], plot: plot)
    }
}
