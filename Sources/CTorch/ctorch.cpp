// ctorch: extern "C" entry points over ATen. See include/ctorch.h.
//
// Conventions: a handle is a heap-allocated at::Tensor; every function body runs inside PROTECT,
// which turns any C++ exception into the thread-local error message and a neutral return value.
#include "ctorch.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/generated/variable_factories.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/api/include/torch/version.h>

#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

struct ctorch_tensor_opaque {
    at::Tensor tensor;
};

namespace {
thread_local std::string last_error;
thread_local bool has_error = false;

void set_error(const char *msg) {
    last_error = msg ? msg : "unknown libtorch error";
    has_error = true;
}

// c10::Error's what() carries a C++ backtrace; users want the first line only.
#define PROTECT(body)                                                                              \
    try {                                                                                          \
        body                                                                                       \
    } catch (const c10::Error &e) {                                                                \
        set_error(e.what_without_backtrace());                                                     \
    } catch (const std::exception &e) {                                                            \
        set_error(e.what());                                                                       \
    } catch (...) {                                                                                \
        set_error("unknown C++ exception in libtorch");                                            \
    }

inline ctorch_tensor wrap(at::Tensor t) { return new ctorch_tensor_opaque{std::move(t)}; }
inline at::Tensor &T(ctorch_tensor h) {
    if (h == nullptr) throw std::invalid_argument("null tensor handle");
    return h->tensor;
}
inline c10::optional<at::Tensor> opt(ctorch_tensor h) {
    if (h == nullptr) return c10::nullopt;
    return h->tensor;
}
inline at::IntArrayRef dims_ref(const int64_t *p, int64_t n) {
    if (n < 0) throw std::invalid_argument("negative dimension count");
    return at::IntArrayRef(p, static_cast<size_t>(n));
}
inline at::Device dev(int device) {
    return device < 0 ? at::Device(at::kCPU) : at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(device));
}
inline at::ScalarType stype(int s) {
    if (s < 0 || s >= static_cast<int>(at::ScalarType::NumOptions)) throw std::invalid_argument("bad scalar type code");
    return static_cast<at::ScalarType>(s);
}
inline at::TensorOptions options(int scalar_type, int device) {
    return at::TensorOptions().dtype(stype(scalar_type)).device(dev(device));
}
inline at::Reduction::Reduction reduction(int r) {
    switch (r) {
    case 0: return at::Reduction::None;
    case 1: return at::Reduction::Mean;
    case 2: return at::Reduction::Sum;
    default: throw std::invalid_argument("bad reduction code");
    }
}
// In-place ops on integer tensors (counters like num_batches_tracked) need an integral Scalar:
// a double Scalar cannot be cast to Long in place.
inline at::Scalar scalar_like(const at::Tensor &t, double v) {
    if (at::isIntegralType(t.scalar_type(), /*includeBool=*/true) && v == static_cast<double>(static_cast<int64_t>(v)))
        return at::Scalar(static_cast<int64_t>(v));
    return at::Scalar(v);
}
} // namespace

#define RET_TENSOR(expr)                                                                           \
    PROTECT(return wrap(expr);)                                                                    \
    return nullptr;

extern "C" {

// ---- errors, runtime -------------------------------------------------------------------------
const char *ctorch_last_error(void) { return has_error ? last_error.c_str() : nullptr; }
void ctorch_clear_error(void) {
    has_error = false;
    last_error.clear();
}
void ctorch_set_num_threads(int n) { PROTECT(at::set_num_threads(n);) }
int ctorch_get_num_threads(void) {
    PROTECT(return at::get_num_threads();)
    return 1;
}
int ctorch_set_flush_denormal(int on) {
    PROTECT(return at::globalContext().setFlushDenormal(on != 0) ? 1 : 0;)
    return 0;
}
void ctorch_manual_seed(uint64_t seed) { PROTECT(at::manual_seed(seed);) }
// The device-guard registry has the same API in libtorch 1.x and 2.x (unlike the CUDA hooks), and
// has no CUDA entry at all in a CPU-only build.
int ctorch_cuda_device_count(void) {
    PROTECT({
        if (!c10::impl::hasDeviceGuardImpl(c10::DeviceType::CUDA)) return 0;
        return static_cast<int>(c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA)->deviceCount());
    })
    return 0;
}
int ctorch_cuda_is_available(void) { return ctorch_cuda_device_count() > 0 ? 1 : 0; }
int ctorch_set_grad_enabled(int enabled) {
    bool prev = at::GradMode::is_enabled();
    at::GradMode::set_enabled(enabled != 0);
    return prev ? 1 : 0;
}
int ctorch_is_grad_enabled(void) { return at::GradMode::is_enabled() ? 1 : 0; }
const char *ctorch_version(void) { return TORCH_VERSION; }
int ctorch_tune_allocator(void) {
#if defined(__GLIBC__)
    int ok = mallopt(M_MMAP_THRESHOLD, 1 << 30);
    ok &= mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
    ok &= mallopt(M_TOP_PAD, 1 << 30);
    return ok ? 1 : 0;
#else
    return 0;
#endif
}

