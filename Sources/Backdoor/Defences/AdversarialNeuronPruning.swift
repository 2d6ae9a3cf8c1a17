import Foundation
import IQAData
import IQAModels
import Torch

/// Adversarial Neuron Pruning (Wu & Wang 2021) as the official `optimize_mask_cifar.py` runs it, with the
/// victim's regression loss instead of cross-entropy. Every BatchNorm neuron k gets a mask m_k (from 1) and
/// a multiplicative perturbation: its weight is scaled by m_k + δ_k and its bias by 1 + ξ_k when
/// perturbed, by m_k alone when not. Per iteration: δ, ξ ~ U(−ε, ε), then `noiseSteps` signed ascent
/// steps of lr ε/steps on the loss; then one SGD step (momentum) on the masks of
/// tradeOff·L(clean) + (1 − tradeOff)·L(perturbed), masks clipped to [0, 1]. Neurons whose mask stays low
/// are the ones the backdoor needs; `prune` zeroes their BatchNorm weights (biases kept), as
/// `prune_neuron_cifar.py` does.
public final class ANPMaskOptimizer {
    public struct Settings: Codable, Equatable, Sendable {
        public var epsilon = 0.4
        public var noiseSteps = 1
        public var maskLearningRate = 0.2
        public var momentum = 0.9
        /// Weight of the clean loss (ANP's α).
        public var tradeOff = 0.2
        public var iterations = 2000
        public var batchSize = 128
        public init() {}
        enum CodingKeys: String, CodingKey {
            case epsilon, momentum, iterations
            case noiseSteps = "noise_steps", maskLearningRate = "mask_learning_rate", tradeOff = "trade_off", batchSize = "batch_size"
        }
    }

    public let settings: Settings
    let model: IQAModel
    let layers: [BatchNorm2d]
    let masks: [Tensor], noiseWeights: [Tensor], noiseBiases: [Tensor]
    let maskOptimizer: SGD
    private var perturbed = false

    public init(model: IQAModel, settings: Settings) throws {
        self.model = model
        self.settings = settings
        layers = model.store.batchNormLayers
        guard !layers.isEmpty else {
            throw DefenceError("ANP masks BatchNorm neurons, and this \(model.name) has no BatchNorm layer")
        }
        let device = model.device
        func leaf(_ make: () throws -> Tensor) throws -> Tensor { try make().requiringGrad(true) }
        masks = try layers.map { l in try leaf { try Tensor.ones([l.weight.count], device: device) } }
        noiseWeights = try layers.map { l in try leaf { try Tensor.zeros([l.weight.count], device: device) } }
        noiseBiases = try layers.map { l in try leaf { try Tensor.zeros([l.weight.count], device: device) } }
        maskOptimizer = SGD(groups: [ParameterGroup(parameters: zip(layers, masks).map { ("\($0.name).neuron_mask", $1) },
                                                    learningRate: settings.maskLearningRate)],
                            momentum: settings.momentum)
        // Only masks and perturbations learn; the victim's own weights stay as they are.
        try model.store.setTrainable(false)
        for (k, layer) in layers.enumerated() {
            layer.coefficients = { [unowned self] in
                self.perturbed ? (try self.masks[k] + self.noiseWeights[k], try self.noiseBiases[k] + 1) : (self.masks[k], nil)
            }
        }
    }

    /// Removes the masks from the model's BatchNorm layers.
    public func detach() {
        for layer in layers { layer.coefficients = nil }
    }

    /// One iteration on a clean batch; returns the combined loss. `loss(prediction, label)` is the
    /// victim's training loss. The perturbation's random start comes from libtorch's generator, which the
    /// caller seeds per iteration (so a resumed optimisation draws the same perturbations).
    @discardableResult
    public func step(_ x: Tensor, labels y: Tensor, loss: (Tensor, Tensor) throws -> Tensor) throws -> Double {
        model.store.train()
        if settings.epsilon > 0 {
            try withNoGrad {
                for n in noiseWeights + noiseBiases { try n.uniform_(-settings.epsilon, settings.epsilon) }
            }
            let lr = settings.epsilon / Double(settings.noiseSteps)
            for _ in 0..<settings.noiseSteps {
                for n in noiseWeights + noiseBiases { n.zeroGrad() }
                perturbed = true
                try (try loss(model.scores(x), y) * -1).backward()
                try withNoGrad {
                    for n in noiseWeights + noiseBiases { if let g = n.grad { try n.sub_(g.sign(), alpha: lr) } }
                }
            }
        }
        maskOptimizer.zeroGrad()
        var robust: Tensor?
        if settings.epsilon > 0 {
            perturbed = true
            robust = try loss(model.scores(x), y)
        }
        perturbed = false
        let natural = try loss(model.scores(x), y)
        let total = try robust.map { try natural * settings.tradeOff + $0 * (1 - settings.tradeOff) } ?? natural
        try total.backward()
        try maskOptimizer.step()
        try withNoGrad { for m in masks { try m.clamp_(min: 0, max: 1) } }
        return try total.item()
    }

    /// Every neuron's mask value: (BatchNorm layer name, neuron index, value), in layer order.
    public func maskValues() throws -> [(layer: String, neuron: Int, value: Double)] {
        var out: [(String, Int, Double)] = []
        for (layer, mask) in zip(layers, masks) {
            let values = try mask.detach().to(.cpu).to(.float64).doubles()
            for (i, v) in values.enumerated() { out.append((layer.name, i, v)) }
        }
        return out
    }

    /// Masks and the mask optimiser's momentum, for a checkpoint.
    public func stateDict() throws -> [String: Tensor] {
        var state = try maskOptimizer.stateDict()
        for (layer, mask) in zip(layers, masks) { state["\(layer.name).neuron_mask"] = try mask.detach() }
        return state
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        try withNoGrad {
            for (layer, mask) in zip(layers, masks) {
                guard let saved = state["\(layer.name).neuron_mask"] else { throw DefenceError("ANP checkpoint lacks \(layer.name).neuron_mask") }
                try mask.copy_(saved)
            }
        }
        try maskOptimizer.loadStateDict(state)
    }

    /// Prunes by threshold, as `prune_neuron_cifar.py` does: the BatchNorm weight of every neuron whose
    /// mask value is below `threshold` is set to 0 in `state` (a state dict of the same model); returns
    /// how many neurons that prunes.
    public static func prune(_ state: inout [String: Tensor], maskValues: [(layer: String, neuron: Int, value: Double)],
                             threshold: Double) throws -> Int {
        var byLayer: [String: [Int]] = [:]
        for m in maskValues where m.value < threshold { byLayer[m.layer, default: []].append(m.neuron) }
        for (layer, neurons) in byLayer {
            let key = "\(layer).weight"
            guard let weight = state[key] else { throw DefenceError("ANP: the model has no \(key)") }
            var values = try weight.to(.cpu).to(.float32).floats()
            for n in neurons { values[n] = 0 }
            state[key] = try Tensor(values, shape: weight.shape).to(weight.device)
        }
        return byLayer.values.reduce(0) { $0 + $1.count }
    }
}
