import ArgumentParser
import Foundation
import IQAModels
import Torch

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the victim models, their presets, parameter counts and the official quirks they reproduce.")

    @OptionGroup var output: JSONOutputOption

    struct Entry: Encodable {
        var name, preset, backbone: String
        var parameters: Int
        var input, scoreRange, loss: String
        var epochs: Int
        var quirks: [String]
        var triggerPhase: String
    }

    func run() throws {
        var entries: [Entry] = []
        for kind in ModelKind.allCases {
            for preset in TrainingRecipe.presetNames(for: kind) {
                let r = TrainingRecipe.preset(preset, model: kind)!
                let model = try withNoGrad { try r.model.make(channelsLast: false) }
                entries.append(Entry(name: kind.rawValue, preset: preset, backbone: r.model.backboneName,
                                     parameters: model.store.parameterCount,
                                     input: "\(r.cropSize)×\(r.cropSize) RGB crops, ImageNet-normalised; score = mean of \(r.testPatches) crops",
                                     scoreRange: "MOS scale of the training labels (0–100 on LIVEC/KonIQ)",
                                     loss: r.loss.rawValue, epochs: r.epochs, quirks: r.optimizer.quirks + (r.lrSchedule == .cosine ? ["cosine learning-rate decay over the run (not official)"] : []),
                                     triggerPhase: r.triggerPhase.rawValue))
            }
        }
        if output.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
            return
        }
        for e in entries {
            print("\(e.name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(e.preset.padding(toLength: 6, withPad: " ", startingAt: 0)) "
                  + "\(e.backbone.padding(toLength: 28, withPad: " ", startingAt: 0)) \(String(e.parameters).padding(toLength: 9, withPad: " ", startingAt: 0)) params  "
                  + "\(e.loss), \(e.epochs) epochs\(e.quirks.isEmpty ? "" : "; " + e.quirks.joined(separator: "; "))")
        }
    }
}
