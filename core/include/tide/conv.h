/* tide/conv.h — 2-d convolution (and 1-d as H = 1) and transposed convolution, forward and
 * backward, in NCHW layout like PyTorch, for float32 and float64.
 *
 * Shapes (g = groups):
 *   conv2d            x [N, C, H, W], w [O, C/g, KH, KW], b [O] -> y [N, O, OH, OW]
 *                     OH = (H + 2*ph - dh*(KH-1) - 1) / sh + 1   (floor; likewise OW)
 *   conv_transpose2d  x [N, C, H, W], w [C, O/g, KH, KW], b [O] -> y [N, O, OH, OW]
 *                     OH = (H-1)*sh - 2*ph + dh*(KH-1) + oph + 1
 * conv_transpose2d is the gradient of conv2d with respect to its input (and its backward is
 * conv2d's forward and weight gradient), exactly as in PyTorch.
 *
 * Argument order: inputs, outputs, parameters, options. Forward: `out` NULL allocates the
 * result; non-NULL must be contiguous with the result's shape and dtype. Backward: each of
 * grad_input / grad_weight / grad_bias may be NULL (not needed: its work is skipped — the first
 * layer of a network never needs grad_input); given ones must be contiguous with the shape of
 * x / w / [O]. With `accumulate` nonzero the gradients are added to the buffers (grad += ...),
 * with 0 the buffers are overwritten (their old contents, even NaN, are never read).
 * Inputs may be any strided view; x, w, b, grad_output and the outputs share one float dtype.
 * Every function returns NULL / nonzero on failure with a message in tide_last_error()
 * ("conv2d: input has 3 channels, weight expects 1").
 *
 * How: float32 3x3 stride-1 convolutions with enough channels run Winograd F(4x4, 3x3) (4x
 * fewer multiplications; results within ~1e-6 of the output's scale of a direct sum) or
 * F(2x2, 3x3) for outputs of one or two rows; few-input-channel convolutions (the first layer
 * of an image network) a direct vectorised loop; everything else im2col over a batch of images
 * and one OpenBLAS GEMM per group.
 */
#ifndef TIDE_CONV_H
#define TIDE_CONV_H

#include "tide/tensor.h"

/* Options of a convolution, [0] for the height dim and [1] for the width dim. */
typedef struct tide_conv2d_params {
    int64_t stride[2];         /* >= 1 */
    int64_t padding[2];        /* >= 0, zero padding on both sides */
    int64_t dilation[2];       /* >= 1 */
    int64_t output_padding[2]; /* conv_transpose2d only: extra rows / cols at the end, < stride or < dilation */
    int64_t groups;            /* >= 1, divides C and O */
} tide_conv2d_params;

/* y = conv2d(x, w) + b; b may be NULL. */
tide_tensor *tide_conv2d_forward(const tide_tensor *x, const tide_tensor *w, const tide_tensor *b, tide_tensor *out,
                                 const tide_conv2d_params *p);
/* From grad_output [N, O, OH, OW]: grad_input [N, C, H, W], grad_weight [O, C/g, KH, KW],
 * grad_bias [O], each optional. x is read only for grad_weight, w only for grad_input (both
 * give the shapes). Returns 0, or -1 with a message. */
int tide_conv2d_backward(const tide_tensor *x, const tide_tensor *w, const tide_tensor *grad_output,
                         tide_tensor *grad_input, tide_tensor *grad_weight, tide_tensor *grad_bias,
                         const tide_conv2d_params *p, int accumulate);

/* y = conv_transpose2d(x, w) + b; b may be NULL. */
tide_tensor *tide_conv_transpose2d_forward(const tide_tensor *x, const tide_tensor *w, const tide_tensor *b,
                                           tide_tensor *out, const tide_conv2d_params *p);
/* From grad_output [N, O, OH, OW]: grad_input [N, C, H, W], grad_weight [C, O/g, KH, KW],
 * grad_bias [O], each optional. Returns 0, or -1 with a message. */
int tide_conv_transpose2d_backward(const tide_tensor *x, const tide_tensor *w, const tide_tensor *grad_output,
                                   tide_tensor *grad_input, tide_tensor *grad_weight, tide_tensor *grad_bias,
                                   const tide_conv2d_params *p, int accumulate);

#endif
