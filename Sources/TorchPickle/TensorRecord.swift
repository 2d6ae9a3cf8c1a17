import Foundation

/// The element types a `torch.save` storage can have (the common ones).
///
/// Why the storage class names: the pickle does not name a dtype; it names the legacy typed
/// storage class (`torch.FloatStorage`, …) in each storage's persistent id, so that is how the
/// dtype is both read and written.
public enum TensorDType: String, CaseIterable, Sendable {
    case float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool

    /// Bytes per element.
    public var elementSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// The `torch.<name>` class used in storage persistent ids.
    public var storageClassName: String {
        switch self {
        case .float32: return "FloatStorage"
        case .float64: return "DoubleStorage"
        case .float16: return "HalfStorage"
        case .bfloat16: return "BFloat16Storage"
        case .int64: return "LongStorage"
        case .int32: return "IntStorage"
        case .int16: return "ShortStorage"
        case .int8: return "CharStorage"
        case .uint8: return "ByteStorage"
        case .bool: return "BoolStorage"
        }
    }

    public init?(storageClassName: String) {
        guard let match = TensorDType.allCases.first(where: { $0.storageClassName == storageClassName }) else {
            return nil
        }
        self = match
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float64, .float16, .bfloat16: return true
        default: return false
        }
    }
}

/// Swift scalar types with an exact torch dtype, for typed access to tensor elements.
///
/// The underscored requirements are implementation details (little-endian conversion); they are
/// public only because protocol requirements must be.
public protocol TorchScalar: Sendable {
    static var torchDType: TensorDType { get }
    static func _load(from buffer: UnsafeRawBufferPointer, at offset: Int) -> Self
    func _appendLittleEndian(to bytes: inout [UInt8])
}

