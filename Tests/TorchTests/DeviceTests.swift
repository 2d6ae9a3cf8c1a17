import Foundation
import Torch
import XCTest

/// `--device`: parsing, resolving against what libtorch can use, and the CPU paths that every device
/// shares (staging a batch, moving tensors back for files). The CUDA side runs in scripts/gpu-check.sh.
final class DeviceTests: XCTestCase {
    func testParsing() throws {
        XCTAssertEqual(try DeviceRequest(parsing: "auto"), .auto)
        XCTAssertEqual(try DeviceRequest(parsing: "CPU"), .device(.cpu))
        XCTAssertEqual(try DeviceRequest(parsing: "cuda"), .device(.cuda(0)))
        XCTAssertEqual(try DeviceRequest(parsing: "cuda:3"), .device(.cuda(3)))
        for bad in ["gpu", "cuda:", "cuda:-1", "cuda:x", ""] {
            XCTAssertThrowsError(try DeviceRequest(parsing: bad)) { XCTAssertTrue("\($0)".contains("unknown device '\(bad)'"), "\($0)") }
        }
        XCTAssertEqual(DeviceRequest.device(.cuda(1)).description, "cuda:1")
        let json = try JSONEncoder().encode(["d": DeviceRequest.device(.cuda(2))])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"{"d":"cuda:2"}"#)
        XCTAssertEqual(try JSONDecoder().decode([String: DeviceRequest].self, from: json)["d"], .device(.cuda(2)))
    }

    func testResolvingSaysWhyCUDACannotBeUsed() throws {
        // auto falls back to the CPU; an explicit CUDA request never does.
        XCTAssertEqual(try DeviceRequest.auto.resolve(cudaBuilt: false, cudaDevices: 0), .cpu)
        XCTAssertEqual(try DeviceRequest.auto.resolve(cudaBuilt: true, cudaDevices: 0), .cpu)
        XCTAssertEqual(try DeviceRequest.auto.resolve(cudaBuilt: true, cudaDevices: 2), .cuda(0))
        XCTAssertEqual(try DeviceRequest.device(.cuda(1)).resolve(cudaBuilt: true, cudaDevices: 2), .cuda(1))
        XCTAssertEqual(try DeviceRequest.device(.cpu).resolve(cudaBuilt: true, cudaDevices: 2), .cpu)
        func message(_ r: DeviceRequest, _ built: Bool, _ n: Int) -> String {
            do { _ = try r.resolve(cudaBuilt: built, cudaDevices: n); return "resolved" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(.device(.cuda(0)), false, 0).contains("CUDA requested (cuda:0), but this libtorch (\(Runtime.libtorchVersion)) has no CUDA"))
        XCTAssertTrue(message(.device(.cuda(0)), true, 0).contains("sees 0 CUDA devices"))
        XCTAssertTrue(message(.device(.cuda(2)), true, 2).contains("cuda:2 requested, but only 2 CUDA devices are visible"))
        XCTAssertTrue(message(.device(.cuda(1)), true, 1).contains("only 1 CUDA device is visible"))
    }

    /// A run of the tests with BAIQA_DEVICE set (scripts/gpu-check.sh) must really use that device.
    func testTheRequestedTestDeviceIsUsed() throws {
        guard let text = ProcessInfo.processInfo.environment["BAIQA_DEVICE"] else { throw XCTSkip("BAIQA_DEVICE is not set: the tests run on the CPU") }
        let request = try DeviceRequest(parsing: text)
        XCTAssertEqual(Runtime.defaultDevice, try request.resolve())
    }

    func testThisLibtorch() throws {
        // What the linked libtorch reports must agree with itself.
        if !Runtime.hasCUDABuild { XCTAssertEqual(Runtime.cudaDeviceCount, 0) }
        XCTAssertEqual(try DeviceRequest.auto.resolve(), Runtime.cudaDeviceCount > 0 ? .cuda(0) : .cpu)
        XCTAssertEqual(Runtime.describe(.cpu), ["device": "cpu"])
        let env = Runtime.computeEnvironment
        XCTAssertEqual(env["libtorch"], Runtime.libtorchVersion)
        XCTAssertEqual(env["device"], Runtime.defaultDevice.description)
        if Runtime.defaultDevice != .cpu { XCTAssertNotNil(env["device_name"], "\(env)") }
        XCTAssertNotNil(env["deterministic"])
        Runtime.synchronize(.cpu)   // a no-op, not an error
    }

    /// A CPU batch staged for the CPU is the same tensor; for the test device (BAIQA_TEST_DEVICE, the
    /// CPU unless a GPU check sets it) it holds the same values, and comes back to the CPU unchanged.
    func testStagingABatch() throws {
        let x = try Tensor((0..<24).map(Float.init), shape: [2, 3, 2, 2])
        let same = try x.staged(to: .cpu)
        XCTAssertEqual(same.device, .cpu)
        XCTAssertEqual(try same.floats(), try x.floats())
        let device = Runtime.defaultDevice
        let staged = try x.staged(to: device)
        XCTAssertEqual(staged.device, device)
        XCTAssertEqual(try staged.to(.cpu).floats(), try x.floats())
        XCTAssertEqual(try (staged * 2).sum().item(), 552)
    }
}
