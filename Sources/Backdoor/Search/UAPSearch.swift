import Foundation
import IQAData
import IQAModels
import Torch

/// Algorithm 1 of the paper (UAP-DCT): a universal trigger t (3×64 DCT coefficients) optimised against a
/// surrogate model on the poisoned subset, to move the surrogate's scores as far as a visibility budget ε
/// allows. Two update rules (`Method`):
///
/// - `official` (default, spec §4): the code's loop, step for step. Loss
///       L(t) = −MSE(f(norm(T(B, t))), ŷ) + λ·max(MSE(T(B, t), B), ε²),   ŷ = f(norm(B)), λ = 1e8,
///   a fresh Adam (lr 1) for every batch, start U(−300, 300). Most of its 18,500 steps go into shrinking
///   the random start to the budget at about one unit per step (docs/results.md, issue 20).
/// - `projected`: the same untargeted objective with the budget as a constraint instead of a penalty: t
///   starts on the ε ball in a seeded random direction, one Adam runs across all batches, and after every
///   step t is scaled back onto the ball (`TriggerBudget`). Every step then improves the direction.
///
/// Per batch, one flip decision and one crop position are shared by all images and the trigger is
/// injected on the crop at phase 0 (spec §4.2); each image appears `repeats` times per epoch.
public struct UAPSearch {
    public enum Method: String, Codable, Sendable, CaseIterable {
        case official, projected
    }

    public var method: Method = .official
    /// The visibility budget ε (on 0…1) and the penalty weight λ (official method).
    public var epsilon: Double = 8.0 / 255, lambda: Double = 1e8
    /// Epochs, Adam steps per batch, batch size, repeats of each image per epoch, Adam's learning rate
    /// (in trigger units: DCT coefficients on the 0…255 scale).
    public var epochs = 50, stepsPerBatch = 10, batchSize = 128, repeats = 25, learningRate = 1.0
    public var crop = 224
    /// Official method: the initial trigger is U(−initRange, initRange).
    public var initRange = 300.0
    public var positions: DCTPositions = .official
    public var seed: UInt64 = 919

    public init() {}

    /// The default learning rate of each method: the official 1, and for `projected` 10, about 5 % of a
    /// coefficient at the 8/255 budget (the official trigger's mean |t| is 201), measured in docs/results.md.
    public static func defaultLearningRate(_ method: Method) -> Double { method == .official ? 1 : 10 }

    public var budget: TriggerBudget { TriggerBudget(epsilon: epsilon, positions: positions) }

    /// State after `epochsDone` epochs (for per-epoch checkpoints and resume).
    public struct State {
        public var trigger: Tensor
        public var epochsDone: Int
        public var lastLoss: Double
        public var lastPixelMSE: Double
        /// Adam steps taken so far, and the persistent Adam's moments (`projected` only).
        public var stepsDone = 0
        public var optimiser: [String: Tensor] = [:]
        /// The objective measured during the search, and the wall time spent (summed over resumes).
        public var curve: [CurvePoint] = []
        public var seconds = 0.0

        public init(trigger: Tensor, epochsDone: Int, lastLoss: Double, lastPixelMSE: Double) {
            self.trigger = trigger
            self.epochsDone = epochsDone
            self.lastLoss = lastLoss
            self.lastPixelMSE = lastPixelMSE
        }
    }

    /// One point of the objective-vs-steps curve.
    public struct CurvePoint: Codable, Sendable, Equatable {
        public var step: Int
        public var seconds: Double
        /// The training loss and crop pixel MSE (0…1) of the last step (nil at step 0).
        public var loss: Double?
        public var pixelMSE: Double?
        public var objective: UAPObjectiveRecord

        public init(step: Int, seconds: Double, loss: Double?, pixelMSE: Double?, objective: UAPObjectiveRecord) {
            self.step = step
            self.seconds = seconds
            self.loss = loss
            self.pixelMSE = pixelMSE
            self.objective = objective
        }
    }

    /// The initial trigger: official, i.i.d. U(−initRange, initRange); projected, a random direction on
    /// the budget. Both from generators seeded by `seed`.
    public func initialState() throws -> State {
        let t: Tensor
        switch method {
        case .official:
            var rng = SeededGenerator(seed: seed, stream: 0x0A1_6011)
            t = try Tensor((0..<192).map { _ in Float(rng.uniform(-initRange, initRange)) }, shape: [3, 64])
        case .projected:
            t = try budget.randomOnBudget(seed: seed)
        }
        return State(trigger: t, epochsDone: 0, lastLoss: .nan, lastPixelMSE: .nan)
    }

