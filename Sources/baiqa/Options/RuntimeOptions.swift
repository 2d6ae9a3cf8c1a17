import ArgumentParser
import Torch

/// Options every computing command shares: how libtorch runs and how random choices are seeded
/// (the device: `DeviceOptions`).
struct RuntimeOptions: ParsableArguments {
    @Option(help: "Intra-op threads for libtorch (default: all cores). libtorch's results depend on it: reproduce numbers with the same count.")
    var threads: Int?

    @Option(help: "Seed for every random choice: split, poisoning, crops, initialisation, random trigger (default 0; trigger search and pgd: 919, as the official code; evaluate: the run's own).")
    var seed: UInt64?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Sets the thread count and libtorch's seed; returns the seed to use.
    @discardableResult
    func apply(defaultSeed: UInt64 = 0) -> UInt64 {
        if let threads { Runtime.setThreads(threads) }
        let value = seed ?? defaultSeed
        Runtime.manualSeed(value)
        return value
    }
}

/// `--json`: machine-readable output instead of tables.
struct JSONOutputOption: ParsableArguments {
    @Flag(help: "Print JSON instead of tables.") var json = false
}

extension SingleValueParsingStrategy {
    /// For numbers that may be negative (half of the paper's α range): the next word is the value even
    /// when it starts with "-", so `--alpha -1` works as well as `--alpha=-1`.
    static var signedNumber: SingleValueParsingStrategy { .unconditional }
}
