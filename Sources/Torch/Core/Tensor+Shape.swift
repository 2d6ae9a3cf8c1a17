import CTorch

extension Tensor {
    public func reshape(_ shape: [Int]) throws -> Tensor { try wrapHandle(withDims(shape) { ctorch_reshape(handle, $0, $1) }) }
    public func view(_ shape: [Int]) throws -> Tensor { try wrapHandle(withDims(shape) { ctorch_view(handle, $0, $1) }) }
    public func permute(_ dims: [Int]) throws -> Tensor { try wrapHandle(withDims(dims) { ctorch_permute(handle, $0, $1) }) }
    public func transpose(_ d0: Int, _ d1: Int) throws -> Tensor { try wrapHandle(ctorch_transpose(handle, Int64(d0), Int64(d1))) }
    public func expand(_ shape: [Int]) throws -> Tensor { try wrapHandle(withDims(shape) { ctorch_expand(handle, $0, $1) }) }
    public func repeated(_ repeats: [Int]) throws -> Tensor { try wrapHandle(withDims(repeats) { ctorch_repeat(handle, $0, $1) }) }
    public func flatten(from start: Int = 0, to end: Int = -1) throws -> Tensor {
        try wrapHandle(ctorch_flatten(handle, Int64(start), Int64(end)))
    }
    public func unsqueeze(_ dim: Int) throws -> Tensor { try wrapHandle(ctorch_unsqueeze(handle, Int64(dim))) }
    public func squeeze(_ dim: Int) throws -> Tensor { try wrapHandle(ctorch_squeeze_dim(handle, Int64(dim))) }

    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        try wrapHandle(withHandles(tensors) { ctorch_cat($0, $1, Int64(dim)) })
    }
    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        try wrapHandle(withHandles(tensors) { ctorch_stack($0, $1, Int64(dim)) })
    }

    /// A view of `length` entries of `dim` starting at `start`.
    public func narrow(_ dim: Int, start: Int, length: Int) throws -> Tensor {
        try wrapHandle(ctorch_narrow(handle, Int64(dim), Int64(start), Int64(length)))
    }
    public func slice(_ dim: Int, _ start: Int, _ end: Int, step: Int = 1) throws -> Tensor {
        try wrapHandle(ctorch_slice(handle, Int64(dim), Int64(start), Int64(end), Int64(step)))
    }
    /// Removes `dim` by taking entry `index`.
    public func select(_ dim: Int, _ index: Int) throws -> Tensor {
        try wrapHandle(ctorch_select(handle, Int64(dim), Int64(index)))
    }
    public func indexSelect(_ dim: Int, _ index: Tensor) throws -> Tensor {
        try wrapHandle(ctorch_index_select(handle, Int64(dim), index.handle))
    }
    public func flip(_ dims: [Int]) throws -> Tensor { try wrapHandle(withDims(dims) { ctorch_flip(handle, $0, $1) }) }
    public func roll(shifts: [Int], dims: [Int]) throws -> Tensor {
        guard shifts.count == dims.count else { throw TorchError("roll: \(shifts.count) shifts for \(dims.count) dims") }
        let s = shifts.map(Int64.init), d = dims.map(Int64.init)
        return try wrapHandle(s.withUnsafeBufferPointer { sp in
            d.withUnsafeBufferPointer { dp in ctorch_roll(handle, sp.baseAddress, dp.baseAddress, Int64(s.count)) }
        })
    }
    /// Constant padding in torch.nn.functional.pad order: (left, right, top, bottom, …) from the last dim.
    public func padded(_ pad: [Int], value: Double = 0) throws -> Tensor {
        try wrapHandle(withDims(pad) { ctorch_pad(handle, $0, $1, value) })
    }

    // MARK: conversion and layout

    public func to(_ dtype: DType) throws -> Tensor { try wrapHandle(ctorch_to_dtype(handle, dtype.rawValue)) }
    public func to(_ device: Device) throws -> Tensor { try wrapHandle(ctorch_to_device(handle, device.code)) }

    /// A batch made on the CPU, moved to `device` as data loaders do: through page-locked memory,
    /// queued without waiting so the copy overlaps the previous step. The same tensor on the CPU.
    public func staged(to device: Device) throws -> Tensor {
        device == .cpu && self.device == .cpu ? self : try wrapHandle(ctorch_to_device_pinned(handle, device.code))
    }
    public func contiguous() throws -> Tensor { try wrapHandle(ctorch_contiguous(handle)) }
    /// NHWC storage: oneDNN's convolutions run about a third faster on it on CPU.
    public func channelsLast() throws -> Tensor { try wrapHandle(ctorch_contiguous_format(handle, 1)) }
    public func clone() throws -> Tensor { try wrapHandle(ctorch_clone(handle)) }
    /// A tensor sharing storage but cut from the autograd graph.
    public func detach() throws -> Tensor { try wrapHandle(ctorch_detach(handle)) }
    /// Another Swift handle to the same libtorch tensor (same storage and autograd identity).
    public func alias() throws -> Tensor { try wrapHandle(ctorch_shallow_clone(handle)) }
}
