import ArgumentParser
import Foundation
import IQAData

/// Which dataset to use: a kind from the dataset registry and its root. `builtin` is generated on
/// demand; `folder` is any folder of images with a score CSV; `livec` and `koniq` read the official layouts.
struct DatasetSourceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Dataset kind: \(DatasetRegistry.names.joined(separator: ", ")).",
                               discussion: DatasetRegistry.kinds.map { "\($0.name): \($0.summary)" }.joined(separator: "\n")))
    var dataset: String = "builtin"

    @Option(help: "Dataset root folder (default for builtin: data/builtin).") var root: String?
    @Option(help: "Score CSV file name inside the root (folder datasets).") var csv: String = "scores.csv"
    @Option(help: "CSV column holding image names (folder datasets).") var nameColumn: String = "image"
    @Option(help: "CSV column holding the MOS (folder datasets).") var scoreColumn: String = "mos"

    @Option(help: "KonIQ-10k image folder: 1024x768 or 512x384 (default: whichever exists, preferring 512x384).") var koniqResolution: String?

    @Option(help: "Images in a generated built-in dataset.") var builtinCount: Int = 600
    @Option(help: "Side length of generated built-in images.") var builtinSize: Int = 256

    func resolved() throws -> DatasetSpec {
        let kind: DatasetKind
        do { kind = try DatasetRegistry.kind(named: dataset, file: "--dataset") } catch { throw ValidationError("\(error)") }
        guard builtinCount > 0, builtinSize >= 32 else { throw ValidationError("--builtin-count must be positive and --builtin-size at least 32") }
        var d = DatasetSpec()
        d.kind = dataset
        guard let root = root ?? kind.defaultRoot else { throw ValidationError("--dataset \(dataset) needs --root DIR") }
        d.root = root
        d.csv = csv
        d.nameColumn = nameColumn
        d.scoreColumn = scoreColumn
        d.koniqResolution = koniqResolution
        d.builtinCount = builtinCount
        d.builtinSize = builtinSize
        return d
    }
}

/// A dataset plus the split to use on it.
struct DatasetOptions: ParsableArguments {
    @OptionGroup var source: DatasetSourceOptions

    @Option(help: "Split file (JSON with train, test and optionally poisoned_subset image names; see `baiqa dataset split`).") var split: String?

    @Flag(help: "Drop split images missing from the dataset (with a warning) instead of failing.") var dropMissing = false

    func resolved() throws -> DatasetSpec {
        var d = try source.resolved()
        d.dropMissing = dropMissing
        if let split { try d.useSplitFile(split, key: "--split") }
        return d
    }
}
