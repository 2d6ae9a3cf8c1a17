import Foundation
import IQAData
import IQAModels
import Torch

/// The targeted PGD refinement of C-BAIQA (Remark 2; spec §6.2): each poisoned image x is moved, within
/// an L∞ ball of radius ε, towards a surrogate prediction of `target` (ȳ = 50), so that its clean
/// appearance no longer predicts its label. Each step sums the squared error over `views` random
/// views (flip + crop + ImageNet normalisation) of the full image (expectation over transformations),
/// then x_adv ← clip(x_adv − step·sign(∇), x ± ε) clamped to [0, 1]. No random start, as the code.
public struct TargetedPGD {
    public var epsilon = 0.00784          // ≈ 2/255
    public var stepSize = 0.00627         // ≈ 1.6/255
    public var steps = 20
    public var views = 25
    public var target = 50.0
    public var crop = 224
    public var seed: UInt64 = 919

    public init() {}

    /// The perturbation δ = x_adv − x for one image, as [3, H, W] on the 0…1 scale.
    public func perturbation(surrogate: IQAModel, image: RGBImage, index: Int) throws -> Tensor {
        try run(surrogate: surrogate, image: image, index: index).delta
    }

    /// The gradient of the first step's objective Σ(score − ȳ)² over the views with respect to the image,
    /// [3, H, W]: what each step's sign is taken of (a device's agreement with the CPU, `DeviceParity`).
    public func firstGradient(surrogate: IQAModel, image: RGBImage, index: Int) throws -> Tensor {
        var once = self
        once.steps = 1
        return try once.run(surrogate: surrogate, image: image, index: index).lastGradient
    }

    func run(surrogate: IQAModel, image: RGBImage, index: Int) throws -> (delta: Tensor, lastGradient: Tensor) {
        guard image.width >= crop, image.height >= crop else {
            throw BackdoorError("image \(index) is \(image.width)×\(image.height), smaller than the \(crop)² crop")
        }
        surrogate.store.eval()
        var rng = SeededGenerator(seed: seed, stream: 0x96D &+ UInt64(index))
        let h = image.height, w = image.width
        let x = try Self.imageTensor(image, device: surrogate.device)
        let (mean, std) = try PatchRenderer.normalisation(device: surrogate.device)
        let lower = try (x - epsilon).clamp(min: 0), upper = try (x + epsilon).clamp(max: 1)
        var adv = try x.clone()
        var last = try Tensor.zeros([1, 3, h, w], device: surrogate.device)
        for _ in 0..<steps {
            let a = try adv.detach().requiringGrad()
            var batch: [Tensor] = []
            for _ in 0..<views {
                let y0 = Int.random(in: 0...(h - crop), using: &rng), x0 = Int.random(in: 0...(w - crop), using: &rng)
                var v = try a.slice(2, y0, y0 + crop).slice(3, x0, x0 + crop)
                if Bool.random(using: &rng) { v = try v.flip([3]) }
                batch.append(v)
            }
            let scores = try surrogate.scores((Tensor.cat(batch, dim: 0) - mean) / std)
            let loss = try (scores - target).square().sum()
            guard let g = try loss.gradients(with: [a])[0] else { throw BackdoorError("no gradient for the PGD image") }
            last = g
            adv = try withNoGrad { try (a.detach() - g.sign() * stepSize).clamp(min: lower, max: upper) }
        }
        return (try (adv - x).squeeze(0).to(.cpu), try last.squeeze(0).to(.cpu))
    }

    /// The image as [1, 3, H, W] on 0…1, on `device`.
    static func imageTensor(_ image: RGBImage, device: Device) throws -> Tensor {
        let plane = image.height * image.width
        var chw = [Float](repeating: 0, count: 3 * plane)
        for p in 0..<plane { for c in 0..<3 { chw[c * plane + p] = Float(image.pixels[p * 3 + c]) / 255 } }
        return try Tensor(chw, shape: [1, 3, image.height, image.width]).staged(to: device)
    }

    /// `perturbation`, kept in `cache` (a [3, H, W] tensor file): a killed run resumes per image.
    public func perturbation(surrogate: IQAModel, image: RGBImage, index: Int, cache: URL) throws -> Tensor {
        if FileManager.default.fileExists(atPath: cache.path) { return try TensorFile.loadTensor(from: cache) }
        let delta = try perturbation(surrogate: surrogate, image: image, index: index)
        try TensorFile.save(delta, to: cache)
        return delta
    }

    /// Surrogate prediction (mean over the views' crops, no flip randomness beyond the views) of an image
    /// plus optional δ — used to report how far PGD moved the predictions towards the target.
    public func meanPrediction(surrogate: IQAModel, image: RGBImage, delta: Tensor?, index: Int) throws -> Double {
        var rng = SeededGenerator(seed: seed &+ 1, stream: 0x96E &+ UInt64(index))
        let h = image.height, w = image.width
        var x = try Self.imageTensor(image, device: surrogate.device)
        if let delta { x = try (x + delta.to(surrogate.device).unsqueeze(0)).clamp(min: 0, max: 1) }
        let (mean, std) = try PatchRenderer.normalisation(device: surrogate.device)
        return try withNoGrad {
            var batch: [Tensor] = []
            for _ in 0..<views {
                let y0 = Int.random(in: 0...(h - crop), using: &rng), x0 = Int.random(in: 0...(w - crop), using: &rng)
                batch.append(try x.slice(2, y0, y0 + crop).slice(3, x0, x0 + crop))
            }
            surrogate.store.eval()
            return try surrogate.scores((Tensor.cat(batch, dim: 0) - mean) / std).mean().item()
        }
    }
}
