import Backdoor
import Foundation
import IQAData
import Torch

/// `baiqa poison`: a poisoned training set exported as a releasable folder dataset (images/,
/// scores.csv, split.json, manifest.json, and the DCT trigger as trigger.pt).
public struct PoisonExportJob {
    public var dataset: DatasetSpec
    public var trigger: TriggerSpec
    public var labelMode: PoisonPlan.LabelMode = .poison
    public var rate = 0.2
    public var deltaY = 40.0
    public var alphaSampling: AlphaSampling = .weighted
    public var targetMean = 50.0
    /// C-BAIQA: PGD perturbations (from `baiqa pgd`) added to the poisoned images first.
    public var pgdFile: String?
    public var seed: UInt64 = 0
    /// Poisoned images as JPEG through this channel (nil: PNG).
    public var jpeg: JPEGRecompression?

    public init(dataset: DatasetSpec, trigger: TriggerSpec) {
        self.dataset = dataset
        self.trigger = trigger
    }

    @discardableResult
    public func run(out: URL, monitor: RunMonitor) throws -> PoisonedDatasetExport.Manifest {
        if pgdFile != nil && labelMode != .clean { throw RunError("--pgd applies to --label clean") }
        let samples = try dataset.source().load()
        let loaded = LoadedDataset(samples: samples, source: InMemoryImages([]))
        let split = try loaded.split(dataset, trainRatio: 0.8, seed: seed)
        let dct = try trigger.dctTrigger(seed: seed)
        let injector = try trigger.attack.injector(dct: dct, baselines: trigger.baselines, positions: trigger.positions)
        let plan = try PoisonPlan.make(labelMode, labels: split.train.map { samples[$0].score }, rate: rate, deltaY: deltaY,
                                       sampling: alphaSampling, targetMean: targetMean, seed: seed, subset: split.poisonedPositions)
        var export = PoisonedDatasetExport(samples: samples, train: split.train, test: split.test, plan: plan, injector: injector,
                                           attackName: trigger.attack.rawValue, seed: seed)
        export.jpeg = jpeg
        export.triggerFingerprint = try trigger.fileURL(relativeTo: nil).map { try Fingerprint.ofFile($0) }
        if let pgdFile {
            let url = URL(fileURLWithPath: pgdFile)
            do { export.perturbations = try TensorFile.loadTensors(from: url) } catch { throw RunError("\(pgdFile): \(error)") }
            export.pgdFingerprint = try Fingerprint.ofFile(url)
        }
        let manifest = try export.write(to: out) { done, total in monitor.progress(stage: "export", done: done, total: total, detail: "") }
        if let dct { try TensorFile.save(dct.tensor(), to: out.appendingPathComponent("trigger.pt")) }
        return manifest
    }
}
