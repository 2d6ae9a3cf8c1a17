/// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay, as torch.optim.SGD.
public final class SGD: Optimizer {
    public var groups: [ParameterGroup]
    public let momentum: Double, dampening: Double, nesterov: Bool
    var buffers: [String: Tensor] = [:]

    public init(groups: [ParameterGroup], momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false) {
        self.groups = groups
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
    }

    public func step() throws {
        try withNoGrad {
            for group in groups {
                for (name, p) in group.parameters {
                    guard var d = p.grad else { continue }
                    if group.weightDecay != 0 { d = try d + (p * group.weightDecay) }
                    if momentum != 0 {
                        let buf: Tensor
                        if let b = buffers[name] {
                            buf = try b.mul_(momentum).add_(d, alpha: 1 - dampening)
                        } else {
                            buf = try d.clone()
                            buffers[name] = buf
                        }
                        d = nesterov ? try d + (buf * momentum) : buf
                    }
                    try p.add_(d, alpha: -group.learningRate)
                }
            }
        }
    }

    public func stateDict() throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, v) in buffers { out["\(k).momentum_buffer"] = v }
        return out
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        buffers.removeAll()
        for group in groups {
            for (name, p) in group.parameters {
                guard let b = state["\(name).momentum_buffer"] else { continue }
                guard b.shape == p.shape else { throw TorchError("momentum buffer for '\(name)' has wrong shape \(b.shape)") }
                buffers[name] = b.device == p.device ? try b.clone() : try b.to(p.device)   // a checkpoint is read to the CPU
            }
        }
    }
}
