import CTorch
import Foundation

/// A libtorch tensor. The Swift object owns one shim handle and frees it in `deinit`, so tensor
/// memory follows Swift's reference counting. Every operation that can fail in libtorch throws.
public final class Tensor: @unchecked Sendable {
    let handle: ctorch_tensor

    init(owning handle: ctorch_tensor) { self.handle = handle }

    deinit { ctorch_free(handle) }

    // MARK: metadata

    public var rank: Int { Int(ctorch_dim(handle)) }

    public var shape: [Int] {
        var buffer = [Int64](repeating: 0, count: 16)
        let n = Int(ctorch_sizes(handle, &buffer, 16))
        if n > 16 {
            buffer = [Int64](repeating: 0, count: n)
            _ = ctorch_sizes(handle, &buffer, Int64(n))
        }
        return buffer.prefix(n).map { Int($0) }
    }

    public var strides: [Int] {
        var buffer = [Int64](repeating: 0, count: Swift.max(16, rank))
        let n = Int(ctorch_strides(handle, &buffer, Int64(buffer.count)))
        return buffer.prefix(n).map { Int($0) }
    }

    public var count: Int { Int(ctorch_numel(handle)) }
    public var dtype: DType { DType(rawValue: ctorch_scalar_type(handle)) ?? .float32 }
    public var device: Device { Device(code: ctorch_device(handle)) }
    public var isContiguous: Bool { ctorch_is_contiguous(handle) != 0 }
    public var isChannelsLast: Bool { ctorch_is_channels_last(handle) != 0 }

    public var requiresGrad: Bool {
        get { ctorch_requires_grad(handle) != 0 }
    }

    /// Marks a leaf tensor as needing gradients (libtorch's factories ignore requires_grad in their
    /// options, so this is always set afterwards).
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) throws -> Tensor {
        ctorch_set_requires_grad(handle, flag ? 1 : 0)
        try checkError()
        return self
    }

    /// Size of dimension `d` (negative counts from the end).
    public func size(_ d: Int) -> Int {
        let s = shape
        return s[d < 0 ? s.count + d : d]
    }

    // MARK: data in and out

    /// A new contiguous CPU tensor holding a copy of `values`, shaped `shape` (checked).
    public convenience init<S: TensorScalar>(_ values: [S], shape: [Int]) throws {
        Runtime.ensureConfigured()
        let handle = values.withUnsafeBytes { raw in
            shape.map(Int64.init).withUnsafeBufferPointer { dims in
                ctorch_from_data(raw.baseAddress, raw.count, dims.baseAddress, Int64(dims.count), S.dtype.rawValue)
            }
        }
        try checkError()
        guard let handle else { throw TorchError("could not create tensor") }
        self.init(owning: handle)
    }

    /// A 1-D tensor of `values`.
    public convenience init<S: TensorScalar>(_ values: [S]) throws {
        try self.init(values, shape: [values.count])
    }

    /// A tensor from raw little-endian element bytes of type `dtype`.
    public static func fromBytes(_ bytes: UnsafeRawBufferPointer, shape: [Int], dtype: DType) throws -> Tensor {
        Runtime.ensureConfigured()
        let handle = shape.map(Int64.init).withUnsafeBufferPointer { dims in
            ctorch_from_data(bytes.baseAddress, bytes.count, dims.baseAddress, Int64(dims.count), dtype.rawValue)
        }
        return try wrapHandle(handle)
    }

    /// The tensor's elements as contiguous little-endian bytes (copied to the CPU).
    public func bytes() throws -> [UInt8] {
        let n = count * dtype.elementSize
        var out = [UInt8](repeating: 0, count: n)
        out.withUnsafeMutableBytes { ctorch_copy_data(handle, $0.baseAddress, n) }
        try checkError()
        return out
    }

    /// All elements converted to `S`, in row-major order.
    public func scalars<S: TensorScalar>(as type: S.Type = S.self) throws -> [S] {
        let source = dtype == S.dtype ? self : try to(S.dtype)
        var out = [S](repeating: 0, count: source.count)
        let n = out.count * MemoryLayout<S>.stride
        out.withUnsafeMutableBytes { ctorch_copy_data(source.handle, $0.baseAddress, n) }
        try checkError()
        return out
    }

    /// Convenience: all elements as Float / Double.
    public func floats() throws -> [Float] { try scalars(as: Float.self) }
    public func doubles() throws -> [Double] { try scalars(as: Double.self) }

    /// The value of a one-element tensor.
    public func item() throws -> Double {
        let v = ctorch_item_double(handle)
        try checkError()
        return v
    }

    public func itemInt() throws -> Int {
        let v = ctorch_item_int64(handle)
        try checkError()
        return Int(v)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        guard let c = ctorch_to_string(handle) else {
            ctorch_clear_error()
            return "Tensor(\(shape), \(dtype))"
        }
        defer { free(c) }
        return String(cString: c)
    }
}

// MARK: - shape helpers used by the wrappers

@inline(__always)
func withDims<R>(_ dims: [Int], _ body: (UnsafePointer<Int64>?, Int64) -> R) -> R {
    let converted = dims.map(Int64.init)
    return converted.withUnsafeBufferPointer { body($0.baseAddress, Int64($0.count)) }
}

@inline(__always)
func withHandles<R>(_ tensors: [Tensor], _ body: (UnsafePointer<ctorch_tensor?>?, Int64) -> R) -> R {
    let handles: [ctorch_tensor?] = tensors.map { $0.handle }
    return handles.withUnsafeBufferPointer { body($0.baseAddress, Int64($0.count)) }
}
