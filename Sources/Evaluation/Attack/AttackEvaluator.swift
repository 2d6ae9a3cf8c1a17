import IQAData
import IQAModels
import Torch

/// The full evaluation of a (possibly backdoored) model on a test split (spec §9): the clean pass gives
/// the benign metrics and P0, then one pass per α of the sweep, each with freshly drawn seeded crops
/// and the trigger at α injected with the full image's phase.
public struct AttackEvaluator {
    public let predictor: Predictor
    public let sweep: AlphaSweep
    public let seed: UInt64

    public init(predictor: Predictor, sweep: AlphaSweep = AlphaSweep(), seed: UInt64) {
        self.predictor = predictor
        self.sweep = sweep
        self.seed = seed
    }

    public struct Outcome {
        public var benign: BenignMetrics
        public var attack: AttackMetrics
        public var clean: [Double]
        public var triggered: [[Double]]
    }

    /// `progress(passesDone, passCount)` after each pass.
    public func run(images: [Int], labels: [Double], progress: ((Int, Int) -> Void)? = nil) throws -> Outcome {
        let passes = sweep.alphas.count + 1
        let clean = try predictor.scores(images: images, alpha: 0, seed: seed)
        progress?(1, passes)
        var triggered: [[Double]] = []
        for (k, alpha) in sweep.alphas.enumerated() {
            triggered.append(try predictor.scores(images: images, alpha: alpha, seed: seed &+ UInt64(k + 1)))
            progress?(k + 2, passes)
        }
        return Outcome(benign: try BenignMetrics(predictions: clean, labels: labels),
                       attack: try sweep.evaluate(clean: clean, triggered: triggered, labels: labels),
                       clean: clean, triggered: triggered)
    }

    /// Benign metrics only (a clean model, or `baiqa evaluate` without a trigger).
    public func benign(images: [Int], labels: [Double]) throws -> BenignMetrics {
        try BenignMetrics(predictions: predictor.scores(images: images, alpha: 0, seed: seed), labels: labels)
    }
}

/// PSNR of triggered full-resolution images against their originals (spec §9.3), on the [0, 1] scale.
public enum TriggerPSNR {
    public static func summary(source: ImageSource, images indices: [Int], injector: CropInjector, alpha: Double = 1) throws -> PSNRSummary {
        var acc = PSNRAccumulator(dataRange: 1)
        for index in indices {
            let image = try source.image(index)
            try acc.add(mse: image.meanSquaredError(chw: injector.injectFullImage(image, alpha: alpha)))
        }
        return try acc.summary()
    }
}
