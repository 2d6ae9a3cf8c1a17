import Foundation
import XCTest

@testable import Torch

// Shared helpers for TorchTests: deterministic test data, closeness checks and a finite-difference
// gradient checker.

/// A tiny deterministic generator (64-bit LCG) so test data does not depend on libtorch's RNG.
struct TestRNG {
    private var state: UInt64
    init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * next() }
}

/// Float64 values uniform in [lo, hi).
func uniformValues(_ count: Int, _ lo: Double = -1, _ hi: Double = 1, seed: UInt64) -> [Double] {
    var rng = TestRNG(seed: seed)
    return (0..<count).map { _ in rng.uniform(lo, hi) }
}

/// A float64 tensor of uniform values in [lo, hi).
func uniformTensor(_ shape: [Int], _ lo: Double = -1, _ hi: Double = 1, seed: UInt64) throws -> Tensor {
    try Tensor(uniformValues(shape.reduce(1, *), lo, hi, seed: seed), shape: shape)
}

/// A float64 tensor whose entries have magnitude in [minMagnitude, 1) and random signs: away from the
/// kinks of relu/abs/l1 by much more than the finite-difference step.
func awayFromZeroTensor(_ shape: [Int], minMagnitude: Double = 0.1, seed: UInt64) throws -> Tensor {
    var rng = TestRNG(seed: seed)
    let values = (0..<shape.reduce(1, *)).map { _ -> Double in
        let m = rng.uniform(minMagnitude, 1)
        return rng.next() < 0.5 ? -m : m
    }
    return try Tensor(values, shape: shape)
}

/// A float64 tensor holding a shuffled 0.1·(0, 1, …, n−1): all entries distinct by 0.1.
func distinctTensor(_ shape: [Int], seed: UInt64) throws -> Tensor {
    var values = (0..<shape.reduce(1, *)).map { Double($0) * 0.1 }
    var rng = TestRNG(seed: seed)
    for i in stride(from: values.count - 1, to: 0, by: -1) {
        values.swapAt(i, Int(rng.next() * Double(i + 1)))
    }
    return try Tensor(values, shape: shape)
}

func assertClose(_ actual: [Double], _ expected: [Double], rtol: Double = 1e-12, atol: Double = 1e-12,
                 _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count \(message())", file: file, line: line)
    for (i, (a, e)) in zip(actual, expected).enumerated() where !(Swift.abs(a - e) <= atol + rtol * Swift.abs(e)) {
        XCTFail("element \(i): \(a) vs expected \(e) \(message())", file: file, line: line)
        return
    }
}

func assertClose(_ actual: [Float], _ expected: [Float], rtol: Double = 1e-6, atol: Double = 1e-6,
                 _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    assertClose(actual.map(Double.init), expected.map(Double.init), rtol: rtol, atol: atol, message(), file: file, line: line)
}

/// Asserts that `body` throws a `TorchError` whose message contains `fragment`.
func assertTorchError<T>(containing fragment: String, file: StaticString = #filePath, line: UInt = #line,
                         _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected a TorchError mentioning '\(fragment)', nothing was thrown", file: file, line: line)
    } catch let error as TorchError {
        XCTAssertTrue(error.message.contains(fragment), "'\(error.message)' should mention '\(fragment)'", file: file, line: line)
        // libtorch's C++ backtrace is cut off by the shim.
        XCTAssertFalse(error.message.contains("Exception raised from"), "backtrace leaked: \(error.message)", file: file, line: line)
    } catch {
        XCTFail("expected a TorchError, got \(type(of: error)): \(error)", file: file, line: line)
    }
}

/// Fixed, uneven weights shaped like `y`, so that reducing an output with them gives every element a
/// different, non-zero share (a plain sum would hide errors, e.g. softmax's outputs always sum to 1).
func probeWeights(like y: Tensor) throws -> Tensor {
    let values = (0..<y.count).map { 1 + 0.5 * Foundation.sin(1.7 * Double($0) + 0.3) }
    return try Tensor(values, shape: y.shape)
}

