// Internals shared by the ctorch translation units: the handle type, the thread-local error,
// PROTECT and the small conversions every entry point uses. Not part of the C API.
#pragma once
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

// The error of the last failed call on this thread (defined in ctorch.cpp).
extern thread_local std::string ctorch_last_error_message;
extern thread_local bool ctorch_has_error;
void ctorch_set_error(const char *msg);

namespace {

// c10::Error's what() carries a C++ backtrace; users want the first line only.
#define PROTECT(body)                                                                              \
    try {                                                                                          \
        body                                                                                       \
    } catch (const c10::Error &e) {                                                                \
        ctorch_set_error(e.what_without_backtrace());                                                     \
    } catch (const std::exception &e) {                                                            \
        ctorch_set_error(e.what());                                                                       \
    } catch (...) {                                                                                \
        ctorch_set_error("unknown C++ exception in libtorch");                                            \
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
