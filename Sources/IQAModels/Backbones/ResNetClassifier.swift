import Torch

/// torchvision's ResNet with its classifier (`fc`), e.g. ResNet-18 for ImageNet: used by benchmarks and
/// as the layout that `--backbone-weights` files (torchvision state dicts) follow.
public final class ResNetClassifier: Module {
    public let store: ParameterStore
    let trunk: ResNetTrunk
    let fc: Linear

    public init(store: ParameterStore, spec: ResNetSpec, classes: Int = 1000) throws {
        self.store = store
        trunk = try ResNetTrunk(store.root, spec: spec)
        fc = try Linear(store.root / "fc", inFeatures: spec.stageChannels[3], outFeatures: classes)
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let x = store.channelsLast ? try input.channelsLast() : input
        let features = try trunk.features(x)[3]
        return try fc(F.adaptiveAvgPool2d(features, outputSize: (1, 1)).flatten(from: 1))
    }
}
