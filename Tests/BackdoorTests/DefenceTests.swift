import Foundation
import XCTest
@testable import Backdoor
import IQAData
import IQAModels
import Torch

/// The defences' building blocks: the defender's clean set, Fine-Pruning's ranking and masks, the
/// clean-only selection rule and ANP's mask optimisation and pruning.
final class DefenceTests: XCTestCase {
    func testCleanSetIsDrawnFromUnpoisonedImagesOnly() throws {
        let train = (0..<100).map { "img\($0).png" }
        let poisoned = Set(train.prefix(20))
        let a = try DefenderCleanSet.draw(train: train, poisoned: poisoned, fraction: 0.05, seed: 7)
        XCTAssertEqual(a.count, 5)
        XCTAssertTrue(Set(a).isDisjoint(with: poisoned))
        XCTAssertEqual(Set(a).count, 5)
        XCTAssertEqual(try DefenderCleanSet.draw(train: train, poisoned: poisoned, fraction: 0.05, seed: 7), a, "seeded")
        XCTAssertNotEqual(try DefenderCleanSet.draw(train: train, poisoned: poisoned, fraction: 0.05, seed: 8), a)
        XCTAssertEqual(try DefenderCleanSet.draw(train: train, poisoned: poisoned, fraction: 0.001, seed: 7).count, 1, "at least one image")
        XCTAssertEqual(try DefenderCleanSet.draw(train: train, poisoned: poisoned, fraction: 0.8, seed: 7).count, 80)
        for bad in [0.0, 1.0, -0.1, .nan] {
            XCTAssertThrowsError(try DefenderCleanSet.draw(train: train, poisoned: poisoned, fraction: bad, seed: 7))
        }
        XCTAssertThrowsError(try DefenderCleanSet.draw(train: train, poisoned: poisoned, fraction: 0.81, seed: 7)) {
            XCTAssertTrue("\($0)".contains("only 80"), "\($0)")
        }
    }

    func testPruningOrderCountsAndMasks() throws {
        XCTAssertEqual(FinePruning.pruningOrder([0.5, 0.1, 0.9, 0.1]), [1, 3, 0, 2], "ascending, ties by channel")
        XCTAssertEqual(FinePruning.prunedCount(rate: 0.05, channels: 256), 13)
        XCTAssertEqual(FinePruning.prunedCount(rate: 0.4, channels: 2048), 819)
        XCTAssertEqual(FinePruning.prunedCount(rate: 0, channels: 256), 0)
        XCTAssertEqual(try FinePruning.mask(order: [1, 3, 0, 2], count: 2, device: .cpu).floats(), [1, 0, 1, 0])
    }

    func testSelectionTakesTheLargestStrengthWithinTheCleanRMSERise() {
        let curve: [(strength: Double, cleanRMSE: Double)] = [(0, 10), (0.1, 10.5), (0.2, 10.9), (0.3, 11.2), (0.4, 10.8), (0.5, 13)]
        XCTAssertEqual(PruningSelection.choose(curve, maxRise: 0.10), 4, "0.4: RMSE 10.8 < 11; 0.3's 11.2 does not count")
        XCTAssertEqual(PruningSelection.choose(curve, maxRise: 0.01), 0)
        XCTAssertEqual(PruningSelection.choose(curve, maxRise: 1), 5)
        XCTAssertEqual(PruningSelection.choose([(0, 10), (0.1, .nan)], maxRise: 1), 0, "a NaN RMSE is never chosen")
    }

    /// A mask on the last stage zeroes exactly those channels of layer4's output; the observer sees it unmasked.
    func testLastStageProbeMasksChannels() throws {
        Runtime.manualSeed(1)
        let store = ParameterStore()
        let trunk = try ResNetTrunk(store.root, spec: ResNetSpec(block: .basic, layers: [1, 1, 1, 1], width: 4))
        store.eval()
        let x = try Tensor.randn([2, 3, 64, 64])
        let plain = try trunk.features(x)[3]
        XCTAssertEqual(trunk.lastStage.channels, 32)
        var seen: [Int] = []
        trunk.lastStage.observer = { seen = $0.shape }
        trunk.lastStage.mask = try FinePruning.mask(order: Array(0..<32), count: 8, device: .cpu)
        let masked = try trunk.features(x)[3]
        XCTAssertEqual(seen, plain.shape)
        let p = try plain.floats(), m = try masked.floats()
        let perChannel = p.count / (2 * 32)
        for (i, v) in m.enumerated() {
            let channel = (i / perChannel) % 32
            XCTAssertEqual(v, channel < 8 ? 0 : p[i])
        }
    }

