import Foundation
import Torch

/// Turns patch plans into a normalised input batch [N, 3, S, S] (float32): crop the decoded 8-bit image,
/// inject the trigger at α with the full image's phase, mirror, and normalise with ImageNet statistics.
/// Rendering is pure Swift on the CPU (it runs beside the train step) and writes straight into the
/// batch buffer, so there is one copy per pixel.
public struct PatchRenderer: Sendable {
    public let source: ImageSource
    public let crop: Int
    public let injector: CropInjector?
    public let triggerPhase: TriggerPhase
    /// A JPEG channel between the (triggered) image and the model, nil for none: with the full-image
    /// phase the whole triggered image is recompressed before the crop (a released or uploaded file); with
    /// the crop phase the triggered crop is, on its own grid. Clean crops (α = 0) pass through it too.
    public let recompression: JPEGRecompression?
    /// false: only triggered crops (α ≠ 0) pass through the channel, as when a poisoned training set is
    /// released with its poisoned images re-encoded and the clean ones as they were.
    public let recompressesCleanCrops: Bool
    private let lastRecompressed = RecompressedImageMemo()
    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    /// ImageNet mean and std as [1, 3, 1, 1] tensors on `device` (for batches normalised on the device).
    public static func normalisation(device: Device) throws -> (mean: Tensor, std: Tensor) {
        (try Tensor(imageNetMean, shape: [1, 3, 1, 1]).to(device), try Tensor(imageNetStd, shape: [1, 3, 1, 1]).to(device))
    }

    public init(source: ImageSource, crop: Int, injector: CropInjector? = nil, triggerPhase: TriggerPhase = .fullImage,
                recompression: JPEGRecompression? = nil, recompressesCleanCrops: Bool = true) throws {
        for i in 0..<source.count {
            let size = source.size(of: i)
            if size.width < crop || size.height < crop {
                throw TorchError("image \(i) is \(size.width)×\(size.height), smaller than the \(crop)×\(crop) crop")
            }
        }
        self.source = source
        self.crop = crop
        self.injector = injector
        self.triggerPhase = triggerPhase
        self.recompression = recompression
        self.recompressesCleanCrops = recompressesCleanCrops
    }

    /// The same renderer with another JPEG channel (nil: none).
    public func recompressing(_ recompression: JPEGRecompression?) throws -> PatchRenderer {
        try PatchRenderer(source: source, crop: crop, injector: injector, triggerPhase: triggerPhase, recompression: recompression,
                          recompressesCleanCrops: recompressesCleanCrops)
    }

    /// Renders the plans into a [N, 3, S, S] batch.
    public func render(_ plans: [PatchPlan]) throws -> Tensor {
        let s = crop, plane = s * s, per = 3 * plane
        var batch = [Float](repeating: 0, count: plans.count * per)
        var region = [UInt8](repeating: 0, count: plane * 3)
        var chw = [Float](repeating: 0, count: per)
        let mean = PatchRenderer.imageNetMean, std = PatchRenderer.imageNetStd
        for (n, plan) in plans.enumerated() {
            guard (0..<source.count).contains(plan.image) else { throw TorchError("patch plan names image \(plan.image) of \(source.count)") }
            var image = try source.image(plan.image)
            guard plan.y >= 0, plan.x >= 0, plan.y + s <= image.height, plan.x + s <= image.width else {
                throw TorchError("crop at (\(plan.y), \(plan.x)) does not fit image \(plan.image) (\(image.width)×\(image.height))")
            }
            let channel = plan.alpha != 0 || recompressesCleanCrops ? recompression : nil
            let recompressWholeImage = channel != nil && (triggerPhase == .fullImage || injector == nil)
            if recompressWholeImage { image = try recompressedFullImage(image, plan: plan) }
            image.pixels.withUnsafeBufferPointer { src in
                for row in 0..<s {
                    let from = ((plan.y + row) * image.width + plan.x) * 3
                    for k in 0..<(s * 3) { region[row * s * 3 + k] = src[from + k] }
                }
            }
            if let channel, !recompressWholeImage {
                try recompressCrop(region, alpha: plan.alpha, through: channel, into: &chw)
            } else if let injector, plan.alpha != 0, !recompressWholeImage {
                region.withUnsafeBufferPointer { r in
                    chw.withUnsafeMutableBufferPointer {
                        switch triggerPhase {
                        case .fullImage:
                            injector.inject(hwc: r, height: s, width: s, alpha: plan.alpha, originY: plan.y, originX: plan.x,
                                            fullHeight: image.height, fullWidth: image.width, into: $0)
                        case .crop:
                            injector.inject(hwc: r, height: s, width: s, alpha: plan.alpha, originY: 0, originX: 0,
                                            fullHeight: s, fullWidth: s, into: $0)
                        }
                    }
                }
            } else {
                for c in 0..<3 { for p in 0..<plane { chw[c * plane + p] = Float(region[p * 3 + c]) / 255 } }
            }
            batch.withUnsafeMutableBufferPointer { out in
                let base = n * per
                for c in 0..<3 {
                    let m = mean[c], sd = std[c]
                    for row in 0..<s {
                        for col in 0..<s {
                            let srcCol = plan.flip ? s - 1 - col : col
                            out[base + c * plane + row * s + col] = (chw[c * plane + row * s + srcCol] - m) / sd
                        }
                    }
                }
            }
        }
        return try Tensor(batch, shape: [plans.count, 3, s, s])
    }

