// ctorch operators: element-wise, in-place, shape, reductions and neural-network functions.
#include "ctorch_internal.h"

extern "C" {

// ---- element-wise ----------------------------------------------------------------------------
ctorch_tensor ctorch_add(ctorch_tensor a, ctorch_tensor b) { RET_TENSOR(T(a) + T(b)) }
ctorch_tensor ctorch_sub(ctorch_tensor a, ctorch_tensor b) { RET_TENSOR(T(a) - T(b)) }
ctorch_tensor ctorch_mul(ctorch_tensor a, ctorch_tensor b) { RET_TENSOR(T(a) * T(b)) }
ctorch_tensor ctorch_div(ctorch_tensor a, ctorch_tensor b) { RET_TENSOR(T(a) / T(b)) }
ctorch_tensor ctorch_pow(ctorch_tensor a, ctorch_tensor b) { RET_TENSOR(at::pow(T(a), T(b))) }
ctorch_tensor ctorch_maximum(ctorch_tensor a, ctorch_tensor b) { RET_TENSOR(at::maximum(T(a), T(b))) }
ctorch_tensor ctorch_minimum(ctorch_tensor a, ctorch_tensor b) { RET_TENSOR(at::minimum(T(a), T(b))) }
ctorch_tensor ctorch_add_scalar(ctorch_tensor a, double s) { RET_TENSOR(T(a) + s) }
ctorch_tensor ctorch_mul_scalar(ctorch_tensor a, double s) { RET_TENSOR(T(a) * s) }
ctorch_tensor ctorch_div_scalar(ctorch_tensor a, double s) { RET_TENSOR(T(a) / s) }
ctorch_tensor ctorch_pow_scalar(ctorch_tensor a, double s) { RET_TENSOR(at::pow(T(a), s)) }
ctorch_tensor ctorch_rsub_scalar(ctorch_tensor a, double s) { RET_TENSOR(at::rsub(T(a), s)) }
ctorch_tensor ctorch_eq(ctorch_tensor a, ctorch_tensor b) { RET_TENSOR(at::eq(T(a), T(b))) }
ctorch_tensor ctorch_gt_scalar(ctorch_tensor a, double s) { RET_TENSOR(at::gt(T(a), s)) }
ctorch_tensor ctorch_lt_scalar(ctorch_tensor a, double s) { RET_TENSOR(at::lt(T(a), s)) }
ctorch_tensor ctorch_where(ctorch_tensor c, ctorch_tensor a, ctorch_tensor b) { RET_TENSOR(at::where(T(c), T(a), T(b))) }

ctorch_tensor ctorch_unary(ctorch_tensor a, int op) {
    PROTECT({
        const at::Tensor &x = T(a);
        switch (op) {
        case CTORCH_NEG: return wrap(at::neg(x));
        case CTORCH_ABS: return wrap(at::abs(x));
        case CTORCH_SQRT: return wrap(at::sqrt(x));
        case CTORCH_RSQRT: return wrap(at::rsqrt(x));
        case CTORCH_EXP: return wrap(at::exp(x));
        case CTORCH_LOG: return wrap(at::log(x));
        case CTORCH_SIGN: return wrap(at::sign(x));
        case CTORCH_ROUND: return wrap(at::round(x));
        case CTORCH_FLOOR: return wrap(at::floor(x));
        case CTORCH_CEIL: return wrap(at::ceil(x));
        case CTORCH_SIGMOID: return wrap(at::sigmoid(x));
        case CTORCH_TANH: return wrap(at::tanh(x));
        case CTORCH_RELU: return wrap(at::relu(x));
        case CTORCH_SQUARE: return wrap(at::square(x));
        case CTORCH_COS: return wrap(at::cos(x));
        case CTORCH_SIN: return wrap(at::sin(x));
        case CTORCH_LOG10: return wrap(at::log10(x));
        case CTORCH_GELU: return wrap(at::gelu(x));
        case CTORCH_ISNAN: return wrap(at::isnan(x));
        case CTORCH_ISFINITE: return wrap(at::isfinite(x));
        default: throw std::invalid_argument("unknown unary op code");
        }
    })
    return nullptr;
}
void ctorch_unary_(ctorch_tensor a, int op) {
    PROTECT({
        at::Tensor &x = T(a);
        switch (op) {
        case CTORCH_NEG: x.neg_(); break;
        case CTORCH_ABS: x.abs_(); break;
        case CTORCH_SQRT: x.sqrt_(); break;
        case CTORCH_RSQRT: x.rsqrt_(); break;
        case CTORCH_EXP: x.exp_(); break;
        case CTORCH_LOG: x.log_(); break;
        case CTORCH_SIGN: x.sign_(); break;
        case CTORCH_ROUND: x.round_(); break;
        case CTORCH_FLOOR: x.floor_(); break;
        case CTORCH_CEIL: x.ceil_(); break;
        case CTORCH_SIGMOID: x.sigmoid_(); break;
        case CTORCH_TANH: x.tanh_(); break;
        case CTORCH_RELU: x.relu_(); break;
        case CTORCH_SQUARE: x.square_(); break;
        case CTORCH_COS: x.cos_(); break;
        case CTORCH_SIN: x.sin_(); break;
        default: throw std::invalid_argument("unary op has no in-place variant");
        }
    })
}
ctorch_tensor ctorch_clamp(ctorch_tensor a, double lo, double hi, int has_lo, int has_hi) {
    RET_TENSOR(at::clamp(T(a), has_lo ? c10::optional<at::Scalar>(lo) : c10::nullopt,
                         has_hi ? c10::optional<at::Scalar>(hi) : c10::nullopt))
}
void ctorch_clamp_(ctorch_tensor a, double lo, double hi, int has_lo, int has_hi) {
    PROTECT(T(a).clamp_(has_lo ? c10::optional<at::Scalar>(lo) : c10::nullopt,
                        has_hi ? c10::optional<at::Scalar>(hi) : c10::nullopt);)
}
ctorch_tensor ctorch_clamp_tensor(ctorch_tensor a, ctorch_tensor lo, ctorch_tensor hi) {
    RET_TENSOR(at::clamp(T(a), opt(lo), opt(hi)))
}
ctorch_tensor ctorch_leaky_relu(ctorch_tensor a, double slope) { RET_TENSOR(at::leaky_relu(T(a), slope)) }

// ---- in-place --------------------------------------------------------------------------------
void ctorch_add_(ctorch_tensor a, ctorch_tensor b, double alpha) { PROTECT(T(a).add_(T(b), alpha);) }
void ctorch_sub_(ctorch_tensor a, ctorch_tensor b, double alpha) { PROTECT(T(a).sub_(T(b), alpha);) }
void ctorch_mul_(ctorch_tensor a, ctorch_tensor b) { PROTECT(T(a).mul_(T(b));) }
void ctorch_div_(ctorch_tensor a, ctorch_tensor b) { PROTECT(T(a).div_(T(b));) }
void ctorch_add_scalar_(ctorch_tensor a, double s) { PROTECT(T(a).add_(scalar_like(T(a), s));) }
void ctorch_mul_scalar_(ctorch_tensor a, double s) { PROTECT(T(a).mul_(scalar_like(T(a), s));) }
void ctorch_addcmul_(ctorch_tensor a, ctorch_tensor b, ctorch_tensor c, double v) { PROTECT(T(a).addcmul_(T(b), T(c), v);) }
void ctorch_addcdiv_(ctorch_tensor a, ctorch_tensor b, ctorch_tensor c, double v) { PROTECT(T(a).addcdiv_(T(b), T(c), v);) }
void ctorch_lerp_(ctorch_tensor a, ctorch_tensor end, double w) { PROTECT(T(a).lerp_(T(end), w);) }
void ctorch_copy_(ctorch_tensor dst, ctorch_tensor src) { PROTECT(T(dst).copy_(T(src));) }
void ctorch_zero_(ctorch_tensor a) { PROTECT(T(a).zero_();) }
void ctorch_fill_(ctorch_tensor a, double v) { PROTECT(T(a).fill_(scalar_like(T(a), v));) }
void ctorch_uniform_(ctorch_tensor a, double lo, double hi) { PROTECT(T(a).uniform_(lo, hi);) }
void ctorch_normal_(ctorch_tensor a, double m, double s) { PROTECT(T(a).normal_(m, s);) }
void ctorch_bernoulli_(ctorch_tensor a, double p) { PROTECT(T(a).bernoulli_(p);) }

// ---- shape -----------------------------------------------------------------------------------
ctorch_tensor ctorch_reshape(ctorch_tensor a, const int64_t *s, int64_t n) { RET_TENSOR(T(a).reshape(dims_ref(s, n))) }
ctorch_tensor ctorch_view(ctorch_tensor a, const int64_t *s, int64_t n) { RET_TENSOR(T(a).view(dims_ref(s, n))) }
ctorch_tensor ctorch_permute(ctorch_tensor a, const int64_t *d, int64_t n) { RET_TENSOR(T(a).permute(dims_ref(d, n))) }
ctorch_tensor ctorch_transpose(ctorch_tensor a, int64_t d0, int64_t d1) { RET_TENSOR(T(a).transpose(d0, d1)) }
ctorch_tensor ctorch_expand(ctorch_tensor a, const int64_t *s, int64_t n) { RET_TENSOR(T(a).expand(dims_ref(s, n))) }
ctorch_tensor ctorch_repeat(ctorch_tensor a, const int64_t *r, int64_t n) { RET_TENSOR(T(a).repeat(dims_ref(r, n))) }
ctorch_tensor ctorch_flatten(ctorch_tensor a, int64_t s, int64_t e) { RET_TENSOR(T(a).flatten(s, e)) }
ctorch_tensor ctorch_unsqueeze(ctorch_tensor a, int64_t d) { RET_TENSOR(T(a).unsqueeze(d)) }
ctorch_tensor ctorch_squeeze_dim(ctorch_tensor a, int64_t d) { RET_TENSOR(T(a).squeeze(d)) }
// The handles of a C array of tensors as the vector at::cat/at::stack take.
static std::vector<at::Tensor> tensor_list(const ctorch_tensor *ts, int64_t n) {
    std::vector<at::Tensor> v;
    v.reserve(n);
    for (int64_t i = 0; i < n; ++i) v.push_back(T(ts[i]));
    return v;
}
ctorch_tensor ctorch_cat(const ctorch_tensor *ts, int64_t n, int64_t dim) { RET_TENSOR(at::cat(tensor_list(ts, n), dim)) }
ctorch_tensor ctorch_stack(const ctorch_tensor *ts, int64_t n, int64_t dim) { RET_TENSOR(at::stack(tensor_list(ts, n), dim)) }
ctorch_tensor ctorch_narrow(ctorch_tensor a, int64_t d, int64_t s, int64_t l) { RET_TENSOR(T(a).narrow(d, s, l)) }
ctorch_tensor ctorch_slice(ctorch_tensor a, int64_t d, int64_t s, int64_t e, int64_t st) { RET_TENSOR(T(a).slice(d, s, e, st)) }
ctorch_tensor ctorch_select(ctorch_tensor a, int64_t d, int64_t i) { RET_TENSOR(T(a).select(d, i)) }
ctorch_tensor ctorch_index_select(ctorch_tensor a, int64_t d, ctorch_tensor i) { RET_TENSOR(T(a).index_select(d, T(i))) }
ctorch_tensor ctorch_flip(ctorch_tensor a, const int64_t *d, int64_t n) { RET_TENSOR(T(a).flip(dims_ref(d, n))) }
ctorch_tensor ctorch_roll(ctorch_tensor a, const int64_t *s, const int64_t *d, int64_t n) {
    RET_TENSOR(at::roll(T(a), dims_ref(s, n), dims_ref(d, n)))
}
ctorch_tensor ctorch_pad(ctorch_tensor a, const int64_t *p, int64_t n, double v) {
    RET_TENSOR(at::constant_pad_nd(T(a), dims_ref(p, n), v))
}

// ---- reductions, linear algebra --------------------------------------------------------------
ctorch_tensor ctorch_sum(ctorch_tensor a) { RET_TENSOR(T(a).sum()) }
ctorch_tensor ctorch_mean(ctorch_tensor a) { RET_TENSOR(T(a).mean()) }
ctorch_tensor ctorch_sum_dims(ctorch_tensor a, const int64_t *d, int64_t n, int k) { RET_TENSOR(T(a).sum(dims_ref(d, n), k != 0)) }
ctorch_tensor ctorch_mean_dims(ctorch_tensor a, const int64_t *d, int64_t n, int k) { RET_TENSOR(T(a).mean(dims_ref(d, n), k != 0)) }
ctorch_tensor ctorch_var_dims(ctorch_tensor a, const int64_t *d, int64_t n, int u, int k) {
    RET_TENSOR(at::var(T(a), dims_ref(d, n), u != 0, k != 0))
}
ctorch_tensor ctorch_amax(ctorch_tensor a, const int64_t *d, int64_t n, int k) { RET_TENSOR(at::amax(T(a), dims_ref(d, n), k != 0)) }
ctorch_tensor ctorch_amin(ctorch_tensor a, const int64_t *d, int64_t n, int k) { RET_TENSOR(at::amin(T(a), dims_ref(d, n), k != 0)) }
ctorch_tensor ctorch_argmax(ctorch_tensor a, int64_t d, int k) { RET_TENSOR(at::argmax(T(a), d, k != 0)) }
ctorch_tensor ctorch_max_all(ctorch_tensor a) { RET_TENSOR(T(a).max()) }
ctorch_tensor ctorch_min_all(ctorch_tensor a) { RET_TENSOR(T(a).min()) }
ctorch_tensor ctorch_norm_dims(ctorch_tensor a, double p, const int64_t *d, int64_t n, int k) {
    RET_TENSOR(at::norm(T(a), p, dims_ref(d, n), k != 0))
}
ctorch_tensor ctorch_matmul(ctorch_tensor a, ctorch_tensor b) { RET_TENSOR(at::matmul(T(a), T(b))) }
ctorch_tensor ctorch_bmm(ctorch_tensor a, ctorch_tensor b) { RET_TENSOR(at::bmm(T(a), T(b))) }
ctorch_tensor ctorch_linear(ctorch_tensor x, ctorch_tensor w, ctorch_tensor b) { RET_TENSOR(at::linear(T(x), T(w), opt(b))) }

// ---- neural-network functions ----------------------------------------------------------------
ctorch_tensor ctorch_conv2d(ctorch_tensor x, ctorch_tensor w, ctorch_tensor b, int64_t sh, int64_t sw, int64_t ph,
                            int64_t pw, int64_t dh, int64_t dw, int64_t groups) {
    RET_TENSOR(at::conv2d(T(x), T(w), opt(b), {sh, sw}, {ph, pw}, {dh, dw}, groups))
}
ctorch_tensor ctorch_batch_norm(ctorch_tensor x, ctorch_tensor w, ctorch_tensor b, ctorch_tensor rm, ctorch_tensor rv,
                                int training, double momentum, double eps) {
    RET_TENSOR(at::batch_norm(T(x), opt(w), opt(b), opt(rm), opt(rv), training != 0, momentum, eps, true))
}
ctorch_tensor ctorch_layer_norm(ctorch_tensor x, const int64_t *s, int64_t n, ctorch_tensor w, ctorch_tensor b, double eps) {
    RET_TENSOR(at::layer_norm(T(x), dims_ref(s, n), opt(w), opt(b), eps, true))
}
ctorch_tensor ctorch_max_pool2d(ctorch_tensor x, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                                int ceil_mode) {
    RET_TENSOR(at::max_pool2d(T(x), {kh, kw}, {sh, sw}, {ph, pw}, {1, 1}, ceil_mode != 0))
}
ctorch_tensor ctorch_avg_pool2d(ctorch_tensor x, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                                int ceil_mode, int count_include_pad) {
    RET_TENSOR(at::avg_pool2d(T(x), {kh, kw}, {sh, sw}, {ph, pw}, ceil_mode != 0, count_include_pad != 0))
}
ctorch_tensor ctorch_adaptive_avg_pool2d(ctorch_tensor x, int64_t oh, int64_t ow) {
    RET_TENSOR(at::adaptive_avg_pool2d(T(x), {oh, ow}))
}
ctorch_tensor ctorch_dropout(ctorch_tensor x, double p, int training) { RET_TENSOR(at::dropout(T(x), p, training != 0)) }
ctorch_tensor ctorch_softmax(ctorch_tensor x, int64_t d) { RET_TENSOR(at::softmax(T(x), d)) }
ctorch_tensor ctorch_log_softmax(ctorch_tensor x, int64_t d) { RET_TENSOR(at::log_softmax(T(x), d)) }
ctorch_tensor ctorch_l1_loss(ctorch_tensor x, ctorch_tensor y, int r) { RET_TENSOR(at::l1_loss(T(x), T(y), reduction(r))) }
ctorch_tensor ctorch_mse_loss(ctorch_tensor x, ctorch_tensor y, int r) { RET_TENSOR(at::mse_loss(T(x), T(y), reduction(r))) }
ctorch_tensor ctorch_smooth_l1_loss(ctorch_tensor x, ctorch_tensor y, int r, double beta) {
    RET_TENSOR(at::smooth_l1_loss(T(x), T(y), reduction(r), beta))
}
ctorch_tensor ctorch_cross_entropy(ctorch_tensor logits, ctorch_tensor target, int r) {
    RET_TENSOR(at::cross_entropy_loss(T(logits), T(target), {}, reduction(r)))
}
ctorch_tensor ctorch_grid_sample(ctorch_tensor x, ctorch_tensor grid, int mode, int padding, int align_corners) {
    RET_TENSOR(at::grid_sampler(T(x), T(grid), mode, padding, align_corners != 0))
}
ctorch_tensor ctorch_upsample_bilinear2d(ctorch_tensor x, int64_t oh, int64_t ow, int align_corners) {
    RET_TENSOR(at::upsample_bilinear2d(T(x), {oh, ow}, align_corners != 0))
}

} // extern "C"
