/* tide/norm.h — batch normalisation and layer normalisation, forward and backward.
 *
 * Tensors are float32 or float64, all of one dtype. Inputs may have any layout (non-contiguous
 * ones are read through a contiguous copy); buffers a kernel writes (out, save_*, running
 * stats, gradients) must be contiguous. `out` NULL allocates the result. Optional tensors are
 * NULL when absent. Backward kernels overwrite their gradient buffers with accumulate 0 and add
 * into them with accumulate 1. Statistics are accumulated in double. Functions return NULL / -1
 * on failure with a message in tide_last_error().
 */
#ifndef TIDE_NORM_H
#define TIDE_NORM_H

#include "tide/tensor.h"

/* x [N, C, *] (ndim >= 2; statistics per channel over N and every trailing dim) -> out [same].
 *   weight, bias: [C] or NULL (scale 1, shift 0)
 *   running_mean, running_var: [C] or NULL; training updates them in place:
 *     running = (1 - momentum) * running + momentum * batch statistic (the variance unbiased)
 *   save_mean, save_invstd: [C] or NULL; receive the mean and 1 / sqrt(var + eps) the output was
 *     normalised with (the batch's when training, the running ones otherwise) for backward.
 *   training 1: normalise with the batch statistics (biased variance); needs more than one
 *     value per channel. training 0: with running_mean / running_var, which are then required. */
tide_tensor *tide_batch_norm_forward(const tide_tensor *x, const tide_tensor *weight, const tide_tensor *bias,
                                     tide_tensor *running_mean, tide_tensor *running_var, tide_tensor *out,
                                     tide_tensor *save_mean, tide_tensor *save_invstd, int training, double momentum,
                                     double eps);
/* grad_out [N, C, *], x [N, C, *], weight [C] or NULL, save_mean / save_invstd [C] from the
 * forward -> grad_in [N, C, *], grad_weight [C], grad_bias [C] (each NULL when not wanted).
 * training 1 differentiates through the batch statistics; training 0 treats them as constants. */
int tide_batch_norm_backward(const tide_tensor *grad_out, const tide_tensor *x, const tide_tensor *weight,
                             const tide_tensor *save_mean, const tide_tensor *save_invstd, tide_tensor *grad_in,
                             tide_tensor *grad_weight, tide_tensor *grad_bias, int training, int accumulate);

/* x [*, S] where S is the trailing normalized_ndim dims (R rows of M = numel(S) values) ->
 * out [same] = (x - mean_row) / sqrt(var_row + eps) * weight + bias, variance biased.
 *   weight, bias: shape S or NULL; save_mean, save_rstd: [R] (any shape of R elements) or NULL,
 *   receive each row's mean and 1 / sqrt(var + eps) for backward. */
tide_tensor *tide_layer_norm_forward(const tide_tensor *x, const tide_tensor *weight, const tide_tensor *bias,
                                     tide_tensor *out, tide_tensor *save_mean, tide_tensor *save_rstd,
                                     int normalized_ndim, double eps);
/* grad_out [*, S], x [*, S], weight S or NULL, save_mean / save_rstd [R] -> grad_in [*, S],
 * grad_weight S, grad_bias S (each NULL when not wanted). */
int tide_layer_norm_backward(const tide_tensor *grad_out, const tide_tensor *x, const tide_tensor *weight,
                             const tide_tensor *save_mean, const tide_tensor *save_rstd, tide_tensor *grad_in,
                             tide_tensor *grad_weight, tide_tensor *grad_bias, int normalized_ndim, int accumulate);

#endif
