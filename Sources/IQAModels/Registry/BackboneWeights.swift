import Foundation
import Torch

extension IQAModel {
    /// Loads ImageNet weights in torchvision's key layout (a `resnet50()`/`resnet18()`/`vgg16()` state
    /// dict saved with torch.save) into the model's backbone. Every backbone entry must be present with
    /// its shape, or nothing is loaded and the error lists what is missing, mismatched and unexpected;
    /// the classifier of the file (`fc.*`, `classifier.*`) is ignored where the model has none.
    public func loadBackboneWeights(from url: URL) throws {
        let state: [String: Tensor]
        do { state = try TensorFile.loadTensors(from: url) } catch { throw TorchError("\(url.path): \(error)") }
        do {
            switch self {
            case is HyperIQA:
                try store.loadSubtree(state, from: "", into: "res.", excluding: ["res.lda"])
            case let m as DBCNN:
                try m.loadVGG16(state)
            case let m as TReS:
                try m.loadBackbone(state)
            default:
                throw TorchError("\(name) has no pretrained backbone to load")
            }
        } catch {
            throw TorchError("\(url.path): \(error)")
        }
    }
}
