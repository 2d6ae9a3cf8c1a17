import CTorch

extension Tensor {
    public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        Runtime.ensureConfigured()
        return try wrapHandle(withDims(shape) { ctorch_zeros($0, $1, dtype.rawValue, device.code) })
    }

    public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        Runtime.ensureConfigured()
        return try wrapHandle(withDims(shape) { ctorch_ones($0, $1, dtype.rawValue, device.code) })
    }

    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        Runtime.ensureConfigured()
        return try wrapHandle(withDims(shape) { ctorch_full($0, $1, value, dtype.rawValue, device.code) })
    }

    public static func empty(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        Runtime.ensureConfigured()
        return try wrapHandle(withDims(shape) { ctorch_empty($0, $1, dtype.rawValue, device.code) })
    }

    /// Uniform on [0, 1), from libtorch's seeded generator.
    public static func rand(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        Runtime.ensureConfigured()
        return try wrapHandle(withDims(shape) { ctorch_rand($0, $1, dtype.rawValue, device.code) })
    }

    /// Standard normal, from libtorch's seeded generator.
    public static func randn(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        Runtime.ensureConfigured()
        return try wrapHandle(withDims(shape) { ctorch_randn($0, $1, dtype.rawValue, device.code) })
    }

    /// Integers uniform on [low, high), int64.
    public static func randint(low: Int = 0, high: Int, shape: [Int], device: Device = .cpu) throws -> Tensor {
        Runtime.ensureConfigured()
        return try wrapHandle(withDims(shape) { ctorch_randint(Int64(low), Int64(high), $0, $1, device.code) })
    }

    public static func randperm(_ n: Int, device: Device = .cpu) throws -> Tensor {
        Runtime.ensureConfigured()
        return try wrapHandle(ctorch_randperm(Int64(n), device.code))
    }

    public static func arange(_ start: Double, _ end: Double, step: Double = 1, dtype: DType = .float32,
                              device: Device = .cpu) throws -> Tensor {
        Runtime.ensureConfigured()
        return try wrapHandle(ctorch_arange(start, end, step, dtype.rawValue, device.code))
    }

    /// A 0-dimensional tensor.
    public static func scalar(_ value: Double, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        Runtime.ensureConfigured()
        return try wrapHandle(ctorch_scalar_tensor(value, dtype.rawValue, device.code))
    }

    /// Zeros shaped, typed and laid out like `other`.
    public static func zeros(like other: Tensor) throws -> Tensor { try wrapHandle(ctorch_zeros_like(other.handle)) }
}
