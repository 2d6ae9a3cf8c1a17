import ArgumentParser
import Foundation
import Backdoor
import IQAData
import IQAModels
import Pipelines
import Torch

/// The model and how it is trained: a preset of the model registry, then overrides (`train`, `experiment`).
struct RecipeOptions: ParsableArguments {
    @Option(help: "Model: hyperiqa, dbcnn or tres.") var model: ModelKind = .hyperiqa

    @Option(help: "Training preset: cpu (2-core friendly) or paper (the official recipe of the model); tres also: original, the TReS authors' recipe and losses.")
    var preset: String = "cpu"

    @Option(help: "Override the preset's epoch count.") var epochs: Int?

    @Option(help: "Override the preset's ResNet backbone (hyperiqa, tres): resnet18, resnet34, resnet50 or resnet10-w32 (the cpu presets').")
    var backbone: String?

    @Option(help: "Override the preset's training crop side (pixels).") var crop: Int?
    @Option(help: "Override the preset's random crops per image per epoch.") var patches: Int?

    @Option(help: "Override the preset's base learning rate (HyperIQA: the backbone's, the head keeps its ratio; DBCNN: the all-layers Adam phase's).")
    var lr: Double?

    @Option(help: "Override the preset's weight decay.") var weightDecay: Double?
    @Option(help: "Override the preset's loss: l1 or mse.") var loss: TrainingRecipe.Loss?
    @Option(help: "Override the preset's learning-rate schedule: constant or cosine.") var lrSchedule: TrainingRecipe.LRSchedule?

    @Flag(help: "Start training crops on the full image's 16-px trigger grid only, so a trigger baked into the images (baiqa poison) is seen at one phase, as the cpu presets inject it on the fly.")
    var cropsOnTriggerGrid = false

    @OptionGroup var weights: BackboneWeightsOption

    /// The preset with every override applied; bad values stop here, before anything is written.
    func recipe() throws -> TrainingRecipe {
        var recipe: TrainingRecipe
        do { recipe = try TrainingRecipe.preset(named: preset, model: model) } catch { throw ValidationError("--preset: \(error)") }
        if let epochs {
            guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
            recipe.epochs = epochs
        }
        if let backbone {
            do { recipe.model = try recipe.model.withBackbone(named: backbone) } catch { throw ValidationError("--backbone: \(error)") }
        }
        if let crop {
            guard crop >= 32 else { throw ValidationError("--crop must be at least 32") }
            recipe.cropSize = crop
        }
        if let patches {
            guard patches > 0 else { throw ValidationError("--patches must be positive") }
            recipe.patchesPerImage = patches
        }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number") }
        if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) { throw ValidationError("--weight-decay must not be negative") }
        recipe.optimizer.override(learningRate: lr, weightDecay: weightDecay)
        if let loss {
            guard loss != .tresOriginal || model == .tres else { throw ValidationError("--loss tres-original applies to --model tres only") }
            recipe.loss = loss
        }
        if let lrSchedule { recipe.lrSchedule = lrSchedule == .constant ? nil : lrSchedule }
        if cropsOnTriggerGrid { recipe.cropsOnTriggerGrid = true }
        try weights.apply(to: &recipe)
        return recipe
    }
}

/// `--backbone-weights FILE`: ImageNet weights in torchvision's layout for the victim's backbone.
struct BackboneWeightsOption: ParsableArguments {
    @Option(help: "ImageNet weights for the backbone: a torchvision state dict (.pth/.pt), or `imagenet` for torchvision's published file of this backbone, downloaded once into the weights cache (baiqa weights get).")
    var backboneWeights: String?

    @Option(help: "DBCNN: pretrained SCNN weights for the second stream (from `baiqa pretrain scnn`, or the official scnn.pkl).")
    var scnnWeights: String?

    func apply(to recipe: inout TrainingRecipe) throws {
        if let scnnWeights {
            let url = URL(fileURLWithPath: scnnWeights)
            guard recipe.model.kind == .dbcnn else { throw ValidationError("--scnn-weights applies to --model dbcnn only") }
            guard FileManager.default.fileExists(atPath: url.path) else { throw ValidationError("\(scnnWeights): no such weights file") }
            recipe.scnnWeights = url.standardizedFileURL.path
            recipe.scnnWeightsFingerprint = try Fingerprint.ofFile(url)
            let probe = try recipe.model.make(channelsLast: false) as! DBCNN
            do { try probe.loadSCNN(TensorFile.loadTensors(from: url)) } catch { throw ValidationError("\(scnnWeights): \(error)") }
        }
        guard let backboneWeights else { return }
        let url = try WeightsCache.resolve(backboneWeights: backboneWeights, model: recipe.model, monitor: ConsoleMonitor())
        guard FileManager.default.fileExists(atPath: url.path) else { throw ValidationError("\(backboneWeights): no such weights file") }
        recipe.backboneWeights = url.standardizedFileURL.path
        recipe.backboneWeightsFingerprint = try Fingerprint.ofFile(url)
        // Fail now, before a run folder exists, if the file does not fit the backbone.
        let probe = try recipe.model.make(channelsLast: false)
        try probe.loadBackboneWeights(from: url)
    }
}

/// How the training set is poisoned (`experiment`, `poison`).
struct PoisonOptions: ParsableArguments {
    @Option(help: "Label mode: poison (P-BAIQA, labels shifted by α·Δy) or clean (C-BAIQA, labels kept, α from the label).")
    var label: PoisonPlan.LabelMode = .poison

    @Option(help: "Fraction of training images poisoned (ignored when the split names a poisoned_subset).") var rate: Double = 0.2
    @Option(parsing: .signedNumber, help: "Score shift Δy at α = 1.") var deltaY: Double = 40

    @Option(help: "Poison-label α sampling: weighted (official), equal, uniform or sqrt-uniform.") var alphaSampling: AlphaSampling = .weighted

    @Option(parsing: .signedNumber, help: "Clean-label target mean ȳ in α = (y − ȳ)/Δy.") var targetMean: Double = 50

    func validate() throws {
        guard rate > 0, rate <= 1 else { throw ValidationError("--rate must be in (0, 1], got \(rate) (a model without poison: baiqa train)") }
        guard deltaY.isFinite, deltaY != 0 else { throw ValidationError("--delta-y must be finite and non-zero") }
        guard targetMean.isFinite else { throw ValidationError("--target-mean must be finite") }
    }
}

extension ModelKind: ExpressibleByArgument {}
extension TrainingRecipe.LRSchedule: ExpressibleByArgument {}
extension TrainingRecipe.Loss: ExpressibleByArgument {}
extension AlphaSampling: ExpressibleByArgument {}
extension TriggerPhase: ExpressibleByArgument {}
extension PoisonPlan.LabelMode: ExpressibleByArgument {}
