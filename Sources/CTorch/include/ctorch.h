// ctorch: a thin extern "C" API over libtorch's ATen, in the style of tch-rs' torch_api.h.
//
// Every tensor is an opaque handle owning one at::Tensor. Every entry point catches C++ exceptions
// and stores their message in a thread-local error slot; the caller checks `ctorch_last_error()`
// after each call (the Swift layer does this for every call and throws). A call that fails returns
// NULL (handles) or a neutral value (numbers), never aborts the process.
#ifndef CTORCH_H
#define CTORCH_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ctorch_tensor_opaque *ctorch_tensor;

// ---- errors, runtime -------------------------------------------------------------------------
/// The message of the last failed call on this thread, or NULL. Valid until the next call.
const char *ctorch_last_error(void);
void ctorch_clear_error(void);
void ctorch_set_num_threads(int n);
int ctorch_get_num_threads(void);
/// Flush denormal floats to zero (SSE3 FTZ/DAZ) on the calling thread and libtorch workers; 1 if supported.
int ctorch_set_flush_denormal(int on);
void ctorch_manual_seed(uint64_t seed);
int ctorch_cuda_is_available(void);
int ctorch_cuda_device_count(void);
/// 1 when the linked libtorch carries CUDA kernels (libtorch_cuda is loaded), whatever the device count.
int ctorch_cuda_is_built(void);
/// Name of CUDA device `index` (e.g. "NVIDIA H100 80GB HBM3") into `out`; 0 when unknown.
int ctorch_cuda_device_name(int index, char *out, int capacity);
/// cuDNN version as libtorch reports it (e.g. 90100), or -1 without CUDA.
long ctorch_cudnn_version(void);
/// CUDA runtime version (e.g. 12080), or -1 without CUDA.
int ctorch_cuda_runtime_version(void);
/// Deterministic algorithms (torch.use_deterministic_algorithms), cuDNN deterministic, no cuDNN benchmark.
void ctorch_set_deterministic(int on);
/// Waits for the device's queued work (CUDA), so that timings measure it; no-op on the CPU.
void ctorch_synchronize(int device);
/// Grad mode of this thread (1 = autograd records). Returns the previous mode.
int ctorch_set_grad_enabled(int enabled);
int ctorch_is_grad_enabled(void);
/// Keeps freed large buffers in the process heap instead of returning them to the kernel (glibc:
/// mmap threshold 1 GiB, no trimming, 1 GiB top pad). Returns 1 when applied, 0 where unsupported.
int ctorch_tune_allocator(void);
/// Version string of the linked libtorch, e.g. "1.13.1".
const char *ctorch_version(void);

// ---- lifetime, metadata ----------------------------------------------------------------------
void ctorch_free(ctorch_tensor t);
/// A new handle to the same tensor (shares storage and autograd identity).
ctorch_tensor ctorch_shallow_clone(ctorch_tensor t);
int ctorch_defined(ctorch_tensor t);
int64_t ctorch_dim(ctorch_tensor t);
/// Writes min(dim, cap) sizes into out; returns dim.
int64_t ctorch_sizes(ctorch_tensor t, int64_t *out, int64_t cap);
int64_t ctorch_strides(ctorch_tensor t, int64_t *out, int64_t cap);
int64_t ctorch_numel(ctorch_tensor t);
int ctorch_scalar_type(ctorch_tensor t);
/// -1 for CPU, the CUDA index otherwise.
int ctorch_device(ctorch_tensor t);
int ctorch_requires_grad(ctorch_tensor t);
int ctorch_is_contiguous(ctorch_tensor t);
int ctorch_is_channels_last(ctorch_tensor t);
/// Human-readable dump (libtorch's operator<<); the caller frees the string with free().
char *ctorch_to_string(ctorch_tensor t);

// ---- creation, data in and out ---------------------------------------------------------------
/// Copies `nbytes` from `data` into a new contiguous CPU tensor; fails unless nbytes matches.
ctorch_tensor ctorch_from_data(const void *data, size_t nbytes, const int64_t *shape, int64_t ndim,
                               int scalar_type);
