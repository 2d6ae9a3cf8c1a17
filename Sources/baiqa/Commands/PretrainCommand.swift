import ArgumentParser
import Foundation
import IQAData
import IQAModels
import Torch

struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pretrain model parts that the official code loads but does not ship.",
        subcommands: [SCNNPretrain.self])

    struct SCNNPretrain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scnn",
            abstract: "Pretrain DBCNN's SCNN stream by classifying synthetic distortion type × level (31 classes).",
            discussion: """
            As the DBCNN paper pretrains SCNN, on the built-in dataset's dead-leaves scenes with its distortions
            (pristine; contrast, brighten, darken, blur, noise, JPEG at 5 levels). Writes a state dict whose
            features.* entries DBCNN loads with `--scnn-weights FILE`; prints held-out accuracy.
            """)

        @Option(help: "Output weights file (.pt).")
        var out: String

        @Option(help: "SCNN size: cpu (the cpu DBCNN's narrower SCNN) or paper (official channels).")
        var preset: String = "cpu"

        @Option(help: "Epochs.")
        var epochs: Int = 20

        @Option(help: "Number of synthetic scenes (80% train, 20% held out).")
        var scenes: Int = 400

        @Option(help: "Scene size in pixels.")
        var size: Int = 96

        @OptionGroup var runtime: RuntimeOptions

        func run() throws {
            runtime.apply()
            let spec: ModelSpec
            switch preset {
            case "cpu": spec = .cpu(.dbcnn)
            case "paper": spec = .official(.dbcnn)
            default: throw ValidationError("unknown preset '\(preset)' (cpu or paper)")
            }
            guard case .dbcnn(let config) = spec else { return }
            guard epochs > 0, scenes >= 10, size >= 32 else { throw ValidationError("need --epochs ≥ 1, --scenes ≥ 10, --size ≥ 32") }
            var job = SCNNPretraining(channels: config.scnnChannels, strides: config.scnnStrides)
            job.epochs = epochs
            job.scenes = scenes
            job.size = size
            job.seed = runtime.seed
            let monitor = ConsoleMonitor()
            let outcome = try job.run { done, total, loss in
                monitor.progress(stage: "pretrain SCNN", done: done, total: total, detail: String(format: "CE %.3f", loss))
            }
            try TensorFile.save(outcome.model.store.stateDict(), to: URL(fileURLWithPath: out))
            print(String(format: "SCNN (%@): %d classes, last-epoch train accuracy %.3f, held-out accuracy %.3f (chance %.3f) → %@",
                         preset, outcome.classes.count, outcome.trainAccuracy, outcome.testAccuracy, 1 / Double(outcome.classes.count), out))
        }
    }
}
