import IQAData
import Torch

/// Test-time scoring: every image gets `patches` seeded random crops (flipped at random when the
/// recipe says so), all with the same trigger strength α; its score is the mean over its crops.
public struct Predictor {
    public let model: IQAModel
    public let renderer: PatchRenderer
    public let patches: Int
    public let flip: Bool
    public let batchSize: Int
    /// Draw crop corners on the full image's 16-px trigger grid only (a model trained with
    /// `cropsOnTriggerGrid` on images that carry a baked-in trigger).
    public let onTriggerGrid: Bool

    public init(model: IQAModel, renderer: PatchRenderer, patches: Int, flip: Bool, batchSize: Int = 64, onTriggerGrid: Bool = false) {
        self.model = model
        self.renderer = renderer
        self.patches = patches
        self.flip = flip
        self.batchSize = batchSize
        self.onTriggerGrid = onTriggerGrid
    }

    /// The same predictor (model, crops, flips, batches) rendering through `renderer`.
    public func replacingRenderer(_ renderer: PatchRenderer) -> Predictor {
        Predictor(model: model, renderer: renderer, patches: patches, flip: flip, batchSize: batchSize, onTriggerGrid: onTriggerGrid)
    }

    /// Mean predicted score per image. `seed` fixes the crops; pass a different seed per pass to re-draw
    /// them (the official α sweep re-draws crops for every α).
    public func scores(images: [Int], alpha: Double = 0, seed: UInt64) throws -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return try scores(images: images, alpha: alpha, using: &rng)
    }

    /// `scores(images:alpha:seed:)` drawing the crops from `rng`: consecutive calls on consecutive images
    /// draw what one call on all of them would.
    public func scores(images: [Int], alpha: Double = 0, using rng: inout SeededGenerator) throws -> [Double] {
        var plans: [PatchPlan] = []
        for i in images {
            let img = renderer.source.size(of: i)
            for _ in 0..<patches {
                plans.append(PatchPlan.random(image: i, height: img.height, width: img.width, crop: renderer.crop,
                                              allowFlip: flip, alpha: alpha, onTriggerGrid: onTriggerGrid, using: &rng))
            }
        }
        let batches = stride(from: 0, to: plans.count, by: batchSize).map { Array(plans[$0..<min($0 + batchSize, plans.count)]) }
        let prefetcher = BatchPrefetcher(renderer: renderer, batches: batches, device: model.device)
        let wasTraining = model.store.isTraining
        model.store.eval()
        defer { model.store.isTraining = wasTraining }
        var all: [Float] = []
        all.reserveCapacity(plans.count)
        try withNoGrad {
            while let x = try prefetcher.nextBatch() { all += try model.scores(x).floats() }
        }
        return images.indices.map { k in
            all[(k * patches)..<((k + 1) * patches)].reduce(0.0) { $0 + Double($1) } / Double(patches)
        }
    }
}
