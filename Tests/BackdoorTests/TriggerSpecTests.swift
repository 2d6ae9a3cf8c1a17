import Foundation
import XCTest
@testable import Backdoor
import IQAData
import Torch

/// `TriggerSpec`: the one description of a trigger that runs record and commands rebuild injectors from.
final class TriggerSpecTests: XCTestCase {
    let h = 40, w = 36
    lazy var image: RGBImage = {
        var rng = SeededGenerator(seed: 5)
        return RGBImage(width: w, height: h, pixels: (0..<(h * w * 3)).map { _ in UInt8.random(in: 20...235, using: &rng) })
    }()

    func render(_ injector: CropInjector, alpha: Double = 0.7) -> [Float] { injector.injectFullImage(image, alpha: alpha) }

    func testEachAttackBuildsItsOwnInjector() throws {
        var spec = TriggerSpec(attack: .ftrojan)
        spec.positions = .midBand
        spec.baselines.ftrojanMagnitude = 123
        XCTAssertEqual(render(try spec.injector(seed: 0)), render(try FTrojanTrigger(magnitude: 123, positions: .midBand)))
        XCTAssertNotEqual(render(try spec.injector(seed: 0)), render(try FTrojanTrigger(magnitude: 123)))
        spec.attack = .blended
        spec.baselines.blendRatio = 0.2
        XCTAssertEqual(render(try spec.injector(seed: 0)), render(BlendedTrigger(ratio: 0.2)))
        spec.attack = .wanet
        spec.baselines.wanetGrid = 3
        XCTAssertEqual(render(try spec.injector(seed: 0)), render(WaNetTrigger(gridSize: 3, strength: 0.84)))
        XCTAssertNil(try spec.dctTrigger(seed: 0))
    }

    func testBAIQAFileRelativeToItsFolderElseSeededRandom() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spec-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let trigger = try DCTTrigger.random(seed: 9, targetPSNR: 28, positions: .midBand)
        try TensorFile.save(trigger.tensor(), to: folder.appendingPathComponent("trigger.pt"))

        var spec = TriggerSpec()
        spec.positions = .midBand
        spec.file = "trigger.pt"
        XCTAssertEqual(try spec.dctTrigger(seed: 0, relativeTo: folder)?.values, trigger.values)
        XCTAssertEqual(render(try spec.injector(seed: 0, relativeTo: folder)), render(trigger))
        // The same coefficients at the official positions are another pattern.
        spec.positions = .official
        XCTAssertNotEqual(render(try spec.injector(seed: 0, relativeTo: folder)), render(trigger))
        // A missing file names itself.
        XCTAssertThrowsError(try spec.dctTrigger(seed: 0, relativeTo: folder.appendingPathComponent("elsewhere"))) {
            XCTAssertTrue("\($0)".contains("elsewhere/trigger.pt: no such trigger file"), "\($0)")
        }
        // No file: the seeded random trigger of the given PSNR.
        spec.file = nil
        spec.randomPSNR = 28
        spec.positions = .midBand
        XCTAssertEqual(try spec.dctTrigger(seed: 9)?.values, trigger.values)
        XCTAssertNotEqual(try spec.dctTrigger(seed: 10)?.values, trigger.values)
    }

    func testCodableRoundTripAndSummary() throws {
        var spec = TriggerSpec(attack: .ftrojan)
        spec.baselines.ftrojanChannels = .chroma
        spec.positions = .midBand
        let decoded = try JSONDecoder().decode(TriggerSpec.self, from: JSONEncoder().encode(spec))
        XCTAssertEqual(decoded, spec)
        XCTAssertEqual(spec.summary, "ftrojan (magnitude 265.0, chroma channels, mid-band positions)")
        XCTAssertEqual(TriggerSpec().summary, "baiqa (random, 30.0 dB, official positions)")
    }

    /// Full-image rendering: the rounded image, its MSE and the residual agree with the float result.
    func testTriggeredImageRendering() throws {
        let trigger = try DCTTrigger.random(seed: 2)
        let r = TriggerRendering.triggered(image, injector: trigger, alpha: 1)
        XCTAssertEqual(r.chw, render(trigger, alpha: 1))
        var sum = 0.0
        for p in 0..<(h * w) { for c in 0..<3 {
            XCTAssertEqual(Int(r.image.pixels[p * 3 + c]), Int((r.chw[c * h * w + p] * 255).rounded()))
            XCTAssertEqual(r.hwc[p * 3 + c], r.chw[c * h * w + p])
            let d = Double(r.chw[c * h * w + p]) - Double(image.pixels[p * 3 + c]) / 255
            sum += d * d
        } }
        XCTAssertEqual(r.mse, sum / Double(3 * h * w), accuracy: 1e-15)
        XCTAssertGreaterThan(r.mse, 0)
        XCTAssertEqual(TriggerRendering.triggered(image, injector: trigger, alpha: 0).residual(against: image, gain: 8).pixels.max(), 0)
        let pattern = TriggerRendering.pattern(trigger, scale: 2)
        XCTAssertEqual(pattern.width, 32)
        XCTAssertTrue(pattern.pixels.contains(0) || pattern.pixels.contains(255))   // the largest |Π| spans the range
    }
}
