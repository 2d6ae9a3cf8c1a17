import ArgumentParser
import Pipelines
import Foundation
import IQAData
import IQAModels
import Torch

struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pretrain model parts that the official code loads but does not ship.",
        subcommands: [SCNNPretrain.self, BackbonePretrain.self])

    struct SCNNPretrain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scnn",
            abstract: "Pretrain DBCNN's SCNN stream by classifying synthetic distortion type × level (31 classes).",
            discussion: """
            As the DBCNN paper pretrains SCNN, on the built-in dataset's dead-leaves scenes with its distortions \
            (pristine; contrast, brighten, darken, blur, noise, JPEG at 5 levels). Writes a state dict whose \
            features.* entries DBCNN loads with `--scnn-weights FILE`; prints held-out accuracy.
            """)

        @Option(help: "Output weights file (.pt).") var out: String
        @Option(help: "SCNN size: cpu (the cpu DBCNN's narrower SCNN) or paper (official channels).") var preset: String = "cpu"
        @Option(help: "Epochs.") var epochs: Int = 20
        @Option(help: "Number of synthetic scenes (80% train, 20% held out).") var scenes: Int = 400
        @Option(help: "Scene size in pixels.") var size: Int = 96
        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var compute: DeviceOptions

        func run() throws {
            try OutputPaths.requireFolder(of: out)
            let seed = runtime.apply()
            try compute.apply()
            try OptionChecks.positive(["--epochs": Double(epochs)])
            guard scenes >= 10 else { throw ValidationError("--scenes must be at least 10, got \(scenes)") }
            guard size >= 32 else { throw ValidationError("--size must be at least 32, got \(size)") }
            var job: DistortionPretraining
            do { job = try .scnn(preset: preset, scenes: scenes) } catch { throw ValidationError("--preset: \(error)") }
            job.epochs = epochs
            job.size = size
            job.seed = seed
            let record = try PretrainingJob(pretraining: job, contentName: "dead-leaves scenes")
                .run(out: URL(fileURLWithPath: out), monitor: ConsoleMonitor(), stage: "pretrain SCNN")
            print(String(format: "SCNN (%@): %d classes, last-epoch train accuracy %.3f, held-out accuracy %.3f (chance %.3f) → %@",
                         preset, record.classes, record.trainAccuracy, record.testAccuracy, 1 / Double(record.classes), out))
        }
    }

    struct BackbonePretrain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backbone",
            abstract: "Pretrain a HyperIQA or TReS ResNet backbone without ImageNet: classify synthetic distortions of the training images.",
            discussion: """
            The SCNN recipe of the DBCNN paper applied to a ResNet: random crops of the split's training images \
            (scores unused; test images never seen) get one of 31 distortion classes (pristine; contrast, \
            brighten, darken, blur, noise, JPEG at 5 levels) and the network learns to tell which. Writes a \
            torchvision-layout state dict (conv1, bn1, layer1…4, fc) for `baiqa train --backbone-weights FILE`; \
            prints the held-out accuracy (20% of the training images, centre crops, every class).
            """)

        @Option(help: "Output weights file (.pt).") var out: String
        @Option(help: "Model whose backbone to pretrain: hyperiqa or tres.") var model: ModelKind = .hyperiqa
        @Option(help: "Backbone size: the model's cpu or paper preset.") var preset: String = "cpu"
        @Option(help: "Epochs.") var epochs: Int = 10
        @Option(help: "Crops per training image per epoch.") var repeats: Int = 4
        @Option(help: "Crop side (default: the preset's training crop).") var size: Int?
        @Option(help: "Adam learning rate.") var lr: Double = 1e-3
        @OptionGroup var data: DatasetOptions
        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var compute: DeviceOptions

        func run() throws {
            try OutputPaths.requireFolder(of: out)
            let seed = runtime.apply()
            try compute.apply()
            let recipe: TrainingRecipe
            do { recipe = try TrainingRecipe.preset(named: preset, model: model) } catch { throw ValidationError("--preset: \(error)") }
            guard let backbone = recipe.model.resnetBackbone else {
                throw ValidationError("DBCNN's VGG stream has no distortion pretraining here; pretrain its SCNN stream with `baiqa pretrain scnn`")
            }
            let side = size ?? recipe.cropSize
            try OptionChecks.positive(["--epochs": Double(epochs), "--repeats": Double(repeats), "--lr": lr])
            guard side >= 32 else { throw ValidationError("--size must be at least 32, got \(side)") }
            let config = try data.resolved()
            let monitor = ConsoleMonitor()
            let dataset = try LoadedDataset.open(config, monitor: monitor)
            // The same split `baiqa train` draws with this seed (or the given file): pretraining sees only its training images.
            let split = try dataset.split(config, trainRatio: 0.8, seed: seed)
            let images = try split.train.map { try dataset.source.image($0) }
            var job = DistortionPretraining(network: .resnet(backbone), content: .images(images))
            job.size = side
            job.epochs = epochs
            job.repeats = repeats
            job.learningRate = lr
            job.seed = seed
            let content = "\(config.kind) \(URL(fileURLWithPath: config.root).standardizedFileURL.path): " + split.train.map { dataset.samples[$0].name }.joined(separator: ",")
            let record = try PretrainingJob(pretraining: job, contentName: content)
                .run(out: URL(fileURLWithPath: out), monitor: monitor, stage: "pretrain \(backbone.name)")
            print(String(format: "%@ on %d training images (%d² crops): %d classes, last-epoch train accuracy %.3f, held-out accuracy %.3f (chance %.3f) → %@",
                         backbone.name, images.count, side, record.classes, record.trainAccuracy, record.testAccuracy,
                         1 / Double(record.classes), out))
        }
    }
}
