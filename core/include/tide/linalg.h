/* tide/linalg.h — matrix products through OpenBLAS: matmul with NumPy/PyTorch semantics
 * (dot, gemv, batched gemm with broadcast batch dims), mm, bmm, mv, dot, outer, addmm.
 *
 * Argument order: inputs, out, options. `out` NULL allocates the result; non-NULL must have
 * the result's shape and dtype, receives the result and is returned. Inputs of different
 * dtypes are promoted (tide_promote_types); bool inputs are rejected. float32 runs sgemm,
 * float64 dgemm, integer dtypes a C loop (wrapping arithmetic, as NumPy). Transposed and
 * other strided matrices whose last or second-to-last stride is 1 go to BLAS without a copy.
 * Every function returns NULL on failure with a message in tide_last_error().
 */
#ifndef TIDE_LINALG_H
#define TIDE_LINALG_H

#include "tide/tensor.h"

/* a [..., M, K] @ b [..., K, N] -> [..., M, N], batch dims broadcast; a 1-d a is [1, K] and a
 * 1-d b is [K, 1], their dim dropped from the result: [K]@[K] -> 0-d, [M, K]@[K] -> [M]. */
tide_tensor *tide_matmul(const tide_tensor *a, const tide_tensor *b, tide_tensor *out);
/* a [M, K] @ b [K, N] -> [M, N], both exactly 2-d */
tide_tensor *tide_mm(const tide_tensor *a, const tide_tensor *b, tide_tensor *out);
/* a [B, M, K] @ b [B, K, N] -> [B, M, N], both exactly 3-d, same B (no broadcast) */
tide_tensor *tide_bmm(const tide_tensor *a, const tide_tensor *b, tide_tensor *out);
/* a [M, K] @ v [K] -> [M] */
tide_tensor *tide_mv(const tide_tensor *a, const tide_tensor *v, tide_tensor *out);
/* a [N] . b [N] -> 0-d */
tide_tensor *tide_dot(const tide_tensor *a, const tide_tensor *b, tide_tensor *out);
/* a [M] x b [N] -> [M, N], out[i, j] = a[i] * b[j] */
tide_tensor *tide_outer(const tide_tensor *a, const tide_tensor *b, tide_tensor *out);
/* beta * c + alpha * (a [M, K] @ b [K, N]) -> [M, N]; c broadcasts to [M, N]. With beta == 0,
 * c is not read (NaN in c does not propagate). out may be c itself (in-place addmm_). */
tide_tensor *tide_addmm(const tide_tensor *c, const tide_tensor *a, const tide_tensor *b, tide_tensor *out, double beta,
                        double alpha);

#endif
