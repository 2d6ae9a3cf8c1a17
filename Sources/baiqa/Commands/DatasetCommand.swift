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
            let loader = try config.source()
            var samples: [IQASample] = [], problems: [DatasetProblem] = []
            var scoresKnown = true
            do {
                let result = try loader.load(mode: .collectProblems)
                (samples, problems) = (result.samples, result.problems)
            } catch {
                // A broken score list still lets us check the images when the names are readable (LIVEC
                // keeps names and MOS in separate .mat files), so the report lists every problem at once.
                problems.append(DatasetProblem(.badEntry, file: config.root, "\(error)"))
                guard let livec = loader as? LIVECDataset, let names = try? livec.imageNames() else { throw ExitCode.failure.reportingFirst(problems) }
                samples = names.map { IQASample(name: $0, url: livec.url(forImageNamed: $0), score: 0) }
                scoresKnown = false
            }
            let monitor = ConsoleMonitor()
            var summary = DatasetSummary.make(samples: samples, loadProblems: problems,
                                              check: headersOnly ? .header : .decode) { done, total in
                if !output.json { monitor.progress(stage: "check images", done: done, total: total, detail: "") }
            }
            if !scoresKnown { summary.scores = nil }
            if output.json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
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
            let config = try source.resolved()
            let loader = try config.source()
            var split: DatasetSplit
            if koniqSets {
                guard let koniq = loader as? KonIQ10kDataset else { throw ValidationError("--koniq-sets needs --dataset koniq") }
                split = try koniq.officialSplit(testSets: testOnly ? .testOnly : .validationAndTest)
            } else if let officialIndex {
                let names = try loader.load().map(\.name)
                let partial = officialPartial.map { URL(fileURLWithPath: $0) }
                split = config.kind == "koniq"
                    ? try OfficialSplitImport.konIQ(names: names, trainIndex: URL(fileURLWithPath: officialIndex), partialIndex: partial)
                    : try OfficialSplitImport.livec(names: names, traintestIndex: URL(fileURLWithPath: officialIndex), partialIndex: partial)
            } else {
                split = try DatasetSplit.random(names: loader.load().map(\.name), trainFraction: ratio, seed: seed)
            }
            if let poisonRate {
                guard (0...1).contains(poisonRate) else { throw ValidationError("--poison-rate must be in [0, 1]") }
                split = split.withRandomPoisonedSubset(fraction: poisonRate, seed: seed)
            }
            try SplitFile.write(split, to: URL(fileURLWithPath: out))
            print("wrote \(out): \(split.train.count) train, \(split.test.count) test" + (split.poisonedSubset.map { ", \($0.count) poisoned" } ?? ""))
        }
    }
}

extension ExitCode {
    /// Prints the problems found before a loader gave up, then fails.
    func reportingFirst(_ problems: [DatasetProblem]) -> ExitCode {
        for p in problems { FileHandle.standardError.write(Data("error: \(p.message)\n".utf8)) }
        return self
    }
}
