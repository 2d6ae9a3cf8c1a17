import ArgumentParser
import Backdoor
import Foundation
import Pipelines

struct DefendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "defend",
        abstract: "Defend a backdoored victim: fine-tuning, Fine-Pruning or ANP, measured step by step.",
        discussion: """
        The defender holds a small clean labelled set: by default 5 % of the victim's training images (ANP: 1 %), \
        drawn seeded from the images that were not poisoned, with their true scores. No defence sees triggered \
        data; the attack is only measured, on the victim's test split with the run's own trigger. Writes \
        <run>/defences/<name>/ (or --out): steps.csv (one row per epoch, pruning rate or mask threshold, the \
        undefended victim first: benign PLCC/SROCC/KRCC/RMSE, mMAE/mMRA and per-α MAE/MRA, triggered images' \
        error against their true MOS, clean-set RMSE), the defended model with a manifest (so `baiqa evaluate \
        --run` takes the folder), clean_set.json, results.json and report.md. A killed defence resumes with \
        the same numbers.
        """,
        subcommands: [FineTune.self, FinePrune.self, ANP.self])

    struct FineTune: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "finetune",
            abstract: "Fine-tune every layer on the clean set with the victim's own recipe, one row per epoch.")
        @OptionGroup var defence: DefenceOptions
        @Option(help: "Fine-tuning epochs (default: the victim's).") var epochs: Int?
        @Option(help: "Fine-tuning learning rate (default: the victim's; head multipliers kept).") var lr: Double?
        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var compute: DeviceOptions

        func run() throws {
            var job = try defence.job(.finetune, runtime: runtime, compute: compute)
            job.epochs = epochs
            job.learningRate = lr
            try DefenceOptions.execute(job)
        }
    }

    struct FinePrune: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fineprune",
            abstract: "Fine-Pruning: mask the least active last-stage channels (ResNet layer4, VGG conv5_3) at each rate, then fine-tune.",
            discussion: """
            Channels are ranked by mean activation on the clean set; each rate of --rates is measured (one row); \
            the largest rate whose clean-set RMSE rises less than --max-rmse-rise is kept and the model is \
            fine-tuned with that mask (one row per epoch).
            """)
        @OptionGroup var defence: DefenceOptions
        @Option(help: "Pruning rates, comma-separated, from 0 (default 0,0.05,…,0.8).") var rates: String?
        @Option(help: "Fine-tuning epochs after pruning (default: the victim's).") var epochs: Int?
        @Option(help: "Fine-tuning learning rate (default: the victim's).") var lr: Double?
        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var compute: DeviceOptions

        func run() throws {
            var job = try defence.job(.fineprune, runtime: runtime, compute: compute)
            job.epochs = epochs
            job.learningRate = lr
            if let rates { job.pruningRates = try DefenceOptions.list(rates, option: "--rates") }
            try DefenceOptions.execute(job)
        }
    }

    struct ANP: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "anp",
            abstract: "Adversarial Neuron Pruning: learn BatchNorm neuron masks under adversarial perturbation, prune by threshold.",
            discussion: """
            Defaults of the official optimize_mask_cifar.py (ε 0.4, one signed ascent step, mask SGD lr 0.2 with \
            momentum 0.9, trade-off 0.2, 2000 iterations of 128 crops, 1 % clean data) with the victim's loss \
            instead of cross-entropy; `cpu` victims default to 200 iterations of 32 crops. Thresholds 0…0.9 \
            (step 0.05) each give a row; the threshold is chosen on the clean set only (BackdoorBench's ANP \
            picks by test attack success, which a defender cannot see).
            """)
        @OptionGroup var defence: DefenceOptions
        @Option(help: "Mask thresholds, comma-separated, from 0 (default 0,0.05,…,0.9).") var thresholds: String?
        @Option(help: "Mask optimisation iterations (default 2000; cpu victims 200).") var iterations: Int?
        @Option(help: "Crops per iteration (default 128; cpu victims 32).") var batchSize: Int?
        @Option(help: "Perturbation budget ε of the neurons (default 0.4).") var epsilon: Double?
        @Option(help: "Weight of the clean loss against the perturbed one (default 0.2).") var tradeOff: Double?
        @Option(help: "Mask learning rate (default 0.2).") var maskLr: Double?
        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var compute: DeviceOptions

        func run() throws {
            var job = try defence.job(.anp, runtime: runtime, compute: compute)
            if let thresholds { job.anpThresholds = try DefenceOptions.list(thresholds, option: "--thresholds") }
            job.anpIterations = iterations
            job.anpBatchSize = batchSize
            job.anpEpsilon = epsilon
            job.anpTradeOff = tradeOff
            job.anpMaskLearningRate = maskLr
            try DefenceOptions.execute(job)
        }
    }
}

/// Options every defence shares.
struct DefenceOptions: ParsableArguments {
    @Option(name: .customLong("run"), help: "The backdoored victim's run folder (baiqa experiment, or a suite's victim step).") var runFolder: String
    @Option(help: "Output folder (default: <run>/defences/<name>).") var out: String?
    @Option(help: "The defender's share of the training images, in (0, 1) (default 0.05; anp 0.01).") var cleanFraction: Double?
    @Option(help: "A JSON file {\"clean\": [image names]} to use as the clean set instead (none may be in the test split).") var cleanSplit: String?
    @Option(help: "Selection rule: the largest rate/threshold whose clean-set RMSE rises less than this fraction (default 0.1).") var maxRmseRise: Double = 0.1

    func job(_ kind: DefenceKind, runtime: RuntimeOptions, compute: DeviceOptions) throws -> DefenceJob {
        runtime.apply()
        try compute.apply()
        var job = DefenceJob(kind: kind, run: URL(fileURLWithPath: runFolder))
        job.out = out.map { URL(fileURLWithPath: $0).standardizedFileURL }
        job.cleanFraction = cleanFraction
        job.cleanSplit = cleanSplit.map { URL(fileURLWithPath: $0) }
        job.seed = runtime.seed
        job.maxCleanRMSERise = maxRmseRise
        if let out { try OutputPaths.requireNew([out]) }
        return job
    }

    static func list(_ text: String, option: String) throws -> [Double] {
        let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { throw ValidationError("\(option): expected comma-separated numbers, got '\(text)'") }
        return values.map { $0! }
    }

    static func execute(_ job: DefenceJob) throws {
        let results = try job.run(monitor: ConsoleMonitor())
        let before = results.undefended, after = results.chosen
        print(String(format: "%@: mMAE %.2f → %.2f, mMRA %.3f → %.3f, test SROCC %.3f → %.3f, RMSE %.2f → %.2f",
                     DefenceKind(rawValue: results.defence)?.title ?? results.defence, before.attack.mmae, after.attack.mmae,
                     before.attack.mmra, after.attack.mmra, before.benign.srocc, after.benign.srocc, before.benign.rmse, after.benign.rmse))
    }
}
