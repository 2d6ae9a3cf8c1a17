import Foundation
import IQAData
import IQAModels
import Torch

/// Algorithm 1 of the paper (UAP-DCT) as the official code runs it (spec §4): a universal trigger t
/// (3×64 DCT coefficients) is optimised against a surrogate model on the poisoned subset with the
/// untargeted objective
///
///     L(t) = −MSE(f(norm(T(B, t))), ŷ) + λ·max(MSE(T(B, t), B), ε²)
///
/// where ŷ = f(norm(B)) is the clean prediction of the batch, λ = 1e8 and ε = 8/255 (LIVEC) or 4/255
/// (KonIQ-10k). Per batch, one flip decision and one crop position are shared by all images, the
/// trigger is injected on the crop (grid at the crop origin), and a fresh Adam (lr 1) takes `steps`
/// steps. Each image appears `repeats` times per epoch (25 in the official code).
public struct UAPSearch {
    /// The visibility budget ε (on 0…1) and the penalty weight λ.
    public var epsilon: Double = 8.0 / 255, lambda: Double = 1e8
    /// Epochs, Adam steps per batch, batch size, repeats of each image per epoch, Adam's learning rate.
    public var epochs = 50, stepsPerBatch = 10, batchSize = 128, repeats = 25, learningRate = 1.0
    public var crop = 224
    public var initRange = 300.0
    public var positions: DCTPositions = .official
    public var seed: UInt64 = 919

    public init() {}

    /// State after `epochsDone` epochs (for per-epoch checkpoints and resume).
    public struct State {
        public var trigger: Tensor
        public var epochsDone: Int
        public var lastLoss: Double
        public var lastPixelMSE: Double

        public init(trigger: Tensor, epochsDone: Int, lastLoss: Double, lastPixelMSE: Double) {
            self.trigger = trigger
            self.epochsDone = epochsDone
            self.lastLoss = lastLoss
            self.lastPixelMSE = lastPixelMSE
        }
    }

    /// The initial trigger: i.i.d. U(−initRange, initRange), from a generator seeded by `seed`.
    public func initialState() throws -> State {
        var rng = SeededGenerator(seed: seed, stream: 0x0A1_6011)
        let values = (0..<192).map { _ in Float(rng.uniform(-initRange, initRange)) }
        return State(trigger: try Tensor(values, shape: [3, 64]), epochsDone: 0, lastLoss: .nan, lastPixelMSE: .nan)
    }

    /// Runs the remaining epochs from `state`; `onEpoch` is called after each (for checkpoints).
    /// `images` are the poisoned subset's indices in `source`.
    public func run(surrogate: IQAModel, source: ImageSource, images: [Int], from state: State,
                    progress: ((Int, Int, Double) -> Void)? = nil, onEpoch: ((State) throws -> Void)? = nil) throws -> State {
        guard !images.isEmpty else { throw BackdoorError("the trigger search needs at least one image") }
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
        let (mean, std) = try PatchRenderer.normalisation(device: device)
        let floor = try Tensor.scalar(epsilon * epsilon, device: device)
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
                let target = try withNoGrad { try surrogate.scores((clean - mean) / std) }
                let quantised = try (clean * 255).round()
                let t = try state.trigger.detach().clone().requiringGrad()   // never update the caller's tensor in place
                let adam = Adam(groups: [ParameterGroup(parameters: [("trigger", t)], learningRate: learningRate)])
                for _ in 0..<stepsPerBatch {
                    let pattern = try DCTTrigger.tile(DCTTrigger.patternTensor(t, positions: positions), height: crop, width: crop,
                                                      originY: 0, originX: 0, fullHeight: crop, fullWidth: crop)
                    let triggered = try ((quantised + pattern) / 255).clamp(min: 0, max: 1)
                    let pred = try surrogate.scores((triggered - mean) / std)
                    let pixelMSE = try F.mseLoss(triggered, clean)
                    let visibility = try pixelMSE.maximum(floor) * lambda
                    let loss = try visibility - F.mseLoss(pred, target)
                    adam.zeroGrad()
                    try loss.backward()
                    try adam.step()
                    state.lastLoss = try loss.item()
                    state.lastPixelMSE = try pixelMSE.item()
                }
                state.trigger = try t.detach()
                progress?(epoch * batchesPerEpoch + b + 1, epochs * batchesPerEpoch, state.lastPixelMSE)
            }
            state.epochsDone += 1
            try onEpoch?(state)
        }
        state.trigger = try state.trigger.to(.cpu)
        return state
    }

    /// Crops (and mirrors) the same window of every image into a [N, 3, S, S] batch on 0…1.
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
