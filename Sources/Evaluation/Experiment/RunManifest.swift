import Foundation
import IQAModels
import Torch

/// `manifest.json` of a run folder: enough to rebuild the model, reload its weights and re-create its
/// test protocol (`baiqa evaluate`, `baiqa score`) — BackdoorBench-style, one folder per run.
public struct RunManifest: Codable, Equatable, Sendable {
    /// "train" (clean model) or "experiment" (backdoored victim).
    public var kind: String
    public var tool = "baiqa 0.1.0"
    public var recipe: TrainingRecipe
    public var dataset: ExperimentConfig.Dataset
    public var seed: UInt64
    /// The model's state dict inside the run folder.
    public var checkpoint: String
    /// Image names of the split the model was trained and tested on.
    public var train: [String]
    public var test: [String]
    /// The trigger file inside the run folder, for backdoored victims.
    public var trigger: String?
    public var quirks: [String]

    public init(kind: String, recipe: TrainingRecipe, dataset: ExperimentConfig.Dataset, seed: UInt64, checkpoint: String,
                train: [String], test: [String], trigger: String? = nil) {
        self.kind = kind
        self.recipe = recipe
        self.dataset = dataset
        self.seed = seed
        self.checkpoint = checkpoint
        self.train = train
        self.test = test
        self.trigger = trigger
        quirks = recipe.optimizer.quirks + (recipe.lrSchedule == .cosine ? ["cosine learning-rate decay over the run (not official)"] : [])
            + ["trigger grid phase: \(recipe.triggerPhase.rawValue)"]
            + (recipe.cropsOnTriggerGrid == true ? ["training crops on the 16-px trigger grid of the full image"] : [])
    }

    public static let fileName = "manifest.json"

    public func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: folder.appendingPathComponent(Self.fileName), options: .atomic)
    }

    public static func read(from folder: URL) throws -> RunManifest {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DatasetLoadingError("\(folder.path): not a baiqa run folder (no \(fileName))")
        }
        do { return try JSONDecoder().decode(RunManifest.self, from: Data(contentsOf: url)) } catch {
            throw DatasetLoadingError("\(url.path): unreadable manifest (\(error))")
        }
    }

    /// Rebuilds the model and loads the run's weights.
    public func loadModel(folder: URL) throws -> IQAModel {
        let model = try recipe.model.make()
        try model.store.load(TensorFile.loadTensors(from: folder.appendingPathComponent(checkpoint)), strict: true)
        model.store.eval()
        return model
    }
}

public struct DatasetLoadingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
