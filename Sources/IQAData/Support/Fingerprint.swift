import Foundation

/// FNV-1a 64 fingerprints: of a file's bytes (a changed trigger, split or weights file changes every run
/// that used it) and of a value's sorted-key JSON (run configs, step inputs). Not cryptographic: they
/// name inputs, they do not authenticate them.
public enum Fingerprint {
    public static func fnv1a64(_ data: Data) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return String(format: "%016llx", h)
    }

    /// The fingerprint of `value` encoded as compact sorted-key JSON (camelCase keys, as Codable spells them).
    public static func of<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return fnv1a64(try encoder.encode(value))
    }

    /// The fingerprint of a file's bytes; the error names the file.
    public static func ofFile(_ url: URL) throws -> String {
        guard let bytes = try? Data(contentsOf: url) else { throw DatasetError(file: url.path, "cannot read the file") }
        return fnv1a64(bytes)
    }
}
