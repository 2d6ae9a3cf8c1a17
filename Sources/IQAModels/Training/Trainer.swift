import Foundation
import IQAData
import Torch

/// Trains a victim (or surrogate) on a list of entries, following a recipe's loss and optimiser plan.
/// Each epoch draws `patchesPerImage` random crops (and flips) per entry from a generator seeded by
/// (seed, epoch), so an epoch's data is the same whether the run was resumed or not.
public final class Trainer {
    public let model: IQAModel
    public let recipe: TrainingRecipe
    public let renderer: PatchRenderer
    public let seed: UInt64
    public private(set) var optimizer: Optimizer
    /// The rates the optimiser was built with; the schedule scales these.
    private var baseLearningRates: [Double] = []
    public private(set) var epochsDone = 0

    public init(model: IQAModel, recipe: TrainingRecipe, renderer: PatchRenderer, seed: UInt64) throws {
        self.model = model
        self.recipe = recipe
        self.renderer = renderer
        self.seed = seed
        if recipe.cropsOnTriggerGrid == true {
            for i in 0..<renderer.source.count {
                let size = renderer.source.size(of: i)
                if PatchPlan.gridOrigins(extent: size.height, crop: recipe.cropSize).isEmpty
                    || PatchPlan.gridOrigins(extent: size.width, crop: recipe.cropSize).isEmpty {
                    throw TorchError("image \(i) (\(size.width)×\(size.height)) has no \(recipe.cropSize)² crop on the 16-px trigger grid; "
                                     + "drop crops-on-trigger-grid or use a smaller crop")
                }
            }
        }
        optimizer = Adam(groups: [])
        optimizer = try makeOptimizer(forEpoch: 0)
        baseLearningRates = optimizer.groups.map(\.learningRate)
    }

    /// The optimiser in force during 0-based `epoch`, built as the official solvers build theirs.
    func makeOptimizer(forEpoch epoch: Int) throws -> Optimizer {
        let store = model.store
        switch recipe.optimizer {
        case .hyperIQA(let p):
            // Backbone `res` at lr, head at lr·ratio; with the epoch-1 quirk the head group is empty later.
            let backbone = ParameterGroup(store: store, group: 0, learningRate: p.learningRate, weightDecay: p.weightDecay)
            var head = ParameterGroup(store: store, group: 1,
                                      learningRate: epoch == 0 ? p.learningRate * p.headRatio : p.headLearningRate(afterEpoch: epoch - 1),
                                      weightDecay: p.weightDecay)
            if p.headTrainedFirstEpochOnly && epoch > 0 { head.parameters = [] }
            return Adam(groups: [head, backbone])
        case .twoPhase(let p):
            if epoch < p.headEpochs {
                try store.setTrainable(false)
                for e in store.entries where e.kind == .parameter && e.group == 1 { try e.tensor.requiringGrad(true) }
                return SGD(groups: [ParameterGroup(store: store, group: 1, learningRate: p.headLearningRate, weightDecay: p.weightDecay)],
                           momentum: p.momentum)
            }
            try store.setTrainable(true)
            return Adam(groups: [ParameterGroup(store: store, learningRate: p.fullLearningRate, weightDecay: p.weightDecay)])
        case .adam(let p):
            return Adam(groups: [ParameterGroup(store: store, learningRate: p.learningRate(epoch: epoch), weightDecay: p.weightDecay)])
        }
    }

    /// Whether the optimiser is rebuilt (state dropped) at the start of `epoch`.
    func rebuildsOptimizer(atEpoch epoch: Int) -> Bool {
        guard epoch > 0 else { return false }
        switch recipe.optimizer {
        case .hyperIQA(let p): return p.resetEachEpoch
        case .twoPhase(let p): return epoch == p.headEpochs
        case .adam(let p): return p.schedulerStepped && p.stepSize.map { epoch % $0 == 0 } == true
        }
    }

    /// The crops of one epoch, shuffled and cut into batches.
    public func epochPlan(_ epoch: Int, entries: [TrainingEntry]) -> [[PatchPlan]] {
        var rng = SeededGenerator(seed: seed &+ 0x5EED_0000 &+ UInt64(epoch))
        var plans: [(PatchPlan, Int)] = []
        plans.reserveCapacity(entries.count * recipe.patchesPerImage)
        for (k, e) in entries.enumerated() {
            let image = renderer.source.size(of: e.image)
            for _ in 0..<recipe.patchesPerImage {
                plans.append((PatchPlan.random(image: e.image, height: image.height, width: image.width, crop: recipe.cropSize,
                                               allowFlip: true, alpha: e.alpha, onTriggerGrid: recipe.cropsOnTriggerGrid == true,
                                               using: &rng), k))
            }
        }
        plans.shuffle(using: &rng)
        return stride(from: 0, to: plans.count, by: recipe.batchSize).map { start in
            plans[start..<min(start + recipe.batchSize, plans.count)].map { $0.0 }
        }
    }

    func labels(for batch: [PatchPlan], entries: [TrainingEntry], byImage: [Int: Int]) throws -> Tensor {
        try Tensor(batch.map { Float(entries[byImage[$0.image]!].label) }, shape: [batch.count]).to(model.device)
    }

    /// One epoch of training; returns the mean loss. `progress(batchesDone, batchCount, meanLoss)`.
    @discardableResult
    public func trainEpoch(entries: [TrainingEntry], progress: ((Int, Int, Double) -> Void)? = nil) throws -> Double {
        let epoch = epochsDone
        if rebuildsOptimizer(atEpoch: epoch) {
            optimizer = try makeOptimizer(forEpoch: epoch)
            baseLearningRates = optimizer.groups.map(\.learningRate)
        }
        Runtime.manualSeed(seed &+ UInt64(epoch))
        var byImage: [Int: Int] = [:]
        for (k, e) in entries.enumerated() { byImage[e.image] = k }
        let batches = epochPlan(epoch, entries: entries)
        let prefetcher = BatchPrefetcher(renderer: renderer, batches: batches, device: model.device)
        model.store.train()
        var total = 0.0
        var index = 0
        while let x = try prefetcher.nextBatch() {
            let y = try labels(for: batches[index], entries: entries, byImage: byImage)
            let loss: Tensor
            switch recipe.loss {
            case .l1: loss = try F.l1Loss(model.scores(x), y)
            case .mse: loss = try F.mseLoss(model.scores(x), y)
            case .tresOriginal:
                guard let tres = model as? TReS else { throw TorchError("the tres-original loss needs a TReS model, not \(model.name)") }
                loss = try tres.originalTrainingLoss(x, labels: y.floats())
            }
            optimizer.zeroGrad()
            try loss.backward()
            let factor = recipe.learningRateFactor(epoch: epoch, index: index, batchCount: batches.count)
            for g in optimizer.groups.indices { optimizer.groups[g].learningRate = baseLearningRates[g] * factor }
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
        optimizer = try makeOptimizer(forEpoch: epochsDone)
        baseLearningRates = optimizer.groups.map(\.learningRate)
        // State saved at the end of the previous epoch belongs to an optimiser that is dropped now.
        if !rebuildsOptimizer(atEpoch: epochsDone) { try optimizer.loadStateDict(optimizerState) }
    }
}
