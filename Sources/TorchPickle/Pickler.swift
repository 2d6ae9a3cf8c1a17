import Foundation

// Writes a PickleValue as the protocol-2 pickle torch.save would produce, collecting tensor
// storages on the way. No memo is used: every object is written once, which Python's unpickler
// accepts, and it keeps the writer trivially correct.

struct Pickler {
    private(set) var bytes: [UInt8] = [0x80, 0x02]  // PROTO 2
    /// (key, contiguous bytes) of each tensor's storage, in pickle order.
    private(set) var storages: [(key: String, bytes: Data)] = []

    mutating func finish() -> [UInt8] {
        bytes.append(0x2E)  // STOP
        return bytes
    }

    mutating func write(_ value: PickleValue) throws {
        switch value {
        case .none:
            bytes.append(0x4E)
        case .bool(let b):
            bytes.append(b ? 0x88 : 0x89)
        case .int(let v):
            writeInt(v)
        case .double(let d):
            bytes.append(0x47)  // BINFLOAT, big-endian
            withUnsafeBytes(of: d.bitPattern.bigEndian) { bytes.append(contentsOf: $0) }
        case .string(let s):
            try writeString(s)
        case .bytes(let data):
            // Protocol 2 has no bytes opcode; Python writes _codecs.encode(latin-1 text, 'latin1').
            writeGlobal("_codecs", "encode")
            var text = String.UnicodeScalarView()
            text.append(contentsOf: data.map { Unicode.Scalar($0) })
            try writeString(String(text))
            try writeString("latin1")
            bytes.append(0x86)  // TUPLE2
            bytes.append(0x52)  // REDUCE
        case .list(let items):
            bytes.append(0x5D)  // EMPTY_LIST
            if !items.isEmpty {
                bytes.append(0x28)  // MARK
                for item in items { try write(item) }
                bytes.append(0x65)  // APPENDS
            }
        case .tuple(let items):
            try writeTuple(items.map { item in { (p: inout Pickler) in try p.write(item) } })
        case .dict(let dict):
            bytes.append(0x7D)  // EMPTY_DICT: torch.load gives back a plain dict
            if !dict.isEmpty {
                bytes.append(0x28)  // MARK
                for (k, v) in dict {
                    try write(k)
                    try write(v)
                }
                bytes.append(0x75)  // SETITEMS
            }
        case .tensor(let t):
            try writeTensor(t)
        }
    }

    private mutating func writeInt(_ v: Int64) {
        if v >= 0 && v <= 0xFF {
            bytes.append(0x4B)  // BININT1
            bytes.append(UInt8(v))
        } else if v >= 0 && v <= 0xFFFF {
            bytes.append(0x4D)  // BININT2
            withUnsafeBytes(of: UInt16(v).littleEndian) { bytes.append(contentsOf: $0) }
        } else if let v32 = Int32(exactly: v) {
            bytes.append(0x4A)  // BININT
            withUnsafeBytes(of: v32.littleEndian) { bytes.append(contentsOf: $0) }
        } else {
            // LONG1: shortest little-endian two's complement that keeps the sign.
            var le: [UInt8] = []
            withUnsafeBytes(of: v.littleEndian) { le.append(contentsOf: $0) }
            while le.count > 1 {
                let last = le[le.count - 1], prev = le[le.count - 2]
                if (last == 0x00 && prev & 0x80 == 0) || (last == 0xFF && prev & 0x80 != 0) {
                    le.removeLast()
                } else {
                    break
                }
            }
            bytes.append(0x8A)
            bytes.append(UInt8(le.count))
            bytes.append(contentsOf: le)
        }
    }

    private mutating func writeString(_ s: String) throws {
        let utf8 = Array(s.utf8)
        guard utf8.count <= Int(UInt32.max) else { throw TorchFileError(.unencodable, "string longer than 4 GiB") }
        bytes.append(0x58)  // BINUNICODE
        withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: utf8)
    }

    private mutating func writeGlobal(_ module: String, _ name: String) {
        bytes.append(0x63)  // GLOBAL
        bytes.append(contentsOf: Array("\(module)\n\(name)\n".utf8))
    }

    private mutating func writeTuple(_ writers: [(inout Pickler) throws -> Void]) throws {
        if writers.isEmpty {
            bytes.append(0x29)  // EMPTY_TUPLE
            return
        }
        if writers.count > 3 { bytes.append(0x28) }  // MARK
        for w in writers { try w(&self) }
        switch writers.count {
        case 1: bytes.append(0x85)
        case 2: bytes.append(0x86)
        case 3: bytes.append(0x87)
        default: bytes.append(0x74)  // TUPLE
        }
    }

    private mutating func writeIntTuple(_ values: [Int]) throws {
        try writeTuple(values.map { v in { (p: inout Pickler) in p.writeInt(Int64(v)) } })
    }

    /// torch._utils._rebuild_tensor_v2(('storage', torch.XStorage, key, 'cpu', numel) as a
    /// persistent id, 0, size, contiguous stride, requires_grad, OrderedDict()).
    private mutating func writeTensor(_ t: TensorRecord) throws {
        let key = String(storages.count)
        storages.append((key: key, bytes: t.contiguousBytes()))
        writeGlobal("torch._utils", "_rebuild_tensor_v2")
        bytes.append(0x28)  // MARK (arguments tuple)
        bytes.append(0x28)  // MARK (persistent id tuple)
        try writeString("storage")
        writeGlobal("torch", t.dtype.storageClassName)
        try writeString(key)
        try writeString("cpu")
        writeInt(Int64(t.count))
        bytes.append(0x74)  // TUPLE
        bytes.append(0x51)  // BINPERSID
        writeInt(0)  // storage offset
        try writeIntTuple(t.shape)
        try writeIntTuple(TensorRecord.contiguousStrides(for: t.shape))
        bytes.append(t.requiresGrad ? 0x88 : 0x89)
        writeGlobal("collections", "OrderedDict")  // backward hooks: an empty OrderedDict
        bytes.append(0x29)  // EMPTY_TUPLE
        bytes.append(0x52)  // REDUCE
        bytes.append(0x74)  // TUPLE
        bytes.append(0x52)  // REDUCE
    }
}
