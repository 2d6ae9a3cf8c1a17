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

    /// One score per file, in order.
    public func scores(_ files: [URL]) throws -> [Double] {
        let manifest = try RunManifest.read(from: folder)
        let model = try manifest.loadModel(folder: folder)
        var injector: CropInjector?
        if alpha != nil {
            guard let spec = trigger ?? manifest.triggerSpec else {
                throw RunError("\(folder.path): the run has no trigger; name one for --alpha (--attack KIND or --trigger FILE)")
            }
            injector = try spec.injector(seed: manifest.seed, relativeTo: folder)
        }
        let images = try files.map { try ImageIO.read($0) }
        let crop = manifest.recipe.cropSize
        for (f, image) in zip(files, images) where image.width < crop || image.height < crop {
            throw RunError("\(f.path): \(image.width)×\(image.height) is smaller than the model's \(crop)×\(crop) crops")
        }
        let renderer = try PatchRenderer(source: InMemoryImages(images), crop: crop, injector: injector, triggerPhase: manifest.recipe.triggerPhase)
        let predictor = Predictor(model: model, renderer: renderer, patches: patches ?? manifest.recipe.testPatches, flip: manifest.recipe.flipAtTest)
        return try predictor.scores(images: Array(images.indices), alpha: alpha ?? 0, seed: seed)
    }
}
