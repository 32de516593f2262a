/* nn_common.c — argument checks and contiguous access shared by the neural-network kernels
 * (core/activation.c, core/norm.c, core/loss.c, core/conv.c, core/pool.c); see core/nn_check.h and
 * core/nn_internal.h. */
#include "nn_internal.h"
#include "tide/loss.h"

#include <stdio.h>

bool nn_check_float(const char *op, const tide_tensor *t, const char *what) {
    if (!t) {
        TIDE_FAIL("%s: %s is NULL (freed?)", op, what);
        return false;
    }
    if (t->dtype != TIDE_FLOAT32 && t->dtype != TIDE_FLOAT64) {
        TIDE_FAIL("%s: %s must be float32 or float64, got %s", op, what, tide_dtype_name(t->dtype));
        return false;
    }
    return true;
}

bool nn_check_like(const char *op, const tide_tensor *t, const tide_tensor *ref, const char *what) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    if (!t) {
        TIDE_FAIL("%s: %s is NULL (freed?)", op, what);
        return false;
    }
    if (!tide_same_shape(t, ref)) {
        TIDE_FAIL("%s: %s has shape %s, expected %s", op, what, tide_shape_str(t->ndim, t->shape, b1, sizeof b1),
                  tide_shape_str(ref->ndim, ref->shape, b2, sizeof b2));
        return false;
    }
    if (t->dtype != ref->dtype) {
        TIDE_FAIL("%s: %s is %s, expected %s", op, what, tide_dtype_name(t->dtype), tide_dtype_name(ref->dtype));
        return false;
    }
    return true;
}

bool nn_check_nc(const char *op, const tide_tensor *x) {
    char b[TIDE_SHAPE_BUFSZ];
    if (!nn_check_float(op, x, "input")) return false;
    if (x->ndim < 2) {
        TIDE_FAIL("%s: input must have at least 2 dims [N, C, ...], got shape %s", op,
                  tide_shape_str(x->ndim, x->shape, b, sizeof b));
        return false;
    }
    return true;
}

bool nn_check_shape(const char *op, const tide_tensor *t, int nd, const int64_t *shape, int dtype, const char *what) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    if (!t) {
        TIDE_FAIL("%s: %s is NULL (freed?)", op, what);
        return false;
    }
    if (!t->storage) {
        TIDE_FAIL("%s: %s is freed", op, what);
        return false;
    }
    if (t->ndim != nd || memcmp(t->shape, shape, sizeof(int64_t) * (size_t)nd)) {
        TIDE_FAIL("%s: %s has shape %s, expected %s", op, what, tide_shape_str(t->ndim, t->shape, b1, sizeof b1),
                  tide_shape_str(nd, shape, b2, sizeof b2));
        return false;
    }
    if (t->dtype != dtype) {
        TIDE_FAIL("%s: %s is %s, expected %s", op, what, tide_dtype_name(t->dtype), tide_dtype_name(dtype));
        return false;
    }
    return true;
}

bool nn_check_buffer(const char *op, const tide_tensor *t, int nd, const int64_t *shape, int dtype, const char *what) {
    if (!nn_check_shape(op, t, nd, shape, dtype, what)) return false;
    if (!tide_tensor_is_contiguous(t)) {
        TIDE_FAIL("%s: %s must be contiguous", op, what);
        return false;
    }
    return true;
}

bool nn_check_vector(const char *op, const tide_tensor *t, int64_t n, int dtype, const char *what) {
    char b[TIDE_SHAPE_BUFSZ];
    if (!t) return true;
    if (t->ndim != 1 || t->shape[0] != n) {
        TIDE_FAIL("%s: %s must have shape [%lld], got %s", op, what, (long long)n,
                  tide_shape_str(t->ndim, t->shape, b, sizeof b));
        return false;
    }
    if (t->dtype != dtype) {
        TIDE_FAIL("%s: %s is %s, expected %s", op, what, tide_dtype_name(t->dtype), tide_dtype_name(dtype));
        return false;
    }
    return true;
}

bool nn_check_reduction(const char *op, int reduction) {
    if (reduction < TIDE_REDUCTION_NONE || reduction > TIDE_REDUCTION_SUM) {
        TIDE_FAIL("%s: reduction must be 0 (none), 1 (mean) or 2 (sum), got %d", op, reduction);
        return false;
    }
    return true;
}

tide_tensor *nn_result(const char *op, tide_tensor *out, int nd, const int64_t *shape, int dtype) {
    if (!out) return tide_alloc(op, nd, shape, dtype);
    return nn_check_buffer(op, out, nd, shape, dtype, "out") ? out : NULL;
}

const void *nn_data(const tide_tensor *t, tide_tensor **tmp) {
    *tmp = NULL;
    if (tide_tensor_is_contiguous(t)) return tide_elem_ptr(t);
    tide_tensor *c = tide_clone(t);
    if (!c) return NULL;
    *tmp = c;
    return tide_elem_ptr(c);
}

const char *nn_index_str(int nd, const int64_t *shape, int64_t flat, int64_t base, char *buf, size_t len) {
    int64_t idx[TIDE_MAX_DIMS];
    for (int d = nd - 1; d >= 0; d--) {
        idx[d] = shape[d] ? flat % shape[d] : 0;
        flat = shape[d] ? flat / shape[d] : 0;
    }
    size_t k = 0;
    buf[k++] = '[';
    for (int d = 0; d < nd && k < len; d++)
        k += (size_t)snprintf(buf + k, len - k, d ? ", %lld" : "%lld", (long long)(idx[d] + base));
    if (k + 2 <= len) {
        buf[k++] = ']';
        buf[k] = 0;
    } else
        buf[len - 1] = 0;
    return buf;
}

bool nn_overlap(const tide_tensor *a, const tide_tensor *b) {
    return a && b && a->storage == b->storage;
}
