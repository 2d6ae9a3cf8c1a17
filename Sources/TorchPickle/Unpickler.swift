import Foundation

// A restricted unpickler: it understands the opcodes Python 3 emits for protocols 2–5 when
// pickling dicts, lists, tuples, scalars and tensors, and it "calls" only the handful of Python
// functions torch.save relies on, each reimplemented here as data construction. Anything else is
// refused with an error, so a malicious checkpoint can never make us run code.

/// What a storage persistent id asks for: `('storage', torch.FloatStorage, '<key>', 'cpu', numel)`.
struct StorageRequest {
    var key: String
    var dtype: TensorDType
    var numel: Int
}

/// Objects on the unpickler's stack. Mutable containers are reference types so that memoized
/// references (BINPUT/BINGET) see later APPENDs and SETITEMs, exactly as in Python.
private enum Obj {
    case value(PickleValue)  // immutable leaves: None, bool, int, float, str, bytes, tensor
    case list(ListBox)
    case tuple(TupleBox)
    case dict(DictBox)
    case global(module: String, name: String)
    case storage(StorageBox)
}

private final class ListBox { var items: [Obj] = [] }
private final class TupleBox {
    var items: [Obj]
    init(_ items: [Obj]) { self.items = items }
}
private final class DictBox {
    var keys: [PickleValue] = []
    var values: [Obj] = []
    var index: [PickleValue: Int] = [:]
    func set(_ key: PickleValue, _ value: Obj) {
        if let i = index[key] {
            values[i] = value
        } else {
            index[key] = keys.count
            keys.append(key)
            values.append(value)
        }
    }
}
private final class StorageBox {
    let dtype: TensorDType
    let bytes: Data
    init(dtype: TensorDType, bytes: Data) {
        self.dtype = dtype
        self.bytes = bytes
    }
}

/// The Python globals a torch.save pickle may name. Everything else is rejected.
private let allowedGlobals: Set<String> = {
    var names: Set<String> = [
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._tensor._rebuild_from_type_v2",
        "torch.Tensor",
        "torch.nn.parameter.Parameter",
        "collections.OrderedDict",
        "torch.Size",
        "_codecs.encode",
    ]
    for d in TensorDType.allCases { names.insert("torch.\(d.storageClassName)") }
    return names
}()

/// The restricted unpickler behind `TorchFile`; `load` exposes it for plain pickles.
public struct Unpickler {
    private let bytes: [UInt8]
    /// What messages call the pickle: "data.pkl" inside a torch.save archive, else a file name.
    private let source: String
    private var pos = 0
    private var stack: [Obj] = []
    /// Stack heights at each MARK (Python keeps a "metastack"; heights are equivalent).
    private var marks: [Int] = []
    private var memo: [Int: Obj] = [:]
    private var storages: [String: Data] = [:]
    /// Every container created, so that `tearDown` can dismantle them without recursion.
    private var boxes: [AnyObject] = []
    private let loadStorage: (StorageRequest) throws -> Data

    /// Conversion state for the final PickleValue: caches shared containers, detects cycles.
    private var converted: [ObjectIdentifier: (value: PickleValue, size: Int)] = [:]
    /// Logical objects in the result so far. Shared references are converted once, but a hostile
    /// pickle could still describe a value with 2^500 logical elements that no consumer could
    /// ever walk, so the logical size is capped.
    private var logicalSize = 0
    private static let maxLogicalSize = 50_000_000
    private var converting: Set<ObjectIdentifier> = []
    private static let maxDepth = 500

    private init(_ bytes: [UInt8], source: String, loadStorage: @escaping (StorageRequest) throws -> Data) {
        self.bytes = bytes
        self.source = source
        self.loadStorage = loadStorage
    }

    /// Unpickles `bytes`; `loadStorage` supplies the raw bytes of each storage the pickle names.
    static func unpickle(_ bytes: [UInt8], source: String = "data.pkl",
                         loadStorage: @escaping (StorageRequest) throws -> Data) throws -> PickleValue {
        var unpickler = Unpickler(bytes, source: source, loadStorage: loadStorage)
        defer { unpickler.tearDown() }
        return try unpickler.run()
    }

    /// Reads a plain pickle (what Python's `pickle.dump` writes, protocols 2–5), such as the list
    /// of dataset indices a training script saved. Same restrictions as for torch.save files: no
    /// Python globals beyond the allow-list, and no persistent ids (a plain pickle has no storages).
    /// `source` names the pickle in error messages (typically the file name).
    public static func load(_ bytes: [UInt8], source: String = "pickle") throws -> PickleValue {
        try unpickle(bytes, source: source) { _ in
            throw TorchFileError(.unsupported, "\(source) refers to a tensor storage (a torch.save pickle, not a plain one)")
        }
    }

