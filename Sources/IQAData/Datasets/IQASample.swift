import Foundation

/// One image of an IQA dataset with its subjective score (MOS or DMOS, as the dataset has it).
public struct IQASample: Equatable, Hashable, Sendable {
    /// The name the dataset's list gives the image (for a folder dataset, its path relative to the
    /// root as written in the CSV); unique within a dataset.
    public var name: String
    public var url: URL
    public var score: Double

    public init(name: String, url: URL, score: Double) {
        self.name = name
        self.url = url
        self.score = score
    }
}
