import CTorch

/// Where a tensor lives. CUDA is available only when the linked libtorch was built with it
/// (build with LIBTORCH=/path/to/a/cuda/libtorch).
public enum Device: Equatable, Hashable, Sendable, CustomStringConvertible {
    case cpu
    case cuda(Int)

    var code: Int32 {
        switch self {
        case .cpu: return -1
        case .cuda(let index): return Int32(index)
        }
    }

    init(code: Int32) { self = code < 0 ? .cpu : .cuda(Int(code)) }

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .cuda(let i): return "cuda:\(i)"
        }
    }

    /// Parses "cpu", "cuda", "cuda:1".
    public init(parsing text: String) throws {
        let lower = text.lowercased()
        if lower == "cpu" { self = .cpu; return }
        if lower == "cuda" { self = .cuda(0); return }
        if lower.hasPrefix("cuda:"), let i = Int(lower.dropFirst(5)), i >= 0 { self = .cuda(i); return }
        throw TorchError("unknown device '\(text)' (expected cpu, cuda or cuda:N)")
    }

    /// CUDA device 0 when the linked libtorch can use one, else the CPU.
    public static var best: Device { Runtime.cudaDeviceCount > 0 ? .cuda(0) : .cpu }
}
