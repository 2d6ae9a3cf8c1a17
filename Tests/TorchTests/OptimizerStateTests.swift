import Foundation
import XCTest

@testable import Torch

/// An optimiser restored mid-way from its state dict (through a file, as a checkpoint would be)
/// continues exactly like one that was never interrupted.
final class OptimizerStateTests: XCTestCase {
    private let p0: [Double] = [1.0, -2.0, 0.5]

    /// A gradient that depends on p (loss = Σ c·p + ¼·Σ p⁴), so that the state really matters.
    private func step(_ opt: Optimizer, _ p: Tensor) throws {
        opt.zeroGrad()
        let c = try Tensor([0.5, -1.0, 2.0])
        try ((p * c).sum() + p.pow(4).sum() * 0.25).backward()
        try opt.step()
    }

    private func checkResume(file: StaticString = #filePath, line: UInt = #line,
                             _ make: (Tensor) -> Optimizer) throws {
        let pA = try Tensor(p0).requiringGrad()
        let a = make(pA)
        for _ in 0..<2 { try step(a, pA) }

        // checkpoint: parameters and optimiser state through a torch.save file
        let url = temporaryFile(self)
        try TensorFile.save(a.stateDict().sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: url)
        let saved = try TensorFile.loadTensors(from: url)
        XCTAssertFalse(saved.isEmpty, file: file, line: line)

        let pB = try Tensor(pA.doubles()).requiringGrad()
        let b = make(pB)
        try b.loadStateDict(saved)
        let pC = try Tensor(pA.doubles()).requiringGrad()
        let fresh = make(pC)  // same parameters, no state: must diverge

        for t in 0..<3 {
            try step(a, pA)
            try step(b, pB)
            try step(fresh, pC)
            XCTAssertEqual(try pB.doubles(), try pA.doubles(), "step \(t + 3)", file: file, line: line)
        }
        XCTAssertNotEqual(try pC.doubles(), try pA.doubles(), "without state the trajectory differs", file: file, line: line)
    }

    func testAdamResumesIdentically() throws {
        try checkResume { Adam(groups: [ParameterGroup(parameters: [("w", $0)], learningRate: 0.05, weightDecay: 0.01)]) }
    }

    func testAdamWResumesIdentically() throws {
        try checkResume {
            Adam(groups: [ParameterGroup(parameters: [("w", $0)], learningRate: 0.05, weightDecay: 0.1)], decoupledWeightDecay: true)
        }
    }

    func testSGDMomentumResumesIdentically() throws {
        try checkResume { SGD(groups: [ParameterGroup(parameters: [("w", $0)], learningRate: 0.05)], momentum: 0.9, nesterov: true) }
    }

    func testAdamStateDictContents() throws {
        let p = try Tensor(p0).requiringGrad()
        let opt = Adam(groups: [ParameterGroup(parameters: [("w", p)], learningRate: 0.1)])
        try (p * Tensor([0.5, -1.0, 2.0])).sum().backward()
        try opt.step()
        try opt.step()
        let state = try opt.stateDict()
        XCTAssertEqual(try state["w.step"]!.itemInt(), 2)
        // m = (1 − 0.9²)·g, v = (1 − 0.999²)·g²
        assertClose(try state["w.exp_avg"]!.doubles(), [0.5, -1.0, 2.0].map { 0.19 * $0 })
        assertClose(try state["w.exp_avg_sq"]!.doubles(), [0.25, 1.0, 4.0].map { (1 - 0.999 * 0.999) * $0 })
    }

    func testLoadStateDictRejectsWrongShapes() throws {
        let p = try Tensor(p0).requiringGrad()
        let adam = Adam(groups: [ParameterGroup(parameters: [("w", p)], learningRate: 0.1)])
        let wrong: [String: Tensor] = ["w.exp_avg": try Tensor.zeros([2], dtype: .float64),
                                       "w.exp_avg_sq": try Tensor.zeros([2], dtype: .float64),
                                       "w.step": try Tensor.scalar(1, dtype: .int64)]
        assertTorchError(containing: "shape") { try adam.loadStateDict(wrong) }
        let sgd = SGD(groups: [ParameterGroup(parameters: [("w", p)], learningRate: 0.1)], momentum: 0.9)
        assertTorchError(containing: "shape") { try sgd.loadStateDict(["w.momentum_buffer": try Tensor.zeros([4], dtype: .float64)]) }
    }
}
