import CTorch

/// Holds every parameter and buffer of a model under its PyTorch `state_dict` name ("res.conv1.weight"),
/// like tch-rs' VarStore: layers are built from a `StorePath`, so names follow the module tree and a
/// checkpoint maps one-to-one onto the official PyTorch model's keys. Also owns the train/eval mode
/// and parameter groups (e.g. HyperIQA's backbone vs hyper-network learning rates).
public final class ParameterStore {
    public enum Kind: Sendable { case parameter, buffer }

    public final class Entry {
        public let name: String
        public let tensor: Tensor
        public let kind: Kind
        /// Optimiser parameter group this entry belongs to (parameters only).
        public let group: Int
        init(name: String, tensor: Tensor, kind: Kind, group: Int) {
            self.name = name
            self.tensor = tensor
            self.kind = kind
            self.group = group
        }
    }

    public private(set) var entries: [Entry] = []
    /// Every BatchNorm layer built on this store that is still alive, in construction order (what ANP
    /// masks). Held weakly: a layer holds its store, so a strong list would keep every model alive.
    public var batchNormLayers: [BatchNorm2d] { batchNormReferences.compactMap(\.layer) }
    struct WeakBatchNorm { weak var layer: BatchNorm2d? }
    var batchNormReferences: [WeakBatchNorm] = []
    private var indexByName: [String: Int] = [:]
    public let device: Device
    /// Train mode (BatchNorm uses batch statistics, dropout is active) vs eval mode.
    public var isTraining = true

    /// Store 4-D parameters (convolution weights) in NHWC order: oneDNN's convolutions run about a
    /// third faster on CPU when activations and weights are both channels-last.
    public let channelsLast: Bool

    public init(device: Device = .cpu, channelsLast: Bool = false) {
        self.device = device
        self.channelsLast = channelsLast
    }

    public var root: StorePath { StorePath(store: self, components: [], group: 0) }

    public func train() { isTraining = true }
    public func eval() { isTraining = false }

    func register(_ name: String, _ tensor: Tensor, kind: Kind, group: Int) throws -> Tensor {
        guard indexByName[name] == nil else { throw TorchError("duplicate parameter name '\(name)'") }
        var placed = tensor.device == device ? tensor : try tensor.to(device)
        if channelsLast, placed.rank == 4 { placed = try placed.channelsLast() }
        if kind == .parameter, placed.dtype.isFloatingPoint { try placed.requiringGrad(true) }
        indexByName[name] = entries.count
        entries.append(Entry(name: name, tensor: placed, kind: kind, group: group))
        return placed
    }

    public subscript(name: String) -> Tensor? { indexByName[name].map { entries[$0].tensor } }

    /// Trainable parameters (those requiring grad), optionally of one group, in registration order.
    public func parameters(group: Int? = nil) -> [Entry] {
        entries.filter { $0.kind == .parameter && (group == nil || $0.group == group) && $0.tensor.requiresGrad }
    }

    public var parameterCount: Int { entries.filter { $0.kind == .parameter }.reduce(0) { $0 + $1.tensor.count } }

    /// Stops (or restarts) gradient tracking for every parameter whose name starts with `prefix`.
    public func setTrainable(_ trainable: Bool, prefix: String = "") throws {
        for e in entries where e.kind == .parameter && e.name.hasPrefix(prefix) {
            try e.tensor.requiringGrad(trainable)
        }
    }

    public func zeroGrad() { for e in entries where e.kind == .parameter { e.tensor.zeroGrad() } }

    /// Name → tensor, in registration order (the order PyTorch's state_dict uses for the same tree).
    public func stateDict() -> [(name: String, tensor: Tensor)] { entries.map { ($0.name, $0.tensor) } }

    public struct LoadReport: Sendable, CustomStringConvertible {
        public var missing: [String] = []
        public var unexpected: [String] = []
        public var shapeMismatches: [String] = []
        public var loaded = 0
        public var isClean: Bool { missing.isEmpty && unexpected.isEmpty && shapeMismatches.isEmpty }
        public var description: String {
            var parts = ["loaded \(loaded)"]
            if !missing.isEmpty { parts.append("missing keys: \(missing.joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected keys: \(unexpected.joined(separator: ", "))") }
            if !shapeMismatches.isEmpty { parts.append("shape mismatches: \(shapeMismatches.joined(separator: "; "))") }
            return parts.joined(separator: "; ")
        }
    }

    /// Copies values in by name. `strict` throws (changing nothing) unless keys and shapes match exactly;
    /// otherwise loads what matches and reports the rest. `prefix` is stripped from incoming keys
    /// (e.g. "module." of DataParallel checkpoints).
    @discardableResult
    public func load(_ values: [String: Tensor], strict: Bool = true, stripPrefix prefix: String = "") throws -> LoadReport {
        var report = LoadReport()
        var incoming: [String: Tensor] = [:]
        for (k, v) in values { incoming[k.hasPrefix(prefix) ? String(k.dropFirst(prefix.count)) : k] = v }
        for e in entries {
            guard let v = incoming[e.name] else { report.missing.append(e.name); continue }
            if v.shape != e.tensor.shape {
                report.shapeMismatches.append("\(e.name): checkpoint \(v.shape) vs model \(e.tensor.shape)")
            }
        }
        let known = Set(entries.map(\.name))
        report.unexpected = incoming.keys.filter { !known.contains($0) }.sorted()
        if strict && !report.isClean { throw TorchError("state dict does not match the model: \(report)") }
        try withNoGrad {
            for e in entries {
                guard let v = incoming[e.name], v.shape == e.tensor.shape else { continue }
                try e.tensor.copy_(v)
                report.loaded += 1
            }
        }
        return report
    }
}

/// A position in the store's name tree; `path / "layer1"` descends. Carries the parameter group
/// that parameters created below it join.
public struct StorePath {
    public let store: ParameterStore
    public let components: [String]
    public let group: Int

    public static func / (path: StorePath, name: String) -> StorePath {
        StorePath(store: path.store, components: path.components + [name], group: path.group)
    }
    public static func / (path: StorePath, index: Int) -> StorePath { path / String(index) }

    /// The same path, but parameters created below it join optimiser group `g`.
    public func group(_ g: Int) -> StorePath { StorePath(store: store, components: components, group: g) }

    public func name(_ leaf: String) -> String { (components + [leaf]).joined(separator: ".") }
    public var isTraining: Bool { store.isTraining }

    /// A trainable parameter initialised by `initializer` (under no-grad, from libtorch's seeded RNG).
    public func parameter(_ leaf: String, shape: [Int], initializer: Initializer) throws -> Tensor {
        let t = try withNoGrad { try initializer.make(shape: shape, device: store.device) }
        return try store.register(name(leaf), t, kind: .parameter, group: group)
    }

    /// A non-trainable state tensor that is saved with the model (running means, counters).
    public func buffer(_ leaf: String, _ value: Tensor) throws -> Tensor {
        try store.register(name(leaf), value, kind: .buffer, group: group)
    }
}
