import Foundation

// Containers, the few Python functions torch.save relies on, and the final conversion to PickleValue.
extension Unpickler {
    // MARK: Containers

    func listTarget() throws -> ListBox {
        guard case .list(let box) = try top() else { throw malformed("APPEND(S) target is not a list") }
        return box
    }

    func dictTarget() throws -> DictBox {
        guard case .dict(let box) = try top() else { throw malformed("SETITEM(S) target is not a dict") }
        return box
    }

    mutating func setItems(_ items: [Obj], into box: DictBox) throws {
        guard items.count % 2 == 0 else { throw malformed("odd number of items for a dict") }
        for i in stride(from: 0, to: items.count, by: 2) {
            var budget = 100_000
            box.set(try hashableKey(items[i], depth: 0, budget: &budget), items[i + 1])
        }
    }

    /// Dict keys must be immutable in Python too; lists and dicts are unhashable.
    func hashableKey(_ o: Obj, depth: Int, budget: inout Int) throws -> PickleValue {
        guard depth < Unpickler.maxDepth else { throw TorchFileError(.unsupported, "\(source) nests objects too deeply") }
        budget -= 1
        guard budget >= 0 else { throw TorchFileError(.unsupported, "\(source) has a dict key that is too large") }
        switch o {
        case .value(.tensor): throw TorchFileError(.unsupported, "tensors as dict keys are not supported")
        case .value(let v): return v
        case .tuple(let box):
            return .tuple(try box.items.map { try hashableKey($0, depth: depth + 1, budget: &budget) })
        default: throw malformed("unhashable dict key")
        }
    }

    // MARK: Globals and calls

    func global(_ module: String, _ name: String) throws -> Obj {
        // Protocol 2 pickles from Python 3 may spell builtins as __builtin__; none are allowed anyway.
        guard allowedGlobals.contains("\(module).\(name)") else {
            throw TorchFileError(.forbiddenGlobal,
                "\(source) refers to the Python global '\(module).\(name)', which is not allowed "
                + "(only what torch.save writes for tensors and dicts is accepted)")
        }
        return .global(module: module, name: name)
    }

    func tupleArgs(_ args: Obj, for function: String) throws -> [Obj] {
        guard case .tuple(let box) = args else { throw malformed("arguments of \(function) are not a tuple") }
        return box.items
    }

    func intArg(_ o: Obj, _ what: String) throws -> Int {
        switch o {
        case .value(.int(let v)):
            guard let i = Int(exactly: v) else { throw malformed("\(what) out of range") }
            return i
        case .value(.bool(let b)): return b ? 1 : 0
        default: throw malformed("\(what) is not an int")
        }
    }

    func intTupleArg(_ o: Obj, _ what: String) throws -> [Int] {
        switch o {
        case .tuple(let box): return try box.items.map { try intArg($0, what) }
        case .list(let box): return try box.items.map { try intArg($0, what) }
        default: throw malformed("\(what) is not a tuple of ints")
        }
    }

    func boolArg(_ o: Obj, _ what: String) throws -> Bool {
        switch o {
        case .value(.bool(let b)): return b
        case .value(.int(let v)): return v != 0
        default: throw malformed("\(what) is not a bool")
        }
    }

    mutating func call(_ callable: Obj, _ argsObj: Obj) throws -> Obj {
        guard case .global(let module, let name) = callable else { throw malformed("REDUCE on a non-callable") }
        let function = "\(module).\(name)"
        let args = try tupleArgs(argsObj, for: function)
        switch function {
        case "torch._utils._rebuild_tensor_v2":
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard args.count == 6 || args.count == 7 else { throw malformed("\(function) takes 6 or 7 arguments") }
            guard case .storage(let storage) = args[0] else { throw malformed("\(function): first argument is not a storage") }
            let offset = try intArg(args[1], "storage offset")
            let size = try intTupleArg(args[2], "tensor size")
            let stride = try intTupleArg(args[3], "tensor stride")
            let requiresGrad = try boolArg(args[4], "requires_grad")
            let record = try TensorRecord(dtype: storage.dtype, shape: size, strides: stride, storageOffset: offset,
                                          storage: storage.bytes, requiresGrad: requiresGrad)
            return .value(.tensor(record))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            // (data, requires_grad, backward_hooks[, state])
            guard args.count >= 3, case .value(.tensor(var record)) = args[0] else {
                throw malformed("\(function) needs a tensor argument")
            }
            record.requiresGrad = try boolArg(args[1], "requires_grad")
            return .value(.tensor(record))
        case "torch._tensor._rebuild_from_type_v2":
            // (func, type, args, state): tensor subclasses; we only accept Tensor and Parameter.
            guard args.count == 4 else { throw malformed("\(function) takes 4 arguments") }
            switch args[1] {
            case .global("torch", "Tensor"), .global("torch.nn.parameter", "Parameter"): break
            default: throw TorchFileError(.unsupported, "tensor subclasses are not supported")
            }
            return try call(args[0], args[2])
        case "collections.OrderedDict":
            let box = newDict()
            if let first = args.first {
                // OrderedDict(pairs)
                let pairs: [Obj]
                switch first {
                case .list(let l): pairs = l.items
                case .tuple(let t): pairs = t.items
                default: throw malformed("OrderedDict argument is not a sequence of pairs")
                }
                for pair in pairs {
                    guard case .tuple(let t) = pair, t.items.count == 2 else { throw malformed("OrderedDict item is not a pair") }
                    try setItems(t.items, into: box)
                }
            }
            return .dict(box)
        case "torch.Size":
            guard args.count <= 1 else { throw malformed("torch.Size takes one argument") }
            guard let first = args.first else { return newTuple([]) }
            return newTuple(try intTupleArg(first, "torch.Size").map { .value(.int(Int64($0))) })
        case "_codecs.encode":
            // How protocol 2 spells a bytes object: _codecs.encode('latin-1 text', 'latin1').
            guard args.count == 2, case .value(.string(let text)) = args[0],
                  case .value(.string(let encoding)) = args[1],
                  ["latin1", "latin-1", "iso-8859-1"].contains(encoding.lowercased())
            else { throw malformed("unsupported _codecs.encode call") }
            var out: [UInt8] = []
            for scalar in text.unicodeScalars {
                guard scalar.value <= 0xFF else { throw malformed("_codecs.encode: text is not latin-1") }
                out.append(UInt8(scalar.value))
            }
            return .value(.bytes(Data(out)))
        default:
            throw TorchFileError(.forbiddenGlobal, "\(source) calls '\(function)', which is not supported")
        }
    }

