import Backdoor
import Foundation
import IQAData
import IQAModels
import Torch
import TorchPickle

/// Adversarial Neuron Pruning (Wu & Wang 2021): masks learnt on the clean set under adversarial neuron
/// perturbations (`ANPMaskOptimizer`, checkpointed in `anp_state.pt`),
/// written to `mask_values.csv`; then the victim pruned at each mask threshold (one row per threshold) and
/// the threshold chosen by the clean-only rule.
struct ANPDefence {
    let context: DefenceContext
    let settings: ANPMaskOptimizer.Settings
    let thresholds: [Double]
    let maxCleanRMSERise: Double
    let fingerprint: String
    /// Every 100 iterations, or a tenth of a shorter run.
    var checkpointEvery: Int { max(1, min(100, settings.iterations / 10)) }

    struct Outcome {
        var state: [String: Tensor]
        var threshold: Double
        var pruned: Int
    }

    var stateURL: URL { context.workDir.appendingPathComponent("anp_state.pt") }

    func run() throws -> Outcome {
        let masks = try optimiseMasks()
        try writeMaskValues(masks)
        let model = try context.victimModel()
        var candidates: [(strength: Double, cleanRMSE: Double)] = []
        var prunedCounts: [Int] = []
        for threshold in thresholds {
            var state = context.victimState
            let pruned = try ANPMaskOptimizer.prune(&state, maskValues: masks, threshold: threshold)
            try model.store.load(state, strict: true)
            let row = try context.measure(model, phase: "anp", strength: threshold, pruned: pruned)
            candidates.append((threshold, row.cleanSetRMSE))
            prunedCounts.append(pruned)
        }
        let k = PruningSelection.choose(candidates, maxRise: maxCleanRMSERise)
        context.monitor.log(String(format: "mask threshold %.2f chosen (%d of %d BatchNorm neurons pruned): the largest whose clean-set RMSE rises < %.0f%%",
                                   thresholds[k], prunedCounts[k], masks.count, maxCleanRMSERise * 100))
        var state = context.victimState
        _ = try ANPMaskOptimizer.prune(&state, maskValues: masks, threshold: thresholds[k])
        return Outcome(state: state, threshold: thresholds[k], pruned: prunedCounts[k])
    }

    /// The mask optimisation, resumable: every `checkpointEvery` iterations the masks, the optimiser's
    /// momentum and the iteration are saved atomically; each iteration's crops and perturbation are seeded
    /// by its number, so a resumed optimisation ends with the same masks.
    func optimiseMasks() throws -> [(layer: String, neuron: Int, value: Double)] {
        let model = try context.victimModel()
        let anp = try ANPMaskOptimizer(model: model, settings: settings)
        defer { anp.detach() }
        var start = 0
        if FileManager.default.fileExists(atPath: stateURL.path),
           case .dict(let meta) = try TorchFile.load(contentsOf: stateURL),
           meta["fingerprint"]?.stringValue == fingerprint, let done = meta["iterations_done"]?.intValue {
            try anp.loadStateDict(TensorFile.loadTensors(from: stateURL))
            start = Int(done)
            context.monitor.log("resumed the ANP mask optimisation after iteration \(start)")
        }
        let renderer = context.cleanRenderer
        var lossSum = 0.0
        for iteration in start..<settings.iterations {
            // Crops drawn with replacement from the clean set (the official RandomSampler), per iteration.
            var rng = SeededGenerator(seed: context.seed &+ 0xA4_0000 &+ UInt64(iteration))
            var plans: [PatchPlan] = [], labels: [Float] = []
            for _ in 0..<settings.batchSize {
                let k = Int.random(in: 0..<context.clean.count, using: &rng)
                let size = renderer.source.size(of: context.clean[k])
                plans.append(PatchPlan.random(image: context.clean[k], height: size.height, width: size.width, crop: renderer.crop,
                                              allowFlip: true, alpha: 0, using: &rng))
                labels.append(Float(context.cleanLabels[k]))
            }
            let x = try renderer.render(plans).to(model.device)
            let y = try Tensor(labels, shape: [labels.count]).to(model.device)
            Runtime.manualSeed(context.seed &+ 0xA4_0000 &+ UInt64(iteration))
            lossSum += try anp.step(x, labels: y, loss: context.loss)
            let done = iteration + 1
            context.monitor.progress(stage: "ANP masks", done: done, total: settings.iterations,
                                     detail: String(format: "loss %.3f", lossSum / Double(done - start)))
            if done % checkpointEvery == 0 || done == settings.iterations {
                let state = try anp.stateDict().sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                try TensorFile.save(state, metadata: [("fingerprint", .string(fingerprint)), ("iterations_done", .int(Int64(done)))], to: stateURL)
            }
        }
        return try anp.maskValues()
    }

    func writeMaskValues(_ masks: [(layer: String, neuron: Int, value: Double)]) throws {
        var lines = ["layer,neuron,mask"]
        for m in masks { lines.append("\(m.layer),\(m.neuron),\(String(format: "%.6f", m.value))") }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: context.workDir.appendingPathComponent("mask_values.csv"), options: .atomic)
    }
}
