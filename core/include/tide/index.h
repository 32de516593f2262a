/* tide/index.h — joining and indexing: cat, stack, split, gather, scatter (set / add),
 * index_select, index_add_, masked_select, nonzero, take, put_.
 *
 * Dims are 0-based. Index tensors are int64 (int32 accepted); every index-consuming function
 * takes `index_base`, the value that means "first element" (0 from C, 1 from Lua), so the Lua
 * layer needs no extra pass over memory. All indices are checked before anything is written;
 * a bad one fails with "op: index 7 out of range for dim 2 of size 5" (the index as given,
 * the dim 1-based). Functions return NULL / -1 on failure with tide_last_error() set.
 */
#ifndef TIDE_INDEX_H
#define TIDE_INDEX_H

#include "tide/tensor.h"

typedef enum tide_scatter_reduce {
    TIDE_SCATTER_SET = 0, /* t[...] = src */
    TIDE_SCATTER_ADD = 1  /* t[...] += src (duplicates accumulate) */
} tide_scatter_reduce;

/* ---- joining ---- */
/* tensors[i] [..., s_i, ...] -> [..., sum s_i, ...] along dim; dtypes promote; 1-d empty
 * tensors are skipped (as in PyTorch). */
tide_tensor *tide_cat(const tide_tensor *const *tensors, int n, tide_tensor *out, int dim);
/* n tensors of one shape S -> S with a new dim of size n inserted at dim (0..ndim) */
tide_tensor *tide_stack(const tide_tensor *const *tensors, int n, tide_tensor *out, int dim);
/* t split along dim into n views of sizes[0..n) (which must sum to t's size there); parts[i]
 * receives a new view each. Returns 0 or -1 (then no view is left allocated). */
int tide_split(const tide_tensor *t, tide_tensor **parts, int dim, int n, const int64_t *sizes);

/* ---- indexing ---- */
/* out[p] = t[p with p[dim] replaced by index[p]]; index has t's ndim, out has index's shape */
tide_tensor *tide_gather(const tide_tensor *t, const tide_tensor *index, tide_tensor *out, int dim,
                         int64_t index_base);
/* in place: t[p with p[dim] replaced by index[p]] (= | +=) src[p] for every p of index;
 * src NULL scatters the scalar `value`. reduce is a tide_scatter_reduce. Returns 0 or -1. */
int tide_scatter_(tide_tensor *t, const tide_tensor *index, const tide_tensor *src, int dim, double value, int reduce,
                  int64_t index_base);
/* out-of-place scatter: a copy of t (into out when given) with the scatter applied */
tide_tensor *tide_scatter(const tide_tensor *t, const tide_tensor *index, const tide_tensor *src, tide_tensor *out,
                          int dim, double value, int reduce, int64_t index_base);
/* t [..., S, ...] with index [n] -> [..., n, ...]: slices of t along dim picked by index */
tide_tensor *tide_index_select(const tide_tensor *t, const tide_tensor *index, tide_tensor *out, int dim,
                               int64_t index_base);
/* in place: t.select(dim, index[i]) += alpha * src.select(dim, i); src is t's shape with dim of size n */
int tide_index_add_(tide_tensor *t, const tide_tensor *index, const tide_tensor *src, int dim, double alpha,
                    int64_t index_base);
/* 1-d tensor of the elements of t where mask (bool or uint8, broadcast with t) is true, row-major order */
tide_tensor *tide_masked_select(const tide_tensor *t, const tide_tensor *mask);
/* int64 [n, ndim]: the multi-indices (+ index_base) of t's non-zero elements, row-major order */
tide_tensor *tide_nonzero(const tide_tensor *t, int64_t index_base);
/* out[p] = t viewed as 1-d (row-major) at index[p]; out has index's shape */
tide_tensor *tide_take(const tide_tensor *t, const tide_tensor *index, tide_tensor *out, int64_t index_base);
/* in place: flat t at index[i] (= | +=) src[i], src with as many elements as index. Returns 0 or -1. */
int tide_put_(tide_tensor *t, const tide_tensor *index, const tide_tensor *src, int accumulate, int64_t index_base);

#endif
