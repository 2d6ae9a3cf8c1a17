import ArgumentParser
import Backdoor
import Foundation
import IQAData
import Pipelines
import Torch

extension TriggerCommand {
    struct Objective: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "objective",
            abstract: "How far DCT triggers move a model's scores: Algorithm 1's objective on held-out images.",
            discussion: """
            For each trigger (a [3, 64] file, or random:SEED for a seeded random direction), the mean |Δŷ| and mean \
            Δŷ of the model (a surrogate or a clean victim run folder) over the center crops of the run's test images, \
            with the trigger scaled onto the ε budget (--as-is: at its own strength, capped at the budget). \
            Compares searched, official and random triggers at the same visibility, and measures transfer to a victim.
            """)

        @Option(help: "Training run folder of the model (surrogate or clean victim).") var model: String
        @Option(name: .customLong("trigger"), parsing: .upToNextOption, help: "Trigger files (.pt, [3, 64]) or random:SEED.")
        var triggers: [String]
        @Option(help: "Budget ε in 8-bit levels.") var epsilon: Double = 8
        @Flag(help: "Report each trigger at its own strength (capped at the budget) instead of scaled onto it.") var asIs = false
        @Option(help: "Write the table as CSV to this file.") var csv: String?
        @OptionGroup var dct: DCTPositionsOption
        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var compute: DeviceOptions

        func run() throws {
            _ = runtime.apply(defaultSeed: 0)
            try compute.apply()
            try OptionChecks.positive(["--epsilon": epsilon])
            guard !triggers.isEmpty else { throw ValidationError("name at least one --trigger") }
            let positions = dct.positions ?? .official
            let budget = TriggerBudget(epsilon: epsilon / 255, positions: positions)
            var tensors: [(String, Tensor)] = []
            for name in triggers {
                if name.hasPrefix("random:") {
                    guard let seed = UInt64(name.dropFirst("random:".count)) else { throw ValidationError("\(name): expected random:SEED") }
                    tensors.append((name, try budget.randomOnBudget(seed: seed)))
                } else {
                    tensors.append((name, try DCTTrigger.load(from: URL(fileURLWithPath: name), positions: positions).tensor()))
                }
            }
            let folder = URL(fileURLWithPath: model)
            let manifest = try RunManifest.read(from: folder)
            let network = try manifest.loadModel(folder: folder)
            let dataset = try LoadedDataset.load(manifest.dataset.source())
            let index = dataset.indexByName
            let images = try manifest.test.map { name in
                guard let i = index[name] else { throw ValidationError("\(manifest.dataset.root): test image \(name) of \(model) is missing") }
                return i
            }
            let objective = try UAPObjective(surrogate: network, crops: UAPObjective.centerCrops(source: dataset.source, images: images,
                                                                                                 crop: manifest.recipe.cropSize), budget: budget)
            var rows = ["trigger,pattern_rms,pattern_psnr,scale,mean_abs_shift,mean_shift"]   // mean_shift: nan with --as-is
            print("model \(model), \(images.count) test images (center crops), " + (asIs ? "triggers at their own strength" : "triggers at most ε = \(epsilon)/255"))
            for (name, t) in tensors {
                let v = try objective.evaluate(t)
                let rms = asIs ? v.patternRMS * min(1, v.scale) : v.patternRMS * v.scale
                let shift = asIs ? v.ownMeanAbsShift : v.meanAbsShift
                let psnr = 20 * log10(255 / rms)
                print(String(format: "  %@: pattern RMS %.2f (%.2f dB), mean |Δŷ| %.3f", name, rms, psnr, shift)
                      + (asIs ? "" : String(format: ", mean Δŷ %+.3f", v.meanShift)))
                rows.append(String(format: "%@,%.4f,%.4f,%.6f,%.6f,%.6f", name, rms, psnr, asIs ? min(1, v.scale) : v.scale, shift,
                                   asIs ? Double.nan : v.meanShift))
            }
            if let csv { try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: csv), options: .atomic) }
        }
    }
}
