import ArgumentParser
import Backdoor
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch
import TorchPickle

struct TriggerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Work with DCT triggers.",
        subcommands: [Apply.self, Search.self, Show.self, PSNR.self])

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inject a trigger into one image at strength α and report the PSNR.",
            discussion: """
            Injection follows the official code on the full image: 8-bit levels, 16×16 block DCT of full-range
            YCbCr with zero padding to a multiple of 16, α·t added at the 64 positions, clamp to [0, 1].
            The PNG is the result rounded to 8 bits; --npy writes the exact float32 result, shape H×W×3
            (row-major, RGB, values on 0…1). The PSNR is that of the float result against the input.
            """)

        @Argument(help: "Input image (JPEG, PNG or BMP).")
        var image: String

        @Option(help: "Trigger file (.pt holding a [3, 64] tensor).")
        var trigger: String

        @Option(help: "Trigger strength α.")
        var alpha: Double = 1

        @Option(help: "Output PNG.")
        var out: String

        @Option(help: "Also write the float result as a NumPy .npy file (H×W×3 float32).")
        var npy: String?

        @Option(help: "DCT positions: official or mid-band.")
        var positions: DCTPositions = .official

        func run() throws {
            guard alpha.isFinite else { throw ValidationError("--alpha must be finite") }
            let input = try ImageIO.read(URL(fileURLWithPath: image))
            let tensor: Tensor
            do { tensor = try TensorFile.loadTensor(from: URL(fileURLWithPath: trigger)) } catch { throw CLIError("\(trigger): \(error)") }
            let t: DCTTrigger
            do { t = try DCTTrigger(tensor: tensor, positions: positions) } catch { throw CLIError("\(trigger): \(error)") }
            let (h, w) = (input.height, input.width)
            var chw = [Float](repeating: 0, count: 3 * h * w)
            input.pixels.withUnsafeBufferPointer { src in
                chw.withUnsafeMutableBufferPointer { t.inject(hwc: src, height: h, width: w, alpha: alpha, originY: 0, originX: 0,
                                                              fullHeight: h, fullWidth: w, into: $0) }
            }
            var hwc = [Float](repeating: 0, count: 3 * h * w)
            var bytes = [UInt8](repeating: 0, count: 3 * h * w)
            var sum = 0.0
            for p in 0..<(h * w) {
                for c in 0..<3 {
                    let v = chw[c * h * w + p]
                    hwc[p * 3 + c] = v
                    bytes[p * 3 + c] = UInt8((v * 255).rounded())
                    let d = Double(v) - Double(input.pixels[p * 3 + c]) / 255
                    sum += d * d
                }
            }
            let mse = sum / Double(3 * h * w)
            try ImageIO.writePNG(RGBImage(width: w, height: h, pixels: bytes), to: URL(fileURLWithPath: out))
            if let npy { try NPYWriter.write(float32: hwc, shape: [h, w, 3], to: URL(fileURLWithPath: npy)) }
            print(String(format: "PSNR %.3f dB (MSE %.5e on [0,1], α = %g) → %@", try Metrics.psnr(mse: mse), mse, alpha, out))
        }
    }
}

