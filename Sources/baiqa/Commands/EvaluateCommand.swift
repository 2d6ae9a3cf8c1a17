import ArgumentParser
import Evaluation
import Foundation
import IQAData
import Pipelines

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a run's model on its test split: PLCC, SROCC, KRCC, RMSE, and with a trigger the α sweep.",
        discussion: """
        Uses the run's manifest (model, recipe, dataset, test images, seed) and its seeded test crops, so \
        evaluating a run again gives the numbers of its results.json. --attack adds the α sweep of spec §9.2 \
        (MAE(α), MRA(α), mMAE, mMRA and PSNR at α = 1) against the run's own trigger, as recorded in its \
        manifest (family, DCT positions, trigger file, baseline settings, Δy and α list); --attack KIND or \
        --trigger FILE sweeps another trigger. --logistic also reports PLCC/RMSE after the 4-parameter \
        logistic mapping used by pyiqa and VQEG.
        """)

    @Option(name: .customLong("run"), help: "Run folder (from baiqa train or baiqa experiment).") var runFolder: String
    @Option(help: "Evaluate on this dataset root instead of the manifest's (same layout and image names).") var root: String?
    @OptionGroup(title: "Trigger of the sweep") var trigger: TriggerOptions
    @Option(parsing: .signedNumber, help: "Δy of the α sweep (default: the run's, else 40).") var deltaY: Double?
    @Flag(help: "Also report PLCC and RMSE after a 4-parameter logistic mapping.") var logistic = false
    @Option(help: "Crops per test image (default: the recipe's).") var patches: Int?

    @Option(help: "Trigger grid phase for the sweep: full-image or crop (default: the run's recipe). A victim trained on an exported poisoned dataset saw the trigger at the full image's phase: use full-image, or crop if it was trained with --crops-on-trigger-grid.")
    var triggerPhase: TriggerPhase?

    @OptionGroup var output: JSONOutputOption
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var compute: DeviceOptions

    func run() throws {
        runtime.apply()
        try compute.apply()
        let folder = URL(fileURLWithPath: runFolder)
        let manifest = try RunManifest.read(from: folder)
        var job = RunEvaluation(folder: folder)
        job.root = root
        job.trigger = try trigger.spec(run: manifest.triggerSpec, runName: runFolder)
        job.deltaY = deltaY
        job.patches = patches
        job.seed = runtime.seed
        job.triggerPhase = triggerPhase
        job.logistic = logistic
        let monitor: RunMonitor = output.json ? SilentMonitor() : ConsoleMonitor()
        let result = try job.run(monitor: monitor)
        if output.json { return print(try JSONFiles.string(result, keys: .snakeCase)) }
        var rows: [(String, BenignMetrics)] = [("raw predictions", result.benign!)]
        if let m = result.benignMapped { rows.append(("logistic-mapped", m)) }
        print(MarkdownTable.benign(rows).markdown)
        if let a = result.attack, let p = result.psnrAlpha1, let t = result.trigger {
            print("trigger: \(t.summary)\n")
            print(MarkdownTable.alphaSweep(a).markdown)
            print(String(format: "mMAE %.3f  mMRA %.4f  PSNR(α=1) %.2f dB", a.mmae, a.mmra, p.psnrOfMeanMSE))
        }
    }
}
