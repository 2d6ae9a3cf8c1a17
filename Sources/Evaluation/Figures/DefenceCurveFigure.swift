/// Fig. 3 of the paper: the attack (mMAE) and the benign cost (test RMSE) against a defence's strength —
/// fine-tuning epochs (3a), pruning rate (3b), ANP mask threshold — on two axes, with the clean-set RMSE
/// the defender selects by.
public enum DefenceCurveFigure {
    public struct Point: Sendable {
        public var strength: Double, mmae: Double, rmse: Double, cleanSetRMSE: Double, mmra: Double
        public init(strength: Double, mmae: Double, rmse: Double, cleanSetRMSE: Double, mmra: Double) {
            (self.strength, self.mmae, self.rmse, self.cleanSetRMSE, self.mmra) = (strength, mmae, rmse, cleanSetRMSE, mmra)
        }
    }

    /// `xLabel`: "fine-tuning epoch", "pruning rate", "ANP mask threshold"; `chosen`: the selected strength.
    public static func make(name: String, title: String, xLabel: String, points: [Point], chosen: Double?) -> Figure {
        var lines = ["strength,mMAE,test RMSE,clean-set RMSE,mMRA"]
        for p in points {
            lines.append([p.strength, p.mmae, p.rmse, p.cleanSetRMSE, p.mmra].map(Figure.csvNumber).joined(separator: ","))
        }
        var plot = preamble(title: title, xLabel: xLabel, yLabel: "mMAE (attack fails as it rises)", y2Label: "RMSE",
                            key: "outside bottom center horizontal")
        if let chosen { plot += "set arrow from \(Figure.csvNumber(chosen)), graph 0 to \(Figure.csvNumber(chosen)), graph 1 nohead dashtype 3 lc rgb 'gray40'\n" }
        plot += """
        plot '\(name).csv' using 1:2 axes x1y1 with linespoints lw 2 pt 7 lc rgb '#c0392b' title 'mMAE', \\
             '' using 1:3 axes x1y2 with linespoints lw 2 pt 5 lc rgb '#2471a3' title 'benign test RMSE', \\
             '' using 1:4 axes x1y2 with linespoints lw 1 pt 4 dashtype 2 lc rgb '#2471a3' title 'clean-set RMSE (defender)'

        """
        return Figure(name: name, caption: title, data: [("\(name).csv", lines.joined(separator: "\n") + "\n")], plot: plot)
    }
}

extension DefenceCurveFigure {
    /// Several victims under one defence (the suite's Fig. 3: P- and C-BAIQA and the baselines): mMAE
    /// (solid, left axis) and benign test RMSE (dashed, right axis) per victim, on the strengths they share.
    public static func make(name: String, title: String, xLabel: String, series: [(label: String, points: [Point])]) -> Figure {
        let strengths = Array(Set(series.flatMap { $0.points.map(\.strength) })).sorted()
        var lines = ["strength," + series.map { "\($0.label) mMAE,\($0.label) test RMSE" }.joined(separator: ",")]
        for x in strengths {
            var row = [Figure.csvNumber(x)]
            for s in series {
                let p = s.points.first { $0.strength == x }
                row += [Figure.csvNumber(p?.mmae ?? .nan), Figure.csvNumber(p?.rmse ?? .nan)]
            }
            lines.append(row.joined(separator: ","))
        }
        var plot = preamble(title: title, xLabel: xLabel, yLabel: "mMAE (solid; attack fails as it rises)",
                            y2Label: "benign test RMSE (dashed)", key: "outside right top")
        let parts = series.enumerated().flatMap { k, s -> [String] in
            let file = k == 0 ? "\(name).csv" : ""
            return ["'\(file)' using 1:\(2 + 2 * k) axes x1y1 with linespoints lw 2 pt 7 lc \(k + 1) title \(Figure.quoted(s.label + " mMAE"))",
                    "'' using 1:\(3 + 2 * k) axes x1y2 with linespoints lw 1 pt 4 dashtype 2 lc \(k + 1) title \(Figure.quoted(s.label + " RMSE"))"]
        }
        plot += "plot " + parts.joined(separator: ", \\\n     ") + "\n"
        var figure = Figure(name: name, caption: title, data: [("\(name).csv", lines.joined(separator: "\n") + "\n")], plot: plot)
        figure.width = 1000
        return figure
    }
}

extension DefenceCurveFigure {
    /// The two-axis set-up both forms share: mMAE on the left axis, RMSE on the right.
    static func preamble(title: String, xLabel: String, yLabel: String, y2Label: String, key: String) -> String {
        """
        set title \(Figure.quoted(title))
        set xlabel \(Figure.quoted(xLabel))
        set ylabel \(Figure.quoted(yLabel))
        set y2label \(Figure.quoted(y2Label))
        set ytics nomirror
        set y2tics
        set key \(key)
        set grid

        """
    }
}
