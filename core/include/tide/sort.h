/* tide/sort.h — sorting and selection along a dim (sort, argsort, topk, kthvalue, median) and
 * unique over the flattened tensor.
 *
 * Order: NaN is larger than every number (NumPy puts NaNs last in ascending order; PyTorch puts
 * them first in descending order and returns them first from topk — both hold here). Equal
 * values keep their original order (every sort is stable), so results are deterministic.
 *
 * Outputs come through slots: tide_tensor **values / **indices. A NULL slot pointer means the
 * output is not wanted; a slot holding NULL receives a new tensor; a slot holding a tensor is
 * an `out` argument, which must have the result's shape and dtype and is written into.
 * Indices are int64 and count from index_base (Lua passes 1). Functions return 0 or -1 with
 * a message naming the op in tide_last_error().
 */
#ifndef TIDE_SORT_H
#define TIDE_SORT_H

#include "tide/tensor.h"

/* x [..., n, ...] -> values, indices [..., n, ...] sorted along dim (descending != 0: largest
 * first). Sorting is always stable; `stable` is accepted for PyTorch compatibility. */
int tide_sort(const tide_tensor *x, tide_tensor **values, tide_tensor **indices, int dim, int descending, int stable,
              int64_t index_base);

/* x [..., n, ...] -> values, indices [..., k, ...]: the k largest (largest != 0) or smallest
 * along dim, in order when sorted != 0 (else in an unspecified order). 0 <= k <= n. */
int tide_topk(const tide_tensor *x, tide_tensor **values, tide_tensor **indices, int64_t k, int dim, int largest, int sorted,
              int64_t index_base);

/* x [..., n, ...] -> values, indices [..., ...] (dim dropped unless keepdim): the k-th smallest
 * along dim, 1 <= k <= n. */
int tide_kthvalue(const tide_tensor *x, tide_tensor **values, tide_tensor **indices, int64_t k, int dim, int keepdim,
                  int64_t index_base);

/* Lower median along dim (the ((n + 1) / 2)-th smallest, as PyTorch); a line holding a NaN
 * gives NaN and the position of its first NaN. Shapes as kthvalue. */
int tide_median(const tide_tensor *x, tide_tensor **values, tide_tensor **indices, int dim, int keepdim,
                int64_t index_base);

/* The sorted distinct values of x (flattened) -> values [u]; inverse (x's shape, int64): the
 * position in values of each element of x, from index_base; counts [u] (int64): occurrences.
 * NaNs count as one value (NumPy's equal_nan). inverse and counts slot pointers may be NULL. */
int tide_unique(const tide_tensor *x, tide_tensor **values, tide_tensor **inverse, tide_tensor **counts,
                int64_t index_base);

#endif
