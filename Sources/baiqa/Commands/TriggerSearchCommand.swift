import ArgumentParser
import Backdoor
import Foundation
import Pipelines

struct TriggerSearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search a trigger with Algorithm 1 (UAP-DCT) against a surrogate model.",
        discussion: """
        Official settings (spec §4): ε = 8/255 (LIVEC; use 4 for KonIQ-10k), λ = 1e8, Adam lr 1 re-created per \
        batch, 10 steps per batch, batch 128, 25 repeats per image, 50 epochs, one crop/flip per batch, trigger \
        on the crop. The search images are the split's poisoned_subset, else a seeded 20% of the surrogate's \
        training images. Saves progress after every epoch (<out>.search.pt) and resumes from it; writes the \
        trigger as a [3, 64] tensor (as the official .pt) and <out>.json with its PSNR on those images.
        """)

    @OptionGroup var subset: SurrogateSubsetOptions
    @Option(help: "Output trigger file (.pt).") var out: String
    @Option(help: "Visibility budget ε in 8-bit levels (8 for LIVEC, 4 for KonIQ-10k).") var epsilon: Double = 8
    @Option(help: "Epochs.") var epochs: Int = 50
    @Option(help: "Adam steps per batch.") var steps: Int = 10
    @Option(help: "Batch size.") var batch: Int = 128
    @Option(help: "Repeats of every image per epoch.") var repeats: Int = 25
    @OptionGroup var dct: DCTPositionsOption
    @Option(help: "The initial trigger is U(−R, R) per coefficient (official: 300).") var initRange: Double = 300
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var compute: DeviceOptions

    func run() throws {
        let seed = runtime.apply(defaultSeed: 919)
        try compute.apply()
        try OptionChecks.positive(["--epsilon": epsilon, "--epochs": Double(epochs), "--steps": Double(steps), "--batch": Double(batch),
                                    "--repeats": Double(repeats)])
        // At t = 0 the untargeted loss has zero gradient, so a zero start never moves.
        guard initRange > 0, initRange.isFinite else { throw ValidationError("--init-range must be positive and finite") }
        let monitor = ConsoleMonitor()
        let target = try subset.resolve(seed: seed, monitor: monitor)
        var search = UAPSearch()
        search.epsilon = epsilon / 255
        search.epochs = epochs
        search.stepsPerBatch = steps
        search.batchSize = batch
        search.repeats = repeats
        search.crop = target.manifest.recipe.cropSize
        search.positions = dct.positions ?? .official
        search.seed = seed
        search.initRange = initRange
        let record = try TriggerSearchJob(search: search).run(
            surrogate: target.model, surrogateName: URL(fileURLWithPath: subset.surrogate).standardizedFileURL.path, source: target.dataset.source,
            images: target.images, names: target.names, out: URL(fileURLWithPath: out), record: URL(fileURLWithPath: out + ".json"),
            checkpoint: URL(fileURLWithPath: out + ".search.pt"), monitor: monitor)
        print(String(format: "trigger → %@ (PSNR at α = 1 on %d search images: %.2f dB; design bound 20·log10(255/ε) = %.2f dB)",
                     out, record.images, record.psnrAlpha1, 20 * log10(255 / epsilon)))
    }
}
