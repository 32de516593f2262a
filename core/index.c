/* index.c — indexing kernels: gather, scatter (set / add), index_select, index_add_,
 * masked_select, nonzero, take, put_ (cat / stack / split live in join.c). Index tensors are
 * int64 or int32 holding values offset by `index_base`; every index is range-checked before
 * anything is written. Pure data movement is done by element size (1, 4 or 8 bytes), arithmetic
 * (scatter_add, index_add_, put_ with accumulate) by dtype.
 */
#include "internal.h"
#include "tide/index.h"

#include <string.h>

/* ---------------------------------------------------------------- helpers */

/* Walk a shape row by row (all dims but the last); r.n is the row length. */
typedef struct rows {
    int nd;
    int64_t n;
    int64_t idx[TIDE_MAX_DIMS];
    bool done;
} rows;

static void rows_init(rows *r, int nd, const int64_t *shape) {
    memset(r, 0, sizeof *r);
    r->nd = nd;
    r->n = nd ? shape[nd - 1] : 1;
    r->done = tide_shape_numel(nd, shape) == 0;
}
static int64_t rows_off(const rows *r, const int64_t *stride) {
    int64_t o = 0;
    for (int d = 0; d < r->nd - 1; d++) o += r->idx[d] * stride[d];
    return o;
}
static void rows_next(rows *r, const int64_t *shape) {
    r->done = r->nd <= 1 || !tide_next_index(r->nd - 1, shape, r->idx);
}
static int64_t last_stride(const tide_tensor *t) { return t->ndim ? t->stride[t->ndim - 1] : 1; }

static bool check_tensor(const char *op, const tide_tensor *t, const char *what) {
    if (!t) TIDE_FAIL("%s: %s is NULL (freed tensor?)", op, what);
    return t != NULL;
}

static bool check_index_dtype(const char *op, const tide_tensor *index) {
    if (!check_tensor(op, index, "index")) return false;
    if (index->dtype != TIDE_INT64 && index->dtype != TIDE_INT32) {
        TIDE_FAIL("%s: index must be an int64 (or int32) tensor, got %s", op, tide_dtype_name(index->dtype));
        return false;
    }
    return true;
}

/* Every value of index, less base, must lie in [0, size). dim < 0 means a flat (take/put) index. */
static bool check_range(const char *op, const tide_tensor *index, int64_t size, int dim, int64_t base) {
    bool is64 = index->dtype == TIDE_INT64;
    size_t es = tide_dtype_size(index->dtype);
    const char *p = tide_elem_ptr(index);
    int64_t ls = last_stride(index);
    rows r;
    for (rows_init(&r, index->ndim, index->shape); !r.done; rows_next(&r, index->shape)) {
        const char *row = p + rows_off(&r, index->stride) * (int64_t)es;
        for (int64_t j = 0; j < r.n; j++) {
            int64_t v = is64 ? ((const int64_t *)row)[j * ls] : ((const int32_t *)row)[j * ls];
            if ((uint64_t)v - (uint64_t)base >= (uint64_t)size) {
                if (dim >= 0)
                    TIDE_FAIL("%s: index %lld out of range for dim %d of size %lld", op, (long long)v, dim + 1,
                              (long long)size);
                else
                    TIDE_FAIL("%s: index %lld out of range for a tensor of %lld elements", op, (long long)v,
                              (long long)size);
                return false;
            }
        }
    }
    return true;
}


static bool shares(const tide_tensor *a, const tide_tensor *b) { return a && b && a->storage == b->storage; }

/* Finish an op that wrote into `target` (res itself or a temporary standing in for out). */
static tide_tensor *finish(tide_tensor *res, tide_tensor *out, tide_tensor *tmp, bool ok) {
    if (ok && tmp && tide_copy_(res, tmp)) ok = false;
    tide_tensor_free(tmp);
    if (!ok && res != out) tide_tensor_free(res);
    return ok ? res : NULL;
}

