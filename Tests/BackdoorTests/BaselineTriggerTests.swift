import Foundation
import XCTest
@testable import Backdoor
import IQAData

final class BaselineTriggerTests: XCTestCase {
    let h = 48, w = 40
    lazy var pixels: [UInt8] = {
        var rng = SeededGenerator(seed: 12)
        return (0..<(h * w * 3)).map { _ in UInt8.random(in: 10...245, using: &rng) }
    }()

    func render(_ t: CropInjector, alpha: Double, region: (Int, Int, Int, Int)? = nil) -> [Float] {
        let (y0, x0, rh, rw) = region ?? (0, 0, h, w)
        var crop = [UInt8]()
        for y in y0..<(y0 + rh) { for x in x0..<(x0 + rw) { for c in 0..<3 { crop.append(pixels[(y * w + x) * 3 + c]) } } }
        var out = [Float](repeating: 0, count: 3 * rh * rw)
        crop.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { t.inject(hwc: src, height: rh, width: rw, alpha: alpha, originY: y0, originX: x0, fullHeight: h, fullWidth: w, into: $0) }
        }
        return out
    }

    func mse(_ out: [Float]) -> Double {
        var s = 0.0
        for c in 0..<3 { for p in 0..<(h * w) { let d = Double(out[c * h * w + p]) - Double(pixels[p * 3 + c]) / 255; s += d * d } }
        return s / Double(3 * h * w)
    }

    func testAlphaZeroIsIdentityAndStrengthGrowsWithAlpha() throws {
        for t in [BlendedTrigger() as CropInjector, WaNetTrigger(), try FTrojanTrigger()] {
            XCTAssertEqual(mse(render(t, alpha: 0)), 0, accuracy: 1e-12, "\(t)")
            let m1 = mse(render(t, alpha: 0.5)), m2 = mse(render(t, alpha: 1))
            XCTAssertGreaterThan(m1, 0)
            XCTAssertGreaterThan(m2, m1 * 2, "\(t)")   // roughly quadratic in α
        }
    }

    /// Blended and FTrojan are position-exact: a crop equals the same window of the triggered full image.
    func testCropsSeeTheFullImagePattern() throws {
        for t in [BlendedTrigger(seed: 3) as CropInjector, try FTrojanTrigger()] {
            let full = render(t, alpha: 0.8)
            let (y0, x0, rh, rw) = (7, 5, 20, 16)
            let crop = render(t, alpha: 0.8, region: (y0, x0, rh, rw))
            for c in 0..<3 { for y in 0..<rh { for x in 0..<rw {
                XCTAssertEqual(crop[c * rh * rw + y * rw + x], full[c * h * w + (y + y0) * w + x + x0], accuracy: 1e-6)
            } } }
        }
    }

    func testFTrojanIsAConstantDCTTrigger() throws {
        let f = try FTrojanTrigger(magnitude: 100, channels: .chroma)
        XCTAssertEqual(Array(f.dct.values[0..<64]), Array(repeating: 0, count: 64))
        XCTAssertEqual(Array(f.dct.values[64...]), Array(repeating: 100, count: 128))
    }

    func testWaNetIsASmoothSeededWarp() {
        let a = WaNetTrigger(seed: 1), b = WaNetTrigger(seed: 1), c = WaNetTrigger(seed: 2)
        XCTAssertEqual(render(a, alpha: 1), render(b, alpha: 1))
        XCTAssertNotEqual(render(a, alpha: 1), render(c, alpha: 1))
        // neighbouring offsets differ little (smooth field)
        let (dy0, dx0) = a.offset(0.5, 0.5), (dy1, dx1) = a.offset(0.51, 0.5)
        XCTAssertLessThan(abs(dy0 - dy1) + abs(dx0 - dx1), 0.2)
    }
}
