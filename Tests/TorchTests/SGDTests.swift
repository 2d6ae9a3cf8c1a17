import XCTest

@testable import Torch

/// SGD steps against values computed by hand from torch.optim.SGD's documented algorithm:
///   g ← g + λ·p;  b ← g (t = 1) or μ·b + (1−τ)·g;  g ← g + μ·b (Nesterov) or b;  p ← p − lr·g
final class SGDTests: XCTestCase {
    private let p0: [Double] = [1.0, -2.0, 0.5]
    private let c: [Double] = [0.5, -1.0, 2.0]
    private let lr = 0.1

    /// Parameter values after each of `steps` steps with gradient c (loss = Σ p·c).
    private func trajectory(steps: Int, weightDecay: Double = 0, _ make: ([ParameterGroup]) -> SGD) throws -> [[Double]] {
        let p = try Tensor(p0).requiringGrad()
        let opt = make([ParameterGroup(parameters: [("p", p)], learningRate: lr, weightDecay: weightDecay)])
        let cT = try Tensor(c)
        var out: [[Double]] = []
        for _ in 0..<steps {
            opt.zeroGrad()
            try (p * cT).sum().backward()
            try opt.step()
            out.append(try p.doubles())
        }
        return out
    }

    func testPlainSGD() throws {
        let traj = try trajectory(steps: 3) { SGD(groups: $0) }
        for t in 0..<3 {
            assertClose(traj[t], zip(p0, c).map { $0 - Double(t + 1) * 0.1 * $1 }, "step \(t + 1)")
        }
        assertClose(traj[0], [0.95, -1.9, 0.3], rtol: 0, atol: 1e-15)
    }

    func testMomentum() throws {
        // constant g, μ = 0.9, τ = 0: b1 = g, b2 = 1.9·g, b3 = 2.71·g
        let traj = try trajectory(steps: 3) { SGD(groups: $0, momentum: 0.9) }
        let cumulative = [1.0, 1.0 + 1.9, 1.0 + 1.9 + 2.71]
        for t in 0..<3 {
            assertClose(traj[t], zip(p0, c).map { $0 - lr * cumulative[t] * $1 }, "step \(t + 1)")
        }
    }

    func testMomentumWithDampening() throws {
        // τ = 0.5 applies from the second step on: b1 = g, b2 = 0.9·g + 0.5·g = 1.4·g
        let traj = try trajectory(steps: 2) { SGD(groups: $0, momentum: 0.9, dampening: 0.5) }
        assertClose(traj[1], zip(p0, c).map { $0 - lr * (1 + 1.4) * $1 })
    }

    func testNesterov() throws {
        // d_t = g + μ·b_t: d1 = 1.9·g, d2 = (1 + 0.9·1.9)·g = 2.71·g, d3 = (1 + 0.9·2.71)·g = 3.439·g
        let traj = try trajectory(steps: 3) { SGD(groups: $0, momentum: 0.9, nesterov: true) }
        let cumulative = [1.9, 1.9 + 2.71, 1.9 + 2.71 + 3.439]
        for t in 0..<3 {
            assertClose(traj[t], zip(p0, c).map { $0 - lr * cumulative[t] * $1 }, "step \(t + 1)")
        }
    }

    func testWeightDecay() throws {
        let wd = 0.2
        let traj = try trajectory(steps: 3, weightDecay: wd) { SGD(groups: $0) }
        var p = p0
        for t in 0..<3 {
            p = zip(p, c).map { $0 - lr * ($1 + wd * $0) }
            assertClose(traj[t], p, "step \(t + 1)")
        }
        assertClose(traj[0], [1 - 0.1 * (0.5 + 0.2), -2 - 0.1 * (-1 - 0.4), 0.5 - 0.1 * (2 + 0.1)])
    }

    func testWeightDecayWithMomentum() throws {
        let wd = 0.2, mu = 0.9
        let traj = try trajectory(steps: 3, weightDecay: wd) { SGD(groups: $0, momentum: mu) }
        var p = p0
        var b = [Double](repeating: 0, count: 3)
        for t in 0..<3 {
            for i in 0..<3 {
                let g = c[i] + wd * p[i]
                b[i] = t == 0 ? g : mu * b[i] + g
                p[i] -= lr * b[i]
            }
            assertClose(traj[t], p, "step \(t + 1)")
        }
    }

    func testTwoGroupsAndSkippedParameters() throws {
        let a = try Tensor([1.0, 2.0]).requiringGrad()
        let b = try Tensor([-1.0, 3.0]).requiringGrad()
        let frozen = try Tensor([4.0]).requiringGrad()
        let opt = SGD(groups: [ParameterGroup(parameters: [("a", a), ("frozen", frozen)], learningRate: 0.1),
                               ParameterGroup(parameters: [("b", b)], learningRate: 0.01, weightDecay: 1)],
                      momentum: 0.5)
        try ((a * Tensor([2.0, -3.0])).sum() + (b * Tensor([0.25, 4.0])).sum()).backward()
        try opt.step()
        assertClose(try a.doubles(), [1 - 0.1 * 2, 2 + 0.1 * 3])
        // group 2 decays: g = c + 1·b
        assertClose(try b.doubles(), [-1 - 0.01 * (0.25 - 1), 3 - 0.01 * (4 + 3)])
        XCTAssertEqual(try frozen.doubles(), [4], "no gradient: skipped")
        XCTAssertEqual(Set(try opt.stateDict().keys), ["a.momentum_buffer", "b.momentum_buffer"])
    }
}