/* Dispatch M(element type, index type) on element size and index dtype. */
#define BY_SIZE_AND_INDEX(M, es, is64)                                                                                 \
    do {                                                                                                               \
        if (is64) {                                                                                                    \
            if ((es) == 1) M(uint8_t, int64_t) else if ((es) == 4) M(uint32_t, int64_t) else M(uint64_t, int64_t)      \
        } else {                                                                                                       \
            if ((es) == 1) M(uint8_t, int32_t) else if ((es) == 4) M(uint32_t, int32_t) else M(uint64_t, int32_t)      \
        }                                                                                                              \
    } while (0)

/* Shapes of gather/scatter: index has t's ndim and fits t in every dim but `dim` (and src, when
 * given, in every dim). */
static bool check_gather_shapes(const char *op, const tide_tensor *t, const tide_tensor *index, const tide_tensor *src,
                                int dim) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    if (tide_check_dim(op, t, dim)) return false;
    if (index->ndim != t->ndim) {
        TIDE_FAIL("%s: index has %d dims but the tensor has %d; they must match", op, index->ndim, t->ndim);
        return false;
    }
    for (int d = 0; d < t->ndim; d++)
        if (d != dim && index->shape[d] > t->shape[d]) {
            TIDE_FAIL("%s: index shape %s exceeds the tensor's shape %s in dim %d", op,
                      tide_shape_str(index->ndim, index->shape, b1, sizeof b1),
                      tide_shape_str(t->ndim, t->shape, b2, sizeof b2), d + 1);
            return false;
        }
    if (!src) return true;
    if (src->ndim != t->ndim) {
        TIDE_FAIL("%s: src has %d dims but the tensor has %d; they must match", op, src->ndim, t->ndim);
        return false;
    }
    for (int d = 0; d < t->ndim; d++)
        if (index->shape[d] > src->shape[d]) {
            TIDE_FAIL("%s: index shape %s exceeds src's shape %s in dim %d", op,
                      tide_shape_str(index->ndim, index->shape, b1, sizeof b1),
                      tide_shape_str(src->ndim, src->shape, b2, sizeof b2), d + 1);
            return false;
        }
    return true;
}

/* ---------------------------------------------------------------- gather */

/* out[p] = t[p with p[dim] = index[p] - base]; out and index share a shape, walked row by row. */
#define GATHER_ROWS(ET, IT)                                                                                            \
    {                                                                                                                  \
        rows r;                                                                                                        \
        for (rows_init(&r, nd, index->shape); !r.done; rows_next(&r, index->shape)) {                                  \
            const IT *ix = (const IT *)tide_elem_ptr(index) + rows_off(&r, index->stride);                            \
            const ET *src = (const ET *)tide_elem_ptr(t) + rows_off(&r, ts);                                           \
            ET *dst = (ET *)tide_elem_ptr(out) + rows_off(&r, out->stride);                                            \
            for (int64_t j = 0; j < r.n; j++) dst[j * osl] = src[((int64_t)ix[j * isl] - base) * tsd + j * tsl];     \
        }                                                                                                              \
    }

static void gather_kernel(const tide_tensor *t, const tide_tensor *index, tide_tensor *out, int dim, int64_t base) {
    int nd = t->ndim;
    int64_t ts[TIDE_MAX_DIMS];
    memcpy(ts, t->stride, sizeof ts);
    int64_t tsd = ts[dim];
    ts[dim] = 0; /* the indexed dim comes from index values, not the walk */
    int64_t tsl = ts[nd - 1], isl = last_stride(index), osl = last_stride(out);
    size_t es = tide_dtype_size(t->dtype);
    BY_SIZE_AND_INDEX(GATHER_ROWS, es, index->dtype == TIDE_INT64);
}

