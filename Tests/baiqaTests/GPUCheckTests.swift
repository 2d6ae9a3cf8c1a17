import Foundation
import Torch
import XCTest

/// scripts/gpu-check.sh's parts that run without a GPU: its refusal where none is visible, and the
/// summary table it ends with (from the JSON lines its steps write). The parity checks themselves are
/// DeviceParityTests; the tests it runs on the GPU are the ordinary ones with BAIQA_DEVICE=cuda.
final class GPUCheckTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

    func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> CLI.Result {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, b in b }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLI.Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func testWithoutAGPUItSaysSoAtOnce() throws {
        guard Runtime.cudaDeviceCount == 0 else { throw XCTSkip("a GPU is visible here") }
        let dir = try CLI.temporaryDirectory("gpucheck")
        defer { try? FileManager.default.removeItem(at: dir) }
        // No nvidia-smi on the PATH (as on this CPU machine, whatever else is installed).
        let r = try run(URL(fileURLWithPath: "/bin/bash"), [Self.root.appendingPathComponent("scripts/gpu-check.sh").path, "--out", dir.path],
                        environment: ["PATH": "/usr/bin:/bin"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("gpu-check: no GPU visible") && r.stderr.contains("nothing to check"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        let bad = try run(URL(fileURLWithPath: "/bin/bash"), [Self.root.appendingPathComponent("scripts/gpu-check.sh").path, "--fast"])
        XCTAssertEqual(bad.status, 64)
    }

    func testTheSummaryTable() throws {
        let dir = try CLI.temporaryDirectory("gpusummary")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"device": "cuda:0", "device_name": "NVIDIA H100 80GB HBM3", "libtorch": "2.15.0", "cuda": "12.8", "cudnn": "91002"}"#.utf8)
            .write(to: dir.appendingPathComponent("device.json"))
        try Data("""
        {"bench":"parity","check":"training step","relative_difference":2.5e-06,"tolerance":0.001,"passed":true}
        {"bench":"parity","check":"PGD step","relative_difference":0.004,"tolerance":0.001,"passed":false}

        """.utf8).write(to: dir.appendingPathComponent("parity.jsonl"))
        try Data("""
        {"impl":"baiqa","bench":"hyperiqa_resnet50_train_step","channels_last":false,"median_s":0.060}
        {"impl":"baiqa","bench":"hyperiqa_resnet50_train_step","channels_last":true,"median_s":0.050}
        {"impl":"baiqa","bench":"trigger_search_batch","seconds":0.9}
        {"impl":"pytorch","bench":"hyperiqa_resnet50_train_step","channels_last":false,"median_s":0.050}
        {"impl":"pytorch","bench":"hyperiqa_resnet50_train_step","channels_last":true,"median_s":0.040}
        {"impl":"pytorch","bench":"trigger_search_batch","seconds":1.0}
        {"impl":"pytorch-official-dct","bench":"trigger_search_batch","seconds":2.0}

        """.utf8).write(to: dir.appendingPathComponent("timings.jsonl"))
        let bench = CLI.executable.deletingLastPathComponent().appendingPathComponent("baiqa-bench")
        let r = try run(bench, ["gpu-summary", dir.path, "GPU 0: NVIDIA H100", "1", "Executed 40 tests, with 1 failure", "0", "437"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let table = r.stdout
        XCTAssertTrue(table.contains("## GPU check: GPU 0: NVIDIA H100"), table)
        XCTAssertTrue(table.contains("| device | cuda:0 (NVIDIA H100 80GB HBM3), libtorch 2.15.0, CUDA 12.8, cuDNN 91002 |"), table)
        XCTAssertTrue(table.contains("| tests on the GPU | FAILED (status 1): Executed 40 tests, with 1 failure |"), table)
        XCTAssertTrue(table.contains("| parity: training step | 2.50e-06 (≤ 1e-03) ok |"), table)
        XCTAssertTrue(table.contains("| parity: PGD step | 4.00e-03 (≤ 1e-03) FAILED |"), table)
        XCTAssertTrue(table.contains("| HyperIQA-ResNet-50 train step, batch 32 (NCHW) | 60.0 ms | 50.0 ms | 1.20 |"), table)
        XCTAssertTrue(table.contains("| HyperIQA-ResNet-50 train step, batch 32 (channels-last) | 50.0 ms | 40.0 ms | 1.25 |"), table)
        XCTAssertTrue(table.contains("| Algorithm 1 batch (32 crops × 10 Adam steps) | 900.0 ms | 1000.0 ms | 0.90 |"), table)
        XCTAssertTrue(table.contains("| α sweep (2 images × 25 crops × 21 passes) | — | — | — |"), table)
        XCTAssertTrue(table.contains("Wall time of the check: 7 min 17 s."), table)
    }
}
