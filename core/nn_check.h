/* nn_check.h — argument checks with messages naming the op, and the result of a forward op, shared by the neural-network kernel
 * files (activation, norm, loss, conv, pool; defined in core/nn_common.c). Declarations only, so a
 * file can include it without the optimisation options core/nn_internal.h sets. Not a public
 * header. */
#ifndef TIDE_NN_CHECK_H
#define TIDE_NN_CHECK_H

#include "internal.h"

#include <stdint.h>

#define NN_HIDDEN __attribute__((visibility("hidden")))

/* t is a live float32/float64 tensor; `what` names it in the message ("input", "weight"). */
NN_HIDDEN bool nn_check_float(const char *op, const tide_tensor *t, const char *what);
/* x is a float input with at least 2 dims [N, C, ...] (batch norm, the classification losses). */
NN_HIDDEN bool nn_check_nc(const char *op, const tide_tensor *x);
/* t is a live tensor with ref's shape and dtype. */
NN_HIDDEN bool nn_check_like(const char *op, const tide_tensor *t, const tide_tensor *ref, const char *what);
/* t is a live tensor with shape (nd, shape) and dtype (any stride): an input such as grad_output. */
NN_HIDDEN bool nn_check_shape(const char *op, const tide_tensor *t, int nd, const int64_t *shape, int dtype,
                              const char *what);
/* nn_check_shape, and t is contiguous: a buffer a kernel writes. */
NN_HIDDEN bool nn_check_buffer(const char *op, const tide_tensor *t, int nd, const int64_t *shape, int dtype,
                               const char *what);
/* t is a 1-d tensor of n elements and dtype (any stride), or NULL when optional. */
NN_HIDDEN bool nn_check_vector(const char *op, const tide_tensor *t, int64_t n, int dtype, const char *what);
/* The result of a forward op: out after nn_check_buffer, or a new tensor (which takes an offered
 * result slot: call it before any temporary is allocated). */
NN_HIDDEN tide_tensor *nn_result(const char *op, tide_tensor *out, int nd, const int64_t *shape, int dtype);
/* reduction is one of TIDE_REDUCTION_NONE, _MEAN, _SUM (the losses). */
NN_HIDDEN bool nn_check_reduction(const char *op, int reduction);

#endif
