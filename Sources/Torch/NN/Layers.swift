/// 2-D convolution with PyTorch's parameter names (`weight` [out, in/groups, kh, kw], `bias`).
public final class Conv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int

    public init(_ path: StorePath, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true,
                weightInit: Initializer = .torchDefaultWeight) throws {
        let shape = [outChannels, inChannels / groups, kernel, kernel]
        weight = try path.parameter("weight", shape: shape, initializer: weightInit)
        self.bias = bias ? try path.parameter("bias", shape: [outChannels], initializer: .biasDefault(fanIn: Initializer.fans(shape).0)) : nil
        self.stride = (stride, stride)
        self.padding = (padding, padding)
        self.dilation = (dilation, dilation)
        self.groups = groups
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try F.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// Fully connected layer (`weight` [out, in], `bias` [out]).
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ path: StorePath, inFeatures: Int, outFeatures: Int, bias: Bool = true,
                weightInit: Initializer = .torchDefaultWeight, biasInit: Initializer? = nil) throws {
        weight = try path.parameter("weight", shape: [outFeatures, inFeatures], initializer: weightInit)
        self.bias = bias ? try path.parameter("bias", shape: [outFeatures], initializer: biasInit ?? .biasDefault(fanIn: inFeatures)) : nil
    }

    public func forward(_ x: Tensor) throws -> Tensor { try F.linear(x, weight: weight, bias: bias) }
}

/// BatchNorm2d with PyTorch's names: `weight`, `bias`, buffers `running_mean`, `running_var`,
/// `num_batches_tracked`. Uses batch statistics in train mode, running ones in eval mode.
public final class BatchNorm2d: Module {
    public let weight: Tensor, bias: Tensor
    public let runningMean: Tensor, runningVar: Tensor, numBatchesTracked: Tensor
    public let momentum: Double, eps: Double
    let path: StorePath

    public init(_ path: StorePath, features: Int, momentum: Double = 0.1, eps: Double = 1e-5) throws {
        self.path = path
        weight = try path.parameter("weight", shape: [features], initializer: .ones)
        bias = try path.parameter("bias", shape: [features], initializer: .zeros)
        runningMean = try path.buffer("running_mean", Tensor.zeros([features]))
        runningVar = try path.buffer("running_var", Tensor.ones([features]))
        numBatchesTracked = try path.buffer("num_batches_tracked", Tensor.zeros([], dtype: .int64))
        self.momentum = momentum
        self.eps = eps
        name = path.components.joined(separator: ".")
        path.store.batchNormReferences.append(.init(layer: self))
    }

    /// Its place in the module tree ("res.layer1.0.bn1").
    public let name: String
    /// Per-channel multipliers of `weight` and `bias`, evaluated at every forward (nil: none). Adversarial
    /// Neuron Pruning puts a neuron mask and a perturbation here; they are not part of the state dict.
    public var coefficients: (() throws -> (weight: Tensor, bias: Tensor?))?

    public func forward(_ x: Tensor) throws -> Tensor {
        let training = path.isTraining
        if training { try withNoGrad { try numBatchesTracked.add_(1) } }
        var (w, b) = (weight, bias)
        if let coefficients {
            let c = try coefficients()
            w = try weight * c.weight
            if let cb = c.bias { b = try bias * cb }
        }
        return try F.batchNorm(x, weight: w, bias: b, runningMean: runningMean, runningVar: runningVar,
                               training: training, momentum: momentum, eps: eps)
    }
}

/// LayerNorm over the last dimensions (`weight`, `bias`).
public final class LayerNorm: Module {
    public let weight: Tensor, bias: Tensor
    public let shape: [Int], eps: Double
    public init(_ path: StorePath, shape: [Int], eps: Double = 1e-5) throws {
        weight = try path.parameter("weight", shape: shape, initializer: .ones)
        bias = try path.parameter("bias", shape: shape, initializer: .zeros)
        self.shape = shape
        self.eps = eps
    }
    public func forward(_ x: Tensor) throws -> Tensor {
        try F.layerNorm(x, normalizedShape: shape, weight: weight, bias: bias, eps: eps)
    }
}

/// Dropout that follows the store's train/eval mode.
public final class Dropout: Module {
    public let p: Double
    let store: ParameterStore
    public init(_ path: StorePath, p: Double) {
        self.p = p
        store = path.store
    }
    public func forward(_ x: Tensor) throws -> Tensor { try F.dropout(x, p: p, training: store.isTraining) }
}
