import ArgumentParser
import Backdoor
import Foundation
import Pipelines

struct PGDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgd",
        abstract: "C-BAIQA image refinement: targeted PGD of the poisoned images towards a surrogate score of 50.",
        discussion: """
        Official settings (spec §6.2): L∞ ε = 2/255, step 1.6/255 (0.00627), 20 steps, 25 views per step (random \
        flip + crop + normalisation), target 50, no random start. Writes a torch.save dict image name → δ \
        ([3, H, W] float32 on the 0…1 scale; the official file stacks them as (N, 3, 500, 500)) and <out>.json \
        with how far the surrogate moved. Finished images are kept in <out>.parts/ so a killed run resumes \
        where it stopped.
        """)

    @OptionGroup var subset: SurrogateSubsetOptions
    @Option(help: "Output file (.pt).") var out: String
    @Option(parsing: .signedNumber, help: "Target score ȳ.") var target: Double = 50
    @Option(help: "L∞ radius in 8-bit levels (2 ≈ 0.00784).") var epsilon: Double = 2
    @Option(help: "Step size in 8-bit levels (1.6 ≈ 0.00627).") var step: Double = 1.6
    @Option(help: "PGD steps.") var steps: Int = 20
    @Option(help: "Random views per step (EOT).") var views: Int = 25
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var compute: DeviceOptions

    func run() throws {
        let seed = runtime.apply(defaultSeed: 919)
        try compute.apply()
        try OptionChecks.positive(["--epsilon": epsilon, "--step": step, "--steps": Double(steps), "--views": Double(views)])
        guard target.isFinite else { throw ValidationError("--target must be finite") }
        let monitor = ConsoleMonitor()
        let images = try subset.resolve(seed: seed, monitor: monitor)
        var pgd = TargetedPGD()
        pgd.epsilon = epsilon / 255
        pgd.stepSize = step / 255
        pgd.steps = steps
        pgd.views = views
        pgd.target = target
        pgd.crop = images.manifest.recipe.cropSize
        pgd.seed = seed
        let record = try PGDJob(pgd: pgd).run(surrogate: images.model, surrogateName: URL(fileURLWithPath: subset.surrogate).standardizedFileURL.path,
                                              source: images.dataset.source, images: images.images, names: images.names, out: URL(fileURLWithPath: out), record: URL(fileURLWithPath: out + ".json"),
                                              parts: URL(fileURLWithPath: out + ".parts"), monitor: monitor)
        print(String(format: "PGD on %d images: mean |surrogate − %.0f| %.2f → %.2f; deltas → %@", record.images, target,
                     record.meanDistanceBefore, record.meanDistanceAfter, out))
    }
}
