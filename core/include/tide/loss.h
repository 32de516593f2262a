/* tide/loss.h — loss functions, forward and backward, each fused into one pass over its inputs:
 * cross_entropy (log_softmax + nll in one kernel), nll_loss, mse_loss, l1_loss, huber_loss,
 * smooth_l1_loss, binary_cross_entropy, binary_cross_entropy_with_logits.
 *
 * Float tensors are float32 or float64, all of one dtype; class-id targets are int64 (int32
 * accepted) and count from `index_base` (0 from C, 1 from Lua). `reduction` is a
 * tide_reduction: NONE gives the per-element (per-sample) losses, MEAN and SUM a 0-d tensor.
 * Sums are accumulated in double over fixed-size chunks, so results do not depend on the
 * thread count. Inputs may have any layout; `out` NULL allocates the result, non-NULL must be
 * contiguous with the result's shape and dtype. Backward kernels take grad_out (the result's
 * shape: 0-d for MEAN / SUM) and write the gradients (contiguous buffers, NULL when not
 * wanted): overwritten with accumulate 0, added into with accumulate 1. Functions return NULL /
 * -1 on failure with a message in tide_last_error(); a class id out of range names the op, the
 * position (counted from index_base) and the value.
 */
#ifndef TIDE_LOSS_H
#define TIDE_LOSS_H

#include "tide/tensor.h"

typedef enum tide_reduction {
    TIDE_REDUCTION_NONE = 0,
    TIDE_REDUCTION_MEAN = 1,
    TIDE_REDUCTION_SUM = 2
} tide_reduction;

/* ---- classification over a class dim: input [N, C, d1, ...] (ndim >= 2), class dim 1 ---- */
/* Cross entropy of logits [N, C, d...] against
 *   class ids: target [N, d...] integer; a sample whose id equals ignore_index (compared as
 *     given, before index_base) contributes nothing; loss = (1 - s) w[y] (lse - z[y]) +
 *     s / C sum_c w[c] (lse - z[c]) with s = label_smoothing and lse the log-sum-exp of the
 *     sample's logits; MEAN divides by the sum of w[y] over the samples not ignored; or
 *   probabilities: target [N, C, d...] float (the logits' dtype); loss = sum_c w[c] t[c] (lse -
 *     z[c]) with t smoothed to (1 - s) t + s / C; MEAN divides by the number of samples.
 * weight: [C] class weights or NULL (all 1). save_lse: [N, d...] (any shape of that many
 * elements, contiguous) or NULL: receives each sample's lse for backward.
 * -> out: [N, d...] for NONE, 0-d otherwise. */
tide_tensor *tide_cross_entropy_forward(const tide_tensor *logits, const tide_tensor *target, const tide_tensor *weight,
                                        tide_tensor *out, tide_tensor *save_lse, int64_t ignore_index,
                                        double label_smoothing, int reduction, int64_t index_base);
/* -> grad_logits [N, C, d...]; grad_target [N, C, d...] for probability targets only. save_lse
 * from the forward, or NULL to recompute it. */
int tide_cross_entropy_backward(const tide_tensor *grad_out, const tide_tensor *logits, const tide_tensor *target,
                                const tide_tensor *weight, const tide_tensor *save_lse, tide_tensor *grad_logits,
                                tide_tensor *grad_target, int64_t ignore_index, double label_smoothing, int reduction,
                                int64_t index_base, int accumulate);

/* Negative log likelihood of log-probabilities [N, C, d...] against class ids [N, d...]:
 * loss = -w[y] logp[y]; ignore_index and MEAN as for cross_entropy. */
tide_tensor *tide_nll_loss_forward(const tide_tensor *input, const tide_tensor *target, const tide_tensor *weight,
                                   tide_tensor *out, int64_t ignore_index, int reduction, int64_t index_base);
int tide_nll_loss_backward(const tide_tensor *grad_out, const tide_tensor *input, const tide_tensor *target,
                           const tide_tensor *weight, tide_tensor *grad_input, int64_t ignore_index, int reduction,
                           int64_t index_base, int accumulate);

/* ---- elementwise: input and target of one shape [any]; MEAN divides by the element count ---- */
/* (x - y)^2 */
tide_tensor *tide_mse_loss_forward(const tide_tensor *input, const tide_tensor *target, tide_tensor *out, int reduction);
int tide_mse_loss_backward(const tide_tensor *grad_out, const tide_tensor *input, const tide_tensor *target,
                           tide_tensor *grad_input, tide_tensor *grad_target, int reduction, int accumulate);
/* |x - y| */
tide_tensor *tide_l1_loss_forward(const tide_tensor *input, const tide_tensor *target, tide_tensor *out, int reduction);
int tide_l1_loss_backward(const tide_tensor *grad_out, const tide_tensor *input, const tide_tensor *target,
                          tide_tensor *grad_input, tide_tensor *grad_target, int reduction, int accumulate);
/* d = x - y: |d| <= delta ? d^2 / 2 : delta (|d| - delta / 2); delta > 0 */
tide_tensor *tide_huber_loss_forward(const tide_tensor *input, const tide_tensor *target, tide_tensor *out,
                                     double delta, int reduction);
int tide_huber_loss_backward(const tide_tensor *grad_out, const tide_tensor *input, const tide_tensor *target,
                             tide_tensor *grad_input, tide_tensor *grad_target, double delta, int reduction,
                             int accumulate);
/* d = x - y: |d| < beta ? d^2 / (2 beta) : |d| - beta / 2; beta >= 0 (0 is l1_loss) */
tide_tensor *tide_smooth_l1_loss_forward(const tide_tensor *input, const tide_tensor *target, tide_tensor *out,
                                         double beta, int reduction);
int tide_smooth_l1_loss_backward(const tide_tensor *grad_out, const tide_tensor *input, const tide_tensor *target,
                                 tide_tensor *grad_input, tide_tensor *grad_target, double beta, int reduction,
                                 int accumulate);
/* probabilities p in [0, 1] (checked): -w (y log p + (1 - y) log(1 - p)), logs clamped at -100.
 * weight: input's shape or NULL. */
tide_tensor *tide_binary_cross_entropy_forward(const tide_tensor *input, const tide_tensor *target,
                                               const tide_tensor *weight, tide_tensor *out, int reduction);
int tide_binary_cross_entropy_backward(const tide_tensor *grad_out, const tide_tensor *input, const tide_tensor *target,
                                       const tide_tensor *weight, tide_tensor *grad_input, tide_tensor *grad_target,
                                       int reduction, int accumulate);
/* logits x: w ((1 - y) x + (1 + (pw - 1) y) softplus(-x)), stable for any x. weight, pos_weight:
 * input's shape or NULL. */
tide_tensor *tide_binary_cross_entropy_with_logits_forward(const tide_tensor *input, const tide_tensor *target,
                                                           const tide_tensor *weight, const tide_tensor *pos_weight,
                                                           tide_tensor *out, int reduction);
int tide_binary_cross_entropy_with_logits_backward(const tide_tensor *grad_out, const tide_tensor *input,
                                                   const tide_tensor *target, const tide_tensor *weight,
                                                   const tide_tensor *pos_weight, tide_tensor *grad_input,
                                                   tide_tensor *grad_target, int reduction, int accumulate);

#endif
