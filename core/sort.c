/* sort.c — sorting and selection along a dim (sort, topk, kthvalue, median) and unique.
 *
 * Each line along the dim is gathered into (value, position) pairs and ordered by value, then
 * position: a total order (NaN largest), so every result is deterministic and stable. Sorting
 * is a merge sort over insertion-sorted runs; topk/kthvalue/median select with a quickselect
 * (median of three, falling back to the merge sort on bad pivots) and sort only what they
 * return. Lines are spread over threads, each with its own scratch pairs.
 */
#include "tide/sort.h"
#include "reduce_internal.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

enum line_op { L_SORT, L_TOPK, L_KTH, L_MEDIAN };

#define SORT_RUN 32

#define KEY_LT(a, b) ((a) < (b) || ((b) != (b) && (a) == (a))) /* NaN is largest */
#define KEY_EQ(a, b) ((a) == (b) || ((a) != (a) && (b) != (b)))

/* For each dtype: pairs, the order `before` (desc: larger values first; ties by position),
 * msort (n pairs, tmp of n), qselect (a[k] becomes the k-th in order, smaller ones before it)
 * and line (one line of n elements at stride s -> outputs at stride os). */
#define DEF_SORT(T, S)                                                                                                 \
    typedef struct {                                                                                                   \
        T v;                                                                                                           \
        int64_t i;                                                                                                     \
    } pair_##S;                                                                                                        \
    static inline bool before_##S(const pair_##S *a, const pair_##S *b, int desc) {                                    \
        if (KEY_EQ(a->v, b->v)) return a->i < b->i;                                                                    \
        return desc ? KEY_LT(b->v, a->v) : KEY_LT(a->v, b->v);                                                         \
    }                                                                                                                  \
    static void msort_##S(pair_##S *a, pair_##S *tmp, int64_t n, int desc) {                                           \
        for (int64_t b = 0; b < n; b += SORT_RUN) {                                                                    \
            int64_t e = b + SORT_RUN < n ? b + SORT_RUN : n;                                                           \
            for (int64_t i = b + 1; i < e; i++) {                                                                      \
                pair_##S x = a[i];                                                                                     \
                int64_t j = i;                                                                                         \
                while (j > b && before_##S(&x, &a[j - 1], desc)) {                                                     \
                    a[j] = a[j - 1];                                                                                   \
                    j--;                                                                                               \
                }                                                                                                      \
                a[j] = x;                                                                                              \
            }                                                                                                          \
        }                                                                                                              \
        pair_##S *src = a, *dst = tmp;                                                                                 \
        for (int64_t w = SORT_RUN; w < n; w *= 2) {                                                                    \
            for (int64_t lo = 0; lo < n; lo += 2 * w) {                                                                \
                int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;                           \
                int64_t i = lo, j = mid, o = lo;                                                                       \
                if (mid == hi || !before_##S(&src[mid], &src[mid - 1], desc)) { /* already in order */                \
                    memcpy(dst + lo, src + lo, (size_t)(hi - lo) * sizeof *src);                                       \
                    continue;                                                                                          \
                }                                                                                                      \
                while (i < mid && j < hi) dst[o++] = before_##S(&src[j], &src[i], desc) ? src[j++] : src[i++];         \
                while (i < mid) dst[o++] = src[i++];                                                                   \
                while (j < hi) dst[o++] = src[j++];                                                                    \
            }                                                                                                          \
            pair_##S *t = src;                                                                                         \
            src = dst;                                                                                                 \
            dst = t;                                                                                                   \
        }                                                                                                              \
        if (src != a) memcpy(a, src, (size_t)n * sizeof *a);                                                           \
    }                                                                                                                  \
    static void qselect_##S(pair_##S *a, pair_##S *tmp, int64_t n, int64_t k, int desc) {                              \
        int64_t lo = 0, hi = n - 1;                                                                                    \
        for (int depth = 0; hi > lo; depth++) {                                                                        \
            if (depth > 60 || hi - lo < 16) {                                                                          \
                msort_##S(a + lo, tmp, hi - lo + 1, desc);                                                             \
                return;                                                                                                \
            }                                                                                                          \
            int64_t mid = lo + (hi - lo) / 2;                                                                          \
            pair_##S t;                                                                                                \
            if (before_##S(&a[mid], &a[lo], desc)) { t = a[mid]; a[mid] = a[lo]; a[lo] = t; }                         \
            if (before_##S(&a[hi], &a[mid], desc)) {                                                                   \
                t = a[hi]; a[hi] = a[mid]; a[mid] = t;                                                                 \
                if (before_##S(&a[mid], &a[lo], desc)) { t = a[mid]; a[mid] = a[lo]; a[lo] = t; }                      \
            }                                                                                                          \
            pair_##S pv = a[mid];                                                                                      \
            int64_t i = lo, j = hi;                                                                                    \
            while (i <= j) {                                                                                           \
                while (before_##S(&a[i], &pv, desc)) i++;                                                              \
                while (before_##S(&pv, &a[j], desc)) j--;                                                              \
                if (i <= j) {                                                                                          \
                    t = a[i]; a[i] = a[j]; a[j] = t;                                                                   \
                    i++;                                                                                               \
                    j--;                                                                                               \
                }                                                                                                      \
            }                                                                                                          \
            if (k <= j) hi = j;                                                                                        \
            else if (k >= i) lo = i;                                                                                   \
            else return;                                                                                               \
        }                                                                                                              \
    }                                                                                                                  \
    static void line_##S(int op, const void *xv, int64_t n, int64_t s, void *vv, int64_t *ip, int64_t os, void *scratch, \
                         int64_t k, int desc, int sorted, int64_t base) {                                              \
        const T *x = xv;                                                                                               \
        T *vo = vv;                                                                                                    \
        pair_##S *a = scratch, *tmp = a + n;                                                                           \
        if (op == L_MEDIAN) {                                                                                          \
            for (int64_t i = 0; i < n; i++)                                                                            \
                if (x[i * s] != x[i * s]) { /* NaN: the median is NaN, at the first NaN */                             \
                    if (vo) vo[0] = x[i * s];                                                                          \
                    if (ip) ip[0] = i + base;                                                                          \
                    return;                                                                                            \
                }                                                                                                      \
            op = L_KTH;                                                                                                \
            k = (n + 1) / 2;                                                                                           \
        }                                                                                                              \
        for (int64_t i = 0; i < n; i++) {                                                                              \
            a[i].v = x[i * s];                                                                                         \
            a[i].i = i;                                                                                                \
        }                                                                                                              \
        int64_t nout = n;                                                                                              \
        if (op == L_SORT) {                                                                                            \
            msort_##S(a, tmp, n, desc);                                                                                \
        } else if (op == L_TOPK) {                                                                                     \
            if (k < n) qselect_##S(a, tmp, n, k, desc);                                                                \
            if (sorted) msort_##S(a, tmp, k, desc);                                                                    \
            nout = k;                                                                                                  \
        } else { /* k-th smallest, 1-based */                                                                          \
            qselect_##S(a, tmp, n, k - 1, 0);                                                                          \
            a[0] = a[k - 1];                                                                                           \
            nout = 1;                                                                                                  \
        }                                                                                                              \
        for (int64_t i = 0; i < nout; i++) {                                                                           \
            if (vo) vo[i * os] = a[i].v;                                                                               \
            if (ip) ip[i * os] = a[i].i + base;                                                                        \
        }                                                                                                              \
    }

DEF_SORT(float, f32)
DEF_SORT(double, f64)
DEF_SORT(int32_t, i32)
DEF_SORT(int64_t, i64)
DEF_SORT(uint8_t, u8)
DEF_SORT(bool, b8)

typedef void (*line_fn)(int, const void *, int64_t, int64_t, void *, int64_t *, int64_t, void *, int64_t, int, int,
                        int64_t);
static const line_fn LINE[] = {line_f32, line_f64, line_i32, line_i64, line_u8, line_b8};
#define PAIR_BYTES 16 /* every pair is 16 bytes: a value of <= 8 bytes and an int64 position */
_Static_assert(sizeof(pair_f32) == PAIR_BYTES && sizeof(pair_b8) == PAIR_BYTES && sizeof(pair_f64) == PAIR_BYTES,
               "pair size");

/* Run one line op over every line along dim. Outputs (values may be NULL, indices may be NULL)
 * are contiguous with x's shape, except dim, which has length nout (dropped when !keep). */
static int run_lines(const char *name, const tide_tensor *x, tide_tensor *values, tide_tensor *indices, int dim, int op,
                     int64_t k, int desc, int sorted, int64_t base) {
    const tide_tensor *o = values ? values : indices;
    int64_t ost[TIDE_MAX_DIMS];
    int j = 0;
    for (int i = 0; i < x->ndim; i++) {
        if (i == dim && o->ndim < x->ndim) {
            ost[i] = 0; /* dim dropped: one output per line */
            continue;
        }
        ost[i] = o->stride[j++];
    }
    tide_lines L;
    tide_lines_init(&L, x, dim, ost);
    if (L.count == 0 || L.len == 0 || o->numel == 0) return 0;
    const char *xb = tide_elem_ptr(x);
    int64_t es = (int64_t)tide_dtype_size(x->dtype);
    char *vb = values ? tide_elem_ptr(values) : NULL;
    int64_t *ib = indices ? tide_tensor_data_ptr(indices) : NULL;
    line_fn f = LINE[x->dtype];
    int nt = tide_threads_for(L.count * L.len * 8);
    if (nt > L.count) nt = (int)L.count;
    /* lines [m0, m1) with one scratch buffer; false when it cannot be allocated */
#define LINES_RANGE(m0, m1, ok)                                                                                        \
    do {                                                                                                               \
        void *scratch = (m1) > (m0) ? malloc((size_t)L.len * 2 * PAIR_BYTES) : NULL;                                   \
        ok = (m1) <= (m0) || scratch != NULL;                                                                          \
        for (int64_t m = (m0); scratch && m < (m1); m++) {                                                             \
            int64_t xo = tide_lin_offset(m, L.n, L.sz, L.in), oo = tide_lin_offset(m, L.n, L.sz, L.out);               \
            f(op, xb + xo * es, L.len, L.ins, vb ? vb + oo * es : NULL, ib ? ib + oo : NULL, L.outs, scratch, k, desc, \
              sorted, base);                                                                                           \
        }                                                                                                              \
        free(scratch);                                                                                                 \
    } while (0)
    int failed = 0;
    if (nt > 1) {
#pragma omp parallel num_threads(nt) reduction(| : failed)
        {
            int t = omp_get_thread_num(), T = omp_get_num_threads();
            bool ok;
            LINES_RANGE(L.count * t / T, L.count * (t + 1) / T, ok);
            failed |= !ok;
        }
    } else {
        bool ok;
        LINES_RANGE(0, L.count, ok);
        failed = !ok;
    }
#undef LINES_RANGE
    if (failed)
        return tide_fail(TIDE_ENOMEM, "%s: out of memory for scratch space of %lld elements", name, (long long)L.len);
    return 0;
}

/* Shared driver: checks, output shapes, slots. nout: the dim's length in the result (-1: dropped). */
static int along_dim(const char *name, const tide_tensor *x, tide_tensor **values, tide_tensor **indices, int dim, int op,
                     int64_t k, int desc, int sorted, int keepdim, int64_t base) {
    if (!x) return TIDE_FAIL("%s: input tensor is NULL (freed?)", name);
    if (!values && !indices) return TIDE_FAIL("%s: neither values nor indices requested", name);
    if (!(x->ndim == 0 && dim == 0) && tide_check_dim(name, x, dim)) return -1;
    int64_t n = x->ndim ? x->shape[dim] : 1;
    int64_t nout = n;
    if (op == L_TOPK) {
        if (k < 0 || k > n)
            return TIDE_FAIL("%s: k = %lld out of range for dim %d of size %lld", name, (long long)k, dim + 1, (long long)n);
        nout = k;
    } else if (op == L_KTH) {
        if (k < 1 || k > n)
            return TIDE_FAIL("%s: k = %lld out of range 1..%lld for dim %d", name, (long long)k, (long long)n, dim + 1);
        nout = keepdim ? 1 : -1;
    } else if (op == L_MEDIAN) {
        if (n == 0) return TIDE_FAIL("%s: cannot reduce an empty tensor (dim %d has size 0)", name, dim + 1);
        nout = keepdim ? 1 : -1;
    }
    int64_t shape[TIDE_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < x->ndim; i++) {
        if (i != dim) shape[nd++] = x->shape[i];
        else if (nout >= 0) shape[nd++] = nout;
    }
    tide_tensor *vw = NULL, *iw = NULL;
    if (values && !(vw = tide_out_begin(name, "values", *values, nd, shape, x->dtype))) return -1;
    if (indices && !(iw = tide_out_begin(name, "indices", *indices, nd, shape, TIDE_INT64))) {
        if (values) tide_out_end(*values, vw, false);
        return -1;
    }
    int st = run_lines(name, x, vw, iw, x->ndim ? dim : 0, op, k, desc, sorted, base);
    tide_tensor *v = values ? tide_out_end(*values, vw, st == 0) : NULL;
    tide_tensor *i = indices ? tide_out_end(*indices, iw, st == 0) : NULL;
    if (st || (values && !v) || (indices && !i)) {
        if (values && v && !*values) tide_tensor_free(v);
        if (indices && i && !*indices) tide_tensor_free(i);
        return -1;
    }
    if (values) *values = v;
    if (indices) *indices = i;
    return 0;
}

int tide_sort(const tide_tensor *x, tide_tensor **values, tide_tensor **indices, int dim, int descending, int stable,
              int64_t index_base) {
    return along_dim(values ? "sort" : "argsort", x, values, indices, dim, L_SORT, 0, descending != 0, 1, 0, index_base);
}

int tide_topk(const tide_tensor *x, tide_tensor **values, tide_tensor **indices, int64_t k, int dim, int largest, int sorted,
              int64_t index_base) {
    return along_dim("topk", x, values, indices, dim, L_TOPK, k, largest != 0, sorted != 0, 0, index_base);
}

int tide_kthvalue(const tide_tensor *x, tide_tensor **values, tide_tensor **indices, int64_t k, int dim, int keepdim,
                  int64_t index_base) {
    return along_dim("kthvalue", x, values, indices, dim, L_KTH, k, 0, 1, keepdim, index_base);
}

int tide_median(const tide_tensor *x, tide_tensor **values, tide_tensor **indices, int dim, int keepdim,
                int64_t index_base) {
    return along_dim("median", x, values, indices, dim, L_MEDIAN, 0, 0, 1, keepdim, index_base);
}

/* ---------------------------------------------------------------- unique */

#define DEF_UNIQUE(T, S)                                                                                               \
    /* a: n sorted pairs -> distinct values into vals (may be NULL: count only), group of each pair into inv[pos], \
     * group sizes into cnt; returns the number of groups */                                                           \
    static int64_t groups_##S(const void *av, int64_t n, void *vv, int64_t *inv, int64_t *cnt, int64_t base) {         \
        const pair_##S *a = av;                                                                                        \
        T *vals = vv;                                                                                                  \
        int64_t u = 0;                                                                                                 \
        for (int64_t i = 0; i < n; i++) {                                                                              \
            if (i == 0 || !KEY_EQ(a[i].v, a[i - 1].v)) {                                                               \
                if (vals) vals[u] = a[i].v;                                                                            \
                if (cnt) cnt[u] = 0;                                                                                   \
                u++;                                                                                                   \
            }                                                                                                          \
            if (inv) inv[a[i].i] = u - 1 + base;                                                                       \
            if (cnt) cnt[u - 1]++;                                                                                     \
        }                                                                                                              \
        return u;                                                                                                      \
    }                                                                                                                  \
    static void usort_##S(void *a, int64_t n) { msort_##S(a, (pair_##S *)a + n, n, 0); }                               \
    static void fill_pairs_##S(const void *xv, int64_t n, void *av) {                                                  \
        const T *x = xv;                                                                                               \
        pair_##S *a = av;                                                                                              \
        for (int64_t i = 0; i < n; i++) {                                                                              \
            a[i].v = x[i];                                                                                             \
            a[i].i = i;                                                                                                \
        }                                                                                                              \
    }

