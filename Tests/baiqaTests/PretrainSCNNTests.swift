import Foundation
import TorchPickle
import XCTest

final class PretrainSCNNTests: XCTestCase {
    /// `pretrain scnn` writes SCNN weights (features.*, 31-class classifier) that a DBCNN run then loads.
    func testPretrainThenTrainDBCNN() throws {
        let dir = try CLI.temporaryDirectory("scnn")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pre = try CLI.run(["pretrain", "scnn", "--out", "scnn.pt", "--epochs", "1", "--scenes", "20", "--size", "48"], in: dir)
        XCTAssertEqual(pre.status, 0, pre.stderr)
        XCTAssertTrue(pre.stdout.contains("31 classes"), pre.stdout)
        guard case .dict(let state) = try TorchFile.load(contentsOf: dir.appendingPathComponent("scnn.pt")) else { return XCTFail("not a dict") }
        XCTAssertEqual(state["classifier.weight"]?.tensorValue?.shape, [31, 256])
        XCTAssertEqual(state["features.0.weight"]?.tensorValue?.shape, [16, 3, 3, 3])

        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "12", "--size", "128"], in: dir).status, 0)
        let train = try CLI.run(["train", "--model", "dbcnn", "--dataset", "folder", "--root", "data", "--epochs", "1",
                                 "--scnn-weights", "scnn.pt", "--out", "run"], in: dir)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("SCNN stream initialised from"), train.stderr)

        // the official-size DBCNN does not fit the cpu SCNN: a clear error before any run folder exists
        let wrong = try CLI.run(["train", "--model", "dbcnn", "--preset", "paper", "--dataset", "folder", "--root", "data",
                                 "--scnn-weights", "scnn.pt", "--out", "run2"], in: dir)
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("scnn.pt") && wrong.stderr.contains("features2.0.weight"), wrong.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run2.partial").path))
    }
}
