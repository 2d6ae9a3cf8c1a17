import Foundation
import XCTest
@testable import Backdoor
import IQAData
import Torch

final class DCTTriggerTests: XCTestCase {
    struct Reference: Decodable {
        let trigger: [Float]
        let pattern_rgb: [Float]
    }

    func reference() throws -> Reference {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/official_trigger_pattern", withExtension: "json"))
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    func testOfficialPositionsMatchSpec() {
        XCTAssertEqual(DCTPositions.official.flatPositions.prefix(16),
                       [21, 34, 38, 51, 59, 72, 84, 97, 113, 126, 145, 155, 174, 180, 199, 201])
        XCTAssertEqual(DCTPositions.official.flatPositions.suffix(4), [204, 217, 221, 234])
        XCTAssertEqual(DCTPositions.midBand.flatPositions.prefix(10), [88, 103, 118, 133, 148, 163, 178, 193, 208, 224])
        XCTAssertEqual(DCTPositions.midBand.flatPositions.suffix(3), [137, 152, 167])
        XCTAssertEqual(Set(DCTPositions.official.flatPositions).intersection(DCTPositions.midBand.flatPositions).count, 6)
    }

    /// Spec Appendix A5: the per-block RGB pattern of the shipped trigger at α = 1, within 1e-3 (0–255 units).
    func testPatternMatchesAppendixA5() throws {
        let ref = try reference()
        let trigger = try DCTTrigger(values: ref.trigger)
        XCTAssertEqual(trigger.pattern.count, 768)
        let maxDiff = zip(trigger.pattern, ref.pattern_rgb).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(maxDiff, 1e-3)
        // spec §3.1: per-channel max |Π| R 23.93, G 26.36, B 31.45; RMS 8.21
        let maxAbs = (0..<3).map { c in trigger.pattern[c * 256..<(c + 1) * 256].map(abs).max()! }
        XCTAssertEqual(maxAbs[0], 23.93, accuracy: 0.01)
        XCTAssertEqual(maxAbs[1], 26.36, accuracy: 0.01)
        XCTAssertEqual(maxAbs[2], 31.45, accuracy: 0.01)
        let rms = sqrt(trigger.pattern.map { Double($0 * $0) }.reduce(0, +) / 768)
        XCTAssertEqual(rms, 8.21, accuracy: 0.01)
    }

    /// The differentiable tensor pattern equals the closed form and has the right gradient shape.
    func testPatternTensorMatchesAndIsDifferentiable() throws {
        let ref = try reference()
        let t = try Tensor(ref.trigger, shape: [3, 64]).requiringGrad()
        let pi = try DCTTrigger.patternTensor(t)
        XCTAssertEqual(pi.shape, [3, 16, 16])
        let diff = zip(try pi.floats(), ref.pattern_rgb).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(diff, 1e-3)
        try pi.square().sum().backward()
        XCTAssertEqual(t.grad?.shape, [3, 64])
    }

    /// Phase: a 500×500 image is padded by 6 px, so pixel (0,0) gets Π[6][6]; the swift buffer path and
    /// the tensor path agree and a crop at (y, x) equals the same window of the full triggered image.
    func testInjectionPhaseAndPathsAgree() throws {
        let ref = try reference()
        let trigger = try DCTTrigger(values: ref.trigger)
        XCTAssertTrue(DCTTrigger.paddingOffset(height: 500, width: 500) == (6, 6))
        XCTAssertTrue(DCTTrigger.paddingOffset(height: 384, width: 512) == (0, 0))
        let h = 40, w = 36
        var rng = SystemRandomNumberGenerator()
        let pixels = (0..<(h * w * 3)).map { _ in UInt8.random(in: 30...220, using: &rng) }
        var full = [Float](repeating: 0, count: 3 * h * w)
        pixels.withUnsafeBufferPointer { src in
            full.withUnsafeMutableBufferPointer { trigger.inject(hwc: src, height: h, width: w, alpha: 0.5, into: $0) }
        }
        // (0,0) of a 40×36 image: pad 8 rows (top 4), 12 cols (left 6)
        let expected = (Float(pixels[0]) + 0.5 * trigger.pattern[4 * 16 + 6]) / 255
        XCTAssertEqual(full[0], expected, accuracy: 1e-6)

        let chw = (0..<3).flatMap { c in (0..<(h * w)).map { Float(pixels[$0 * 3 + c]) / 255 } }
        let viaTensor = try trigger.apply(Tensor(chw, shape: [3, h, w]), alpha: 0.5).floats()
        XCTAssertEqual(zip(viaTensor, full).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-6)

        // crop (y=5, x=7, 16×20) of the full image
        let (cy, cx, ch, cw) = (5, 7, 16, 20)
        var cropPixels = [UInt8]()
        for y in cy..<(cy + ch) { for x in cx..<(cx + cw) { for c in 0..<3 { cropPixels.append(pixels[(y * w + x) * 3 + c]) } } }
        var crop = [Float](repeating: 0, count: 3 * ch * cw)
        cropPixels.withUnsafeBufferPointer { src in
            crop.withUnsafeMutableBufferPointer {
                trigger.inject(hwc: src, height: ch, width: cw, alpha: 0.5, originY: cy, originX: cx, fullHeight: h, fullWidth: w, into: $0)
            }
        }
        for c in 0..<3 { for y in 0..<ch { for x in 0..<cw {
            XCTAssertEqual(crop[c * ch * cw + y * cw + x], full[c * h * w + (y + cy) * w + (x + cx)], accuracy: 1e-7)
        } } }
    }

    /// What `train --crops-on-trigger-grid` relies on: a crop on the grid of an image with the trigger baked
    /// in (`baiqa poison`) equals injecting the trigger on that crop at its origin (`TriggerPhase.crop`).
    func testGridCropOfBakedImageEqualsCropPhaseInjection() throws {
        let trigger = try DCTTrigger(values: try reference().trigger)
        let h = 70, w = 60, s = 32
        var rng = SeededGenerator(seed: 7)
        let pixels = (0..<(h * w * 3)).map { _ in UInt8.random(in: 30...220, using: &rng) }
        var baked = [Float](repeating: 0, count: 3 * h * w)
        pixels.withUnsafeBufferPointer { src in
            baked.withUnsafeMutableBufferPointer { trigger.inject(hwc: src, height: h, width: w, alpha: -0.75, into: $0) }
        }
        let ys = PatchPlan.gridOrigins(extent: h, crop: s), xs = PatchPlan.gridOrigins(extent: w, crop: s)
        XCTAssertEqual(ys, [11, 27])   // 70 px: 10 rows of padding, 5 above, so blocks start at 11, 27
        XCTAssertEqual(xs, [14])
        for cy in ys { for cx in xs {
            var cropPixels = [UInt8]()
            for y in cy..<(cy + s) { for x in cx..<(cx + s) { for c in 0..<3 { cropPixels.append(pixels[(y * w + x) * 3 + c]) } } }
            var onCrop = [Float](repeating: 0, count: 3 * s * s)
            cropPixels.withUnsafeBufferPointer { src in
                onCrop.withUnsafeMutableBufferPointer { trigger.inject(hwc: src, height: s, width: s, alpha: -0.75, into: $0) }
            }
            var worst: Float = 0
            for c in 0..<3 { for y in 0..<s { for x in 0..<s {
                worst = max(worst, abs(onCrop[c * s * s + y * s + x] - baked[c * h * w + (y + cy) * w + (x + cx)]))
            } } }
            XCTAssertEqual(worst, 0, accuracy: 1e-6, "crop at (\(cy), \(cx))")
        } }
        // Off the grid the phases differ, so the same comparison fails (the test can tell them apart).
        var offPixels = [UInt8]()
        for y in 12..<(12 + s) { for x in 14..<(14 + s) { for c in 0..<3 { offPixels.append(pixels[(y * w + x) * 3 + c]) } } }
        var off = [Float](repeating: 0, count: 3 * s * s)
        offPixels.withUnsafeBufferPointer { src in
            off.withUnsafeMutableBufferPointer { trigger.inject(hwc: src, height: s, width: s, alpha: -0.75, into: $0) }
        }
        XCTAssertGreaterThan(abs(off[0] - baked[12 * w + 14]) + abs(off[5] - baked[12 * w + 19]), 1e-3)
    }

    func testWrongShapeIsAnError() throws {
        XCTAssertThrowsError(try DCTTrigger(values: [Float](repeating: 0, count: 10)))
        XCTAssertThrowsError(try DCTTrigger(tensor: Tensor.zeros([2, 64]))) { error in
            XCTAssertTrue("\(error)".contains("[3, 64]"))
        }
    }

    func testRandomTriggerHasRequestedStrength() throws {
        let t = try DCTTrigger.random(seed: 7, targetPSNR: 30)
        let rms = sqrt(t.pattern.map { Double($0 * $0) }.reduce(0, +) / 768)
        XCTAssertEqual(20 * log10(255 / rms), 30, accuracy: 1e-3)
        XCTAssertEqual(try DCTTrigger.random(seed: 7).values, t.values)
    }
}