    func testBatchNormCoefficientsScaleWeightAndBias() throws {
        Runtime.manualSeed(2)
        let store = ParameterStore()
        let bn = try BatchNorm2d(store.root / "bn", features: 3)
        try withNoGrad {
            try bn.weight.copy_(Tensor([1, 2, 3] as [Float], shape: [3]))
            try bn.bias.copy_(Tensor([0.5, -1, 2] as [Float], shape: [3]))
        }
        store.eval()
        XCTAssertEqual(store.batchNormLayers.map(\.name), ["bn"])
        let x = try Tensor.randn([2, 3, 4, 4])
        let cw = try Tensor([0, 1, 0.5] as [Float], shape: [3]), cb = try Tensor([1, 2, 1] as [Float], shape: [3])
        bn.coefficients = { (cw, cb) }
        let scaled = try bn(x).floats()
        bn.coefficients = nil
        let expected = try F.batchNorm(x, weight: Tensor([0, 2, 1.5] as [Float], shape: [3]), bias: Tensor([0.5, -2, 2] as [Float], shape: [3]),
                                       runningMean: bn.runningMean, runningVar: bn.runningVar, training: false).floats()
        XCTAssertEqual(scaled, expected)
        XCTAssertNotEqual(try bn(x).floats(), expected, "without coefficients the layer is itself again")
    }

    func testANPMasksLearnDeterministicallyAndPruneByThreshold() throws {
        func optimise() throws -> (values: [Double], model: HyperIQA, anp: ANPMaskOptimizer) {
            Runtime.manualSeed(5)
            let model = try HyperIQA.make(config: .init(backbone: ResNetSpec(block: .basic, layers: [1, 1, 1, 1], width: 8)), channelsLast: false)
            var settings = ANPMaskOptimizer.Settings()
            settings.iterations = 3
            let x = try Tensor.randn([6, 3, 64, 64])
            let y = try Tensor([20, 40, 60, 80, 30, 50] as [Float], shape: [6])
            model.store.eval()
            let before = try withNoGrad { try model.scores(x).floats() }
            let anp = try ANPMaskOptimizer(model: model, settings: settings)
            XCTAssertEqual(try withNoGrad { try model.scores(x).floats() }, before, "masks of 1 leave the model as it is")
            for i in 0..<3 {
                Runtime.manualSeed(UInt64(100 + i))
                XCTAssertTrue(try anp.step(x, labels: y) { try F.l1Loss($0, $1) }.isFinite)
            }
            return (try anp.maskValues().map(\.value), model, anp)
        }
        let a = try optimise(), b = try optimise()
        XCTAssertEqual(a.values, b.values, "same seeds, same masks")
        XCTAssertTrue(a.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertTrue(a.values.contains { $0 < 1 })
        XCTAssertEqual(a.values.count, a.model.store.batchNormLayers.reduce(0) { $0 + $1.weight.count })
        // The victim's own weights did not move.
        XCTAssertTrue(a.model.store.parameters().isEmpty, "only masks and perturbations learn")

        // Checkpoint round trip.
        let state = try a.anp.stateDict()
        XCTAssertTrue(state.keys.contains { $0.hasSuffix(".momentum_buffer") })
        try b.anp.loadStateDict(state.mapValues { try! $0.clone() })
        XCTAssertEqual(try b.anp.maskValues().map(\.value), a.values)

        // Pruning by threshold zeroes the BatchNorm weights of neurons below it, and only those.
        let masks = try a.anp.maskValues()
        var dict = Dictionary(uniqueKeysWithValues: a.model.store.stateDict().map { ($0.name, $0.tensor) })
        let original = dict
        let threshold = masks.map(\.value).sorted()[masks.count / 2]
        let pruned = try ANPMaskOptimizer.prune(&dict, maskValues: masks, threshold: threshold)
        XCTAssertEqual(pruned, masks.filter { $0.value < threshold }.count)
        for m in masks {
            let w = try dict["\(m.layer).weight"]!.floats()[m.neuron]
            XCTAssertEqual(w, m.value < threshold ? 0 : try original["\(m.layer).weight"]!.floats()[m.neuron])
            XCTAssertEqual(try dict["\(m.layer).bias"]!.floats()[m.neuron], try original["\(m.layer).bias"]!.floats()[m.neuron], "biases kept")
        }
    }
}
