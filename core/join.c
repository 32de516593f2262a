/* join.c — joining and splitting along a dim: cat, stack, split (views). Declared in tide/index.h. */
#include "internal.h"
#include "tide/index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shape [2, 3] printed with `*` at dim: "[2, *]". */
static const char *shape_star(int ndim, const int64_t *shape, int dim, char *buf, size_t len) {
    size_t n = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < ndim && n < len; i++) {
        const char *sep = i ? ", " : "";
        if (i == dim)
            n += (size_t)snprintf(buf + n, len - n, "%s*", sep);
        else
            n += (size_t)snprintf(buf + n, len - n, "%s%lld", sep, (long long)shape[i]);
    }
    if (n < len) snprintf(buf + n, len - n, "]");
    return buf;
}

/* PyTorch's legacy rule: a 1-d tensor with no elements joins anything (it is skipped). */
static bool skipped(const tide_tensor *t, int ref_ndim) { return t->ndim == 1 && t->shape[0] == 0 && ref_ndim != 1; }

/* tensors[i] [..., s_i, ...] -> out [..., sum s_i, ...]. `op` names the caller in messages. */
static tide_tensor *cat_impl(const char *op, const tide_tensor *const *ts, int n, tide_tensor *out, int dim) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ], b3[TIDE_SHAPE_BUFSZ];
    if (!ts || n <= 0) {
        TIDE_FAIL("%s: expected a non-empty list of tensors", op);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (!ts[i]) {
            TIDE_FAIL("%s: tensor %d is NULL (freed?)", op, i + 1);
            return NULL;
        }
    /* the reference shape: the first tensor that is not a skipped empty 1-d tensor */
    const tide_tensor *ref = ts[0];
    for (int i = 0; i < n; i++)
        if (!(ts[i]->ndim == 1 && ts[i]->shape[0] == 0)) {
            ref = ts[i];
            break;
        }
    if (ref->ndim == 0) {
        TIDE_FAIL("%s: zero-dim tensors cannot be concatenated (tensor %d is 0-d)", op, (int)(ref - ts[0]) + 1);
        return NULL;
    }
    if (dim < 0 || dim >= ref->ndim) {
        TIDE_FAIL("%s: dim %d out of range for tensors with %d dims", op, dim + 1, ref->ndim);
        return NULL;
    }
    int dtype = ts[0]->dtype;
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        const tide_tensor *t = ts[i];
        dtype = tide_promote_types(dtype, t->dtype);
        if (skipped(t, ref->ndim)) continue;
        bool ok = t->ndim == ref->ndim;
        for (int d = 0; ok && d < t->ndim; d++)
            if (d != dim && t->shape[d] != ref->shape[d]) ok = false;
        if (!ok) {
            TIDE_FAIL("%s: tensor %d has shape %s, expected %s matching %s except in dim %d", op, i + 1,
                      tide_shape_str(t->ndim, t->shape, b1, sizeof b1), shape_star(ref->ndim, ref->shape, dim, b2, sizeof b2),
                      tide_shape_str(ref->ndim, ref->shape, b3, sizeof b3), dim + 1);
            return NULL;
        }
        total += t->shape[dim];
    }
    int64_t shape[TIDE_MAX_DIMS];
    memcpy(shape, ref->shape, sizeof shape);
    shape[dim] = total;
    tide_tensor *res;
    if (out) {
        if (out->ndim != ref->ndim || memcmp(out->shape, shape, sizeof(int64_t) * (size_t)ref->ndim)) {
            TIDE_FAIL("%s: out has shape %s, expected %s", op, tide_shape_str(out->ndim, out->shape, b1, sizeof b1),
                      tide_shape_str(ref->ndim, shape, b2, sizeof b2));
            return NULL;
        }
        if (out->dtype != dtype) {
            TIDE_FAIL("%s: out has dtype %s, expected %s", op, tide_dtype_name(out->dtype), tide_dtype_name(dtype));
            return NULL;
        }
        res = out;
    } else if (!(res = tide_alloc(op, ref->ndim, shape, dtype)))
        return NULL;
    /* out sharing storage with an input is written through a temporary */
    tide_tensor *target = res, *tmp = NULL;
    for (int i = 0; out && i < n; i++)
        if (ts[i]->storage == out->storage) {
            if (!(target = tmp = tide_alloc(op, ref->ndim, shape, dtype))) return NULL;
            break;
        }
    bool fast_out = tide_tensor_is_contiguous(target);
    size_t es = tide_dtype_size(dtype);
    int64_t outer = tide_shape_numel(dim, shape);
    int64_t inner = tide_shape_numel(ref->ndim - dim - 1, shape + dim + 1);
    int64_t pos = 0; /* start of the current tensor along dim */
    int status = 0;
    for (int i = 0; i < n && status == 0; i++) {
        const tide_tensor *t = ts[i];
        if (skipped(t, ref->ndim)) continue;
        int64_t len = t->shape[dim];
        if (len == 0 || t->numel == 0) {
            pos += len;
            continue;
        }
        if (fast_out && t->dtype == dtype && tide_tensor_is_contiguous(t)) {
            /* block copies: each outer index holds one run of len*inner elements */
            size_t run = (size_t)(len * inner) * es, row = (size_t)(total * inner) * es;
            const char *s = tide_elem_ptr(t);
            char *d = tide_elem_ptr(target) + (size_t)(pos * inner) * es;
            for (int64_t o = 0; o < outer; o++) memcpy(d + o * row, s + o * run, run);
        } else {
            tide_tensor *v = tide_narrow(target, dim, pos, len);
            status = v ? tide_copy_(v, t) : -1;
            tide_tensor_free(v);
        }
        pos += len;
    }
    if (status == 0 && tmp) status = tide_copy_(res, tmp);
    tide_tensor_free(tmp);
    if (status) {
        if (res != out) tide_tensor_free(res);
        return NULL;
    }
    return res;
}

