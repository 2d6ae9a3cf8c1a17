// ctorch: extern "C" entry points over ATen. See include/ctorch.h.
//
// Conventions: a handle is a heap-allocated at::Tensor; every function body runs inside PROTECT,
// which turns any C++ exception into the thread-local error message and a neutral return value.
// This file: errors, runtime, lifetime, creation, conversion, autograd; ctorch_ops.cpp: the operators.
#include "ctorch_internal.h"
#include <dlfcn.h>

thread_local std::string ctorch_last_error_message;
thread_local bool ctorch_has_error = false;

void ctorch_set_error(const char *msg) {
    ctorch_last_error_message = msg ? msg : "unknown libtorch error";
    ctorch_has_error = true;
}
extern "C" {

// ---- errors, runtime -------------------------------------------------------------------------
const char *ctorch_last_error(void) { return ctorch_has_error ? ctorch_last_error_message.c_str() : nullptr; }
void ctorch_clear_error(void) {
    ctorch_has_error = false;
    ctorch_last_error_message.clear();
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
int ctorch_cuda_is_built(void) { return c10::impl::hasDeviceGuardImpl(c10::DeviceType::CUDA) ? 1 : 0; }
long ctorch_cudnn_version(void) {
    PROTECT({
        if (!at::detail::getCUDAHooks().hasCuDNN()) return -1;
        return static_cast<long>(at::detail::getCUDAHooks().versionCuDNN());
    })
    ctorch_clear_error();
    return -1;
}
// The CUDA runtime is libtorch_cuda's dependency; it is asked through dlsym so that this shim builds
// against CPU-only libtorch too (no CUDA headers needed). cudaDeviceProp starts with `char name[256]`
// in every CUDA version, and is smaller than the buffer given.
static void *cudart_symbol(const char *name) {
    static void *handle = [] {
        for (const char *lib : {"libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so"}) {
            if (void *h = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD)) return h;
        }
        return static_cast<void *>(nullptr);
    }();
    return handle ? dlsym(handle, name) : nullptr;
}
int ctorch_cuda_runtime_version(void) {
    auto fn = reinterpret_cast<int (*)(int *)>(cudart_symbol("cudaRuntimeGetVersion"));
    int version = -1;
    if (!fn || fn(&version) != 0) return -1;
    return version;
}
int ctorch_cuda_device_name(int index, char *out, int capacity) {
    if (capacity <= 0) return 0;
    out[0] = 0;
    auto fn = reinterpret_cast<int (*)(void *, int)>(cudart_symbol("cudaGetDeviceProperties_v2"));
    if (!fn) fn = reinterpret_cast<int (*)(void *, int)>(cudart_symbol("cudaGetDeviceProperties"));
    if (!fn) return 0;
    std::vector<char> props(16384, 0);
    if (fn(props.data(), index) != 0) return 0;
    std::strncpy(out, props.data(), static_cast<size_t>(capacity) - 1);
    out[capacity - 1] = 0;
    return 1;
}
void ctorch_set_deterministic(int on) {
    PROTECT({
        at::globalContext().setDeterministicAlgorithms(on != 0, false);
        at::globalContext().setDeterministicCuDNN(on != 0);
        if (on) at::globalContext().setBenchmarkCuDNN(false);
    })
}
void ctorch_synchronize(int device) {
    if (device < 0) return;
    auto set = reinterpret_cast<int (*)(int)>(cudart_symbol("cudaSetDevice"));
    auto sync = reinterpret_cast<int (*)(void)>(cudart_symbol("cudaDeviceSynchronize"));
    if (set && sync && set(device) == 0) sync();
}
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
ctorch_tensor ctorch_to_device_pinned(ctorch_tensor t, int device) {
    PROTECT({
        auto &x = T(t);
        if (device < 0 || !x.device().is_cpu()) return wrap(x.to(dev(device)));
        return wrap(x.pin_memory().to(dev(device), /*non_blocking=*/true));
    })
    return nullptr;
}
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

} // extern "C"
