import ArgumentParser
import Backdoor
import Foundation
import IQAData
import Pipelines

struct PoisonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poison",
        abstract: "Build a poisoned training set and export it as a releasable folder dataset.",
        discussion: """
        Poison-label (P-BAIQA): rate·N training images get the trigger at α (sampled by --alpha-sampling) and \
        labels y + α·Δy. Clean-label (C-BAIQA): labels unchanged, α = (y − ȳ)/Δy (ȳ = --target-mean), and with \
        --pgd the images are first moved by their PGD perturbation. Output: images/ (poisoned ones as PNG, \
        or with --format jpeg as JPEG at --quality, as a dataset is usually released; the rest copied as they were), scores.csv, split.json and manifest.json. Train a victim on it with \
        `baiqa train --dataset folder --root OUT --split OUT/split.json` (or any other tool).
        """)

    @Option(help: "Output folder (must not exist).") var out: String
    @OptionGroup(title: "Attack") var trigger: TriggerOptions
    @OptionGroup(title: "Poisoning") var poison: PoisonOptions
    @Option(help: "Clean-label PGD perturbations (from baiqa pgd).") var pgd: String?
    @Option(help: "Poisoned images' format: png (lossless) or jpeg.") var format: ExportImageFormat = .png
    @Option(help: "JPEG quality 1…100 (--format jpeg).") var quality: Int?
    @Option(help: "JPEG chroma subsampling (--format jpeg): 420 (PIL's default) or 444.") var subsampling: JPEGCodec.Subsampling?

    enum ExportImageFormat: String, ExpressibleByArgument { case png, jpeg }

    func validate() throws {
        if format == .png, quality != nil || subsampling != nil {
            throw ValidationError("--quality and --subsampling need --format jpeg")
        }
        if format == .jpeg, quality == nil { throw ValidationError("--format jpeg needs --quality (1…100)") }
    }
    @OptionGroup(title: "Dataset") var data: DatasetOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var compute: DeviceOptions

    func run() throws {
        let seed = runtime.apply()
        try compute.apply()
        var job = PoisonExportJob(dataset: try data.resolved(), trigger: try trigger.spec(run: nil) ?? TriggerSpec())
        job.labelMode = poison.label
        job.rate = poison.rate
        job.deltaY = poison.deltaY
        job.alphaSampling = poison.alphaSampling
        job.targetMean = poison.targetMean
        job.pgdFile = pgd
        job.seed = seed
        if format == .jpeg {
            do { job.jpeg = try JPEGRecompression(quality: quality!, subsampling: subsampling ?? .s420) } catch { throw ValidationError("--quality: \(error)") }
        }
        let manifest = try job.run(out: URL(fileURLWithPath: out), monitor: ConsoleMonitor())
        let mode = poison.label == .poison ? "P" : "C"
        print("\(mode)-BAIQA (\(job.trigger.attack.rawValue)): \(manifest.poisoned.count) of \(manifest.trainCount) training images poisoned; "
              + "\(manifest.testCount) test images kept clean → \(out)")
    }
}
