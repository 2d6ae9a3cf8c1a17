import ArgumentParser
import Evaluation
import Foundation
import IQAData
import Pipelines

struct RobustnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robustness",
        abstract: "Does a trigger survive JPEG? A run's α sweep with every test image recompressed at each quality.",
        discussion: """
        Test time: each triggered test image (and its clean reference) is JPEG-encoded at quality q and \
        decoded (libjpeg-turbo, baseline, 4:2:0 as PIL saves by default) before the model scores it. With the \
        full-image trigger phase the whole image is recompressed and then cropped, as an uploaded file; with \
        the crop phase (cpu presets) each triggered crop is, on the trigger's grid. One row per quality after \
        a reference row without JPEG: benign SROCC, the mean change of the clean score, mMAE, mMRA, and how \
        much of the trigger the channel leaves (⟨J(x+t) − J(x), t⟩ / ⟨t, t⟩ and its PSNR). Same crops and \
        seeds as `baiqa evaluate`. For release time, export the poisoned set with `baiqa poison --format jpeg`.
        """)

    @Option(name: .customLong("run"), help: "Run folder (from baiqa train or baiqa experiment).") var runFolder: String
    @Option(help: "Comma-separated JPEG qualities 1…100.") var jpeg: String = "95,90,75,50"
    @Option(help: "Chroma subsampling: 420 (PIL's default) or 444.") var subsampling: JPEGCodec.Subsampling = .s420
    @OptionGroup(title: "Trigger of the sweep") var trigger: TriggerOptions
    @Option(help: "Trigger grid phase: full-image or crop (default: the run's recipe).") var triggerPhase: TriggerPhase?
    @Option(help: "Crops per test image (default: the recipe's).") var patches: Int?
    @Option(help: "Also write the table as CSV to this file.") var csv: String?
    @OptionGroup var output: JSONOutputOption
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var compute: DeviceOptions

    func run() throws {
        runtime.apply()
        try compute.apply()
        let channels: [JPEGRecompression]
        do { channels = try JPEGRecompression.qualities(jpeg, subsampling: subsampling) } catch { throw ValidationError("--jpeg: \(error)") }
        if let csv { try OutputPaths.requireFolder(of: csv) }
        let folder = URL(fileURLWithPath: runFolder)
        let manifest = try RunManifest.read(from: folder)
        var evaluation = RunEvaluation(folder: folder)
        // Without trigger options: the run's own trigger (what a robustness question is about).
        evaluation.trigger = try trigger.spec(run: manifest.triggerSpec, runName: runFolder) ?? manifest.triggerSpec
        evaluation.patches = patches
        evaluation.seed = runtime.seed
        evaluation.triggerPhase = triggerPhase
        let result = try RunRobustness(evaluation: evaluation, channels: channels)
            .run(monitor: output.json ? SilentMonitor() : ConsoleMonitor())
        if let csv { try Data(result.csv.utf8).write(to: URL(fileURLWithPath: csv), options: .atomic) }
        if output.json { return print(try JSONFiles.string(result, keys: .snakeCase)) }
        if let t = result.trigger { print("trigger: \(t.summary) (\(result.triggerPhase.rawValue) phase), \(result.n) test images\n") }
        print(MarkdownTable.jpegRobustness(result.rows).markdown, terminator: "")
    }
}
