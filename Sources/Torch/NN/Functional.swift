import CTorch

/// How a loss reduces over elements.
public enum Reduction: Int32, Sendable { case none = 0, mean = 1, sum = 2 }

/// Stateless neural-network functions (torch.nn.functional).
public enum F {
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                              padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) throws -> Tensor {
        try wrapHandle(ctorch_conv2d(x.handle, weight.handle, bias?.handle, Int64(stride.0), Int64(stride.1),
                                     Int64(padding.0), Int64(padding.1), Int64(dilation.0), Int64(dilation.1), Int64(groups)))
    }

    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        try wrapHandle(ctorch_linear(x.handle, weight.handle, bias?.handle))
    }

    /// Batch normalisation; in training mode libtorch updates the running statistics in place.
    public static func batchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?,
                                 training: Bool, momentum: Double = 0.1, eps: Double = 1e-5) throws -> Tensor {
        try wrapHandle(ctorch_batch_norm(x.handle, weight?.handle, bias?.handle, runningMean?.handle, runningVar?.handle,
                                         training ? 1 : 0, momentum, eps))
    }

    public static func layerNorm(_ x: Tensor, normalizedShape: [Int], weight: Tensor?, bias: Tensor?, eps: Double = 1e-5) throws -> Tensor {
        try wrapHandle(withDims(normalizedShape) { ctorch_layer_norm(x.handle, $0, $1, weight?.handle, bias?.handle, eps) })
    }

    public static func maxPool2d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false) throws -> Tensor {
        let s = stride ?? kernel
        return try wrapHandle(ctorch_max_pool2d(x.handle, Int64(kernel), Int64(kernel), Int64(s), Int64(s),
                                                Int64(padding), Int64(padding), ceilMode ? 1 : 0))
    }

    public static func avgPool2d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
                                 countIncludePad: Bool = true) throws -> Tensor {
        let s = stride ?? kernel
        return try wrapHandle(ctorch_avg_pool2d(x.handle, Int64(kernel), Int64(kernel), Int64(s), Int64(s),
                                                Int64(padding), Int64(padding), ceilMode ? 1 : 0, countIncludePad ? 1 : 0))
    }

    public static func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) throws -> Tensor {
        try wrapHandle(ctorch_adaptive_avg_pool2d(x.handle, Int64(outputSize.0), Int64(outputSize.1)))
    }

    public static func dropout(_ x: Tensor, p: Double, training: Bool) throws -> Tensor {
        guard training, p > 0 else { return x }
        return try wrapHandle(ctorch_dropout(x.handle, p, 1))
    }

    public static func softmax(_ x: Tensor, dim: Int) throws -> Tensor { try wrapHandle(ctorch_softmax(x.handle, Int64(dim))) }
    public static func logSoftmax(_ x: Tensor, dim: Int) throws -> Tensor { try wrapHandle(ctorch_log_softmax(x.handle, Int64(dim))) }

    public static func l1Loss(_ x: Tensor, _ y: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try wrapHandle(ctorch_l1_loss(x.handle, y.handle, reduction.rawValue))
    }
    public static func mseLoss(_ x: Tensor, _ y: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try wrapHandle(ctorch_mse_loss(x.handle, y.handle, reduction.rawValue))
    }
    public static func smoothL1Loss(_ x: Tensor, _ y: Tensor, reduction: Reduction = .mean, beta: Double = 1) throws -> Tensor {
        try wrapHandle(ctorch_smooth_l1_loss(x.handle, y.handle, reduction.rawValue, beta))
    }
    /// Cross-entropy of logits [N, C] against int64 class indices [N].
    public static func crossEntropy(_ logits: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try wrapHandle(ctorch_cross_entropy(logits.handle, target.handle, reduction.rawValue))
    }

    public enum GridSampleMode: Int32 { case bilinear = 0, nearest = 1 }
    public enum GridPadding: Int32 { case zeros = 0, border = 1, reflection = 2 }
    public static func gridSample(_ x: Tensor, grid: Tensor, mode: GridSampleMode = .bilinear,
                                  padding: GridPadding = .zeros, alignCorners: Bool = false) throws -> Tensor {
        try wrapHandle(ctorch_grid_sample(x.handle, grid.handle, mode.rawValue, padding.rawValue, alignCorners ? 1 : 0))
    }
    public static func upsampleBilinear(_ x: Tensor, size: (Int, Int), alignCorners: Bool = false) throws -> Tensor {
        try wrapHandle(ctorch_upsample_bilinear2d(x.handle, Int64(size.0), Int64(size.1), alignCorners ? 1 : 0))
    }
}
