/* reduce.c — reductions over any set of dims: sum, mean, prod, amin/amax, any/all,
 * count_nonzero, norm, logsumexp, var/std (tide_reduce, tide_reduce_all).
 *
 * Every reduction is M outputs, each reducing N inputs. The input view is rearranged — kept
 * dims and reduced dims each sorted by stride and coalesced — and one of two loops runs:
 *   inner: the reduced elements of an output are runs along the innermost reduced dim
 *          (contiguous when the reduced dims are innermost, e.g. row sums): a vectorised run
 *          kernel, split pairwise on long runs; outputs spread over threads (float32 row sums
 *          four rows at a time), or, for few outputs, chunks of the run in parallel whose size
 *          depends on N only (results do not depend on the thread count);
 *   outer: the kept dim of stride 1 is innermost and the reduced dims lie outside it (e.g. sum
 *          over dim 1 of a matrix): whole rows are accumulated into a vector of accumulators,
 *          vectorised across outputs; no transposed copy is made.
 * Floating values accumulate in double; integer sums/products and integer min/max in int64
 * (wrapping, like NumPy). Two-pass ops (logsumexp, var, std) run the loop twice with a
 * per-output centre (max, mean). The kernels live in reduce_kernels.c, scans and max/min with
 * indices in scan.c, sorting in sort.c; reduce_internal.h holds what they share.
 */
#define _GNU_SOURCE /* dladdr */
#include "tide/reduce.h"
#include "reduce_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- kernel ops (see reduce_internal.h) */

static bool kop_additive(int k) { return k != K_PROD && k != K_MIN && k != K_MAX && k != K_ABSMAX && k != K_ABSMIN; }

/* a and b combined; NaN wins in min/max */
static double combine_d(int k, double a, double b) {
    switch (k) {
    case K_PROD: return a * b;
    case K_MAX: case K_ABSMAX: return (b > a || b != b) ? b : a;
    case K_MIN: case K_ABSMIN: return (b < a || b != b) ? b : a;
    default: return a + b;
    }
}

static int64_t combine_i(int k, int64_t a, int64_t b) {
    switch (k) {
    case K_PROD: return (int64_t)((uint64_t)a * (uint64_t)b);
    case K_MAX: return b > a ? b : a;
    case K_MIN: return b < a ? b : a;
    default: return (int64_t)((uint64_t)a + (uint64_t)b);
    }
}

/* ---------------------------------------------------------------- layout */

#define PAIRWISE_BLOCK 4096   /* additive runs longer than this are split in halves */
#define RUN_CHUNK 65536       /* smallest chunk of one output's reduction done by one thread */
#define MAX_CHUNKS 1024
#define COL_CHUNK 8192        /* outputs per work item in the outer loop */

typedef struct {
    int nk, nr;
    int64_t ksz[TIDE_MAX_DIMS], kin[TIDE_MAX_DIMS], kout[TIDE_MAX_DIMS]; /* kept dims: size, in/out stride */
    int64_t rsz[TIDE_MAX_DIMS], rin[TIDE_MAX_DIMS];                       /* reduced dims: size, in stride */
    int64_t M, N;
} rlayout;

void tide_sort_coalesce(int *n, int64_t *sz, int64_t *a, int64_t *b) {
    for (int i = 1; i < *n; i++)
        for (int j = i; j > 0 && a[j - 1] < a[j]; j--) {
            int64_t t = sz[j]; sz[j] = sz[j - 1]; sz[j - 1] = t;
            t = a[j]; a[j] = a[j - 1]; a[j - 1] = t;
            if (b) { t = b[j]; b[j] = b[j - 1]; b[j - 1] = t; }
        }
    int k = 0;
    for (int i = 1; i < *n; i++) {
        if (a[k] == a[i] * sz[i] && (!b || b[k] == b[i] * sz[i])) {
            sz[k] *= sz[i];
            a[k] = a[i];
            if (b) b[k] = b[i];
        } else {
            k++;
            sz[k] = sz[i];
            a[k] = a[i];
            if (b) b[k] = b[i];
        }
    }
    if (*n > 0) *n = k + 1;
}

int64_t tide_lin_offset(int64_t lin, int n, const int64_t *sz, const int64_t *st) {
    int64_t off = 0;
    for (int d = n - 1; d >= 0 && lin; d--) {
        int64_t q = lin / sz[d];
        off += (lin - q * sz[d]) * st[d];
        lin = q;
    }
    return off;
}