    /// A hostile pickle can chain containers millions deep (cheaply, through the memo); letting
    /// Swift release such a chain would recurse once per level and overflow the stack. Emptying
    /// every container while the registry still holds them all makes the release flat.
    private mutating func tearDown() {
        for box in boxes {
            if let l = box as? ListBox { l.items = [] }
            if let t = box as? TupleBox { t.items = [] }
            if let d = box as? DictBox { d.values = [] }
        }
        stack = []
        memo = [:]
        boxes = []
    }

    private mutating func newList(_ items: [Obj] = []) -> Obj {
        let box = ListBox()
        box.items = items
        boxes.append(box)
        return .list(box)
    }

    private mutating func newTuple(_ items: [Obj]) -> Obj {
        let box = TupleBox(items)
        boxes.append(box)
        return .tuple(box)
    }

    private mutating func newDict() -> DictBox {
        let box = DictBox()
        boxes.append(box)
        return box
    }

    // MARK: Errors

    private func malformed(_ what: String) -> TorchFileError {
        TorchFileError(.malformedPickle, "malformed pickle in \(source): \(what) (byte \(pos))")
    }

    private func truncated() -> TorchFileError {
        TorchFileError(.truncated, "truncated (\(source) ends inside an opcode at byte \(pos))")
    }

    // MARK: Reading the byte stream

    private mutating func read(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - pos else { throw truncated() }
        defer { pos += n }
        return bytes[pos ..< pos + n]
    }

    private mutating func readByte() throws -> UInt8 {
        guard pos < bytes.count else { throw truncated() }
        defer { pos += 1 }
        return bytes[pos]
    }

    private mutating func readUInt(_ n: Int) throws -> UInt64 {
        let slice = try read(n)
        var v: UInt64 = 0
        for (i, b) in slice.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }

    /// A length prefix, checked against what is left so that huge claims fail fast.
    private mutating func readLength(_ n: Int) throws -> Int {
        let v = try readUInt(n)
        guard v <= UInt64(bytes.count - pos) else { throw truncated() }
        return Int(v)
    }

    private mutating func readLine() throws -> String {
        guard let nl = bytes[pos...].firstIndex(of: 0x0A) else { throw truncated() }
        let line = bytes[pos ..< nl]
        pos = nl + 1
        guard let s = String(bytes: line, encoding: .utf8) else { throw malformed("non-UTF-8 global name") }
        return s
    }

    private mutating func readString(_ n: Int) throws -> String {
        let slice = try read(n)
        guard let s = String(bytes: slice, encoding: .utf8) else { throw malformed("invalid UTF-8 in a string") }
        return s
    }

    /// Little-endian two's-complement integer of `n` bytes (LONG1/LONG4).
    private mutating func readLong(_ n: Int) throws -> Int64 {
        let slice = try read(n)
        guard let last = slice.last else { return 0 }
        let negative = last & 0x80 != 0
        // Bytes beyond the 8th must be pure sign extension.
        let extra = slice.dropFirst(Swift.min(8, slice.count))
        if !extra.allSatisfy({ $0 == (negative ? 0xFF : 0x00) }) {
            throw TorchFileError(.unsupported, "integer in \(source) does not fit in 64 bits")
        }
        var v: UInt64 = negative ? ~0 : 0
        for (i, b) in slice.prefix(8).enumerated() {
            v &= ~(UInt64(0xFF) << (8 * UInt64(i)))
            v |= UInt64(b) << (8 * UInt64(i))
        }
        let result = Int64(bitPattern: v)
        if slice.count >= 8, (result < 0) != negative {
            throw TorchFileError(.unsupported, "integer in \(source) does not fit in 64 bits")
        }
        return result
    }

    // MARK: Stack

    private mutating func push(_ o: Obj) { stack.append(o) }

    private mutating func pop() throws -> Obj {
        guard stack.count > (marks.last ?? 0), let top = stack.popLast() else { throw malformed("stack underflow") }
        return top
    }

    private func top() throws -> Obj {
        guard stack.count > (marks.last ?? 0), let top = stack.last else { throw malformed("stack underflow") }
        return top
    }