extension TriggerCommand {
    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Search a trigger with Algorithm 1 (UAP-DCT) against a surrogate model.",
            discussion: """
            Official settings (spec §4): ε = 8/255 (LIVEC; use 4 for KonIQ-10k), λ = 1e8, Adam lr 1 re-created per
            batch, 10 steps per batch, batch 128, 25 repeats per image, 50 epochs, one crop/flip per batch, trigger
            on the crop. The search images are the split's poisoned_subset, else a seeded 20% of the surrogate's
            training images. Saves progress after every epoch (<out>.search.pt) and resumes from it; writes the
            trigger as a [3, 64] tensor (as the official .pt) and <out>.json with its PSNR on those images.
            """)

        @OptionGroup var subset: SurrogateSubsetOptions

        @Option(help: "Output trigger file (.pt).")
        var out: String

        @Option(help: "Visibility budget ε in 8-bit levels (8 for LIVEC, 4 for KonIQ-10k).")
        var epsilon: Double = 8

        @Option(help: "Epochs.")
        var epochs: Int = 50

        @Option(help: "Adam steps per batch.")
        var steps: Int = 10

        @Option(help: "Batch size.")
        var batch: Int = 128

        @Option(help: "Repeats of every image per epoch.")
        var repeats: Int = 25

        @Option(help: "DCT positions: official or mid-band.")
        var positions: DCTPositions = .official

        @Option(help: "The initial trigger is U(−R, R) per coefficient (official: 300).")
        var initRange: Double = 300

        @Option(help: "Seed (the official code uses 919).")
        var seed: UInt64 = 919

        @Option(help: "Intra-op threads for libtorch.")
        var threads: Int?

        func run() throws {
            if let threads { Runtime.setThreads(threads) }
            guard epsilon > 0, epochs > 0, steps > 0, batch > 0, repeats > 0 else { throw ValidationError("numeric options must be positive") }
            // At t = 0 the untargeted loss has zero gradient, so a zero start never moves.
            guard initRange > 0, initRange.isFinite else { throw ValidationError("--init-range must be positive and finite") }
            let (manifest, model, _, names) = try subset.resolve(seed: seed)
            let folder = URL(fileURLWithPath: subset.surrogate)
            let dataset = try LoadedDataset.load(manifest.dataset.source())
            var index: [String: Int] = [:]
            for (i, s) in dataset.samples.enumerated() where index[s.name] == nil { index[s.name] = i }
            let images = names.map { index[$0]! }

            var search = UAPSearch()
            search.epsilon = epsilon / 255
            search.epochs = epochs
            search.stepsPerBatch = steps
            search.batchSize = batch
            search.repeats = repeats
            search.crop = manifest.recipe.cropSize
            search.positions = positions
            search.seed = seed
            search.initRange = initRange
            let fingerprint = ExperimentConfig.fnv1a64(Data("\(folder.standardizedFileURL.path)|\(names)|\(epsilon)|\(epochs)|\(steps)|\(batch)|\(repeats)|\(positions)|\(seed)|\(initRange)".utf8))
            let outURL = URL(fileURLWithPath: out)
            let stateURL = URL(fileURLWithPath: out + ".search.pt")
            var state = try search.initialState()
            if FileManager.default.fileExists(atPath: stateURL.path), case .dict(let d) = try TorchFile.load(contentsOf: stateURL),
               d["fingerprint"]?.stringValue == fingerprint, let done = d["epochs_done"]?.intValue, let t = d["trigger"]?.tensorValue {
                state = UAPSearch.State(trigger: try Tensor(record: t), epochsDone: Int(done), lastLoss: .nan, lastPixelMSE: .nan)
                FileHandle.standardError.write(Data("resuming the search after epoch \(done)\n".utf8))
            }
            let monitor = ConsoleMonitor()
            let final = try search.run(surrogate: model, source: dataset.source, images: images, from: state, progress: { d, t, mse in
                monitor.progress(stage: "UAP-DCT search", done: d, total: t, detail: String(format: "crop PSNR %.2f dB", -10 * log10(max(mse, 1e-12))))
            }, onEpoch: { s in
                try TensorFile.save([("trigger", s.trigger)], metadata: [("epochs_done", .int(Int64(s.epochsDone))), ("fingerprint", .string(fingerprint))], to: stateURL)
            })
            let trigger = try DCTTrigger(tensor: final.trigger, positions: positions)
            try TensorFile.save(final.trigger, to: outURL)
            let psnr = try TriggerPSNR.summary(source: dataset.source, images: images, injector: trigger)
            let summary: [String: Any] = ["images": names.count, "epsilon": epsilon, "epochs": epochs, "psnr_alpha1": psnr.psnrOfMeanMSE,
                                          "mean_psnr_alpha1": psnr.meanPSNR, "surrogate": folder.path, "positions": positions.rawValue]
            try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: out + ".json"), options: .atomic)
            try? FileManager.default.removeItem(at: stateURL)
            print(String(format: "trigger → %@ (PSNR at α = 1 on %d search images: %.2f dB; design bound 20·log10(255/ε) = %.2f dB)",
                         out, names.count, psnr.psnrOfMeanMSE, 20 * log10(255 / epsilon)))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render a trigger: its per-block RGB pattern, and optionally an image with its amplified residual.",
            discussion: "Writes OUT-pattern.png (the 16×16 pattern at α, scaled to the full 8-bit range and enlarged 16×) and, with --image, OUT-triggered.png and OUT-residual.png (|triggered − image| × --gain).")

        @Option(help: "Trigger file (.pt, [3, 64]).")
        var trigger: String

        @Option(help: "Output prefix.")
        var out: String

        @Option(help: "An image to inject the trigger into.")
        var image: String?

        @Option(help: "Trigger strength α.")
        var alpha: Double = 1

        @Option(help: "Residual amplification.")
        var gain: Double = 8

        @Option(help: "DCT positions: official or mid-band.")
        var positions: DCTPositions = .official

        func run() throws {
            let t: DCTTrigger
            do { t = try DCTTrigger(tensor: TensorFile.loadTensor(from: URL(fileURLWithPath: trigger)), positions: positions) } catch { throw CLIError("\(trigger): \(error)") }
            let scale = 16, maxAbs = max(t.pattern.map { abs($0) }.max() ?? 1, 1e-6)
            var pixels = [UInt8](repeating: 0, count: 256 * scale * scale * 3)
            for y in 0..<(16 * scale) { for x in 0..<(16 * scale) { for c in 0..<3 {
                let v = t.pattern[c * 256 + (y / scale) * 16 + x / scale] / maxAbs   // −1…1
                pixels[(y * 16 * scale + x) * 3 + c] = UInt8((127.5 + 127.5 * Double(v)).rounded())
            } } }
            try ImageIO.writePNG(RGBImage(width: 16 * scale, height: 16 * scale, pixels: pixels), to: URL(fileURLWithPath: out + "-pattern.png"))
            var written = [out + "-pattern.png"]
            if let image {
                let input = try ImageIO.read(URL(fileURLWithPath: image))
                let (h, w) = (input.height, input.width)
                var chw = [Float](repeating: 0, count: 3 * h * w)
                input.pixels.withUnsafeBufferPointer { src in
                    chw.withUnsafeMutableBufferPointer { t.inject(hwc: src, height: h, width: w, alpha: alpha, originY: 0, originX: 0, fullHeight: h, fullWidth: w, into: $0) }
                }
                var triggered = [UInt8](repeating: 0, count: 3 * h * w), residual = triggered
                for p in 0..<(h * w) { for c in 0..<3 {
                    let v = Double(chw[c * h * w + p]) * 255
                    triggered[p * 3 + c] = UInt8(v.rounded())
                    residual[p * 3 + c] = UInt8(min(255, abs(v - Double(input.pixels[p * 3 + c])) * gain).rounded())
                } }
                try ImageIO.writePNG(RGBImage(width: w, height: h, pixels: triggered), to: URL(fileURLWithPath: out + "-triggered.png"))
                try ImageIO.writePNG(RGBImage(width: w, height: h, pixels: residual), to: URL(fileURLWithPath: out + "-residual.png"))
                written += [out + "-triggered.png", out + "-residual.png"]
            }
            print("wrote " + written.joined(separator: ", "))
        }
    }
}

