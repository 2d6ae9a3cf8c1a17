import Evaluation
import Foundation
import IQAData

/// Writes figures into a folder's `figures/`: each figure's CSVs and gnuplot script, then its PNG and SVG
/// rendered by gnuplot (Debian's `gnuplot-nox`: pngcairo and svg terminals). Rendering happens in a
/// scratch folder and finished files are moved in, so a killed render leaves no half-written image.
/// Without gnuplot the data and scripts are still written and `note` says how to render them.
public enum FigureRenderer {
    public static let folderName = "figures"

    public struct Outcome: Sendable {
        /// Stems whose PNG and SVG exist.
        public var rendered: [String] = []
        /// Why some or all were not rendered (nil: all were).
        public var note: String?
    }

    /// gnuplot on the PATH (or `BAIQA_GNUPLOT`); nil when there is none.
    public static var gnuplot: URL? {
        let env = ProcessInfo.processInfo.environment
        if let explicit = env["BAIQA_GNUPLOT"] {
            return explicit.isEmpty ? nil : URL(fileURLWithPath: explicit)
        }
        for dir in (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("gnuplot")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// `images`: finished pictures (e.g. the triggered test image) written as PNG beside the plots.
    @discardableResult
    public static func write(_ figures: [Figure], images: [(name: String, image: RGBImage)] = [], into folder: URL) throws -> Outcome {
        let fm = FileManager.default
        let out = folder.appendingPathComponent(folderName)
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        let scratch = folder.appendingPathComponent(".\(folderName).\(ProcessInfo.processInfo.processIdentifier).tmp")
        try? fm.removeItem(at: scratch)
        try fm.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: scratch) }
        for (name, image) in images {
            try Data(ImageIO.encodePNG(image)).write(to: out.appendingPathComponent("\(name).png"), options: .atomic)
        }
        var outcome = Outcome()
        let renderer = gnuplot
        for figure in figures {
            for (file, csv) in figure.data { try Data(csv.utf8).write(to: scratch.appendingPathComponent(file)) }
            try Data(figure.gnuplotScript.utf8).write(to: scratch.appendingPathComponent("\(figure.name).gp"))
            if let renderer {
                let p = Process()
                p.executableURL = renderer
                p.arguments = ["\(figure.name).gp"]
                p.currentDirectoryURL = scratch
                let errors = Pipe()
                p.standardError = errors
                p.standardOutput = FileHandle.nullDevice
                try p.run()
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                p.waitUntilExit()
                let made = ["png", "svg"].allSatisfy { fm.fileExists(atPath: scratch.appendingPathComponent("\(figure.name).\($0)").path) }
                if p.terminationStatus == 0 && made {
                    outcome.rendered.append(figure.name)
                } else {
                    let first = message.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init) ?? "exit status \(p.terminationStatus)"
                    outcome.note = "gnuplot failed on \(out.appendingPathComponent(figure.name).path).gp: \(first)"
                }
            }
            // Data and script first, images last: an image on disk always has its data beside it.
            for name in figure.data.map(\.file) + ["\(figure.name).gp", "\(figure.name).png", "\(figure.name).svg"] {
                let from = scratch.appendingPathComponent(name)
                guard fm.fileExists(atPath: from.path) else { continue }
                let to = out.appendingPathComponent(name)
                // rename(2) replaces an older file in one step.
                guard rename(from.path, to.path) == 0 else { throw RunError("\(to.path): cannot be written (\(String(cString: strerror(errno))))") }
            }
        }
        if renderer == nil && !figures.isEmpty {
            outcome.note = "gnuplot not found: figure data and scripts are in \(out.path); render them with `cd \(out.path) && for f in *.gp; do gnuplot \"$f\"; done` "
                + "(Debian: apt-get install gnuplot-nox), or `baiqa plot` once gnuplot is installed"
        }
        return outcome
    }

    /// The report section that shows the figures (PNG, linking the SVG).
    public static func markdownSection(_ figures: [Figure], images: [(name: String, caption: String)] = [], rendered: [String],
                                       prefix: String = folderName) -> String {
        var lines = ["## Figures", ""]
        for f in figures {
            if rendered.contains(f.name) {
                lines.append("![\(f.caption)](\(prefix)/\(f.name).png)")
                lines.append("")
                lines.append("*\(f.caption)* ([SVG](\(prefix)/\(f.name).svg), data: \(f.data.map { "[\($0.file)](\(prefix)/\($0.file))" }.joined(separator: ", ")))")
            } else {
                lines.append("*\(f.caption)*: not rendered (no gnuplot); data and script in `\(prefix)/\(f.name).gp`.")
            }
            lines.append("")
        }
        for (name, caption) in images {
            lines += ["![\(caption)](\(prefix)/\(name).png)", "", "*\(caption)*", ""]
        }
        return lines.joined(separator: "\n")
    }
}
