/* view.c — views that share storage (view, permute, narrow, select, expand, ...) and copies. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

tide_tensor *tide_share(const tide_tensor *t);

static bool check_input(const char *op, const tide_tensor *t) {
    if (!t) {
        TIDE_FAIL("%s: tensor is NULL (freed?)", op);
        return false;
    }
    return true;
}

/* Strides for viewing t with a new shape, or false when the memory layout does not allow it
 * (the rule NumPy and PyTorch use: each run of merged old dims must be contiguous). */
static bool view_strides(const tide_tensor *t, int ndim, const int64_t *shape, int64_t *stride) {
    if (t->numel == 0) {
        tide_contiguous_strides(ndim, shape, stride);
        return true;
    }
    int oi = 0, ni = 0;
    int on = t->ndim;
    while (oi < on || ni < ndim) {
        /* skip size-1 dims on both sides */
        if (ni < ndim && shape[ni] == 1) {
            stride[ni] = 1;
            ni++;
            continue;
        }
        if (oi < on && t->shape[oi] == 1) {
            oi++;
            continue;
        }
        if (oi >= on || ni >= ndim) return false;
        /* take a chunk of old dims [oi, oj) and new dims [ni, nj) with equal products */
        int64_t op = t->shape[oi], np = shape[ni];
        int oj = oi + 1, nj = ni + 1;
        while (op != np) {
            if (op < np) {
                if (oj >= on) return false;
                op *= t->shape[oj++];
            } else {
                if (nj >= ndim) return false;
                np *= shape[nj++];
            }
        }
        /* old dims in the chunk must be contiguous with each other (ignoring size-1 dims) */
        int last = -1;
        for (int k = oi; k < oj; k++) {
            if (t->shape[k] == 1) continue;
            if (last >= 0 && t->stride[last] != t->stride[k] * t->shape[k]) return false;
            last = k;
        }
        int64_t s = last >= 0 ? t->stride[last] : 1;
        for (int k = nj - 1; k >= ni; k--) {
            stride[k] = s;
            s *= shape[k];
        }
        oi = oj;
        ni = nj;
    }
    return true;
}

/* Resolve a requested shape (one -1 allowed) against numel. */
static bool infer_shape(const char *op, const tide_tensor *t, int ndim, const int64_t *in, int64_t *out) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    if (ndim < 0 || ndim > TIDE_MAX_DIMS) {
        TIDE_FAIL("%s: %d dims requested, at most %d supported", op, ndim, TIDE_MAX_DIMS);
        return false;
    }
    int infer = -1;
    int64_t known = 1;
    for (int i = 0; i < ndim; i++) {
        out[i] = in[i];
        if (in[i] == -1) {
            if (infer >= 0) {
                TIDE_FAIL("%s: only one dim may be -1", op);
                return false;
            }
            infer = i;
        } else if (in[i] < 0) {
            TIDE_FAIL("%s: invalid size %lld in shape %s", op, (long long)in[i], tide_shape_str(ndim, in, b1, sizeof b1));
            return false;
        } else
            known *= in[i];
    }
    if (infer >= 0) {
        if (known == 0 || t->numel % known) {
            TIDE_FAIL("%s: shape %s is invalid for a tensor of %lld elements", op, tide_shape_str(ndim, in, b1, sizeof b1),
                      (long long)t->numel);
            return false;
        }
        out[infer] = t->numel / known;
    } else if (known != t->numel) {
        TIDE_FAIL("%s: cannot reshape a tensor of shape %s (%lld elements) to %s", op,
                  tide_shape_str(t->ndim, t->shape, b2, sizeof b2), (long long)t->numel,
                  tide_shape_str(ndim, in, b1, sizeof b1));
        return false;
    }
    return true;
}

