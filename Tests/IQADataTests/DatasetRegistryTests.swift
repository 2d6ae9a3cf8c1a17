import Foundation
import XCTest
import IQAData

/// The dataset registry: one entry per layout, looked up by name, opening each kind from a `DatasetSpec`.
final class DatasetRegistryTests: XCTestCase {
    func testKindsAndUnknownKind() throws {
        XCTAssertEqual(DatasetRegistry.names, ["builtin", "folder", "livec", "koniq"])
        XCTAssertEqual(try DatasetRegistry.kind(named: "builtin").defaultRoot, "data/builtin")
        XCTAssertNil(try DatasetRegistry.kind(named: "livec").defaultRoot)
        XCTAssertThrowsError(try DatasetRegistry.kind(named: "tid2013", file: "--dataset")) { error in
            XCTAssertEqual("\(error)", "--dataset: unknown dataset kind 'tid2013' (builtin, folder, livec, koniq)")
        }
        var spec = DatasetSpec()
        spec.kind = "koniq"
        spec.koniqResolution = "800x600"
        XCTAssertThrowsError(try spec.source()) { XCTAssertTrue("\($0)".contains("800x600"), "\($0)") }
        spec.koniqResolution = "512x384"
        XCTAssertEqual((try spec.source() as? KonIQ10kDataset)?.resolution, .half)
        spec.kind = "livec"
        XCTAssertTrue(try spec.source() is LIVECDataset)
    }

    /// `builtin` generates its dataset on first use (and only then), and reads it as a folder dataset.
    func testBuiltinIsGeneratedOnDemandAndReadAsAFolder() throws {
        let root = try TestSupport.temporaryFolder(self).appendingPathComponent("gen")
        var spec = DatasetSpec()
        spec.root = root.path
        spec.builtinCount = 5
        spec.builtinSize = 48
        let monitor = CountingMonitor()
        let dataset = try LoadedDataset.open(spec, monitor: monitor)
        XCTAssertEqual(dataset.samples.count, 5)
        XCTAssertEqual(dataset.samples[2].name, "images/00002.png")
        XCTAssertTrue(monitor.lines.contains { $0.hasPrefix("generating the built-in dataset (5 images, 48²)") }, "\(monitor.lines)")
        XCTAssertEqual(dataset.indexByName["images/00004.png"], 4)
        // Present now: opened again without generating.
        let again = CountingMonitor()
        _ = try LoadedDataset.open(spec, monitor: again)
        XCTAssertFalse(again.lines.contains { $0.hasPrefix("generating") })
        // The same files through the folder kind.
        spec.kind = "folder"
        XCTAssertEqual(try spec.source().load().map(\.score), dataset.scores)
    }

    /// A split file is recorded by path and by the fingerprint of its bytes.
    func testSplitFileFingerprint() throws {
        let folder = try TestSupport.temporaryFolder(self)
        let split = folder.appendingPathComponent("split.json")
        try Data(#"{"train": ["a"], "test": ["b"]}"#.utf8).write(to: split)
        var spec = DatasetSpec()
        try spec.useSplitFile(split.path, key: "--split")
        XCTAssertEqual(spec.splitFingerprint, Fingerprint.fnv1a64(Data(#"{"train": ["a"], "test": ["b"]}"#.utf8)))
        XCTAssertThrowsError(try spec.useSplitFile(folder.appendingPathComponent("none.json").path, key: "--split")) {
            XCTAssertTrue("\($0)".contains("none.json: --split: cannot read the split file"), "\($0)")
        }
        // FNV-1a 64 test vectors.
        XCTAssertEqual(Fingerprint.fnv1a64(Data()), "cbf29ce484222325")
        XCTAssertEqual(Fingerprint.fnv1a64(Data("a".utf8)), "af63dc4c8601ec8c")
    }
}

final class CountingMonitor: RunMonitor {
    var lines: [String] = []
    func log(_ line: String) { lines.append(line) }
    func progress(stage: String, done: Int, total: Int, detail: String) {}
    func stageFinished(_ stage: String, seconds: Double) {}
}
