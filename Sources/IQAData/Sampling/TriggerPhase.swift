/// Where a position-dependent trigger's grid is anchored in a crop (spec §3.4).
public enum TriggerPhase: String, Codable, Sendable, CaseIterable {
    /// As the official victim training and testing: the trigger is injected on the full image (with
    /// its padding offset) before the random crop, so each crop sees it at a random phase.
    case fullImage = "full-image"
    /// As the official trigger search (Algorithm 1): injected on the crop, grid aligned to its origin.
    case crop
}

extension TriggerPhase {
    /// Zero padding the official injection adds before an axis of `extent` pixels to reach a multiple of
    /// 16 (half the padding, rounded down, spec §3.1); it sets where the trigger's blocks start.
    public static func paddingBefore(extent: Int) -> Int { ((16 - extent % 16) % 16) / 2 }
}
