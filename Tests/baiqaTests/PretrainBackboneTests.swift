import Foundation
import TorchPickle
import XCTest

final class PretrainBackboneTests: XCTestCase {
    /// `pretrain backbone` writes torchvision-layout ResNet weights, from the training images only, that a
    /// HyperIQA run loads with --backbone-weights; a TReS of another width refuses them by name.
    func testPretrainThenTrainHyperIQA() throws {
        let dir = try CLI.temporaryDirectory("backbone")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(try CLI.run(["dataset", "synth", "--out", "data", "--count", "12", "--size", "128"], in: dir).status, 0)
        let pre = try CLI.run(["pretrain", "backbone", "--model", "hyperiqa", "--out", "bb.pt", "--epochs", "1", "--repeats", "2",
                               "--size", "64", "--dataset", "folder", "--root", "data"], in: dir)
        XCTAssertEqual(pre.status, 0, pre.stderr)
        XCTAssertTrue(pre.stdout.contains("resnet10-w32 on 10 training images (64² crops): 31 classes"), pre.stdout)
        guard case .dict(let state) = try TorchFile.load(contentsOf: dir.appendingPathComponent("bb.pt")) else { return XCTFail("not a dict") }
        XCTAssertEqual(state["conv1.weight"]?.tensorValue?.shape, [32, 3, 7, 7])
        XCTAssertEqual(state["fc.weight"]?.tensorValue?.shape, [31, 256])
        XCTAssertNotNil(state["layer4.0.bn2.running_var"])

        let train = try CLI.run(["train", "--model", "hyperiqa", "--dataset", "folder", "--root", "data", "--epochs", "1",
                                 "--backbone-weights", "bb.pt", "--out", "run"], in: dir)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("backbone initialised from"), train.stderr)

        let wrong = try CLI.run(["train", "--model", "hyperiqa", "--preset", "paper", "--dataset", "folder", "--root", "data",
                                 "--backbone-weights", "bb.pt", "--out", "run2"], in: dir)
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("bb.pt") && wrong.stderr.contains("conv1.weight"), wrong.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run2.partial").path))

        let dbcnn = try CLI.run(["pretrain", "backbone", "--model", "dbcnn", "--out", "x.pt", "--dataset", "folder", "--root", "data"], in: dir)
        XCTAssertNotEqual(dbcnn.status, 0)
        XCTAssertTrue(dbcnn.stderr.contains("pretrain scnn"), dbcnn.stderr)
    }
}
