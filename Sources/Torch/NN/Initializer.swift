import Foundation

/// Parameter initialisers with PyTorch's formulas (torch.nn.init), so that a freshly built model has
/// the same statistics as its PyTorch counterpart.
public enum Initializer {
    public enum FanMode: Sendable { case fanIn, fanOut }

    case zeros
    case ones
    case constant(Double)
    case uniform(Double, Double)
    case normal(mean: Double, std: Double)
    /// kaiming_uniform_(a): bound = gain·sqrt(3/fan), gain = sqrt(2/(1+a²)). PyTorch's default Conv/Linear
    /// weight init is `.kaimingUniform(a: sqrt(5))`.
    case kaimingUniform(a: Double, mode: FanMode)
    /// kaiming_normal_ for ReLU (or leaky ReLU with slope a): std = gain/sqrt(fan).
    case kaimingNormal(a: Double, mode: FanMode)
    case xavierUniform(gain: Double)
    /// PyTorch's default Conv/Linear bias: U(−1/sqrt(fan_in), 1/sqrt(fan_in)) of the weight's fan-in.
    case biasDefault(fanIn: Int)

    public static let torchDefaultWeight = Initializer.kaimingUniform(a: Foundation.sqrt(5.0), mode: .fanIn)

    /// (fan_in, fan_out) as torch.nn.init._calculate_fan_in_and_fan_out.
    public static func fans(_ shape: [Int]) -> (Int, Int) {
        guard shape.count >= 2 else { return (shape.first ?? 1, shape.first ?? 1) }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    func make(shape: [Int], device: Device) throws -> Tensor {
        let (fanIn, fanOut) = Initializer.fans(shape)
        switch self {
        case .zeros: return try Tensor.zeros(shape, device: device)
        case .ones: return try Tensor.ones(shape, device: device)
        case .constant(let v): return try Tensor.full(shape, v, device: device)
        case .uniform(let lo, let hi): return try Tensor.empty(shape, device: device).uniform_(lo, hi)
        case .normal(let m, let s): return try Tensor.empty(shape, device: device).normal_(mean: m, std: s)
        case .kaimingUniform(let a, let mode):
            let fan = Double(mode == .fanIn ? fanIn : fanOut)
            let bound = Foundation.sqrt(2.0 / (1 + a * a)) * Foundation.sqrt(3.0 / fan)
            return try Tensor.empty(shape, device: device).uniform_(-bound, bound)
        case .kaimingNormal(let a, let mode):
            let fan = Double(mode == .fanIn ? fanIn : fanOut)
            let std = Foundation.sqrt(2.0 / (1 + a * a)) / Foundation.sqrt(fan)
            return try Tensor.empty(shape, device: device).normal_(mean: 0, std: std)
        case .xavierUniform(let gain):
            let bound = gain * Foundation.sqrt(6.0 / Double(fanIn + fanOut))
            return try Tensor.empty(shape, device: device).uniform_(-bound, bound)
        case .biasDefault(let weightFanIn):
            let bound = weightFanIn > 0 ? 1 / Foundation.sqrt(Double(weightFanIn)) : 0
            return try Tensor.empty(shape, device: device).uniform_(-bound, bound)
        }
    }
}
