import IQAData

/// How poison-label P-BAIQA draws each poisoned image's trigger strength α (spec §5.2).
public enum AlphaSampling: String, Codable, Sendable, CaseIterable {
    /// Official ("Ours", code v6): |α| ∈ {0.25, 0.5, 0.75, 1} with probabilities {0.1, 0.2, 0.3, 0.4},
    /// and exactly ⌊N/2⌋ of all N training images (poisoned or not) get a negative sign.
    case weighted
    /// Strategy ①: the same four magnitudes with equal probability (the code's commented randint(1, 5)).
    case equal
    /// Strategy ②, the paper's wording: α ~ U(−1, 1).
    case uniform
    /// The code's commented "v7" line: |α| = sqrt(U(0,1)) (a linearly increasing density), signs as above.
    case sqrtUniform = "sqrt-uniform"

    /// One α per training image (index = position in the training list), drawn as the official code
    /// draws marks for every image; only the poisoned images' values are used.
    public func draw<G: RandomNumberGenerator>(count n: Int, using rng: inout G) -> [Double] {
        switch self {
        case .uniform:
            return (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
        case .weighted, .equal, .sqrtUniform:
            var magnitudes: [Double] = (0..<n).map { _ in
                switch self {
                case .weighted:
                    let u = Double.random(in: 0..<1, using: &rng)
                    return u < 0.1 ? 0.25 : u < 0.3 ? 0.5 : u < 0.6 ? 0.75 : 1.0
                case .equal:
                    return Double(Int.random(in: 1...4, using: &rng)) * 0.25
                default:
                    return Double.random(in: 0..<1, using: &rng).squareRoot()
                }
            }
            var order = Array(0..<n)
            order.shuffle(using: &rng)
            for i in order.prefix(n / 2) { magnitudes[i] = -magnitudes[i] }
            return magnitudes
        }
    }
}