tide_tensor *tide_gather(const tide_tensor *t, const tide_tensor *index, tide_tensor *out, int dim,
                         int64_t index_base) {
    if (!check_tensor("gather", t, "tensor") || !check_index_dtype("gather", index)) return NULL;
    if (!check_gather_shapes("gather", t, index, NULL, dim)) return NULL;
    if (!check_range("gather", index, t->shape[dim], dim, index_base)) return NULL;
    tide_tensor *res = tide_out_or_alloc("gather", out, index->ndim, index->shape, t->dtype);
    if (!res) return NULL;
    tide_tensor *tmp = NULL, *target = res;
    if (out && (shares(out, t) || shares(out, index))) {
        if (!(target = tmp = tide_alloc("gather", index->ndim, index->shape, t->dtype))) return finish(res, out, NULL, false);
    }
    gather_kernel(t, index, target, dim, index_base);
    return finish(res, out, tmp, true);
}

/* ---------------------------------------------------------------- scatter */

/* t[p with p[dim] = index[p] - base] = src[p]; src strides 0 for a scalar. */
#define SCATTER_SET_ROWS(ET, IT)                                                                                       \
    {                                                                                                                  \
        rows r;                                                                                                        \
        for (rows_init(&r, nd, index->shape); !r.done; rows_next(&r, index->shape)) {                                  \
            const IT *ix = (const IT *)tide_elem_ptr(index) + rows_off(&r, index->stride);                            \
            const ET *s = (const ET *)sp + rows_off(&r, ss);                                                           \
            ET *dst = (ET *)tide_elem_ptr(t) + rows_off(&r, ts);                                                       \
            for (int64_t j = 0; j < r.n; j++) dst[((int64_t)ix[j * isl] - base) * tsd + j * tsl] = s[j * ssl];       \
        }                                                                                                              \
    }

/* the same with +=, in the dtype's arithmetic (integers wrap through the unsigned type) */
#define SCATTER_ADD_ROWS(ET, UT, IT)                                                                                   \
    {                                                                                                                  \
        rows r;                                                                                                        \
        for (rows_init(&r, nd, index->shape); !r.done; rows_next(&r, index->shape)) {                                  \
            const IT *ix = (const IT *)tide_elem_ptr(index) + rows_off(&r, index->stride);                            \
            const ET *s = (const ET *)sp + rows_off(&r, ss);                                                           \
            ET *dst = (ET *)tide_elem_ptr(t) + rows_off(&r, ts);                                                       \
            for (int64_t j = 0; j < r.n; j++) {                                                                        \
                ET *d = dst + ((int64_t)ix[j * isl] - base) * tsd + j * tsl;                                           \
                *d = (ET)((UT)*d + (UT)s[j * ssl]);                                                                    \
            }                                                                                                          \
        }                                                                                                              \
    }
#define SCATTER_ADD_BY_INDEX(ET, UT)                                                                                   \
    if (is64)                                                                                                          \
        SCATTER_ADD_ROWS(ET, UT, int64_t)                                                                              \
    else                                                                                                               \
        SCATTER_ADD_ROWS(ET, UT, int32_t)                                                                              \
    break;

/* Validated scatter: src is t's dtype (or NULL: scalar value). */
static void scatter_kernel(tide_tensor *t, const tide_tensor *index, const tide_tensor *src, int dim, double value,
                           int reduce, int64_t base) {
    int nd = t->ndim;
    int64_t ts[TIDE_MAX_DIMS], ss[TIDE_MAX_DIMS] = {0};
    memcpy(ts, t->stride, sizeof ts);
    int64_t tsd = ts[dim];
    ts[dim] = 0;
    int64_t tsl = ts[nd - 1], isl = last_stride(index), ssl = 0;
    uint64_t scalar = 0;
    const char *sp = (const char *)&scalar;
    if (src) {
        memcpy(ss, src->stride, sizeof ss);
        ssl = last_stride(src);
        sp = tide_elem_ptr(src);
    } else
        tide_store_from_double(&scalar, t->dtype, value);
    bool is64 = index->dtype == TIDE_INT64;
    size_t es = tide_dtype_size(t->dtype);
    if (reduce == TIDE_SCATTER_SET) {
        BY_SIZE_AND_INDEX(SCATTER_SET_ROWS, es, is64);
        return;
    }
    switch (t->dtype) {
    case TIDE_FLOAT32: SCATTER_ADD_BY_INDEX(float, float)
    case TIDE_FLOAT64: SCATTER_ADD_BY_INDEX(double, double)
    case TIDE_INT32: SCATTER_ADD_BY_INDEX(int32_t, uint32_t)
    case TIDE_INT64: SCATTER_ADD_BY_INDEX(int64_t, uint64_t)
    case TIDE_UINT8: SCATTER_ADD_BY_INDEX(uint8_t, uint32_t)
    case TIDE_BOOL: SCATTER_ADD_BY_INDEX(bool, bool)
    }
}

