/* scan.c — ops along one dim: cumulative sum/product (tide_scan) and max/min with the index
 * of the first occurrence (tide_reduce_index: max(dim), min(dim), argmax, argmin;
 * tide_arg_all: argmax/argmin over all elements).
 *
 * Both walk the lines along the dim. When the dim is not the contiguous one but another dim
 * is (e.g. cumsum or argmax over dim 1 of a matrix), whole rows are processed at once with a
 * vector of running values (vectorised across the lines) instead of striding down each line.
 */
#include "tide/reduce.h"
#include "reduce_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LINE_CHUNK 1024  /* lines handled together in the row-wise loops; elements per buffer */
#define SCAN_BLOCK 65536 /* block of a long line scanned by one thread */

/* ---------------------------------------------------------------- stores of double / int64 rows */

#define STORE_CASE(CT, DT)                                                                                             \
    case DT: {                                                                                                         \
        CT *o = dst;                                                                                                   \
        if (DT == TIDE_BOOL)                                                                                           \
            for (int64_t i = 0; i < n; i++) o[i * os] = src[i] != 0;                                                   \
        else if (os == 1)                                                                                              \
            _Pragma("omp simd") for (int64_t i = 0; i < n; i++) o[i] = (CT)src[i];                                     \
        else                                                                                                           \
            for (int64_t i = 0; i < n; i++) o[i * os] = (CT)src[i];                                                    \
        return;                                                                                                        \
    }

static void store_row_d(void *dst, int dtype, int64_t os, const double *src, int64_t n) {
    switch (dtype) { TIDE_FOR_EACH_DTYPE(STORE_CASE) }
}
static void store_row_i(void *dst, int dtype, int64_t os, const int64_t *src, int64_t n) {
    switch (dtype) { TIDE_FOR_EACH_DTYPE(STORE_CASE) }
}

/* ---------------------------------------------------------------- scan kernels
 * rowd: buf[i] = carry = carry (+ or *) p[i * s] for i < n, in double; rowi: the same in int64.
 * cold: acc[j] = acc[j] (+ or *) p[j] for j < C (one row of a scan over an outer dim). */

#define DEF_SCAN(T, S)                                                                                                 \
    static void scan_rowd_##S(const void *vp, int64_t n, int64_t s, double *buf, double *carry, int prod) {            \
        const T *p = vp;                                                                                               \
        double c = *carry;                                                                                             \
        if (prod)                                                                                                      \
            for (int64_t i = 0; i < n; i++) buf[i] = c = c * (double)p[i * s];                                         \
        else                                                                                                           \
            for (int64_t i = 0; i < n; i++) buf[i] = c = c + (double)p[i * s];                                         \
        *carry = c;                                                                                                    \
    }                                                                                                                  \
    static void scan_rowi_##S(const void *vp, int64_t n, int64_t s, int64_t *buf, int64_t *carry, int prod) {          \
        const T *p = vp;                                                                                               \
        uint64_t c = (uint64_t)*carry;                                                                                 \
        if (prod)                                                                                                      \
            for (int64_t i = 0; i < n; i++) buf[i] = (int64_t)(c = c * (uint64_t)(int64_t)p[i * s]);                   \
        else                                                                                                           \
            for (int64_t i = 0; i < n; i++) buf[i] = (int64_t)(c = c + (uint64_t)(int64_t)p[i * s]);                   \
        *carry = (int64_t)c;                                                                                           \
    }                                                                                                                  \
    static TIDE_HOT void scan_cold_##S(const void *vp, double *restrict acc, int64_t C, int prod) {                    \
        const T *restrict p = vp;                                                                                      \
        if (prod) {                                                                                                    \
            _Pragma("omp simd") for (int64_t j = 0; j < C; j++) acc[j] *= (double)p[j];                                \
        } else {                                                                                                       \
            _Pragma("omp simd") for (int64_t j = 0; j < C; j++) acc[j] += (double)p[j];                                \
        }                                                                                                              \
    }                                                                                                                  \
    static TIDE_HOT void scan_coli_##S(const void *vp, int64_t *restrict acc, int64_t C, int prod) {                   \
        const T *restrict p = vp;                                                                                      \
        if (prod) {                                                                                                    \
            for (int64_t j = 0; j < C; j++) acc[j] = (int64_t)((uint64_t)acc[j] * (uint64_t)(int64_t)p[j]);            \
        } else {                                                                                                       \
            _Pragma("omp simd") for (int64_t j = 0; j < C; j++) acc[j] =                                               \
                (int64_t)((uint64_t)acc[j] + (uint64_t)(int64_t)p[j]);                                                 \
        }                                                                                                              \
    }

