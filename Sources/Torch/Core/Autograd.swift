import CTorch

// Autograd is libtorch's: tensors record their history while grad mode is on, and `backward`
// accumulates into the `.grad` of leaves that require gradients.
extension Tensor {
    /// Back-propagates from this (scalar) tensor, or with an explicit output gradient.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) throws {
        ctorch_backward(handle, gradient?.handle, retainGraph ? 1 : 0)
        try checkError()
    }

    /// The accumulated gradient of a leaf, nil when none has been computed.
    public var grad: Tensor? {
        guard let h = ctorch_grad(handle) else {
            ctorch_clear_error()
            return nil
        }
        return Tensor(owning: h)
    }

    /// Drops the accumulated gradient (set_to_none semantics, as modern optimisers do).
    public func zeroGrad() {
        ctorch_zero_grad(handle)
        ctorch_clear_error()
    }

    /// d(self)/d(inputs), without touching `.grad` (torch.autograd.grad). Unused inputs give nil.
    public func gradients(with inputs: [Tensor], retainGraph: Bool = false, createGraph: Bool = false) throws -> [Tensor?] {
        var out = [ctorch_tensor?](repeating: nil, count: inputs.count)
        withHandles(inputs) { ptr, n in
            ctorch_autograd_grad(handle, ptr, n, &out, retainGraph ? 1 : 0, createGraph ? 1 : 0)
        }
        try checkError()
        return out.map { $0.map(Tensor.init(owning:)) }
    }
}
