import Foundation

/// A set of parameters sharing a learning rate and weight decay (torch.optim param_groups).
public struct ParameterGroup {
    public var parameters: [(name: String, tensor: Tensor)]
    public var learningRate: Double
    public var weightDecay: Double

    public init(parameters: [(name: String, tensor: Tensor)], learningRate: Double, weightDecay: Double = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }

    /// The trainable entries of `store` (optionally of one store group).
    public init(store: ParameterStore, group: Int? = nil, learningRate: Double, weightDecay: Double = 0) {
        self.init(parameters: store.parameters(group: group).map { ($0.name, $0.tensor) },
                  learningRate: learningRate, weightDecay: weightDecay)
    }
}

/// An optimiser over parameter groups. Updates run under no-grad with in-place tensor ops,
/// following PyTorch's single-tensor formulas so that steps match torch.optim numerically.
public protocol Optimizer: AnyObject {
    var groups: [ParameterGroup] { get set }
    /// One update from the gradients currently in `.grad` (parameters without a gradient are skipped).
    func step() throws
    /// Optimiser state (moments, step counts) keyed "<param name>.<slot>", for checkpoints.
    func stateDict() throws -> [String: Tensor]
    func loadStateDict(_ state: [String: Tensor]) throws
}

extension Optimizer {
    public func zeroGrad() {
        for g in groups { for p in g.parameters { p.tensor.zeroGrad() } }
    }

    /// Sets one learning rate on every group.
    public func setLearningRate(_ lr: Double) {
        for i in groups.indices { groups[i].learningRate = lr }
    }
}
