import Foundation
import IQAData
import Torch

/// Trains a HyperIQA victim (or surrogate) on a list of entries with L1 loss, following a recipe.
/// Each epoch draws `patchesPerImage` random crops (and flips) per entry from a generator seeded by
/// (seed, epoch), so an epoch's data is the same whether the run was resumed or not.
public final class Trainer {
    public let model: HyperIQA
    public let recipe: TrainingRecipe
    public let renderer: PatchRenderer
    public let seed: UInt64
    public private(set) var optimizer: Adam
    public private(set) var epochsDone = 0

    public init(model: HyperIQA, recipe: TrainingRecipe, renderer: PatchRenderer, seed: UInt64) {
        self.model = model
        self.recipe = recipe
        self.renderer = renderer
        self.seed = seed
        optimizer = Adam(groups: [])
        optimizer = makeOptimizer(forEpoch: 0)
    }

    /// Parameter groups as the official solver builds them: backbone `res` at lr, head at lr·ratio.
    /// With the epoch-1 quirk the head group is empty from the second epoch on.
    func makeOptimizer(forEpoch epoch: Int) -> Adam {
        let store = model.store
        let backbone = ParameterGroup(store: store, group: 0, learningRate: recipe.learningRate, weightDecay: recipe.weightDecay)
        var head = ParameterGroup(store: store, group: HyperIQA.headGroup,
                                  learningRate: epoch == 0 ? recipe.learningRate * recipe.headLearningRateRatio
                                                           : recipe.headLearningRate(afterEpoch: epoch - 1),
                                  weightDecay: recipe.weightDecay)
        if recipe.headTrainedFirstEpochOnly && epoch > 0 { head.parameters = [] }
        return Adam(groups: [head, backbone])
    }

    /// The crops of one epoch, shuffled and cut into batches.
    public func epochPlan(_ epoch: Int, entries: [TrainingEntry]) -> [[PatchPlan]] {
        var rng = SeededGenerator(seed: seed &+ 0x5EED_0000 &+ UInt64(epoch))
        var plans: [(PatchPlan, Int)] = []
        plans.reserveCapacity(entries.count * recipe.patchesPerImage)
        for (k, e) in entries.enumerated() {
            let image = renderer.images[e.image]
            for _ in 0..<recipe.patchesPerImage {
                plans.append((PatchPlan.random(image: e.image, height: image.height, width: image.width, crop: recipe.cropSize,
                                               allowFlip: true, alpha: e.alpha, using: &rng), k))
            }
        }
        plans.shuffle(using: &rng)
        return stride(from: 0, to: plans.count, by: recipe.batchSize).map { start in
            plans[start..<min(start + recipe.batchSize, plans.count)].map { $0.0 }
        }
    }

    func labels(for batch: [PatchPlan], entries: [TrainingEntry], byImage: [Int: Int]) throws -> Tensor {
        try Tensor(batch.map { Float(entries[byImage[$0.image]!].label) }, shape: [batch.count])
    }

    /// One epoch of training; returns the mean L1 loss. `progress(batchesDone, batchCount, meanLoss)`.
    @discardableResult
    public func trainEpoch(entries: [TrainingEntry], progress: ((Int, Int, Double) -> Void)? = nil) throws -> Double {
        let epoch = epochsDone
        if epoch > 0 && recipe.resetOptimizerEachEpoch { optimizer = makeOptimizer(forEpoch: epoch) }
        Runtime.manualSeed(seed &+ UInt64(epoch))
        var byImage: [Int: Int] = [:]
        for (k, e) in entries.enumerated() { byImage[e.image] = k }
        let batches = epochPlan(epoch, entries: entries)
        let prefetcher = BatchPrefetcher(renderer: renderer, batches: batches)
        model.store.train()
        var total = 0.0
        var index = 0
        while let x = try prefetcher.nextBatch() {
            let y = try labels(for: batches[index], entries: entries, byImage: byImage)
            let loss = try F.l1Loss(model.scores(x), y)
            optimizer.zeroGrad()
            try loss.backward()
            try optimizer.step()
            total += try loss.item()
            index += 1
            progress?(index, batches.count, total / Double(index))
        }
        epochsDone += 1
        return total / Double(max(1, index))
    }

    /// Restores the position of a resumed run (model weights are loaded by the caller).
    public func restore(epochsDone: Int, optimizerState: [String: Tensor]) throws {
        self.epochsDone = epochsDone
        optimizer = makeOptimizer(forEpoch: epochsDone)
        if !(recipe.resetOptimizerEachEpoch && epochsDone > 0) { try optimizer.loadStateDict(optimizerState) }
    }
}