/* Everything scatter checks before writing; on success *srcc is src in t's dtype (maybe a copy). */
static bool scatter_check(const char *op, const tide_tensor *t, const tide_tensor *index, const tide_tensor *src,
                          int dim, int reduce, int64_t base, const tide_tensor **srcc, tide_tensor **tmp) {
    *tmp = NULL;
    *srcc = src;
    if (!check_tensor(op, t, "tensor") || !check_index_dtype(op, index)) return false;
    if (reduce != TIDE_SCATTER_SET && reduce != TIDE_SCATTER_ADD) {
        TIDE_FAIL("%s: unknown reduction %d", op, reduce);
        return false;
    }
    if (!check_gather_shapes(op, t, index, src, dim)) return false;
    if (!check_range(op, index, t->shape[dim], dim, base)) return false;
    if (src && (src->dtype != t->dtype || shares(src, t))) {
        if (!(*tmp = tide_cast(src, t->dtype))) return false;
        *srcc = *tmp;
    }
    return true;
}

int tide_scatter_(tide_tensor *t, const tide_tensor *index, const tide_tensor *src, int dim, double value, int reduce,
                  int64_t index_base) {
    const char *op = reduce == TIDE_SCATTER_ADD ? "scatter_add_" : "scatter_";
    const tide_tensor *s;
    tide_tensor *tmp;
    if (!scatter_check(op, t, index, src, dim, reduce, index_base, &s, &tmp)) return -1;
    scatter_kernel(t, index, s, dim, value, reduce, index_base);
    tide_tensor_free(tmp);
    return 0;
}

tide_tensor *tide_scatter(const tide_tensor *t, const tide_tensor *index, const tide_tensor *src, tide_tensor *out,
                          int dim, double value, int reduce, int64_t index_base) {
    const char *op = reduce == TIDE_SCATTER_ADD ? "scatter_add" : "scatter";
    const tide_tensor *s;
    tide_tensor *tmp;
    if (!scatter_check(op, t, index, src, dim, reduce, index_base, &s, &tmp)) return NULL;
    tide_tensor *res = tide_out_or_alloc(op, out, t->ndim, t->shape, t->dtype);
    bool ok = res != NULL;
    if (ok && shares(res, index) && !(res == t)) ok = false, TIDE_FAIL("%s: out shares memory with index", op);
    if (ok && s && res != t && shares(res, s)) ok = false, TIDE_FAIL("%s: out shares memory with src", op);
    if (ok && res != t && tide_copy_(res, t)) ok = false;
    if (ok) scatter_kernel(res, index, s, dim, value, reduce, index_base);
    tide_tensor_free(tmp);
    return res ? finish(res, out, NULL, ok) : NULL;
}

/* ---------------------------------------------------------------- index_select / index_add_ */

static bool check_index_vector(const char *op, const tide_tensor *t, const tide_tensor *index, int dim, int64_t base) {
    if (!check_tensor(op, t, "tensor") || !check_index_dtype(op, index)) return false;
    if (tide_check_dim(op, t, dim)) return false;
    if (index->ndim > 1) {
        char b[TIDE_SHAPE_BUFSZ];
        TIDE_FAIL("%s: index must be 1-d, got shape %s", op, tide_shape_str(index->ndim, index->shape, b, sizeof b));
        return false;
    }
    return check_range(op, index, t->shape[dim], dim, base);
}

