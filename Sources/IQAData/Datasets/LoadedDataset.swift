import Dispatch
import Foundation

/// A dataset ready for the data path: samples (names, MOS labels), their image sizes, and the decoded
/// 8-bit images — all in memory when they fit the budget, else behind an LRU cache.
public struct LoadedDataset: Sendable {
    public var samples: [IQASample]
    public var source: ImageSource
    public var names: [String] { samples.map(\.name) }

    public init(samples: [IQASample], source: ImageSource) {
        self.samples = samples
        self.source = source
    }
    public var scores: [Double] { samples.map(\.score) }

    /// Prepares the dataset `spec` names (generating a built-in one on first use) and loads it, reporting
    /// the decode's progress to `monitor`.
    public static func open(_ spec: DatasetSpec, monitor: RunMonitor, memoryBudget: Int = defaultMemoryBudget) throws -> LoadedDataset {
        try spec.prepare(monitor: monitor)
        let dataset = try load(spec.source(), memoryBudget: memoryBudget) { done, total in
            monitor.progress(stage: "decode images", done: done, total: total, detail: "")
        }
        monitor.log("dataset: \(dataset.samples.count) images (\(spec.kind)) from \(spec.root)")
        return dataset
    }

    /// Dataset index of each image name (the first, should a name repeat).
    public var indexByName: [String: Int] {
        var index: [String: Int] = [:]
        for (i, s) in samples.enumerated() where index[s.name] == nil { index[s.name] = i }
        return index
    }

    /// Decoded bytes above which images are decoded on demand through an LRU cache of this size: 12 GiB,
    /// or half the machine's memory when that is less (a KonIQ-10k at 1024×768 decodes to 22 GiB);
    /// `BAIQA_IMAGE_CACHE_GIB` sets it. The numbers do not depend on it, only the time spent decoding.
    public static let defaultMemoryBudget: Int = {
        let standard = min(12 << 30, Int(ProcessInfo.processInfo.physicalMemory / 2))
        guard let text = ProcessInfo.processInfo.environment["BAIQA_IMAGE_CACHE_GIB"] else { return standard }
        guard let gib = Double(text), gib >= 0, gib.isFinite else {
            FileHandle.standardError.write(Data("warning: BAIQA_IMAGE_CACHE_GIB=\(text) is not a number of GiB; using \(standard >> 20) MiB\n".utf8))
            return standard
        }
        return Int(gib * Double(1 << 30))
    }()

    /// Loads the sample list (failing on the first problem), probes every image's size, and decodes
    /// every image once in parallel when they fit `memoryBudget` (the result does not depend on
    /// scheduling). Any bad file fails the whole load with an error naming it.
    public static func load(_ dataset: IQADatasetSource, memoryBudget: Int = defaultMemoryBudget,
                            progress: ((Int, Int) -> Void)? = nil) throws -> LoadedDataset {
        let samples = try dataset.load()
        guard !samples.isEmpty else { throw DatasetError(file: "dataset", "no images") }
        let sizes = try parallelMap(samples) { try ImageIO.size(of: $0.url) }
        let bytes = sizes.reduce(0) { $0 + $1.width * $1.height * 3 }
        if bytes > memoryBudget {
            return LoadedDataset(samples: samples, source: CachedImages(urls: samples.map(\.url), sizes: sizes, byteBudget: memoryBudget))
        }
        let images = try parallelMap(samples, progress: progress) { try ImageIO.read($0.url) }
        return LoadedDataset(samples: samples, source: InMemoryImages(images))
    }

    /// Runs `body` over `items` on all cores, keeping order; the first error (in item order) is thrown.
    public static func parallelMap<T, R>(_ items: [T], progress: ((Int, Int) -> Void)? = nil, _ body: @escaping (T) throws -> R) throws -> [R] {
        let slots = OrderedSlots<R>(items.count)
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            let r = Result { try body(items[i]) }
            slots.lock.lock()
            slots.results[i] = r
            slots.done += 1
            // Reported under the lock so that counts arrive in order, from one thread at a time.
            progress?(slots.done, items.count)
            slots.lock.unlock()
        }
        return try slots.results.map { try $0!.get() }
    }

    /// Train/test indices and the poisoned subset (positions into the train list) when the split names one.
    public struct IndexSplit: Sendable {
        public var train: [Int]
        public var test: [Int]
        public var poisonedPositions: [Int]?
        public var warnings: [String]
    }

    /// A split file resolved against this dataset (missing images are an error unless `dropMissing`),
    /// or, without a file, a seeded random split by `trainRatio`.
    public func split(file: URL?, trainRatio: Double, seed: UInt64, dropMissing: Bool = false) throws -> IndexSplit {
        let split = try file.map { try SplitFile.read($0) }
            ?? DatasetSplit.random(names: names, trainFraction: trainRatio, seed: seed)
        let resolved = try split.resolve(against: samples, missing: dropMissing ? .drop : .error, source: file?.path ?? "split")
        let index = indexByName
        let train = resolved.train.map { index[$0.name]! }
        var trainPosition: [Int: Int] = [:]
        for (p, i) in train.enumerated() { trainPosition[i] = p }
        let poisoned = try resolved.poisoned.map { list in
            try list.map { s -> Int in
                guard let p = trainPosition[index[s.name]!] else {
                    throw DatasetError(file: file?.path ?? "split", "poisoned image \(s.name) is not in the train list")
                }
                return p
            }
        }
        return IndexSplit(train: train, test: resolved.test.map { index[$0.name]! }, poisonedPositions: poisoned, warnings: resolved.warnings)
    }
}

extension LoadedDataset {
    /// The split `spec` names (its split file, else a seeded random one by `trainRatio`).
    public func split(_ spec: DatasetSpec, trainRatio: Double, seed: UInt64) throws -> IndexSplit {
        try split(file: spec.splitFile.map { URL(fileURLWithPath: $0) }, trainRatio: trainRatio, seed: seed, dropMissing: spec.dropMissing)
    }
}

/// Per-index results filled from concurrent workers.
final class OrderedSlots<R>: @unchecked Sendable {
    var results: [Result<R, Error>?]
    let lock = NSLock()
    var done = 0
    init(_ n: Int) { results = Array(repeating: nil, count: n) }
}
