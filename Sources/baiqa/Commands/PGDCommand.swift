import ArgumentParser
import Backdoor
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch

struct PGDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgd",
        abstract: "C-BAIQA image refinement: targeted PGD of the poisoned images towards a surrogate score of 50.",
        discussion: """
        Official settings (spec §6.2): L∞ ε = 2/255, step 1.6/255 (0.00627), 20 steps, 25 views per step (random
        flip + crop + normalisation), target 50, no random start. Writes a torch.save dict image name → δ
        ([3, H, W] float32 on the 0…1 scale; the official file stacks them as (N, 3, 500, 500)). Finished images
        are kept in <out>.parts/ so a killed run resumes where it stopped.
        """)

    @OptionGroup var subset: SurrogateSubsetOptions

    @Option(help: "Output file (.pt).")
    var out: String

    @Option(help: "L∞ radius in 8-bit levels (2 ≈ 0.00784).")
    var epsilon: Double = 2

    @Option(help: "Step size in 8-bit levels (1.6 ≈ 0.00627).")
    var step: Double = 1.6

    @Option(help: "PGD steps.")
    var steps: Int = 20

    @Option(help: "Random views per step (EOT).")
    var views: Int = 25

    @Option(help: "Target score ȳ.")
    var target: Double = 50

    @Option(help: "Seed (the official code uses 919).")
    var seed: UInt64 = 919

    @Option(help: "Intra-op threads for libtorch.")
    var threads: Int?

    func run() throws {
        if let threads { Runtime.setThreads(threads) }
        guard epsilon > 0, step > 0, steps > 0, views > 0 else { throw ValidationError("numeric options must be positive") }
        let (manifest, model, samples, names) = try subset.resolve(seed: seed)
        var byName: [String: IQASample] = [:]
        for s in samples where byName[s.name] == nil { byName[s.name] = s }

        var pgd = TargetedPGD()
        pgd.epsilon = epsilon / 255
        pgd.stepSize = step / 255
        pgd.steps = steps
        pgd.views = views
        pgd.target = target
        pgd.crop = manifest.recipe.cropSize
        pgd.seed = seed
        let parts = URL(fileURLWithPath: out + ".parts")
        try FileManager.default.createDirectory(at: parts, withIntermediateDirectories: true)
        let monitor = ConsoleMonitor()
        var before: [Double] = [], after: [Double] = []
        var deltas: [(name: String, tensor: Tensor)] = []
        for (k, name) in names.enumerated() {
            let image = try ImageIO.read(byName[name]!.url)
            let part = parts.appendingPathComponent("\(k).pt")
            let delta = try pgd.perturbation(surrogate: model, image: image, index: k, cache: part)
            deltas.append((name, delta))
            before.append(try pgd.meanPrediction(surrogate: model, image: image, delta: nil, index: k))
            after.append(try pgd.meanPrediction(surrogate: model, image: image, delta: delta, index: k))
            monitor.progress(stage: "PGD", done: k + 1, total: names.count, detail: String(format: "|f−ȳ| %.2f → %.2f", abs(before.last! - target), abs(after.last! - target)))
        }
        try TensorFile.save(deltas, to: URL(fileURLWithPath: out))
        try? FileManager.default.removeItem(at: parts)
        let meanAbs = { (xs: [Double]) in xs.map { abs($0 - target) }.reduce(0, +) / Double(xs.count) }
        print(String(format: "PGD on %d images: mean |surrogate − %.0f| %.2f → %.2f; deltas → %@", names.count, target, meanAbs(before), meanAbs(after), out))
    }
}
