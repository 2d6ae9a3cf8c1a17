// JSON has no NaN or infinity, and JSONEncoder throws on them by default. The metric types therefore
// encode every non-finite Double as `null` and decode `null` back to a value chosen per field
// (NaN for an undefined correlation, +infinity for the PSNR of identical images).

extension KeyedEncodingContainer {
    /// Encodes `value`, or `null` when it is NaN or infinite.
    mutating func encodeFiniteOrNull(_ value: Double, forKey key: Key) throws {
        if value.isFinite { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    /// Encodes `values` with each non-finite element written as `null`.
    mutating func encodeFiniteOrNull(_ values: [Double], forKey key: Key) throws {
        try encode(values.map { $0.isFinite ? $0 : nil }, forKey: key)
    }
}

extension KeyedDecodingContainer {
    /// Decodes a number; `null` (or a missing key) gives `null`.
    func decodeNumber(forKey key: Key, null: Double = .nan) throws -> Double {
        try decodeIfPresent(Double.self, forKey: key) ?? null
    }

    /// Decodes an array of numbers, each `null` element giving `null`.
    func decodeNumbers(forKey key: Key, null: Double = .nan) throws -> [Double] {
        try decode([Double?].self, forKey: key).map { $0 ?? null }
    }
}