static inline int64_t index_at(const tide_tensor *index, int64_t i) {
    int64_t s = index->ndim ? index->stride[0] : 0;
    const char *p = tide_elem_ptr(index);
    return index->dtype == TIDE_INT64 ? ((const int64_t *)p)[i * s] : ((const int32_t *)p)[i * s];
}

/* out [..., n, ...] = t [..., S, ...] at the n indices along dim. Contiguous t and out copy
 * blocks of the trailing dims; other layouts copy one strided slice per index. */
tide_tensor *tide_index_select(const tide_tensor *t, const tide_tensor *index, tide_tensor *out, int dim,
                               int64_t index_base) {
    if (!check_index_vector("index_select", t, index, dim, index_base)) return NULL;
    int64_t n = index->numel;
    int64_t shape[TIDE_MAX_DIMS];
    memcpy(shape, t->shape, sizeof shape);
    shape[dim] = n;
    tide_tensor *res = tide_out_or_alloc("index_select", out, t->ndim, shape, t->dtype);
    if (!res) return NULL;
    tide_tensor *tmp = NULL, *target = res;
    if (out && (shares(out, t) || shares(out, index)) &&
        !(target = tmp = tide_alloc("index_select", t->ndim, shape, t->dtype)))
        return finish(res, out, NULL, false);
    if (target->numel == 0) return finish(res, out, tmp, true);
    size_t es = tide_dtype_size(t->dtype);
    if (tide_tensor_is_contiguous(t) && tide_tensor_is_contiguous(target)) {
        int64_t outer = tide_shape_numel(dim, t->shape), S = t->shape[dim];
        int64_t inner = tide_shape_numel(t->ndim - dim - 1, t->shape + dim + 1);
        size_t blk = (size_t)inner * es;
        const char *s = tide_elem_ptr(t);
        char *d = tide_elem_ptr(target);
        for (int64_t o = 0; o < outer; o++)
            for (int64_t i = 0; i < n; i++) {
                const char *from = s + (size_t)(o * S + index_at(index, i) - index_base) * blk;
                char *to = d + (size_t)(o * n + i) * blk;
                switch (blk) {
                case 1: *to = *from; break;
                case 4: memcpy(to, from, 4); break;
                case 8: memcpy(to, from, 8); break;
                default: memcpy(to, from, blk);
                }
            }
        return finish(res, out, tmp, true);
    }
    tide_tensor *vt = tide_select(t, dim, 0), *vo = tide_select(target, dim, 0);
    bool ok = vt && vo;
    for (int64_t i = 0; ok && i < n; i++) {
        vt->offset = t->offset + (index_at(index, i) - index_base) * t->stride[dim];
        vo->offset = target->offset + i * target->stride[dim];
        ok = tide_copy_(vo, vt) == 0;
    }
    tide_tensor_free(vt);
    tide_tensor_free(vo);
    return finish(res, out, tmp, ok);
}

/* dst += alpha * src over two strided views of one shape (src already in dst's dtype). */
#define AXPY_ROWS(ET, UT)                                                                                              \
    {                                                                                                                  \
        rows r;                                                                                                        \
        for (rows_init(&r, dst->ndim, dst->shape); !r.done; rows_next(&r, dst->shape)) {                               \
            ET *d = (ET *)tide_elem_ptr(dst) + rows_off(&r, dst->stride);                                              \
            const ET *s = (const ET *)tide_elem_ptr(src) + rows_off(&r, src->stride);                                  \
            if (alpha == 1)                                                                                            \
                for (int64_t j = 0; j < r.n; j++) d[j * dl] = (ET)((UT)d[j * dl] + (UT)s[j * sl]);                     \
            else                                                                                                       \
                for (int64_t j = 0; j < r.n; j++) d[j * dl] = (ET)(d[j * dl] + alpha * s[j * sl]);                     \
        }                                                                                                              \
        return;                                                                                                        \
    }