/* kept dims: those not in mask; ostride gives each kept x dim its output stride. */
static void build_layout(const tide_tensor *x, const bool *mask, const int64_t *ostride, rlayout *L) {
    L->nk = L->nr = 0;
    L->M = L->N = 1;
    for (int i = 0; i < x->ndim; i++) {
        int64_t n = x->shape[i];
        if (mask[i]) L->N *= n; else L->M *= n;
        if (n == 1) continue;
        if (mask[i]) {
            L->rsz[L->nr] = n;
            L->rin[L->nr++] = x->stride[i];
        } else {
            L->ksz[L->nk] = n;
            L->kin[L->nk] = x->stride[i];
            L->kout[L->nk++] = ostride[i];
        }
    }
    tide_sort_coalesce(&L->nk, L->ksz, L->kin, L->kout);
    tide_sort_coalesce(&L->nr, L->rsz, L->rin, NULL);
}

/* ---------------------------------------------------------------- the two loops */

typedef struct {
    const rlayout *L;
    const char *base; /* x's first element */
    int64_t es;       /* x's element size */
    int dtype, kop;
    bool idom;        /* accumulate in int64 */
    double pw;
    const double *center;
    double *accd;     /* M accumulators, in layout order of the kept dims */
    int64_t *acci;
} pass;

/* one run of n elements (pairwise split when long) */
static double run_d(const pass *P, const char *p, int64_t n, int64_t s, double c) {
    /* float32 sums already add 512-value blocks in double: no split needed */
    if (P->kop == K_SUM && s == 1 && P->dtype == TIDE_FLOAT32) return tide_sum_f32_contig((const float *)p, n);
    if (n > PAIRWISE_BLOCK && kop_additive(P->kop)) {
        int64_t h = (n / 2 + 15) & ~(int64_t)15;
        return run_d(P, p, h, s, c) + run_d(P, p + h * s * P->es, n - h, s, c);
    }
    if (P->kop == K_SUM && s == 1 && P->dtype == TIDE_FLOAT64) return tide_sum_f64_contig((const double *)p, n);
    return tide_rowd[P->dtype](P->kop, p, n, s, c, P->pw);
}

/* reduce the reduced-linear range [a, b) of the output whose kept offset is koff */
static double range_d(const pass *P, int64_t koff, int64_t a, int64_t b, double c) {
    const rlayout *L = P->L;
    int64_t len = L->nr ? L->rsz[L->nr - 1] : 1, ls = L->nr ? L->rin[L->nr - 1] : 1;
    double acc = init_d(P->kop);
    if (a >= b) return acc;
    int64_t r = a / len, j = a - r * len;
    while (a < b) {
        int64_t n = len - j < b - a ? len - j : b - a;
        int64_t off = koff + tide_lin_offset(r, L->nr - 1, L->rsz, L->rin) + j * ls;
        acc = combine_d(P->kop, acc, run_d(P, P->base + off * P->es, n, ls, c));
        a += n;
        r++;
        j = 0;
    }
    return acc;
}

static int64_t range_i(const pass *P, int64_t koff, int64_t a, int64_t b) {
    const rlayout *L = P->L;
    int64_t len = L->nr ? L->rsz[L->nr - 1] : 1, ls = L->nr ? L->rin[L->nr - 1] : 1;
    int64_t acc = init_i(P->kop);
    if (a >= b) return acc;
    int64_t r = a / len, j = a - r * len;
    while (a < b) {
        int64_t n = len - j < b - a ? len - j : b - a;
        int64_t off = koff + tide_lin_offset(r, L->nr - 1, L->rsz, L->rin) + j * ls;
        acc = combine_i(P->kop, acc, tide_rowi[P->dtype](P->kop, P->base + off * P->es, n, ls));
        a += n;
        r++;
        j = 0;
    }
    return acc;
}

