// PSNR over a set of images (spec §9.3): the official solver averages MSEs and reports
// −10·log10(mean MSE); its image-saving helper averages per-image PSNRs. Both are kept.

/// PSNR of a set of poisoned images against their originals, aggregated both ways.
///
/// JSON keys: `count`, `data_range`, `mean_mse`, `psnr_of_mean_mse`, `mean_psnr`, `identical_images`.
/// A PSNR of +infinity (mean MSE 0, or any identical image for `mean_psnr`) is written as `null`
/// and read back as +infinity.
public struct PSNRSummary: Codable, Sendable, Equatable {
    /// Number of images.
    public var count: Int
    /// The data range R of the scale (1 for [0, 1] images).
    public var dataRange: Double
    /// Mean of the per-image MSEs.
    public var meanMSE: Double
    /// 10·log10(R² / mean MSE), the solver's number.
    public var psnrOfMeanMSE: Double
    /// Mean of the per-image PSNRs; +infinity as soon as one image is unchanged.
    public var meanPSNR: Double
    /// Images identical to their original (MSE 0, PSNR +infinity).
    public var identicalImages: Int

    /// Aggregates per-image MSEs (≥ 1, finite, ≥ 0) measured on a scale of range `dataRange`.
    public init(mses: [Double], dataRange: Double = 1) throws {
        try Metrics.checkVector(mses, "per-image MSEs", minimum: 1)
        let psnrs = try mses.map { try Metrics.psnr(mse: $0, dataRange: dataRange) }
        count = mses.count
        self.dataRange = dataRange
        meanMSE = Metrics.mean(mses)
        psnrOfMeanMSE = try Metrics.psnr(mse: meanMSE, dataRange: dataRange)
        meanPSNR = Metrics.mean(psnrs)
        identicalImages = mses.filter { $0 == 0 }.count
    }

    private enum CodingKeys: String, CodingKey {
        case count
        case dataRange = "data_range"
        case meanMSE = "mean_mse"
        case psnrOfMeanMSE = "psnr_of_mean_mse"
        case meanPSNR = "mean_psnr"
        case identicalImages = "identical_images"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        count = try c.decode(Int.self, forKey: .count)
        dataRange = try c.decode(Double.self, forKey: .dataRange)
        meanMSE = try c.decode(Double.self, forKey: .meanMSE)
        psnrOfMeanMSE = try c.decodeNumber(forKey: .psnrOfMeanMSE, null: .infinity)
        meanPSNR = try c.decodeNumber(forKey: .meanPSNR, null: .infinity)
        identicalImages = try c.decode(Int.self, forKey: .identicalImages)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        try c.encode(dataRange, forKey: .dataRange)
        try c.encode(meanMSE, forKey: .meanMSE)
        try c.encodeFiniteOrNull(psnrOfMeanMSE, forKey: .psnrOfMeanMSE)
        try c.encodeFiniteOrNull(meanPSNR, forKey: .meanPSNR)
        try c.encode(identicalImages, forKey: .identicalImages)
    }
}

/// Collects per-image MSEs one image at a time (8 bytes per image), then summarises them.
public struct PSNRAccumulator: Sendable {
    /// The data range of the buffers added (1 for [0, 1] floats, 255 for bytes or 0–255 floats).
    public let dataRange: Double
    /// The per-image MSEs so far.
    public private(set) var mses: [Double] = []

    public init(dataRange: Double = 1) { self.dataRange = dataRange }

    /// Adds one image pair of floating-point values on the accumulator's scale.
    public mutating func add<T: BinaryFloatingPoint>(original: [T], modified: [T]) throws {
        mses.append(try Metrics.mse(original, modified))
    }

    /// Adds one 8-bit image pair. The accumulator's data range must be 255.
    public mutating func add(original: [UInt8], modified: [UInt8]) throws {
        guard dataRange == 255 else {
            throw MetricError.invalidArgument("8-bit images need an accumulator with data range 255, not \(dataRange)")
        }
        mses.append(try Metrics.mse(original, modified))
    }

    /// Adds an MSE measured elsewhere (on the accumulator's scale).
    public mutating func add(mse: Double) throws {
        guard mse >= 0, mse.isFinite else { throw MetricError.invalidArgument("MSE must be finite and ≥ 0, got \(mse)") }
        mses.append(mse)
    }

    /// The summary of the images added so far (throws when there are none).
    public func summary() throws -> PSNRSummary { try PSNRSummary(mses: mses, dataRange: dataRange) }
}
