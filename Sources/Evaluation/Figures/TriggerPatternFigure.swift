import Backdoor

/// The DCT trigger as it sits in the 16×16 block DCT: per channel (Y, Cb, Cr) a heat map of the
/// coefficients it adds at α = 1, zero outside its 64 positions.
public enum TriggerPatternFigure {
    public static func make(_ trigger: DCTTrigger, name: String = "trigger-dct") -> Figure {
        let positions = trigger.positions.flatPositions
        let channels = ["Y", "Cb", "Cr"]
        var data: [(file: String, csv: String)] = []
        let maxAbs = max(trigger.values.map { abs(Double($0)) }.max() ?? 1, 1e-9)
        for (c, channel) in channels.enumerated() {
            var grid = [Double](repeating: 0, count: 256)
            for (k, p) in positions.enumerated() { grid[p] = Double(trigger.values[c * 64 + k]) }
            let rows = (0..<16).map { r in (0..<16).map { Figure.csvNumber(grid[r * 16 + $0]) }.joined(separator: ",") }
            data.append(("\(name)-\(channel).csv", rows.joined(separator: "\n") + "\n"))
        }
        var plot = """
        set multiplot layout 1,3 title 'Trigger in the 16×16 block DCT (coefficients added at α = 1; row = vertical frequency)' margins 0.04,0.9,0.08,0.86 spacing 0.04
        set size ratio -1
        set palette defined (-1 '#2166ac', 0 'white', 1 '#b2182b')
        set cbrange [\(Figure.csvNumber(-maxAbs)):\(Figure.csvNumber(maxAbs))]
        set xrange [-0.5:15.5]
        set yrange [15.5:-0.5]
        set xtics 0,4,15
        set ytics 0,4,15
        unset key

        """
        for (c, channel) in channels.enumerated() {
            plot += "set title '\(channel)'\n"
            plot += c < 2 ? "unset colorbox\n" : "set colorbox vertical user origin 0.92,0.14 size 0.015,0.68\n"
            plot += "plot '\(name)-\(channel).csv' matrix with image\n"
        }
        plot += "unset multiplot\n"
        var figure = Figure(name: name, caption: "The trigger's DCT coefficients per channel", data: data, plot: plot)
        figure.width = 1200
        figure.height = 460
        return figure
    }
}
