import Foundation
import IQAData
import Torch

/// Pretrains a feature extractor by classifying the synthetic distortion type and level of an image, as
/// the DBCNN paper pretrains its SCNN stream (here: the built-in dataset's distortions, 31 classes). For
/// DBCNN's SCNN (`baiqa pretrain scnn`) and for the ResNet backbones of HyperIQA and TReS (`baiqa
/// pretrain backbone`), which the `cpu` presets otherwise train from nothing.
/// The content is split 80/20 into training and held-out items; each epoch shows every training item
/// `repeats` times, each with a random class (and crop, for real images); held-out items are tested with
/// every class.
public struct DistortionPretraining {
    public enum Network {
        case scnn(channels: [Int], strides: [Int])
        /// The keys of torchvision's ResNet (conv1, bn1, layer1…4, fc), which `--backbone-weights` loads.
        case resnet(ResNetSpec)
    }

    /// What gets distorted: `scenes` dead-leaves images of the built-in dataset, or random crops of real
    /// images (a dataset's training images; their scores are not used).
    public enum Content {
        case deadLeaves(scenes: Int)
        case images([RGBImage])
    }

    public var network: Network
    public var content: Content
    /// Side of the classified images (scene size, or crop size for real images).
    public var size = 96
    public var levels = 5
    public var epochs = 20
    public var repeats = 1
    public var batchSize = 32
    public var learningRate = 1e-3
    public var seed: UInt64 = 0
    /// Where the classifier trains (images are distorted on the CPU and staged there).
    public var device: Device = Runtime.defaultDevice

    public init(network: Network, content: Content) {
        self.network = network
        self.content = content
    }

    public struct Outcome {
        public var store: ParameterStore
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
        return try Tensor(out, shape: [images.count, 3, size, size]).staged(to: device)
    }

    func makeClassifier(classes: Int) throws -> (ParameterStore, Module) {
        let store = ParameterStore(device: device, channelsLast: true)
        switch network {
        case .scnn(let channels, let strides):
            return (store, try SCNNClassifier(store: store, channels: channels, strides: strides, projectionWidth: 256, classes: classes))
        case .resnet(let spec):
            return (store, try ResNetClassifier(store: store, spec: spec, classes: classes))
        }
    }

    /// The undistorted items and a way to take a `size`² view of one (a random crop when `random`, else
    /// the centre; dead-leaves scenes are used whole and draw nothing from `rng`).
    func items() throws -> (count: Int, view: (Int, inout SeededGenerator, Bool) -> RGBImage) {
        switch content {
        case .deadLeaves(let scenes):
            let generator = BuiltinDatasetGenerator(count: scenes, size: size, seed: seed &+ 0x5C77)
            let pristine = (0..<scenes).map { generator.pristineImage(at: $0) }
            return (scenes, { i, _, _ in pristine[i] })
        case .images(let images):
            for (i, image) in images.enumerated() where image.width < size || image.height < size {
                throw TorchError("image \(i) is \(image.width)×\(image.height), smaller than the \(size)² pretraining crop")
            }
            let s = size
            return (images.count, { i, rng, random in
                let image = images[i]
                let (y, x): (Int, Int)
                if random {
                    y = Int.random(in: 0...(image.height - s), using: &rng)
                    x = Int.random(in: 0...(image.width - s), using: &rng)
                } else {
                    (y, x) = ((image.height - s) / 2, (image.width - s) / 2)
                }
                return image.cropped(x: x, y: y, width: s, height: s)
            })
        }
    }

    /// The classifier after `epochsDone` epochs: what a per-epoch checkpoint holds. Each epoch draws
    /// from its own seeded stream, so resuming from it ends exactly where an uninterrupted run ends.
    public struct State {
        public var epochsDone: Int
        /// Of the last finished epoch.
        public var trainAccuracy: Double
        public var weights: [String: Tensor]
        public var optimizer: [String: Tensor]

        public init(epochsDone: Int, trainAccuracy: Double, weights: [String: Tensor], optimizer: [String: Tensor]) {
            self.epochsDone = epochsDone
            self.trainAccuracy = trainAccuracy
            self.weights = weights
            self.optimizer = optimizer
        }
    }

