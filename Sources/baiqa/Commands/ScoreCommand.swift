import ArgumentParser
import Foundation
import IQAData
import Pipelines

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score images with a trained model (like `pyiqa <metric> -t PATH`).",
        discussion: """
        Each image's score is the mean over seeded random crops (the run's test protocol), on the MOS scale \
        the model was trained on. With --alpha A the images are scored with a trigger at strength A: the \
        run's own trigger, or the one the trigger options name. In a folder, every image that decodes is \
        scored; one that does not (or is smaller than the crops) gets an error (the CSV's error column, \
        the JSON's error field, a line on stderr) and the command exits with status 1 after printing all.
        """)

    @Argument(help: "An image or a folder of images (JPEG, PNG, BMP).") var path: String
    @Option(name: .customLong("run"), help: "Run folder (from baiqa train or baiqa experiment).") var runFolder: String
    @Option(help: "Crops per image (default: the recipe's).") var patches: Int?
    @OptionGroup var alpha: AlphaOption
    @OptionGroup(title: "Trigger (with --alpha)") var trigger: TriggerOptions
    @OptionGroup var output: JSONOutputOption
    @Flag(help: "Print CSV (image,score,error).") var csv = false
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
        let results = try job.scores(files, monitor: isFolder ? ConsoleMonitor() : nil)
        if !isFolder, let error = results[0].error { throw RunError(error) }
        let names = results.map { isFolder ? $0.file.lastPathComponent : $0.file.path }
        if output.json {
            let rows = zip(names, results).map { name, r -> [String: Any] in
                var row: [String: Any] = ["image": name, "score": r.score ?? NSNull()]
                if let e = r.error { row["error"] = e }
                return row
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        } else if csv {
            print("image,score,error")
            for (n, r) in zip(names, results) {
                print([n, r.score.map { String(format: "%.4f", $0) } ?? "", r.error ?? ""].map(CSV.escape).joined(separator: ","))
            }
        } else {
            for (n, r) in zip(names, results) { print(r.score.map { String(format: "%@\t%.4f", n, $0) } ?? "\(n)\tfailed: \(r.error ?? "")") }
        }
        // Every image that decodes is scored; the others are named, and the exit status says some failed.
        let failures = results.filter { $0.error != nil }
        guard failures.isEmpty else {
            for f in failures { FileHandle.standardError.write(Data("error: \(f.error ?? f.file.path)\n".utf8)) }
            FileHandle.standardError.write(Data("\(failures.count) of \(results.count) images could not be scored\n".utf8))
            throw ExitCode(1)
        }
    }
}
