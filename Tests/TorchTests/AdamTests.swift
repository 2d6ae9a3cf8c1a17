import Foundation
import XCTest

@testable import Torch

/// Adam and AdamW steps against values computed here, in Double, from torch.optim's documented
/// algorithms (https://pytorch.org/docs/1.13/generated/torch.optim.Adam.html and .AdamW.html).
final class AdamTests: XCTestCase {
    private let p0: [Double] = [1.0, -2.0, 0.5]
    private let c: [Double] = [0.5, -1.0, 2.0]
    private let lr = 0.1, beta1 = 0.9, beta2 = 0.999, eps = 1e-8

    /// Runs `steps` optimiser steps on a float64 parameter whose gradient comes from
    /// loss = Σ p·c (+ extra), returning the parameter values after each step.
    private func trajectory(_ optimizer: (Tensor) -> Optimizer, steps: Int) throws -> [[Double]] {
        let p = try Tensor(p0).requiringGrad()
        let opt = optimizer(p)
        let cT = try Tensor(c)
        var out: [[Double]] = []
        for _ in 0..<steps {
            opt.zeroGrad()
            try (p * cT).sum().backward()
            XCTAssertEqual(try p.grad!.doubles(), c)
            try opt.step()
            out.append(try p.doubles())
        }
        return out
    }

    func testAdamConstantGradientClosedForm() throws {
        // With a constant gradient g: m_t = (1−β1^t)·g and v_t = (1−β2^t)·g², so the bias-corrected
        // m̂ = g and v̂ = g², and each step moves p by −lr·g/(|g|+ε).
        let traj = try trajectory({ Adam(groups: [ParameterGroup(parameters: [("p", $0)], learningRate: self.lr)]) }, steps: 3)
        for (t, values) in traj.enumerated() {
            let expected = zip(p0, c).map { p, g in p - Double(t + 1) * lr * g / (Swift.abs(g) + eps) }
            assertClose(values, expected, rtol: 1e-12, atol: 1e-12, "step \(t + 1)")
        }
        // p0 = [1, −2, 0.5] moves by ∓0.1 per step
        assertClose(traj[2], [0.7, -1.7, 0.2], rtol: 0, atol: 1e-7)
    }

    /// torch.optim.Adam (amsgrad off, maximize off), written out for one element:
    ///   g ← g + λ·p                       (L2 weight decay, Adam)      or  p ← p·(1 − lr·λ)  (AdamW)
    ///   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
    ///   p ← p − lr/(1−β1^t) · m / (√v / √(1−β2^t) + ε)
    private func handAdam(steps: Int, weightDecay: Double, decoupled: Bool) -> [[Double]] {
        var p = p0
        var m = [Double](repeating: 0, count: 3), v = m
        var out: [[Double]] = []
        for t in 1...steps {
            for i in 0..<3 {
                var g = c[i]
                if decoupled { p[i] *= 1 - lr * weightDecay } else { g += weightDecay * p[i] }
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                let bc1 = 1 - pow(beta1, Double(t)), bc2 = 1 - pow(beta2, Double(t))
                p[i] -= lr / bc1 * m[i] / (sqrt(v[i]) / sqrt(bc2) + eps)
            }
            out.append(p)
        }
        return out
    }

    func testAdamWithL2WeightDecay() throws {
        let wd = 0.5
        let traj = try trajectory({
            Adam(groups: [ParameterGroup(parameters: [("p", $0)], learningRate: self.lr, weightDecay: wd)])
        }, steps: 3)
        let expected = handAdam(steps: 3, weightDecay: wd, decoupled: false)
        for t in 0..<3 { assertClose(traj[t], expected[t], rtol: 1e-12, atol: 1e-14, "step \(t + 1)") }
        // the first step is still ±lr (m̂/√v̂ = sign(g) at t = 1), with g = c + 0.5·p0 = [1, −2, 2.25]
        assertClose(traj[0], [0.9, -1.9, 0.4], rtol: 0, atol: 1e-7)
        // and decay changes the later steps: it is not the plain trajectory
        XCTAssertGreaterThan(Swift.abs(traj[2][0] - 0.7), 1e-4)
    }

    func testAdamWDecoupledWeightDecay() throws {
        let wd = 0.5
        let traj = try trajectory({
            Adam(groups: [ParameterGroup(parameters: [("p", $0)], learningRate: self.lr, weightDecay: wd)],
                 decoupledWeightDecay: true)
        }, steps: 3)
        let expected = handAdam(steps: 3, weightDecay: wd, decoupled: true)
        for t in 0..<3 { assertClose(traj[t], expected[t], rtol: 1e-12, atol: 1e-14, "step \(t + 1)") }
        // step 1 by hand: p·(1 − 0.05) − 0.1·sign(c)
        assertClose(traj[0], [0.95 - 0.1, -1.9 + 0.1, 0.475 - 0.1], rtol: 0, atol: 1e-7)
        XCTAssertGreaterThan(Swift.abs(traj[2][0] - handAdam(steps: 3, weightDecay: wd, decoupled: false)[2][0]), 1e-4,
                             "AdamW and Adam+L2 must differ")
    }

    func testTwoGroupsWithDifferentLearningRates() throws {
        let a = try Tensor([1.0, 2.0]).requiringGrad()
        let b = try Tensor([-1.0, 3.0]).requiringGrad()
        let opt = Adam(groups: [ParameterGroup(parameters: [("a", a)], learningRate: 0.1),
                                ParameterGroup(parameters: [("b", b)], learningRate: 0.01)])
        for _ in 0..<2 {
            opt.zeroGrad()
            try ((a * Tensor([2.0, -3.0])).sum() + (b * Tensor([0.25, 4.0])).sum()).backward()
            try opt.step()
        }
        // constant gradients: each step moves by −lr·sign(g)
        assertClose(try a.doubles(), [1 - 0.2, 2 + 0.2], rtol: 0, atol: 1e-7)
        assertClose(try b.doubles(), [-1 - 0.02, 3 - 0.02], rtol: 0, atol: 1e-7)
        // setLearningRate sets every group
        opt.setLearningRate(0.5)
        XCTAssertEqual(opt.groups.map(\.learningRate), [0.5, 0.5])
    }

    func testParametersWithoutGradientAreSkipped() throws {
        let used = try Tensor([1.0, 2.0]).requiringGrad()
        let unused = try Tensor([5.0, 6.0]).requiringGrad()
        let opt = Adam(groups: [ParameterGroup(parameters: [("used", used), ("unused", unused)], learningRate: 0.1,
                                               weightDecay: 0.1)])
        try (used * 3).sum().backward()
        try opt.step()
        XCTAssertEqual(try unused.doubles(), [5, 6], "no gradient: untouched, even with weight decay")
        let state = try opt.stateDict()
        XCTAssertEqual(Set(state.keys), ["used.exp_avg", "used.exp_avg_sq", "used.step"])
        XCTAssertEqual(try state["used.step"]!.itemInt(), 1)

        // a parameter that had a gradient once and then none is skipped on later steps
        let before = try used.doubles()
        used.zeroGrad()
        try (unused * 1).sum().backward()
        try opt.step()
        XCTAssertEqual(try used.doubles(), before)
        XCTAssertEqual(try opt.stateDict()["used.step"]!.itemInt(), 1)
        XCTAssertEqual(try opt.stateDict()["unused.step"]!.itemInt(), 1)
    }
}
