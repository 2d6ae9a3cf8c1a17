/// Fig. 2 of the paper: the mean predicted shift ŷ(α) − ŷ(0) over the test images against α, ± one
/// standard deviation, with the ideal α·Δy line, one series per victim (attack and label mode).
public enum AlphaShiftFigure {
    public struct Series: Sendable {
        public var label: String
        public var alphas: [Double]
        public var meanShift: [Double]
        public var standardDeviation: [Double]
        public init(label: String, alphas: [Double], meanShift: [Double], standardDeviation: [Double]) {
            self.label = label
            self.alphas = alphas
            self.meanShift = meanShift
            self.standardDeviation = standardDeviation
        }

        /// From per-image predictions: `clean[i]` and `triggered[k][i]` at `alphas[k]`.
        public init(label: String, alphas: [Double], clean: [Double], triggered: [[Double]]) {
            var means: [Double] = [], sds: [Double] = []
            for predictions in triggered {
                let shifts = zip(predictions, clean).map { $0 - $1 }
                let mean = shifts.reduce(0, +) / Double(max(1, shifts.count))
                let variance = shifts.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, shifts.count - 1))
                means.append(mean)
                sds.append(variance.squareRoot())
            }
            self.init(label: label, alphas: alphas, meanShift: means, standardDeviation: sds)
        }
    }

    public static func make(_ series: [Series], deltaY: Double, name: String = "fig2-alpha-shift") -> Figure {
        var lines = ["alpha,ideal," + series.map { "\($0.label) mean,\($0.label) sd" }.joined(separator: ",")]
        let alphas = Array(Set(series.flatMap(\.alphas))).sorted()
        for a in alphas {
            var row = [Figure.csvNumber(a), Figure.csvNumber(a * deltaY)]
            for s in series {
                if let k = s.alphas.firstIndex(of: a) {
                    row += [Figure.csvNumber(s.meanShift[k]), Figure.csvNumber(s.standardDeviation[k])]
                } else {
                    row += ["nan", "nan"]
                }
            }
            lines.append(row.joined(separator: ","))
        }
        var plot = """
        set title 'Predicted shift against trigger strength (Δy = \(Figure.csvNumber(deltaY)))'
        set xlabel 'α'
        set ylabel 'mean ŷ(α) − ŷ(0) over test images (± 1 s.d.)'
        set key top left
        set grid
        set xzeroaxis
        plot '\(name).csv' using 1:2 with lines dashtype 2 lw 2 lc rgb 'black' title 'ideal α·Δy'
        """
        for (k, s) in series.enumerated() {
            let m = 3 + 2 * k
            plot += ", \\\n     '' using 1:\(m):\(m + 1) with yerrorlines lw 2 pt 7 ps 0.6 title \(Figure.quoted(s.label))"
        }
        return Figure(name: name, caption: "Mean predicted shift against α with the ideal α·Δy (Fig. 2)",
                      data: [("\(name).csv", lines.joined(separator: "\n") + "\n")], plot: plot + "\n")
    }
}
