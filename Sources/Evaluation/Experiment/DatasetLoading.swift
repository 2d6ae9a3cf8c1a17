import Dispatch
import Foundation
import IQAData

/// A dataset decoded once into memory: names, MOS labels and 8-bit images, index-aligned.
public struct LoadedDataset: Sendable {
    public var root: URL
    public var names: [String]
    public var scores: [Double]
    public var images: [RGBImage]

    /// Reads the folder dataset's CSV and decodes every image (in parallel; the result does not depend
    /// on scheduling). Any bad file fails the whole load with an error naming it.
    public static func load(_ dataset: FolderDataset, progress: ((Int, Int) -> Void)? = nil) throws -> LoadedDataset {
        let samples = try dataset.load()
        let n = samples.count
        final class Slots: @unchecked Sendable {
            var images: [RGBImage?]
            var errors: [Error?]
            let lock = NSLock()
            var done = 0
            init(_ n: Int) { images = Array(repeating: nil, count: n); errors = Array(repeating: nil, count: n) }
        }
        let slots = Slots(n)
        DispatchQueue.concurrentPerform(iterations: n) { i in
            let result = Result { try ImageIO.read(samples[i].url) }
            slots.lock.lock()
            switch result {
            case .success(let image): slots.images[i] = image
            case .failure(let error): slots.errors[i] = error
            }
            slots.done += 1
            let done = slots.done
            slots.lock.unlock()
            progress?(done, n)
        }
        if let error = slots.errors.compactMap({ $0 }).first { throw error }
        return LoadedDataset(root: dataset.root, names: samples.map(\.name), scores: samples.map(\.score),
                             images: slots.images.map { $0! })
    }

    /// A seeded random split by index: the first round(ratio·N) of a permutation train, the rest test.
    public func split(trainRatio: Double, seed: UInt64) -> (train: [Int], test: [Int]) {
        var rng = SeededGenerator(seed: seed, stream: 0x5B17)
        var order = Array(0..<names.count)
        order.shuffle(using: &rng)
        let nTrain = Int((trainRatio * Double(order.count)).rounded())
        return (Array(order[..<nTrain]), Array(order[nTrain...]))
    }
}
