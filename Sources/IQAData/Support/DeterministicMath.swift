/// Elementary functions computed with +, −, ×, ÷ and exact power-of-two scaling only, so that the
/// synthetic dataset gets the same bits on every machine: the platform libm's `exp` may differ in
/// the last place between versions, and one flipped rounding changes a pixel and so a file hash.
enum DeterministicMath {
    /// e^x, accurate to a few ulp for x in [-700, 700] (0 below).
    static func exp(_ x: Double) -> Double {
        if x < -700 { return 0 }
        precondition(x <= 700, "DeterministicMath.exp overflow for \(x)")
        // x = k·ln2 + r with |r| <= ln2/2; ln2 split so that k·ln2Hi is exact.
        let ln2Hi = 6.93147180369123816490e-01
        let ln2Lo = 1.90821492927058770002e-10
        let k = (x * 1.44269504088896338700e+00).rounded()
        let r = (x - k * ln2Hi) - k * ln2Lo
        // Taylor series of e^r in Horner form; 18 terms exceed double precision for |r| <= 0.35.
        var p = 1.0
        for n in stride(from: 18, through: 1, by: -1) { p = 1 + r * p / Double(n) }
        return Double(sign: .plus, exponent: Int(k), significand: p)
    }
}
