import CTorch
import Foundation

/// Process-wide libtorch settings: thread count, seeding, grad mode, capabilities.
public enum Runtime {
    /// libtorch 1.13 from Debian starts with one intra-op thread; we default to all cores once,
    /// the first time any tensor is made (or when `configure` is called explicitly).
    static let defaultConfiguration: Void = {
        tuneAllocator()
        // Before the thread count: OpenMP workers are spawned later from this thread and inherit its FP mode.
        if ProcessInfo.processInfo.environment["BAIQA_FLUSH_DENORMAL"] != "0" { _ = ctorch_set_flush_denormal(1) }
        let threads = ProcessInfo.processInfo.environment["BAIQA_THREADS"].flatMap(Int.init)
            ?? ProcessInfo.processInfo.activeProcessorCount
        ctorch_set_num_threads(Int32(max(1, threads)))
        ctorch_clear_error()
    }()

    @inline(__always) static func ensureConfigured() { _ = defaultConfiguration }

    /// glibc returns every large tensor buffer to the kernel (mmap/munmap) and trims the heap, so each
    /// train step of a big network page-faults its activations in again: measured on HyperIQA-ResNet-50
    /// (batch 32, 2 cores) this cost ~40% of the step in kernel time. Keeping freed memory in the heap
    /// removes it (step 6.98 s → ≈ 4.7 s). Peak memory is unchanged; RSS stays near the peak.
    /// `BAIQA_MALLOC_TUNING=0` keeps glibc's defaults.
    static func tuneAllocator() {
        guard ProcessInfo.processInfo.environment["BAIQA_MALLOC_TUNING"] != "0" else { return }
        _ = ctorch_tune_allocator()
    }

    /// Denormal floats (|x| < 1.2e-38) are flushed to zero, as `torch.set_flush_denormal(True)` does. Weights and
    /// gradients of a small network trained from scratch drift into that range, and x86 handles them in microcode:
    /// measured on the `cpu` HyperIQA (ResNet-10 w32, 16×128² crops, 2 cores) a train step took 0.37 s with
    /// denormals and 0.18 s without, the same as on random weights. `BAIQA_FLUSH_DENORMAL=0` keeps IEEE denormals.
    public static var flushesDenormals: Bool {
        ensureConfigured()
        return ProcessInfo.processInfo.environment["BAIQA_FLUSH_DENORMAL"] != "0"
    }

    /// Sets the intra-op thread count (≥ 1).
    public static func setThreads(_ n: Int) {
        ensureConfigured()
        ctorch_set_num_threads(Int32(max(1, n)))
        ctorch_clear_error()
    }

    public static var threads: Int {
        ensureConfigured()
        return Int(ctorch_get_num_threads())
    }

    /// Seeds libtorch's generators (CPU and CUDA): crops, dropout, initialisation all follow it.
    public static func manualSeed(_ seed: UInt64) {
        ensureConfigured()
        ctorch_manual_seed(seed)
        ctorch_clear_error()
    }

    public static var cudaDeviceCount: Int { Int(ctorch_cuda_device_count()) }
    /// Whether the linked libtorch carries CUDA (a CUDA build sees 0 devices on a machine without a GPU).
    public static var hasCUDABuild: Bool { ctorch_cuda_is_built() != 0 }

    /// Where models are created when a caller names no device: set once from `--device`; before that,
    /// `BAIQA_DEVICE` when it names a usable device, else the CPU. Everything downstream follows the
    /// model's own device.
    nonisolated(unsafe) public static var defaultDevice: Device = (try? environmentDevice?.resolve()) ?? .cpu

    /// `BAIQA_DEVICE` (auto, cpu, cuda, cuda:N): the device when no `--device` is given, also for the
    /// tests (scripts/gpu-check.sh runs them with BAIQA_DEVICE=cuda). nil when unset or not a device.
    public static let environmentDevice: DeviceRequest? = {
        guard let text = ProcessInfo.processInfo.environment["BAIQA_DEVICE"], !text.isEmpty else { return nil }
        return try? DeviceRequest(parsing: text)
    }()

    /// Deterministic algorithms on every device (as torch.use_deterministic_algorithms(True) with
    /// cudnn.deterministic and without cudnn.benchmark). cuBLAS also needs CUBLAS_WORKSPACE_CONFIG,
    /// which is set here when absent, before CUDA starts.
    public static func setDeterministic(_ on: Bool) {
        if on && ProcessInfo.processInfo.environment["CUBLAS_WORKSPACE_CONFIG"] == nil { setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", 0) }
        ensureConfigured()
        ctorch_set_deterministic(on ? 1 : 0)
        ctorch_clear_error()
        deterministic = on
    }

    nonisolated(unsafe) public private(set) static var deterministic = false

    /// Name, CUDA runtime and cuDNN versions of a device, for records ("cpu" on the CPU).
    public static func describe(_ device: Device) -> [String: String] {
        guard case .cuda(let index) = device else { return ["device": "cpu"] }
        var name = [CChar](repeating: 0, count: 256)
        var out = ["device": device.description]
        if ctorch_cuda_device_name(Int32(index), &name, 256) != 0 { out["device_name"] = String(cString: name) }
        let runtime = ctorch_cuda_runtime_version()
        if runtime > 0 { out["cuda"] = "\(runtime / 1000).\(runtime % 1000 / 10)" }
        let cudnn = ctorch_cudnn_version()
        if cudnn > 0 { out["cudnn"] = "\(cudnn)" }
        return out
    }

    /// How this process computes, for results and step records: libtorch version, threads, the default
    /// device (with its name and CUDA/cuDNN versions) and whether algorithms are deterministic.
    public static var computeEnvironment: [String: String] {
        var out = describe(defaultDevice)
        out["libtorch"] = libtorchVersion
        out["threads"] = "\(threads)"
        out["deterministic"] = "\(deterministic)"
        return out
    }

    /// Waits for `device`'s queued work (for timings); returns at once on the CPU.
    public static func synchronize(_ device: Device) { ctorch_synchronize(device.code) }
    public static var libtorchVersion: String { String(cString: ctorch_version()) }

    public static var isGradEnabled: Bool { ctorch_is_grad_enabled() != 0 }
}

/// Runs `body` with autograd recording off (like `torch.no_grad()`), restoring the previous mode.
@discardableResult
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = ctorch_set_grad_enabled(0)
    defer { ctorch_set_grad_enabled(previous) }
    return try body()
}

/// Runs `body` with autograd recording on (e.g. an attack's gradient inside an evaluation loop).
@discardableResult
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = ctorch_set_grad_enabled(1)
    defer { ctorch_set_grad_enabled(previous) }
    return try body()
}
