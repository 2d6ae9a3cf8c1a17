import Foundation
@testable import IQAData
import XCTest

final class SeededGeneratorTests: XCTestCase {
    func testSameSeedSameStream() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xs = (0..<100).map { _ in a.next() }
        XCTAssertEqual(xs, (0..<100).map { _ in b.next() })
        XCTAssertNotEqual(xs, (0..<100).map { _ in c.next() })
    }

    /// Pinned outputs (checked against an independent implementation of SplitMix64-seeded
    /// xoshiro256**): a change here changes every generated dataset.
    func testKnownValues() {
        var g = SeededGenerator(seed: 0)
        XCTAssertEqual((0..<3).map { _ in g.next() }, Self.golden)
    }

    static let golden: [UInt64] = [11_091_344_671_253_066_420, 13_793_997_310_169_335_082, 1_900_383_378_846_508_768]

    func testStreamsAreDistinct() {
        var seen = Set<UInt64>()
        for stream in 0..<200 {
            var g = SeededGenerator(seed: 1, stream: UInt64(stream))
            seen.insert(g.next())
            var h = SeededGenerator(seed: 1, stream: UInt64(stream), 2)
            seen.insert(h.next())
        }
        XCTAssertEqual(seen.count, 400)
    }

    func testDistributions() {
        var g = SeededGenerator(seed: 5)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[g.nextInt(below: 7)] += 1 }
        XCTAssert(counts.allSatisfy { (9_500...10_500).contains($0) }, "\(counts)")
        let u = (0..<100_000).map { _ in g.nextDouble() }
        XCTAssert(u.allSatisfy { $0 >= 0 && $0 < 1 })
        let normals = (0..<100_000).map { _ in g.nextGaussian() }
        let mean = normals.reduce(0, +) / Double(normals.count)
        let variance = normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(normals.count)
        XCTAssertEqual(mean, 0, accuracy: 0.02)
        XCTAssertEqual(variance, 1, accuracy: 0.03)
    }

    func testDeterministicExpMatchesLibm() {
        for i in -400...400 {
            let x = Double(i) / 40
            XCTAssertEqual(DeterministicMath.exp(x), Foundation.exp(x), accuracy: 4e-16 * Foundation.exp(x), "x = \(x)")
        }
        XCTAssertEqual(DeterministicMath.exp(0), 1)
        XCTAssertEqual(DeterministicMath.exp(-800), 0)
    }
}