static void inner_loop(const pass *P) {
    const rlayout *L = P->L;
    int64_t M = L->M, N = L->N;
    if (M >= 16 || N < 2 * RUN_CHUNK) {
        int nt = tide_threads_for(M * N);
        if (P->kop == K_SUM && P->dtype == TIDE_FLOAT32 && L->nr == 1 && L->rin[0] == 1 && M >= 4 && N >= 256) {
            /* float32 row sums: blocks of 64 rows shared out dynamically; within a block, four
             * rows a quarter of the block apart at a time (the last M % 64 rows one by one) */
            int64_t nb = M / 64, rest = M % 64;
            TIDE_PARALLEL_FOR_DYNAMIC(b, nb + rest, {
                if (b >= nb) {
                    int64_t m = 64 * nb + (b - nb);
                    const char *r = P->base + tide_lin_offset(m, L->nk, L->ksz, L->kin) * P->es;
                    P->accd[m] = tide_sum_f32_contig((const float *)r, N);
                    continue;
                }
                for (int64_t g = 0; g < 16; g++) {
                    const float *r[4];
                    double o[4];
                    for (int k = 0; k < 4; k++)
                        r[k] = (const float *)(P->base +
                                               tide_lin_offset(64 * b + g + 16 * k, L->nk, L->ksz, L->kin) * P->es);
                    tide_sum4_f32(r[0], r[1], r[2], r[3], N, o);
                    for (int k = 0; k < 4; k++) P->accd[64 * b + g + 16 * k] = o[k];
                }
            });
            return;
        }
        TIDE_PARALLEL_FOR(m, M, {
            int64_t koff = tide_lin_offset(m, L->nk, L->ksz, L->kin);
            if (P->idom)
                P->acci[m] = range_i(P, koff, 0, N);
            else
                P->accd[m] = range_d(P, koff, 0, N, P->center ? P->center[m] : 0);
        });
        return;
    }
    /* few outputs, long reductions: chunks in parallel, combined in order. The chunk size
     * depends on N only (so do the results): about 64 chunks of at least RUN_CHUNK, long
     * enough for the four-stream sums to read from places far apart (faster from DRAM). */
    int64_t chunk = (N / 64 + 511) & ~(int64_t)511;
    if (chunk < RUN_CHUNK) chunk = RUN_CHUNK;
    while ((N + chunk - 1) / chunk > MAX_CHUNKS) chunk *= 2;
    int64_t nch = (N + chunk - 1) / chunk;
    double pd[MAX_CHUNKS];
    int64_t pi[MAX_CHUNKS];
    int nt = tide_threads_for(N);
    for (int64_t m = 0; m < M; m++) {
        int64_t koff = tide_lin_offset(m, L->nk, L->ksz, L->kin);
        double c = P->center ? P->center[m] : 0;
        TIDE_PARALLEL_FOR(q, nch, {
            int64_t a = q * chunk, b = a + chunk < N ? a + chunk : N;
            if (P->idom)
                pi[q] = range_i(P, koff, a, b);
            else
                pd[q] = range_d(P, koff, a, b, c);
        });
        if (P->idom) {
            int64_t acc = pi[0];
            for (int64_t q = 1; q < nch; q++) acc = combine_i(P->kop, acc, pi[q]);
            P->acci[m] = acc;
        } else {
            double acc = pd[0];
            for (int64_t q = 1; q < nch; q++) acc = combine_d(P->kop, acc, pd[q]);
            P->accd[m] = acc;
        }
    }
}

/* accumulate rows [r0, r1) of the reduced dims into acc[0..cw) for the kept block at koff */
static void col_rows(const pass *P, int64_t koff, int64_t r0, int64_t r1, int64_t cw, double *ad, int64_t *ai,
                     const double *c) {
    const rlayout *L = P->L;
    tide_walker w;
    tide_walk_start(&w, L->nr, L->rsz, L->rin, r0);
    if (!P->idom && P->kop == K_SUM && P->dtype == TIDE_FLOAT32) {
        /* float32 column sums: eight rows at a time */
        const float *rows[8];
        int k = 0;
        for (int64_t r = r0; r < r1; r++) {
            rows[k++] = (const float *)(P->base + (koff + w.off) * P->es);
            if (k == 8) {
                tide_colsum_f32(rows, 8, cw, ad);
                k = 0;
            }
            tide_walk_next(&w);
        }
        if (k) tide_colsum_f32(rows, k, cw, ad);
        return;
    }
    for (int64_t r = r0; r < r1; r++) {
        const char *p = P->base + (koff + w.off) * P->es;
        if (P->idom)
            tide_coli[P->dtype](P->kop, ai, p, cw);
        else
            tide_cold[P->dtype](P->kop, ad, p, cw, c, P->pw);
        tide_walk_next(&w);
    }
}

