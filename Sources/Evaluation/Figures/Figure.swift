import Foundation

/// A figure as data and a gnuplot script: the CSV files it plots and the plot commands. Written beside
/// its images, so users can restyle it or plot the CSVs with anything else; `gnuplotScript` renders the
/// PNG and the SVG in one gnuplot run from the folder that holds the files.
public struct Figure: Equatable, Sendable {
    /// File stem: `<name>.png`, `<name>.svg`, `<name>.gp`.
    public var name: String
    /// What the figure shows (report captions).
    public var caption: String
    /// CSV files (name → contents) the plot reads.
    public var data: [(file: String, csv: String)]
    /// gnuplot commands after the terminal and output are set (`set ...` and one `plot`, or a multiplot).
    public var plot: String
    public var width = 900, height = 560

    public init(name: String, caption: String, data: [(file: String, csv: String)], plot: String) {
        self.name = name
        self.caption = caption
        self.data = data
        self.plot = plot
    }

    public static func == (a: Figure, b: Figure) -> Bool {
        a.name == b.name && a.caption == b.caption && a.plot == b.plot && a.data.map(\.file) == b.data.map(\.file)
            && a.data.map(\.csv) == b.data.map(\.csv)
    }

    /// The whole script: PNG (pngcairo) then SVG, each with the same plot commands.
    public var gnuplotScript: String {
        var s = "# \(caption)\n# Rendered by baiqa; run `gnuplot \(name).gp` in this folder to render it again.\n"
        s += "set datafile separator ','\n"
        for (terminal, ext) in [("pngcairo size \(width),\(height) enhanced font 'Sans,11'", "png"),
                                ("svg size \(width),\(height) dynamic enhanced font 'Sans,11'", "svg")] {
            s += "\nset terminal \(terminal)\nset output '\(name).\(ext)'\nreset session\nset datafile separator ','\n"
            s += plot.hasSuffix("\n") ? plot : plot + "\n"
            s += "unset output\n"
        }
        return s
    }

    /// A number as CSV and gnuplot read it ("nan" for non-finite values, which gnuplot skips).
    public static func csvNumber(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "nan" }

    /// Text for a gnuplot single-quoted string.
    public static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