/// Copies the tensor's elements (as a contiguous CPU array of its dtype) into `out`.
void ctorch_copy_data(ctorch_tensor t, void *out, size_t nbytes);
double ctorch_item_double(ctorch_tensor t);
int64_t ctorch_item_int64(ctorch_tensor t);
ctorch_tensor ctorch_zeros(const int64_t *shape, int64_t ndim, int scalar_type, int device);
ctorch_tensor ctorch_ones(const int64_t *shape, int64_t ndim, int scalar_type, int device);
ctorch_tensor ctorch_full(const int64_t *shape, int64_t ndim, double value, int scalar_type, int device);
ctorch_tensor ctorch_empty(const int64_t *shape, int64_t ndim, int scalar_type, int device);
ctorch_tensor ctorch_rand(const int64_t *shape, int64_t ndim, int scalar_type, int device);
ctorch_tensor ctorch_randn(const int64_t *shape, int64_t ndim, int scalar_type, int device);
ctorch_tensor ctorch_randint(int64_t low, int64_t high, const int64_t *shape, int64_t ndim, int device);
ctorch_tensor ctorch_randperm(int64_t n, int device);
ctorch_tensor ctorch_arange(double start, double end, double step, int scalar_type, int device);
ctorch_tensor ctorch_scalar_tensor(double value, int scalar_type, int device);
/// Zeros with t's shape, dtype, device and memory layout.
ctorch_tensor ctorch_zeros_like(ctorch_tensor t);

// ---- conversion, layout ----------------------------------------------------------------------
ctorch_tensor ctorch_to_dtype(ctorch_tensor t, int scalar_type);
ctorch_tensor ctorch_to_device(ctorch_tensor t, int device);
/// A copy to `device` from page-locked memory, queued without waiting (CPU tensors → CUDA); a plain
/// `to` where that does not apply.
ctorch_tensor ctorch_to_device_pinned(ctorch_tensor t, int device);
ctorch_tensor ctorch_contiguous(ctorch_tensor t);
/// memory_format: 0 = contiguous (NCHW), 1 = channels-last (NHWC).
ctorch_tensor ctorch_contiguous_format(ctorch_tensor t, int memory_format);
ctorch_tensor ctorch_clone(ctorch_tensor t);
ctorch_tensor ctorch_detach(ctorch_tensor t);
void ctorch_detach_(ctorch_tensor t);
void ctorch_set_requires_grad(ctorch_tensor t, int requires_grad);

// ---- autograd --------------------------------------------------------------------------------
/// backward from t (scalar unless `grad` is given; `grad` may be NULL).
void ctorch_backward(ctorch_tensor t, ctorch_tensor grad, int retain_graph);
/// The accumulated .grad of a leaf, or NULL when it has none (no error set).
ctorch_tensor ctorch_grad(ctorch_tensor t);
/// Sets .grad to undefined (like zero_grad(set_to_none=True)).
void ctorch_zero_grad(ctorch_tensor t);
/// torch.autograd.grad(outputs=[out], inputs=inputs): writes one handle per input into result
/// (NULL where an input is unused).
void ctorch_autograd_grad(ctorch_tensor out, const ctorch_tensor *inputs, int64_t n, ctorch_tensor *result,
                          int retain_graph, int create_graph);

// ---- element-wise ----------------------------------------------------------------------------
ctorch_tensor ctorch_add(ctorch_tensor a, ctorch_tensor b);
ctorch_tensor ctorch_sub(ctorch_tensor a, ctorch_tensor b);
ctorch_tensor ctorch_mul(ctorch_tensor a, ctorch_tensor b);
ctorch_tensor ctorch_div(ctorch_tensor a, ctorch_tensor b);
ctorch_tensor ctorch_pow(ctorch_tensor a, ctorch_tensor b);
ctorch_tensor ctorch_maximum(ctorch_tensor a, ctorch_tensor b);
ctorch_tensor ctorch_minimum(ctorch_tensor a, ctorch_tensor b);
ctorch_tensor ctorch_add_scalar(ctorch_tensor a, double s);
ctorch_tensor ctorch_mul_scalar(ctorch_tensor a, double s);
ctorch_tensor ctorch_div_scalar(ctorch_tensor a, double s);
ctorch_tensor ctorch_pow_scalar(ctorch_tensor a, double s);
ctorch_tensor ctorch_rsub_scalar(ctorch_tensor a, double s); // s - a
ctorch_tensor ctorch_eq(ctorch_tensor a, ctorch_tensor b);
ctorch_tensor ctorch_gt_scalar(ctorch_tensor a, double s);
ctorch_tensor ctorch_lt_scalar(ctorch_tensor a, double s);
ctorch_tensor ctorch_where(ctorch_tensor cond, ctorch_tensor a, ctorch_tensor b);

