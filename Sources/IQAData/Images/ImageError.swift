/// Why an image could not be read or written. `description` is one line that names the file and
/// the problem, fit to print as is: a dataset with one bad file among thousands must say which.
public struct ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case missingFile
        case emptyFile
        case unsupportedFormat
        /// Truncated or damaged data: the decoder's message is in `problem`.
        case corrupt
        case writeFailed
        case invalidArgument
        /// The header claims more pixels than `ImageIO.maxPixels` (refused before decoding).
        case tooLarge
    }

    public var kind: Kind
    /// Path of the file concerned, or nil for in-memory data.
    public var file: String?
    public var problem: String

    public init(_ kind: Kind, file: String?, _ problem: String) {
        self.kind = kind
        self.file = file
        self.problem = problem
    }

    public var description: String {
        if let file { return "\(file): \(problem)" }
        return problem
    }

    /// The same error, now naming `file` (in-memory codecs do not know it).
    func naming(_ file: String) -> ImageError {
        ImageError(kind, file: file, problem)
    }
}
