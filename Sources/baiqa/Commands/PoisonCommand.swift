import ArgumentParser
import Backdoor
import Foundation
import Pipelines

struct PoisonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poison",
        abstract: "Build a poisoned training set and export it as a releasable folder dataset.",
        discussion: """
        Poison-label (P-BAIQA): rate·N training images get the trigger at α (sampled by --alpha-sampling) and \
        labels y + α·Δy. Clean-label (C-BAIQA): labels unchanged, α = (y − ȳ)/Δy (ȳ = --target-mean), and with \
        --pgd the images are first moved by their PGD perturbation. Output: images/ (poisoned ones as PNG, \
        the rest copied as they were), scores.csv, split.json and manifest.json. Train a victim on it with \
        `baiqa train --dataset folder --root OUT --split OUT/split.json` (or any other tool).
        """)

    @Option(help: "Output folder (must not exist).") var out: String
    @OptionGroup(title: "Attack") var trigger: TriggerOptions
    @OptionGroup(title: "Poisoning") var poison: PoisonOptions
    @Option(help: "Clean-label PGD perturbations (from baiqa pgd).") var pgd: String?
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
        let manifest = try job.run(out: URL(fileURLWithPath: out), monitor: ConsoleMonitor())
        let mode = poison.label == .poison ? "P" : "C"
        print("\(mode)-BAIQA (\(job.trigger.attack.rawValue)): \(manifest.poisoned.count) of \(manifest.trainCount) training images poisoned; "
              + "\(manifest.testCount) test images kept clean → \(out)")
    }
}