DEF_SCAN(float, f32)
DEF_SCAN(double, f64)
DEF_SCAN(int32_t, i32)
DEF_SCAN(int64_t, i64)
DEF_SCAN(uint8_t, u8)
DEF_SCAN(bool, b8)

typedef void (*scan_rowd_fn)(const void *, int64_t, int64_t, double *, double *, int);
typedef void (*scan_rowi_fn)(const void *, int64_t, int64_t, int64_t *, int64_t *, int);
typedef void (*scan_cold_fn)(const void *, double *restrict, int64_t, int);
typedef void (*scan_coli_fn)(const void *, int64_t *restrict, int64_t, int);
static const scan_rowd_fn SCAN_ROWD[] = {scan_rowd_f32, scan_rowd_f64, scan_rowd_i32, scan_rowd_i64, scan_rowd_u8, scan_rowd_b8};
static const scan_rowi_fn SCAN_ROWI[] = {scan_rowi_f32, scan_rowi_f64, scan_rowi_i32, scan_rowi_i64, scan_rowi_u8, scan_rowi_b8};
static const scan_cold_fn SCAN_COLD[] = {scan_cold_f32, scan_cold_f64, scan_cold_i32, scan_cold_i64, scan_cold_u8, scan_cold_b8};
static const scan_coli_fn SCAN_COLI[] = {scan_coli_f32, scan_coli_f64, scan_coli_i32, scan_coli_i64, scan_coli_u8, scan_coli_b8};

/* Scan n elements (x at stride xs -> y at stride ys) from the running value *cd (double) or
 * *ci (int64, when idom), through a small buffer; the running value is updated. */
static void scan_run(const char *xp, int64_t n, int64_t xs, int xdt, char *yp, int64_t ys, int ydt, int prod, bool idom,
                     double *cd, int64_t *ci) {
    int64_t xes = (int64_t)tide_dtype_size(xdt), yes = (int64_t)tide_dtype_size(ydt);
    union { double d[LINE_CHUNK]; int64_t i[LINE_CHUNK]; } buf;
    for (int64_t a = 0; a < n; a += LINE_CHUNK) {
        int64_t k = n - a < LINE_CHUNK ? n - a : LINE_CHUNK;
        if (idom) {
            SCAN_ROWI[xdt](xp + a * xs * xes, k, xs, buf.i, ci, prod);
            store_row_i(yp + a * ys * yes, ydt, ys, buf.i, k);
        } else {
            SCAN_ROWD[xdt](xp + a * xs * xes, k, xs, buf.d, cd, prod);
            store_row_d(yp + a * ys * yes, ydt, ys, buf.d, k);
        }
    }
}

/* y[i * ys] = y[i * ys] (+ or *) the shift, for i < n (the second phase of a blocked scan) */
#define SHIFT_CASE(CT, DT)                                                                                             \
    case DT: {                                                                                                         \
        CT *o = yp;                                                                                                    \
        for (int64_t i = 0; i < n; i++) {                                                                              \
            if (DT == TIDE_FLOAT32 || DT == TIDE_FLOAT64)                                                              \
                o[i * ys] = (CT)(prod ? (double)o[i * ys] * cd : (double)o[i * ys] + cd);                              \
            else                                                                                                       \
                o[i * ys] = (CT)(int64_t)(prod ? (uint64_t)(int64_t)o[i * ys] * (uint64_t)ci                           \
                                               : (uint64_t)(int64_t)o[i * ys] + (uint64_t)ci);                         \
        }                                                                                                              \
        return;                                                                                                        \
    }
