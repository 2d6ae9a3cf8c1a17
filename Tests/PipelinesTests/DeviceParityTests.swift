import Foundation
import Torch
import XCTest
@testable import Pipelines

/// The CPU-vs-device checks of scripts/gpu-check.sh, run here with the CPU on both sides (or with
/// BAIQA_DEVICE on a GPU machine): every building block runs and, on one device, agrees exactly.
final class DeviceParityTests: XCTestCase {
    func testRelativeDifference() throws {
        let b = try Tensor([3, 4], shape: [2])
        XCTAssertEqual(try DeviceParity.relativeDifference(b, b), 0)
        XCTAssertEqual(try DeviceParity.relativeDifference(Tensor([3, 4.5], shape: [2]), b), 0.1, accuracy: 1e-7)   // ‖(0, .5)‖ / 5
        XCTAssertEqual(try DeviceParity.relativeDifference(Tensor.zeros([2]), Tensor.zeros([2])), 0)
        XCTAssertEqual(try DeviceParity.relativeDifference(b, Tensor.zeros([2])), .infinity)
        XCTAssertThrowsError(try DeviceParity.relativeDifference(b, Tensor.zeros([3])))
    }

    func testEveryCheckRunsAndTheCPUAgreesWithItself() throws {
        let device = Runtime.defaultDevice
        let checks = try DeviceParity.run(device: device)
        XCTAssertEqual(checks.map(\.name).count, 4)
        XCTAssertEqual(Set(checks.map { String($0.name.prefix(8)) }), ["trigger ", "training", "PGD step"])
        for c in checks {
            XCTAssertTrue(c.passed, "\(c.name): \(c.relativeDifference) on \(device)")
            if device == .cpu { XCTAssertEqual(c.relativeDifference, 0, c.name) }
        }
    }
}
