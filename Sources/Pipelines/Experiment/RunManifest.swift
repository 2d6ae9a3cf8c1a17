import Backdoor
import Foundation
import IQAData
import IQAModels
import Torch

/// `manifest.json` of a run folder: enough to rebuild the model, reload its weights and re-create its
/// test protocol and its attack (`baiqa evaluate`, `baiqa score`) — BackdoorBench-style, one folder per run.
public struct RunManifest: Codable, Equatable, Sendable {
    /// "train" (clean model) or "experiment" (backdoored victim).
    public var kind: String
    public var tool = "baiqa 0.1.0"
    public var recipe: TrainingRecipe
    public var dataset: DatasetSpec
    public var seed: UInt64
    /// The model's state dict inside the run folder.
    public var checkpoint: String
    /// Image names of the split the model was trained and tested on.
    public var train: [String]
    public var test: [String]
    /// The DCT trigger file inside the run folder (BAIQA victims; kept for manifests that predate `attack`).
    public var trigger: String?
    /// The full attack of a backdoored victim (nil: a clean model, or a manifest from before it was recorded).
    public var attack: RunAttack?
    public var quirks: [String]
    /// A Fine-Pruning defence's channel mask on the last backbone stage ([C] tensor file in the folder).
    public var lastStageMask: String?

    public init(kind: String, recipe: TrainingRecipe, dataset: DatasetSpec, seed: UInt64, checkpoint: String,
                train: [String], test: [String], attack: RunAttack? = nil) {
        self.kind = kind
        self.recipe = recipe
        self.dataset = dataset
        self.seed = seed
        self.checkpoint = checkpoint
        self.train = train
        self.test = test
        self.attack = attack
        trigger = attack?.trigger.file
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
            throw RunError("\(folder.path): not a baiqa run folder (no \(fileName))")
        }
        do { return try JSONDecoder().decode(RunManifest.self, from: Data(contentsOf: url)) } catch {
            throw RunError("\(url.path): unreadable manifest (\(error))")
        }
    }

    /// Rebuilds the model and loads the run's weights.
    public func loadModel(folder: URL) throws -> IQAModel {
        let model = try recipe.model.make()
        try model.store.load(TensorFile.loadTensors(from: folder.appendingPathComponent(checkpoint)), strict: true)
        if let lastStageMask {
            model.lastStage.mask = try TensorFile.loadTensor(from: folder.appendingPathComponent(lastStageMask)).to(model.device)
        }
        model.store.eval()
        return model
    }

    /// The run's own trigger: the recorded attack, or for an older manifest its DCT trigger file with the
    /// default (official) positions; nil for a clean model.
    public var triggerSpec: TriggerSpec? {
        if let attack { return attack.trigger }
        guard let trigger else { return nil }
        var spec = TriggerSpec(attack: .baiqa)
        spec.file = trigger
        return spec
    }
}

/// What a backdoored run was attacked with, as `manifest.json` records it.
public struct RunAttack: Codable, Equatable, Sendable {
    /// e.g. "p-baiqa" or "c-baiqa/ftrojan".
    public var name: String
    /// The trigger; a BAIQA trigger's `file` is the copy inside the run folder ("trigger.pt").
    public var trigger: TriggerSpec
    /// The file the trigger was copied from and its fingerprint (nil: a seeded random trigger).
    public var sourceFile: String?
    public var sourceFingerprint: String?
    public var labelMode: PoisonPlan.LabelMode
    public var rate: Double
    public var deltaY: Double
    public var alphaSampling: AlphaSampling
    /// C-BAIQA's ȳ.
    public var targetMean: Double?
    /// The α values of the run's own evaluation.
    public var alphas: [Double]
}
