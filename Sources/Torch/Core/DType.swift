/// Element types, numbered as libtorch's c10::ScalarType so the shim can pass them through.
public enum DType: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case uint8 = 0, int8 = 1, int16 = 2, int32 = 3, int64 = 4, float16 = 5, float32 = 6, float64 = 7
    case bool = 11, bfloat16 = 15

    public var elementSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .int16, .float16, .bfloat16: return 2
        case .int32, .float32: return 4
        case .int64, .float64: return 8
        }
    }

    public var isFloatingPoint: Bool { self == .float16 || self == .float32 || self == .float64 || self == .bfloat16 }

    public var description: String {
        switch self {
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .float16: return "float16"
        case .float32: return "float32"
        case .float64: return "float64"
        case .bool: return "bool"
        case .bfloat16: return "bfloat16"
        }
    }
}

/// Swift scalar types that map onto a tensor element type.
public protocol TensorScalar: Numeric { static var dtype: DType { get } }
extension Float: TensorScalar { public static var dtype: DType { .float32 } }
extension Double: TensorScalar { public static var dtype: DType { .float64 } }
extension Int64: TensorScalar { public static var dtype: DType { .int64 } }
extension Int32: TensorScalar { public static var dtype: DType { .int32 } }
extension UInt8: TensorScalar { public static var dtype: DType { .uint8 } }
