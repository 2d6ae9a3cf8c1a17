/// One thing wrong with a dataset, found while loading or checking it. Reports collect these
/// instead of stopping at the first, so that a dataset with several bad files is fixed in one go.
public struct DatasetProblem: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// An image the list names is not on disk.
        case missingFile = "missing_file"
        /// The list names the same image twice.
        case duplicateName = "duplicate_name"
        /// A score is NaN or infinite.
        case nonFiniteScore = "non_finite_score"
        /// The image file exists but cannot be decoded.
        case undecodableImage = "undecodable_image"
        /// A list entry that gives no usable sample (a score that is not a number, an empty name,
        /// too few fields).
        case badEntry = "bad_entry"
    }

    public var kind: Kind
    /// The file the problem is reported against: the list (CSV, .mat) or the image itself.
    public var file: String
    /// The image concerned, as the list names it, when there is one.
    public var name: String?
    /// What is wrong, without the file name (e.g. `line 7: image "a.png" is listed twice ...`).
    public var message: String

    public init(_ kind: Kind, file: String, name: String? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.name = name
        self.message = message
    }

    /// One line: `file: message`, as `DatasetError` prints.
    public var description: String { "\(file): \(message)" }
}