    /// Runs the remaining epochs from `state`; `onEpoch` is called after each (for checkpoints).
    /// `images` are the poisoned subset's indices in `source`. With `objective`, the curve gains a point
    /// at step 0 and every `every` steps.
    public func run(surrogate: IQAModel, source: ImageSource, images: [Int], from state: State,
                    objective: UAPObjective? = nil, every: Int = 50,
                    progress: ((Int, Int, Double) -> Void)? = nil, onEpoch: ((State) throws -> Void)? = nil) throws -> State {
        guard !images.isEmpty else { throw BackdoorError("the trigger search needs at least one image") }
        guard every > 0 else { throw BackdoorError("the objective interval must be positive, got \(every)") }
        for i in images {
            let s = source.size(of: i)
            if s.width < crop || s.height < crop { throw BackdoorError("image \(i) is \(s.width)×\(s.height), smaller than the \(crop)² crop") }
        }
        surrogate.store.eval()
        // Only the trigger needs a gradient: frozen weights skip every weight-gradient kernel of the
        // backward pass (the official code computes and discards them). Restored on return.
        let trainable = surrogate.store.entries.filter { $0.kind == .parameter && $0.tensor.requiresGrad }
        for e in trainable { try e.tensor.requiringGrad(false) }
        defer { for e in trainable { _ = try? e.tensor.requiringGrad(true) } }
        // Everything lives on the surrogate's device; crops are cut on the CPU and staged there.
        let device = surrogate.device
        var state = state
        state.trigger = try state.trigger.to(device)
        let started = Date()
        let secondsBefore = state.seconds
        let stepper = try BatchStepper(search: self, surrogate: surrogate, trigger: state.trigger, optimiser: state.optimiser)
        func observe() throws {
            guard let objective else { return }
            let value = try objective.evaluate(stepper.trigger)
            state.curve.append(CurvePoint(step: state.stepsDone, seconds: secondsBefore + Date().timeIntervalSince(started),
                                          loss: state.lastLoss.isFinite ? state.lastLoss : nil,
                                          pixelMSE: state.lastPixelMSE.isFinite ? state.lastPixelMSE : nil, objective: UAPObjectiveRecord(value)))
        }
        if state.stepsDone == 0 && state.curve.isEmpty { try observe() }
        let entries = images.flatMap { Array(repeating: $0, count: repeats) }
        let batchesPerEpoch = (entries.count + batchSize - 1) / batchSize
        while state.epochsDone < epochs {
            let epoch = state.epochsDone
            var rng = SeededGenerator(seed: seed, stream: 0xE90C0 &+ UInt64(epoch))
            Runtime.manualSeed(seed &+ UInt64(epoch))
            var order = entries
            order.shuffle(using: &rng)
            for (b, start) in stride(from: 0, to: order.count, by: batchSize).enumerated() {
                let batch = Array(order[start..<min(start + batchSize, order.count)])
                // One flip and one crop position for the whole batch (spec §4.2).
                let minH = batch.map { source.size(of: $0).height }.min()!, minW = batch.map { source.size(of: $0).width }.min()!
                let y = Int.random(in: 0...(minH - crop), using: &rng), x = Int.random(in: 0...(minW - crop), using: &rng)
                let flip = Bool.random(using: &rng)
                let clean = try cropBatch(source: source, images: batch, y: y, x: x, flip: flip).staged(to: device)   // [N,3,S,S] on 0…1
                try stepper.optimise(clean: clean) { loss, mse in
                    state.lastLoss = loss
                    state.lastPixelMSE = mse
                    state.stepsDone += 1
                    if state.stepsDone % every == 0 { try observe() }
                }
                progress?(epoch * batchesPerEpoch + b + 1, epochs * batchesPerEpoch, state.lastPixelMSE)
            }
            state.epochsDone += 1
            state.trigger = try stepper.trigger.detach().clone()
            state.optimiser = try stepper.optimiserState()
            state.seconds = secondsBefore + Date().timeIntervalSince(started)
            try onEpoch?(state)
        }
        state.trigger = try stepper.trigger.detach().to(.cpu)
        return state
    }

    /// Crops (and mirrors) the same window of every image into a [N, 3, S, S] batch on 0…1. The window
    /// is cut at column `x` and then mirrored (the official code mirrors the full image and cuts at
    /// W − S − x: the same pixels).
    func cropBatch(source: ImageSource, images: [Int], y: Int, x: Int, flip: Bool) throws -> Tensor {
        let s = crop, plane = s * s
        var out = [Float](repeating: 0, count: images.count * 3 * plane)
        for (n, i) in images.enumerated() {
            let image = try source.image(i)
            for row in 0..<s {
                for col in 0..<s {
                    let src = ((y + row) * image.width + x + (flip ? s - 1 - col : col)) * 3
                    for c in 0..<3 { out[n * 3 * plane + c * plane + row * s + col] = Float(image.pixels[src + c]) / 255 }
                }
            }
        }
        return try Tensor(out, shape: [images.count, 3, s, s])
    }
}

/// `UAPObjective.Value` as stored in checkpoints and curve files.
public struct UAPObjectiveRecord: Codable, Sendable, Equatable {
    public var meanAbsShift: Double, meanShift: Double, ownMeanAbsShift: Double, patternRMS: Double, scale: Double

    public init(_ v: UAPObjective.Value) {
        meanAbsShift = v.meanAbsShift
        meanShift = v.meanShift
        ownMeanAbsShift = v.ownMeanAbsShift
        patternRMS = v.patternRMS
        scale = v.scale
    }

    enum CodingKeys: String, CodingKey {
        case meanAbsShift = "mean_abs_shift", meanShift = "mean_shift", ownMeanAbsShift = "own_mean_abs_shift", patternRMS = "pattern_rms", scale
    }
}
