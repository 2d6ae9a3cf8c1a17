import Foundation

/// ImageNet weights torchvision publishes for the backbones baiqa builds, at their documented URLs. Each
/// file is named by the prefix of its SHA-256, which is checked after every download (torchvision's
/// `check_hash`).
public struct PublishedWeights: Sendable, Equatable {
    /// The backbone's name (`baiqa weights get NAME`).
    public var name: String
    public var url: URL
    /// Where the weights come from, for `baiqa weights list`.
    public var note: String

    public var fileName: String { url.lastPathComponent }
    /// The hex digits after the last "-" of the file name.
    public var sha256Prefix: String {
        let stem = url.deletingPathExtension().lastPathComponent
        return String(stem[stem.index(after: stem.lastIndex(of: "-") ?? stem.startIndex)...])
    }

    public static let catalog: [PublishedWeights] = [
        PublishedWeights(name: "resnet18", url: URL(string: "https://download.pytorch.org/models/resnet18-f37072fd.pth")!,
                         note: "torchvision ResNet18_Weights.IMAGENET1K_V1"),
        PublishedWeights(name: "resnet34", url: URL(string: "https://download.pytorch.org/models/resnet34-b627a593.pth")!,
                         note: "torchvision ResNet34_Weights.IMAGENET1K_V1"),
        // The file the official HyperIQA code loads (spec §11); TReS's torchvision resnet50(pretrained=True)
        // gives the same ImageNet-1k weights.
        PublishedWeights(name: "resnet50", url: URL(string: "https://download.pytorch.org/models/resnet50-19c8e357.pth")!,
                         note: "torchvision model-zoo ResNet-50 (IMAGENET1K_V1), as the official HyperIQA code loads it"),
        PublishedWeights(name: "vgg16", url: URL(string: "https://download.pytorch.org/models/vgg16-397923af.pth")!,
                         note: "torchvision VGG16_Weights.IMAGENET1K_V1 (DBCNN's first stream)"),
    ]

    public static func named(_ name: String) -> PublishedWeights? { catalog.first { $0.name == name.lowercased() } }

    /// The published weights that fit a model's backbone; nil for backbones nobody published (the `cpu`
    /// presets' narrow ResNets and VGGs).
    public static func forModel(_ spec: ModelSpec) -> PublishedWeights? {
        switch spec {
        case .hyperIQA(let c): return named(c.backbone.name)
        case .tres(let c): return named(c.backbone.name)
        case .dbcnn(let c): return c.vggWidths == DBCNN.Config.official.vggWidths ? named("vgg16") : nil
        }
    }

    /// Points at a mirror or a local server instead of download.pytorch.org (BAIQA_WEIGHTS_BASE_URL).
    public func url(base: String?) -> URL {
        guard let base, !base.isEmpty else { return url }
        return URL(string: base.hasSuffix("/") ? base + fileName : base + "/" + fileName)!
    }
}