tide_tensor *tide_cat(const tide_tensor *const *tensors, int n, tide_tensor *out, int dim) {
    return cat_impl("cat", tensors, n, out, dim);
}

/* n tensors of shape S -> S with n inserted at dim: cat of unsqueezed views. */
tide_tensor *tide_stack(const tide_tensor *const *ts, int n, tide_tensor *out, int dim) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    if (!ts || n <= 0) {
        TIDE_FAIL("stack: expected a non-empty list of tensors");
        return NULL;
    }
    if (n > 65536) {
        TIDE_FAIL("stack: at most 65536 tensors, got %d", n);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (!ts[i]) {
            TIDE_FAIL("stack: tensor %d is NULL (freed?)", i + 1);
            return NULL;
        }
    const tide_tensor *ref = ts[0];
    if (dim < 0 || dim > ref->ndim) {
        TIDE_FAIL("stack: dim %d out of range 1..%d for tensors with %d dims", dim + 1, ref->ndim + 1, ref->ndim);
        return NULL;
    }
    if (ref->ndim >= TIDE_MAX_DIMS) {
        TIDE_FAIL("stack: tensors already have the maximum of %d dims", TIDE_MAX_DIMS);
        return NULL;
    }
    for (int i = 1; i < n; i++)
        if (!tide_same_shape(ts[i], ref)) {
            TIDE_FAIL("stack: tensor %d has shape %s, expected %s like tensor 1", i + 1,
                      tide_shape_str(ts[i]->ndim, ts[i]->shape, b1, sizeof b1),
                      tide_shape_str(ref->ndim, ref->shape, b2, sizeof b2));
            return NULL;
        }
    tide_tensor *small[16], **views = n <= 16 ? small : malloc(sizeof(tide_tensor *) * (size_t)n);
    if (!views) {
        tide_fail(TIDE_ENOMEM, "stack: out of memory");
        return NULL;
    }
    tide_tensor *res = NULL;
    int made = 0;
    for (; made < n; made++)
        if (!(views[made] = tide_unsqueeze(ts[made], dim))) break;
    if (made == n) res = cat_impl("stack", (const tide_tensor *const *)views, n, out, dim);
    for (int i = 0; i < made; i++) tide_tensor_free(views[i]);
    if (views != small) free(views);
    return res;
}

int tide_split(const tide_tensor *t, tide_tensor **parts, int dim, int n, const int64_t *sizes) {
    if (!t) return TIDE_FAIL("split: tensor is NULL (freed?)");
    if (!parts || !sizes || n <= 0) return TIDE_FAIL("split: expected at least one size");
    if (tide_check_dim("split", t, dim)) return -1;
    int64_t sum = 0;
    for (int i = 0; i < n; i++) {
        if (sizes[i] < 0) return TIDE_FAIL("split: size %d is negative (%lld)", i + 1, (long long)sizes[i]);
        sum += sizes[i];
    }
    if (sum != t->shape[dim])
        return TIDE_FAIL("split: sizes sum to %lld but dim %d has size %lld", (long long)sum, dim + 1,
                         (long long)t->shape[dim]);
    int64_t pos = 0;
    for (int i = 0; i < n; i++) {
        parts[i] = tide_narrow(t, dim, pos, sizes[i]);
        if (!parts[i]) {
            for (int j = 0; j < i; j++) {
                tide_tensor_free(parts[j]);
                parts[j] = NULL;
            }
            return -1;
        }
        pos += sizes[i];
    }
    return 0;
}
