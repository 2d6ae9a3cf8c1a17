import CTorch
import Foundation
import TorchPickle

/// Tensors in PyTorch's `torch.save` format (via the pure-Swift TorchPickle reader/writer): what we
/// save, Python's `torch.load` opens as a plain dict; what Python saved (state dicts, the official
/// trigger), we open.
extension Tensor {
    /// The tensor as a contiguous CPU record for the file writer.
    public func record() throws -> TensorRecord {
        guard let dt = TensorDType(rawValue: dtype.description) else { throw TorchError("cannot save dtype \(dtype)") }
        let bytes = try self.bytes()
        return try TensorRecord(dtype: dt, shape: shape, contiguousBytes: Data(bytes))
    }

    /// A CPU tensor holding a loaded record's values (non-contiguous records are made contiguous).
    public convenience init(record: TensorRecord) throws {
        guard let dt = DType(name: record.dtype.rawValue) else { throw TorchError("unsupported dtype \(record.dtype)") }
        let bytes = record.contiguousBytes()
        let loaded = try bytes.withUnsafeBytes { try Tensor.fromBytes($0, shape: record.shape, dtype: dt) }
        // A second handle to the same libtorch tensor; `loaded`'s own handle is freed with it.
        guard let alias = ctorch_shallow_clone(loaded.handle) else { throw TorchError("could not alias tensor") }
        self.init(owning: alias)
        if record.requiresGrad, dt.isFloatingPoint { try requiringGrad(true) }
    }
}

extension DType {
    init?(name: String) {
        guard let d = DType.allCases.first(where: { $0.description == name }) else { return nil }
        self = d
    }
}

public enum TensorFile {
    /// Saves named tensors (a state dict) plus optional metadata entries as one dict.
    public static func save(_ tensors: [(name: String, tensor: Tensor)], metadata: [(String, PickleValue)] = [], to url: URL) throws {
        var dict = PickleDict()
        for (name, t) in tensors { dict[.string(name)] = .tensor(try t.record()) }
        for (k, v) in metadata { dict[.string(k)] = v }
        try TorchFile.save(.dict(dict), to: url)
    }

    /// Saves a single tensor, as `torch.save(tensor, path)` does (the official trigger's layout).
    public static func save(_ tensor: Tensor, to url: URL) throws {
        try TorchFile.save(.tensor(tensor.record()), to: url)
    }

    /// Every tensor entry of a dict file (nested dicts are flattened with "." as PyTorch names do).
    /// Non-tensor entries are ignored here; read them with `TorchFile.load`.
    public static func loadTensors(from url: URL) throws -> [String: Tensor] {
        let value = try TorchFile.load(contentsOf: url)
        guard case .dict(let dict) = value else {
            throw TorchError("\(url.lastPathComponent): expected a dict of tensors, found \(value.kindName)")
        }
        var out: [String: Tensor] = [:]
        func walk(_ d: PickleDict, prefix: String) throws {
            for (k, v) in d {
                let key = prefix + (k.stringValue ?? "\(k)")
                switch v {
                case .tensor(let r): out[key] = try Tensor(record: r)
                case .dict(let inner): try walk(inner, prefix: key + ".")
                default: continue
                }
            }
        }
        try walk(dict, prefix: "")
        return out
    }

    /// A file holding one tensor (or a dict with exactly one tensor entry).
    public static func loadTensor(from url: URL) throws -> Tensor {
        let value = try TorchFile.load(contentsOf: url)
        switch value {
        case .tensor(let r): return try Tensor(record: r)
        case .dict(let d):
            let tensors = d.compactMap { $0.value.tensorValue }
            guard tensors.count == 1 else {
                throw TorchError("\(url.lastPathComponent): expected one tensor, found a dict with \(tensors.count)")
            }
            return try Tensor(record: tensors[0])
        default:
            throw TorchError("\(url.lastPathComponent): expected a tensor, found \(value.kindName)")
        }
    }
}
