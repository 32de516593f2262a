/* tide/activation.h — activation functions and dropout, forward and backward, each one fused
 * pass over memory: relu, leaky_relu, elu, gelu (exact erf form or tanh approximation), sigmoid,
 * tanh, softmax and log_softmax over one dim (numerically stable), dropout.
 *
 * Tensors are float32 or float64. Inputs may have any layout (a non-contiguous one is read
 * through a contiguous copy). `out` NULL allocates the result; non-NULL must be contiguous with
 * the result's shape and dtype (it may be the input itself: in-place). Backward kernels write
 * the input's gradient into grad_in (contiguous, the input's shape and dtype): with accumulate
 * 0 they overwrite it, with accumulate 1 they add to it (grad_in += ...). Dims are 0-based.
 * Every function returns NULL / -1 on failure with a message in tide_last_error().
 */
#ifndef TIDE_ACTIVATION_H
#define TIDE_ACTIVATION_H

#include "tide/tensor.h"

/* ---- pointwise: x [any] -> out [same] ---- */
/* out = max(x, 0) (NaN propagates) */
tide_tensor *tide_relu_forward(const tide_tensor *x, tide_tensor *out);
/* grad_in (+)= grad_out * (out > 0), from the saved output */
int tide_relu_backward(const tide_tensor *grad_out, const tide_tensor *out, tide_tensor *grad_in, int accumulate);

/* out = x > 0 ? x : slope * x */
tide_tensor *tide_leaky_relu_forward(const tide_tensor *x, tide_tensor *out, double slope);
int tide_leaky_relu_backward(const tide_tensor *grad_out, const tide_tensor *x, tide_tensor *grad_in, double slope,
                             int accumulate);

/* out = x > 0 ? x : alpha * (exp(x) - 1) */
tide_tensor *tide_elu_forward(const tide_tensor *x, tide_tensor *out, double alpha);
/* grad_in (+)= grad_out * (x > 0 ? 1 : out + alpha), from the input and the saved output */
int tide_elu_backward(const tide_tensor *grad_out, const tide_tensor *x, const tide_tensor *out, tide_tensor *grad_in,
                      double alpha, int accumulate);

/* approximate 0: out = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2));
 * approximate 1: out = 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) */
tide_tensor *tide_gelu_forward(const tide_tensor *x, tide_tensor *out, int approximate);
int tide_gelu_backward(const tide_tensor *grad_out, const tide_tensor *x, tide_tensor *grad_in, int approximate,
                       int accumulate);

/* out = 1 / (1 + exp(-x)); backward from the saved output: grad_in (+)= g * out * (1 - out) */
tide_tensor *tide_sigmoid_forward(const tide_tensor *x, tide_tensor *out);
int tide_sigmoid_backward(const tide_tensor *grad_out, const tide_tensor *out, tide_tensor *grad_in, int accumulate);

/* out = tanh(x); backward from the saved output: grad_in (+)= g * (1 - out^2) */
tide_tensor *tide_tanh_forward(const tide_tensor *x, tide_tensor *out);
int tide_tanh_backward(const tide_tensor *grad_out, const tide_tensor *out, tide_tensor *grad_in, int accumulate);

/* ---- along one dim: x [..., D, ...] -> out [same] ---- */
/* out = exp(x - max) / sum(exp(x - max)) along dim */
tide_tensor *tide_softmax_forward(const tide_tensor *x, tide_tensor *out, int dim);
/* grad_in (+)= out * (g - sum(g * out)) along dim */
int tide_softmax_backward(const tide_tensor *grad_out, const tide_tensor *out, tide_tensor *grad_in, int dim,
                          int accumulate);
/* out = x - max - log(sum(exp(x - max))) along dim */
tide_tensor *tide_log_softmax_forward(const tide_tensor *x, tide_tensor *out, int dim);
/* grad_in (+)= g - exp(out) * sum(g) along dim */
int tide_log_softmax_backward(const tide_tensor *grad_out, const tide_tensor *out, tide_tensor *grad_in, int dim,
                              int accumulate);

/* ---- dropout: x [any] -> out [same], mask [same, bool] ---- */
/* Element i is kept when u_i >= p, u_i uniform in [0, 1) from Tide's seeded generator (the
 * same seed gives the same mask on any thread count): out = x * mask / (1 - p). mask must be a
 * contiguous bool tensor of x's shape; it receives the kept positions. 0 <= p <= 1 (p = 1
 * zeroes everything). */
tide_tensor *tide_dropout_forward(const tide_tensor *x, tide_tensor *out, tide_tensor *mask, double p);
/* grad_in (+)= grad_out * mask / (1 - p) */
int tide_dropout_backward(const tide_tensor *grad_out, const tide_tensor *mask, tide_tensor *grad_in, double p,
                          int accumulate);

#endif
