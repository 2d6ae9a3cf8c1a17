/// A run cannot go on: one line naming the file, folder or setting and the problem.
public struct RunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
