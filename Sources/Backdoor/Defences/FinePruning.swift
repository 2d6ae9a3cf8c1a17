import IQAData
import IQAModels
import Torch

/// Fine-Pruning's pruning half (Liu, Dolan-Gavitt & Garg 2018): the last backbone stage's channels ranked
/// by their mean activation on clean data (over images, crops and positions), and masks that silence the
/// least active ones. The fine-tuning half is the victim's own training recipe with the mask kept.
public enum FinePruning {
    /// Mean activation of each channel of `model.lastStage` over the crops `predictor` draws for `images`
    /// (clean: the renderer must not inject anything).
    public static func channelActivity(predictor: Predictor, images: [Int], seed: UInt64) throws -> [Double] {
        let stage = predictor.model.lastStage
        var sum: Tensor?
        var positions = 0
        stage.observer = { x in
            let s = try x.detach().sum(dims: [0, 2, 3]).to(.float64)
            sum = try sum.map { try $0 + s } ?? s
            positions += x.size(0) * x.size(2) * x.size(3)
        }
        defer { stage.observer = nil }
        _ = try predictor.scores(images: images, seed: seed)
        guard let sum, positions > 0 else { throw DefenceError("fine-pruning: no clean crops to measure activations on") }
        return try sum.to(.cpu).doubles().map { $0 / Double(positions) }
    }

    /// Channels from least to most active (ties by channel index, so the order is deterministic).
    public static func pruningOrder(_ activity: [Double]) -> [Int] {
        activity.indices.sorted { activity[$0] != activity[$1] ? activity[$0] < activity[$1] : $0 < $1 }
    }

    /// How many of `channels` a pruning rate removes (rounded to the nearest channel).
    public static func prunedCount(rate: Double, channels: Int) -> Int {
        min(channels, max(0, Int((rate * Double(channels)).rounded())))
    }

    /// A [C] mask with 0 for the first `count` channels of `order`, 1 elsewhere.
    public static func mask(order: [Int], count: Int, device: Device) throws -> Tensor {
        var values = [Float](repeating: 1, count: order.count)
        for c in order.prefix(count) { values[c] = 0 }
        return try Tensor(values, shape: [order.count]).to(device)
    }
}
