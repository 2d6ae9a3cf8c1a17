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
    /// With `onTriggerGrid`, the window's corner is drawn among the positions of the full image's 16-px
    /// trigger block grid only (`gridOrigins`), so a trigger baked into the image sits at the same phase
    /// in every crop, as `TriggerPhase.crop` injects it on the fly.
    public static func random<G: RandomNumberGenerator>(image: Int, height: Int, width: Int, crop: Int, allowFlip: Bool,
                                                        alpha: Double = 0, onTriggerGrid: Bool = false,
                                                        using rng: inout G) -> PatchPlan {
        let y: Int, x: Int
        if onTriggerGrid {
            let ys = gridOrigins(extent: height, crop: crop), xs = gridOrigins(extent: width, crop: crop)
            y = ys.isEmpty ? 0 : ys[Int.random(in: 0..<ys.count, using: &rng)]
            x = xs.isEmpty ? 0 : xs[Int.random(in: 0..<xs.count, using: &rng)]
        } else {
            y = height > crop ? Int.random(in: 0...(height - crop), using: &rng) : 0
            x = width > crop ? Int.random(in: 0...(width - crop), using: &rng) : 0
        }
        let flip = allowFlip ? Bool.random(using: &rng) : false
        return PatchPlan(image: image, y: y, x: x, flip: flip, alpha: alpha)
    }

    /// Crop corners along one axis of `extent` pixels that start a 16-px block of the trigger grid. The
    /// official injection zero-pads to a multiple of 16, half before (spec §3.1), so blocks start at
    /// −pad (mod 16): 10, 26, … on a 500-px LIVEC side. Empty when no such window fits.
    public static func gridOrigins(extent: Int, crop: Int) -> [Int] {
        let first = (16 - TriggerPhase.paddingBefore(extent: extent)) % 16
        guard extent - crop >= first else { return [] }
        return Array(stride(from: first, through: extent - crop, by: 16))
    }
}
