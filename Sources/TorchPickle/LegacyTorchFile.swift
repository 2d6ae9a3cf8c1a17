import Foundation

/// `torch.save` files of PyTorch < 1.6 (`_use_new_zipfile_serialization=False`), which torchvision still
/// publishes for VGG-16 and older model-zoo weights. Layout: pickles back to back — a magic number, the
/// protocol version 1001, `sys_info` (byte order, type sizes), the object (tensors as
/// `_rebuild_tensor_v2` calls whose storages are persistent ids `('storage', type, key, location, numel,
/// view)`), the list of storage keys — then each storage in that list's order: its element count as a
/// little-endian int64 and its raw bytes.
enum LegacyTorchFile {
    /// The first pickle: protocol 2, LONG1 of 10 bytes 0x1950a86a20f9469cfc6c, STOP.
    static let magic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]

    static func isLegacy(_ data: Data) -> Bool { data.starts(with: magic) }

    static func decode(_ data: Data) throws -> PickleValue {
        let bytes = [UInt8](data)
        var pos = magic.count
        /// A plain pickle at `pos`; moves `pos` past it.
        func plain(_ what: String) throws -> PickleValue {
            guard pos < bytes.count else { throw TorchFileError(.truncated, "ends before its \(what)") }
            var u = Unpickler(Array(bytes[pos...]), source: what) { _ in throw TorchFileError(.malformedPickle, "\(what) names a storage") }
            defer { u.tearDown() }
            let value = try u.run()
            pos += u.pos
            return value
        }
        guard case .int(1001) = try plain("protocol version") else {
            throw TorchFileError(.unsupported, "legacy torch.save protocol version other than 1001")
        }
        guard let info = try plain("sys_info")["little_endian"]?.boolValue, info else {
            throw TorchFileError(.unsupported, "storages are stored big-endian; only little-endian is supported")
        }

        // The object's storages follow the pickles, so its end is found first with zero-filled stand-ins
        // (calloc'd pages cost no memory until written), then it is read again with the real bytes.
        let objectStart = pos
        var requests: [String: StorageRequest] = [:]
        do {
            guard pos < bytes.count else { throw TorchFileError(.truncated, "ends before its object") }
            var u = Unpickler(Array(bytes[pos...]), source: "data.pkl") { request in
                requests[request.key] = request
                let (size, overflow) = request.numel.multipliedReportingOverflow(by: request.dtype.elementSize)
                guard !overflow, size <= bytes.count else {
                    throw TorchFileError(.truncated, "storage '\(request.key)' of \(request.numel) elements is larger than the file")
                }
                return Data(count: size)
            }
            defer { u.tearDown() }
            _ = try u.run()
            pos += u.pos
        }
        let objectEnd = pos
        guard case .list(let keyValues) = try plain("storage key list") else {
            throw TorchFileError(.malformedPickle, "the storage key list is not a list")
        }
        var storages: [String: Data] = [:]
        for keyValue in keyValues {
            guard case .string(let key) = keyValue else { throw TorchFileError(.malformedPickle, "a storage key is not a string") }
            guard pos + 8 <= bytes.count else { throw TorchFileError(.truncated, "ends in the header of storage '\(key)'") }
            let count = bytes[pos ..< pos + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            pos += 8
            guard let request = requests[key] else { throw TorchFileError(.malformedPickle, "storage '\(key)' is not used by the object") }
            guard count == UInt64(request.numel) else {
                throw TorchFileError(.malformedPickle, "storage '\(key)' holds \(count) elements, the object says \(request.numel)")
            }
            let size = request.numel * request.dtype.elementSize
            guard pos + size <= bytes.count else { throw TorchFileError(.truncated, "ends inside storage '\(key)'") }
            storages[key] = Data(bytes[pos ..< pos + size])
            pos += size
        }
        return try Unpickler.unpickle(Array(bytes[objectStart ..< objectEnd])) { request in
            guard let data = storages[request.key] else { throw TorchFileError(.missingRecord, "storage '\(request.key)' missing from the file") }
            return data
        }
    }
}
