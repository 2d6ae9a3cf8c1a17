import Torch

extension ParameterStore {
    /// Copies a pretrained part into the model: every entry named `into + rest` takes the value of
    /// `from + rest` in `state` (after removing `stripPrefix`, e.g. DataParallel's "module."). All
    /// entries below `into` must be found with their shapes, or nothing is copied; other keys of
    /// `state` are ignored (a torchvision checkpoint's classifier, say). Returns the number copied.
    @discardableResult
    func loadSubtree(_ state: [String: Tensor], from source: String, into target: String, stripPrefix: String = "",
                     excluding: [String] = []) throws -> Int {
        var incoming: [String: Tensor] = [:]
        for (k, v) in state {
            let key = k.hasPrefix(stripPrefix) ? String(k.dropFirst(stripPrefix.count)) : k
            if key.hasPrefix(source) { incoming[target + key.dropFirst(source.count)] = v }
        }
        let targets = stateDict().filter { entry in entry.name.hasPrefix(target) && !excluding.contains { entry.name.hasPrefix($0) } }
        var problems: [String] = []
        for (name, tensor) in targets {
            guard let v = incoming[name] else { problems.append("missing \(source)\(name.dropFirst(target.count))"); continue }
            if v.shape != tensor.shape { problems.append("\(name): checkpoint \(v.shape) vs model \(tensor.shape)") }
        }
        guard !targets.isEmpty else { throw TorchError("no model entries below '\(target)'") }
        guard problems.isEmpty else {
            let known = Set(targets.map(\.name))
            let unexpected = incoming.keys.filter { !known.contains($0) }.sorted()
            let extra = unexpected.isEmpty ? "" : "; unexpected: " + unexpected.prefix(8).joined(separator: ", ")
                + (unexpected.count > 8 ? " (+\(unexpected.count - 8) more)" : "")
            throw TorchError("pretrained '\(source)' does not fit '\(target)': \(problems.prefix(12).joined(separator: "; "))"
                             + (problems.count > 12 ? " (+\(problems.count - 12) more)" : "") + extra)
        }
        try withNoGrad {
            for (name, tensor) in targets { try tensor.copy_(incoming[name]!) }
        }
        return targets.count
    }
}
