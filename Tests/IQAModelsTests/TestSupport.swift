import Foundation
import XCTest
import Torch

/// One entry of ../shared/reference/official_model_keys.json.
struct OfficialEntry {
    let key: String
    let shape: [Int]
    let isBuffer: Bool
    let dtype: String
}

/// The official state_dict entries of `model` ("HyperIQA", "DBCNN", "TReS") and its parameter total;
/// skips the test when ../shared/reference is absent (the repository root is 3 levels above this file).
func officialStateDict(_ model: String) throws -> (entries: [OfficialEntry], parameterCount: Int) {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/reference/official_model_keys.json").standardized
    guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("\(url.path) absent: official keys not checked") }
    let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    let dicts = try XCTUnwrap(json["state_dicts"] as? [String: Any])
    let list = try XCTUnwrap(dicts[model] as? [[String: Any]])
    let entries = try list.map {
        OfficialEntry(key: try XCTUnwrap($0["key"] as? String), shape: try XCTUnwrap($0["shape"] as? [Int]),
                      isBuffer: ($0["kind"] as? String) == "buffer", dtype: ($0["dtype"] as? String) ?? "float32")
    }
    let counts = try XCTUnwrap(json["param_counts"] as? [String: Int])
    let countKey = ["HyperIQA": "hyperiqa_resnet50", "DBCNN": "dbcnn", "TReS": "tres_baiqa_resnet18"][model]!
    return (entries, try XCTUnwrap(counts[countKey]))
}

/// Compares a store's entries (names in order, shapes, parameter/buffer kind, dtype) with the official list.
func assertMatchesOfficial(_ store: ParameterStore, _ official: [OfficialEntry], file: StaticString = #filePath, line: UInt = #line) {
    let ours = store.entries
    XCTAssertEqual(ours.map(\.name), official.map(\.key), "key names/order", file: file, line: line)
    guard ours.count == official.count else { return }
    for (e, o) in zip(ours, official) {
        XCTAssertEqual(e.tensor.shape, o.shape, e.name, file: file, line: line)
        XCTAssertEqual(e.kind == .buffer, o.isBuffer, "\(e.name) kind", file: file, line: line)
        XCTAssertEqual(e.tensor.dtype.description, o.dtype, "\(e.name) dtype", file: file, line: line)
    }
}

func fixtureURL(_ name: String) throws -> URL {
    let folder = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil), "Fixtures missing from the bundle")
    return folder.appendingPathComponent(name)
}

func loadFixture(_ name: String) throws -> [String: Tensor] { try TensorFile.loadTensors(from: fixtureURL(name)) }

/// Largest |a − b| over all elements (same shapes required).
func maxAbsDifference(_ a: Tensor, _ b: Tensor, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
    XCTAssertEqual(a.shape, b.shape, "shapes", file: file, line: line)
    let x = try a.to(.float64).contiguous().doubles(), y = try b.to(.float64).contiguous().doubles()
    return zip(x, y).map { Swift.abs($0 - $1) }.max() ?? 0
}

func assertClose(_ a: Tensor, _ b: Tensor, atol: Double = 1e-5, _ what: String = "", file: StaticString = #filePath, line: UInt = #line) throws {
    let d = try maxAbsDifference(a, b, file: file, line: line)
    XCTAssertLessThanOrEqual(d, atol, "\(what): max |Δ| = \(d)", file: file, line: line)
}
