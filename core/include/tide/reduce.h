/* tide/reduce.h — reductions (sum, mean, prod, amin/amax, any/all, count_nonzero, norm,
 * logsumexp, var/std) over any set of dims, index reductions (max/min with indices,
 * argmax/argmin) and scans (cumsum, cumprod).
 *
 * Argument order: input, out, options. `out` NULL allocates the result; non-NULL must have the
 * result's shape (and the result dtype, see below), receives the result and is returned.
 * Dims are 0-based here (the Lua layer is 1-based); index outputs are int64 and start at
 * `index_base` (Lua passes 1). Inputs may be any strided view (transposed, sliced, expanded).
 *
 * Result dtypes: sum/prod of integers and bool give int64 (like PyTorch), of floats the input
 * dtype; mean/norm/logsumexp/var/std of integers and bool give float32 (PyTorch rejects those;
 * Tide converts), of floats the input dtype; amin/amax keep the dtype; any/all give bool;
 * count_nonzero gives int64. For sum/mean/prod/norm/logsumexp/var/std an explicit `dtype`
 * (>= 0) — or else out's dtype — chooses the result dtype (floating only, except sum/prod).
 *
 * Accuracy: floating sums accumulate in double (float64 runs split pairwise); float32 sums
 * first add at most 8 values per vector lane in float, so the error stays below ~5e-7 of the
 * sum of magnitudes (NumPy's pairwise float32 sum: a few 1e-7), typically far less: a float32
 * sum of 16M values lands within 1e-10 of the float64 result. var/std are two-pass (mean,
 * then squared deviations); logsumexp subtracts the max. NaN propagates through min/max
 * (like NumPy and PyTorch). Every function fails with a message naming the op.
 */
#ifndef TIDE_REDUCE_H
#define TIDE_REDUCE_H

#include "tide/tensor.h"

typedef enum tide_reduce_op {
    TIDE_REDUCE_SUM = 0,
    TIDE_REDUCE_MEAN = 1,
    TIDE_REDUCE_PROD = 2,
    TIDE_REDUCE_MIN = 3,           /* amin: NaN propagates; error on an empty reduction */
    TIDE_REDUCE_MAX = 4,           /* amax */
    TIDE_REDUCE_ANY = 5,           /* -> bool */
    TIDE_REDUCE_ALL = 6,           /* -> bool */
    TIDE_REDUCE_COUNT_NONZERO = 7, /* -> int64 */
    TIDE_REDUCE_NORM = 8,          /* param = p: > 0, 0 (count of non-zeros), INFINITY, -INFINITY */
    TIDE_REDUCE_LOGSUMEXP = 9,     /* log(sum(exp(x))), computed as max + log(sum(exp(x - max))) */
    TIDE_REDUCE_VAR = 10,          /* param = correction: divide by N - correction (1 = unbiased) */
    TIDE_REDUCE_STD = 11,          /* sqrt of VAR */
    TIDE_REDUCE_NOPS = 12
} tide_reduce_op;

typedef enum tide_scan_op {
    TIDE_SCAN_SUM = 0,  /* cumsum */
    TIDE_SCAN_PROD = 1  /* cumprod */
} tide_scan_op;

/* x [d1, ..., dn] -> out: the dims listed in `dims` (ndims of them, 0-based, no duplicates)
 * are reduced; ndims <= 0 or dims NULL reduces every dim. keepdim keeps them with size 1.
 * dtype -1 means the default result dtype. param: p for NORM, correction for VAR/STD. */
tide_tensor *tide_reduce(const tide_tensor *x, tide_tensor *out, int op, int ndims, const int32_t *dims, int keepdim,
                         int dtype, double param);

/* Reduce every element of x to one number (no allocation): *result = op(x). Returns 0 or -1.
 * Integer sums are exact up to 2^53. */
int tide_reduce_all(const tide_tensor *x, int op, double param, double *result);

/* Max (largest != 0) or min along one dim, with the position of the first occurrence:
 * x [..., n, ...] -> values [..., ...] (x's dtype), indices [..., ...] (int64, from index_base);
 * keepdim keeps the dim with size 1. A NaN counts as the extreme (its first position wins).
 * values may be NULL (argmax/argmin). *values / *indices: NULL to allocate (set on return),
 * or an existing tensor of the right shape and dtype to write into. Returns 0 or -1. */
int tide_reduce_index(const tide_tensor *x, tide_tensor **values, tide_tensor **indices, int largest, int dim, int keepdim,
                      int64_t index_base);

/* Row-major flat position (from index_base) of the first max (largest != 0) or min of x. */
int tide_arg_all(const tide_tensor *x, int largest, int64_t index_base, int64_t *index);

/* Cumulative sum / product along dim: x [..., n, ...] -> out of the same shape. dtype -1:
 * integers and bool accumulate to int64, floats keep their dtype (accumulated in double). */
tide_tensor *tide_scan(const tide_tensor *x, tide_tensor *out, int op, int dim, int dtype);

#endif
