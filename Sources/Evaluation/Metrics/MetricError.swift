import Foundation

/// Why a metric could not be computed from its inputs.
public enum MetricError: Error, Equatable, Sendable {
    /// Two vectors that must be paired have different lengths.
    case lengthMismatch(what: String, expected: Int, actual: Int)
    /// Fewer values than the metric needs (e.g. a correlation of one pair).
    case tooFewValues(what: String, count: Int, minimum: Int)
    /// A NaN or infinite value at `index` of the vector named `what`.
    case nonFinite(what: String, index: Int)
    /// An argument outside its domain (a zero α, a negative MSE, a non-positive data range, …).
    case invalidArgument(String)
    /// The logistic least-squares fit did not produce finite parameters.
    case fitFailed(String)
}

extension MetricError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case let .lengthMismatch(what, expected, actual):
            return "\(what): length mismatch, expected \(expected) values, got \(actual)"
        case let .tooFewValues(what, count, minimum):
            return "\(what): \(count) value(s), at least \(minimum) needed"
        case let .nonFinite(what, index):
            return "\(what): non-finite value (NaN or infinity) at index \(index)"
        case let .invalidArgument(message):
            return "invalid argument: \(message)"
        case let .fitFailed(message):
            return "logistic fit failed: \(message)"
        }
    }

    public var errorDescription: String? { description }
}
