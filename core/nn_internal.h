/* nn_internal.h — what the neural-network kernel files (core/activation.c, core/norm.c,
 * core/loss.c) share: argument checks with messages naming the op (core/nn_check.h), contiguous
 * access to inputs, and a float32 tanh the compiler can vectorise (exp: core/fast_expf.h). Not a public header. */
#ifndef TIDE_NN_INTERNAL_H
#define TIDE_NN_INTERNAL_H

/* The kernels never unmask floating-point exceptions, so selects may become blends. Set here,
 * before any inline helper, so the helpers and the kernels that call them share one set of
 * optimisation options: GCC does not inline across different ones (tide_fast_expf would become
 * a call per element and the loops would not vectorise). */
#pragma GCC optimize("no-trapping-math")

#include "internal.h"
#include "fast_expf.h"
#include "nn_check.h"

#include <stdint.h>
#include <string.h>


/* Contiguous data of t: t's own when it is contiguous, else a contiguous copy left in *tmp (free
 * it with tide_tensor_free; NULL when no copy was made). NULL with a message on failure. */
NN_HIDDEN const void *nn_data(const tide_tensor *t, tide_tensor **tmp);
/* The i-th element of a 1-d tensor of float dtype as double (any stride). */
static inline double nn_vec_at(const tide_tensor *v, int64_t i) {
    const char *p = tide_elem_ptr(v);
    int64_t s = v->ndim ? v->stride[0] : 0;
    return v->dtype == TIDE_FLOAT32 ? (double)((const float *)p)[i * s] : ((const double *)p)[i * s];
}

/* "[2, 5]": the position of element `flat` (row-major) of a shape, each index + base. */
NN_HIDDEN const char *nn_index_str(int nd, const int64_t *shape, int64_t flat, int64_t base, char *buf, size_t len);

/* True when a and b's memory overlaps. */
NN_HIDDEN bool nn_overlap(const tide_tensor *a, const tide_tensor *b);

/* tanh for float32, vectorisable (Cephes tanhf): a polynomial below |x| = 0.625, else
 * 1 - 2 / (exp(2|x|) + 1) with x's sign. ~2 ulp. */
static inline float nn_tanhf(float x) {
    float ax = x < 0 ? -x : x;
    float z = x * x;
    float p = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z + 1.33314422036e-1f) * z -
               3.33332819422e-1f) * z * x + x;
    float e = 1.0f - 2.0f / (tide_fast_expf(2.0f * ax) + 1.0f);
    e = x < 0 ? -e : e;
    return ax < 0.625f ? p : e;
}

/* Threads for n elements of work costing about `cost` simple operations each. */
static inline int nn_threads(int64_t n, int cost) { return tide_threads_for(n * cost); }

#endif