tide_tensor *tide_view(const tide_tensor *t, int ndim, const int64_t *shape) {
    if (!check_input("view", t)) return NULL;
    int64_t sh[TIDE_MAX_DIMS], st[TIDE_MAX_DIMS];
    if (!infer_shape("view", t, ndim, shape, sh)) return NULL;
    if (!view_strides(t, ndim, sh, st)) {
        char b[TIDE_SHAPE_BUFSZ];
        TIDE_FAIL("view: the tensor's memory layout does not allow shape %s without a copy; use reshape or "
                  "contiguous() first",
                  tide_shape_str(ndim, sh, b, sizeof b));
        return NULL;
    }
    tide_tensor *v = tide_share(t);
    if (!v) return NULL;
    v->ndim = ndim;
    for (int i = 0; i < ndim; i++) {
        v->shape[i] = sh[i];
        v->stride[i] = st[i];
    }
    return v;
}

tide_tensor *tide_reshape(const tide_tensor *t, int ndim, const int64_t *shape) {
    if (!check_input("reshape", t)) return NULL;
    int64_t sh[TIDE_MAX_DIMS], st[TIDE_MAX_DIMS];
    if (!infer_shape("reshape", t, ndim, shape, sh)) return NULL;
    if (view_strides(t, ndim, sh, st)) return tide_view(t, ndim, sh);
    tide_tensor *c = tide_clone(t);
    if (!c) return NULL;
    c->ndim = ndim;
    for (int i = 0; i < ndim; i++) c->shape[i] = sh[i];
    tide_contiguous_strides(ndim, sh, c->stride);
    return c;
}

tide_tensor *tide_permute(const tide_tensor *t, const int32_t *dims) {
    if (!check_input("permute", t)) return NULL;
    bool seen[TIDE_MAX_DIMS] = {0};
    for (int i = 0; i < t->ndim; i++) {
        if (dims[i] < 0 || dims[i] >= t->ndim || seen[dims[i]]) {
            TIDE_FAIL("permute: dims must be a permutation of 1..%d", t->ndim);
            return NULL;
        }
        seen[dims[i]] = true;
    }
    tide_tensor *v = tide_share(t);
    if (!v) return NULL;
    for (int i = 0; i < t->ndim; i++) {
        v->shape[i] = t->shape[dims[i]];
        v->stride[i] = t->stride[dims[i]];
    }
    return v;
}

tide_tensor *tide_transpose(const tide_tensor *t, int d0, int d1) {
    if (!check_input("transpose", t)) return NULL;
    if (tide_check_dim("transpose", t, d0) || tide_check_dim("transpose", t, d1)) return NULL;
    tide_tensor *v = tide_share(t);
    if (!v) return NULL;
    v->shape[d0] = t->shape[d1];
    v->shape[d1] = t->shape[d0];
    v->stride[d0] = t->stride[d1];
    v->stride[d1] = t->stride[d0];
    return v;
}

tide_tensor *tide_slice(const tide_tensor *t, int dim, int64_t start, int64_t stop, int64_t step) {
    if (!check_input("slice", t)) return NULL;
    if (tide_check_dim("slice", t, dim)) return NULL;
    int64_t n = t->shape[dim];
    if (step <= 0) {
        TIDE_FAIL("slice: step must be positive, got %lld", (long long)step);
        return NULL;
    }
    if (start < 0 || start > n || stop < start || stop > n) {
        TIDE_FAIL("slice: range %lld..%lld out of bounds for dim %d of size %lld", (long long)start + 1, (long long)stop,
                  dim + 1, (long long)n);
        return NULL;
    }
    tide_tensor *v = tide_share(t);
    if (!v) return NULL;
    v->offset = t->offset + start * t->stride[dim];
    v->shape[dim] = (stop - start + step - 1) / step;
    v->stride[dim] = t->stride[dim] * step;
    v->numel = tide_shape_numel(v->ndim, v->shape);
    return v;
}