    /// torch.save's persistent ids: ('storage', storage class, key, location, numel), and in the legacy
    /// format a sixth item, the view of a larger storage (None unless the storage is a view).
    mutating func persistentLoad(_ pid: Obj) throws -> Obj {
        guard case .tuple(let box) = pid, box.items.count == 5 || box.items.count == 6, case .value(.string("storage")) = box.items[0] else {
            throw malformed("unrecognised persistent id (expected ('storage', type, key, location, numel))")
        }
        if box.items.count == 6, !{ if case .value(.none) = box.items[5] { return true } else { return false } }() {
            throw TorchFileError(.unsupported, "\(source) stores a storage view (legacy format); re-save it with a newer PyTorch")
        }
        guard case .global("torch", let className) = box.items[1], let dtype = TensorDType(storageClassName: className) else {
            throw TorchFileError(.unsupported, "unsupported storage type in \(source)")
        }
        guard case .value(.string(let key)) = box.items[2] else { throw malformed("storage key is not a string") }
        let numel = try intArg(box.items[4], "storage size")
        guard numel >= 0 else { throw malformed("negative storage size") }
        let bytes: Data
        if let cached = storages[key] {
            bytes = cached
        } else {
            bytes = try loadStorage(StorageRequest(key: key, dtype: dtype, numel: numel))
            storages[key] = bytes
        }
        let (needed, overflow) = numel.multipliedReportingOverflow(by: dtype.elementSize)
        guard !overflow, bytes.count >= needed else {
            throw TorchFileError(.truncated,
                "storage 'data/\(key)' holds \(bytes.count) bytes but \(numel) \(dtype) elements need \(overflow ? -1 : needed)")
        }
        // Keep exactly the storage's bytes; share the buffer when nothing needs trimming.
        return .storage(StorageBox(dtype: dtype, bytes: bytes.count == needed ? bytes : bytes.subdata(in: 0 ..< needed)))
    }

    // MARK: Final conversion

    mutating func convert(_ o: Obj, depth: Int) throws -> PickleValue {
        guard depth < Unpickler.maxDepth else { throw TorchFileError(.unsupported, "\(source) nests objects too deeply") }
        switch o {
        case .value(let v):
            try count(1)
            return v
        case .global(let module, let name):
            throw malformed("result contains the bare Python object '\(module).\(name)'")
        case .storage:
            throw TorchFileError(.unsupported, "bare storages (not wrapped in a tensor) are not supported")
        case .list(let box):
            return try convertShared(box, depth: depth) { me in .list(try box.items.map { try me.convert($0, depth: depth + 1) }) }
        case .tuple(let box):
            return try convertShared(box, depth: depth) { me in .tuple(try box.items.map { try me.convert($0, depth: depth + 1) }) }
        case .dict(let box):
            return try convertShared(box, depth: depth) { me in
                var dict = PickleDict()
                for (k, v) in zip(box.keys, box.values) { dict[k] = try me.convert(v, depth: depth + 1) }
                return .dict(dict)
            }
        }
    }

    /// Converts a container once, however often it is referenced; refuses self-containing ones.
    mutating func convertShared(_ box: AnyObject, depth: Int,
                                        _ body: (inout Unpickler) throws -> PickleValue) throws -> PickleValue {
        let id = ObjectIdentifier(box)
        if let done = converted[id] {
            try count(done.size)
            return done.value
        }
        guard converting.insert(id).inserted else {
            throw TorchFileError(.unsupported, "\(source) contains a self-referencing container")
        }
        let sizeBefore = logicalSize
        try count(1)
        let value = try body(&self)
        converting.remove(id)
        converted[id] = (value, logicalSize - sizeBefore)
        return value
    }

    mutating func count(_ n: Int) throws {
        logicalSize += n
        guard logicalSize <= Unpickler.maxLogicalSize else {
            throw TorchFileError(.unsupported, "\(source) expands to more than \(Unpickler.maxLogicalSize) objects")
        }
    }
}
