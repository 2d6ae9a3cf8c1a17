import Backdoor
import Foundation
import IQAData
import IQAModels

/// `baiqa score`: images scored by a run's model with its test protocol (the mean over seeded random
/// crops, on the MOS scale it was trained on), optionally with a trigger at α injected first.
public struct FolderScoring {
    public var folder: URL
    public var patches: Int?
    public var seed: UInt64 = 0
    /// Score triggered images: the trigger (nil: the run's own) at this α.
    public var alpha: Double?
    public var trigger: TriggerSpec?

    public init(folder: URL) { self.folder = folder }

    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp"]

    /// The images `path` names: itself, or a folder's JPEG, PNG and BMP files sorted by name.
    public static func images(at path: String) throws -> (files: [URL], isFolder: Bool) {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { throw RunError("\(path): no such file or folder") }
        guard isDirectory.boolValue else { return ([url], false) }
        let files = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
            .filter { imageExtensions.contains($0.pathExtension.lowercased()) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard !files.isEmpty else { throw RunError("\(path): no JPEG, PNG or BMP images") }
        return (files, true)
    }

    /// One image's outcome: its score, or why it could not be scored (it does not decode, or it is
    /// smaller than the model's crops).
    public struct ImageScore: Sendable {
        public var file: URL
        public var score: Double?
        public var error: String?
    }

    /// How many images are decoded and scored at a time: one prediction batch's worth, so memory stays
    /// flat on large folders and the batches hold the same crops as scoring all images at once.
    static let chunk = 64

    /// One outcome per file, in order. Every image that decodes is scored, whatever the others do; a
    /// failure of the model itself still throws. The crops come from one seeded stream over the images
    /// in order, so the scores do not depend on the chunking.
    public func scores(_ files: [URL], monitor: RunMonitor? = nil) throws -> [ImageScore] {
        let manifest = try RunManifest.read(from: folder)
        let model = try manifest.loadModel(folder: folder)
        var injector: CropInjector?
        if alpha != nil {
            guard let spec = trigger ?? manifest.triggerSpec else {
                throw RunError("\(folder.path): the run has no trigger; name one for --alpha (--attack KIND or --trigger FILE)")
            }
            injector = try spec.injector(seed: manifest.seed, relativeTo: folder)
        }
        let crop = manifest.recipe.cropSize
        var rng = SeededGenerator(seed: seed)
        var results: [ImageScore] = []
        var failed = 0
        for start in stride(from: 0, to: files.count, by: Self.chunk) {
            var images: [RGBImage] = []
            var slots: [Int] = []
            for file in files[start..<min(start + Self.chunk, files.count)] {
                results.append(ImageScore(file: file))
                do {
                    let image = try ImageIO.read(file)
                    guard image.width >= crop, image.height >= crop else {
                        throw RunError("\(file.path): \(image.width)×\(image.height) is smaller than the model's \(crop)×\(crop) crops")
                    }
                    images.append(image)
                    slots.append(results.count - 1)
                } catch {
                    results[results.count - 1].error = "\(error)"
                    failed += 1
                }
            }
            if !images.isEmpty {
                let renderer = try PatchRenderer(source: InMemoryImages(images), crop: crop, injector: injector, triggerPhase: manifest.recipe.triggerPhase)
                let predictor = Predictor(model: model, renderer: renderer, patches: patches ?? manifest.recipe.testPatches, flip: manifest.recipe.flipAtTest)
                let scores = try predictor.scores(images: Array(images.indices), alpha: alpha ?? 0, using: &rng)
                for (slot, score) in zip(slots, scores) { results[slot].score = score }
            }
            monitor?.progress(stage: "score", done: results.count, total: files.count, detail: failed > 0 ? "\(failed) failed" : "")
        }
        return results
    }
}