static void fill_init(const pass *P, double *ad, int64_t *ai, int64_t n) {
    if (P->idom) {
        int64_t v = init_i(P->kop);
        for (int64_t j = 0; j < n; j++) ai[j] = v;
    } else {
        double v = init_d(P->kop);
        for (int64_t j = 0; j < n; j++) ad[j] = v;
    }
}

/* Work items: (outer kept index k, chunk of up to COL_CHUNK columns, block of reduced rows).
 * With few (k, chunk) items the rows are split into blocks too, each accumulating into its
 * own partial vector; partials are combined in block order, so the result does not depend on
 * the thread count. Whole rows stream contiguously; no transposed copy is made.
 * Returns -1 only when the partial vectors cannot be allocated. */
static int outer_loop(const pass *P) {
    const rlayout *L = P->L;
    int64_t N = L->N, C = L->ksz[L->nk - 1], K = L->M / C;
    int64_t nch = (C + COL_CHUNK - 1) / COL_CHUNK, items = K * nch, cmax = C < COL_CHUNK ? C : COL_CHUNK;
    int64_t nb = 1;
    if (items < 8 && N >= 16) {
        nb = N * C / (2 * TIDE_PARALLEL_GRAIN);
        if (nb > 16) nb = 16;
        if (nb > N / 8) nb = N / 8;
        if (nb < 1) nb = 1;
    }
    int64_t rb = (N + nb - 1) / nb;
    nb = N ? (N + rb - 1) / rb : 1;
    char *part = NULL;
    if (nb > 1 && !(part = malloc((size_t)(items * nb * cmax) * 8)))
        return tide_fail(TIDE_ENOMEM, "reduce: out of memory for %lld partial results", (long long)(items * nb * cmax));
    int nt = tide_threads_for(L->M * N);
    TIDE_PARALLEL_FOR(t, items * nb, {
        int64_t it = t / nb, b = t - it * nb;
        int64_t k = it / nch, j0 = (it - k * nch) * COL_CHUNK;
        int64_t cw = C - j0 < COL_CHUNK ? C - j0 : COL_CHUNK;
        int64_t koff = tide_lin_offset(k, L->nk - 1, L->ksz, L->kin) + j0;
        double *ad = NULL;
        int64_t *ai = NULL;
        if (part) {
            if (P->idom) ai = (int64_t *)part + t * cmax; else ad = (double *)part + t * cmax;
        } else {
            if (P->idom) ai = P->acci + k * C + j0; else ad = P->accd + k * C + j0;
        }
        int64_t r0 = b * rb, r1 = r0 + rb < N ? r0 + rb : N;
        fill_init(P, ad, ai, cw);
        col_rows(P, koff, r0, r1, cw, ad, ai, P->center ? P->center + k * C + j0 : NULL);
    });
    if (part) {
        for (int64_t it = 0; it < items; it++) {
            int64_t k = it / nch, j0 = (it - k * nch) * COL_CHUNK;
            int64_t cw = C - j0 < COL_CHUNK ? C - j0 : COL_CHUNK;
            for (int64_t j = 0; j < cw; j++) {
                if (P->idom) {
                    const int64_t *q = (const int64_t *)part + it * nb * cmax + j;
                    int64_t a = q[0];
                    for (int64_t b = 1; b < nb; b++) a = combine_i(P->kop, a, q[b * cmax]);
                    P->acci[k * C + j0 + j] = a;
                } else {
                    const double *q = (const double *)part + it * nb * cmax + j;
                    double a = q[0];
                    for (int64_t b = 1; b < nb; b++) a = combine_d(P->kop, a, q[b * cmax]);
                    P->accd[k * C + j0 + j] = a;
                }
            }
        }
        free(part);
    }
    return 0;
}

static int run_pass(pass *P) {
    const rlayout *L = P->L;
    if (L->M == 0) return 0;
    bool outer = L->nk > 0 && L->nr > 0 && L->kin[L->nk - 1] == 1 && L->rin[L->nr - 1] != 1 && L->ksz[L->nk - 1] >= 8;
    if (outer) return outer_loop(P);
    inner_loop(P);
    return 0;
}

/* ---------------------------------------------------------------- ops */

static const char *const OP_NAMES[TIDE_REDUCE_NOPS] = {"sum", "mean", "prod", "min", "max", "any", "all",
                                                       "count_nonzero", "norm", "logsumexp", "var", "std"};

