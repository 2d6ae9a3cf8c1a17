/// Which 64 coefficients of each 16×16 DCT block carry the trigger (spec §3.2).
public enum DCTPositions: String, Codable, Sendable, CaseIterable {
    /// What the official code perturbs: the *values* of rows 6–9 of the zigzag rank table used as flat
    /// positions (scattered from (1,5) to (14,10)). The shipped trigger only makes sense with these.
    case official
    /// The paper's wording: the contiguous mid band, zigzag ranks 96…159, in rank order.
    case midBand = "mid-band"

    /// JPEG-style zigzag rank of every raster position p = 16u + v of a 16×16 block:
    /// (0,1) has rank 1, (1,0) rank 2, (2,0) rank 3.
    public static let zigzagRank: [Int] = {
        let n = 16
        var rank = [Int](repeating: 0, count: n * n)
        var r = 0
        for s in 0..<(2 * n - 1) {
            var cells = (0..<n).compactMap { u -> (Int, Int)? in
                let v = s - u
                return (0..<n).contains(v) ? (u, v) : nil
            }
            if s % 2 == 0 { cells.reverse() }   // even diagonals run from (s, 0) upwards
            for (u, v) in cells {
                rank[u * n + v] = r
                r += 1
            }
        }
        return rank
    }()

    /// Flat positions 16u + v, in trigger column order k = 0…63.
    public var flatPositions: [Int] {
        switch self {
        case .official:
            return Array(DCTPositions.zigzagRank[96..<160])
        case .midBand:
            var inverse = [Int](repeating: 0, count: 256)
            for (p, r) in DCTPositions.zigzagRank.enumerated() { inverse[r] = p }
            return Array(inverse[96..<160])
        }
    }
}
