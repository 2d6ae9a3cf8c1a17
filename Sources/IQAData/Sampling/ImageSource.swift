import Foundation

/// Where the data path gets decoded 8-bit images from, by dataset index. Sizes are known up front
/// (crop plans need them) while pixels may be decoded lazily.
public protocol ImageSource: Sendable {
    var count: Int { get }
    func size(of index: Int) -> ImageSize
    func image(_ index: Int) throws -> RGBImage
}

/// Every image decoded once and kept in memory (the usual case: LIVEC decodes to ≈ 0.9 GB).
public struct InMemoryImages: ImageSource {
    public let images: [RGBImage]
    public init(_ images: [RGBImage]) { self.images = images }
    public var count: Int { images.count }
    public func size(of index: Int) -> ImageSize { ImageSize(width: images[index].width, height: images[index].height) }
    public func image(_ index: Int) throws -> RGBImage { images[index] }
}

/// Images decoded on demand through a byte-bounded LRU cache, for datasets that do not fit in memory
/// (KonIQ-10k at 1024×768 decodes to ≈ 24 GB).
public struct CachedImages: ImageSource {
    public let urls: [URL]
    public let sizes: [ImageSize]
    public let cache: DecodedImageCache

    public init(urls: [URL], sizes: [ImageSize], byteBudget: Int) {
        self.urls = urls
        self.sizes = sizes
        self.cache = DecodedImageCache(byteBudget: byteBudget)
    }
    public var count: Int { urls.count }
    public func size(of index: Int) -> ImageSize { sizes[index] }
    public func image(_ index: Int) throws -> RGBImage {
        let image = try cache.image(at: urls[index])
        guard image.width == sizes[index].width, image.height == sizes[index].height else {
            throw ImageError(.corrupt, file: urls[index].path, "decoded size \(image.width)×\(image.height) differs from its header")
        }
        return image
    }
}
