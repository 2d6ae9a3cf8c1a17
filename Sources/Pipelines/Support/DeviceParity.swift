import Backdoor
import IQAData
import IQAModels
import Torch

/// Does a device compute what the CPU computes? The building blocks of every run — trigger injection,
/// one training step, one step of the trigger search (Algorithm 1) and one PGD step — each run once on
/// the CPU and once on `device` from the same weights and inputs, compared by the relative L2
/// difference ‖device − cpu‖ / ‖cpu‖ (scripts/gpu-check.sh; CPU against CPU in the tests, where it is 0).
/// Gradients are compared where a step takes their sign (PGD) or is dominated by it (Adam's first
/// step): the sign of a near-zero component may differ between devices without anything being wrong.
public enum DeviceParity {
    public struct Check: Codable, Sendable {
        public var name: String
        public var relativeDifference: Double
        public var tolerance: Double
        public var passed: Bool { relativeDifference <= tolerance }
    }

    /// ‖a − b‖₂ / ‖b‖₂ (both moved to the CPU; an exact 0 when both are 0).
    public static func relativeDifference(_ a: Tensor, _ b: Tensor) throws -> Double {
        let x = try a.to(.cpu).floats().map(Double.init), y = try b.to(.cpu).floats().map(Double.init)
        guard x.count == y.count else { throw TorchError("parity: \(x.count) values against \(y.count)") }
        let diff = zip(x, y).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let norm = y.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        return norm == 0 ? (diff == 0 ? 0 : .infinity) : diff / norm
    }

    /// The four checks on `device` against the CPU, with a small HyperIQA (`cpu` preset) at `crop`.
    public static func run(device: Device, tolerance: Double = 1e-3, crop: Int = 64, seed: UInt64 = 0) throws -> [Check] {
        let images = (0..<4).map { BuiltinDatasetGenerator(count: 4, size: crop + 32, seed: seed).pristineImage(at: $0) }
        let spec = try TrainingRecipe.preset(named: "cpu", model: .hyperiqa).model
        Runtime.manualSeed(seed)
        let reference = try spec.make(device: .cpu)
        let weights = Dictionary(uniqueKeysWithValues: reference.store.stateDict().map { ($0.name, $0.tensor) })
        /// The same model on `on`, with the reference's weights.
        func model(on target: Device) throws -> IQAModel {
            let m = try spec.make(device: target)
            try m.store.load(weights, strict: true)
            return m
        }
        var checks: [Check] = []
        func check(_ name: String, _ compute: (Device) throws -> Tensor) throws {
            let cpu = try compute(.cpu), other = try compute(device)
            checks.append(Check(name: name, relativeDifference: try relativeDifference(other, cpu), tolerance: tolerance))
        }
        var rng = SeededGenerator(seed: seed, stream: 0x9A41)
        let trigger = try Tensor((0..<192).map { _ in Float(rng.uniform(-40, 40)) }, shape: [3, 64])

        try check("trigger injection (DCT pattern, 0.75 α, on a batch)") { d in
            let x = try Tensor(images.flatMap { img in (0..<3).flatMap { c in (0..<(crop * crop)).map { p in
                Float(img.pixels[((p / crop) * img.width + p % crop) * 3 + c]) } } }, shape: [images.count, 3, crop, crop]).to(d)
            let pattern = try DCTTrigger.tile(DCTTrigger.patternTensor(trigger.to(d)), height: crop, width: crop,
                                              originY: 0, originX: 0, fullHeight: crop, fullWidth: crop)
            return try ((x + pattern * 0.75) / 255).clamp(min: 0, max: 1)
        }
        try check("training step (HyperIQA cpu, L1 loss, train mode): gradients") { d in
            let m = try model(on: d)
            m.store.train()
            Runtime.manualSeed(seed &+ 1)
            let x = try Tensor.randn([4, 3, crop, crop]).to(d), y = try Tensor([20, 40, 60, 80], shape: [4]).to(d)
            let parameters = m.store.parameters().map(\.tensor)
            let gradients = try F.l1Loss(m.scores(x), y).gradients(with: parameters)
            return try Tensor.cat(zip(parameters, gradients).map { p, g in try (g ?? Tensor.zeros(p.shape, device: d)).reshape([-1]) }, dim: 0)
        }
        try check("trigger search step (Algorithm 1, one batch, one Adam step): trigger") { d in
            var search = UAPSearch()
            search.epochs = 1
            search.stepsPerBatch = 1
            search.batchSize = images.count
            search.repeats = 1
            search.crop = crop
            search.seed = seed
            return try search.run(surrogate: model(on: d), source: InMemoryImages(images), images: Array(images.indices),
                                  from: search.initialState()).trigger
        }
        try check("PGD step (two views): gradient of the objective") { d in
            var pgd = TargetedPGD()
            pgd.views = 2
            pgd.crop = crop
            return try pgd.firstGradient(surrogate: model(on: d), image: images[0], index: 0)
        }
        return checks
    }
}
