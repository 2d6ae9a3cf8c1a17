import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing PyTorch's `torch.save` files (the ZIP format of PyTorch ≥ 1.6; the legacy format
/// before it is read too, see `LegacyTorchFile`).
///
/// Layout of such a file: a ZIP of stored entries under one folder `<name>/`: `data.pkl` (the
/// pickled object, with tensors as `_rebuild_tensor_v2` calls whose storages are persistent ids),
/// `data/<key>` (each storage's raw little-endian bytes), `version`, and in newer writers
/// `byteorder`. Why our own reader: it lets the rest of the project exchange checkpoints and
/// triggers with Python without linking Python, and without ever executing pickled code.
public enum TorchFile {
    /// Reads a `torch.save` file. Errors name the file.
    public static func load(contentsOf url: URL) throws -> PickleValue {
        let name = url.lastPathComponent
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TorchFileError(.io, "cannot read file (\(error.localizedDescription))", file: name)
        }
        do {
            return try decode(data)
        } catch let error as TorchFileError {
            throw error.attributed(to: name)
        }
    }

    /// Writes `value` as a `torch.save` file that `torch.load` opens. The bytes go to a temporary
    /// file beside `url`, are flushed to disk (fsync) and then renamed over it, and the folder is
    /// flushed too: a crash or power loss leaves the old file or the new one, never half a file.
    public static func save(_ value: PickleValue, to url: URL) throws {
        let name = url.lastPathComponent
        let data: Data
        do {
            data = try encode(value, archiveName: archiveName(for: url))
        } catch let error as TorchFileError {
            throw error.attributed(to: name)
        }
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(name).\(UUID().uuidString).tmp")
        let write = WriteFault.next(url)
        do {
            if WriteFault.fails(write) { throw CocoaError(.fileWriteOutOfSpace) }
            try data.write(to: temporary)
            try flush(temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            // The whole path: the user has to find the folder that is full or read-only.
            throw TorchFileError(.io, "cannot write file (\(error.localizedDescription))", file: url.path)
        }
        WriteFault.trigger(at: write, .beforeRename)
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw TorchFileError(.io, "cannot move the written file into place (\(reason))", file: url.path)
        }
        try? flush(directory)
        WriteFault.trigger(at: write, .afterRename)
    }

    /// fsync(2) of a file or folder.
    static func flush(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw TorchFileError(.io, "cannot open to flush (\(String(cString: strerror(errno))))", file: url.lastPathComponent) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw TorchFileError(.io, "cannot flush to disk (\(String(cString: strerror(errno))))", file: url.lastPathComponent) }
    }

    /// torch.save names the archive folder after the file (without extension); do the same.
    private static func archiveName(for url: URL) -> String {
        let stem = url.deletingPathExtension().lastPathComponent
        let valid = !stem.isEmpty && stem != "." && stem != ".." && !stem.contains("/") && !stem.contains("\\")
            && stem.utf8.count < 200
        return valid ? stem : "archive"
    }

    /// Decodes the bytes of a `torch.save` file (the archive folder may have any name).
    public static func decode(_ data: Data) throws -> PickleValue {
        if LegacyTorchFile.isLegacy(data) { return try LegacyTorchFile.decode(data) }
        let zip = try ZipReader(data)
        // The pickle sits at `<name>/data.pkl`; storages at `<name>/data/<key>`.
        guard let pickleEntry = zip.entries.first(where: { entry in
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl" && !parts[0].isEmpty
        }) else {
            if zip.entries.contains(where: { $0.name.hasSuffix("/constants.pkl") || $0.name.contains("/code/") }) {
                throw TorchFileError(.unsupported, "a TorchScript archive (torch.jit.save), not a torch.save file")
            }
            throw TorchFileError(.missingRecord, "no '<name>/data.pkl' record: not a torch.save archive")
        }
        let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        if let entry = zip.entry(named: prefix + "byteorder") {
            let order = String(decoding: try zip.contents(of: entry), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard order == "little" else {
                throw TorchFileError(.unsupported, "storages are stored in '\(order)' byte order; only little-endian is supported")
            }
        }
        let pickle = try zip.contents(of: pickleEntry)
        return try Unpickler.unpickle([UInt8](pickle)) { request in
            guard let entry = zip.entry(named: prefix + "data/" + request.key) else {
                throw TorchFileError(.missingRecord, "storage 'data/\(request.key)' missing from the archive")
            }
            return try zip.contents(of: entry)
        }
    }

    /// Encodes `value` as the bytes of a `torch.save` file whose entries live under
    /// `archiveName/`. Dicts are written as plain `dict`s; each tensor gets its own contiguous
    /// storage; each record's data starts on a 64-byte boundary, as PyTorch writes it.
    public static func encode(_ value: PickleValue, archiveName: String = "archive") throws -> Data {
        guard !archiveName.isEmpty, archiveName != ".", archiveName != "..",
              !archiveName.contains("/"), !archiveName.contains("\\")
        else {
            throw TorchFileError(.unencodable, "invalid archive name '\(archiveName)'")
        }
        var pickler = Pickler()
        try pickler.write(value)
        let pickle = pickler.finish()
        var zip = ZipWriter(alignment: 64)
        try zip.add(name: "\(archiveName)/data.pkl", contents: Data(pickle))
        try zip.add(name: "\(archiveName)/byteorder", contents: Data("little".utf8))
        for storage in pickler.storages {
            try zip.add(name: "\(archiveName)/data/\(storage.key)", contents: storage.bytes)
        }
        try zip.add(name: "\(archiveName)/version", contents: Data("3\n".utf8))
        return try zip.finish()
    }
}
