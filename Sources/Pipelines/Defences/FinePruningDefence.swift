import Backdoor
import Foundation
import IQAData
import IQAModels
import Torch

/// Fine-Pruning (Liu, Dolan-Gavitt & Garg 2018): the last backbone stage's channels ranked by mean
/// activation on the clean set (`channel_ranking.csv`), the least active masked at each rate (one row per
/// rate), the rate chosen by the clean-only rule, then fine-tuning with that mask kept (one row per epoch).
struct FinePruningDefence {
    let context: DefenceContext
    let rates: [Double]
    let maxCleanRMSERise: Double
    let epochs: Int
    let learningRate: Double?
    let fingerprint: String

    struct Outcome {
        var model: IQAModel
        var rate: Double
        var mask: Tensor
    }

    func run() throws -> Outcome {
        let model = try context.victimModel()
        let recipe = context.manifest.recipe
        let predictor = Predictor(model: model, renderer: context.cleanRenderer, patches: recipe.testPatches, flip: recipe.flipAtTest)
        context.monitor.log("ranking \(model.lastStage.channels) last-stage channels by mean activation on \(context.clean.count) clean images")
        let activity = try FinePruning.channelActivity(predictor: predictor, images: context.clean, seed: context.seed &+ 0xAC71)
        let order = FinePruning.pruningOrder(activity)
        try writeRanking(activity: activity, order: order)

        var candidates: [(strength: Double, cleanRMSE: Double)] = []
        for rate in rates {
            let count = FinePruning.prunedCount(rate: rate, channels: order.count)
            model.lastStage.mask = try FinePruning.mask(order: order, count: count, device: model.device)
            let row = try context.measure(model, phase: "prune", strength: rate, pruned: count)
            candidates.append((rate, row.cleanSetRMSE))
        }
        let rate = rates[PruningSelection.choose(candidates, maxRise: maxCleanRMSERise)]
        let count = FinePruning.prunedCount(rate: rate, channels: order.count)
        context.monitor.log(String(format: "pruning rate %.2f chosen (%d of %d channels): the largest whose clean-set RMSE rises < %.0f%%",
                                   rate, count, order.count, maxCleanRMSERise * 100))
        let mask = try FinePruning.mask(order: order, count: count, device: .cpu)
        try TensorFile.save(mask, to: context.workDir.appendingPathComponent(DefenceJob.maskFile))
        let tuned = try FineTuningDefence(context: context, epochs: epochs, learningRate: learningRate, lastStageMask: mask, fingerprint: fingerprint).run()
        return Outcome(model: tuned, rate: rate, mask: mask)
    }

    func writeRanking(activity: [Double], order: [Int]) throws {
        var lines = ["rank,channel,mean_activation"]
        for (rank, c) in order.enumerated() { lines.append("\(rank),\(c),\(String(format: "%.8g", activity[c]))") }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: context.workDir.appendingPathComponent("channel_ranking.csv"), options: .atomic)
    }
}