/// Unary op codes for ctorch_unary / ctorch_unary_.
enum ctorch_unary_op {
    CTORCH_NEG = 0, CTORCH_ABS, CTORCH_SQRT, CTORCH_RSQRT, CTORCH_EXP, CTORCH_LOG, CTORCH_SIGN,
    CTORCH_ROUND, CTORCH_FLOOR, CTORCH_CEIL, CTORCH_SIGMOID, CTORCH_TANH, CTORCH_RELU, CTORCH_SQUARE,
    CTORCH_COS, CTORCH_SIN, CTORCH_LOG10, CTORCH_GELU, CTORCH_ISNAN, CTORCH_ISFINITE
};
ctorch_tensor ctorch_unary(ctorch_tensor a, int op);
/// In-place variant (only ops that have one).
void ctorch_unary_(ctorch_tensor a, int op);
ctorch_tensor ctorch_clamp(ctorch_tensor a, double lo, double hi, int has_lo, int has_hi);
void ctorch_clamp_(ctorch_tensor a, double lo, double hi, int has_lo, int has_hi);
ctorch_tensor ctorch_clamp_tensor(ctorch_tensor a, ctorch_tensor lo, ctorch_tensor hi);
ctorch_tensor ctorch_leaky_relu(ctorch_tensor a, double slope);

// ---- in-place (optimisers, hot paths) --------------------------------------------------------
void ctorch_add_(ctorch_tensor a, ctorch_tensor b, double alpha);          // a += alpha*b
void ctorch_sub_(ctorch_tensor a, ctorch_tensor b, double alpha);          // a -= alpha*b
void ctorch_mul_(ctorch_tensor a, ctorch_tensor b);
void ctorch_div_(ctorch_tensor a, ctorch_tensor b);
void ctorch_add_scalar_(ctorch_tensor a, double s);
void ctorch_mul_scalar_(ctorch_tensor a, double s);
void ctorch_addcmul_(ctorch_tensor a, ctorch_tensor b, ctorch_tensor c, double value); // a += v*b*c
void ctorch_addcdiv_(ctorch_tensor a, ctorch_tensor b, ctorch_tensor c, double value); // a += v*b/c
void ctorch_lerp_(ctorch_tensor a, ctorch_tensor end, double weight);
void ctorch_copy_(ctorch_tensor dst, ctorch_tensor src);
void ctorch_zero_(ctorch_tensor a);
void ctorch_fill_(ctorch_tensor a, double v);
void ctorch_uniform_(ctorch_tensor a, double lo, double hi);
void ctorch_normal_(ctorch_tensor a, double mean, double std);
void ctorch_bernoulli_(ctorch_tensor a, double p);

// ---- shape -----------------------------------------------------------------------------------
ctorch_tensor ctorch_reshape(ctorch_tensor a, const int64_t *shape, int64_t ndim);
ctorch_tensor ctorch_view(ctorch_tensor a, const int64_t *shape, int64_t ndim);
ctorch_tensor ctorch_permute(ctorch_tensor a, const int64_t *dims, int64_t ndim);
ctorch_tensor ctorch_transpose(ctorch_tensor a, int64_t d0, int64_t d1);
ctorch_tensor ctorch_expand(ctorch_tensor a, const int64_t *shape, int64_t ndim);
ctorch_tensor ctorch_repeat(ctorch_tensor a, const int64_t *repeats, int64_t ndim);
ctorch_tensor ctorch_flatten(ctorch_tensor a, int64_t start, int64_t end);
ctorch_tensor ctorch_unsqueeze(ctorch_tensor a, int64_t dim);
ctorch_tensor ctorch_squeeze_dim(ctorch_tensor a, int64_t dim);
ctorch_tensor ctorch_cat(const ctorch_tensor *ts, int64_t n, int64_t dim);
ctorch_tensor ctorch_stack(const ctorch_tensor *ts, int64_t n, int64_t dim);
ctorch_tensor ctorch_narrow(ctorch_tensor a, int64_t dim, int64_t start, int64_t length);
ctorch_tensor ctorch_slice(ctorch_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step);
ctorch_tensor ctorch_select(ctorch_tensor a, int64_t dim, int64_t index);
ctorch_tensor ctorch_index_select(ctorch_tensor a, int64_t dim, ctorch_tensor index);
ctorch_tensor ctorch_flip(ctorch_tensor a, const int64_t *dims, int64_t ndim);
ctorch_tensor ctorch_roll(ctorch_tensor a, const int64_t *shifts, const int64_t *dims, int64_t ndim);
/// Constant pad (torch.nn.functional.pad order: last dim first, (left, right, top, bottom, ...)).
ctorch_tensor ctorch_pad(ctorch_tensor a, const int64_t *pad, int64_t npad, double value);

