import ArgumentParser
import Foundation
import Pipelines

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score images with a trained model (like `pyiqa <metric> -t PATH`).",
        discussion: """
        Each image's score is the mean over seeded random crops (the run's test protocol), on the MOS scale \
        the model was trained on. With --alpha A the images are scored with a trigger at strength A: the \
        run's own trigger, or the one the trigger options name.
        """)

    @Argument(help: "An image or a folder of images (JPEG, PNG, BMP).") var path: String
    @Option(name: .customLong("run"), help: "Run folder (from baiqa train or baiqa experiment).") var runFolder: String
    @Option(help: "Crops per image (default: the recipe's).") var patches: Int?
    @OptionGroup var alpha: AlphaOption
    @OptionGroup(title: "Trigger (with --alpha)") var trigger: TriggerOptions
    @OptionGroup var output: JSONOutputOption
    @Flag(help: "Print CSV (image,score).") var csv = false
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var compute: DeviceOptions

    func run() throws {
        runtime.apply()
        try compute.apply()
        let folder = URL(fileURLWithPath: runFolder)
        var job = FolderScoring(folder: folder)
        job.patches = patches
        job.seed = runtime.seed ?? 0
        if alpha.alpha != nil {
            job.alpha = try alpha.value(default: 0)
            job.trigger = try trigger.spec(run: RunManifest.read(from: folder).triggerSpec, runName: runFolder)
        }
        let (files, isFolder) = try FolderScoring.images(at: path)
        let scores = try job.scores(files)
        let names = files.map { isFolder ? $0.lastPathComponent : $0.path }
        if output.json {
            let rows = zip(names, scores).map { ["image": $0, "score": $1] as [String: Any] }
            print(String(decoding: try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        } else if csv {
            print("image,score")
            for (n, s) in zip(names, scores) { print("\(n),\(String(format: "%.4f", s))") }
        } else {
            for (n, s) in zip(names, scores) { print(String(format: "%@\t%.4f", n, s)) }
        }
    }
}