// ---- lifetime, metadata ----------------------------------------------------------------------
void ctorch_free(ctorch_tensor t) { delete t; }
ctorch_tensor ctorch_shallow_clone(ctorch_tensor t) { RET_TENSOR(T(t)) }
int ctorch_defined(ctorch_tensor t) {
    PROTECT(return T(t).defined() ? 1 : 0;)
    return 0;
}
int64_t ctorch_dim(ctorch_tensor t) {
    PROTECT(return T(t).dim();)
    return 0;
}
int64_t ctorch_sizes(ctorch_tensor t, int64_t *out, int64_t cap) {
    PROTECT(auto s = T(t).sizes(); for (int64_t i = 0; i < static_cast<int64_t>(s.size()) && i < cap; ++i) out[i] = s[i];
            return static_cast<int64_t>(s.size());)
    return 0;
}
int64_t ctorch_strides(ctorch_tensor t, int64_t *out, int64_t cap) {
    PROTECT(auto s = T(t).strides(); for (int64_t i = 0; i < static_cast<int64_t>(s.size()) && i < cap; ++i) out[i] = s[i];
            return static_cast<int64_t>(s.size());)
    return 0;
}
int64_t ctorch_numel(ctorch_tensor t) {
    PROTECT(return T(t).numel();)
    return 0;
}
int ctorch_scalar_type(ctorch_tensor t) {
    PROTECT(return static_cast<int>(T(t).scalar_type());)
    return -1;
}
int ctorch_device(ctorch_tensor t) {
    PROTECT(auto d = T(t).device(); return d.is_cpu() ? -1 : d.index();)
    return -1;
}
int ctorch_requires_grad(ctorch_tensor t) {
    PROTECT(return T(t).requires_grad() ? 1 : 0;)
    return 0;
}
int ctorch_is_contiguous(ctorch_tensor t) {
    PROTECT(return T(t).is_contiguous() ? 1 : 0;)
    return 0;
}
int ctorch_is_channels_last(ctorch_tensor t) {
    PROTECT(return T(t).dim() == 4 && T(t).is_contiguous(at::MemoryFormat::ChannelsLast) ? 1 : 0;)
    return 0;
}
char *ctorch_to_string(ctorch_tensor t) {
    PROTECT(std::ostringstream os; os << T(t); return strdup(os.str().c_str());)
    return nullptr;
}

// ---- creation, data in and out ---------------------------------------------------------------
ctorch_tensor ctorch_from_data(const void *data, size_t nbytes, const int64_t *shape, int64_t ndim,
                               int scalar_type) {
    PROTECT({
        auto dims = dims_ref(shape, ndim);
        int64_t n = 1;
        for (auto d : dims) {
            if (d < 0) throw std::invalid_argument("negative size in shape");
            n *= d;
        }
        auto st = stype(scalar_type);
        size_t need = static_cast<size_t>(n) * c10::elementSize(st);
        // from_blob trusts its caller; we check the byte count so a wrong shape is an error, not a crash.
        if (need != nbytes) {
            std::ostringstream os;
            os << "from_data: shape " << dims << " of " << c10::toString(st) << " needs " << need << " bytes, got "
               << nbytes;
            throw std::invalid_argument(os.str());
        }
        auto out = at::empty(dims, at::TensorOptions().dtype(st));
        if (nbytes > 0) std::memcpy(out.data_ptr(), data, nbytes);
        return wrap(out);
    })
    return nullptr;
}
void ctorch_copy_data(ctorch_tensor t, void *out, size_t nbytes) {
    PROTECT({
        auto c = T(t).detach().to(at::kCPU).contiguous();
        size_t have = static_cast<size_t>(c.numel()) * c.element_size();
        if (have != nbytes) {
            std::ostringstream os;
            os << "copy_data: tensor holds " << have << " bytes, buffer has " << nbytes;
            throw std::invalid_argument(os.str());
        }
        if (nbytes > 0) std::memcpy(out, c.data_ptr(), nbytes);
    })
}
double ctorch_item_double(ctorch_tensor t) {
    PROTECT(return T(t).item<double>();)
    return 0;
}
int64_t ctorch_item_int64(ctorch_tensor t) {
    PROTECT(return T(t).item<int64_t>();)
    return 0;
}
ctorch_tensor ctorch_zeros(const int64_t *shape, int64_t ndim, int st, int device) {
    RET_TENSOR(at::zeros(dims_ref(shape, ndim), options(st, device)))
}
ctorch_tensor ctorch_ones(const int64_t *shape, int64_t ndim, int st, int device) {
    RET_TENSOR(at::ones(dims_ref(shape, ndim), options(st, device)))
}
ctorch_tensor ctorch_full(const int64_t *shape, int64_t ndim, double value, int st, int device) {
    RET_TENSOR(at::full(dims_ref(shape, ndim), value, options(st, device)))
}
ctorch_tensor ctorch_empty(const int64_t *shape, int64_t ndim, int st, int device) {
    RET_TENSOR(at::empty(dims_ref(shape, ndim), options(st, device)))
}
ctorch_tensor ctorch_rand(const int64_t *shape, int64_t ndim, int st, int device) {
    RET_TENSOR(at::rand(dims_ref(shape, ndim), options(st, device)))
}
ctorch_tensor ctorch_randn(const int64_t *shape, int64_t ndim, int st, int device) {
    RET_TENSOR(at::randn(dims_ref(shape, ndim), options(st, device)))
}
ctorch_tensor ctorch_randint(int64_t low, int64_t high, const int64_t *shape, int64_t ndim, int device) {
    RET_TENSOR(at::randint(low, high, dims_ref(shape, ndim), options(static_cast<int>(at::kLong), device)))
}
ctorch_tensor ctorch_randperm(int64_t n, int device) {
    RET_TENSOR(at::randperm(n, options(static_cast<int>(at::kLong), device)))
}
ctorch_tensor ctorch_arange(double start, double end, double step, int st, int device) {
    RET_TENSOR(at::arange(start, end, step, options(st, device)))
}
ctorch_tensor ctorch_scalar_tensor(double value, int st, int device) {
    RET_TENSOR(at::scalar_tensor(value, options(st, device)))
}