    /// Trains the remaining epochs (all, or those after `resume`), calling `onEpoch` after each.
    public func run(from resume: State? = nil, onEpoch: ((State) throws -> Void)? = nil,
                    progress: ((Int, Int, Double) -> Void)? = nil) throws -> Outcome {
        guard epochs > 0, repeats > 0, batchSize > 0 else { throw TorchError("pretraining needs positive epochs, repeats and batch size") }
        Runtime.manualSeed(seed)
        let classes = DistortionClass.catalogue(levels: levels)
        let (count, view) = try items()
        let nTrain = count * 4 / 5
        guard nTrain >= 1, nTrain < count else { throw TorchError("pretraining needs at least 2 images (80% train, 20% held out), got \(count)") }
        let (store, model) = try makeClassifier(classes: classes.count)
        let adam = Adam(groups: [ParameterGroup(store: store, learningRate: learningRate, weightDecay: 5e-4)])
        let perEpoch = nTrain * repeats, batchesPerEpoch = (perEpoch + batchSize - 1) / batchSize
        var trainCorrect = 0, trainSeen = 0
        var trainAccuracy = 0.0
        if let resume {
            guard resume.epochsDone <= epochs else { throw TorchError("the checkpoint has \(resume.epochsDone) epochs, more than the \(epochs) asked for") }
            try store.load(resume.weights, strict: true)
            try adam.loadStateDict(resume.optimizer)
            trainAccuracy = resume.trainAccuracy
        }
        for epoch in (resume?.epochsDone ?? 0)..<epochs {
            var rng = SeededGenerator(seed: seed, stream: UInt64(epoch) &+ 0xC1A55)
            var order = (0..<perEpoch).map { $0 % nTrain }
            order.shuffle(using: &rng)
            store.train()
            trainCorrect = 0
            trainSeen = 0
            var lossSum = 0.0, batches = 0
            for start in stride(from: 0, to: perEpoch, by: batchSize) {
                var images: [RGBImage] = [], labels: [Int64] = []
                for item in order[start..<min(start + batchSize, perEpoch)] {
                    let c = Int.random(in: 0..<classes.count, using: &rng)
                    let content = view(item, &rng, true)
                    var image = try classes[c].distortions.applied(to: content, noiseSeed: rng.next())
                    if Bool.random(using: &rng) { image = image.mirrored() }
                    images.append(image)
                    labels.append(Int64(c))
                }
                let logits = try model(normalised(images))
                let loss = try F.crossEntropy(logits, Tensor(labels).to(device))
                adam.zeroGrad()
                try loss.backward()
                try adam.step()
                lossSum += try loss.item()
                batches += 1
                trainCorrect += try zip(logits.argmax(dim: 1).scalars(as: Int64.self), labels).filter { $0 == $1 }.count
                trainSeen += labels.count
                progress?(epoch * batchesPerEpoch + batches, epochs * batchesPerEpoch, lossSum / Double(batches))
            }
            trainAccuracy = Double(trainCorrect) / Double(max(1, trainSeen))
            if let onEpoch {
                try onEpoch(State(epochsDone: epoch + 1, trainAccuracy: trainAccuracy,
                                  weights: Dictionary(uniqueKeysWithValues: store.stateDict().map { ($0.name, $0.tensor) }),
                                  optimizer: try adam.stateDict()))
            }
        }
        // Held-out items, every class once.
        store.eval()
        var correct = 0, seen = 0
        try withNoGrad {
            for s in nTrain..<count {
                var unused = SeededGenerator(seed: 0)
                let base = view(s, &unused, false)
                let images = try classes.enumerated().map { c, cls in try cls.distortions.applied(to: base, noiseSeed: UInt64(s * 1000 + c)) }
                let predicted = try model(normalised(images)).argmax(dim: 1).scalars(as: Int64.self)
                correct += predicted.enumerated().filter { Int($0.element) == $0.offset }.count
                seen += classes.count
            }
        }
        return Outcome(store: store, classes: classes, trainAccuracy: trainAccuracy, testAccuracy: Double(correct) / Double(max(1, seen)))
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

extension DistortionPretraining {
    /// DBCNN's SCNN stream at the `cpu` or `paper` preset's channels, on `scenes` synthetic dead-leaves scenes.
    public static func scnn(preset: String, scenes: Int) throws -> DistortionPretraining {
        guard case .dbcnn(let config) = try TrainingRecipe.preset(named: preset, model: .dbcnn).model else {
            throw TorchError("the \(preset) DBCNN preset has no SCNN stream")
        }
        return DistortionPretraining(network: .scnn(channels: config.scnnChannels, strides: config.scnnStrides), content: .deadLeaves(scenes: scenes))
    }
}