tide_tensor *tide_narrow(const tide_tensor *t, int dim, int64_t start, int64_t length) {
    if (!check_input("narrow", t)) return NULL;
    if (tide_check_dim("narrow", t, dim)) return NULL;
    if (start < 0 || length < 0 || start + length > t->shape[dim]) {
        TIDE_FAIL("narrow: start %lld with length %lld out of bounds for dim %d of size %lld", (long long)start + 1,
                  (long long)length, dim + 1, (long long)t->shape[dim]);
        return NULL;
    }
    return tide_slice(t, dim, start, start + length, 1);
}

tide_tensor *tide_select(const tide_tensor *t, int dim, int64_t index) {
    if (!check_input("select", t)) return NULL;
    if (tide_check_dim("select", t, dim)) return NULL;
    if (index < 0 || index >= t->shape[dim]) {
        TIDE_FAIL("select: index %lld out of range for dim %d of size %lld", (long long)index + 1, dim + 1,
                  (long long)t->shape[dim]);
        return NULL;
    }
    tide_tensor *v = tide_share(t);
    if (!v) return NULL;
    v->offset = t->offset + index * t->stride[dim];
    for (int i = dim; i < t->ndim - 1; i++) {
        v->shape[i] = t->shape[i + 1];
        v->stride[i] = t->stride[i + 1];
    }
    v->ndim = t->ndim - 1;
    v->numel = tide_shape_numel(v->ndim, v->shape);
    return v;
}

tide_tensor *tide_squeeze(const tide_tensor *t, int dim) {
    if (!check_input("squeeze", t)) return NULL;
    if (dim != -1 && tide_check_dim("squeeze", t, dim)) return NULL;
    tide_tensor *v = tide_share(t);
    if (!v) return NULL;
    int k = 0;
    for (int i = 0; i < t->ndim; i++) {
        bool drop = t->shape[i] == 1 && (dim == -1 || dim == i);
        if (drop) continue;
        v->shape[k] = t->shape[i];
        v->stride[k] = t->stride[i];
        k++;
    }
    v->ndim = k;
    return v;
}

tide_tensor *tide_unsqueeze(const tide_tensor *t, int dim) {
    if (!check_input("unsqueeze", t)) return NULL;
    if (dim < 0 || dim > t->ndim) {
        TIDE_FAIL("unsqueeze: dim %d out of range 1..%d", dim + 1, t->ndim + 1);
        return NULL;
    }
    if (t->ndim >= TIDE_MAX_DIMS) {
        TIDE_FAIL("unsqueeze: tensor already has the maximum of %d dims", TIDE_MAX_DIMS);
        return NULL;
    }
    tide_tensor *v = tide_share(t);
    if (!v) return NULL;
    for (int i = t->ndim; i > dim; i--) {
        v->shape[i] = t->shape[i - 1];
        v->stride[i] = t->stride[i - 1];
    }
    v->shape[dim] = 1;
    v->stride[dim] = dim < t->ndim ? t->stride[dim] * t->shape[dim] : 1;
    v->ndim = t->ndim + 1;
    return v;
}

tide_tensor *tide_expand(const tide_tensor *t, int ndim, const int64_t *shape) {
    if (!check_input("expand", t)) return NULL;
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    if (ndim < t->ndim || ndim > TIDE_MAX_DIMS) {
        TIDE_FAIL("expand: cannot expand shape %s to %d dims", tide_shape_str(t->ndim, t->shape, b1, sizeof b1), ndim);
        return NULL;
    }
    tide_tensor *v = tide_share(t);
    if (!v) return NULL;
    int lead = ndim - t->ndim;
    for (int i = ndim - 1; i >= 0; i--) {
        int j = i - lead;
        int64_t want = shape[i];
        if (j >= 0) {
            int64_t have = t->shape[j];
            if (want == -1) want = have;
            if (have == want) {
                v->shape[i] = have;
                v->stride[i] = t->stride[j];
            } else if (have == 1 && want >= 0) {
                v->shape[i] = want;
                v->stride[i] = 0;
            } else {
                tide_tensor_free(v);
                TIDE_FAIL("expand: shape %s cannot expand to %s (dim %d has size %lld, not 1)",
                          tide_shape_str(t->ndim, t->shape, b1, sizeof b1), tide_shape_str(ndim, shape, b2, sizeof b2),
                          j + 1, (long long)have);
                return NULL;
            }
        } else {
            if (want < 0) {
                tide_tensor_free(v);
                TIDE_FAIL("expand: -1 is not allowed for new leading dim %d", i + 1);
                return NULL;
            }
            v->shape[i] = want;
            v->stride[i] = 0;
        }
    }
    v->ndim = ndim;
    v->numel = tide_shape_numel(ndim, v->shape);
    return v;
}