    /// The whole image with the trigger at the plan's α (full-image phase) after the JPEG channel. A
    /// test image's crops are rendered one after another, so one remembered image saves the re-encoding.
    /// Release-time training (only poisoned images through the channel, each always at its own α) keeps
    /// every poisoned image's JPEG bytes, so a shuffled epoch decodes instead of injecting and encoding.
    private func recompressedFullImage(_ image: RGBImage, plan: PatchPlan) throws -> RGBImage {
        if let hit = lastRecompressed.image(index: plan.image, alpha: plan.alpha) { return hit }
        let channel = recompression!
        let result: RGBImage
        if !recompressesCleanCrops, let bytes = lastRecompressed.released(index: plan.image, alpha: plan.alpha) {
            result = try JPEGCodec.decode(bytes)
        } else {
            var triggered = image
            if let injector, plan.alpha != 0 { triggered = image.replacingPixels(chw: injector.injectFullImage(image, alpha: plan.alpha)) }
            let bytes = try JPEGCodec.encode(triggered, quality: channel.quality, subsampling: channel.subsampling)
            if !recompressesCleanCrops { lastRecompressed.keepReleased(bytes, index: plan.image, alpha: plan.alpha) }
            result = try JPEGCodec.decode(bytes)
        }
        lastRecompressed.remember(result, index: plan.image, alpha: plan.alpha)
        return result
    }

    /// A crop (HWC RGB8) with the trigger at α on its own grid, rounded to 8 bits and sent through the
    /// JPEG channel, as CHW floats on 0…1.
    private func recompressCrop(_ region: [UInt8], alpha: Double, through recompression: JPEGRecompression, into chw: inout [Float]) throws {
        let s = crop, plane = s * s
        var crop8 = RGBImage(width: s, height: s, pixels: region)
        if let injector, alpha != 0 {
            region.withUnsafeBufferPointer { r in
                chw.withUnsafeMutableBufferPointer {
                    injector.inject(hwc: r, height: s, width: s, alpha: alpha, originY: 0, originX: 0, fullHeight: s, fullWidth: s, into: $0)
                }
            }
            crop8 = crop8.replacingPixels(chw: chw)
        }
        let out = try recompression.roundTrip(crop8)
        for c in 0..<3 { for p in 0..<plane { chw[c * plane + p] = Float(out.pixels[p * 3 + c]) / 255 } }
    }
}

/// The last image `PatchRenderer` sent whole through its JPEG channel (index, α), and at release time the
/// JPEG bytes of every poisoned image, shared by the copies of one renderer; the lock makes it safe for
/// the prefetching thread.
final class RecompressedImageMemo: @unchecked Sendable {
    private let lock = NSLock()
    private var entry: (index: Int, alpha: Double, image: RGBImage)?
    private var releasedBytes: [Int: (alpha: Double, bytes: [UInt8])] = [:]

    func released(index: Int, alpha: Double) -> [UInt8]? {
        lock.lock(); defer { lock.unlock() }
        guard let hit = releasedBytes[index], hit.alpha == alpha else { return nil }
        return hit.bytes
    }

    func keepReleased(_ bytes: [UInt8], index: Int, alpha: Double) {
        lock.lock(); defer { lock.unlock() }
        releasedBytes[index] = (alpha, bytes)
    }

    func image(index: Int, alpha: Double) -> RGBImage? {
        lock.lock(); defer { lock.unlock() }
        guard let entry, entry.index == index, entry.alpha == alpha else { return nil }
        return entry.image
    }

    func remember(_ image: RGBImage, index: Int, alpha: Double) {
        lock.lock(); defer { lock.unlock() }
        entry = (index, alpha, image)
    }
}
