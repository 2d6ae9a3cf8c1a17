import Torch

/// `baiqa models`: every model × preset of the registry with what a user needs to pick one.
public struct ModelCatalogEntry: Encodable, Sendable {
    public var name, preset, backbone: String
    public var parameters: Int
    public var input, scoreRange, loss: String
    public var epochs: Int
    public var quirks: [String]
    public var triggerPhase: String

    /// One entry per model and preset, in registry order (builds each network once to count its parameters).
    public static func all() throws -> [ModelCatalogEntry] {
        try ModelKind.allCases.flatMap { kind in
            try TrainingRecipe.presetNames(for: kind).map { preset in
                let r = try TrainingRecipe.preset(named: preset, model: kind)
                let model = try withNoGrad { try r.model.make(channelsLast: false) }
                return ModelCatalogEntry(name: kind.rawValue, preset: preset, backbone: r.model.backboneName, parameters: model.store.parameterCount,
                                         input: "\(r.cropSize)×\(r.cropSize) RGB crops, ImageNet-normalised; score = mean of \(r.testPatches) crops",
                                         scoreRange: "MOS scale of the training labels (0–100 on LIVEC/KonIQ)", loss: r.loss.rawValue, epochs: r.epochs,
                                         quirks: r.optimizer.quirks + (r.lrSchedule == .cosine ? ["cosine learning-rate decay over the run (not official)"] : []),
                                         triggerPhase: r.triggerPhase.rawValue)
            }
        }
    }

    /// One line of the listing.
    public var line: String {
        "\(name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(preset.padding(toLength: 6, withPad: " ", startingAt: 0)) "
            + "\(backbone.padding(toLength: 28, withPad: " ", startingAt: 0)) \(String(parameters).padding(toLength: 9, withPad: " ", startingAt: 0)) params  "
            + "\(loss), \(epochs) epochs\(quirks.isEmpty ? "" : "; " + quirks.joined(separator: "; "))"
    }
}
