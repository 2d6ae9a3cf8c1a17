import Foundation
@testable import IQAData
import XCTest

final class PatchPlanTests: XCTestCase {
    /// The official injection pads 500 px to 512, 6 before, so blocks start at 10 mod 16; 512 px needs none.
    func testGridOriginsFollowTheTriggerPadding() {
        let livec = PatchPlan.gridOrigins(extent: 500, crop: 128)
        XCTAssertEqual(livec.first, 10)
        XCTAssertEqual(livec.last, 362)
        XCTAssertEqual(livec.count, 23)
        XCTAssertEqual(PatchPlan.gridOrigins(extent: 512, crop: 224), Array(stride(from: 0, through: 288, by: 16)))
        XCTAssertEqual(PatchPlan.gridOrigins(extent: 224, crop: 224), [0])
        XCTAssertEqual(PatchPlan.gridOrigins(extent: 100, crop: 96), [])   // blocks start at 10; only 4 px of slack
    }

    func testRandomCropsOnTheGridUseOnlyGridOrigins() {
        var rng = SeededGenerator(seed: 3)
        var ys = Set<Int>(), xs = Set<Int>()
        for _ in 0..<2000 {
            let p = PatchPlan.random(image: 0, height: 500, width: 384, crop: 128, allowFlip: true, onTriggerGrid: true, using: &rng)
            ys.insert(p.y)
            xs.insert(p.x)
        }
        XCTAssertEqual(ys, Set(PatchPlan.gridOrigins(extent: 500, crop: 128)))   // every grid row is drawn, nothing else
        XCTAssertEqual(xs, Set(PatchPlan.gridOrigins(extent: 384, crop: 128)))
        var free = SeededGenerator(seed: 3)
        let anywhere = Set((0..<2000).map { _ in
            PatchPlan.random(image: 0, height: 500, width: 384, crop: 128, allowFlip: true, using: &free).y
        })
        XCTAssertGreaterThan(anywhere.count, 300)
    }
}
