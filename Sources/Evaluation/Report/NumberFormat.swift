import Foundation

/// Number formatting for reports: fixed decimals, with readable text for the values JSON cannot hold.
public enum NumberFormat {
    /// `value` with exactly `decimals` digits after the point ("0.903", "-0.00", "22.0").
    /// NaN → "n/a", +infinity → "inf", −infinity → "-inf"; an exact zero never prints as "-0".
    public static func fixed(_ value: Double, decimals: Int) -> String {
        if value.isNaN { return "n/a" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return String(format: "%.*f", Int32(clamping: max(0, decimals)), value == 0 ? 0.0 : value)
    }

    /// `fixed`, or `missing` when the value is absent.
    public static func fixed(_ value: Double?, decimals: Int, missing: String) -> String {
        value.map { fixed($0, decimals: decimals) } ?? missing
    }

    /// Values with their own decimals, joined: `joined([(0.911, 3), (9.47, 2)])` → "0.911/9.47".
    public static func joined(_ values: [(Double, Int)], separator: String = "/") -> String {
        values.map { fixed($0.0, decimals: $0.1) }.joined(separator: separator)
    }
}
