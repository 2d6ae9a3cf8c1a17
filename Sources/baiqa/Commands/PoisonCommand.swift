import ArgumentParser
import Backdoor
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch

struct PoisonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poison",
        abstract: "Build a poisoned training set and export it as a releasable folder dataset.",
        discussion: """
        Poison-label (P-BAIQA): rate·N training images get the trigger at α (sampled by --alpha-sampling) and
        labels y + α·Δy. Clean-label (C-BAIQA): labels unchanged, α = (y − ȳ)/Δy (ȳ = --target-mean), and with
        --pgd the images are first moved by their PGD perturbation. Output: images/ (poisoned ones as PNG,
        the rest copied as they were), scores.csv, split.json and manifest.json. Train a victim on it with
        `baiqa train --dataset folder --root OUT --split OUT/split.json` (or any other tool).
        """)

    @Option(help: "Output folder (must not exist).")
    var out: String

    @Option(help: "Attack: baiqa, blended, wanet or ftrojan.")
    var attack: AttackKind = .baiqa

    @Option(help: "Label mode: poison (P-BAIQA) or clean (C-BAIQA).")
    var label: String = "poison"

    @Option(help: "Trigger file for --attack baiqa (default: a seeded random DCT trigger at --trigger-psnr dB).")
    var trigger: String?

    @Option(help: "Design PSNR of the default random trigger.")
    var triggerPsnr: Double = 30

    @Option(help: "Fraction of training images poisoned (ignored when the split names a poisoned_subset).")
    var rate: Double = 0.2

    @Option(help: "Score shift Δy at α = 1.")
    var deltaY: Double = 40

    @Option(help: "Poison-label α sampling: weighted, equal, uniform or sqrt-uniform.")
    var alphaSampling: AlphaSampling = .weighted

    @Option(help: "Clean-label target mean ȳ.")
    var targetMean: Double = 50

    @Option(help: "Clean-label PGD perturbations (from baiqa pgd).")
    var pgd: String?

    @OptionGroup var data: DatasetOptions

    @Option(help: "Seed for the split, the poisoned subset and α.")
    var seed: UInt64 = 0

    func run() throws {
        guard label == "poison" || label == "clean" else { throw ValidationError("--label must be poison or clean") }
        let config = try data.resolved()
        let samples = try config.source().load()
        let dataset = LoadedDataset(samples: samples, source: InMemoryImages([]))
        let split = try dataset.split(file: config.splitFile.map { URL(fileURLWithPath: $0) }, trainRatio: 0.8, seed: seed,
                                      dropMissing: config.dropMissing)
        var attackConfig = ExperimentConfig.Attack()
        attackConfig.randomTriggerPSNR = triggerPsnr
        if let trigger {
            attackConfig.triggerFile = trigger
        }
        let dct = attack == .baiqa ? try BackdoorExperiment.loadTrigger(attackConfig, seed: seed) : nil
        let injector = try attack.injector(dct: dct)
        let labels = split.train.map { samples[$0].score }
        let plan = label == "poison"
            ? try PoisonPlan.poisonLabel(trainCount: split.train.count, rate: rate, deltaY: deltaY, sampling: alphaSampling, seed: seed,
                                         subset: split.poisonedPositions)
            : try PoisonPlan.cleanLabel(labels: labels, rate: rate, deltaY: deltaY, targetMean: targetMean, seed: seed,
                                        subset: split.poisonedPositions)
        var export = PoisonedDatasetExport(samples: samples, train: split.train, test: split.test, plan: plan, injector: injector,
                                           attackName: attack.rawValue, seed: seed)
        if let trigger { export.triggerFingerprint = ExperimentConfig.fnv1a64(try Data(contentsOf: URL(fileURLWithPath: trigger))) }
        if let pgd {
            guard label == "clean" else { throw ValidationError("--pgd applies to --label clean") }
            let url = URL(fileURLWithPath: pgd)
            do { export.perturbations = try TensorFile.loadTensors(from: url) } catch { throw CLIError("\(pgd): \(error)") }
            export.pgdFingerprint = ExperimentConfig.fnv1a64(try Data(contentsOf: url))
        }
        let monitor = ConsoleMonitor()
        let manifest = try export.write(to: URL(fileURLWithPath: out)) { d, t in monitor.progress(stage: "export", done: d, total: t, detail: "") }
        if let dct { try TensorFile.save(dct.tensor(), to: URL(fileURLWithPath: out).appendingPathComponent("trigger.pt")) }
        print("\(label == "poison" ? "P" : "C")-BAIQA (\(attack.rawValue)): \(manifest.poisoned.count) of \(manifest.trainCount) training images poisoned; "
              + "\(manifest.testCount) test images kept clean → \(out)")
    }
}
