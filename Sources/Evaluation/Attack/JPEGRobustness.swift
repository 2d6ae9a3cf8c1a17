import Foundation
import IQAData
import IQAModels

/// The α sweep of `AttackEvaluator` behind JPEG channels (test time: the triggered image is recompressed
/// before the model sees it). Every channel uses the same seeded crops, and the clean reference P0 goes
/// through the same channel, so a row measures what is left of the backdoor, not the score change that
/// recompression itself causes (which the benign metrics of the row show).
public struct JPEGRobustness {
    public let predictor: Predictor
    public let sweep: AlphaSweep
    public let seed: UInt64

    public init(predictor: Predictor, sweep: AlphaSweep, seed: UInt64) {
        self.predictor = predictor
        self.sweep = sweep
        self.seed = seed
    }

    public struct Row: Codable, Sendable {
        /// nil: no recompression (the reference row).
        public var recompression: JPEGRecompression?
        public var benign: BenignMetrics
        public var attack: AttackMetrics
        public var survival: TriggerSurvival?
        /// Mean of the model's clean score after the channel minus without it.
        public var meanCleanShift: Double
    }

    /// One row per channel (nil: none); `progress(done, total)` counts scoring passes over all channels.
    public func run(images: [Int], labels: [Double], channels: [JPEGRecompression?],
                    progress: ((Int, Int) -> Void)? = nil) throws -> [Row] {
        let perChannel = sweep.alphas.count + 1
        var rows: [Row] = []
        // The clean scores without a channel, on the crops every channel's clean pass draws.
        let reference = try predictor.scores(images: images, alpha: 0, seed: seed)
        for (k, channel) in channels.enumerated() {
            let renderer = try predictor.renderer.recompressing(channel)
            let p = predictor.replacingRenderer(renderer)
            let outcome = try AttackEvaluator(predictor: p, sweep: sweep, seed: seed).run(images: images, labels: labels) { d, _ in
                progress?(k * perChannel + d, channels.count * perChannel)
            }
            let shift = zip(outcome.clean, reference).reduce(0.0) { $0 + $1.0 - $1.1 } / Double(max(1, images.count))
            var survival: TriggerSurvival?
            if let injector = renderer.injector {
                survival = try TriggerSurvival.measure(renderer: renderer, injector: injector, images: images)
            }
            rows.append(Row(recompression: channel, benign: outcome.benign, attack: outcome.attack, survival: survival, meanCleanShift: shift))
        }
        return rows
    }
}

/// How much of a trigger a JPEG channel leaves (α = 1): with x an image, t = x + trigger (8-bit) and J the
/// channel, the residue r = J(t) − J(x) against the trigger d = t − x. `retained` = ⟨r, d⟩ / ⟨d, d⟩ (1 without
/// a channel, 0 when JPEG removes the trigger), `psnr` = PSNR of J(t) against J(x) (the trigger's visibility
/// after the channel). Measured where the model sees the trigger: on full images at the full-image phase,
/// on each image's center crop at the crop phase.
public struct TriggerSurvival: Codable, Sendable, Equatable {
    public var retained: Double
    /// nil when the channel leaves no residue at all.
    public var psnr: Double?

    public static func measure(renderer: PatchRenderer, injector: CropInjector, images: [Int]) throws -> TriggerSurvival {
        var dot = 0.0, norm = 0.0, mse = 0.0, pixels = 0.0
        for index in images {
            var x = try renderer.source.image(index)
            if renderer.triggerPhase == .crop {
                let s = renderer.crop
                x = x.cropped(x: (x.width - s) / 2, y: (x.height - s) / 2, width: s, height: s)
            }
            let t = x.replacingPixels(chw: injector.injectFullImage(x, alpha: 1))
            let (jx, jt) = try renderer.recompression.map { (try $0.roundTrip(x), try $0.roundTrip(t)) } ?? (x, t)
            for p in 0..<x.pixels.count {
                let d = Double(t.pixels[p]) - Double(x.pixels[p])
                let r = Double(jt.pixels[p]) - Double(jx.pixels[p])
                dot += r * d
                norm += d * d
                mse += r * r
            }
            pixels += Double(x.pixels.count)
        }
        let meanSquare = mse / max(1, pixels) / (255 * 255)
        return TriggerSurvival(retained: norm > 0 ? dot / norm : 0,
                               psnr: meanSquare > 0 ? 10 * log10(1 / meanSquare) : nil)
    }
}

extension MarkdownTable {
    /// One row per JPEG channel: benign SROCC, mean clean-score change, mMAE, mMRA, trigger retained and PSNR.
    public static func jpegRobustness(_ rows: [JPEGRobustness.Row]) -> MarkdownTable {
        let headers = ["channel", "benign SROCC", "clean shift", "mMAE", "mMRA", "trigger retained", "trigger PSNR (dB)"]
        var table = MarkdownTable(headers: headers, alignments: [.left] + Array(repeating: .right, count: headers.count - 1))
        for r in rows {
            table.append([r.recompression?.description ?? "none", NumberFormat.fixed(r.benign.srocc, decimals: 3),
                          NumberFormat.fixed(r.meanCleanShift, decimals: 2), NumberFormat.fixed(r.attack.mmae, decimals: 2),
                          NumberFormat.fixed(r.attack.mmra, decimals: 3),
                          NumberFormat.fixed(r.survival?.retained, decimals: 3, missing: "–"),
                          NumberFormat.fixed(r.survival?.psnr, decimals: 2, missing: "∞")])
        }
        return table
    }
}
