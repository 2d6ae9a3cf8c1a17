/// One image of a training list: its index in the dataset's decoded images, the label the victim is
/// trained on, and the trigger strength α injected into every crop of it (0 for clean images). A
/// poison-label attack shifts `label` by α·Δy; a clean-label attack keeps it.
public struct TrainingEntry: Codable, Equatable, Sendable {
    public var image: Int
    public var label: Double
    public var alpha: Double

    public init(image: Int, label: Double, alpha: Double = 0) {
        self.image = image
        self.label = label
        self.alpha = alpha
    }
}
