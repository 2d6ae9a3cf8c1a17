import Foundation
import Torch

/// Multi-head scaled dot-product attention written from tensor ops, with `torch.nn.MultiheadAttention`'s
/// parameters (`in_proj_weight` [3E, E] holding the q, k, v projections in that order, `in_proj_bias`
/// [3E], `out_proj.weight` [E, E], `out_proj.bias` [E]) so that state dicts interchange.
///
/// Tensors here are batch-first, [N, L, E]; the parameter layout does not depend on that.
public final class MultiheadAttention {
    public let embedDim: Int, heads: Int
    /// Dropout on the attention weights (train mode only), as PyTorch's `dropout` argument.
    public let dropout: Double
    public let inProjWeight: Tensor, inProjBias: Tensor
    let outProj: Linear
    let store: ParameterStore

    /// PyTorch's initialisation: Xavier-uniform `in_proj_weight`, zero `in_proj_bias` and `out_proj.bias`;
    /// `out_proj.weight` takes `outProjInit` (nn.Linear's default unless an enclosing model resets it).
    public init(_ p: StorePath, embedDim: Int, heads: Int, dropout: Double = 0,
                outProjInit: Initializer = .torchDefaultWeight) throws {
        guard heads > 0, embedDim % heads == 0 else {
            throw TorchError("MultiheadAttention: embed dim \(embedDim) is not divisible by \(heads) heads")
        }
        self.embedDim = embedDim
        self.heads = heads
        self.dropout = dropout
        store = p.store
        inProjWeight = try p.parameter("in_proj_weight", shape: [3 * embedDim, embedDim], initializer: .xavierUniform(gain: 1))
        inProjBias = try p.parameter("in_proj_bias", shape: [3 * embedDim], initializer: .zeros)
        outProj = try Linear(p / "out_proj", inFeatures: embedDim, outFeatures: embedDim, weightInit: outProjInit, biasInit: .zeros)
    }

    /// Attention output [N, Lq, E] for query [N, Lq, E], key and value [N, Lk, E].
    public func callAsFunction(query: Tensor, key: Tensor, value: Tensor) throws -> Tensor {
        let e = embedDim
        let q = try F.linear(query, weight: inProjWeight.narrow(0, start: 0, length: e), bias: inProjBias.narrow(0, start: 0, length: e))
        let k = try F.linear(key, weight: inProjWeight.narrow(0, start: e, length: e), bias: inProjBias.narrow(0, start: e, length: e))
        let v = try F.linear(value, weight: inProjWeight.narrow(0, start: 2 * e, length: e), bias: inProjBias.narrow(0, start: 2 * e, length: e))
        let (n, lq, lk) = (query.size(0), query.size(1), key.size(1))
        let d = e / heads
        // [N, L, E] → [N, heads, L, d]
        let qh = try q.reshape([n, lq, heads, d]).permute([0, 2, 1, 3])
        let kh = try k.reshape([n, lk, heads, d]).permute([0, 2, 1, 3])
        let vh = try v.reshape([n, lk, heads, d]).permute([0, 2, 1, 3])
        // softmax(q·kᵀ/√d), as PyTorch: the query is scaled before the product.
        var attn = try F.softmax((qh / Foundation.sqrt(Double(d))).matmul(kh.transpose(2, 3)), dim: 3)
        attn = try F.dropout(attn, p: dropout, training: store.isTraining)
        let out = try attn.matmul(vh).permute([0, 2, 1, 3]).reshape([n, lq, e])
        return try outProj(out)
    }
}

/// DETR's `TransformerEncoderLayer` (the one TReS uses): self-attention with the positional encoding
/// added to queries and keys (not values), then a ReLU feed-forward block, each with a residual
/// connection and dropout; pre-norm (`normalize_before=True`) or post-norm.
/// Names: `self_attn.*`, `linear1`, `linear2`, `norm1`, `norm2`.
public final class TransformerEncoderLayer {
    let selfAttn: MultiheadAttention
    let linear1: Linear, linear2: Linear
    let norm1: LayerNorm, norm2: LayerNorm
    public let dropout: Double
    public let normalizeBefore: Bool
    let store: ParameterStore