    private mutating func popMark() throws -> [Obj] {
        guard let m = marks.popLast() else { throw malformed("no MARK on the stack") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    // MARK: Main loop

    private mutating func run() throws -> PickleValue {
        while true {
            let opPos = pos
            let op = try readByte()
            switch op {
            case 0x80:  // PROTO
                let proto = try readByte()
                guard proto <= 5 else { throw TorchFileError(.unsupported, "unsupported pickle protocol \(proto)") }
            case 0x95:  // FRAME: frames are transparent; skip the length.
                _ = try read(8)
            case 0x2E:  // STOP
                let result = try pop()
                return try convert(result, depth: 0)
            case 0x28:  // MARK
                marks.append(stack.count)
            case 0x30:  // POP (pops a MARK when the current frame is empty, as Python does)
                if stack.count == (marks.last ?? -1) {
                    marks.removeLast()
                } else {
                    _ = try pop()
                }
            case 0x31:  // POP_MARK
                _ = try popMark()
            case 0x32:  // DUP
                push(try top())
            case 0x4E:  // NONE
                push(.value(.none))
            case 0x88:  // NEWTRUE
                push(.value(.bool(true)))
            case 0x89:  // NEWFALSE
                push(.value(.bool(false)))
            case 0x4A:  // BININT (signed 32-bit)
                push(.value(.int(Int64(Int32(truncatingIfNeeded: try readUInt(4))))))
            case 0x4B:  // BININT1
                push(.value(.int(Int64(try readByte()))))
            case 0x4D:  // BININT2
                push(.value(.int(Int64(try readUInt(2)))))
            case 0x8A:  // LONG1
                push(.value(.int(try readLong(Int(try readByte())))))
            case 0x8B:  // LONG4
                let n = Int32(truncatingIfNeeded: try readUInt(4))
                guard n >= 0 else { throw malformed("negative LONG4 length") }
                push(.value(.int(try readLong(Int(n)))))
            case 0x47:  // BINFLOAT (big-endian)
                let slice = try read(8)
                var v: UInt64 = 0
                for b in slice { v = v << 8 | UInt64(b) }
                push(.value(.double(Double(bitPattern: v))))
            case 0x58:  // BINUNICODE
                push(.value(.string(try readString(try readLength(4)))))
            case 0x8C:  // SHORT_BINUNICODE
                push(.value(.string(try readString(try readLength(1)))))
            case 0x8D:  // BINUNICODE8
                push(.value(.string(try readString(try readLength(8)))))
            case 0x42:  // BINBYTES
                push(.value(.bytes(Data(try read(try readLength(4))))))
            case 0x43:  // SHORT_BINBYTES
                push(.value(.bytes(Data(try read(try readLength(1))))))
            case 0x8E:  // BINBYTES8
                push(.value(.bytes(Data(try read(try readLength(8))))))
            case 0x29:  // EMPTY_TUPLE
                push(newTuple([]))
            case 0x74:  // TUPLE
                push(newTuple(try popMark()))
            case 0x85, 0x86, 0x87:  // TUPLE1, TUPLE2, TUPLE3
                let n = Int(op) - 0x84
                var items: [Obj] = []
                for _ in 0 ..< n { items.insert(try pop(), at: 0) }
                push(newTuple(items))
            case 0x5D:  // EMPTY_LIST
                push(newList())
            case 0x6C:  // LIST
                push(newList(try popMark()))
            case 0x61:  // APPEND
                let item = try pop()
                try listTarget().items.append(item)
            case 0x65:  // APPENDS
                let items = try popMark()
                try listTarget().items.append(contentsOf: items)
            case 0x7D:  // EMPTY_DICT
                push(.dict(newDict()))
            case 0x64:  // DICT
                let items = try popMark()
                let box = newDict()
                try setItems(items, into: box)
                push(.dict(box))
            case 0x73:  // SETITEM
                let value = try pop()
                let key = try pop()
                try setItems([key, value], into: try dictTarget())
            case 0x75:  // SETITEMS
                let items = try popMark()
                try setItems(items, into: try dictTarget())
            case 0x63:  // GLOBAL
                let module = try readLine()
                let name = try readLine()
                push(try global(module, name))
            case 0x93:  // STACK_GLOBAL
                let name = try pop()
                let module = try pop()
                guard case .value(.string(let n)) = name, case .value(.string(let m)) = module else {
                    throw malformed("STACK_GLOBAL needs two strings")
                }
                push(try global(m, n))
            case 0x94:  // MEMOIZE
                memo[memo.count] = try top()
            case 0x71:  // BINPUT
                memo[Int(try readByte())] = try top()
            case 0x72:  // LONG_BINPUT
                memo[Int(try readUInt(4))] = try top()
            case 0x68, 0x6A:  // BINGET, LONG_BINGET
                let index = Int(try readUInt(op == 0x68 ? 1 : 4))
                guard let o = memo[index] else { throw malformed("memo entry \(index) is not defined") }
                push(o)
            case 0x52:  // REDUCE
                let args = try pop()
                let callable = try pop()
                push(try call(callable, args))
            case 0x81:  // NEWOBJ: cls.__new__(cls, *args); only OrderedDict is expected here.
                let args = try pop()
                let cls = try pop()
                guard case .global("collections", "OrderedDict") = cls else {
                    throw malformed("NEWOBJ on something other than collections.OrderedDict")
                }
                push(try call(cls, args))
            case 0x62:  // BUILD: set an object's state. Only dicts (OrderedDict's _metadata) and
                // tensors get a state from torch.save; neither matters to us, so it is dropped.
                _ = try pop()
                switch try top() {
                case .dict, .value(.tensor): break
                default: throw malformed("BUILD on an object that takes no state")
                }
            case 0x51:  // BINPERSID
                push(try persistentLoad(try pop()))
            default:
                pos = opPos
                throw TorchFileError(.unsupported,
                    "unsupported pickle opcode 0x\(String(op, radix: 16, uppercase: true)) at byte \(opPos) of \(source)")
            }
        }
    }

    // MARK: Containers

    private func listTarget() throws -> ListBox {
        guard case .list(let box) = try top() else { throw malformed("APPEND(S) target is not a list") }
        return box
    }

    private func dictTarget() throws -> DictBox {
        guard case .dict(let box) = try top() else { throw malformed("SETITEM(S) target is not a dict") }
        return box
    }

    private mutating func setItems(_ items: [Obj], into box: DictBox) throws {
        guard items.count % 2 == 0 else { throw malformed("odd number of items for a dict") }
        for i in stride(from: 0, to: items.count, by: 2) {
            var budget = 100_000
            box.set(try hashableKey(items[i], depth: 0, budget: &budget), items[i + 1])
        }
    }

    /// Dict keys must be immutable in Python too; lists and dicts are unhashable.
    private func hashableKey(_ o: Obj, depth: Int, budget: inout Int) throws -> PickleValue {
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

    private func global(_ module: String, _ name: String) throws -> Obj {
        // Protocol 2 pickles from Python 3 may spell builtins as __builtin__; none are allowed anyway.
        guard allowedGlobals.contains("\(module).\(name)") else {
            throw TorchFileError(.forbiddenGlobal,
                "\(source) refers to the Python global '\(module).\(name)', which is not allowed "
                + "(only what torch.save writes for tensors and dicts is accepted)")
        }
        return .global(module: module, name: name)
    }

    private func tupleArgs(_ args: Obj, for function: String) throws -> [Obj] {
        guard case .tuple(let box) = args else { throw malformed("arguments of \(function) are not a tuple") }
        return box.items
    }

    private func intArg(_ o: Obj, _ what: String) throws -> Int {
        switch o {
        case .value(.int(let v)):
            guard let i = Int(exactly: v) else { throw malformed("\(what) out of range") }
            return i
        case .value(.bool(let b)): return b ? 1 : 0
        default: throw malformed("\(what) is not an int")
        }
    }

    private func intTupleArg(_ o: Obj, _ what: String) throws -> [Int] {
        switch o {
        case .tuple(let box): return try box.items.map { try intArg($0, what) }
        case .list(let box): return try box.items.map { try intArg($0, what) }
        default: throw malformed("\(what) is not a tuple of ints")
        }
    }

    private func boolArg(_ o: Obj, _ what: String) throws -> Bool {
        switch o {
        case .value(.bool(let b)): return b
        case .value(.int(let v)): return v != 0
        default: throw malformed("\(what) is not a bool")
        }
    }

    private mutating func call(_ callable: Obj, _ argsObj: Obj) throws -> Obj {
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

    /// torch.save's persistent ids: ('storage', storage class, key, location, numel).
    private mutating func persistentLoad(_ pid: Obj) throws -> Obj {
        guard case .tuple(let box) = pid, box.items.count == 5, case .value(.string("storage")) = box.items[0] else {
            throw malformed("unrecognised persistent id (expected ('storage', type, key, location, numel))")
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

    private mutating func convert(_ o: Obj, depth: Int) throws -> PickleValue {
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
    private mutating func convertShared(_ box: AnyObject, depth: Int,
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

    private mutating func count(_ n: Int) throws {
        logicalSize += n
        guard logicalSize <= Unpickler.maxLogicalSize else {
            throw TorchFileError(.unsupported, "\(source) expands to more than \(Unpickler.maxLogicalSize) objects")
        }
    }
}