// ---- reductions, linear algebra --------------------------------------------------------------
ctorch_tensor ctorch_sum(ctorch_tensor a);
ctorch_tensor ctorch_mean(ctorch_tensor a);
ctorch_tensor ctorch_sum_dims(ctorch_tensor a, const int64_t *dims, int64_t ndim, int keepdim);
ctorch_tensor ctorch_mean_dims(ctorch_tensor a, const int64_t *dims, int64_t ndim, int keepdim);
ctorch_tensor ctorch_var_dims(ctorch_tensor a, const int64_t *dims, int64_t ndim, int unbiased, int keepdim);
ctorch_tensor ctorch_amax(ctorch_tensor a, const int64_t *dims, int64_t ndim, int keepdim);
ctorch_tensor ctorch_amin(ctorch_tensor a, const int64_t *dims, int64_t ndim, int keepdim);
ctorch_tensor ctorch_argmax(ctorch_tensor a, int64_t dim, int keepdim);
ctorch_tensor ctorch_max_all(ctorch_tensor a);
ctorch_tensor ctorch_min_all(ctorch_tensor a);
ctorch_tensor ctorch_norm_dims(ctorch_tensor a, double p, const int64_t *dims, int64_t ndim, int keepdim);
ctorch_tensor ctorch_matmul(ctorch_tensor a, ctorch_tensor b);
ctorch_tensor ctorch_bmm(ctorch_tensor a, ctorch_tensor b);
ctorch_tensor ctorch_linear(ctorch_tensor x, ctorch_tensor w, ctorch_tensor b /* may be NULL */);

// ---- neural-network functions ----------------------------------------------------------------
ctorch_tensor ctorch_conv2d(ctorch_tensor x, ctorch_tensor w, ctorch_tensor b /* may be NULL */,
                            int64_t stride_h, int64_t stride_w, int64_t pad_h, int64_t pad_w,
                            int64_t dil_h, int64_t dil_w, int64_t groups);
ctorch_tensor ctorch_batch_norm(ctorch_tensor x, ctorch_tensor w, ctorch_tensor b, ctorch_tensor running_mean,
                                ctorch_tensor running_var, int training, double momentum, double eps);
ctorch_tensor ctorch_layer_norm(ctorch_tensor x, const int64_t *shape, int64_t ndim, ctorch_tensor w,
                                ctorch_tensor b, double eps);
ctorch_tensor ctorch_max_pool2d(ctorch_tensor x, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                                int64_t pw, int ceil_mode);
ctorch_tensor ctorch_avg_pool2d(ctorch_tensor x, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                                int64_t pw, int ceil_mode, int count_include_pad);
ctorch_tensor ctorch_adaptive_avg_pool2d(ctorch_tensor x, int64_t oh, int64_t ow);
ctorch_tensor ctorch_dropout(ctorch_tensor x, double p, int training);
ctorch_tensor ctorch_softmax(ctorch_tensor x, int64_t dim);
ctorch_tensor ctorch_log_softmax(ctorch_tensor x, int64_t dim);
/// reduction: 0 none, 1 mean, 2 sum.
ctorch_tensor ctorch_l1_loss(ctorch_tensor x, ctorch_tensor y, int reduction);
ctorch_tensor ctorch_mse_loss(ctorch_tensor x, ctorch_tensor y, int reduction);
ctorch_tensor ctorch_smooth_l1_loss(ctorch_tensor x, ctorch_tensor y, int reduction, double beta);
ctorch_tensor ctorch_cross_entropy(ctorch_tensor logits, ctorch_tensor target, int reduction);
/// mode 0 bilinear, 1 nearest; padding 0 zeros, 1 border, 2 reflection.
ctorch_tensor ctorch_grid_sample(ctorch_tensor x, ctorch_tensor grid, int mode, int padding, int align_corners);
ctorch_tensor ctorch_upsample_bilinear2d(ctorch_tensor x, int64_t oh, int64_t ow, int align_corners);

#ifdef __cplusplus
}
#endif
#endif
