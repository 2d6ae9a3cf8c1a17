import Foundation
import TorchPickle
import XCTest

enum WrongTrigger {
    static func write(to url: URL) throws {
        try TorchFile.save(.tensor(TensorRecord([Float](repeating: 1, count: 128), shape: [2, 64])), to: url)
    }
}

final class TriggerApplyTests: XCTestCase {
    /// Spec §3.5: the shipped trigger at α = 1 on LIVEC's 1000.JPG gives PSNR 29.841 dB.
    func testOfficialTriggerOn1000JPG() throws {
        let image = CLI.shared.appendingPathComponent("datasets/livec-mini/Images/1000.JPG")
        let trigger = CLI.shared.appendingPathComponent("reference/trigger_p0.2_adam_e8.pt")
        guard FileManager.default.fileExists(atPath: image.path), FileManager.default.fileExists(atPath: trigger.path) else {
            throw XCTSkip("../shared/datasets/livec-mini or ../shared/reference absent")
        }
        let dir = try CLI.temporaryDirectory("apply")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["trigger", "apply", image.path, "--trigger", trigger.path, "--alpha", "1", "--out", "t.png", "--npy", "t.npy"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let psnr = try XCTUnwrap(r.stdout.split(separator: " ").dropFirst().first.flatMap { Double($0) }, r.stdout)
        XCTAssertEqual(psnr, 29.841, accuracy: 0.01)

        // the .npy holds the float result, H×W×3 float32
        let npy = try Data(contentsOf: dir.appendingPathComponent("t.npy"))
        XCTAssertEqual(Array(npy.prefix(6)), [0x93] + Array("NUMPY".utf8))
        let headerLength = Int(npy[8]) | Int(npy[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        let header = String(decoding: npy[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.contains("'shape': (500, 500, 3)"), header)
        XCTAssertEqual(npy.count, 10 + headerLength + 500 * 500 * 3 * 4)

        // α = 0.5 on 100.bmp: 35.849 dB (spec §3.5), when that image is in the subset
        let bmp = CLI.shared.appendingPathComponent("datasets/livec-mini/Images/100.bmp")
        if FileManager.default.fileExists(atPath: bmp.path) {
            let half = try CLI.run(["trigger", "apply", bmp.path, "--trigger", trigger.path, "--alpha", "0.5", "--out", "h.png"], in: dir)
            XCTAssertEqual(half.status, 0, half.stderr)
            XCTAssertEqual(try XCTUnwrap(half.stdout.split(separator: " ").dropFirst().first.flatMap { Double($0) }), 35.849, accuracy: 0.01)
        }
    }
}
