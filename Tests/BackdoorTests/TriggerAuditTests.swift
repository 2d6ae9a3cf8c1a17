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
        // 170×150 on the official grid (padding 3 left, 5 top): blocks from x = 13 and y = 11, 9 × 8 of them.
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

    /// On the injection grid the trigger's energy sits at its own 64 coefficients per channel: a grid one
    /// block-phase off would spread it over all of them.
    func testLargestConsistencyLiesOnTheTriggerCoefficients() throws {
        let image = try poisoned(texture(seed: 3, width: 200, height: 180, noise: 10), alpha: 1)
        let t = try BlockDCTConsistency(image: image).t
        let official = Set(DCTPositions.official.flatPositions)
        for c in 0..<3 {
            let top = (0..<256).sorted { abs(t[c * 256 + $0]) > abs(t[c * 256 + $1]) }.prefix(32)
            XCTAssertGreaterThanOrEqual(top.filter { official.contains($0) }.count, 30, "channel \(c): \(top.sorted())")
        }
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

/// The model-based audit score on synthetic features: poisoned rows share a direction, the label explains
/// another (larger) one, and only the shared direction is flagged.
final class SpectralSignatureTests: XCTestCase {
    func testFlagsTheSharedDirectionNotTheLabelOne() throws {
        var rng = SeededGenerator(seed: 9)
        let poisoned: Set<Int> = [4, 11, 19, 27, 33]
        var features: [[Double]] = [], labels: [Double] = []
        for i in 0..<40 {
            let label = rng.uniform(0, 100)
            var f = (0..<8).map { _ in rng.nextGaussian() }
            f[0] += 0.2 * (label - 50)                 // what the label explains: large, but not suspicious
            if poisoned.contains(i) { f[2] += 4; f[5] -= 4 }
            features.append(f)
            labels.append(label)
        }
        let scores = try SpectralSignature.scores(features: features, labels: labels)
        let ranking = scores.indices.sorted { scores[$0] > scores[$1] }
        XCTAssertEqual(Set(ranking.prefix(5)), poisoned)
        XCTAssertEqual(try SpectralSignature.scores(features: features, labels: labels), scores, "not deterministic")
        XCTAssertThrowsError(try SpectralSignature.scores(features: Array(features.prefix(2)), labels: Array(labels.prefix(2))))
        XCTAssertThrowsError(try SpectralSignature.scores(features: features, labels: Array(labels.prefix(39))))
    }
}