tide_tensor *tide_flatten(const tide_tensor *t, int start, int end) {
    if (!check_input("flatten", t)) return NULL;
    if (t->ndim == 0) {
        int64_t one = 1;
        return tide_reshape(t, 1, &one);
    }
    if (tide_check_dim("flatten", t, start) || tide_check_dim("flatten", t, end)) return NULL;
    if (start > end) {
        TIDE_FAIL("flatten: start dim %d comes after end dim %d", start + 1, end + 1);
        return NULL;
    }
    int64_t sh[TIDE_MAX_DIMS];
    int k = 0;
    for (int i = 0; i < start; i++) sh[k++] = t->shape[i];
    int64_t m = 1;
    for (int i = start; i <= end; i++) m *= t->shape[i];
    sh[k++] = m;
    for (int i = end + 1; i < t->ndim; i++) sh[k++] = t->shape[i];
    return tide_reshape(t, k, sh);
}

tide_tensor *tide_alias(const tide_tensor *t) {
    if (!check_input("alias", t)) return NULL;
    return tide_share(t);
}

/* ---------------------------------------------------------------- copies */

/* Strided conversion loop: dst[i] = (DT)src[i] along one row of n elements. */
#define CONVERT_ROW(ST, DT)                                                                                            \
    {                                                                                                                  \
        const ST *s = (const ST *)sp;                                                                                  \
        DT *d = (DT *)dp;                                                                                              \
        if (ss == 1 && ds == 1)                                                                                        \
            for (int64_t i = 0; i < n; i++) d[i] = (DT)s[i];                                                           \
        else                                                                                                           \
            for (int64_t i = 0; i < n; i++) d[i * ds] = (DT)s[i * ss];                                                 \
        return;                                                                                                        \
    }

#define CONVERT_FROM(ST, SD)                                                                                           \
    case SD:                                                                                                           \
        switch (dt) {                                                                                                  \
        case TIDE_FLOAT32: CONVERT_ROW(ST, float)                                                                      \
        case TIDE_FLOAT64: CONVERT_ROW(ST, double)                                                                     \
        case TIDE_INT32: CONVERT_ROW(ST, int32_t)                                                                      \
        case TIDE_INT64: CONVERT_ROW(ST, int64_t)                                                                      \
        case TIDE_UINT8: CONVERT_ROW(ST, uint8_t)                                                                      \
        case TIDE_BOOL: {                                                                                              \
            const ST *s = (const ST *)sp;                                                                              \
            bool *d = (bool *)dp;                                                                                      \
            for (int64_t i = 0; i < n; i++) d[i * ds] = s[i * ss] != 0;                                                \
            return;                                                                                                    \
        }                                                                                                              \
        }                                                                                                              \
        return;

static TIDE_HOT void convert_row(void *dp, int dt, int64_t ds, const void *sp, int st, int64_t ss, int64_t n) {
    switch (st) {
        TIDE_FOR_EACH_DTYPE(CONVERT_FROM)
    }
}

