/// The clean-only rule that picks a pruning strength: the largest one whose RMSE on the defender's clean
/// set rises by less than `maxRise` (relative) over the undefended model's. BackdoorBench's `fp` stops at
/// the same relative drop of clean accuracy; unlike its ANP, nothing here looks at triggered data.
public enum PruningSelection {
    /// `candidates`: (strength, clean-set RMSE), the first being the undefended model (strength 0).
    /// Returns the index of the chosen candidate.
    public static func choose(_ candidates: [(strength: Double, cleanRMSE: Double)], maxRise: Double) -> Int {
        guard let base = candidates.first?.cleanRMSE else { return 0 }
        var chosen = 0
        for (k, c) in candidates.enumerated() where c.cleanRMSE.isFinite && c.cleanRMSE < base * (1 + maxRise) {
            if c.strength >= candidates[chosen].strength { chosen = k }
        }
        return chosen
    }
}
