import Dispatch
import Foundation
import IQAData

/// A KonIQ-10k-sized dataset in the release layout (`1024x768/*.jpg` and
/// `koniq10k_scores_and_distributions.csv` with `image_name`, `MOS_zscore`) for the memory benchmark:
/// `count` JPEGs (quality 90) of 1024×768, each a distinct crop of one of `bases` built-in scenes of
/// 1024² (row offset from the image index), scored with its scene's MOS. Rendering 10,073 scenes
/// would take ~30 min on 2 cores; crops of 200 give distinct files in a few minutes.
enum KonIQLayoutBench {
    static func write(to root: URL, count: Int, bases: Int) throws -> [String: Any] {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let fm = FileManager.default
        let images = root.appendingPathComponent("1024x768")
        try fm.createDirectory(at: images, withIntermediateDirectories: true)
        let generator = BuiltinDatasetGenerator(count: bases, size: 1024, seed: 10_073)
        let scenes = try (0..<bases).map { try generator.image(at: $0) }
        let mos = generator.items().map(\.mos)
        let lock = NSLock()
        var failure: Error?
        var bytes = 0
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let base = i % bases, offset = (i / bases * 37) % 257
            do {
                let jpeg = try ImageIO.encodeJPEG(scenes[base].cropped(x: 0, y: offset, width: 1024, height: 768), quality: 90)
                try Data(jpeg).write(to: images.appendingPathComponent(String(format: "%010d.jpg", i)))
                lock.lock(); bytes += jpeg.count; lock.unlock()
            } catch {
                lock.lock(); failure = failure ?? error; lock.unlock()
            }
        }
        if let failure { throw failure }
        var csv = "image_name,MOS_zscore\n"
        for i in 0..<count { csv += String(format: "%010d.jpg,%.4f\n", i, mos[i % bases]) }
        try Data(csv.utf8).write(to: root.appendingPathComponent(KonIQ10kDataset.scoresCSVName))
        return ["bench": "koniq-layout", "images": count, "bases": bases, "jpeg_bytes": bytes,
                "seconds": Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9]
    }
}