int tide_copy_(tide_tensor *dst, const tide_tensor *src) {
    if (!dst || !src) return TIDE_FAIL("copy_: tensor is NULL (freed?)");
    tide_tensor *s = tide_expand(src, dst->ndim, dst->shape);
    if (!s) {
        char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
        return TIDE_FAIL("copy_: source shape %s does not broadcast to destination shape %s",
                         tide_shape_str(src->ndim, src->shape, b1, sizeof b1),
                         tide_shape_str(dst->ndim, dst->shape, b2, sizeof b2));
    }
    if (dst->numel == 0) {
        tide_tensor_free(s);
        return 0;
    }
    size_t des = tide_dtype_size(dst->dtype), ses = tide_dtype_size(s->dtype);
    if (s->dtype == dst->dtype && tide_tensor_is_contiguous(s) && tide_tensor_is_contiguous(dst)) {
        memmove(tide_elem_ptr(dst), tide_elem_ptr(s), (size_t)dst->numel * des);
        tide_tensor_free(s);
        return 0;
    }
    /* iterate all dims but the last; convert one row at a time */
    int nd = dst->ndim;
    int64_t n = nd ? dst->shape[nd - 1] : 1;
    int64_t ds = nd ? dst->stride[nd - 1] : 1, ss = nd ? s->stride[nd - 1] : 1;
    int64_t idx[TIDE_MAX_DIMS] = {0};
    char *d0 = tide_elem_ptr(dst);
    const char *s0 = tide_elem_ptr(s);
    do {
        int64_t doff = 0, soff = 0;
        for (int i = 0; i < nd - 1; i++) {
            doff += idx[i] * dst->stride[i];
            soff += idx[i] * s->stride[i];
        }
        convert_row(d0 + doff * (int64_t)des, dst->dtype, ds, s0 + soff * (int64_t)ses, s->dtype, ss, n);
    } while (nd > 1 && tide_next_index(nd - 1, dst->shape, idx));
    tide_tensor_free(s);
    return 0;
}

tide_tensor *tide_clone(const tide_tensor *t) {
    if (!check_input("clone", t)) return NULL;
    tide_tensor *c = tide_alloc_like("clone", t, t->dtype);
    if (c && tide_copy_(c, t)) {
        tide_tensor_free(c);
        return NULL;
    }
    return c;
}

tide_tensor *tide_contiguous(const tide_tensor *t) {
    if (!check_input("contiguous", t)) return NULL;
    if (tide_tensor_is_contiguous(t)) return tide_share(t);
    return tide_clone(t);
}

tide_tensor *tide_cast(const tide_tensor *t, int dtype) {
    if (!check_input("cast", t)) return NULL;
    if (dtype < 0 || dtype >= TIDE_NDTYPES) {
        TIDE_FAIL("cast: unknown dtype %d", dtype);
        return NULL;
    }
    tide_tensor *c = tide_alloc_like("cast", t, dtype);
    if (c && tide_copy_(c, t)) {
        tide_tensor_free(c);
        return NULL;
    }
    return c;
}

#define FILL_CASE(CT, DT)                                                                                              \
    case DT: {                                                                                                         \
        CT v = (CT)value;                                                                                              \
        CT *p = (CT *)tide_elem_ptr(t);                                                                                \
        if (contiguous)                                                                                                \
            for (int64_t i = 0; i < t->numel; i++) p[i] = v;                                                           \
        else {                                                                                                         \
            int64_t idx[TIDE_MAX_DIMS] = {0};                                                                          \
            do {                                                                                                       \
                int64_t o = 0;                                                                                         \
                for (int i = 0; i < t->ndim; i++) o += idx[i] * t->stride[i];                                          \
                p[o] = v;                                                                                              \
            } while (tide_next_index(t->ndim, t->shape, idx));                                                         \
        }                                                                                                              \
        break;                                                                                                         \
    }

int tide_fill_(tide_tensor *t, double value) {
    if (!t) return TIDE_FAIL("fill_: tensor is NULL (freed?)");
    if (t->numel == 0) return 0;
    bool contiguous = tide_tensor_is_contiguous(t);
    if (t->dtype == TIDE_BOOL) value = value != 0;
    switch (t->dtype) {
        TIDE_FOR_EACH_DTYPE(FILL_CASE)
    }
    return 0;
}
