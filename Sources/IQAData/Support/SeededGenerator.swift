/// xoshiro256** seeded through SplitMix64: a small, fast generator of our own so that a seed gives
/// the same stream on every machine and Swift version (the standard library's `random(in:using:)`
/// algorithms are not promised to stay fixed, so the helpers below are ours too).
///
/// `init(seed:stream:)` derives independent streams, e.g. one per dataset image, so that parallel
/// work draws the same numbers whatever the scheduling.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var sm = seed
        s0 = Self.splitMix64(&sm)
        s1 = Self.splitMix64(&sm)
        s2 = Self.splitMix64(&sm)
        s3 = Self.splitMix64(&sm)
    }

    /// Stream `stream` of `seed`: seed and stream number each go through SplitMix64 before they are
    /// combined, so neighbouring streams (image 41, image 42) are unrelated.
    public init(seed: UInt64, stream: UInt64) {
        var a = seed
        var b = stream ^ 0x6A09_E667_F3BC_C909 // keeps stream 0 from mirroring the seed's own mix
        self.init(seed: Self.splitMix64(&a) ^ Self.splitMix64(&b))
    }

    /// Stream (`seed`, `a`, `b`), for two-level derivations such as (image index, purpose).
    public init(seed: UInt64, stream a: UInt64, _ b: UInt64) {
        var parent = SeededGenerator(seed: seed, stream: a)
        self.init(seed: parent.next(), stream: b)
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextDouble()
    }

    /// Uniform integer in 0..<bound (bound > 0), by rejection so that it is exactly uniform.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let v = next()
            if v < limit { return Int(v % b) }
        }
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        nextDouble() < p
    }

    /// Approximately standard normal: the Irwin–Hall sum of 12 uniforms minus 6 (mean 0, variance 1,
    /// tails cut at ±6). Only + and − are involved, so every machine gets the same bits, which
    /// Box–Muller's log and cos from the platform libm would not promise.
    public mutating func nextGaussian() -> Double {
        var sum = 0.0
        for _ in 0..<12 { sum += nextDouble() }
        return sum - 6
    }

    /// A uniformly random element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T {
        items[nextInt(below: items.count)]
    }

    private static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}
