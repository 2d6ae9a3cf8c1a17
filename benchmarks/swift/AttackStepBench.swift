import Backdoor
import Evaluation
import Foundation
import IQAData
import IQAModels
import Torch

/// The attack steps of issue 5 against the paper's surrogate (HyperIQA-ResNet-50, 224² crops, random
/// weights: the cost does not depend on them) on synthetic 500×500 images, LIVEC's size. The PyTorch
/// side is benchmarks/pytorch_attack_steps.py; run both with benchmarks/run_attack_steps.sh.
enum AttackStepBench {
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    static func images(_ count: Int, size: Int = 500) throws -> InMemoryImages {
        var rng = SeededGenerator(seed: 5)
        return InMemoryImages((0..<count).map { _ in
            RGBImage(width: size, height: size, pixels: (0..<(size * size * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        })
    }

    static func surrogate() throws -> HyperIQA {
        Runtime.manualSeed(0)
        let model = try HyperIQA.make(config: .init(backbone: .resnet50))
        model.store.eval()
        return model
    }

    /// Algorithm 1: seconds for one batch (`steps` Adam steps on a batch of `batch` crops), after a warm-up batch.
    static func search(batch: Int, steps: Int) throws -> [String: Any] {
        let model = try surrogate(), source = try images(batch)
        var s = UAPSearch()
        s.epochs = 1
        s.repeats = 1
        s.batchSize = batch
        s.stepsPerBatch = steps
        let state = try s.initialState()
        _ = try s.run(surrogate: model, source: source, images: Array(0..<batch), from: state)     // warm-up
        let t0 = now()
        _ = try s.run(surrogate: model, source: source, images: Array(0..<batch), from: state)
        return ["impl": "baiqa", "bench": "trigger_search_batch", "batch": batch, "steps": steps, "threads": Runtime.threads,
                "seconds": now() - t0]
    }

    /// C-BAIQA's PGD: seconds for one 500×500 image (`steps` steps × `views` EOT views), after a warm-up step.
    static func pgd(views: Int, steps: Int) throws -> [String: Any] {
        let model = try surrogate(), image = try images(1).images[0]
        var p = TargetedPGD()
        p.views = views
        p.steps = 1
        _ = try p.perturbation(surrogate: model, image: image, index: 0)
        p.steps = steps
        let t0 = now()
        _ = try p.perturbation(surrogate: model, image: image, index: 0)
        return ["impl": "baiqa", "bench": "pgd_image", "views": views, "steps": steps, "threads": Runtime.threads, "seconds": now() - t0]
    }

    /// The α sweep of spec §9.2: clean pass + 20 α passes over `count` images, `patches` crops each.
    static func sweep(count: Int, patches: Int) throws -> [String: Any] {
        guard count >= 2 else { throw BackdoorError("sweep: the α-sweep metrics need at least 2 images, got \(count)") }
        let model = try surrogate(), source = try images(count)
        let trigger = try DCTTrigger(tensor: Tensor.rand([3, 64]) * 100 - 50)
        let renderer = try PatchRenderer(source: source, crop: 224, injector: trigger, triggerPhase: .fullImage)
        let evaluator = AttackEvaluator(predictor: Predictor(model: model, renderer: renderer, patches: patches, flip: true), seed: 1)
        let labels = (0..<count).map { Double($0) * 10 }
        _ = try Predictor(model: model, renderer: renderer, patches: 2, flip: true).scores(images: [0], seed: 0)   // warm-up
        let t0 = now()
        let outcome = try evaluator.run(images: Array(0..<count), labels: labels)
        return ["impl": "baiqa", "bench": "alpha_sweep", "images": count, "patches": patches, "alphas": outcome.attack.alphas.count,
                "threads": Runtime.threads, "seconds": now() - t0]
    }
}
