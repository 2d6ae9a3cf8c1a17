import Foundation
import XCTest

/// `baiqa dataset info|split` and experiments on LIVEC's official layout (livec-mini from ../shared).
final class DatasetCommandTests: XCTestCase {
    var livec: URL { CLI.shared.appendingPathComponent("datasets/livec-mini") }

    func requireLIVEC() throws {
        guard FileManager.default.fileExists(atPath: livec.appendingPathComponent("Data/AllMOS_release.mat").path) else {
            throw XCTSkip("../shared/datasets/livec-mini absent")
        }
    }

    func testInfoOnLIVECMini() throws {
        try requireLIVEC()
        let dir = try CLI.temporaryDirectory("info")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["dataset", "info", "--dataset", "livec", "--root", livec.path, "--headers-only", "--json"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(json["count"] as? Int, 667)
        let scores = try XCTUnwrap(json["scores"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(scores["mean"] as? Double), 56.7386, accuracy: 1e-4)
        XCTAssertEqual(try XCTUnwrap(scores["min"] as? Double), 3.42, accuracy: 1e-9)
        XCTAssertEqual((json["problems"] as? [Any])?.count, 0)
    }

    /// A deleted image, a corrupt JPEG and a truncated .mat: every problem is named, exit ≠ 0.
    func testInfoNamesEveryProblemOfABrokenCopy() throws {
        try requireLIVEC()
        let dir = try CLI.temporaryDirectory("broken")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("livec")
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("Images"), withIntermediateDirectories: true)
        try fm.copyItem(at: livec.appendingPathComponent("Data"), to: root.appendingPathComponent("Data"))
        for name in try fm.contentsOfDirectory(atPath: livec.appendingPathComponent("Images").path) {
            try fm.createSymbolicLink(at: root.appendingPathComponent("Images/\(name)"), withDestinationURL: livec.appendingPathComponent("Images/\(name)"))
        }
        try fm.removeItem(at: root.appendingPathComponent("Images/1001.JPG"))
        try fm.removeItem(at: root.appendingPathComponent("Images/1002.JPG"))
        try Data(try Data(contentsOf: livec.appendingPathComponent("Images/1002.JPG")).prefix(5000)).write(to: root.appendingPathComponent("Images/1002.JPG"))
        let mos = root.appendingPathComponent("Data/AllMOS_release.mat")
        try Data(try Data(contentsOf: mos).prefix(3000)).write(to: mos)
        let r = try CLI.run(["dataset", "info", "--dataset", "livec", "--root", root.path], in: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("AllMOS_release.mat: truncated"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1001.JPG: no such file"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1002.JPG: corrupt or truncated JPEG"), r.stdout)
        XCTAssertTrue(r.stdout.contains("problems: 3"), r.stdout)
    }

    /// A split file of livec-mini names drives the experiment (LIVEC layout, 1 epoch on 40 images).
    func testExperimentOnLIVECWithASplitFile() throws {
        try requireLIVEC()
        let dir = try CLI.temporaryDirectory("livec")
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = try CLI.run(["dataset", "split", "--dataset", "livec", "--root", livec.path, "--out", "all.json", "--seed", "3"], in: dir)
        XCTAssertEqual(full.status, 0, full.stderr)
        XCTAssertTrue(full.stdout.contains("534 train, 133 test"), full.stdout)
        let all = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("all.json"))) as! [String: [String]]
        let small: [String: [String]] = ["train": Array(all["train"]!.prefix(40)), "test": Array(all["test"]!.prefix(10)),
                                         "poisoned_subset": Array(all["train"]!.prefix(8)), ]
        try JSONSerialization.data(withJSONObject: small).write(to: dir.appendingPathComponent("small.json"))
        let r = try CLI.run(["experiment", "--dataset", "livec", "--root", livec.path, "--split", "small.json", "--epochs", "1",
                             "--out", "run", "--threads", "2"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("split: 40 train / 10 test images (from"), r.stderr)
        let poison = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run/poison.json"))) as! [String: Any]
        let poisoned = (poison["images"] as! [[String: Any]]).map { $0["name"] as! String }
        XCTAssertEqual(poisoned, small["poisoned_subset"])
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run/results.json"))) as! [String: Any]
        XCTAssertEqual((results["benign"] as! [String: Any])["n"] as? Int, 10)
        // LIVEC at α = 1 with a 30 dB design trigger: PSNR near 30 dB
        XCTAssertEqual(try XCTUnwrap((results["attack"] as! [String: Any])["psnr_alpha1"] as? Double), 30, accuracy: 1.0)

        // a split naming images that are not in the dataset fails and lists them
        try JSONSerialization.data(withJSONObject: ["train": ["nope1.bmp"] + small["train"]!, "test": small["test"]!])
            .write(to: dir.appendingPathComponent("bad.json"))
        let bad = try CLI.run(["experiment", "--dataset", "livec", "--root", livec.path, "--split", "bad.json", "--out", "run2"], in: dir)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("nope1.bmp"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run2.partial").path))
    }
}
