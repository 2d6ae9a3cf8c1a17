import Foundation

/// Turns the per-image `BlockDCTConsistency` statistics of a whole dataset into one suspicion score per
/// image, normalised against the dataset itself: for every channel and coefficient, z = (t − median) /
/// (1.4826·MAD) over the images (robust to the poisoned minority, and it removes what all images share,
/// e.g. JPEG blocking at the 8- and 16-pixel grid); an image's score is the mean of its largest
/// `topFraction` of z² (a trigger spreads over a few hundred of the 765 AC coefficients, a natural
/// oddity over a few). The baseline score is the robust z of log high-frequency energy.
public struct TriggerAuditScores: Sendable {
    public var scores: [Double]
    public var baseline: [Double]

    public init(_ statistics: [BlockDCTConsistency], topFraction: Double = 0.1) throws {
        guard statistics.count >= 3 else {
            throw BackdoorError("an audit needs at least 3 images to normalise against, got \(statistics.count)")
        }
        guard topFraction > 0, topFraction <= 1 else { throw BackdoorError("top fraction must be in (0, 1], got \(topFraction)") }
        let positions = (0..<(3 * 256)).filter { $0 % 256 != 0 }
        var z2 = [[Double]](repeating: [], count: statistics.count)
        for k in positions {
            let column = statistics.map { $0.t[k] }
            let (center, spread) = Self.robustCenterAndSpread(column)
            for i in statistics.indices {
                let z = (column[i] - center) / spread
                z2[i].append(z * z)
            }
        }
        let keep = max(1, Int((topFraction * Double(positions.count)).rounded(.up)))
        scores = z2.map { values in values.sorted(by: >).prefix(keep).reduce(0, +) / Double(keep) }
        let energies = statistics.map { log($0.highFrequencyEnergy + 1e-6) }
        let (center, spread) = Self.robustCenterAndSpread(energies)
        baseline = energies.map { ($0 - center) / spread }
    }

    /// Median and 1.4826·MAD (the standard deviation for normal data), floored at 0.1 (t and log-energy
    /// units: differences below that are noise) so that a column where most images agree exactly, e.g.
    /// t = 0 on flat synthetic images, does not turn tiny differences into huge z.
    static func robustCenterAndSpread(_ values: [Double]) -> (Double, Double) {
        let center = median(values)
        let mad = median(values.map { abs($0 - center) })
        return (center, max(1.4826 * mad, 0.1))
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        let n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }
}
