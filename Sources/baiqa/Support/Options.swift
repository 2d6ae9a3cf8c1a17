import ArgumentParser
import Evaluation
import Foundation
import IQAModels
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
/// score CSV (the built-in dataset has that layout too); `livec` and `koniq` read the official layouts.
struct DatasetSourceOptions: ParsableArguments {
    @Option(help: "Dataset kind: builtin, folder, livec or koniq.")
    var dataset: String = "builtin"

    @Option(help: "Dataset root folder (default for builtin: data/builtin).")
    var root: String?

    @Option(help: "Score CSV file name inside the root (folder datasets).")
    var csv: String = "scores.csv"

    @Option(help: "CSV column holding image names (folder datasets).")
    var nameColumn: String = "image"

    @Option(help: "CSV column holding the MOS (folder datasets).")
    var scoreColumn: String = "mos"

    @Option(help: "KonIQ-10k image folder: 1024x768 or 512x384 (default: whichever exists, preferring 512x384).")
    var koniqResolution: String?

    func resolved() throws -> ExperimentConfig.Dataset {
        var d = ExperimentConfig.Dataset()
        guard ExperimentConfig.Dataset.kinds.contains(dataset) else {
            throw ValidationError("unknown dataset '\(dataset)' (expected builtin, folder, livec or koniq)")
        }
        d.kind = dataset
        if dataset == "builtin" {
            d.root = root ?? "data/builtin"
        } else {
            guard let root else { throw ValidationError("--dataset \(dataset) needs --root DIR") }
            d.root = root
        }
        d.csv = csv
        d.nameColumn = nameColumn
        d.scoreColumn = scoreColumn
        d.koniqResolution = koniqResolution
        return d
    }
}

/// A dataset plus the split to use on it.
struct DatasetOptions: ParsableArguments {
    @OptionGroup var source: DatasetSourceOptions

    @Option(help: "Split file (JSON with train, test and optionally poisoned_subset image names; see `baiqa dataset split`).")
    var split: String?

    @Flag(help: "Drop split images missing from the dataset (with a warning) instead of failing.")
    var dropMissing = false

    func resolved() throws -> ExperimentConfig.Dataset {
        var d = try source.resolved()
        d.dropMissing = dropMissing
        if let split {
            let url = URL(fileURLWithPath: split)
            guard FileManager.default.fileExists(atPath: url.path) else { throw CLIError("\(split): split file does not exist") }
            d.splitFile = url.standardizedFileURL.path
            d.splitFingerprint = ExperimentConfig.fnv1a64(try Data(contentsOf: url))
        }
        return d
    }
}

/// `--backbone-weights FILE`: ImageNet weights in torchvision's layout for the victim's backbone.
struct BackboneWeightsOption: ParsableArguments {
    @Option(help: "ImageNet weights for the backbone: a torchvision state dict (.pth/.pt, zip format), e.g. resnet50 for the paper's HyperIQA.")
    var backboneWeights: String?

    @Option(help: "DBCNN: pretrained SCNN weights for the second stream (from `baiqa pretrain scnn`, or the official scnn.pkl).")
    var scnnWeights: String?

    func apply(to recipe: inout TrainingRecipe) throws {
        if let scnnWeights {
            let url = URL(fileURLWithPath: scnnWeights)
            guard recipe.model.kind == .dbcnn else { throw ValidationError("--scnn-weights applies to --model dbcnn only") }
            guard FileManager.default.fileExists(atPath: url.path) else { throw CLIError("\(scnnWeights): no such weights file") }
            recipe.scnnWeights = url.standardizedFileURL.path
            recipe.scnnWeightsFingerprint = ExperimentConfig.fnv1a64(try Data(contentsOf: url))
            let probe = try recipe.model.make(channelsLast: false) as! DBCNN
            do { try probe.loadSCNN(TensorFile.loadTensors(from: url)) } catch { throw CLIError("\(scnnWeights): \(error)") }
        }
        guard let backboneWeights else { return }
        let url = URL(fileURLWithPath: backboneWeights)
        guard FileManager.default.fileExists(atPath: url.path) else { throw CLIError("\(backboneWeights): no such weights file") }
        recipe.backboneWeights = url.standardizedFileURL.path
        recipe.backboneWeightsFingerprint = ExperimentConfig.fnv1a64(try Data(contentsOf: url))
        // Fail now, before a run folder exists, if the file does not fit the backbone.
        let probe = try recipe.model.make(channelsLast: false)
        try probe.loadBackboneWeights(from: url)
    }
}
