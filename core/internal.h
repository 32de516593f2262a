/* internal.h — helpers shared by core's .c files; not part of the public API. */
#ifndef TIDE_INTERNAL_H
#define TIDE_INTERNAL_H

#include "tide/tensor.h"
#include <stdbool.h>

#define TIDE_OK 0
#define TIDE_EARG 1
#define TIDE_ENOMEM 2

/* Record an error message (printf-style) and return -1 / NULL-friendly status. */
int tide_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define TIDE_FAIL(...) tide_fail(TIDE_EARG, __VA_ARGS__)

/* "[2, 3, 4]" into buf; returns buf. */
const char *tide_shape_str(int ndim, const int64_t *shape, char *buf, size_t len);
#define TIDE_SHAPE_BUFSZ 160

/* Allocation of fresh contiguous tensors; set message on failure with op name. */
tide_tensor *tide_alloc(const char *op, int ndim, const int64_t *shape, int dtype);
/* The result of an op: the caller's out after checking its shape and dtype, or a new tensor. */
tide_tensor *tide_out_or_alloc(const char *op, tide_tensor *out, int ndim, const int64_t *shape, int dtype);
/* Allocate a tensor with the same shape as t (contiguous). */
tide_tensor *tide_alloc_like(const char *op, const tide_tensor *t, int dtype);
void tide_contiguous_strides(int ndim, const int64_t *shape, int64_t *stride);
int64_t tide_shape_numel(int ndim, const int64_t *shape);
bool tide_same_shape(const tide_tensor *a, const tide_tensor *b);
int tide_check_dim(const char *op, const tide_tensor *t, int dim);
bool tide_is_float(int dtype);

static inline char *tide_elem_ptr(const tide_tensor *t) {
    return (char *)t->storage->data + t->offset * (int64_t)tide_dtype_size(t->dtype);
}

/* Read / write one element of any dtype as double. */
double tide_load_as_double(const void *p, int dtype);
void tide_store_from_double(void *p, int dtype, double v);

/* NumPy's pairwise sum of a[0..n) (reduce_kernels.c): its order and rounding exactly. */
double tide_pairwise_sum(const double *a, int64_t n);

/* Parallelism: a loop is split across threads when its work exceeds this many elements. */
#define TIDE_PARALLEL_GRAIN 32768
int tide_threads_for(int64_t work);

/* Iterate over every element index of an N-d shape: advance idx (row-major); returns false at end. */
static inline bool tide_next_index(int ndim, const int64_t *shape, int64_t *idx) {
    for (int d = ndim - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) return true;
        idx[d] = 0;
    }
    return false;
}

/* Dispatch a macro body over dtypes: X(ctype, TIDE_DTYPE). */
#define TIDE_FOR_EACH_DTYPE(X)                                                                     \
    X(float, TIDE_FLOAT32)                                                                         \
    X(double, TIDE_FLOAT64)                                                                        \
    X(int32_t, TIDE_INT32)                                                                         \
    X(int64_t, TIDE_INT64)                                                                         \
    X(uint8_t, TIDE_UINT8)                                                                         \
    X(bool, TIDE_BOOL)

/* Runtime CPU dispatch for hot loops: one binary, AVX-512/AVX2 used where present. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(TIDE_NO_CLONES)
#define TIDE_HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TIDE_HOT
#endif

#endif
