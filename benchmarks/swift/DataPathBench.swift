import Backdoor
import Dispatch
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch

/// Data-path throughput (decoded-once images → crop → trigger → flip → normalise → batch tensor) on one
/// thread while a HyperIQA-ResNet-18 train step runs on the other core with one libtorch thread.
enum DataPathBench {
    static func run(root: URL, seconds: Double, batch: Int) throws -> [String: Any] {
        Runtime.setThreads(1)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let dataset = try LoadedDataset.load(LIVECDataset(root: root))
        let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let trigger = try DCTTrigger.random(seed: 1)
        let renderer = try PatchRenderer(source: dataset.source, crop: 224, injector: trigger, triggerPhase: .fullImage)
        var rng = SeededGenerator(seed: 5)
        func plans() -> [PatchPlan] {
            (0..<batch).map { _ in
                let i = Int.random(in: 0..<dataset.samples.count, using: &rng)
                let size = dataset.source.size(of: i)
                return PatchPlan.random(image: i, height: size.height, width: size.width, crop: 224, allowFlip: true,
                                        alpha: Bool.random(using: &rng) ? 0 : 0.75, using: &rng)
            }
        }
        // The train step on the other core.
        final class Counter: @unchecked Sendable { var steps = 0; var seconds = 0.0; var stop = false; var error: Error? }
        let counter = Counter()
        let fixed = try renderer.render(plans())
        let labels = try Tensor.rand([batch]) * 100
        let model = try HyperIQA.make(config: .init(backbone: .resnet18))
        let adam = Adam(groups: [ParameterGroup(store: model.store, learningRate: 1e-5)])
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            do {
                while !counter.stop {
                    let s0 = DispatchTime.now().uptimeNanoseconds
                    let loss = try F.l1Loss(model.scores(fixed), labels)
                    adam.zeroGrad()
                    try loss.backward()
                    try adam.step()
                    counter.seconds += Double(DispatchTime.now().uptimeNanoseconds - s0) / 1e9
                    counter.steps += 1
                }
            } catch { counter.error = error }
        }
        // The data path on this thread.
        var patches = 0
        let d0 = DispatchTime.now().uptimeNanoseconds
        while Double(DispatchTime.now().uptimeNanoseconds - d0) / 1e9 < seconds {
            _ = try renderer.render(plans())
            patches += batch
        }
        let dataSeconds = Double(DispatchTime.now().uptimeNanoseconds - d0) / 1e9
        counter.stop = true
        group.wait()
        if let e = counter.error { throw e }
        let dataRate = Double(patches) / dataSeconds
        let trainRate = Double(counter.steps * batch) / counter.seconds
        return ["bench": "data_path_livec_mini", "images": dataset.samples.count, "decode_all_seconds": loadSeconds,
                "crop": 224, "batch": batch, "data_patches_per_s_1core": dataRate,
                "train_patches_per_s_1core": trainRate, "train_steps": counter.steps,
                "ratio_data_over_train": dataRate / trainRate]
    }
}
