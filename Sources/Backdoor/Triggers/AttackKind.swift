import IQAData

/// The trigger families the tool compares (the paper's Table 1 rows): BAIQA's searched DCT trigger and
/// the three invisible baselines, all scaled by α through the same pipeline.
public enum AttackKind: String, Codable, Sendable, CaseIterable {
    case baiqa, blended, wanet, ftrojan
}

/// Settings of the baseline triggers (defaults calibrated to the paper's LIVEC PSNRs, Table 2).
public struct BaselineSettings: Codable, Equatable, Sendable {
    public var blendRatio = 0.100
    public var wanetStrength = 0.84
    public var wanetGrid = 4
    public var ftrojanMagnitude = 265.0
    public var ftrojanChannels: FTrojanTrigger.Channels = .all
    public var seed: UInt64 = 0
    public init() {}
}

extension AttackKind {
    /// The injector for this attack; `baiqa` uses `dct` (a searched, loaded or random DCT trigger).
    public func injector(dct: DCTTrigger?, baselines: BaselineSettings = BaselineSettings(),
                         positions: DCTPositions = .official) throws -> CropInjector {
        switch self {
        case .baiqa:
            guard let dct else { throw BackdoorError("the BAIQA attack needs a DCT trigger") }
            return dct
        case .blended: return BlendedTrigger(ratio: baselines.blendRatio, seed: baselines.seed)
        case .wanet: return WaNetTrigger(gridSize: baselines.wanetGrid, strength: baselines.wanetStrength, seed: baselines.seed)
        case .ftrojan: return try FTrojanTrigger(magnitude: baselines.ftrojanMagnitude, channels: baselines.ftrojanChannels, positions: positions)
        }
    }
}
