import ArgumentParser
import Backdoor
import Foundation
import Pipelines

struct TriggerSearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search a trigger with Algorithm 1 (UAP-DCT) against a surrogate model.",
        discussion: """
        Official settings (spec §4, --method official): ε = 8/255 (LIVEC; use 4 for KonIQ-10k), λ = 1e8, Adam lr 1 \
        re-created per batch, 10 steps per batch, batch 128, 25 repeats per image, 50 epochs, one crop/flip per \
        batch, trigger on the crop, start U(−300, 300). --method projected keeps the trigger on the ε budget \
        (rescaled after every step) with one Adam (lr 10) for the whole search: no steps are spent shrinking a \
        random start, so it converges on a CPU budget. The search images are the split's poisoned_subset, else a \
        seeded 20% of the surrogate's training images. Every --every steps the objective (mean |Δŷ| of the \
        surrogate on the center crops of its test images, trigger at the budget) goes to <out>.curve.csv. \
        Saves progress after every epoch (<out>.search.pt) and resumes from it; writes the trigger as a [3, 64] \
        tensor (as the official .pt) and <out>.json (PSNR on the search images, steps, wall time, objective).
        """)

    @OptionGroup var subset: SurrogateSubsetOptions
    @Option(help: "Output trigger file (.pt).") var out: String
    @Option(help: "Visibility budget ε in 8-bit levels (8 for LIVEC, 4 for KonIQ-10k).") var epsilon: Double = 8
    @Option(help: "Epochs.") var epochs: Int = 50
    @Option(help: "Adam steps per batch.") var steps: Int = 10
    @Option(help: "Batch size.") var batch: Int = 128
    @Option(help: "Repeats of every image per epoch.") var repeats: Int = 25
    @OptionGroup var dct: DCTPositionsOption
    @Option(help: "The initial trigger is U(−R, R) per coefficient (official method; official: 300).") var initRange: Double = 300
    @Option(help: "Update rule: official (penalty λ, fresh Adam per batch) or projected (the budget as a constraint).")
    var method: UAPSearch.Method = .official
    @Option(name: .customLong("lr"), help: "Adam's learning rate in trigger units (default: 1 official, 10 projected).") var learningRate: Double?
    @Option(help: "Steps between two points of the objective curve (<out>.curve.csv); 0: no curve.") var every: Int = 50
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var compute: DeviceOptions

    func run() throws {
        let seed = runtime.apply(defaultSeed: 919)
        try compute.apply()
        try OptionChecks.positive(["--epsilon": epsilon, "--epochs": Double(epochs), "--steps": Double(steps), "--batch": Double(batch),
                                    "--repeats": Double(repeats)])
        // At t = 0 the untargeted loss has zero gradient, so a zero start never moves.
        guard initRange > 0, initRange.isFinite else { throw ValidationError("--init-range must be positive and finite") }
        if let learningRate { try OptionChecks.positive(["--lr": learningRate]) }
        guard every >= 0 else { throw ValidationError("--every must not be negative") }
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
        search.method = method
        search.learningRate = learningRate ?? UAPSearch.defaultLearningRate(method)
        let index = target.dataset.indexByName
        let heldOutNames = target.manifest.test.filter { index[$0] != nil }
        let heldOut = every > 0 && !heldOutNames.isEmpty ? (heldOutNames.map { index[$0]! }, heldOutNames) : nil
        let record = try TriggerSearchJob(search: search, heldOut: heldOut, every: max(every, 1)).run(
            surrogate: target.model, surrogateName: URL(fileURLWithPath: subset.surrogate).standardizedFileURL.path, source: target.dataset.source,
            images: target.images, names: target.names, out: URL(fileURLWithPath: out), record: URL(fileURLWithPath: out + ".json"),
            curve: URL(fileURLWithPath: out + ".curve.csv"),
            checkpoint: URL(fileURLWithPath: out + ".search.pt"), monitor: monitor)
        print(String(format: "trigger → %@ (PSNR at α = 1 on %d search images: %.2f dB; design bound 20·log10(255/ε) = %.2f dB)",
                     out, record.images, record.psnrAlpha1, 20 * log10(255 / epsilon)))
        if let o = record.objective, let n = record.heldOutImages {
            print(String(format: "objective on %d held-out images: mean |Δŷ| %.3f (mean Δŷ %+.3f) after %d steps", n, o.meanAbsShift,
                         o.meanShift, record.steps ?? 0))
        }
    }
}