static void shift_row(void *yp, int ydt, int64_t ys, int64_t n, int prod, double cd, int64_t ci) {
    switch (ydt) { TIDE_FOR_EACH_DTYPE(SHIFT_CASE) }
}

/* x [..., n, ...] -> y of the same shape, y[..., i, ...] = x[..., 0, ...] (op) ... (op) x[..., i, ...] */
static void scan_lines(const tide_tensor *x, tide_tensor *y, int dim, int prod) {
    int64_t ost[TIDE_MAX_DIMS];
    for (int i = 0; i < y->ndim; i++) ost[i] = y->stride[i];
    tide_lines L;
    tide_lines_init(&L, x, dim, ost);
    if (L.count == 0 || L.len == 0) return;
    const char *xb = tide_elem_ptr(x);
    char *yb = tide_elem_ptr(y);
    int64_t xes = (int64_t)tide_dtype_size(x->dtype), yes = (int64_t)tide_dtype_size(y->dtype);
    bool idom = !tide_is_float(y->dtype);
    int xdt = x->dtype, ydt = y->dtype;
    int nt = tide_threads_for(L.count * L.len);
    if (L.n > 0 && L.in[L.n - 1] == 1 && L.out[L.n - 1] == 1 && L.ins != 1 && L.sz[L.n - 1] >= 8) {
        /* rows: a running vector over the contiguous dim, one chunk of it per work item */
        int64_t C = L.sz[L.n - 1], K = L.count / C, nch = (C + LINE_CHUNK - 1) / LINE_CHUNK;
        TIDE_PARALLEL_FOR(it, K * nch, {
            int64_t k = it / nch, j0 = (it - k * nch) * LINE_CHUNK;
            int64_t cw = C - j0 < LINE_CHUNK ? C - j0 : LINE_CHUNK;
            int64_t xo = tide_lin_offset(k, L.n - 1, L.sz, L.in) + j0;
            int64_t yo = tide_lin_offset(k, L.n - 1, L.sz, L.out) + j0;
            union { double d[LINE_CHUNK]; int64_t i[LINE_CHUNK]; } acc;
            for (int64_t j = 0; j < cw; j++) {
                if (idom) acc.i[j] = prod; else acc.d[j] = prod;
            }
            for (int64_t r = 0; r < L.len; r++) {
                const char *xp = xb + (xo + r * L.ins) * xes;
                char *yp = yb + (yo + r * L.outs) * yes;
                if (idom) {
                    SCAN_COLI[xdt](xp, acc.i, cw, prod);
                    store_row_i(yp, ydt, 1, acc.i, cw);
                } else {
                    SCAN_COLD[xdt](xp, acc.d, cw, prod);
                    store_row_d(yp, ydt, 1, acc.d, cw);
                }
            }
        });
        return;
    }
    if (L.count < 4 && L.len >= 4 * SCAN_BLOCK && nt > 1 && ydt != TIDE_BOOL) {
        /* few long lines: blocks scanned in parallel from the identity, then each block after
         * the first is shifted by the running total of the blocks before it (in parallel) */
        int64_t nb = (L.len + SCAN_BLOCK - 1) / SCAN_BLOCK;
        double *td = malloc((size_t)nb * sizeof *td);
        int64_t *ti = malloc((size_t)nb * sizeof *ti);
        if (td && ti) {
            for (int64_t m = 0; m < L.count; m++) {
                int64_t xo = tide_lin_offset(m, L.n, L.sz, L.in), yo = tide_lin_offset(m, L.n, L.sz, L.out);
                TIDE_PARALLEL_FOR(b, nb, {
                    int64_t a = b * SCAN_BLOCK, n = L.len - a < SCAN_BLOCK ? L.len - a : SCAN_BLOCK;
                    td[b] = prod;
                    ti[b] = prod;
                    scan_run(xb + (xo + a * L.ins) * xes, n, L.ins, xdt, yb + (yo + a * L.outs) * yes, L.outs, ydt,
                             prod, idom, &td[b], &ti[b]);
                });
                double cd = prod; /* exclusive prefix of the block totals: what each block is shifted by */
                int64_t ci = prod;
                for (int64_t b = 0; b < nb; b++) {
                    double nd = prod ? cd * td[b] : cd + td[b];
                    int64_t ni = (int64_t)(prod ? (uint64_t)ci * (uint64_t)ti[b] : (uint64_t)ci + (uint64_t)ti[b]);
                    td[b] = cd;
                    ti[b] = ci;
                    cd = nd;
                    ci = ni;
                }
                TIDE_PARALLEL_FOR(b, nb, {
                    int64_t a = b * SCAN_BLOCK, n = L.len - a < SCAN_BLOCK ? L.len - a : SCAN_BLOCK;
                    if (b > 0) shift_row(yb + (yo + a * L.outs) * yes, ydt, L.outs, n, prod, td[b], ti[b]);
                });
            }
            free(td);
            free(ti);
            return;
        }
        free(td); /* no memory for the block totals: the sequential scan below needs none */
        free(ti);
    }
    /* one line per thread */
    TIDE_PARALLEL_FOR(m, L.count, {
        int64_t xo = tide_lin_offset(m, L.n, L.sz, L.in), yo = tide_lin_offset(m, L.n, L.sz, L.out);
        double cd = prod;
        int64_t ci = prod;
        scan_run(xb + xo * xes, L.len, L.ins, xdt, yb + yo * yes, L.outs, ydt, prod, idom, &cd, &ci);
    });
}