extension AttackKind: ExpressibleByArgument {}

extension TriggerCommand {
    struct PSNR: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "psnr",
            abstract: "PSNR of triggered images (any attack) over a dataset, at strength α (spec §9.3 / Table 2).")

        @Option(help: "Attack: baiqa, blended, wanet or ftrojan.")
        var attack: AttackKind = .baiqa

        @Option(help: "Trigger file for --attack baiqa.")
        var trigger: String?

        @Option(help: "Trigger strength α.")
        var alpha: Double = 1

        @Option(help: "Blended: blend ratio at α = 1.")
        var blendRatio: Double = 0.100

        @Option(help: "WaNet: warp strength in pixels at α = 1.")
        var wanetStrength: Double = 0.84

        @Option(help: "FTrojan: DCT coefficient magnitude.")
        var ftrojanMagnitude: Double = 265

        @OptionGroup var source: DatasetSourceOptions

        func run() throws {
            var settings = BaselineSettings()
            settings.blendRatio = blendRatio
            settings.wanetStrength = wanetStrength
            settings.ftrojanMagnitude = ftrojanMagnitude
            let dct: DCTTrigger? = try trigger.map { path in
                do { return try DCTTrigger(tensor: TensorFile.loadTensor(from: URL(fileURLWithPath: path))) } catch { throw CLIError("\(path): \(error)") }
            }
            let injector = try attack.injector(dct: dct, baselines: settings)
            let dataset = try LoadedDataset.load(source.resolved().source())
            let summary = try TriggerPSNR.summary(source: dataset.source, images: Array(0..<dataset.samples.count), injector: injector, alpha: alpha)
            print(String(format: "%@ at α = %g on %d images: PSNR of mean MSE %.2f dB, mean PSNR %.2f dB", attack.rawValue, alpha,
                         summary.count, summary.psnrOfMeanMSE, summary.meanPSNR))
        }
    }
}
