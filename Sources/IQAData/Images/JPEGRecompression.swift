import Foundation

/// A JPEG channel an image passes through: encoded at `quality` with `subsampling` and decoded again, as
/// when a poisoned dataset is released as JPEG or a triggered image is uploaded to a service that
/// recompresses it. Deterministic: libjpeg-turbo's integer DCT on both sides.
public struct JPEGRecompression: Codable, Hashable, Sendable, CustomStringConvertible {
    public var quality: Int
    public var subsampling: JPEGCodec.Subsampling

    /// `quality` must lie in 1...100.
    public init(quality: Int, subsampling: JPEGCodec.Subsampling = .s420) throws {
        guard (1...100).contains(quality) else {
            throw ImageError(.invalidArgument, file: nil, "JPEG quality must be 1…100, got \(quality)")
        }
        self.quality = quality
        self.subsampling = subsampling
    }

    private enum CodingKeys: String, CodingKey { case quality, subsampling }

    /// Decoded values are checked as the initialiser checks them.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let quality = try c.decode(Int.self, forKey: .quality)
        guard (1...100).contains(quality) else {
            throw DecodingError.dataCorruptedError(forKey: .quality, in: c, debugDescription: "JPEG quality must be 1…100, got \(quality)")
        }
        self.quality = quality
        subsampling = try c.decode(JPEGCodec.Subsampling.self, forKey: .subsampling)
    }

    /// The image after one encode/decode round trip.
    public func roundTrip(_ image: RGBImage) throws -> RGBImage {
        try JPEGCodec.decode(JPEGCodec.encode(image, quality: quality, subsampling: subsampling))
    }

    /// E.g. `JPEG q75 4:2:0`.
    public var description: String {
        "JPEG q\(quality) \(subsampling == .s420 ? "4:2:0" : "4:4:4")"
    }

    /// Parses a comma-separated quality list such as `95,90,75,50`.
    public static func qualities(_ text: String, subsampling: JPEGCodec.Subsampling) throws -> [JPEGRecompression] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        return try items.map { item in
            guard let q = Int(item) else {
                throw ImageError(.invalidArgument, file: nil, "JPEG quality '\(item)' in '\(text)' is not an integer")
            }
            return try JPEGRecompression(quality: q, subsampling: subsampling)
        }
    }
}
