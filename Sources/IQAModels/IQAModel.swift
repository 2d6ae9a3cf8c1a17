import Torch

/// An NR-IQA network: maps an ImageNet-normalised batch of crops [N, 3, S, S] to quality scores [N]
/// on the dataset's MOS scale. Its parameters live in `store` under the official state_dict names.
public protocol IQAModel: AnyObject {
    var store: ParameterStore { get }
    /// A short registry name ("hyperiqa").
    var name: String { get }
    func scores(_ input: Tensor) throws -> Tensor
    /// The bias of the layer that produces the score (for HyperIQA: of `fc5b_fc`, which generates the
    /// target network's output bias), so that a from-scratch run can start at the mean label.
    var outputBias: Tensor { get }
    /// The last backbone stage, where Fine-Pruning ranks and masks channels.
    var lastStage: LastStageProbe { get }
}

extension IQAModel {
    /// Where its parameters live; inputs, labels, triggers and perturbations follow it.
    public var device: Device { store.device }

    /// Sets the score layer's bias to `value` (the mean training label): from scratch, Adam moves a bias by
    /// about the learning rate per step, so reaching a MOS near 50 would take tens of thousands of steps.
    public func initializeOutputBias(_ value: Double) throws {
        try withNoGrad { try outputBias.fill_(value) }
    }
}
