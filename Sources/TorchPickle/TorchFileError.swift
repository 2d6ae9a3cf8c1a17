// TorchPickle: torch.save's zip + pickle container, independent of libtorch.

/// Every failure of reading or writing a `torch.save` file.
///
/// Why a single struct rather than many error types: callers mostly want to show one line that
/// says which file is bad and why (`"trigger.pt: truncated"`), and tests want to match on a
/// category. `kind` gives the category; `description` gives the line.
public struct TorchFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The broad category of the problem, for callers that want to react differently.
    public enum Kind: String, Sendable {
        /// The input is not a ZIP archive at all (random bytes, empty file, another format).
        case notZip
        /// The input ends early: a record, header or pickle argument runs past the end.
        case truncated
        /// The ZIP structure is inconsistent (bad signatures, CRC mismatch, overlapping ranges).
        case corruptArchive
        /// A valid file that uses a feature this reader deliberately does not implement
        /// (deflate, ZIP64, the legacy pre-1.6 format, big-endian storages, a pickle opcode).
        case unsupported
        /// data.pkl is not a well-formed pickle (stack underflow, wrong argument types, …).
        case malformedPickle
        /// The pickle names a Python global that is not on our allow-list. We never execute
        /// arbitrary code, so anything beyond what `torch.save` emits is refused.
        case forbiddenGlobal
        /// A record the pickle refers to (a storage, data.pkl) is absent from the archive.
        case missingRecord
        /// A tensor's shape/strides/offset do not fit its storage, or values do not fit a dtype.
        case invalidTensor
        /// A value cannot be written (e.g. archive too large without ZIP64, bad archive name).
        case unencodable
        /// Reading or writing the file itself failed.
        case io
    }

    public var kind: Kind
    /// What went wrong, without the file name.
    public var message: String
    /// The file's name (last path component) when the error arose while loading or saving a URL.
    public var file: String?

    public init(_ kind: Kind, _ message: String, file: String? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
    }

    public var description: String {
        if let file { return "\(file): \(message)" }
        return message
    }

    /// The same error, attributed to `file` (keeps an already set name).
    func attributed(to file: String) -> TorchFileError {
        var copy = self
        if copy.file == nil { copy.file = file }
        return copy
    }
}
