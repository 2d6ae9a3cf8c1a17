import IQAData
import Torch

/// C-BAIQA's refined images (spec §6.3): the PGD perturbation δ is added to the full image and the sum
/// rounded to 8-bit levels, as the official injection does before its DCT step. The trigger is then
/// injected into these images as into any other, so one data path serves both label modes.
public struct PerturbedImages: ImageSource {
    public let base: ImageSource
    /// Dataset index → the perturbed image.
    public let perturbed: [Int: RGBImage]

    /// `deltas` maps dataset indices to δ ([3, H, W] on the 0…1 scale); `names` are used in errors.
    public init(base: ImageSource, deltas: [Int: Tensor], names: [String]) throws {
        self.base = base
        var perturbed: [Int: RGBImage] = [:]
        for (i, delta) in deltas { perturbed[i] = try PerturbedImages.apply(delta, to: base.image(i), name: names[i]) }
        self.perturbed = perturbed
    }

    public var count: Int { base.count }
    public func size(of index: Int) -> ImageSize { base.size(of: index) }
    public func image(_ index: Int) throws -> RGBImage { try perturbed[index] ?? base.image(index) }

    /// round(255·(x + δ)) clamped to 0…255.
    public static func apply(_ delta: Tensor, to image: RGBImage, name: String) throws -> RGBImage {
        guard delta.shape == [3, image.height, image.width] else {
            throw BackdoorError("PGD perturbation of \(name) has shape \(delta.shape), image is 3×\(image.height)×\(image.width)")
        }
        var out = image
        let d = try delta.floats(), plane = image.width * image.height
        for p in 0..<plane { for c in 0..<3 {
            let v = (Float(image.pixels[p * 3 + c]) / 255 + d[c * plane + p]) * 255
            out.pixels[p * 3 + c] = UInt8(min(max(v.rounded(), 0), 255))
        } }
        return out
    }
}