    /// `matrixInit` initialises every weight matrix (DETR's Transformer resets all of them to
    /// Xavier-uniform); biases keep PyTorch's defaults (zero for attention, uniform for the linears).
    public init(_ p: StorePath, dModel: Int, heads: Int, feedForward: Int, dropout: Double, normalizeBefore: Bool,
                matrixInit: Initializer = .xavierUniform(gain: 1)) throws {
        selfAttn = try MultiheadAttention(p / "self_attn", embedDim: dModel, heads: heads, dropout: dropout, outProjInit: matrixInit)
        linear1 = try Linear(p / "linear1", inFeatures: dModel, outFeatures: feedForward, weightInit: matrixInit)
        linear2 = try Linear(p / "linear2", inFeatures: feedForward, outFeatures: dModel, weightInit: matrixInit)
        norm1 = try LayerNorm(p / "norm1", shape: [dModel])
        norm2 = try LayerNorm(p / "norm2", shape: [dModel])
        self.dropout = dropout
        self.normalizeBefore = normalizeBefore
        store = p.store
    }

    /// src, pos: [N, L, E].
    public func callAsFunction(_ src: Tensor, pos: Tensor?) throws -> Tensor {
        let training = store.isTraining
        func drop(_ t: Tensor) throws -> Tensor { try F.dropout(t, p: dropout, training: training) }
        func withPos(_ t: Tensor) throws -> Tensor { try pos.map { try t + $0 } ?? t }
        func feedForward(_ t: Tensor) throws -> Tensor { try linear2(drop(linear1(t).relu_())) }
        if normalizeBefore {
            var x = src
            let n1 = try norm1(x)
            let qk = try withPos(n1)
            x = try x + drop(selfAttn(query: qk, key: qk, value: n1))
            return try x + drop(feedForward(norm2(x)))
        } else {
            let qk = try withPos(src)
            var x = try norm1(src + drop(selfAttn(query: qk, key: qk, value: src)))
            x = try norm2(x + drop(feedForward(x)))
            return x
        }
    }
}

/// DETR's `TransformerEncoder`: `layers.{i}` then an optional final `norm` (present with pre-norm).
public final class TransformerEncoder {
    let layers: [TransformerEncoderLayer]
    let norm: LayerNorm?

    public init(_ p: StorePath, layers count: Int, dModel: Int, heads: Int, feedForward: Int, dropout: Double,
                normalizeBefore: Bool) throws {
        layers = try (0..<count).map {
            try TransformerEncoderLayer(p / "layers" / $0, dModel: dModel, heads: heads, feedForward: feedForward,
                                        dropout: dropout, normalizeBefore: normalizeBefore)
        }
        norm = normalizeBefore ? try LayerNorm(p / "norm", shape: [dModel]) : nil
    }

    /// src, pos: [N, L, E] → [N, L, E].
    public func callAsFunction(_ src: Tensor, pos: Tensor?) throws -> Tensor {
        var x = src
        for layer in layers { x = try layer(x, pos: pos) }
        return try norm.map { try $0(x) } ?? x
    }
}

/// DETR's `PositionEmbeddingSine` for an unmasked H×W grid: `channels/2` features per axis, y first
/// then x; within each half, sin and cos alternate, sin(p / T^(2i/F)), cos(p / T^(2i/F)) with
/// F = channels/2, and the positions p = 1…H (1…W) are normalised to (0, scale] (divided by H + 1e-6).
/// Computed in Float32 as PyTorch does. Returns [1, channels, H, W].
public func sinePositionEncoding(channels: Int, height: Int, width: Int, temperature: Double = 10000,
                                 normalize: Bool = true, scale: Double = 2 * Double.pi, device: Device = .cpu) throws -> Tensor {
    let feats = channels / 2
    guard channels % 2 == 0, feats % 2 == 0 else {
        throw TorchError("sine position encoding needs a channel count divisible by 4, got \(channels)")
    }
    let eps: Float = 1e-6
    let scaleF = Float(scale)
    func embed(_ i: Int, _ n: Int) -> Float {
        let p = Float(i + 1)
        return normalize ? p / (Float(n) + eps) * scaleF : p
    }
    let dimT: [Float] = (0..<feats).map { j in Foundation.pow(Float(temperature), Float(2 * (j / 2)) / Float(feats)) }
    var values = [Float](repeating: 0, count: channels * height * width)
    for c in 0..<channels {
        let j = c % feats
        let alongY = c < feats
        for y in 0..<height {
            for x in 0..<width {
                let arg = (alongY ? embed(y, height) : embed(x, width)) / dimT[j]
                values[(c * height + y) * width + x] = j % 2 == 0 ? Foundation.sin(arg) : Foundation.cos(arg)
            }
        }
    }
    let t = try Tensor(values, shape: [1, channels, height, width])
    return device == .cpu ? t : try t.to(device)
}