/// Compares autograd's gradient of `f` with central finite differences, element by element.
///
/// `inputs` are float64 tensors (their values are read, fresh leaves are made from them); `f` maps them
/// to any float64 tensor, which is reduced to a scalar with `probeWeights`. Each input element is
/// perturbed by ±h with grad mode off; the analytic gradient comes from `gradients(with:)`.
/// Returns the disagreements (empty when autograd is right) and the largest analytic gradient.
func gradientMismatches(inputs: [Tensor], h: Double = 1e-6, rtol: Double = 1e-5, atol: Double = 1e-7,
                        f: ([Tensor]) throws -> Tensor) throws -> (mismatches: [String], largest: Double) {
    let values = try inputs.map { try $0.doubles() }
    let shapes = inputs.map(\.shape)

    let leaves = try zip(values, shapes).map { try Tensor($0, shape: $1).requiringGrad() }
    let y = try f(leaves)
    let weights = try probeWeights(like: y)
    let loss = try (y * weights).sum()
    let grads = try loss.gradients(with: leaves)

    func evaluate(_ vs: [[Double]]) throws -> Double {
        try withNoGrad {
            let ts = try zip(vs, shapes).map { try Tensor($0, shape: $1) }
            return try (f(ts) * weights).sum().item()
        }
    }

    var mismatches: [String] = []
    var largest = 0.0
    for i in inputs.indices {
        guard let g = grads[i] else {
            mismatches.append("input \(i) got no gradient")
            continue
        }
        guard g.shape == shapes[i] else {
            mismatches.append("input \(i): gradient shape \(g.shape), input shape \(shapes[i])")
            continue
        }
        let analytic = try g.doubles()
        for j in values[i].indices {
            var plus = values, minus = values
            plus[i][j] += h
            minus[i][j] -= h
            let numeric = try (evaluate(plus) - evaluate(minus)) / (2 * h)
            let a = analytic[j]
            largest = Swift.max(largest, Swift.abs(a))
            if !(Swift.abs(a - numeric) <= atol + rtol * Swift.max(Swift.abs(a), Swift.abs(numeric))) {
                mismatches.append("input \(i) element \(j): autograd \(a) vs finite difference \(numeric)")
            }
        }
    }
    return (mismatches, largest)
}

/// Asserts that autograd's gradient of `f` agrees with central finite differences (see
/// `gradientMismatches`) and that it is not vacuously ~0 everywhere.
func checkGradient(inputs: [Tensor], h: Double = 1e-6, rtol: Double = 1e-5, atol: Double = 1e-7,
                   file: StaticString = #filePath, line: UInt = #line,
                   f: ([Tensor]) throws -> Tensor) throws {
    for t in inputs { XCTAssertEqual(t.dtype, .float64, "gradient checks need float64 inputs", file: file, line: line) }
    let result = try gradientMismatches(inputs: inputs, h: h, rtol: rtol, atol: atol, f: f)
    if !result.mismatches.isEmpty {
        XCTFail("\(result.mismatches.count) gradient mismatches, first: \(result.mismatches[0])", file: file, line: line)
    }
    // Guards against a vacuous check (an output that does not depend on the inputs).
    XCTAssertGreaterThan(result.largest, 1e-3, "all gradients are ~0: the check proves nothing", file: file, line: line)
}

/// A committed fixture of Tests/TorchTests/Fixtures (made by make_fixtures.py).
func fixtureURL(_ name: String) throws -> URL {
    let folder = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil), "Fixtures missing from the bundle")
    return folder.appendingPathComponent(name)
}

/// The repository root: this file is <root>/Tests/TorchTests/TestSupport.swift.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A fresh path in the temporary directory; the file is removed when the test ends.
func temporaryFile(_ test: XCTestCase, _ suffix: String = ".pt") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("torchtests-\(UUID().uuidString)\(suffix)")
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