tide_tensor *tide_scan(const tide_tensor *x, tide_tensor *out, int op, int dim, int dtype) {
    if (op != TIDE_SCAN_SUM && op != TIDE_SCAN_PROD) {
        TIDE_FAIL("scan: unknown op %d", op);
        return NULL;
    }
    const char *name = op == TIDE_SCAN_SUM ? "cumsum" : "cumprod";
    if (!x) {
        TIDE_FAIL("%s: input tensor is NULL (freed?)", name);
        return NULL;
    }
    if (!(x->ndim == 0 && dim == 0) && tide_check_dim(name, x, dim)) return NULL;
    if (dtype >= TIDE_NDTYPES) {
        TIDE_FAIL("%s: unknown dtype %d", name, dtype);
        return NULL;
    }
    int rdt = dtype >= 0 ? dtype : out ? out->dtype : tide_is_float(x->dtype) ? x->dtype : TIDE_INT64;
    tide_tensor *y = tide_out_begin(name, "out", out, x->ndim, x->shape, rdt);
    if (!y) return NULL;
    scan_lines(x, y, x->ndim ? dim : 0, op == TIDE_SCAN_PROD);
    return tide_out_end(out, y, true);
}

/* ---------------------------------------------------------------- max / min with indices
 * arg_T: position of the first max (largest) or min of p[0], p[s], ..., p[(n-1)s], n >= 1;
 * a NaN counts as the extreme (the first NaN wins). col_T: the same for C lines at once,
 * stepping row r (elements p + r * rs, contiguous across lines) into best[] / idx[]. */

#define BETTER(v, b) (largest ? ((v) > (b) || ((v) != (v) && (b) == (b))) : ((v) < (b) || ((v) != (v) && (b) == (b))))

