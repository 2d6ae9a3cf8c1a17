import IQAData

/// The defender's small clean labelled set (BackdoorBench's `clean_ratio`): training images of the victim
/// that were *not* poisoned, with their true scores. The defender is assumed to hold clean copies of these
/// images, so a defence never sees a trigger, a shifted label or a PGD perturbation.
public enum DefenderCleanSet {
    /// ⌈fraction·|train|⌉ names (at least one) drawn without replacement, seeded, from `train` minus
    /// `poisoned`, in the order drawn.
    public static func draw(train: [String], poisoned: Set<String>, fraction: Double, seed: UInt64) throws -> [String] {
        guard fraction > 0, fraction < 1 else {
            throw DefenceError("--clean-fraction must be in (0, 1), got \(fraction)")
        }
        let candidates = train.filter { !poisoned.contains($0) }
        let count = max(1, Int((fraction * Double(train.count)).rounded(.up)))
        guard count <= candidates.count else {
            throw DefenceError("--clean-fraction \(fraction) asks for \(count) clean images, but only \(candidates.count) of the victim's \(train.count) training images were not poisoned")
        }
        var rng = SeededGenerator(seed: seed &+ 0xC1EA_D5E7)
        var pool = candidates
        pool.shuffle(using: &rng)
        return Array(pool.prefix(count))
    }
}

/// A defence's input or settings at fault; the message names the file or option.
public struct DefenceError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
