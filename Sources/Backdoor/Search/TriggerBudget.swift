import Foundation
import IQAData
import Torch

/// The visibility budget of a DCT trigger in pixel terms. Injection is linear in t before rounding and
/// clamping (spec §3.1, closed form), so the RGB pattern Π(t) at α = 1 has a pixel RMS that scales with
/// t, and "pixel MSE ≤ ε²" (Algorithm 1's constraint, on 0…1) is, up to the clamp, "RMS(Π(t)) ≤ 255·ε".
/// Clamping only lowers the MSE, so a trigger inside this ball meets the budget on every image.
public struct TriggerBudget: Sendable {
    /// ε on the 0…1 scale (8/255 for LIVEC).
    public var epsilon: Double
    public var positions: DCTPositions

    public init(epsilon: Double, positions: DCTPositions = .official) {
        self.epsilon = epsilon
        self.positions = positions
    }

    /// The largest pattern RMS allowed, in 8-bit levels.
    public var maxRMS: Double { 255 * epsilon }

    /// RMS of Π(t) over the three channels of one 16×16 block (the pattern is 16-periodic), in 8-bit levels.
    public func patternRMS(_ trigger: Tensor) throws -> Double {
        try withNoGrad { try DCTTrigger.patternTensor(trigger, positions: positions).square().mean().sqrt().item() }
    }

    /// The factor that brings `trigger` onto the ball's surface (> 1 inside it).
    public func scaleToBudget(_ trigger: Tensor) throws -> Double {
        let rms = try patternRMS(trigger)
        guard rms > 0 else { throw BackdoorError("a zero trigger has no direction to scale to the budget") }
        return maxRMS / rms
    }

    /// Shrinks `trigger` in place onto the ball when it lies outside: radial scaling, which is the nearest
    /// point of the ball in the pattern's own norm ‖Π(t)‖. Returns the factor applied (1 inside).
    @discardableResult
    public func project(_ trigger: Tensor) throws -> Double {
        let s = try scaleToBudget(trigger)
        guard s < 1 else { return 1 }
        try withNoGrad { _ = try trigger.mul_(s) }
        return s
    }

    /// A trigger in a seeded random direction with its pattern exactly on the budget.
    public func randomOnBudget(seed: UInt64) throws -> Tensor {
        var rng = SeededGenerator(seed: seed, stream: 0xB0D6E7)
        let t = try Tensor((0..<192).map { _ in Float(rng.uniform(-1, 1)) }, shape: [3, 64])
        return try t * scaleToBudget(t)
    }
}
