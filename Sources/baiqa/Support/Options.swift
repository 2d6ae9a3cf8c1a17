import ArgumentParser
import Evaluation
import Foundation
import Torch

/// Options every compute command shares.
struct RuntimeOptions: ParsableArguments {
    @Option(help: "Intra-op threads for libtorch (default: all cores).")
    var threads: Int?

    @Option(help: "Seed for every random choice (splits, poisoning, crops, initialisation).")
    var seed: UInt64 = 0

    func apply() {
        if let threads { Runtime.setThreads(threads) }
        Runtime.manualSeed(seed)
    }
}

/// Which dataset to use. `builtin` is generated on demand; `folder` is any folder of images with a
/// score CSV (the built-in dataset has that layout too).
struct DatasetOptions: ParsableArguments {
    @Option(help: "Dataset kind: builtin or folder.")
    var dataset: String = "builtin"

    @Option(help: "Dataset root folder (default for builtin: data/builtin).")
    var root: String?

    @Option(help: "Score CSV file name inside the root.")
    var csv: String = "scores.csv"

    @Option(help: "CSV column holding image names.")
    var nameColumn: String = "image"

    @Option(help: "CSV column holding the MOS.")
    var scoreColumn: String = "mos"

    func resolved() throws -> ExperimentConfig.Dataset {
        var d = ExperimentConfig.Dataset()
        switch dataset {
        case "builtin":
            d.kind = "builtin"
            d.root = root ?? "data/builtin"
        case "folder":
            guard let root else { throw ValidationError("--dataset folder needs --root DIR") }
            d.kind = "folder"
            d.root = root
        default:
            throw ValidationError("unknown dataset '\(dataset)' (expected builtin or folder)")
        }
        d.csv = csv
        d.nameColumn = nameColumn
        d.scoreColumn = scoreColumn
        return d
    }
}
