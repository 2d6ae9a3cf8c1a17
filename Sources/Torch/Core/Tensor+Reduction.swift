import CTorch

extension Tensor {
    public func sum() throws -> Tensor { try wrapHandle(ctorch_sum(handle)) }
    public func mean() throws -> Tensor { try wrapHandle(ctorch_mean(handle)) }
    public func sum(dims: [Int], keepDim: Bool = false) throws -> Tensor {
        try wrapHandle(withDims(dims) { ctorch_sum_dims(handle, $0, $1, keepDim ? 1 : 0) })
    }
    public func mean(dims: [Int], keepDim: Bool = false) throws -> Tensor {
        try wrapHandle(withDims(dims) { ctorch_mean_dims(handle, $0, $1, keepDim ? 1 : 0) })
    }
    public func variance(dims: [Int], unbiased: Bool = true, keepDim: Bool = false) throws -> Tensor {
        try wrapHandle(withDims(dims) { ctorch_var_dims(handle, $0, $1, unbiased ? 1 : 0, keepDim ? 1 : 0) })
    }
    public func max(dims: [Int], keepDim: Bool = false) throws -> Tensor {
        try wrapHandle(withDims(dims) { ctorch_amax(handle, $0, $1, keepDim ? 1 : 0) })
    }
    public func min(dims: [Int], keepDim: Bool = false) throws -> Tensor {
        try wrapHandle(withDims(dims) { ctorch_amin(handle, $0, $1, keepDim ? 1 : 0) })
    }
    public func max() throws -> Tensor { try wrapHandle(ctorch_max_all(handle)) }
    public func min() throws -> Tensor { try wrapHandle(ctorch_min_all(handle)) }
    public func argmax(dim: Int, keepDim: Bool = false) throws -> Tensor {
        try wrapHandle(ctorch_argmax(handle, Int64(dim), keepDim ? 1 : 0))
    }
    public func norm(p: Double = 2, dims: [Int], keepDim: Bool = false) throws -> Tensor {
        try wrapHandle(withDims(dims) { ctorch_norm_dims(handle, p, $0, $1, keepDim ? 1 : 0) })
    }

    public func matmul(_ other: Tensor) throws -> Tensor { try wrapHandle(ctorch_matmul(handle, other.handle)) }
    public func bmm(_ other: Tensor) throws -> Tensor { try wrapHandle(ctorch_bmm(handle, other.handle)) }
}
