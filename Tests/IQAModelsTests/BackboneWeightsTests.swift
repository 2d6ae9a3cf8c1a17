import Foundation
import XCTest
@testable import IQAModels
import Torch

/// `--backbone-weights`: torchvision-layout state dicts into the backbones, with clear errors.
final class BackboneWeightsTests: XCTestCase {
    /// A torchvision-layout ResNet file (what `torchvision.models.resnetXX().state_dict()` saves), made
    /// with our ResNetClassifier, which uses torchvision's names.
    func torchvisionFile(_ spec: ResNetSpec, seed: UInt64, dropping prefix: String? = nil) throws -> (URL, [String: Tensor]) {
        Runtime.manualSeed(seed)
        let store = ParameterStore()
        _ = try ResNetClassifier(store: store, spec: spec)
        var entries = store.stateDict()
        if let prefix { entries.removeAll { $0.name.hasPrefix(prefix) } }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tv-\(UUID().uuidString).pth")
        try TensorFile.save(entries, to: url)
        return (url, Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.tensor) }))
    }

    func testHyperIQAAndTReSLoadTorchvisionResNet() throws {
        let (url, values) = try torchvisionFile(.resnet10w32, seed: 11)
        defer { try? FileManager.default.removeItem(at: url) }
        let hyper = try HyperIQA.make(config: .init(backbone: .resnet10w32), channelsLast: false)
        try hyper.loadBackboneWeights(from: url)
        for name in ["conv1.weight", "layer4.0.bn2.running_var", "layer2.0.downsample.0.weight"] {
            XCTAssertEqual(try hyper.store["res." + name]!.floats(), try values[name]!.floats(), name)
        }
        let tres = try TReS.make(config: .init(backbone: .resnet10w32), channelsLast: false)
        try tres.loadBackboneWeights(from: url)
        XCTAssertEqual(try tres.store["model.fc.weight"]!.floats(), try values["fc.weight"]!.floats())
    }

    func testMismatchedOrIncompleteFilesAreClearErrors() throws {
        let (wrong, _) = try torchvisionFile(.resnet18, seed: 1)
        let (partial, _) = try torchvisionFile(.resnet10w32, seed: 2, dropping: "layer4")
        defer { try? FileManager.default.removeItem(at: wrong); try? FileManager.default.removeItem(at: partial) }
        let hyper = try HyperIQA.make(config: .init(backbone: .resnet10w32), channelsLast: false)
        let before = try hyper.store["res.conv1.weight"]!.floats()
        XCTAssertThrowsError(try hyper.loadBackboneWeights(from: wrong)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(wrong.lastPathComponent), text)
            XCTAssertTrue(text.contains("res.conv1.weight: checkpoint [64, 3, 7, 7] vs model [32, 3, 7, 7]"), text)
        }
        XCTAssertThrowsError(try hyper.loadBackboneWeights(from: partial)) { error in
            XCTAssertTrue("\(error)".contains("missing layer4.0.conv1.weight"), "\(error)")
        }
        // nothing was copied
        XCTAssertEqual(try hyper.store["res.conv1.weight"]!.floats(), before)
    }
}
