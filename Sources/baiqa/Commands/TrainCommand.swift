import ArgumentParser
import Foundation
import Pipelines

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a clean NR-IQA model (HyperIQA, DBCNN or TReS) and write a run folder.",
        discussion: """
        Writes model.pt (state dict with the official key names), manifest.json, split.json, results.json \
        (benign PLCC/SROCC/KRCC/RMSE on the test split), report.md and log.txt. A checkpoint is written after \
        every epoch; `--resume RUN` (or the same command again) continues a killed run and ends with the \
        same numbers as an uninterrupted one.
        """)

    @OptionGroup var recipe: RecipeOptions
    @OptionGroup var data: DatasetOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var compute: DeviceOptions
    @Option(help: "Run folder (default: runs/train-<model>[-N]).") var out: String?
    @Option(help: "Continue the unfinished run in this folder (its options are reused).") var resume: String?

    @Option(help: "Train on K random splits (seeds seed…seed+K−1) in RUN/split-k and report the median, as IQA papers do.") var splits: Int = 1

    @Option(help: "Log test-split SROCC/PLCC every N epochs while training (0: only at the end). Monitoring only: no model selection.")
    var evalEvery: Int = 0

    func run() throws {
        let seed = runtime.apply()
        try compute.apply()
        let monitor = ConsoleMonitor()
        guard splits >= 1 else { throw ValidationError("--splits must be at least 1") }
        if let resume {
            let (config, out) = try TrainingRun.unfinished(resume)
            let benign = try TrainingRun(config: config, evalEvery: evalEvery, monitor: monitor).run(into: out)
            return Print.benign(benign, run: out)
        }
        var config = TrainingConfig()
        config.seed = seed
        config.dataset = try data.resolved()
        config.recipe = try recipe.recipe()
        let job = TrainingRun(config: config, evalEvery: evalEvery, monitor: monitor)
        guard splits > 1 else {
            let out = try RunFolder.choose(out, defaultName: "runs/train-\(recipe.model.rawValue)")
            return Print.benign(try job.run(into: out), run: out)
        }
        // With --splits the folder holds one run per split; re-running skips the finished ones.
        let folder = URL(fileURLWithPath: out ?? "runs/train-\(recipe.model.rawValue)-splits").standardizedFileURL
        let summary = try job.runSplits(splits, into: folder)
        print(String(format: "median over %d splits: SROCC %.3f  PLCC %.3f  KRCC %.3f  RMSE %.2f", splits,
                     summary.median["srocc"]!, summary.median["plcc"]!, summary.median["krcc"]!, summary.median["rmse"]!))
        print("runs: \(folder.path)/split-*  summary: \(folder.appendingPathComponent("summary.json").path)")
    }
}