static void axpy_views(tide_tensor *dst, const tide_tensor *src, double alpha) {
    int64_t dl = last_stride(dst), sl = last_stride(src);
    switch (dst->dtype) {
    case TIDE_FLOAT32: AXPY_ROWS(float, float)
    case TIDE_FLOAT64: AXPY_ROWS(double, double)
    case TIDE_INT32: AXPY_ROWS(int32_t, uint32_t)
    case TIDE_INT64: AXPY_ROWS(int64_t, uint64_t)
    case TIDE_UINT8: AXPY_ROWS(uint8_t, uint32_t)
    case TIDE_BOOL: AXPY_ROWS(bool, bool)
    }
}

int tide_index_add_(tide_tensor *t, const tide_tensor *index, const tide_tensor *src, int dim, double alpha,
                    int64_t index_base) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    if (!check_tensor("index_add_", src, "src")) return -1;
    if (!check_index_vector("index_add_", t, index, dim, index_base)) return -1;
    int64_t shape[TIDE_MAX_DIMS];
    memcpy(shape, t->shape, sizeof shape);
    shape[dim] = index->numel;
    if (src->ndim != t->ndim || memcmp(src->shape, shape, sizeof(int64_t) * (size_t)t->ndim))
        return TIDE_FAIL("index_add_: src has shape %s, expected %s (the tensor's shape with dim %d of size %lld)",
                         tide_shape_str(src->ndim, src->shape, b1, sizeof b1), tide_shape_str(t->ndim, shape, b2, sizeof b2),
                         dim + 1, (long long)index->numel);
    tide_tensor *cast = NULL;
    if ((src->dtype != t->dtype || shares(src, t)) && !(src = cast = tide_cast(src, t->dtype))) return -1;
    tide_tensor *vt = tide_select(t, dim, 0), *vs = tide_select(src, dim, 0);
    int status = vt && vs ? 0 : -1;
    for (int64_t i = 0; status == 0 && i < index->numel; i++) {
        vt->offset = t->offset + (index_at(index, i) - index_base) * t->stride[dim];
        vs->offset = src->offset + i * src->stride[dim];
        axpy_views(vt, vs, alpha);
    }
    tide_tensor_free(vt);
    tide_tensor_free(vs);
    tide_tensor_free(cast);
    return status;
}

/* ---------------------------------------------------------------- masked_select / nonzero */

/* 1-d: the elements of t (broadcast with mask) where mask is non-zero, in row-major order. */
#define MASKED_ROWS(ET)                                                                                                \
    {                                                                                                                  \
        ET *d = (ET *)tide_elem_ptr(res);                                                                              \
        for (rows_init(&r, nd, shape); !r.done; rows_next(&r, shape)) {                                                \
            const uint8_t *m = (const uint8_t *)tide_elem_ptr(em) + rows_off(&r, em->stride);                          \
            const ET *s = (const ET *)tide_elem_ptr(et) + rows_off(&r, et->stride);                                    \
            for (int64_t j = 0; j < r.n; j++)                                                                          \
                if (m[j * ml]) *d++ = s[j * tl];                                                                       \
        }                                                                                                              \
    }

