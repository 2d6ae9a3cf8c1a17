import Foundation
import IQAData
import Torch

/// Pretrains DBCNN's SCNN stream as the DBCNN paper does: classify the distortion type and level of
/// synthetic images (here: the built-in dataset's dead-leaves scenes and distortions, 31 classes).
/// Scenes are split 80/20 into training and held-out scenes; each epoch shows every training scene once
/// with a random class; the held-out scenes are tested with every class.
public struct SCNNPretraining {
    public var channels: [Int]
    public var strides: [Int]
    public var scenes = 400
    public var size = 96
    public var levels = 5
    public var epochs = 20
    public var batchSize = 32
    public var learningRate = 1e-3
    public var seed: UInt64 = 0

    public init(channels: [Int], strides: [Int]) {
        self.channels = channels
        self.strides = strides
    }

    public struct Outcome {
        public var model: SCNNClassifier
        public var classes: [DistortionClass]
        public var trainAccuracy: Double
        public var testAccuracy: Double
    }

    func normalised(_ images: [RGBImage]) throws -> Tensor {
        let plane = size * size
        var out = [Float](repeating: 0, count: images.count * 3 * plane)
        let mean = PatchRenderer.imageNetMean, std = PatchRenderer.imageNetStd
        for (n, image) in images.enumerated() {
            for p in 0..<plane { for c in 0..<3 {
                out[n * 3 * plane + c * plane + p] = (Float(image.pixels[p * 3 + c]) / 255 - mean[c]) / std[c]
            } }
        }
        return try Tensor(out, shape: [images.count, 3, size, size])
    }

    public func run(progress: ((Int, Int, Double) -> Void)? = nil) throws -> Outcome {
        Runtime.manualSeed(seed)
        let classes = DistortionClass.catalogue(levels: levels)
        let generator = BuiltinDatasetGenerator(count: scenes, size: size, seed: seed &+ 0x5C77)
        let pristine = (0..<scenes).map { generator.pristineImage(at: $0) }
        let nTrain = scenes * 4 / 5
        let model = try SCNNClassifier(store: ParameterStore(channelsLast: true), channels: channels, strides: strides,
                                       projectionWidth: 256, classes: classes.count)
        let adam = Adam(groups: [ParameterGroup(store: model.store, learningRate: learningRate, weightDecay: 5e-4)])
        var trainCorrect = 0, trainSeen = 0
        for epoch in 0..<epochs {
            var rng = SeededGenerator(seed: seed, stream: UInt64(epoch) &+ 0xC1A55)
            var order = Array(0..<nTrain)
            order.shuffle(using: &rng)
            model.store.train()
            trainCorrect = 0
            trainSeen = 0
            var lossSum = 0.0, batches = 0
            for start in stride(from: 0, to: nTrain, by: batchSize) {
                let scenesInBatch = order[start..<min(start + batchSize, nTrain)]
                var images: [RGBImage] = [], labels: [Int64] = []
                for s in scenesInBatch {
                    let c = Int.random(in: 0..<classes.count, using: &rng)
                    var image = try classes[c].distortions.applied(to: pristine[s], noiseSeed: rng.next())
                    if Bool.random(using: &rng) { image = image.mirrored() }
                    images.append(image)
                    labels.append(Int64(c))
                }
                let target = try Tensor(labels)
                let logits = try model(normalised(images))
                let loss = try F.crossEntropy(logits, target)
                adam.zeroGrad()
                try loss.backward()
                try adam.step()
                lossSum += try loss.item()
                batches += 1
                trainCorrect += try zip(logits.argmax(dim: 1).scalars(as: Int64.self), labels).filter { $0 == $1 }.count
                trainSeen += labels.count
                progress?(epoch * ((nTrain + batchSize - 1) / batchSize) + batches, epochs * ((nTrain + batchSize - 1) / batchSize), lossSum / Double(batches))
            }
        }
        // Held-out scenes, every class once.
        model.store.eval()
        var correct = 0, seen = 0
        try withNoGrad {
            for s in nTrain..<scenes {
                let images = try classes.enumerated().map { c, cls in try cls.distortions.applied(to: pristine[s], noiseSeed: UInt64(s * 1000 + c)) }
                let predicted = try model(normalised(images)).argmax(dim: 1).scalars(as: Int64.self)
                correct += predicted.enumerated().filter { Int($0.element) == $0.offset }.count
                seen += classes.count
            }
        }
        return Outcome(model: model, classes: classes, trainAccuracy: Double(trainCorrect) / Double(max(1, trainSeen)),
                       testAccuracy: Double(correct) / Double(max(1, seen)))
    }
}

extension RGBImage {
    /// Left–right mirror image.
    func mirrored() -> RGBImage {
        var out = self
        for y in 0..<height { for x in 0..<width { for c in 0..<3 {
            out.pixels[(y * width + x) * 3 + c] = pixels[(y * width + width - 1 - x) * 3 + c]
        } } }
        return out
    }
}
