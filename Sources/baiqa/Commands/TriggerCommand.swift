import ArgumentParser
import Backdoor
import Evaluation
import Foundation
import IQAData
import Pipelines

struct TriggerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Work with triggers: apply one to an image, render it, measure its PSNR or objective, search one (Algorithm 1).",
        subcommands: [Apply.self, Show.self, PSNR.self, TriggerSearchCommand.self, Objective.self, Curves.self])
}

/// A trigger named by the trigger options, or a run's own (`--run RUN`, with the options as overrides).
struct RunTriggerOptions: ParsableArguments {
    @Option(name: .customLong("run"), help: "Run folder whose trigger to use (its manifest's attack; the trigger options override parts of it).")
    var runFolder: String?

    @OptionGroup var trigger: TriggerOptions

    /// The trigger (the options', else the run's own), and the run's folder and manifest when one was named.
    func resolve() throws -> (spec: TriggerSpec, folder: URL?, manifest: RunManifest?) {
        let folder = runFolder.map { URL(fileURLWithPath: $0) }
        let manifest = try folder.map { try RunManifest.read(from: $0) }
        let own = manifest?.triggerSpec
        guard let spec = try trigger.spec(run: own, runName: runFolder) ?? own else {
            throw ValidationError(runFolder.map { "\($0): the run has no trigger; name one with --attack KIND or --trigger FILE" }
                                  ?? "name a trigger: --trigger FILE, --attack KIND, or --run RUN")
        }
        return (spec, folder, manifest)
    }
}

extension TriggerCommand {
    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inject a trigger into one image at strength α and report the PSNR.",
            discussion: """
            Injection follows the official code on the full image: for BAIQA 8-bit levels, 16×16 block DCT of \
            full-range YCbCr with zero padding to a multiple of 16, α·t added at the 64 positions, clamp to \
            [0, 1]; the baselines likewise on the full image's coordinates. The PNG is the result rounded to \
            8 bits; --npy writes the exact float32 result, shape H×W×3 (row-major, RGB, values on 0…1). The \
            PSNR is that of the float result against the input.
            """)

        @Argument(help: "Input image (JPEG, PNG or BMP).") var image: String
        @OptionGroup var source: RunTriggerOptions
        @OptionGroup var alpha: AlphaOption
        @Option(help: "Output PNG.") var out: String
        @Option(help: "Also write the float result as a NumPy .npy file (H×W×3 float32).") var npy: String?
        @OptionGroup var runtime: RuntimeOptions

        func run() throws {
            try OutputPaths.requireNew([out] + (npy.map { [$0] } ?? []))
            let a = try alpha.value(default: 1)
            let (spec, folder, manifest) = try source.resolve()
            let seed = runtime.apply(defaultSeed: manifest?.seed ?? 0)
            let input = try ImageIO.read(URL(fileURLWithPath: image))
            let result = TriggerRendering.triggered(input, injector: try spec.injector(seed: seed, relativeTo: folder), alpha: a)
            try ImageIO.writePNG(result.image, to: URL(fileURLWithPath: out))
            if let npy { try NPYArray.write(float32: result.hwc, shape: [input.height, input.width, 3], to: URL(fileURLWithPath: npy)) }
            print(String(format: "PSNR %.3f dB (MSE %.5e on [0,1], α = %g) → %@", try Metrics.psnr(mse: result.mse), result.mse, a, out))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render a trigger: its per-block RGB pattern, and optionally an image with its amplified residual.",
            discussion: """
            Writes OUT-pattern.png (for DCT triggers: the 16×16 pattern at α, scaled to the full 8-bit range and \
            enlarged 16×) and, with --image, OUT-triggered.png and OUT-residual.png (|triggered − image| × --gain).
            """)

        @OptionGroup var source: RunTriggerOptions
        @Option(help: "Output prefix.") var out: String
        @Option(help: "An image to inject the trigger into.") var image: String?
        @OptionGroup var alpha: AlphaOption
        @Option(help: "Residual amplification.") var gain: Double = 8
        @OptionGroup var runtime: RuntimeOptions

        func run() throws {
            let a = try alpha.value(default: 1)
            let (spec, folder, manifest) = try source.resolve()
            let seed = runtime.apply(defaultSeed: manifest?.seed ?? 0)
            let injector = try spec.injector(seed: seed, relativeTo: folder)
            let dct = injector as? DCTTrigger ?? (injector as? FTrojanTrigger)?.dct
            guard dct != nil || image != nil else { throw ValidationError("a \(spec.attack.rawValue) trigger has no DCT pattern to draw: add --image IMG") }
            try OutputPaths.requireNew((dct != nil ? [out + "-pattern.png"] : []) + (image != nil ? [out + "-triggered.png", out + "-residual.png"] : []))
            let input = try image.map { try ImageIO.read(URL(fileURLWithPath: $0)) }   // read before anything is written
            var written: [String] = []
            if let dct {
                try ImageIO.writePNG(TriggerRendering.pattern(dct), to: URL(fileURLWithPath: out + "-pattern.png"))
                written.append(out + "-pattern.png")
            }
            if let input {
                let result = TriggerRendering.triggered(input, injector: injector, alpha: a)
                try ImageIO.writePNG(result.image, to: URL(fileURLWithPath: out + "-triggered.png"))
                try ImageIO.writePNG(result.residual(against: input, gain: gain), to: URL(fileURLWithPath: out + "-residual.png"))
                written += [out + "-triggered.png", out + "-residual.png"]
            }
            print("wrote " + written.joined(separator: ", "))
        }
    }

    struct PSNR: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "psnr",
            abstract: "PSNR of triggered images (any attack) over a dataset, at strength α (spec §9.3 / Table 2).",
            discussion: """
            With --run: the run's own trigger on the run's test images (the images its psnr_alpha1 is measured \
            on). Otherwise: the trigger the options name on every image of the dataset.
            """)

        @OptionGroup var source: RunTriggerOptions
        @OptionGroup var alpha: AlphaOption
        @OptionGroup var dataset: DatasetSourceOptions
        @OptionGroup var runtime: RuntimeOptions

        func run() throws {
            let a = try alpha.value(default: 1)
            let (spec, folder, manifest) = try source.resolve()
            let seed = runtime.apply(defaultSeed: manifest?.seed ?? 0)
            let loaded: LoadedDataset, images: [Int]
            if let manifest {
                var d = manifest.dataset
                if let root = dataset.root { d.root = root }
                loaded = try LoadedDataset.load(d.source())
                let index = loaded.indexByName
                images = try manifest.test.map { name in
                    guard let i = index[name] else { throw ValidationError("\(d.root): test image \(name) of the run is missing") }
                    return i
                }
            } else {
                loaded = try LoadedDataset.load(dataset.resolved().source())
                images = Array(loaded.samples.indices)
            }
            let summary = try TriggerPSNR.summary(source: loaded.source, images: images, injector: spec.injector(seed: seed, relativeTo: folder), alpha: a)
            print(String(format: "%@ at α = %g on %d images: PSNR of mean MSE %.2f dB, mean PSNR %.2f dB", spec.summary, a,
                         summary.count, summary.psnrOfMeanMSE, summary.meanPSNR))
        }
    }
}
