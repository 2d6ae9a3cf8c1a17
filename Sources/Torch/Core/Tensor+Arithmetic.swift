import CTorch

// Element-wise arithmetic with broadcasting. Operators throw (a shape mismatch is a Swift error, not a
// crash), so one `try` covers a whole expression: `let y = try (a + b) * c`.
extension Tensor {
    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try wrapHandle(ctorch_add(a.handle, b.handle)) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try wrapHandle(ctorch_sub(a.handle, b.handle)) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try wrapHandle(ctorch_mul(a.handle, b.handle)) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try wrapHandle(ctorch_div(a.handle, b.handle)) }

    public static func + (a: Tensor, s: Double) throws -> Tensor { try wrapHandle(ctorch_add_scalar(a.handle, s)) }
    public static func - (a: Tensor, s: Double) throws -> Tensor { try wrapHandle(ctorch_add_scalar(a.handle, -s)) }
    public static func * (a: Tensor, s: Double) throws -> Tensor { try wrapHandle(ctorch_mul_scalar(a.handle, s)) }
    public static func / (a: Tensor, s: Double) throws -> Tensor { try wrapHandle(ctorch_div_scalar(a.handle, s)) }
    public static func + (s: Double, a: Tensor) throws -> Tensor { try wrapHandle(ctorch_add_scalar(a.handle, s)) }
    public static func - (s: Double, a: Tensor) throws -> Tensor { try wrapHandle(ctorch_rsub_scalar(a.handle, s)) }
    public static func * (s: Double, a: Tensor) throws -> Tensor { try wrapHandle(ctorch_mul_scalar(a.handle, s)) }
    public static prefix func - (a: Tensor) throws -> Tensor { try a.unary(CTORCH_NEG) }

    public func pow(_ exponent: Double) throws -> Tensor { try wrapHandle(ctorch_pow_scalar(handle, exponent)) }
    public func pow(_ exponent: Tensor) throws -> Tensor { try wrapHandle(ctorch_pow(handle, exponent.handle)) }
    public func maximum(_ other: Tensor) throws -> Tensor { try wrapHandle(ctorch_maximum(handle, other.handle)) }
    public func minimum(_ other: Tensor) throws -> Tensor { try wrapHandle(ctorch_minimum(handle, other.handle)) }
    public func eq(_ other: Tensor) throws -> Tensor { try wrapHandle(ctorch_eq(handle, other.handle)) }
    public func gt(_ s: Double) throws -> Tensor { try wrapHandle(ctorch_gt_scalar(handle, s)) }
    public func lt(_ s: Double) throws -> Tensor { try wrapHandle(ctorch_lt_scalar(handle, s)) }

    /// Element-wise choice: `condition ? a : b`.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        try wrapHandle(ctorch_where(condition.handle, a.handle, b.handle))
    }

    // MARK: unary

    @inline(__always) func unary(_ op: ctorch_unary_op) throws -> Tensor {
        try wrapHandle(ctorch_unary(handle, Int32(op.rawValue)))
    }
    @inline(__always) func unaryInPlace(_ op: ctorch_unary_op) throws {
        ctorch_unary_(handle, Int32(op.rawValue))
        try checkError()
    }

    public func abs() throws -> Tensor { try unary(CTORCH_ABS) }
    public func sqrt() throws -> Tensor { try unary(CTORCH_SQRT) }
    public func rsqrt() throws -> Tensor { try unary(CTORCH_RSQRT) }
    public func exp() throws -> Tensor { try unary(CTORCH_EXP) }
    public func log() throws -> Tensor { try unary(CTORCH_LOG) }
    public func log10() throws -> Tensor { try unary(CTORCH_LOG10) }
    public func sign() throws -> Tensor { try unary(CTORCH_SIGN) }
    /// Round half to even, like torch.round.
    public func round() throws -> Tensor { try unary(CTORCH_ROUND) }
    public func floor() throws -> Tensor { try unary(CTORCH_FLOOR) }
    public func ceil() throws -> Tensor { try unary(CTORCH_CEIL) }
    public func sigmoid() throws -> Tensor { try unary(CTORCH_SIGMOID) }
    public func tanh() throws -> Tensor { try unary(CTORCH_TANH) }
    public func relu() throws -> Tensor { try unary(CTORCH_RELU) }
    public func gelu() throws -> Tensor { try unary(CTORCH_GELU) }
    public func square() throws -> Tensor { try unary(CTORCH_SQUARE) }
    public func cos() throws -> Tensor { try unary(CTORCH_COS) }
    public func sin() throws -> Tensor { try unary(CTORCH_SIN) }
    public func isNaN() throws -> Tensor { try unary(CTORCH_ISNAN) }
    public func isFinite() throws -> Tensor { try unary(CTORCH_ISFINITE) }
    public func leakyReLU(_ slope: Double = 0.01) throws -> Tensor { try wrapHandle(ctorch_leaky_relu(handle, slope)) }

    public func clamp(min lo: Double? = nil, max hi: Double? = nil) throws -> Tensor {
        try wrapHandle(ctorch_clamp(handle, lo ?? 0, hi ?? 0, lo == nil ? 0 : 1, hi == nil ? 0 : 1))
    }

    /// Clamp element-wise between two tensors (either may be nil).
    public func clamp(min lo: Tensor?, max hi: Tensor?) throws -> Tensor {
        try wrapHandle(ctorch_clamp_tensor(handle, lo?.handle, hi?.handle))
    }

    // MARK: in place (optimisers and hot paths: saves an allocation per op)

    @discardableResult public func relu_() throws -> Tensor { try unaryInPlace(CTORCH_RELU); return self }
    @discardableResult public func sigmoid_() throws -> Tensor { try unaryInPlace(CTORCH_SIGMOID); return self }
    @discardableResult public func round_() throws -> Tensor { try unaryInPlace(CTORCH_ROUND); return self }
    @discardableResult public func sqrt_() throws -> Tensor { try unaryInPlace(CTORCH_SQRT); return self }
    @discardableResult public func neg_() throws -> Tensor { try unaryInPlace(CTORCH_NEG); return self }
    @discardableResult public func sign_() throws -> Tensor { try unaryInPlace(CTORCH_SIGN); return self }

    /// self += alpha * other
    @discardableResult public func add_(_ other: Tensor, alpha: Double = 1) throws -> Tensor {
        ctorch_add_(handle, other.handle, alpha); try checkError(); return self
    }
    /// self -= alpha * other
    @discardableResult public func sub_(_ other: Tensor, alpha: Double = 1) throws -> Tensor {
        ctorch_sub_(handle, other.handle, alpha); try checkError(); return self
    }
    @discardableResult public func mul_(_ other: Tensor) throws -> Tensor {
        ctorch_mul_(handle, other.handle); try checkError(); return self
    }
    @discardableResult public func div_(_ other: Tensor) throws -> Tensor {
        ctorch_div_(handle, other.handle); try checkError(); return self
    }
    @discardableResult public func add_(_ s: Double) throws -> Tensor {
        ctorch_add_scalar_(handle, s); try checkError(); return self
    }
    @discardableResult public func mul_(_ s: Double) throws -> Tensor {
        ctorch_mul_scalar_(handle, s); try checkError(); return self
    }
    /// self += value * a * b
    @discardableResult public func addcmul_(_ a: Tensor, _ b: Tensor, value: Double = 1) throws -> Tensor {
        ctorch_addcmul_(handle, a.handle, b.handle, value); try checkError(); return self
    }
    /// self += value * a / b
    @discardableResult public func addcdiv_(_ a: Tensor, _ b: Tensor, value: Double = 1) throws -> Tensor {
        ctorch_addcdiv_(handle, a.handle, b.handle, value); try checkError(); return self
    }
    /// self += weight * (end - self)
    @discardableResult public func lerp_(_ end: Tensor, weight: Double) throws -> Tensor {
        ctorch_lerp_(handle, end.handle, weight); try checkError(); return self
    }
    @discardableResult public func copy_(_ source: Tensor) throws -> Tensor {
        ctorch_copy_(handle, source.handle); try checkError(); return self
    }
    @discardableResult public func zero_() throws -> Tensor { ctorch_zero_(handle); try checkError(); return self }
    @discardableResult public func fill_(_ v: Double) throws -> Tensor { ctorch_fill_(handle, v); try checkError(); return self }
    @discardableResult public func uniform_(_ lo: Double, _ hi: Double) throws -> Tensor {
        ctorch_uniform_(handle, lo, hi); try checkError(); return self
    }
    @discardableResult public func normal_(mean: Double = 0, std: Double = 1) throws -> Tensor {
        ctorch_normal_(handle, mean, std); try checkError(); return self
    }
    @discardableResult public func bernoulli_(_ p: Double) throws -> Tensor {
        ctorch_bernoulli_(handle, p); try checkError(); return self
    }
    @discardableResult public func clamp_(min lo: Double? = nil, max hi: Double? = nil) throws -> Tensor {
        ctorch_clamp_(handle, lo ?? 0, hi ?? 0, lo == nil ? 0 : 1, hi == nil ? 0 : 1); try checkError(); return self
    }
}
