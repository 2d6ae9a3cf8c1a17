import Foundation
import XCTest
@testable import IQAModels
import Torch

final class HyperIQATests: XCTestCase {
    /// The official key list (name, shape) of models.HyperNet(16,112,224,112,56,28,14,7) with ResNet-50,
    /// from ../shared/reference/official_model_keys.json.
    func officialKeys() throws -> [(String, [Int])] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/reference/official_model_keys.json")
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("../shared/reference absent") }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let sd = (json["state_dicts"] as! [String: Any])["HyperIQA"] as! [[String: Any]]
        return sd.map { ($0["key"] as! String, $0["shape"] as! [Int]) }
    }

    func testResNet50KeysShapesAndCountMatchOfficial() throws {
        let keys = try officialKeys()
        let model = try HyperIQA.make(config: .init(backbone: .resnet50), channelsLast: false)
        let ours = model.store.stateDict().map { ($0.name, $0.tensor.shape) }
        XCTAssertEqual(ours.map(\.0), keys.map(\.0))
        XCTAssertEqual(ours.map(\.1), keys.map(\.1))
        XCTAssertEqual(model.store.parameterCount, 27_375_369)
    }

    func testForwardShapesAndGradient() throws {
        Runtime.manualSeed(0)
        let model = try HyperIQA.make(config: .init(backbone: .resnet10w32))
        let x = try Tensor.randn([2, 3, 128, 128])
        let y = try model.scores(x)
        XCTAssertEqual(y.shape, [2])
        try y.sum().backward()
        let head = model.store.parameters(group: HyperIQA.headGroup)
        XCTAssertFalse(head.isEmpty)
        XCTAssertNotNil(head[0].tensor.grad)
        XCTAssertNotNil(model.store["res.conv1.weight"]?.grad)
    }

    /// `train --backbone` swaps the ResNet under HyperIQA/TReS and keeps everything else of the preset.
    func testWithBackboneSwapsTheResNetOnly() throws {
        let cpu = ModelSpec.cpu(.hyperiqa)
        guard case .hyperIQA(let c18) = try cpu.withBackbone(.resnet18), case .hyperIQA(let c10) = cpu else { return XCTFail("not HyperIQA") }
        XCTAssertEqual(c18.backbone, .resnet18)
        XCTAssertEqual(c18.targetFC, c10.targetFC)
        XCTAssertEqual(c18.hyperInChannels, c10.hyperInChannels)
        XCTAssertEqual(try ModelSpec.cpu(.tres).withBackbone(.resnet18), .tres(.official))
        XCTAssertThrowsError(try ModelSpec.cpu(.dbcnn).withBackbone(.resnet18))
        // ResNet-18 under the hyper head: 11.18 M backbone parameters (torchvision's resnet18 without fc).
        let m = try HyperIQA.make(config: c18, channelsLast: false)
        let backbone = m.store.parameters().filter { $0.name.hasPrefix("res.") && !$0.name.contains("lda") }
        XCTAssertEqual(backbone.reduce(0) { $0 + $1.tensor.count }, 11_176_512)
    }
}
