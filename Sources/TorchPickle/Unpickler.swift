import Foundation

// A restricted unpickler: it understands the opcodes Python 3 emits for protocols 2–5 when
// pickling dicts, lists, tuples, scalars and tensors, and it "calls" only the handful of Python
// functions torch.save relies on, each reimplemented here as data construction. Anything else is
// refused with an error, so a malicious checkpoint can never make us run code.

/// What a storage persistent id asks for: `('storage', torch.FloatStorage, '<key>', 'cpu', numel)`.
/// The restricted unpickler behind `TorchFile`; `load` exposes it for plain pickles.
public struct Unpickler {
    let bytes: [UInt8]
    /// What messages call the pickle: "data.pkl" inside a torch.save archive, else a file name.
    let source: String
    var pos = 0
    var stack: [Obj] = []
    /// Stack heights at each MARK (Python keeps a "metastack"; heights are equivalent).
    var marks: [Int] = []
    var memo: [Int: Obj] = [:]
    var storages: [String: Data] = [:]
    /// Every container created, so that `tearDown` can dismantle them without recursion.
    var boxes: [AnyObject] = []
    let loadStorage: (StorageRequest) throws -> Data

    /// Conversion state for the final PickleValue: caches shared containers, detects cycles.
    var converted: [ObjectIdentifier: (value: PickleValue, size: Int)] = [:]
    /// Logical objects in the result so far. Shared references are converted once, but a hostile
    /// pickle could still describe a value with 2^500 logical elements that no consumer could
    /// ever walk, so the logical size is capped.
    var logicalSize = 0
    static let maxLogicalSize = 50_000_000
    var converting: Set<ObjectIdentifier> = []
    static let maxDepth = 500

    init(_ bytes: [UInt8], source: String, loadStorage: @escaping (StorageRequest) throws -> Data) {
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
    mutating func tearDown() {
        for box in boxes {
            if let l = box as? ListBox { l.items = [] }
            if let t = box as? TupleBox { t.items = [] }
            if let d = box as? DictBox { d.values = [] }
        }
        stack = []
        memo = [:]
        boxes = []
    }

    mutating func newList(_ items: [Obj] = []) -> Obj {
        let box = ListBox()
        box.items = items
        boxes.append(box)
        return .list(box)
    }

    mutating func newTuple(_ items: [Obj]) -> Obj {
        let box = TupleBox(items)
        boxes.append(box)
        return .tuple(box)
    }

    mutating func newDict() -> DictBox {
        let box = DictBox()
        boxes.append(box)
        return box
    }

    // MARK: Errors

    func malformed(_ what: String) -> TorchFileError {
        TorchFileError(.malformedPickle, "malformed pickle in \(source): \(what) (byte \(pos))")
    }

    func truncated() -> TorchFileError {
        TorchFileError(.truncated, "truncated (\(source) ends inside an opcode at byte \(pos))")
    }

    // MARK: Reading the byte stream

    mutating func read(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - pos else { throw truncated() }
        defer { pos += n }
        return bytes[pos ..< pos + n]
    }

    mutating func readByte() throws -> UInt8 {
        guard pos < bytes.count else { throw truncated() }
        defer { pos += 1 }
        return bytes[pos]
    }

    mutating func readUInt(_ n: Int) throws -> UInt64 {
        let slice = try read(n)
        var v: UInt64 = 0
        for (i, b) in slice.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }

    /// A length prefix, checked against what is left so that huge claims fail fast.
    mutating func readLength(_ n: Int) throws -> Int {
        let v = try readUInt(n)
        guard v <= UInt64(bytes.count - pos) else { throw truncated() }
        return Int(v)
    }

    mutating func readLine() throws -> String {
        guard let nl = bytes[pos...].firstIndex(of: 0x0A) else { throw truncated() }
        let line = bytes[pos ..< nl]
        pos = nl + 1
        guard let s = String(bytes: line, encoding: .utf8) else { throw malformed("non-UTF-8 global name") }
        return s
    }

    mutating func readString(_ n: Int) throws -> String {
        let slice = try read(n)
        guard let s = String(bytes: slice, encoding: .utf8) else { throw malformed("invalid UTF-8 in a string") }
        return s
    }

    /// Little-endian two's-complement integer of `n` bytes (LONG1/LONG4).
    mutating func readLong(_ n: Int) throws -> Int64 {
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

    mutating func push(_ o: Obj) { stack.append(o) }

    mutating func pop() throws -> Obj {
        guard stack.count > (marks.last ?? 0), let top = stack.popLast() else { throw malformed("stack underflow") }
        return top
    }

    func top() throws -> Obj {
        guard stack.count > (marks.last ?? 0), let top = stack.last else { throw malformed("stack underflow") }
        return top
    }

    mutating func popMark() throws -> [Obj] {
        guard let m = marks.popLast() else { throw malformed("no MARK on the stack") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    // MARK: Main loop

    mutating func run() throws -> PickleValue {
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
}