#define DEF_ARG(T, S, VEC)                                                                                             \
    static TIDE_HOT int64_t arg_##S(const void *vp, int64_t n, int64_t s, int largest) {                                \
        const T *p = vp;                                                                                               \
        if (VEC && s == 1 && n >= 64) {                                                                                \
            /* two vectorised passes: the extreme (NaN flagged), then its first position */                            \
            T m = p[0];                                                                                                \
            int nan = 0;                                                                                               \
            if (largest) {                                                                                             \
                _Pragma("omp simd reduction(max:m) reduction(|:nan)") for (int64_t i = 0; i < n; i++) {                \
                    m = p[i] > m ? p[i] : m;                                                                           \
                    nan |= p[i] != p[i];                                                                               \
                }                                                                                                      \
            } else {                                                                                                   \
                _Pragma("omp simd reduction(min:m) reduction(|:nan)") for (int64_t i = 0; i < n; i++) {                \
                    m = p[i] < m ? p[i] : m;                                                                           \
                    nan |= p[i] != p[i];                                                                               \
                }                                                                                                      \
            }                                                                                                          \
            for (int64_t i = 0; i < n; i++)                                                                            \
                if (nan ? p[i] != p[i] : p[i] == m) return i;                                                          \
            return 0;                                                                                                  \
        }                                                                                                              \
        T b = p[0];                                                                                                    \
        int64_t bi = 0;                                                                                                \
        for (int64_t i = 1; i < n; i++) {                                                                              \
            T v = p[i * s];                                                                                            \
            if (BETTER(v, b)) {                                                                                        \
                b = v;                                                                                                 \
                bi = i;                                                                                                \
            }                                                                                                          \
        }                                                                                                              \
        return bi;                                                                                                     \
    }                                                                                                                  \
    static TIDE_HOT void col_##S(const void *vp, int64_t n, int64_t rs, int64_t C, void *bv, int64_t *restrict idx,  \
                                 int largest) {                                                                        \
        const T *p = vp;                                                                                               \
        T *restrict best = bv;                                                                                         \
        for (int64_t j = 0; j < C; j++) {                                                                              \
            best[j] = p[j];                                                                                            \
            idx[j] = 0;                                                                                                \
        }                                                                                                              \
        for (int64_t r = 1; r < n; r++) {                                                                              \
            const T *q = p + r * rs;                                                                                   \
            _Pragma("omp simd") for (int64_t j = 0; j < C; j++) {                                                      \
                T v = q[j], b = best[j];                                                                               \
                bool w = BETTER(v, b);                                                                                 \
                best[j] = w ? v : b;                                                                                   \
                idx[j] = w ? r : idx[j];                                                                               \
            }                                                                                                          \
        }                                                                                                              \
    }

DEF_ARG(float, f32, 1)
DEF_ARG(double, f64, 1)
DEF_ARG(int32_t, i32, 1)
DEF_ARG(int64_t, i64, 1)
DEF_ARG(uint8_t, u8, 1)
DEF_ARG(bool, b8, 0)

typedef int64_t (*arg_fn)(const void *, int64_t, int64_t, int);
typedef void (*col_fn)(const void *, int64_t, int64_t, int64_t, void *, int64_t *restrict, int);
static const arg_fn ARG[] = {arg_f32, arg_f64, arg_i32, arg_i64, arg_u8, arg_b8};
static const col_fn COL[] = {col_f32, col_f64, col_i32, col_i64, col_u8, col_b8};

