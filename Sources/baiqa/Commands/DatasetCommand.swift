import ArgumentParser
import Foundation
import IQAData

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Make and inspect IQA datasets.",
        subcommands: [Synth.self])

    struct Synth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the built-in synthetic IQA dataset (dead-leaves scenes, graded distortions, MOS 0–100).",
            discussion: "Deterministic: the same seed gives the same files. Layout: images/*.png + scores.csv + README.md.")

        @Option(help: "Output folder (must not exist).")
        var out: String

        @Option(help: "Number of images.")
        var count: Int = 600

        @Option(help: "Image side length in pixels.")
        var size: Int = 256

        @Option(help: "Generator seed.")
        var seed: UInt64 = 0

        func run() throws {
            let url = URL(fileURLWithPath: out)
            guard !FileManager.default.fileExists(atPath: url.path) else { throw CLIError("\(out) already exists") }
            guard count > 0, size >= 32 else { throw ValidationError("--count must be positive and --size at least 32") }
            let monitor = ConsoleMonitor()
            try BuiltinDatasetGenerator(count: count, size: size, seed: seed).generate(into: url) { done, total in
                monitor.progress(stage: "generate", done: done, total: total, detail: "")
            }
            print("wrote \(count) images and scores.csv to \(url.path)")
        }
    }
}
