/* tide/pool.h — 2-d pooling in NCHW layout like PyTorch, float32 and float64: max_pool2d (with
 * argmax indices for the backward), avg_pool2d and adaptive_avg_pool2d, each forward and
 * backward.
 *
 * Shapes: x [N, C, H, W] -> y [N, C, OH, OW] with, for max/avg pooling (kernel k, stride s,
 * padding p, dilation d; avg pooling has d = 1):
 *   OH = floor_or_ceil((H + 2p - d*(k-1) - 1) / s) + 1, and with ceil_mode the last window
 *   must start inside the input or its left padding (PyTorch's rule); likewise OW.
 * Windows may hang over the padding, which never wins a max and counts toward an average only
 * with count_include_pad (up to the padded edge, as PyTorch); divisor_override > 0 replaces
 * the divisor. Adaptive pooling averages rows floor(i*H/OH) .. ceil((i+1)*H/OH)-1.
 *
 * Indices are 0-based flat positions oh*W + ow within the input plane (PyTorch's convention),
 * int32 or int64. NaN wins a max (and propagates); of equal values the first (row-major) wins.
 *
 * Argument order: inputs, outputs, parameters, options. Forward: `out` NULL allocates; non-NULL
 * must be contiguous with the result's shape and dtype. Backward: grad_input must be contiguous
 * with x's shape; with `accumulate` nonzero the gradient is added (grad_input += ...), with 0 it
 * overwrites grad_input (whose old contents are never read). Inputs may be strided views.
 * Every function returns NULL / nonzero on failure with a message in tide_last_error().
 */
#ifndef TIDE_POOL_H
#define TIDE_POOL_H

#include "tide/tensor.h"

typedef struct tide_pool2d_params {
    int64_t kernel[2];         /* window, >= 1 */
    int64_t stride[2];         /* >= 1 (PyTorch's default is the kernel size: the caller fills it) */
    int64_t padding[2];        /* >= 0, at most half the (dilated) kernel */
    int64_t dilation[2];       /* >= 1; max pooling only (avg pooling needs 1) */
    int32_t ceil_mode;         /* 1: round the output size up */
    int32_t count_include_pad; /* avg pooling: 1 counts padded positions in the divisor */
    int64_t divisor_override;  /* avg pooling: > 0 divides every window by this instead */
} tide_pool2d_params;

/* y = max over each window; when indices is non-NULL, *indices receives a new tensor of y's shape
 * and dtype indices_dtype (TIDE_INT32 or TIDE_INT64) holding each maximum's position. */
tide_tensor *tide_max_pool2d_forward(const tide_tensor *x, tide_tensor *out, tide_tensor **indices, int indices_dtype,
                                     const tide_pool2d_params *p);
/* grad_input [N, C, H, W] (+)= grad_output [N, C, OH, OW] routed to the positions in indices. */
int tide_max_pool2d_backward(const tide_tensor *grad_output, const tide_tensor *indices, tide_tensor *grad_input,
                             const tide_pool2d_params *p, int accumulate);

/* y = mean over each window. */
tide_tensor *tide_avg_pool2d_forward(const tide_tensor *x, tide_tensor *out, const tide_pool2d_params *p);
int tide_avg_pool2d_backward(const tide_tensor *grad_output, tide_tensor *grad_input, const tide_pool2d_params *p,
                             int accumulate);

/* y [N, C, oh, ow] = mean over adaptive windows. */
tide_tensor *tide_adaptive_avg_pool2d_forward(const tide_tensor *x, tide_tensor *out, int64_t oh, int64_t ow);
int tide_adaptive_avg_pool2d_backward(const tide_tensor *grad_output, tide_tensor *grad_input, int accumulate);

#endif
