import ArgumentParser

/// Checks of numeric options that name the option at fault (a user with ten options set should not
/// have to guess which one "must be positive").
enum OptionChecks {
    static func positive(_ options: KeyValuePairs<String, Double>) throws {
        for (name, value) in options where !(value > 0 && value.isFinite) {
            throw ValidationError("\(name) must be positive, got \(formatted(value))")
        }
    }

    static func fraction(_ name: String, _ value: Double, open: Bool) throws {
        let ok = open ? (value > 0 && value < 1) : (value >= 0 && value <= 1)
        guard ok else { throw ValidationError("\(name) must be in \(open ? "(0, 1)" : "[0, 1]"), got \(formatted(value))") }
    }

    private static func formatted(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }
}
