import Foundation
import IQAData
import Torch

/// Writes a poisoned training set as a releasable folder dataset (the form an attacker publishes and a
/// victim trains on with any tool): poisoned images as lossless PNG (or JPEG at a chosen quality, as a
/// dataset is usually released) with the trigger injected on the
/// full image (after the C-BAIQA PGD perturbation, when given), every other image copied byte for byte,
/// `scores.csv` (labels shifted by α·Δy for poison-label, unchanged for clean-label), `split.json`
/// (train = the training list, test = the untouched test images) and `manifest.json` (attack, α per
/// image, trigger fingerprint, seed). Written to `<out>.partial` and renamed when complete.
public struct PoisonedDatasetExport {
    public struct Manifest: Codable {
        public var attack: String
        public var labelMode: String
        public var rate: Double
        public var deltaY: Double
        public var seed: UInt64
        public var triggerFingerprint: String?
        public var pgdFingerprint: String?
        public var poisoned: [Entry]
        public var trainCount: Int
        public var testCount: Int
        /// The poisoned images' format: nil for PNG, else the JPEG quality and subsampling.
        public var poisonedJPEG: JPEGRecompression?
        public struct Entry: Codable {
            public var image: String
            public var source: String
            public var alpha: Double
            public var originalScore: Double
            public var label: Double
        }
    }

    public var samples: [IQASample]
    public var train: [Int]
    public var test: [Int]
    public var plan: PoisonPlan
    public var injector: CropInjector
    /// PGD perturbations by image name ([3, H, W] on 0…1), for clean-label poisoning.
    public var perturbations: [String: Tensor] = [:]
    public var attackName: String
    public var seed: UInt64
    public var triggerFingerprint: String?
    public var pgdFingerprint: String?
    /// Write the poisoned images as JPEG through this channel (nil: lossless PNG).
    public var jpeg: JPEGRecompression?

    public init(samples: [IQASample], train: [Int], test: [Int], plan: PoisonPlan, injector: CropInjector, attackName: String, seed: UInt64) {
        self.samples = samples
        self.train = train
        self.test = test
        self.plan = plan
        self.injector = injector
        self.attackName = attackName
        self.seed = seed
    }

    /// A poisoned image: (x [+ δ]) rounded to 8-bit levels, trigger at α on the full image, 8-bit PNG.
    func poisonedImage(_ sample: IQASample, alpha: Double) throws -> RGBImage {
        var image = try ImageIO.read(sample.url)
        if let delta = perturbations[sample.name] { image = try PerturbedImages.apply(delta, to: image, name: sample.name) }
        return image.replacingPixels(chw: injector.injectFullImage(image, alpha: alpha))
    }

    /// Writes the dataset into `out` (which must not exist); `progress(done, total)`.
    @discardableResult
    public func write(to out: URL, progress: ((Int, Int) -> Void)? = nil) throws -> Manifest {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: out.path) else { throw BackdoorError("\(out.path) already exists") }
        let work = out.deletingLastPathComponent().appendingPathComponent(out.lastPathComponent + ".partial")
        try? fm.removeItem(at: work)
        try fm.createDirectory(at: work.appendingPathComponent("images"), withIntermediateDirectories: true)
        do {
            var alphaOf: [Int: Double] = [:]
            for (p, a) in zip(plan.poisoned, plan.alphas) { alphaOf[train[p]] = a }
            var rows: [String] = ["image,mos"], entries: [Manifest.Entry] = [], names: [Int: String] = [:]
            let all = train + test
            for (k, i) in all.enumerated() {
                let s = samples[i]
                let base = (s.name as NSString).deletingPathExtension.replacingOccurrences(of: "/", with: "_")
                var label = s.score
                let name: String
                if let alpha = alphaOf[i] {
                    if let jpeg {
                        name = "images/\(base).jpg"
                        try ImageIO.writeJPEG(poisonedImage(s, alpha: alpha), quality: jpeg.quality, subsampling: jpeg.subsampling,
                                              to: work.appendingPathComponent(name))
                    } else {
                        name = "images/\(base).png"
                        try ImageIO.writePNG(poisonedImage(s, alpha: alpha), to: work.appendingPathComponent(name))
                    }
                    if plan.labelMode == .poison { label += alpha * plan.deltaY }
                    entries.append(.init(image: name, source: s.name, alpha: alpha, originalScore: s.score, label: label))
                } else {
                    name = "images/\(base).\(s.url.pathExtension)"
                    try fm.copyItem(at: s.url, to: work.appendingPathComponent(name))
                }
                names[i] = name
                rows.append("\(CSV.escape(name)),\(String(format: "%.6f", label))")
                progress?(k + 1, all.count)
            }
            try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: work.appendingPathComponent("scores.csv"), options: .atomic)
            try SplitFile.write(DatasetSplit(train: train.map { names[$0]! }, test: test.map { names[$0]! }),
                                to: work.appendingPathComponent("split.json"))
            let manifest = Manifest(attack: attackName, labelMode: plan.labelMode.rawValue, rate: plan.rate, deltaY: plan.deltaY, seed: seed,
                                    triggerFingerprint: triggerFingerprint, pgdFingerprint: pgdFingerprint, poisoned: entries,
                                    trainCount: train.count, testCount: test.count, poisonedJPEG: jpeg)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            try encoder.encode(manifest).write(to: work.appendingPathComponent("manifest.json"), options: .atomic)
            try fm.moveItem(at: work, to: out)
            return manifest
        } catch {
            try? fm.removeItem(at: work)
            throw error
        }
    }
}