/* values (may be NULL) and indices, both contiguous of the reduced shape */
static void index_lines(const tide_tensor *x, tide_tensor *values, tide_tensor *indices, int dim, int largest,
                        int64_t base) {
    int64_t ost[TIDE_MAX_DIMS];
    /* output strides per x dim: the result drops dim (or keeps it with size 1) */
    int k = 0;
    for (int i = 0; i < x->ndim; i++) {
        if (i == dim) {
            ost[i] = 0;
            if (indices->ndim == x->ndim) k++;
            continue;
        }
        ost[i] = indices->stride[k++];
    }
    tide_lines L;
    tide_lines_init(&L, x, dim, ost);
    if (L.count == 0) return;
    const char *xb = tide_elem_ptr(x);
    int64_t es = (int64_t)tide_dtype_size(x->dtype);
    char *vb = values ? tide_elem_ptr(values) : NULL;
    int64_t *ib = tide_tensor_data_ptr(indices);
    int dt = x->dtype;
    int nt = tide_threads_for(L.count * L.len);
    if (L.n > 0 && L.in[L.n - 1] == 1 && L.ins != 1 && L.sz[L.n - 1] >= 8) {
        int64_t C = L.sz[L.n - 1], K = L.count / C, nch = (C + LINE_CHUNK - 1) / LINE_CHUNK, os = L.out[L.n - 1];
        TIDE_PARALLEL_FOR(it, K * nch, {
            int64_t kk = it / nch, j0 = (it - kk * nch) * LINE_CHUNK;
            int64_t cw = C - j0 < LINE_CHUNK ? C - j0 : LINE_CHUNK;
            int64_t xo = tide_lin_offset(kk, L.n - 1, L.sz, L.in) + j0;
            int64_t oo = tide_lin_offset(kk, L.n - 1, L.sz, L.out) + j0 * os;
            int64_t best[LINE_CHUNK], idx[LINE_CHUNK]; /* best holds any dtype (<= 8 bytes each) */
            COL[dt](xb + xo * es, L.len, L.ins, cw, best, idx, largest);
            for (int64_t j = 0; j < cw; j++) {
                ib[oo + j * os] = idx[j] + base;
                if (vb) memcpy(vb + (oo + j * os) * es, (char *)best + j * es, (size_t)es);
            }
        });
        return;
    }
    TIDE_PARALLEL_FOR(m, L.count, {
        int64_t xo = tide_lin_offset(m, L.n, L.sz, L.in), oo = tide_lin_offset(m, L.n, L.sz, L.out);
        int64_t i = ARG[dt](xb + xo * es, L.len, L.ins, largest);
        ib[oo] = i + base;
        if (vb) memcpy(vb + oo * es, xb + (xo + i * L.ins) * es, (size_t)es);
    });
}

int tide_reduce_index(const tide_tensor *x, tide_tensor **values, tide_tensor **indices, int largest, int dim, int keepdim,
                      int64_t index_base) {
    const char *name = values ? (largest ? "max" : "min") : (largest ? "argmax" : "argmin");
    if (!x) return TIDE_FAIL("%s: input tensor is NULL (freed?)", name);
    if (!indices) return TIDE_FAIL("%s: indices slot is NULL", name);
    if (!(x->ndim == 0 && dim == 0) && tide_check_dim(name, x, dim)) return -1;
    int64_t len = x->ndim ? x->shape[dim] : 1;
    if (len == 0) return TIDE_FAIL("%s: cannot reduce an empty tensor (dim %d has size 0)", name, dim + 1);
    int64_t shape[TIDE_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < x->ndim; i++)
        if (i != dim || keepdim) shape[nd++] = i == dim ? 1 : x->shape[i];
    tide_tensor *vw = NULL, *iw;
    if (values) {
        vw = tide_out_begin(name, "values", *values, nd, shape, x->dtype);
        if (!vw) return -1;
    }
    iw = tide_out_begin(name, "indices", *indices, nd, shape, TIDE_INT64);
    if (!iw) {
        if (values) tide_out_end(*values, vw, false);
        return -1;
    }
    index_lines(x, vw, iw, x->ndim ? dim : 0, largest, index_base);
    tide_tensor *v = values ? tide_out_end(*values, vw, true) : NULL;
    tide_tensor *i = tide_out_end(*indices, iw, true);
    if ((values && !v) || !i) return -1;
    if (values) *values = v;
    *indices = i;
    return 0;
}

int tide_arg_all(const tide_tensor *x, int largest, int64_t index_base, int64_t *index) {
    const char *name = largest ? "argmax" : "argmin";
    if (!x) return TIDE_FAIL("%s: input tensor is NULL (freed?)", name);
    if (!index) return TIDE_FAIL("%s: index pointer is NULL", name);
    if (x->numel == 0) return TIDE_FAIL("%s: cannot reduce an empty tensor", name);
    tide_tensor *c = tide_contiguous(x); /* the flat position is in row-major order */
    if (!c) return -1;
    *index = ARG[c->dtype](tide_elem_ptr(c), c->numel, 1, largest) + index_base;
    tide_tensor_free(c);
    return 0;
}
