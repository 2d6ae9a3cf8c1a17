import Backdoor
import Foundation
import IQAData
import IQAModels
import Torch

/// C-BAIQA's PGD refinement from a surrogate to a perturbation file (`baiqa pgd`, the suite's PGD
/// step): a torch.save dict image name → δ ([3, H, W] float32 on the 0…1 scale) and a JSON record of
/// how far the surrogate's predictions moved towards the target.
public struct PGDJob {
    public var pgd: TargetedPGD

    public init(pgd: TargetedPGD) { self.pgd = pgd }

    /// What names a refinement: finished images in `parts` and a finished result are reused only by a
    /// refinement with the same inputs.
    public struct Inputs: Encodable {
        var surrogate: String, images: [String]
        var epsilon: Double, stepSize: Double, steps: Int, views: Int, target: Double, crop: Int, seed: UInt64
    }

    public func inputs(surrogate: String, names: [String]) -> Inputs {
        Inputs(surrogate: surrogate, images: names, epsilon: pgd.epsilon, stepSize: pgd.stepSize, steps: pgd.steps, views: pgd.views,
               target: pgd.target, crop: pgd.crop, seed: pgd.seed)
    }

    /// Refines `images` (`names`) of `source` against `surrogate` (named `surrogateName`); finished
    /// images wait in `parts` (resumable, removed at the end); the record goes to `record`, then the
    /// perturbations to `out`. The same refinement run again after it finished returns what it wrote.
    @discardableResult
    public func run(surrogate: IQAModel, surrogateName: String, source: ImageSource, images: [Int], names: [String],
                    out: URL, record: URL, parts: URL, monitor: RunMonitor) throws -> PGDRecord {
        let fingerprint = try Fingerprint.of(inputs(surrogate: surrogateName, names: names))
        let outputs = ResultFile<PGDRecord>(out: out, record: record)
        let lock: ExclusiveLock
        switch try outputs.claim(fingerprint: fingerprint) {
        case .finished(let done):
            monitor.log("\(out.path): refined before with the same inputs, reusing it")
            try? FileManager.default.removeItem(at: parts)
            return done
        case .toCompute(let l): lock = l
        }
        try claimParts(parts, fingerprint: fingerprint)
        let outcome = try PGDRefinement(pgd: pgd).run(surrogate: surrogate, names: names, image: { try source.image(images[$0]) },
                                                      parts: parts, monitor: monitor)
        let result = PGDRecord(images: names.count, meanDistanceBefore: outcome.meanDistanceBefore, meanDistanceAfter: outcome.meanDistanceAfter,
                               fingerprint: fingerprint)
        try outputs.commit(result, lock: lock) { try TensorFile.save(outcome.deltas, to: $0) }
        try? FileManager.default.removeItem(at: parts)
        return result
    }

    /// `parts` holds the finished images of this refinement only: its `.fingerprint` names the inputs.
    func claimParts(_ parts: URL, fingerprint: String) throws {
        let fm = FileManager.default
        let marker = parts.appendingPathComponent(".fingerprint")
        if fm.fileExists(atPath: parts.path) {
            let previous = (try? String(contentsOf: marker, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard previous == fingerprint else {
                throw RunError("\(parts.path) holds the unfinished images of a refinement with other inputs; remove it or choose another --out")
            }
            return
        }
        try fm.createDirectory(at: parts, withIntermediateDirectories: true)
        try Data((fingerprint + "\n").utf8).write(to: marker, options: .atomic)
    }

    /// The perturbations of `file` by dataset index (every name must be in the dataset).
    public static func load(_ file: URL, dataset: LoadedDataset) throws -> [Int: Tensor] {
        let index = dataset.indexByName
        var deltas: [Int: Tensor] = [:]
        for (name, delta) in try TensorFile.loadTensors(from: file) {
            guard let i = index[name] else { throw RunError("\(file.path): image \(name) is not in the dataset") }
            deltas[i] = delta
        }
        return deltas
    }
}

/// The JSON record beside a PGD perturbation file.
public struct PGDRecord: FingerprintedRecord {
    public var images: Int
    /// Mean |surrogate score − ȳ| before and after the refinement (EOT views).
    public var meanDistanceBefore: Double
    public var meanDistanceAfter: Double
    /// Of the refinement's inputs (absent in records written before 2026-12-05).
    public var fingerprint: String?
    enum CodingKeys: String, CodingKey {
        case images, fingerprint, meanDistanceBefore = "mean_distance_before", meanDistanceAfter = "mean_distance_after"
    }
}
