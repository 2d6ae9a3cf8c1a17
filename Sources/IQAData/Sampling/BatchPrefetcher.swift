import Dispatch
import Torch

/// Renders batch k+1 on a background thread while the caller trains on batch k, so the data path
/// does not stall the train step. Order and content are fixed by the plans, not by timing. Batches
/// are rendered on the CPU and, for a CUDA model, staged to its device on the same background thread.
public final class BatchPrefetcher {
    private let renderer: PatchRenderer
    private let batches: [[PatchPlan]]
    private let device: Device
    private let queue = DispatchQueue(label: "baiqa.prefetch")
    private var next = 0
    private var pending: (DispatchGroup, Box)?

    final class Box: @unchecked Sendable { var result: Result<Tensor, Error>? }

    public init(renderer: PatchRenderer, batches: [[PatchPlan]], device: Device = .cpu) {
        self.renderer = renderer
        self.batches = batches
        self.device = device
        schedule()
    }

    private func schedule() {
        guard next < batches.count else { pending = nil; return }
        let group = DispatchGroup(), box = Box(), plans = batches[next], renderer = renderer, device = device
        next += 1
        queue.async(group: group) { box.result = Result { try renderer.render(plans).staged(to: device) } }
        pending = (group, box)
    }

    /// The next rendered batch, or nil when all are consumed.
    public func nextBatch() throws -> Tensor? {
        guard let (group, box) = pending else { return nil }
        group.wait()
        schedule()
        return try box.result!.get()
    }
}
