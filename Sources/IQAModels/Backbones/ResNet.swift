import Torch

/// ResNet configuration: block type, blocks per stage and base width. torchvision's ResNet-18/34/50
/// use width 64; the CPU presets use narrower, shallower variants with the same structure.
public struct ResNetSpec: Codable, Equatable, Sendable {
    public enum Block: String, Codable, Sendable { case basic, bottleneck }
    public var block: Block
    public var layers: [Int]
    public var width: Int

    public init(block: Block, layers: [Int], width: Int = 64) {
        self.block = block
        self.layers = layers
        self.width = width
    }

    public var expansion: Int { block == .basic ? 1 : 4 }
    /// Output channels of each stage (layer1…layer4).
    public var stageChannels: [Int] { (0..<4).map { width * (1 << $0) * expansion } }

    public static let resnet18 = ResNetSpec(block: .basic, layers: [2, 2, 2, 2])
    public static let resnet34 = ResNetSpec(block: .basic, layers: [3, 4, 6, 3])
    public static let resnet50 = ResNetSpec(block: .bottleneck, layers: [3, 4, 6, 3])
    /// CPU preset: one basic block per stage, half width (about 1.2 M parameters).
    public static let resnet10w32 = ResNetSpec(block: .basic, layers: [1, 1, 1, 1], width: 32)

    /// The names `named(_:)` accepts, for help texts and errors.
    public static let knownNames = ["resnet18", "resnet34", "resnet50", "resnet10-w32"]

    public static func named(_ name: String) -> ResNetSpec? {
        switch name.lowercased() {
        case "resnet18": return .resnet18
        case "resnet34": return .resnet34
        case "resnet50": return .resnet50
        case "resnet10-w32", "resnet10w32": return .resnet10w32
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .resnet18: return "resnet18"
        case .resnet34: return "resnet34"
        case .resnet50: return "resnet50"
        case .resnet10w32: return "resnet10-w32"
        default: return "resnet(\(block.rawValue),\(layers.map(String.init).joined(separator: "-")),w\(width))"
        }
    }
}

/// torchvision's residual blocks, with its parameter names (conv1, bn1, …, downsample.0/1).
final class ResidualBlock {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    let conv3: Conv2d?, bn3: BatchNorm2d?
    let downsample: (Conv2d, BatchNorm2d)?

    init(_ p: StorePath, block: ResNetSpec.Block, inPlanes: Int, planes: Int, stride: Int) throws {
        let heInit = Initializer.kaimingNormal(a: 0, mode: .fanOut)
        let expansion = block == .basic ? 1 : 4
        switch block {
        case .basic:
            conv1 = try Conv2d(p / "conv1", inChannels: inPlanes, outChannels: planes, kernel: 3, stride: stride, padding: 1, bias: false, weightInit: heInit)
            bn1 = try BatchNorm2d(p / "bn1", features: planes)
            conv2 = try Conv2d(p / "conv2", inChannels: planes, outChannels: planes, kernel: 3, padding: 1, bias: false, weightInit: heInit)
            bn2 = try BatchNorm2d(p / "bn2", features: planes)
            conv3 = nil
            bn3 = nil
        case .bottleneck:
            conv1 = try Conv2d(p / "conv1", inChannels: inPlanes, outChannels: planes, kernel: 1, bias: false, weightInit: heInit)
            bn1 = try BatchNorm2d(p / "bn1", features: planes)
            conv2 = try Conv2d(p / "conv2", inChannels: planes, outChannels: planes, kernel: 3, stride: stride, padding: 1, bias: false, weightInit: heInit)
            bn2 = try BatchNorm2d(p / "bn2", features: planes)
            conv3 = try Conv2d(p / "conv3", inChannels: planes, outChannels: planes * 4, kernel: 1, bias: false, weightInit: heInit)
            bn3 = try BatchNorm2d(p / "bn3", features: planes * 4)
        }
        if stride != 1 || inPlanes != planes * expansion {
            downsample = (try Conv2d(p / "downsample" / 0, inChannels: inPlanes, outChannels: planes * expansion, kernel: 1,
                                     stride: stride, bias: false, weightInit: heInit),
                          try BatchNorm2d(p / "downsample" / 1, features: planes * expansion))
        } else {
            downsample = nil
        }
    }

    func forward(_ x: Tensor) throws -> Tensor {
        // In-place ReLU and residual add, as torchvision does: saves an allocation per op.
        var out = try bn1(conv1(x)).relu_()
        if let conv3, let bn3 {
            out = try bn2(conv2(out)).relu_()
            out = try bn3(conv3(out))
        } else {
            out = try bn2(conv2(out))
        }
        let identity = try downsample.map { try $0.1($0.0(x)) } ?? x
        return try out.add_(identity).relu_()
    }
}

/// The convolutional trunk of a ResNet (no classifier), returning the four stage outputs.
public final class ResNetTrunk {
    public let spec: ResNetSpec
    let conv1: Conv2d, bn1: BatchNorm2d
    let stages: [[ResidualBlock]]
    /// `layer4`'s output (Fine-Pruning's layer).
    public let lastStage: LastStageProbe

    public init(_ p: StorePath, spec: ResNetSpec) throws {
        self.spec = spec
        lastStage = LastStageProbe(channels: spec.stageChannels[3])
        conv1 = try Conv2d(p / "conv1", inChannels: 3, outChannels: spec.width, kernel: 7, stride: 2, padding: 3, bias: false,
                           weightInit: .kaimingNormal(a: 0, mode: .fanOut))
        bn1 = try BatchNorm2d(p / "bn1", features: spec.width)
        var inPlanes = spec.width
        var stages: [[ResidualBlock]] = []
        for (i, count) in spec.layers.enumerated() {
            let planes = spec.width * (1 << i)
            var blocks: [ResidualBlock] = []
            for b in 0..<count {
                blocks.append(try ResidualBlock(p / "layer\(i + 1)" / b, block: spec.block, inPlanes: inPlanes, planes: planes,
                                                stride: (b == 0 && i > 0) ? 2 : 1))
                inPlanes = planes * spec.expansion
            }
            stages.append(blocks)
        }
        self.stages = stages
    }

    /// Stage outputs layer1…layer4 for an ImageNet-normalised batch [N, 3, H, W].
    public func features(_ x: Tensor) throws -> [Tensor] {
        var h = try F.maxPool2d(bn1(conv1(x)).relu_(), kernel: 3, stride: 2, padding: 1)
        var outputs: [Tensor] = []
        for blocks in stages {
            for block in blocks { h = try block.forward(h) }
            outputs.append(h)
        }
        outputs[outputs.count - 1] = try lastStage.apply(h)
        return outputs
    }
}
