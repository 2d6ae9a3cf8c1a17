import ArgumentParser
import Pipelines
import Foundation
import IQAData

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Make and inspect IQA datasets.",
        subcommands: [Synth.self, Info.self, Split.self])

    struct Synth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the built-in synthetic IQA dataset (dead-leaves scenes, graded distortions, MOS 0–100).",
            discussion: "Deterministic: the same seed gives the same files. Layout: images/*.png + scores.csv + README.md.")

        @Option(help: "Output folder (must not exist).") var out: String
        @Option(help: "Number of images.") var count: Int = 600
        @Option(help: "Image side length in pixels.") var size: Int = 256
        @Option(help: "Generator seed.") var seed: UInt64 = 0

        func run() throws {
            let url = URL(fileURLWithPath: out)
            guard !FileManager.default.fileExists(atPath: url.path) else { throw RunError("\(out) already exists") }
            guard count > 0, size >= 32 else { throw ValidationError("--count must be positive and --size at least 32") }
            let monitor = ConsoleMonitor()
            try BuiltinDatasetGenerator(count: count, size: size, seed: seed).generate(into: url) { done, total in
                monitor.progress(stage: "generate", done: done, total: total, detail: "")
            }
            print("wrote \(count) images and scores.csv to \(url.path)")
        }
    }
}

extension DatasetCommand {
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe a dataset: counts, image sizes, score statistics and every problem found.",
            discussion: "Exits with status 1 when any problem (missing or undecodable image, duplicate name, non-finite score, bad entry) is found.")

        @OptionGroup var source: DatasetSourceOptions
        @OptionGroup var output: JSONOutputOption
        @Flag(help: "Read only image headers (faster) instead of decoding every image.") var headersOnly = false

        func run() throws {
            let config = try source.resolved()
            let monitor = ConsoleMonitor()
            let summary: DatasetSummary
            do {
                summary = try DatasetSummary.inspect(config, check: headersOnly ? .header : .decode) { done, total in
                    if !output.json { monitor.progress(stage: "check images", done: done, total: total, detail: "") }
                }
            } catch let error as DatasetInspectionError {
                for p in error.problems { FileHandle.standardError.write(Data("error: \(p.message)\n".utf8)) }
                throw ExitCode.failure
            }
            if output.json {
                print(try JSONFiles.string(summary))
            } else {
                print("dataset: \(config.kind) at \(config.root)")
                print("images: \(summary.count)")
                for s in summary.imageSizes { print("  \(s.width)×\(s.height): \(s.count)") }
                if let sc = summary.scores {
                    print(String(format: "scores: n %d, min %.4f, max %.4f, mean %.4f, std %.4f", sc.count, sc.min, sc.max, sc.mean, sc.std))
                }
                print("problems: \(summary.problems.count)")
                for p in summary.problems { print("  " + (p.message.contains(p.file) ? p.message : "\(p.file): \(p.message)")) }
            }
            if summary.hasProblems { throw ExitCode.failure }
        }
    }

    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a split file (JSON: train, test, optional poisoned_subset) by image name.",
            discussion: """
            Default: a seeded random split (--ratio 0.8). --koniq-sets uses KonIQ-10k's official `set` column \
            (training → train; validation + test → test, or test only with --test-only). --official-index \
            imports the BAIQA code's pickled index list (CLIVE_traintest_index.pkl / koniq10k_traintest_index.pkl) \
            and --official-partial its poisoned-subset .npy; both index the full dataset, so they need the full \
            LIVEC or KonIQ-10k. --poison-rate adds a seeded random poisoned subset of the train list.
            """)

        @OptionGroup var source: DatasetSourceOptions
        @Option(help: "Output JSON file.") var out: String
        @Option(help: "Train fraction of a random split.") var ratio: Double = 0.8
        @Option(help: "Seed of a random split and poisoned subset.") var seed: UInt64 = 0
        @Flag(help: "Use KonIQ-10k's official set column.") var koniqSets = false
        @Flag(help: "With --koniq-sets: test on the official test set only (not validation + test).") var testOnly = false
        @Option(help: "Official pickled index list (.pkl).") var officialIndex: String?
        @Option(help: "Official poisoned-subset positions (.npy).") var officialPartial: String?
        @Option(help: "Add a random poisoned subset of this fraction of the train list.") var poisonRate: Double?

        func run() throws {
            try OutputPaths.requireNew([out])
            try OptionChecks.fraction("--ratio", ratio, open: true)
            if let poisonRate { try OptionChecks.fraction("--poison-rate", poisonRate, open: false) }
            var recipe = SplitRecipe()
            recipe.trainFraction = ratio
            recipe.seed = seed
            recipe.koniqSets = koniqSets
            recipe.testOnly = testOnly
            recipe.officialIndex = officialIndex.map { URL(fileURLWithPath: $0) }
            recipe.officialPartial = officialPartial.map { URL(fileURLWithPath: $0) }
            recipe.poisonFraction = poisonRate
            let split = try recipe.split(source.resolved())
            try SplitFile.write(split, to: URL(fileURLWithPath: out))
            print("wrote \(out): \(split.train.count) train, \(split.test.count) test" + (split.poisonedSubset.map { ", \($0.count) poisoned" } ?? ""))
        }
    }
}