static int norm_kop(double p) {
    if (p == 2) return K_SQSUM;
    if (p == 1) return K_ABSSUM;
    if (p == INFINITY) return K_ABSMAX;
    if (p == -INFINITY) return K_ABSMIN;
    if (p == 0) return K_NNZ;
    return K_POWSUM;
}

/* first (or only) pass kernel op */
static int first_kop(int op, double param) {
    switch (op) {
    case TIDE_REDUCE_PROD: return K_PROD;
    case TIDE_REDUCE_MIN: return K_MIN;
    case TIDE_REDUCE_MAX: case TIDE_REDUCE_LOGSUMEXP: return K_MAX;
    case TIDE_REDUCE_ANY: case TIDE_REDUCE_ALL: case TIDE_REDUCE_COUNT_NONZERO: return K_NNZ;
    case TIDE_REDUCE_NORM: return norm_kop(param);
    default: return K_SUM; /* sum, mean, var, std */
    }
}

/* final value of one output from its accumulator a (N elements, c the centre of pass 2) */
static double finish(int op, double a, double N, double param, double c) {
    switch (op) {
    case TIDE_REDUCE_MEAN: return a / N;
    case TIDE_REDUCE_ANY: return a > 0;
    case TIDE_REDUCE_ALL: return a == N;
    case TIDE_REDUCE_NORM:
        if (param == 2) return sqrt(a);
        if (param == 1 || param == 0 || isinf(param)) return a;
        return pow(a, 1 / param);
    case TIDE_REDUCE_LOGSUMEXP: return c + log(a);
    case TIDE_REDUCE_VAR:
    case TIDE_REDUCE_STD: {
        double v = a / fmax(0, N - param);
        return op == TIDE_REDUCE_STD ? sqrt(v) : v;
    }
    default: return a;
    }
}

static void store_i64(void *p, int dtype, int64_t v) {
    switch (dtype) {
    case TIDE_FLOAT32: *(float *)p = (float)v; break;
    case TIDE_FLOAT64: *(double *)p = (double)v; break;
    case TIDE_INT32: *(int32_t *)p = (int32_t)v; break;
    case TIDE_INT64: *(int64_t *)p = v; break;
    case TIDE_UINT8: *(uint8_t *)p = (uint8_t)v; break;
    case TIDE_BOOL: *(bool *)p = v != 0; break;
    }
}

static int result_dtype(const char *name, int op, int xdt, int dtype, const tide_tensor *out) {
    bool xf = tide_is_float(xdt);
    if (dtype >= TIDE_NDTYPES) return TIDE_FAIL("%s: unknown dtype %d", name, dtype);
    switch (op) {
    case TIDE_REDUCE_SUM:
    case TIDE_REDUCE_PROD:
        return dtype >= 0 ? dtype : out ? out->dtype : xf ? xdt : TIDE_INT64;
    case TIDE_REDUCE_MIN:
    case TIDE_REDUCE_MAX:
    case TIDE_REDUCE_ANY:
    case TIDE_REDUCE_ALL:
    case TIDE_REDUCE_COUNT_NONZERO:
        if (dtype >= 0) return TIDE_FAIL("%s: a dtype option is not supported", name);
        return op == TIDE_REDUCE_COUNT_NONZERO ? TIDE_INT64 : op >= TIDE_REDUCE_ANY ? TIDE_BOOL : xdt;
    default: {
        int d = dtype >= 0 ? dtype : out ? out->dtype : xf ? xdt : TIDE_FLOAT32;
        if (!tide_is_float(d))
            return TIDE_FAIL("%s: the result dtype must be float32 or float64, got %s", name, tide_dtype_name(d));
        return d;
    }
    }
}

