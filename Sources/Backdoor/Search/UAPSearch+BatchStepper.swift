import Foundation
import IQAData
import IQAModels
import Torch

extension UAPSearch {
    /// The trigger's `stepsPerBatch` updates on one batch of clean crops, for either method: the unit the
    /// fidelity test drives step for step against the official loop (Tests/BackdoorTests/Fixtures).
    public final class BatchStepper {
        let search: UAPSearch
        let surrogate: IQAModel
        /// The current trigger on the surrogate's device (during a batch, the leaf being optimised).
        public private(set) var trigger: Tensor
        /// `projected`: one Adam for the whole search; `official` creates one per batch.
        let persistent: Adam?
        let mean: Tensor, std: Tensor, floor: Tensor

        public init(search: UAPSearch, surrogate: IQAModel, trigger: Tensor, optimiser: [String: Tensor] = [:]) throws {
            self.search = search
            self.surrogate = surrogate
            let device = surrogate.device
            (mean, std) = try PatchRenderer.normalisation(device: device)
            floor = try Tensor.scalar(search.epsilon * search.epsilon, device: device)
            switch search.method {
            case .official:
                self.trigger = try trigger.detach().to(device)
                persistent = nil
            case .projected:
                // A copy (never update the caller's tensor in place). Not re-projected: a resumed trigger
                // must continue bit for bit, and every state the search saves is already on the budget.
                let t = try trigger.detach().to(device).clone().requiringGrad()
                let adam = Adam(groups: [ParameterGroup(parameters: [("trigger", t)], learningRate: search.learningRate)])
                try adam.loadStateDict(optimiser)
                self.trigger = t
                persistent = adam
            }
        }

        /// A copy of the persistent Adam's moments (empty for `official`), for checkpoints: Adam updates
        /// its own tensors in place, so the state of an epoch must not alias them.
        public func optimiserState() throws -> [String: Tensor] {
            try (persistent?.stateDict() ?? [:]).mapValues { try $0.detach().clone() }
        }

        /// Runs the batch's steps on `clean` ([N, 3, S, S] on 0…1, on the surrogate's device); `onStep`
        /// gets each step's loss and pixel MSE (0…1 scale) of the triggered crops.
        public func optimise(clean: Tensor, onStep: (Double, Double) throws -> Void) throws {
            let s = search.crop
            let target = try withNoGrad { try surrogate.scores((clean - mean) / std) }
            let quantised = try (clean * 255).round()
            let t: Tensor, adam: Adam
            if let persistent {
                (t, adam) = (trigger, persistent)
            } else {
                t = try trigger.detach().clone().requiringGrad()
                adam = Adam(groups: [ParameterGroup(parameters: [("trigger", t)], learningRate: search.learningRate)])
                trigger = t
            }
            for _ in 0..<search.stepsPerBatch {
                let pattern = try DCTTrigger.tile(DCTTrigger.patternTensor(t, positions: search.positions), height: s, width: s,
                                                  originY: 0, originX: 0, fullHeight: s, fullWidth: s)
                let triggered = try ((quantised + pattern) / 255).clamp(min: 0, max: 1)
                let pred = try surrogate.scores((triggered - mean) / std)
                let pixelMSE = try F.mseLoss(triggered, clean)
                let shift = try F.mseLoss(pred, target)
                let loss: Tensor
                switch search.method {
                case .official: loss = try pixelMSE.maximum(floor) * search.lambda - shift
                case .projected: loss = try -shift
                }
                adam.zeroGrad()
                try loss.backward()
                try adam.step()
                if persistent != nil { try search.budget.project(t) }
                try onStep(try loss.item(), try pixelMSE.item())
            }
            if persistent == nil { trigger = try t.detach() }
        }
    }
}
