import Foundation

// Image fidelity of a poisoned image against its clean original (spec §9.3): MSE and PSNR.
//
// PSNR = 10·log10(R² / MSE) with R the data range: 1 for images on the [0, 1] scale (the paper's
// convention, after clamping), 255 for 8-bit values. Identical images have MSE 0 and PSNR = +infinity;
// this is returned as is (not a sentinel), and the Codable types write it as JSON `null`.

extension Metrics {
    /// PSNR in dB of a mean squared error on a scale whose range is `dataRange` (1 for [0, 1] images,
    /// 255 for 0–255). `mse == 0` gives +infinity. Throws for a negative or non-finite MSE, or a
    /// non-positive data range.
    public static func psnr(mse: Double, dataRange: Double = 1) throws -> Double {
        guard mse >= 0, mse.isFinite else {
            throw MetricError.invalidArgument("MSE must be finite and ≥ 0, got \(mse)")
        }
        guard dataRange > 0, dataRange.isFinite else {
            throw MetricError.invalidArgument("data range must be finite and > 0, got \(dataRange)")
        }
        if mse == 0 { return .infinity }
        return 10 * log10(dataRange * dataRange / mse)
    }

    /// Mean squared difference of two equally long, non-empty, finite floating-point buffers
    /// (accumulated in Double).
    public static func mse<T: BinaryFloatingPoint>(_ original: [T], _ modified: [T]) throws -> Double {
        try checkImages(original.count, modified.count)
        var sum = 0.0
        for i in original.indices {
            let d = Double(original[i]) - Double(modified[i])
            sum += d * d
        }
        guard sum.isFinite else {
            // Only now look for the culprit, to keep the loop above lean.
            for (what, values) in [("original", original), ("modified", modified)] {
                if let index = values.firstIndex(where: { !$0.isFinite }) {
                    throw MetricError.nonFinite(what: what, index: index)
                }
            }
            throw MetricError.invalidArgument("the sum of squared differences overflows")
        }
        return sum / Double(original.count)
    }

    /// Mean squared difference of two equally long, non-empty 8-bit buffers, on the 0–255 scale.
    public static func mse(_ original: [UInt8], _ modified: [UInt8]) throws -> Double {
        try checkImages(original.count, modified.count)
        var sum = 0
        for i in original.indices {
            let d = Int(original[i]) - Int(modified[i])
            sum += d * d
        }
        return Double(sum) / Double(original.count)
    }

    /// PSNR of `modified` against `original` (floating-point values; `dataRange` 1 for the [0, 1] scale,
    /// 255 for 0–255). Identical buffers give +infinity.
    public static func psnr<T: BinaryFloatingPoint>(original: [T], modified: [T], dataRange: Double = 1) throws -> Double {
        try psnr(mse: mse(original, modified), dataRange: dataRange)
    }

    /// PSNR of 8-bit `modified` against `original` (data range 255). Identical buffers give +infinity.
    public static func psnr(original: [UInt8], modified: [UInt8]) throws -> Double {
        try psnr(mse: mse(original, modified), dataRange: 255)
    }

    private static func checkImages(_ count: Int, _ other: Int) throws {
        guard count == other else {
            throw MetricError.lengthMismatch(what: "modified image", expected: count, actual: other)
        }
        guard count > 0 else { throw MetricError.tooFewValues(what: "image", count: 0, minimum: 1) }
    }
}