/* validate op, dims and param; fill mask. Returns 0 or -1. */
static int check_args(const tide_tensor *x, int op, int ndims, const int32_t *dims, double param, bool *mask) {
    if (op < 0 || op >= TIDE_REDUCE_NOPS) return TIDE_FAIL("reduce: unknown op %d", op);
    const char *name = OP_NAMES[op];
    if (!x) return TIDE_FAIL("%s: input tensor is NULL (freed?)", name);
    if (ndims > TIDE_MAX_DIMS) return TIDE_FAIL("%s: %d dims given, at most %d supported", name, ndims, TIDE_MAX_DIMS);
    bool all = ndims <= 0 || !dims;
    for (int i = 0; i < TIDE_MAX_DIMS; i++) mask[i] = all;
    for (int i = 0; !all && i < ndims; i++) {
        int d = dims[i];
        if (x->ndim == 0 && d == 0) continue; /* a 0-d tensor accepts dim 1 (or -1) */
        if (d < 0 || d >= x->ndim)
            return TIDE_FAIL("%s: dim %d out of range for a tensor with %d dims", name, d + 1, x->ndim);
        if (mask[d]) return TIDE_FAIL("%s: dim %d appears more than once", name, d + 1);
        mask[d] = true;
    }
    if (op == TIDE_REDUCE_NORM && (isnan(param) || (param < 0 && param != -INFINITY)))
        return TIDE_FAIL("norm: p must be > 0, 0, inf or -inf, got %g", param);
    if ((op == TIDE_REDUCE_VAR || op == TIDE_REDUCE_STD) && !(param >= 0 && param < INFINITY))
        return TIDE_FAIL("%s: correction must be a finite number >= 0, got %g", name, param);
    return 0;
}

/* Reduce x (mask: reduced dims) and write each output as odtype at obase + ostride (per x dim). */
static int reduce_into(const tide_tensor *x, const bool *mask, int op, double param, char *obase, int odtype,
                       const int64_t *ostride) {
    const char *name = OP_NAMES[op];
    rlayout L;
    build_layout(x, mask, ostride, &L);
    if (L.N == 0 && (op == TIDE_REDUCE_MIN || op == TIDE_REDUCE_MAX))
        return TIDE_FAIL("%s: cannot reduce an empty tensor", name);
    if (L.M == 0) return 0;
    bool idom = ((op == TIDE_REDUCE_SUM || op == TIDE_REDUCE_PROD) && !tide_is_float(odtype)) ||
                ((op == TIDE_REDUCE_MIN || op == TIDE_REDUCE_MAX) && !tide_is_float(x->dtype));
    double one_d, one_c;
    int64_t one_i;
    void *acc = L.M == 1 ? (idom ? (void *)&one_i : (void *)&one_d) : malloc((size_t)L.M * 8);
    if (!acc) return tide_fail(TIDE_ENOMEM, "%s: out of memory for %lld accumulators", name, (long long)L.M);
    pass P = {.L = &L, .base = tide_elem_ptr(x), .es = (int64_t)tide_dtype_size(x->dtype), .dtype = x->dtype,
              .kop = first_kop(op, param), .idom = idom, .pw = param, .center = NULL,
              .accd = idom ? NULL : acc, .acci = idom ? acc : NULL};
    int st = run_pass(&P);
    double *center = NULL;
    if (st == 0 && (op == TIDE_REDUCE_LOGSUMEXP || op == TIDE_REDUCE_VAR || op == TIDE_REDUCE_STD)) {
        /* pass 2 around a centre: the max for logsumexp (0 when not finite), the mean for var/std */
        center = L.M == 1 ? &one_c : malloc((size_t)L.M * 8);
        if (!center) {
            st = tide_fail(TIDE_ENOMEM, "%s: out of memory", name);
        } else {
            for (int64_t m = 0; m < L.M; m++) {
                double a = P.accd[m];
                center[m] = op == TIDE_REDUCE_LOGSUMEXP ? (isfinite(a) ? a : 0) : a / (double)L.N;
            }
            P.kop = op == TIDE_REDUCE_LOGSUMEXP ? K_EXPSUM : K_DEVSQ;
            P.center = center;
            st = run_pass(&P);
        }
    }
    if (st == 0) {
        int64_t oes = (int64_t)tide_dtype_size(odtype);
        tide_walker w;
        tide_walk_start(&w, L.nk, L.ksz, L.kout, 0);
        for (int64_t m = 0; m < L.M; m++) {
            char *o = obase + w.off * oes;
            if (idom)
                store_i64(o, odtype, P.acci[m]);
            else
                tide_store_from_double(o, odtype, finish(op, P.accd[m], (double)L.N, param, center ? center[m] : 0));
            tide_walk_next(&w);
        }
    }
    if (center != &one_c) free(center);
    if (L.M > 1) free(acc);
    return st;
}

