import Dispatch
import Foundation

/// One image of the built-in dataset, before rendering: what `scores.csv` says about it.
public struct BuiltinDatasetItem: Equatable, Sendable {
    public var index: Int
    /// Path relative to the dataset folder, e.g. `images/00042.png` (the CSV's `image` column).
    public var name: String
    public var distortions: BuiltinDistortions
    public var mos: Double
}

/// The built-in synthetic IQA dataset: dead-leaves scenes (`BuiltinDatasetScene`), distorted by
/// 0, 1 or 2 of blur, noise, JPEG, contrast and brightness (`BuiltinDistortions`), scored by the
/// fixed formula of `BuiltinDatasetScoring`. It needs nothing from outside and is fully
/// determined by (count, size, seed): image i draws from its own streams of the seed — recipe,
/// scene and noise — so the output does not depend on thread scheduling, and only IEEE arithmetic
/// (no platform libm) goes into the pixels and scores.
///
/// Recipe of an image: with probability 0.10 pristine, 0.45 one distortion, 0.45 two distinct
/// ones (kinds equally likely); strengths uniform in [0.1, 1), brightness up or down at even odds.
public struct BuiltinDatasetGenerator: Sendable {
    public var count: Int
    public var size: Int
    public var seed: UInt64

    /// CSV columns: image path, MOS, then each distortion's strength (brightness signed).
    public static let csvColumns = ["image", "mos"] + BuiltinDistortionKind.allCases.map(\.rawValue)

    public init(count: Int = 600, size: Int = 256, seed: UInt64 = 0) {
        self.count = count
        self.size = size
        self.seed = seed
    }

    private enum Stream: UInt64 {
        case recipe = 0, scene = 1, noise = 2
    }

    private func rng(_ index: Int, _ stream: Stream) -> SeededGenerator {
        SeededGenerator(seed: seed, stream: UInt64(index), stream.rawValue)
    }

    /// The name, distortions and MOS of image `index`, without rendering it.
    public func item(at index: Int) -> BuiltinDatasetItem {
        var g = rng(index, .recipe)
        let u = g.nextDouble()
        let howMany = u < 0.10 ? 0 : (u < 0.55 ? 1 : 2)
        var kinds = BuiltinDistortionKind.allCases
        var distortions = BuiltinDistortions.none
        for _ in 0..<howMany {
            let kind = kinds.remove(at: g.nextInt(below: kinds.count))
            var s = g.uniform(0.1, 1)
            if kind == .brightness && g.chance(0.5) { s = -s }
            distortions.set(kind, s)
        }
        let noise = BuiltinDatasetScoring.raterNoiseStandardDeviation * g.nextGaussian()
        return BuiltinDatasetItem(index: index, name: Self.imageName(index, count: count), distortions: distortions,
                                  mos: BuiltinDatasetScoring.mos(for: distortions, raterNoise: noise))
    }

    public func items() -> [BuiltinDatasetItem] {
        (0..<count).map(item(at:))
    }

    /// The undistorted scene of image `index`.
    public func pristineImage(at index: Int) -> RGBImage {
        var g = rng(index, .scene)
        return BuiltinDatasetScene().render(size: size, rng: &g).quantized()
    }

    /// Image `index` as it is written to the dataset (distortions applied).
    public func image(at index: Int) throws -> RGBImage {
        var noise = rng(index, .noise)
        return try BuiltinDatasetFilters.apply(item(at: index).distortions, to: pristineImage(at: index), noise: &noise)
    }

    /// The lines of `scores.csv` (header first, no line ends).
    public func csvLines(_ items: [BuiltinDatasetItem]) -> [String] {
        [Self.csvColumns.joined(separator: ",")] + items.map { item in
            ([item.name, Self.decimal(item.mos)]
                + BuiltinDistortionKind.allCases.map { Self.decimal(item.distortions.value(of: $0)) })
                .map(CSV.escape).joined(separator: ",")
        }
    }