ctorch_tensor ctorch_zeros_like(ctorch_tensor t) { RET_TENSOR(at::zeros_like(T(t), at::MemoryFormat::Preserve)) }

// ---- conversion, layout ----------------------------------------------------------------------
ctorch_tensor ctorch_to_dtype(ctorch_tensor t, int st) { RET_TENSOR(T(t).to(stype(st))) }
ctorch_tensor ctorch_to_device(ctorch_tensor t, int device) { RET_TENSOR(T(t).to(dev(device))) }
ctorch_tensor ctorch_contiguous(ctorch_tensor t) { RET_TENSOR(T(t).contiguous()) }
ctorch_tensor ctorch_contiguous_format(ctorch_tensor t, int mf) {
    RET_TENSOR(T(t).contiguous(mf == 1 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous))
}
ctorch_tensor ctorch_clone(ctorch_tensor t) { RET_TENSOR(T(t).clone()) }
ctorch_tensor ctorch_detach(ctorch_tensor t) { RET_TENSOR(T(t).detach()) }
void ctorch_detach_(ctorch_tensor t) { PROTECT(T(t).detach_();) }
void ctorch_set_requires_grad(ctorch_tensor t, int rg) { PROTECT(T(t).set_requires_grad(rg != 0);) }

// ---- autograd --------------------------------------------------------------------------------
void ctorch_backward(ctorch_tensor t, ctorch_tensor grad, int retain_graph) {
    PROTECT(T(t).backward(grad ? T(grad) : at::Tensor(), retain_graph != 0);)
}
ctorch_tensor ctorch_grad(ctorch_tensor t) {
    PROTECT({
        auto g = T(t).grad();
        if (!g.defined()) return nullptr;
        return wrap(g);
    })
    return nullptr;
}
void ctorch_zero_grad(ctorch_tensor t) { PROTECT(T(t).mutable_grad() = at::Tensor();) }
void ctorch_autograd_grad(ctorch_tensor out, const ctorch_tensor *inputs, int64_t n, ctorch_tensor *result,
                          int retain_graph, int create_graph) {
    PROTECT({
        std::vector<at::Tensor> ins;
        ins.reserve(n);
        for (int64_t i = 0; i < n; ++i) ins.push_back(T(inputs[i]));
        auto gs = torch::autograd::grad({T(out)}, ins, {}, retain_graph != 0, create_graph != 0, true);
        for (int64_t i = 0; i < n; ++i) result[i] = gs[i].defined() ? wrap(gs[i]) : nullptr;
    })
}

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
ctorch_tensor ctorch_cat(const ctorch_tensor *ts, int64_t n, int64_t dim) {
    PROTECT({
        std::vector<at::Tensor> v;
        v.reserve(n);
        for (int64_t i = 0; i < n; ++i) v.push_back(T(ts[i]));
        return wrap(at::cat(v, dim));
    })
    return nullptr;
}
ctorch_tensor ctorch_stack(const ctorch_tensor *ts, int64_t n, int64_t dim) {
    PROTECT({
        std::vector<at::Tensor> v;
        v.reserve(n);
        for (int64_t i = 0; i < n; ++i) v.push_back(T(ts[i]));
        return wrap(at::stack(v, dim));
    })
    return nullptr;
}
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
