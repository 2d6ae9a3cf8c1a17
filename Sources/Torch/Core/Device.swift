import CTorch
import Foundation

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

/// What a user asked for with `--device` (or a config's `device:`): `auto` is the first CUDA device when
/// this libtorch sees one, else the CPU; `cuda`/`cuda:N` must exist, or resolving says why not.
public enum DeviceRequest: Equatable, Hashable, Sendable, CustomStringConvertible, Codable {
    case auto
    case device(Device)

    public init(parsing text: String) throws {
        if text.lowercased() == "auto" { self = .auto; return }
        do { self = .device(try Device(parsing: text)) } catch { throw TorchError("unknown device '\(text)' (expected auto, cpu, cuda or cuda:N)") }
    }

    public var description: String {
        switch self {
        case .auto: return "auto"
        case .device(let d): return d.description
        }
    }

    public init(from decoder: Decoder) throws { self = try DeviceRequest(parsing: try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// The device to compute on, given what this libtorch can use (`cudaBuilt`, `cudaDevices`).
    public func resolve(cudaBuilt: Bool = Runtime.hasCUDABuild, cudaDevices: Int = Runtime.cudaDeviceCount) throws -> Device {
        switch self {
        case .auto: return cudaDevices > 0 ? .cuda(0) : .cpu
        case .device(.cpu): return .cpu
        case .device(.cuda(let index)):
            guard cudaBuilt else {
                throw TorchError("CUDA requested (\(self)), but this libtorch (\(Runtime.libtorchVersion)) has no CUDA; build against a CUDA libtorch (scripts/setup.sh --libtorch pypi-cuda) or use --device cpu")
            }
            guard cudaDevices > 0 else {
                throw TorchError("CUDA requested (\(self)), but this libtorch sees 0 CUDA devices (no GPU or driver visible; CUDA_VISIBLE_DEVICES=\(ProcessInfo.processInfo.environment["CUDA_VISIBLE_DEVICES"] ?? "unset"))")
            }
            guard index < cudaDevices else {
                throw TorchError("\(self) requested, but only \(cudaDevices) CUDA device\(cudaDevices == 1 ? " is" : "s are") visible (cuda:0…cuda:\(cudaDevices - 1))")
            }
            return .cuda(index)
        }
    }
}
