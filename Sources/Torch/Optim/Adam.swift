import Foundation

/// Adam (Kingma & Ba) with PyTorch's conventions: L2 weight decay added to the gradient, bias
/// correction, eps added after the square root. With `decoupledWeightDecay` it is AdamW
/// (Loshchilov & Hutter): parameters shrink by lr·wd before the Adam step.
public final class Adam: Optimizer {
    public var groups: [ParameterGroup]
    public let beta1: Double, beta2: Double, eps: Double
    public let decoupledWeightDecay: Bool

    final class Slot {
        var step = 0
        let expAvg: Tensor
        let expAvgSq: Tensor
        init(like p: Tensor) throws {
            expAvg = try Tensor.zeros(like: p)
            expAvgSq = try Tensor.zeros(like: p)
        }
    }
    var slots: [String: Slot] = [:]

    public init(groups: [ParameterGroup], beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
                decoupledWeightDecay: Bool = false) {
        self.groups = groups
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    public func step() throws {
        try withNoGrad {
            for group in groups {
                let lr = group.learningRate, wd = group.weightDecay
                for (name, p) in group.parameters {
                    guard var g = p.grad else { continue }
                    let slot = try slots[name] ?? { let s = try Slot(like: p); slots[name] = s; return s }()
                    slot.step += 1
                    if wd != 0 {
                        if decoupledWeightDecay { try p.mul_(1 - lr * wd) } else { g = try g + (p * wd) }
                    }
                    try slot.expAvg.lerp_(g, weight: 1 - beta1)
                    try slot.expAvgSq.mul_(beta2).addcmul_(g, g, value: 1 - beta2)
                    let bc1 = 1 - Foundation.pow(beta1, Double(slot.step))
                    let bc2 = 1 - Foundation.pow(beta2, Double(slot.step))
                    let denom = try (slot.expAvgSq.sqrt() / Foundation.sqrt(bc2)).add_(eps)
                    try p.addcdiv_(slot.expAvg, denom, value: -lr / bc1)
                }
            }
        }
    }

    /// Forgets all moments (the official HyperIQA code re-creates Adam every epoch).
    public func resetState() { slots.removeAll() }

    public func stateDict() throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, s) in slots {
            out["\(name).exp_avg"] = s.expAvg
            out["\(name).exp_avg_sq"] = s.expAvgSq
            out["\(name).step"] = try Tensor.scalar(Double(s.step), dtype: .int64)
        }
        return out
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        slots.removeAll()
        for group in groups {
            for (name, p) in group.parameters {
                guard let m = state["\(name).exp_avg"], let v = state["\(name).exp_avg_sq"], let st = state["\(name).step"] else { continue }
                guard m.shape == p.shape, v.shape == p.shape else {
                    throw TorchError("optimizer state for '\(name)' has shape \(m.shape), parameter has \(p.shape)")
                }
                let slot = try Slot(like: p)
                try withNoGrad {
                    try slot.expAvg.copy_(m)
                    try slot.expAvgSq.copy_(v)
                }
                slot.step = try st.itemInt()
                slots[name] = slot
            }
        }
    }
}
