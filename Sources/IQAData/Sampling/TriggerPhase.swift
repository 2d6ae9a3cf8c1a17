/// Where a position-dependent trigger's grid is anchored in a crop (spec §3.4).
public enum TriggerPhase: String, Codable, Sendable, CaseIterable {
    /// As the official victim training and testing: the trigger is injected on the full image (with
    /// its padding offset) before the random crop, so each crop sees it at a random phase.
    case fullImage = "full-image"
    /// As the official trigger search (Algorithm 1): injected on the crop, grid aligned to its origin.
    case crop
}
