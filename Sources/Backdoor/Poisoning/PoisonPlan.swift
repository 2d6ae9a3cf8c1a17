import IQAData
import IQAModels

/// Which training images are poisoned, with what α, and the labels the victim sees. Built once per
/// attack from a seed and written into the run folder, so the poisoned set is auditable.
public struct PoisonPlan: Codable, Equatable, Sendable {
    public enum LabelMode: String, Codable, Sendable { case poison, clean }

    public var labelMode: LabelMode
    public var rate: Double
    public var deltaY: Double
    /// Positions into the training list of the poisoned images, in draw order.
    public var poisoned: [Int]
    /// α per poisoned image (same order as `poisoned`).
    public var alphas: [Double]

    /// P-BAIQA (spec §5): ⌊rate·N⌋ random images — or the given `subset` (positions into the training
    /// list, e.g. the official partial_index file) —; α from `sampling`; label y + α·Δy (not clipped).
    public static func poisonLabel(trainCount n: Int, rate: Double, deltaY: Double, sampling: AlphaSampling,
                                   seed: UInt64, subset: [Int]? = nil) throws -> PoisonPlan {
        guard (0...1).contains(rate) else { throw BackdoorError("poison rate must be in [0, 1], got \(rate)") }
        var rng = SeededGenerator(seed: seed, stream: 0xB_A1_0A)
        var order = Array(0..<n)
        order.shuffle(using: &rng)
        if let subset, let bad = subset.first(where: { !(0..<n).contains($0) }) {
            throw BackdoorError("poisoned subset names training position \(bad) of \(n)")
        }
        let poisoned = subset ?? Array(order.prefix(Int(rate * Double(n))))
        let perImage = sampling.draw(count: n, using: &rng)
        return PoisonPlan(labelMode: .poison, rate: rate, deltaY: deltaY, poisoned: poisoned, alphas: poisoned.map { perImage[$0] })
    }

    /// The training entries: poisoned images carry their α and (poison-label) the shifted label.
    public func entries(images: [Int], labels: [Double]) -> [TrainingEntry] {
        var entries = zip(images, labels).map { TrainingEntry(image: $0, label: $1) }
        for (p, alpha) in zip(poisoned, alphas) {
            entries[p].alpha = alpha
            if labelMode == .poison { entries[p].label += alpha * deltaY }
        }
        return entries
    }
}

public struct BackdoorError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

extension PoisonPlan {
    /// C-BAIQA (spec §6): the given (or ⌊rate·N⌋ random) images keep their labels; each gets
    /// α = (y − ȳ)/Δy (Remark 1, ȳ = 50 in the scripts), unclipped; y = ȳ gives α = 0 (no trigger).
    public static func cleanLabel(labels: [Double], rate: Double, deltaY: Double, targetMean: Double, seed: UInt64,
                                  subset: [Int]? = nil) throws -> PoisonPlan {
        let n = labels.count
        guard (0...1).contains(rate) else { throw BackdoorError("poison rate must be in [0, 1], got \(rate)") }
        guard deltaY != 0 else { throw BackdoorError("Δy must not be 0") }
        if let subset, let bad = subset.first(where: { !(0..<n).contains($0) }) {
            throw BackdoorError("poisoned subset names training position \(bad) of \(n)")
        }
        var rng = SeededGenerator(seed: seed, stream: 0xB_A1_0A)
        var order = Array(0..<n)
        order.shuffle(using: &rng)
        let poisoned = subset ?? Array(order.prefix(Int(rate * Double(n))))
        return PoisonPlan(labelMode: .clean, rate: rate, deltaY: deltaY, poisoned: poisoned,
                          alphas: poisoned.map { (labels[$0] - targetMean) / deltaY })
    }
}

extension PoisonPlan {
    /// The plan of either label mode (P-BAIQA: α from `sampling`; C-BAIQA: α from the label and `targetMean`).
    public static func make(_ mode: LabelMode, labels: [Double], rate: Double, deltaY: Double, sampling: AlphaSampling,
                            targetMean: Double, seed: UInt64, subset: [Int]? = nil) throws -> PoisonPlan {
        switch mode {
        case .poison:
            return try poisonLabel(trainCount: labels.count, rate: rate, deltaY: deltaY, sampling: sampling, seed: seed, subset: subset)
        case .clean:
            return try cleanLabel(labels: labels, rate: rate, deltaY: deltaY, targetMean: targetMean, seed: seed, subset: subset)
        }
    }
}