tide_tensor *tide_masked_select(const tide_tensor *t, const tide_tensor *mask) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    if (!check_tensor("masked_select", t, "tensor") || !check_tensor("masked_select", mask, "mask")) return NULL;
    if (mask->dtype != TIDE_BOOL && mask->dtype != TIDE_UINT8) {
        TIDE_FAIL("masked_select: mask must be a bool (or uint8) tensor, got %s", tide_dtype_name(mask->dtype));
        return NULL;
    }
    int nd = t->ndim > mask->ndim ? t->ndim : mask->ndim;
    int64_t shape[TIDE_MAX_DIMS];
    for (int d = 0; d < nd; d++) {
        int jt = d - (nd - t->ndim), jm = d - (nd - mask->ndim);
        int64_t st = jt >= 0 ? t->shape[jt] : 1, sm = jm >= 0 ? mask->shape[jm] : 1;
        if (st != sm && st != 1 && sm != 1) {
            TIDE_FAIL("masked_select: mask shape %s does not broadcast with tensor shape %s",
                      tide_shape_str(mask->ndim, mask->shape, b1, sizeof b1), tide_shape_str(t->ndim, t->shape, b2, sizeof b2));
            return NULL;
        }
        shape[d] = st == 1 ? sm : st;
    }
    tide_tensor *et = tide_expand(t, nd, shape), *em = tide_expand(mask, nd, shape), *res = NULL;
    if (!et || !em) goto done;
    int64_t count = 0, ml = last_stride(em), tl = last_stride(et);
    rows r;
    for (rows_init(&r, nd, shape); !r.done; rows_next(&r, shape)) {
        const uint8_t *m = (const uint8_t *)tide_elem_ptr(em) + rows_off(&r, em->stride);
        for (int64_t j = 0; j < r.n; j++) count += m[j * ml] != 0;
    }
    if (!(res = tide_alloc("masked_select", 1, &count, t->dtype)) || count == 0) goto done;
    size_t es = tide_dtype_size(t->dtype);
    if (es == 1)
        MASKED_ROWS(uint8_t)
    else if (es == 4)
        MASKED_ROWS(uint32_t)
    else
        MASKED_ROWS(uint64_t)
done:
    tide_tensor_free(et);
    tide_tensor_free(em);
    return res;
}

/* Count (when out is NULL) or list the non-zero elements of t; returns the count. */
#define NONZERO_ROWS(ET, DT)                                                                                           \
    case DT:                                                                                                           \
        for (rows_init(&r, nd, t->shape); !r.done; rows_next(&r, t->shape)) {                                          \
            const ET *p = (const ET *)tide_elem_ptr(t) + rows_off(&r, t->stride);                                      \
            if (!out) {                                                                                                \
                for (int64_t j = 0; j < r.n; j++) count += p[j * ls] != 0;                                             \
                continue;                                                                                              \
            }                                                                                                          \
            for (int64_t j = 0; j < r.n; j++)                                                                          \
                if (p[j * ls] != 0) {                                                                                  \
                    for (int d = 0; d < nd - 1; d++) *out++ = r.idx[d] + base;                                         \
                    if (nd) *out++ = j + base;                                                                         \
                    count++;                                                                                           \
                }                                                                                                      \
        }                                                                                                              \
        break;

static int64_t nonzero_walk(const tide_tensor *t, int64_t *out, int64_t base) {
    int nd = t->ndim;
    int64_t count = 0, ls = last_stride(t);
    rows r;
    switch (t->dtype) { TIDE_FOR_EACH_DTYPE(NONZERO_ROWS) }
    return count;
}

tide_tensor *tide_nonzero(const tide_tensor *t, int64_t index_base) {
    if (!check_tensor("nonzero", t, "tensor")) return NULL;
    int64_t shape[2] = {nonzero_walk(t, NULL, 0), t->ndim};
    tide_tensor *res = tide_alloc("nonzero", 2, shape, TIDE_INT64);
    if (res && res->numel) nonzero_walk(t, (int64_t *)tide_elem_ptr(res), index_base);
    return res;
}

/* ---------------------------------------------------------------- take / put_ */

/* Storage offset of the i-th element of t in row-major order. */
static int64_t flat_offset(const tide_tensor *t, int64_t i) {
    int64_t off = 0;
    for (int d = t->ndim - 1; d >= 0; d--) {
        off += (i % t->shape[d]) * t->stride[d];
        i /= t->shape[d];
    }
    return off;
}

