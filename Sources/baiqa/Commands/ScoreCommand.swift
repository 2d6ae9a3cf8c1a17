import ArgumentParser
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score images with a trained model (like `pyiqa <metric> -t PATH`).",
        discussion: "Each image's score is the mean over seeded random crops (the run's test protocol), on the MOS scale the model was trained on.")

    @Argument(help: "An image or a folder of images (JPEG, PNG, BMP).")
    var path: String

    @Option(name: .customLong("run"), help: "Run folder (from baiqa train or baiqa experiment).")
    var runFolder: String

    @Option(help: "Crops per image (default: the recipe's).")
    var patches: Int?

    @Option(help: "Seed of the crops.")
    var seed: UInt64 = 0

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Print CSV (image,score).")
    var csv = false

    func run() throws {
        let folder = URL(fileURLWithPath: runFolder)
        let manifest = try RunManifest.read(from: folder)
        let model = try manifest.loadModel(folder: folder)
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { throw CLIError("\(path): no such file or folder") }
        let files: [URL]
        if isDirectory.boolValue {
            let extensions: Set<String> = ["jpg", "jpeg", "png", "bmp"]
            files = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
                .filter { extensions.contains($0.pathExtension.lowercased()) }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
            guard !files.isEmpty else { throw CLIError("\(path): no JPEG, PNG or BMP images") }
        } else {
            files = [url]
        }
        let images = try files.map { try ImageIO.read($0) }
        let crop = manifest.recipe.cropSize
        for (f, image) in zip(files, images) where image.width < crop || image.height < crop {
            throw CLIError("\(f.path): \(image.width)×\(image.height) is smaller than the model's \(crop)×\(crop) crops")
        }
        let renderer = try PatchRenderer(source: InMemoryImages(images), crop: crop)
        let predictor = Predictor(model: model, renderer: renderer, patches: patches ?? manifest.recipe.testPatches, flip: manifest.recipe.flipAtTest)
        let scores = try predictor.scores(images: Array(images.indices), seed: seed)
        let names = files.map { isDirectory.boolValue ? $0.lastPathComponent : $0.path }
        if json {
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
