import Foundation
import XCTest
@testable import IQAModels
import Torch

/// The original TReS objective (`original` recipe): relative ranking + self-consistency + L1 on both
/// orientations.
final class TReSOriginalLossTests: XCTestCase {
    /// Values from torch.nn.TripletMarginLoss(p=1) on the same predictions and labels (python3-torch 1.13).
    func testRankingLossMatchesTorchTripletMarginLoss() throws {
        let p = try Tensor([31.5, 62.25, 47.0, 12.75, 55.5], shape: [5])
        let labels: [Float] = [40, 71, 33, 58, 20]
        // (lowest 20 → 55.5, 2nd lowest 33 → 47, highest 71 → 62.25): 8.5 − 6.75 + (71 − 33) = 39.75
        // (highest → 62.25, 2nd highest 58 → 12.75, lowest → 55.5): 49.5 − 6.75 + (58 − 20) = 80.75
        XCTAssertEqual(try TReS.rankingLoss(p, labels: labels).item(), 39.75 + 80.75, accuracy: 1e-3)
        // Well-ordered predictions far apart: both hinges are inactive.
        let ordered = try Tensor([0, 10, 200, 300, 400], shape: [5])
        XCTAssertEqual(try TReS.rankingLoss(ordered, labels: [1, 2, 3, 4, 5]).item(), 0)
        // The gradient reaches the three predictions of an active triplet only.
        let q = try Tensor([0, 50, 5, 10], shape: [4]).requiringGrad()
        let r = try TReS.rankingLoss(q, labels: [1, 2, 3, 4])
        XCTAssertEqual(try r.item(), 42, accuracy: 1e-3)    // |0 − 50| − |0 − 10| + (4 − 2); the other hinge is 5 − 10 + 2 < 0
        try r.backward()
        XCTAssertEqual(try XCTUnwrap(q.grad).floats(), [0, 1, 0, -1])   // pull the positive in, push the negative out
    }

    func testLossOfAMirrorSymmetricBatchInEvalMode() throws {
        Runtime.manualSeed(3)
        let model = try TReS.make(config: TReSTests.tiny, channelsLast: false)
        model.store.eval()
        // x == flip(x): both consistency terms vanish and both orientations predict the same scores.
        let half = try Tensor.randn([3, 3, 64, 32])
        let x = try Tensor.cat([half, half.flip([3])], dim: 3)
        let labels: [Float] = [20, 80, 45]
        let p = try model.scores(x)
        let y = try Tensor(labels, shape: [3])
        let r = try TReS.rankingLoss(p, labels: labels)
        let expected = try F.l1Loss(p, y).item() * 2 + 0.1 * r.item()
        XCTAssertEqual(try model.originalTrainingLoss(x, labels: labels).item(), expected, accuracy: 1e-3 * max(1, abs(expected)))
    }

    func testLossAssemblyOnAnAsymmetricBatch() throws {
        Runtime.manualSeed(4)
        let model = try TReS.make(config: TReSTests.tiny, channelsLast: false)
        model.store.eval()
        let x = try Tensor.randn([4, 3, 64, 64]), flipped = try x.flip([3])
        let labels: [Float] = [10, 60, 35, 90]
        let y = try Tensor(labels, shape: [4])
        func consistency(_ a: Tensor, _ b: Tensor) throws -> Double {
            let sa = try model.trunk.features(a), sb = try model.trunk.features(b)
            let ma = try model.head(stages: sa, featureDropout: true).memory, mb = try model.head(stages: sb, featureDropout: false).memory
            return try F.l1Loss(ma, mb).item() + F.l1Loss(sa[3], sb[3]).item()
        }
        let pa = try model.scores(x), pb = try model.scores(flipped)
        let ra = try TReS.rankingLoss(pa, labels: labels).item(), rb = try TReS.rankingLoss(pb, labels: labels).item()
        let c = try consistency(x, flipped)
        XCTAssertGreaterThan(c, 0)
        let expected = try F.l1Loss(pa, y).item() + F.l1Loss(pb, y).item() + 2 * c + abs(ra - rb) + 0.05 * (ra + rb)
        XCTAssertEqual(try model.originalTrainingLoss(x, labels: labels).item(), expected, accuracy: 1e-3 * max(1, abs(expected)))
        // One-image batches have no ranking term and still train.
        let single = try model.originalTrainingLoss(x.narrow(0, start: 0, length: 1), labels: [10])
        XCTAssertTrue(try single.item().isFinite)
    }

    func testOriginalRecipe() throws {
        let r = try XCTUnwrap(TrainingRecipe.preset("original", model: .tres))
        XCTAssertEqual(r.loss, .tresOriginal)
        XCTAssertEqual(r.model, .tres(.init(backbone: .resnet50)))
        XCTAssertEqual([r.epochs, r.batchSize, r.patchesPerImage, r.testPatches, r.cropSize], [3, 53, 50, 50, 224])
        guard case .adam(let plan) = r.optimizer else { return XCTFail("expected Adam") }
        XCTAssertEqual(plan.learningRate(epoch: 0), 2e-5)
        XCTAssertEqual(plan.learningRate(epoch: 2), 2e-7, accuracy: 1e-15)      // ÷10 after every epoch (droplr 1)
        XCTAssertNil(TrainingRecipe.preset("original", model: .hyperiqa))
        XCTAssertEqual(TrainingRecipe.presetNames(for: .tres), ["paper", "cpu", "original"])
        // ResNet-50 stages → d_model 3840; counted from the original Net: torchvision ResNet-50 (with
        // its 1000-class fc) + 2 encoder layers of width 3840 with FFN 64 + final norm + fc2 + fc.
        let model = try r.model.make(channelsLast: false)
        XCTAssertEqual(model.store.parameterCount, 152_452_265)
    }
}
