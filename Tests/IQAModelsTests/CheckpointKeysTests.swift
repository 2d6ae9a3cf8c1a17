import Foundation
import XCTest
@testable import IQAModels
import Torch
import TorchPickle

/// A checkpoint written by baiqa has exactly the official classes' state_dict keys, shapes and dtypes.
/// The reference list (Fixtures/official_model_keys.json) was made once from the official PyTorch
/// classes (copied from ../shared/reference so this test runs without it).
final class CheckpointKeysTests: XCTestCase {
    struct Entry: Decodable { let key: String; let shape: [Int]; let dtype: String }
    struct Reference: Decodable { let state_dicts: [String: [Entry]]; let param_counts: [String: Int] }

    func reference() throws -> Reference {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/official_model_keys", withExtension: "json"))
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    func check(_ kind: ModelKind, referenceName: String, countName: String) throws {
        let ref = try reference()
        let model = try withNoGrad { try ModelSpec.official(kind).make(channelsLast: false) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(kind.rawValue)-\(UUID().uuidString).pt")
        defer { try? FileManager.default.removeItem(at: file) }
        try TensorFile.save(model.store.stateDict(), to: file)
        guard case .dict(let saved) = try TorchFile.load(contentsOf: file) else { return XCTFail("not a dict") }
        let keys = saved.keys.compactMap(\.stringValue)
        let expected = try XCTUnwrap(ref.state_dicts[referenceName])
        XCTAssertEqual(keys, expected.map(\.key))
        for e in expected {
            let record = try XCTUnwrap(saved[e.key]?.tensorValue, e.key)
            XCTAssertEqual(record.shape, e.shape, e.key)
            XCTAssertEqual(record.dtype.rawValue, e.dtype, e.key)
        }
        XCTAssertEqual(model.store.parameterCount, ref.param_counts[countName])
    }

    func testHyperIQACheckpointKeys() throws { try check(.hyperiqa, referenceName: "HyperIQA", countName: "hyperiqa_resnet50") }
    func testDBCNNCheckpointKeys() throws { try check(.dbcnn, referenceName: "DBCNN", countName: "dbcnn") }
    func testTReSCheckpointKeys() throws { try check(.tres, referenceName: "TReS", countName: "tres_baiqa_resnet18") }
}
