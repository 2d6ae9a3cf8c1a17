/// One model input: which image, where the square crop sits, whether it is mirrored, and the trigger
/// strength α injected into it (0 = clean). Plans are drawn up front from a seeded generator, so a
/// run's crops are reproducible and independent of threading.
public struct PatchPlan: Codable, Equatable, Sendable {
    public var image: Int
    public var y: Int
    public var x: Int
    public var flip: Bool
    public var alpha: Double

    public init(image: Int, y: Int, x: Int, flip: Bool, alpha: Double = 0) {
        self.image = image
        self.y = y
        self.x = x
        self.flip = flip
        self.alpha = alpha
    }

    /// A uniformly random `crop`×`crop` window of a `height`×`width` image, flipped with probability ½
    /// when `allowFlip` (the official backdoor solvers flip at test time too, spec §3.4).
    public static func random<G: RandomNumberGenerator>(image: Int, height: Int, width: Int, crop: Int, allowFlip: Bool,
                                                        alpha: Double = 0, using rng: inout G) -> PatchPlan {
        let y = height > crop ? Int.random(in: 0...(height - crop), using: &rng) : 0
        let x = width > crop ? Int.random(in: 0...(width - crop), using: &rng) : 0
        let flip = allowFlip ? Bool.random(using: &rng) : false
        return PatchPlan(image: image, y: y, x: x, flip: flip, alpha: alpha)
    }
}
