/// A MATLAB variable, reduced to the two shapes IQA datasets ship their metadata in: lists of
/// names (a cell array of strings, or a char matrix) and numeric arrays (scores, standard
/// deviations). Everything else in a MAT file is refused by the reader rather than half-read.
public enum MATValue: Equatable, Sendable {
    /// A cell array of char arrays (one string per cell, in MATLAB's column-major cell order), or
    /// a char array (one string per row; a 1×n char array is one string).
    case strings([String])
    /// A numeric array as Doubles in MATLAB's column-major order, with its dimensions
    /// (at least two, e.g. `[1, 1169]`); integer and single-precision data are converted.
    case doubles([Double], dims: [Int])

    public var strings: [String]? {
        if case .strings(let s) = self { return s }
        return nil
    }

    public var doubles: [Double]? {
        if case .doubles(let v, _) = self { return v }
        return nil
    }

    /// What the variable is, for error messages ("a cell array of 674 strings").
    public var summary: String {
        switch self {
        case .strings(let s): return "a list of \(s.count) strings"
        case .doubles(_, let dims): return "a \(dims.map(String.init).joined(separator: "×")) numeric array"
        }
    }
}
