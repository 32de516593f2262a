/* tide/optim.h — fused optimizer updates and gradient clipping.
 *
 * Each *_step function updates one parameter in place in a single pass over its elements,
 * following PyTorch 1.13's single-tensor ("foreach=False") formulas and order of operations, so
 * trajectories agree with PyTorch to float rounding. Scalars are rounded to the tensor's dtype
 * before use, as PyTorch does; "fma(a, b, c)" below is a fused multiply-add (PyTorch's vector
 * kernels fuse add(x, alpha = a) and addcmul the same way).
 *
 * param, grad and every state tensor: float32 or float64, all the same dtype and shape, all
 * contiguous (state tensors are created by the caller, e.g. zeros). grad is only read.
 * Large parameters are split across threads (OpenMP). Every function validates all of its
 * arguments before touching memory and returns 0, or -1 with a message in tide_last_error().
 */
#ifndef TIDE_OPTIM_H
#define TIDE_OPTIM_H

#include "tide/tensor.h"

/* SGD.  d = maximize ? -grad : grad;  d = fma(param, weight_decay, d) when weight_decay != 0
 *   momentum != 0: buf = init_buffer ? d : fma(d, 1 - dampening, buf * momentum)
 *                  d = nesterov ? fma(buf, momentum, d) : buf
 *   param = fma(d, -lr, param)
 * momentum_buffer [same shape] is required when momentum != 0 and ignored (may be NULL) otherwise;
 * init_buffer = 1 on the parameter's first step (the buffer then receives a copy of d). */
int tide_sgd_step(tide_tensor *param, const tide_tensor *grad, tide_tensor *momentum_buffer, double lr,
                  double momentum, double dampening, double weight_decay, int nesterov, int maximize,
                  int init_buffer);

/* Adam (weight decay as L2 added to the gradient). step: this update's count, 1 on the first.
 *   g = maximize ? -grad : grad;  g = fma(param, weight_decay, g) when weight_decay != 0
 *   exp_avg = fma(g, 1 - beta1, exp_avg * beta1)
 *   exp_avg_sq = fma((1 - beta2) * g, g, exp_avg_sq * beta2)
 *   amsgrad: max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq), used below instead of exp_avg_sq
 *   denom = sqrt(exp_avg_sq) / sqrt(1 - beta2^step) + eps
 *   param = param + (-(lr / (1 - beta1^step)) * exp_avg) / denom
 * max_exp_avg_sq may be NULL unless amsgrad. */
int tide_adam_step(tide_tensor *param, const tide_tensor *grad, tide_tensor *exp_avg, tide_tensor *exp_avg_sq,
                   tide_tensor *max_exp_avg_sq, int64_t step, double lr, double beta1, double beta2, double eps,
                   double weight_decay, int amsgrad, int maximize);

/* AdamW: Adam with decoupled weight decay: param = param * (1 - lr * weight_decay) first, then
 * the Adam update above with no weight-decay term in the gradient. */
int tide_adamw_step(tide_tensor *param, const tide_tensor *grad, tide_tensor *exp_avg, tide_tensor *exp_avg_sq,
                    tide_tensor *max_exp_avg_sq, int64_t step, double lr, double beta1, double beta2, double eps,
                    double weight_decay, int amsgrad, int maximize);

/* RMSprop.  g = maximize ? -grad : grad;  g = fma(param, weight_decay, g) when weight_decay != 0
 *   square_avg = fma((1 - alpha) * g, g, square_avg * alpha)
 *   centered:  grad_avg = fma(g, 1 - alpha, grad_avg * alpha)
 *              avg = sqrt(fma(-grad_avg, grad_avg, square_avg)) + eps
 *   otherwise: avg = sqrt(square_avg) + eps
 *   momentum > 0: buf = buf * momentum + g / avg;  param = fma(buf, -lr, param)
 *   otherwise:    param = param + (-lr * g) / avg
 * grad_avg is required when centered, momentum_buffer when momentum > 0 (else they may be NULL). */
int tide_rmsprop_step(tide_tensor *param, const tide_tensor *grad, tide_tensor *square_avg, tide_tensor *grad_avg,
                      tide_tensor *momentum_buffer, double lr, double alpha, double eps, double weight_decay,
                      double momentum, int centered, int maximize);

/* Adagrad. step: this update's count, 1 on the first.
 *   g = maximize ? -grad : grad;  g = fma(param, weight_decay, g) when weight_decay != 0
 *   clr = lr / (1 + (step - 1) * lr_decay)
 *   state_sum = fma(g, g, state_sum)
 *   param = param + (-clr * g) / (sqrt(state_sum) + eps) */
int tide_adagrad_step(tide_tensor *param, const tide_tensor *grad, tide_tensor *state_sum, int64_t step, double lr,
                      double lr_decay, double weight_decay, double eps, int maximize);

/* The norm of n gradients taken together, as if concatenated: (sum |g|^p)^(1/p) for
 * 0 < norm_type < inf (sums in double, in a fixed order whatever the thread count), the count of
 * nonzero elements for norm_type 0, max |g| for norm_type = +inf. grads: contiguous float32 /
 * float64 tensors (dtypes may differ). Writes *total_norm; returns 0 or -1. */
int tide_grad_norm(tide_tensor *const *grads, int n, double norm_type, double *total_norm);

/* Multiply every element of n contiguous float tensors by scale, in place (0 or -1). */
int tide_grads_scale_(tide_tensor *const *grads, int n, double scale);

/* Clip every element of n contiguous float tensors to [-clip_value, clip_value], in place; NaN
 * stays NaN. clip_value must be >= 0. Returns 0 or -1. */
int tide_grads_clamp_(tide_tensor *const *grads, int n, double clip_value);

#endif