DEF_UNIQUE(float, f32)
DEF_UNIQUE(double, f64)
DEF_UNIQUE(int32_t, i32)
DEF_UNIQUE(int64_t, i64)
DEF_UNIQUE(uint8_t, u8)
DEF_UNIQUE(bool, b8)

typedef int64_t (*groups_fn)(const void *, int64_t, void *, int64_t *, int64_t *, int64_t);
typedef void (*fill_fn)(const void *, int64_t, void *);
typedef void (*usort_fn)(void *, int64_t);
#define UNIQUE_FNS(S) {groups_##S, fill_pairs_##S, usort_##S}
static const struct {
    groups_fn groups;
    fill_fn fill;
    usort_fn sort;
} UNIQ[] = {UNIQUE_FNS(f32), UNIQUE_FNS(f64), UNIQUE_FNS(i32), UNIQUE_FNS(i64), UNIQUE_FNS(u8), UNIQUE_FNS(b8)};

int tide_unique(const tide_tensor *x, tide_tensor **values, tide_tensor **inverse, tide_tensor **counts,
                int64_t index_base) {
    if (!x) return TIDE_FAIL("unique: input tensor is NULL (freed?)");
    if (!values) return TIDE_FAIL("unique: values slot is NULL");
    int64_t n = x->numel;
    tide_tensor *c = tide_contiguous(x);
    if (!c) return -1;
    char *pairs = malloc((size_t)(n > 0 ? n : 1) * 2 * PAIR_BYTES);
    if (!pairs) {
        tide_tensor_free(c);
        return tide_fail(TIDE_ENOMEM, "unique: out of memory sorting %lld elements", (long long)n);
    }
    int dt = x->dtype;
    UNIQ[dt].fill(tide_elem_ptr(c), n, pairs);
    tide_tensor_free(c);
    UNIQ[dt].sort(pairs, n);
    int64_t u = UNIQ[dt].groups(pairs, n, NULL, NULL, NULL, 0);
    tide_tensor *vw = tide_out_begin("unique", "values", *values, 1, &u, dt), *iw = NULL, *cw = NULL;
    bool ok = vw != NULL;
    if (ok && inverse) ok = (iw = tide_out_begin("unique", "inverse", *inverse, x->ndim, x->shape, TIDE_INT64)) != NULL;
    if (ok && counts) ok = (cw = tide_out_begin("unique", "counts", *counts, 1, &u, TIDE_INT64)) != NULL;
    if (ok)
        UNIQ[dt].groups(pairs, n, tide_elem_ptr(vw), iw ? tide_tensor_data_ptr(iw) : NULL,
                        cw ? tide_tensor_data_ptr(cw) : NULL, index_base);
    free(pairs);
    tide_tensor *v = tide_out_end(*values, vw, ok);
    tide_tensor *i = inverse ? tide_out_end(*inverse, iw, ok) : NULL;
    tide_tensor *k = counts ? tide_out_end(*counts, cw, ok) : NULL;
    if (!ok || !v || (inverse && !i) || (counts && !k)) {
        if (v && !*values) tide_tensor_free(v);
        if (i && !*inverse) tide_tensor_free(i);
        if (k && !*counts) tide_tensor_free(k);
        return -1;
    }
    *values = v;
    if (inverse) *inverse = i;
    if (counts) *counts = k;
    return 0;
}