#define TAKE_LOOP(ET, IT)                                                                                              \
    {                                                                                                                  \
        const IT *ix = (const IT *)tide_elem_ptr(ic);                                                                  \
        const ET *s = (const ET *)tide_elem_ptr(t);                                                                    \
        ET *d = (ET *)tide_elem_ptr(target);                                                                           \
        if (contig)                                                                                                    \
            for (int64_t k = 0; k < n; k++) d[k] = s[(int64_t)ix[k] - base];                                          \
        else                                                                                                           \
            for (int64_t k = 0; k < n; k++) d[k] = s[flat_offset(t, (int64_t)ix[k] - base)];                          \
    }

tide_tensor *tide_take(const tide_tensor *t, const tide_tensor *index, tide_tensor *out, int64_t index_base) {
    if (!check_tensor("take", t, "tensor") || !check_index_dtype("take", index)) return NULL;
    if (!check_range("take", index, t->numel, -1, index_base)) return NULL;
    tide_tensor *res = tide_out_or_alloc("take", out, index->ndim, index->shape, t->dtype);
    if (!res) return NULL;
    tide_tensor *ic = tide_contiguous(index), *tmp = NULL, *target = res;
    if (!ic) return finish(res, out, NULL, false);
    if (!tide_tensor_is_contiguous(res) || shares(res, t) || shares(res, index)) {
        if (!(target = tmp = tide_alloc("take", index->ndim, index->shape, t->dtype))) {
            tide_tensor_free(ic);
            return finish(res, out, NULL, false);
        }
    }
    int64_t n = ic->numel, base = index_base;
    bool contig = tide_tensor_is_contiguous(t);
    size_t es = tide_dtype_size(t->dtype);
    BY_SIZE_AND_INDEX(TAKE_LOOP, es, ic->dtype == TIDE_INT64);
    tide_tensor_free(ic);
    return finish(res, out, tmp, true);
}

/* flat t at index[k] (= | +=) src[k] */
#define PUT_LOOP(ET, UT)                                                                                               \
    {                                                                                                                  \
        const ET *s = (const ET *)tide_elem_ptr(sc);                                                                   \
        ET *d = (ET *)tide_elem_ptr(t);                                                                                \
        for (int64_t k = 0; k < n; k++) {                                                                              \
            int64_t v = index_at(ic, k) - index_base;                                                                  \
            ET *p = d + (contig ? v : flat_offset(t, v));                                                              \
            *p = accumulate ? (ET)((UT)*p + (UT)s[k]) : s[k];                                                          \
        }                                                                                                              \
        break;                                                                                                         \
    }

int tide_put_(tide_tensor *t, const tide_tensor *index, const tide_tensor *src, int accumulate, int64_t index_base) {
    if (!check_tensor("put_", t, "tensor") || !check_index_dtype("put_", index) || !check_tensor("put_", src, "src"))
        return -1;
    if (src->numel != index->numel)
        return TIDE_FAIL("put_: src has %lld elements but index has %lld; they must match", (long long)src->numel,
                         (long long)index->numel);
    if (!check_range("put_", index, t->numel, -1, index_base)) return -1;
    tide_tensor *ic = tide_contiguous(index);
    tide_tensor *sc = src->dtype == t->dtype && !shares(src, t) ? tide_contiguous(src) : tide_cast(src, t->dtype);
    int status = ic && sc ? 0 : -1;
    if (status == 0) {
        int64_t n = ic->numel;
        bool contig = tide_tensor_is_contiguous(t);
        switch (t->dtype) {
        case TIDE_FLOAT32: PUT_LOOP(float, float)
        case TIDE_FLOAT64: PUT_LOOP(double, double)
        case TIDE_INT32: PUT_LOOP(int32_t, uint32_t)
        case TIDE_INT64: PUT_LOOP(int64_t, uint64_t)
        case TIDE_UINT8: PUT_LOOP(uint8_t, uint32_t)
        case TIDE_BOOL: PUT_LOOP(bool, bool)
        }
    }
    tide_tensor_free(ic);
    tide_tensor_free(sc);
    return status;
}
