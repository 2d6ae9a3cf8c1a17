import Foundation
import IQAData
import Torch

/// Everything that defines a trigger, whatever the attack: the family, BAIQA's DCT positions and file
/// (or its seeded random stand-in) and the baselines' parameters. Runs record it (`manifest.json`'s
/// `attack.trigger`), and every command that re-uses a run rebuilds the injector from it, so a run is
/// always re-evaluated against its own pattern. This is the one place triggers are loaded.
public struct TriggerSpec: Codable, Equatable, Sendable {
    public var attack: AttackKind
    /// Where BAIQA's and FTrojan's 64 coefficients sit in each 16×16 block.
    public var positions: DCTPositions = .official
    /// BAIQA: a [3, 64] trigger file; a relative path resolves against the folder that records the spec
    /// (a run folder's `trigger.pt`). nil: a seeded random trigger of `randomPSNR` dB.
    public var file: String?
    /// FNV-1a 64 of that file's bytes.
    public var fileFingerprint: String?
    public var randomPSNR: Double = 30
    public var baselines = BaselineSettings()

    public init(attack: AttackKind = .baiqa) { self.attack = attack }

    public init(attack: AttackKind, positions: DCTPositions, file: String?, fileFingerprint: String?, randomPSNR: Double,
                baselines: BaselineSettings) {
        (self.attack, self.positions, self.file, self.fileFingerprint, self.randomPSNR, self.baselines) =
            (attack, positions, file, fileFingerprint, randomPSNR, baselines)
    }

    /// The trigger file as a URL (relative paths against `folder`).
    public func fileURL(relativeTo folder: URL?) -> URL? {
        guard let file else { return nil }
        if file.hasPrefix("/") || folder == nil { return URL(fileURLWithPath: file) }
        return folder!.appendingPathComponent(file)
    }

    /// BAIQA's DCT trigger (loaded from the file, or seeded random); nil for the baselines.
    public func dctTrigger(seed: UInt64, relativeTo folder: URL? = nil) throws -> DCTTrigger? {
        guard attack == .baiqa else { return nil }
        if let url = fileURL(relativeTo: folder) { return try DCTTrigger.load(from: url, positions: positions) }
        return try DCTTrigger.random(seed: seed, targetPSNR: randomPSNR, positions: positions)
    }

    /// The injector the data path calls.
    public func injector(seed: UInt64, relativeTo folder: URL? = nil) throws -> CropInjector {
        try attack.injector(dct: dctTrigger(seed: seed, relativeTo: folder), baselines: baselines, positions: positions)
    }

    /// One line for logs and reports, e.g. "baiqa (trigger.pt, official positions)".
    public var summary: String {
        switch attack {
        case .baiqa: return "baiqa (\(file.map { ($0 as NSString).lastPathComponent } ?? "random, \(randomPSNR) dB"), \(positions.rawValue) positions)"
        case .blended: return "blended (ratio \(baselines.blendRatio))"
        case .wanet: return "wanet (strength \(baselines.wanetStrength) px, grid \(baselines.wanetGrid))"
        case .ftrojan: return "ftrojan (magnitude \(baselines.ftrojanMagnitude), \(baselines.ftrojanChannels.rawValue) channels, \(positions.rawValue) positions)"
        }
    }
}

extension DCTTrigger {
    /// A trigger file (a [3, 64] tensor as torch.save writes it); errors name the file.
    public static func load(from url: URL, positions: DCTPositions = .official) throws -> DCTTrigger {
        guard FileManager.default.fileExists(atPath: url.path) else { throw BackdoorError("\(url.path): no such trigger file") }
        do { return try DCTTrigger(tensor: TensorFile.loadTensor(from: url), positions: positions) } catch {
            throw BackdoorError("\(url.path): \(error)")
        }
    }
}
