import Torch

/// The three victim architectures of the paper.
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    case hyperiqa, dbcnn, tres

    public var displayName: String {
        switch self {
        case .hyperiqa: return "HyperIQA"
        case .dbcnn: return "DBCNN"
        case .tres: return "TReS"
        }
    }
}

/// A buildable model: architecture plus its size configuration. Stored in run manifests, so a
/// checkpoint can always be rebuilt into the network it came from.
public enum ModelSpec: Codable, Equatable, Sendable {
    case hyperIQA(HyperIQA.Config)
    case dbcnn(DBCNN.Config)
    case tres(TReS.Config)

    public var kind: ModelKind {
        switch self {
        case .hyperIQA: return .hyperiqa
        case .dbcnn: return .dbcnn
        case .tres: return .tres
        }
    }

    /// The official architecture (ResNet-50 HyperIQA, VGG-16 + SCNN DBCNN, ResNet-18 TReS).
    public static func official(_ kind: ModelKind) -> ModelSpec {
        switch kind {
        case .hyperiqa: return .hyperIQA(.init(backbone: .resnet50))
        case .dbcnn: return .dbcnn(.official)
        case .tres: return .tres(.official)
        }
    }

    /// Scaled-down variants for 2-core CPUs (same structure, narrower and shallower).
    public static func cpu(_ kind: ModelKind) -> ModelSpec {
        switch kind {
        case .hyperiqa: return .hyperIQA(.init(backbone: .resnet10w32))
        case .dbcnn: return .dbcnn(.init(vggWidths: [16, 32, 64, 128, 128], scnnChannels: [16, 16, 32, 32, 32, 32, 64, 64, 64]))
        case .tres: return .tres(.init(backbone: .resnet10w32))
        }
    }

    /// The same architecture on another ResNet backbone (HyperIQA and TReS; DBCNN's streams are fixed).
    public func withBackbone(_ backbone: ResNetSpec) throws -> ModelSpec {
        switch self {
        case .hyperIQA(var c): c.backbone = backbone; return .hyperIQA(c)
        case .tres(var c): c.backbone = backbone; return .tres(c)
        case .dbcnn: throw TorchError("DBCNN has a fixed VGG-16 + SCNN pair of streams: it takes no --backbone")
        }
    }

    /// `withBackbone` by name (`ResNetSpec.named`), with an error that lists the known names.
    public func withBackbone(named name: String) throws -> ModelSpec {
        guard let spec = ResNetSpec.named(name) else {
            throw TorchError("unknown backbone '\(name)' (\(ResNetSpec.knownNames.joined(separator: ", ")))")
        }
        return try withBackbone(spec)
    }

    /// The ResNet backbone of HyperIQA and TReS (nil for DBCNN's fixed streams).
    public var resnetBackbone: ResNetSpec? {
        switch self {
        case .hyperIQA(let c): return c.backbone
        case .tres(let c): return c.backbone
        case .dbcnn: return nil
        }
    }

    /// Backbone name for manifests and listings.
    public var backboneName: String {
        switch self {
        case .hyperIQA(let c): return c.backbone.name
        case .dbcnn(let c): return c == .official ? "vgg16+scnn" : "vgg16(\(c.vggWidths.map(String.init).joined(separator: ",")))+scnn"
        case .tres(let c): return c.backbone.name
        }
    }

    /// The model on `device` (default: `Runtime.defaultDevice`, which `--device` sets).
    public func make(device: Device = Runtime.defaultDevice, channelsLast: Bool = true) throws -> IQAModel {
        switch self {
        case .hyperIQA(let c): return try HyperIQA.make(config: c, device: device, channelsLast: channelsLast)
        case .dbcnn(let c): return try DBCNN.make(config: c, device: device, channelsLast: channelsLast)
        case .tres(let c): return try TReS.make(config: c, device: device, channelsLast: channelsLast)
        }
    }
}
