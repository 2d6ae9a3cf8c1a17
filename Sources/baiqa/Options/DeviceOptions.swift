import ArgumentParser
import Foundation
import Pipelines
import Torch

extension DeviceRequest: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
    public static var defaultCompletionKind: CompletionKind { .list(["auto", "cpu", "cuda", "cuda:0", "cuda:1"]) }
}

/// `--device` and `--deterministic`, on every command that computes. Images are decoded and crops
/// rendered on the CPU; models, optimiser state, triggers, search, PGD and evaluation run on the device.
struct DeviceOptions: ParsableArguments {
    @Option(help: "Where to compute: auto (the first CUDA device when this libtorch sees one, else the CPU), cpu, cuda or cuda:N (default: BAIQA_DEVICE, else a config's device, else auto).")
    var device: DeviceRequest?

    @Flag(help: "Deterministic algorithms (cuDNN deterministic, no benchmark mode; slower on a GPU). Recorded in results.")
    var deterministic = false

    /// The same options for a child process (`baiqa step run`).
    var forwarded: [String] {
        (device.map { ["--device", $0.description] } ?? []) + (deterministic ? ["--deterministic"] : [])
    }

    /// Resolves the device (before anything is written: a CUDA request that cannot be met stops here)
    /// and makes it the default for every model this process creates.
    @discardableResult
    func apply(configured: DeviceRequest? = nil, deterministic configuredDeterministic: Bool = false) throws -> Device {
        if device == nil, let text = ProcessInfo.processInfo.environment["BAIQA_DEVICE"], !text.isEmpty, Runtime.environmentDevice == nil {
            throw RunError("BAIQA_DEVICE=\(text): unknown device (expected auto, cpu, cuda or cuda:N)")
        }
        let (request, source): (DeviceRequest, String) = device.map { ($0, "--device") } ?? Runtime.environmentDevice.map { ($0, "BAIQA_DEVICE") }
            ?? configured.map { ($0, "the config's device") } ?? (.auto, "--device")
        let resolved: Device
        do { resolved = try request.resolve() } catch { throw RunError("\(source): \(error)") }
        Runtime.defaultDevice = resolved
        if deterministic || configuredDeterministic { Runtime.setDeterministic(true) }
        return resolved
    }
}
