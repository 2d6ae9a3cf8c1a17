import Torch

/// An NR-IQA network: maps an ImageNet-normalised batch of crops [N, 3, S, S] to quality scores [N]
/// on the dataset's MOS scale. Its parameters live in `store` under the official state_dict names.
public protocol IQAModel: AnyObject {
    var store: ParameterStore { get }
    /// A short registry name ("hyperiqa").
    var name: String { get }
    func scores(_ input: Tensor) throws -> Tensor
}