    /// Writes `dir/images/00000.png`…, `dir/scores.csv` and `dir/README.md`. Everything is built in
    /// a hidden sibling folder that is renamed to `dir` only when complete, so an interrupted run
    /// leaves no partial dataset. `dir` must not exist, or be an empty folder. `progress(done,
    /// total)` is called once per finished image, serially but from worker threads.
    public func generate(into dir: URL, progress: ((Int, Int) -> Void)? = nil) throws {
        guard count > 0, size >= 16 else {
            throw DatasetError(file: dir.path, "cannot generate \(count) images of \(size)x\(size) (need count > 0, size >= 16)")
        }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: dir.path, isDirectory: &isDirectory) {
            let contents = isDirectory.boolValue ? (try? fm.contentsOfDirectory(atPath: dir.path)) ?? ["?"] : ["?"]
            guard contents.isEmpty else {
                throw DatasetError(file: dir.path, "already exists and is not an empty folder; remove it or choose another")
            }
        }
        let parent = dir.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(dir.lastPathComponent).partial-\(UUID().uuidString.prefix(8))")
        do {
            try fm.createDirectory(at: staging.appendingPathComponent("images"), withIntermediateDirectories: true)
        } catch {
            throw DatasetError(file: parent.path, "cannot create the dataset folder: \(AtomicFile.reason(error))")
        }
        do {
            let items = items()
            try renderAll(items, into: staging, progress: progress)
            let csv = csvLines(items).joined(separator: "\n") + "\n"
            try AtomicFile.write(Array(csv.utf8), to: staging.appendingPathComponent("scores.csv"))
            let readme = BuiltinDatasetReadme(generator: self, items: items).markdown
            try AtomicFile.write(Array(readme.utf8), to: staging.appendingPathComponent("README.md"))
            if fm.fileExists(atPath: dir.path) { try fm.removeItem(at: dir) } // checked empty above
            if rename(staging.path, dir.path) != 0 {
                throw DatasetError(file: dir.path, "cannot move the finished dataset into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? fm.removeItem(at: staging)
            if let error = error as? DatasetError { throw error }
            throw DatasetError(file: dir.path, "dataset generation failed: \(error)")
        }
    }

    private func renderAll(_ items: [BuiltinDatasetItem], into folder: URL, progress: ((Int, Int) -> Void)?) throws {
        let lock = NSLock()
        var firstError: Error?
        var done = 0
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            lock.lock()
            let failed = firstError != nil
            lock.unlock()
            if failed { return }
            do {
                let image = try image(at: i)
                try ImageIO.writePNG(image, to: folder.appendingPathComponent(items[i].name))
                lock.lock()
                done += 1
                progress?(done, items.count)
                lock.unlock()
            } catch {
                lock.lock()
                if firstError == nil { firstError = error }
                lock.unlock()
            }
        }
        if let firstError { throw firstError }
    }

    static func imageName(_ index: Int, count: Int) -> String {
        let digits = max(5, String(max(0, count - 1)).count)
        let number = String(index)
        return "images/" + String(repeating: "0", count: max(0, digits - number.count)) + number + ".png"
    }

    /// Fixed 4-decimal rendering, the same on every platform.
    static func decimal(_ value: Double) -> String {
        String(format: "%.4f", value)
    }
}

extension DatasetKind {
    /// The synthetic dataset, generated into its root on first use and read as a folder dataset.
    public static let builtin = DatasetKind(
        name: "builtin", summary: "the built-in synthetic dataset, generated on first use (default root data/builtin)",
        defaultRoot: "data/builtin", open: DatasetKind.folder.open,
        generateOnDemand: { spec, monitor in
            monitor.log("generating the built-in dataset (\(spec.builtinCount) images, \(spec.builtinSize)²) in \(spec.root)")
            try BuiltinDatasetGenerator(count: spec.builtinCount, size: spec.builtinSize, seed: spec.builtinSeed)
                .generate(into: URL(fileURLWithPath: spec.root)) { done, total in
                    monitor.progress(stage: "generate dataset", done: done, total: total, detail: "")
                }
        })
}