tide_tensor *tide_reduce(const tide_tensor *x, tide_tensor *out, int op, int ndims, const int32_t *dims, int keepdim,
                         int dtype, double param) {
    bool mask[TIDE_MAX_DIMS];
    if (check_args(x, op, ndims, dims, param, mask)) return NULL;
    const char *name = OP_NAMES[op];
    int rdt = result_dtype(name, op, x->dtype, dtype, out);
    if (rdt < 0) return NULL;
    /* result shape, and which result dim each kept x dim maps to */
    int64_t shape[TIDE_MAX_DIMS];
    int map[TIDE_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < x->ndim; i++) {
        map[i] = -1;
        if (!mask[i]) {
            map[i] = nd;
            shape[nd++] = x->shape[i];
        } else if (keepdim) {
            shape[nd++] = 1;
        }
    }
    tide_tensor *r = tide_out_or_alloc(name, out, nd, shape, rdt);
    if (!r) return NULL;
    int64_t ostride[TIDE_MAX_DIMS] = {0};
    for (int i = 0; i < x->ndim; i++)
        if (map[i] >= 0) ostride[i] = r->stride[map[i]];
    if (reduce_into(x, mask, op, param, tide_elem_ptr(r), rdt, ostride)) {
        if (!out) tide_tensor_free(r);
        return NULL;
    }
    return r;
}

int tide_reduce_all(const tide_tensor *x, int op, double param, double *result) {
    bool mask[TIDE_MAX_DIMS];
    if (check_args(x, op, -1, NULL, param, mask)) return -1;
    if (!result) return TIDE_FAIL("%s: result pointer is NULL", OP_NAMES[op]);
    int rdt = result_dtype(OP_NAMES[op], op, x->dtype, -1, NULL);
    if (rdt < 0) return -1;
    /* integer sums and products accumulate in int64 and are converted once at the end */
    int odt = rdt == TIDE_INT64 && op != TIDE_REDUCE_COUNT_NONZERO ? TIDE_INT64 : TIDE_FLOAT64;
    int64_t zero[TIDE_MAX_DIMS] = {0};
    union { double d; int64_t i; } v = {0};
    if (reduce_into(x, mask, op, param, (char *)&v, odt, zero)) return -1;
    *result = odt == TIDE_INT64 ? (double)v.i : v.d;
    return 0;
}

/* ---------------------------------------------------------------- helpers shared with scan.c and sort.c */

void tide_lines_init(tide_lines *L, const tide_tensor *x, int dim, const int64_t *ostride) {
    L->n = 0;
    L->count = 1;
    L->len = 1;
    L->ins = L->outs = 1;
    if (x->ndim == 0) return;
    L->len = x->shape[dim];
    L->ins = x->stride[dim];
    L->outs = ostride[dim];
    for (int i = 0; i < x->ndim; i++) {
        if (i == dim) continue;
        L->count *= x->shape[i];
        if (x->shape[i] == 1) continue;
        L->sz[L->n] = x->shape[i];
        L->in[L->n] = x->stride[i];
        L->out[L->n++] = ostride[i];
    }
    tide_sort_coalesce(&L->n, L->sz, L->in, L->out);
}

tide_tensor *tide_out_begin(const char *op, const char *what, tide_tensor *given, int nd, const int64_t *shape, int dtype) {
    if (!given) return tide_alloc(op, nd, shape, dtype);
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    if (given->ndim != nd || memcmp(given->shape, shape, (size_t)nd * sizeof *shape)) {
        TIDE_FAIL("%s: %s has shape %s, expected %s", op, what, tide_shape_str(given->ndim, given->shape, b1, sizeof b1),
                  tide_shape_str(nd, shape, b2, sizeof b2));
        return NULL;
    }
    if (given->dtype != dtype) {
        TIDE_FAIL("%s: %s has dtype %s, expected %s", op, what, tide_dtype_name(given->dtype), tide_dtype_name(dtype));
        return NULL;
    }
    return tide_tensor_is_contiguous(given) ? given : tide_alloc(op, nd, shape, dtype);
}

tide_tensor *tide_out_end(tide_tensor *given, tide_tensor *work, bool ok) {
    if (!work) return NULL;
    if (!ok) {
        if (work != given) tide_tensor_free(work);
        return NULL;
    }
    if (given && work != given) {
        int st = tide_copy_(given, work);
        tide_tensor_free(work);
        return st ? NULL : given;
    }
    return work;
}