extension TorchScalar where Self: FixedWidthInteger {
    public static func _load(from buffer: UnsafeRawBufferPointer, at offset: Int) -> Self {
        Self(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: Self.self))
    }
    public func _appendLittleEndian(to bytes: inout [UInt8]) {
        withUnsafeBytes(of: self.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

extension Int64: TorchScalar { public static var torchDType: TensorDType { .int64 } }
extension Int32: TorchScalar { public static var torchDType: TensorDType { .int32 } }
extension Int16: TorchScalar { public static var torchDType: TensorDType { .int16 } }
extension Int8: TorchScalar { public static var torchDType: TensorDType { .int8 } }
extension UInt8: TorchScalar { public static var torchDType: TensorDType { .uint8 } }

extension Float: TorchScalar {
    public static var torchDType: TensorDType { .float32 }
    public static func _load(from buffer: UnsafeRawBufferPointer, at offset: Int) -> Float {
        Float(bitPattern: UInt32._load(from: buffer, at: offset))
    }
    public func _appendLittleEndian(to bytes: inout [UInt8]) { bitPattern._appendLittleEndian(to: &bytes) }
}

extension Double: TorchScalar {
    public static var torchDType: TensorDType { .float64 }
    public static func _load(from buffer: UnsafeRawBufferPointer, at offset: Int) -> Double {
        Double(bitPattern: UInt64._load(from: buffer, at: offset))
    }
    public func _appendLittleEndian(to bytes: inout [UInt8]) { bitPattern._appendLittleEndian(to: &bytes) }
}

extension Bool: TorchScalar {
    public static var torchDType: TensorDType { .bool }
    // Any non-zero byte is true (reading the byte as a Swift Bool directly would be undefined).
    public static func _load(from buffer: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        buffer[offset] != 0
    }
    public func _appendLittleEndian(to bytes: inout [UInt8]) { bytes.append(self ? 1 : 0) }
}

// Helpers used by the Float/Double conformances only (UInt32/UInt64 are not torch dtypes).
extension UInt32 {
    fileprivate static func _load(from buffer: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    fileprivate func _appendLittleEndian(to bytes: inout [UInt8]) {
        withUnsafeBytes(of: self.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

extension UInt64 {
    fileprivate static func _load(from buffer: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    fileprivate func _appendLittleEndian(to bytes: inout [UInt8]) {
        withUnsafeBytes(of: self.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

/// One tensor as `torch.save` describes it: a view (shape, strides, offset) into a storage.
///
/// Why keep the view instead of copying to contiguous form at load time: tensors that share a
/// storage then also share the bytes (Swift's `Data` is copy-on-write, so both records point at
/// one buffer), and callers that only need metadata pay nothing. `contiguousBytes()` does the
/// gathering when the elements are actually needed.
///
/// Invariant (checked by the initialisers): every element the view addresses lies inside
/// `storage`, so element access never goes out of bounds.
public struct TensorRecord: Hashable, Sendable {
    public let dtype: TensorDType
    public let shape: [Int]
    /// Strides in elements (not bytes), one per dimension.
    public let strides: [Int]
    /// Offset of the first element, in elements.
    public let storageOffset: Int
    /// The whole storage's raw little-endian bytes (may be larger than this view needs).
    public let storage: Data
    public var requiresGrad: Bool

    /// A view into `storage`. Throws `.invalidTensor` when the view does not fit.
    public init(dtype: TensorDType, shape: [Int], strides: [Int], storageOffset: Int = 0, storage: Data,
                requiresGrad: Bool = false) throws {
        guard shape.count == strides.count else {
            throw TorchFileError(.invalidTensor, "tensor has \(shape.count) sizes but \(strides.count) strides")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TorchFileError(.invalidTensor, "tensor has a negative size: \(shape)")
        }
        guard strides.allSatisfy({ $0 >= 0 }) else {
            throw TorchFileError(.invalidTensor, "tensor has a negative stride: \(strides)")
        }
        guard storageOffset >= 0 else {
            throw TorchFileError(.invalidTensor, "tensor has a negative storage offset \(storageOffset)")
        }
        guard let numel = TensorRecord.product(shape) else {
            throw TorchFileError(.invalidTensor, "tensor shape \(shape) has too many elements")
        }
        let storageElements = storage.count / dtype.elementSize
        if numel > 0 {
            // The last addressed element is offset + Σ (size−1)·stride; it must lie in the storage.
            var last = storageOffset
            for (size, stride) in zip(shape, strides) {
                let (step, o1) = (size - 1).multipliedReportingOverflow(by: stride)
                let (sum, o2) = last.addingReportingOverflow(step)
                guard !o1, !o2 else {
                    throw TorchFileError(.invalidTensor, "tensor view \(shape)/\(strides) overflows")
                }
                last = sum
            }
            guard last < storageElements else {
                throw TorchFileError(.invalidTensor,
                    "tensor view (shape \(shape), strides \(strides), offset \(storageOffset)) "
                    + "exceeds its storage of \(storageElements) elements")
            }
        }
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.storageOffset = storageOffset
        // Rebase slices so that indices start at 0 (Data slices keep their parent's indices).
        self.storage = storage.startIndex == 0 ? storage : Data(storage)
        self.requiresGrad = requiresGrad
    }

    /// A contiguous (row-major) tensor from its elements' little-endian bytes.
    public init(dtype: TensorDType, shape: [Int], contiguousBytes: Data, requiresGrad: Bool = false) throws {
        guard let numel = TensorRecord.product(shape), shape.allSatisfy({ $0 >= 0 }) else {
            throw TorchFileError(.invalidTensor, "invalid tensor shape \(shape)")
        }
        let (expected, overflow) = numel.multipliedReportingOverflow(by: dtype.elementSize)
        guard !overflow, contiguousBytes.count == expected else {
            throw TorchFileError(.invalidTensor,
                "\(contiguousBytes.count) bytes given for a \(dtype) tensor of shape \(shape) (\(numel) elements)")
        }
        try self.init(dtype: dtype, shape: shape, strides: TensorRecord.contiguousStrides(for: shape),
                      storageOffset: 0, storage: contiguousBytes, requiresGrad: requiresGrad)
    }

    /// A contiguous tensor from Swift scalars; the dtype follows the scalar type.
    public init<T: TorchScalar>(_ values: [T], shape: [Int], requiresGrad: Bool = false) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * T.torchDType.elementSize)
        for v in values { v._appendLittleEndian(to: &bytes) }
        try self.init(dtype: T.torchDType, shape: shape, contiguousBytes: Data(bytes), requiresGrad: requiresGrad)
    }

    /// Number of elements (product of the shape; 1 for a scalar).
    public var count: Int { shape.reduce(1, *) }

    /// Whether the view covers its elements in row-major order without gaps.
    public var isContiguous: Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() where size != 1 {
            if stride != expected { return false }
            expected *= size
        }
        return true
    }

    /// Row-major strides for `shape`.
    public static func contiguousStrides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for i in shape.indices.reversed() {
            strides[i] = running
            running = running &* max(shape[i], 1)
        }
        return strides
    }

    /// The tensor's elements in row-major order as little-endian bytes, honouring strides and
    /// offset (so non-contiguous views such as `x[:, 1:]` or expanded tensors come out right).
    public func contiguousBytes() -> Data {
        let es = dtype.elementSize
        let n = count
        if n == 0 { return Data() }
        if isContiguous {
            let start = storageOffset * es
            return storage.subdata(in: start ..< start + n * es)
        }
        var out = Data(count: n * es)
        let rank = shape.count
        // Walk an odometer over all but the last dimension; copy the last dimension in a loop.
        let inner = shape[rank - 1]
        let innerStride = strides[rank - 1] * es
        storage.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
            out.withUnsafeMutableBytes { (dst: UnsafeMutableRawBufferPointer) in
                guard let srcBase = src.baseAddress, let dstBase = dst.baseAddress else { return }
                var index = [Int](repeating: 0, count: rank)
                var written = 0
                while written < n * es {
                    var elem = storageOffset
                    for d in 0 ..< rank - 1 { elem += index[d] * strides[d] }
                    var byte = elem * es
                    for _ in 0 ..< inner {
                        (dstBase + written).copyMemory(from: srcBase + byte, byteCount: es)
                        written += es
                        byte += innerStride
                    }
                    // Advance the odometer over dimensions 0 ..< rank-1.
                    var d = rank - 2
                    while d >= 0 {
                        index[d] += 1
                        if index[d] < shape[d] { break }
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
        return out
    }

    /// The same tensor with a contiguous storage holding exactly its elements.
    public func contiguous() -> TensorRecord {
        if isContiguous && storageOffset == 0 && storage.count == count * dtype.elementSize { return self }
        // The bytes match the shape by construction, so the checks of the public init are not needed.
        return TensorRecord(unchecked: dtype, shape: shape, strides: TensorRecord.contiguousStrides(for: shape),
                            storage: contiguousBytes(), requiresGrad: requiresGrad)
    }

    private init(unchecked dtype: TensorDType, shape: [Int], strides: [Int], storage: Data, requiresGrad: Bool) {
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.storageOffset = 0
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// The elements as `T`, which must match the dtype exactly (e.g. `Float` for float32).
    public func values<T: TorchScalar>(as type: T.Type = T.self) throws -> [T] {
        guard T.torchDType == dtype else {
            throw TorchFileError(.invalidTensor, "tensor is \(dtype), not \(T.torchDType)")
        }
        let bytes = contiguousBytes()
        let es = dtype.elementSize
        let n = count
        #if _endian(little)
        // Fast path: on a little-endian host the bytes already are the values (not for Bool,
        // whose only valid bit patterns are 0 and 1).
        if dtype != .bool, MemoryLayout<T>.stride == es {
            return [T](unsafeUninitializedCapacity: n) { out, initialized in
                bytes.withUnsafeBytes { src in
                    if let base = src.baseAddress, let destination = out.baseAddress, n > 0 {
                        UnsafeMutableRawPointer(destination).copyMemory(from: base, byteCount: n * es)
                    }
                }
                initialized = n
            }
        }
        #endif
        return bytes.withUnsafeBytes { buf in
            (0 ..< n).map { T._load(from: buf, at: $0 * es) }
        }
    }

    /// The elements converted to Double, whatever the dtype (int64 beyond 2^53 loses precision).
    public func doubleValues() -> [Double] {
        let bytes = contiguousBytes()
        let es = dtype.elementSize
        return bytes.withUnsafeBytes { buf in
            (0 ..< count).map { i -> Double in
                let o = i * es
                switch dtype {
                case .float32: return Double(Float._load(from: buf, at: o))
                case .float64: return Double._load(from: buf, at: o)
                case .float16: return Double(TensorRecord.halfToFloat(UInt16._load(from: buf, at: o)))
                case .bfloat16:
                    return Double(Float(bitPattern: UInt32(UInt16._load(from: buf, at: o)) << 16))
                case .int64: return Double(Int64._load(from: buf, at: o))
                case .int32: return Double(Int32._load(from: buf, at: o))
                case .int16: return Double(Int16._load(from: buf, at: o))
                case .int8: return Double(Int8._load(from: buf, at: o))
                case .uint8: return Double(UInt8._load(from: buf, at: o))
                case .bool: return Bool._load(from: buf, at: o) ? 1 : 0
                }
            }
        }
    }

    /// The elements converted to Float, whatever the dtype (handy for loading weights).
    public func floatValues() -> [Float] {
        if dtype == .float32 { return (try? values(as: Float.self)) ?? [] }
        return doubleValues().map { Float($0) }
    }

    /// IEEE half → single, exact (Float16 is not available on every platform Swift targets).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa · 2^-24.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }

    static func product(_ shape: [Int]) -> Int? {
        var n = 1
        for s in shape {
            let (p, o) = n.multipliedReportingOverflow(by: s)
            if o { return nil }
            n = p
        }
        return n
    }

    /// Equal when dtype, shape, `requiresGrad` and the elements (as bytes) are equal; the memory
    /// layout (strides, offset, extra storage) does not matter.
    public static func == (a: TensorRecord, b: TensorRecord) -> Bool {
        a.dtype == b.dtype && a.shape == b.shape && a.requiresGrad == b.requiresGrad
            && a.contiguousBytes() == b.contiguousBytes()
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(dtype)
        hasher.combine(shape)
    }
}

extension UInt16 {
    fileprivate static func _load(from buffer: UnsafeRawBufferPointer, at offset: Int) -> UInt16 {
        UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
}
