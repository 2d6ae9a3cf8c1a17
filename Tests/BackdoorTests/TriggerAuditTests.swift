import Backdoor
import IQAData
import XCTest

/// The model-free audit statistic: a DCT trigger makes an image's blocks agree at its coefficients.
final class TriggerAuditTests: XCTestCase {
    /// A textured image: smooth colour ramps plus seeded uniform noise of ±`noise` levels.
    private func texture(seed: UInt64, width: Int = 100, height: Int = 90, noise: Double = 35) -> RGBImage {
        var rng = SeededGenerator(seed: seed)
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    let base = 60.0 + Double(c * 30) + 0.6 * Double(x) + 0.3 * Double(y)
                    let v = base + rng.uniform(-noise, noise)
                    image.pixels[(y * width + x) * 3 + c] = UInt8(max(0, min(255, v.rounded())))
                }
            }
        }
        return image
    }

    private func poisoned(_ image: RGBImage, alpha: Double) throws -> RGBImage {
        let trigger = try DCTTrigger.random(seed: 5)
        return image.replacingPixels(chw: trigger.injectFullImage(image, alpha: alpha))
    }

    func testTriggerMakesBlocksAgreeAtItsCoefficients() throws {
        let clean = try BlockDCTConsistency(image: texture(seed: 1, width: 170, height: 150, noise: 15))
        // 170×150 on the official grid (padding 3 left, 1 top): blocks from x = 13 and y = 15, 9 × 8 of them.
        XCTAssertEqual(clean.blocks, 72)
        let dirty = try BlockDCTConsistency(image: poisoned(texture(seed: 1, width: 170, height: 150, noise: 15), alpha: 0.5))
        let cleanLarge = clean.t.filter { abs($0) > 4 }.count
        let dirtyLarge = dirty.t.filter { abs($0) > 4 }.count
        XCTAssertLessThan(cleanLarge, 10, "a clean texture has few consistent coefficients")
        XCTAssertGreaterThan(dirtyLarge, 60, "the trigger's coefficients stand out")
        XCTAssertEqual(clean.t[0], 0)
        XCTAssertEqual(try BlockDCTConsistency(image: texture(seed: 1, width: 170, height: 150, noise: 15)), clean, "not deterministic")
        XCTAssertThrowsError(try BlockDCTConsistency(image: RGBImage(width: 20, height: 20)))
    }

    func testScoresRankPoisonedImagesFirst() throws {
        var stats: [BlockDCTConsistency] = []
        let poisonedIndices: Set<Int> = [3, 7, 12, 18]
        for i in 0..<24 {
            var image = texture(seed: UInt64(100 + i))
            if poisonedIndices.contains(i) { image = try poisoned(image, alpha: i % 2 == 0 ? 0.5 : -0.5) }
            stats.append(try BlockDCTConsistency(image: image))
        }
        let scored = try TriggerAuditScores(stats)
        let ranking = scored.scores.indices.sorted { scored.scores[$0] > scored.scores[$1] }
        XCTAssertEqual(Set(ranking.prefix(4)), poisonedIndices)
        XCTAssertEqual(scored.baseline.count, 24)
        XCTAssertThrowsError(try TriggerAuditScores(Array(stats.prefix(2))))
        XCTAssertThrowsError(try TriggerAuditScores(stats, topFraction: 0))
    }
}
