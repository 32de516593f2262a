/* kmeans.c — k-means clustering (see tide/cluster.h): k-means++ and random seeding, assignment
 * (predict), distances (transform), and the kernels the Lloyd iteration (kmeans_lloyd.c) shares;
 * dense float32 / float64 rows or CSR.
 *
 * Every pass over the data is one OpenMP loop over tiles of 4 rows: a register-blocked
 * micro-kernel gives the tile's dot products with all k centres (x.c, the GEMM of the
 * ||x||^2 - 2 x.c + ||c||^2 expansion), and the same thread turns them into labels and
 * distances while the rows are in cache, so X is read once per pass and no BLAS call alternates
 * with our threads (under load that ping-pong cost 10x). CSR rows compute their dot products
 * from the centres transposed [d, k]. Results are reduced in a fixed order.
 */
#include "internal.h"
#include "tide/cluster.h"
#include "kmeans_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---------------------------------------------------------------- data views */


int km_data_init(const char *op, const tide_tensor *x, const tide_csr *xs, kdata *D) {
    memset(D, 0, sizeof *D);
    if ((x == NULL) == (xs == NULL)) return TIDE_FAIL("%s: give exactly one of a dense tensor and a CSR matrix", op);
    if (x) {
        if (x->ndim != 2) return TIDE_FAIL("%s: data must be a 2-d tensor [n, d], got %d dims", op, x->ndim);
        if (x->dtype != TIDE_FLOAT32 && x->dtype != TIDE_FLOAT64)
            return TIDE_FAIL("%s: data must be float32 or float64, got %s", op, tide_dtype_name(x->dtype));
        if (!tide_tensor_is_contiguous(x)) return TIDE_FAIL("%s: data must be contiguous", op);
        D->n = x->shape[0];
        D->d = x->shape[1];
        D->dtype = x->dtype;
        if (x->dtype == TIDE_FLOAT32)
            D->xf = (const float *)tide_elem_ptr(x);
        else
            D->xd = (const double *)tide_elem_ptr(x);
    } else {
        if (tide_csr_check(xs, op) != 0) return -1;
        D->n = xs->rows;
        D->d = xs->cols;
        D->dtype = TIDE_FLOAT64;
        D->xs = xs;
    }
    if (D->n < 1 || D->d < 1) return TIDE_FAIL("%s: the data is empty ([%lld, %lld])", op, (long long)D->n, (long long)D->d);
    return 0;
}

/* centres: contiguous [k, d] of the data's dtype; returns k or -1 */
int64_t km_check_centers(const char *op, const kdata *D, const tide_tensor *c) {
    if (!c) return TIDE_FAIL("%s: centers is NULL", op), -1;
    if (c->ndim != 2 || c->shape[1] != D->d || c->shape[0] < 1) {
        char buf[TIDE_SHAPE_BUFSZ];
        TIDE_FAIL("%s: centers must be [k, %lld] with k >= 1, got %s", op, (long long)D->d,
                  tide_shape_str(c->ndim, c->shape, buf, sizeof buf));
        return -1;
    }
    if (c->dtype != D->dtype || !tide_tensor_is_contiguous(c)) {
        TIDE_FAIL("%s: centers must be a contiguous %s tensor", op, tide_dtype_name(D->dtype));
        return -1;
    }
    return c->shape[0];
}

int km_check_labels(const char *op, const tide_tensor *l, int64_t n) {
    if (!l || l->ndim != 1 || l->shape[0] != n || l->dtype != TIDE_INT64 || !tide_tensor_is_contiguous(l))
        return TIDE_FAIL("%s: labels must be a contiguous int64 tensor [%lld]", op, (long long)n);
    return 0;
}

void km_load_centers(const kdata *D, const tide_tensor *c, int64_t k, double *cd) {
    int64_t m = k * D->d;
    if (D->dtype == TIDE_FLOAT32) {
        const float *p = (const float *)tide_elem_ptr(c);
        for (int64_t i = 0; i < m; i++) cd[i] = p[i];
    } else
        memcpy(cd, tide_elem_ptr(c), (size_t)m * sizeof(double));
}

void km_store_centers(const kdata *D, const double *cd, int64_t k, tide_tensor *c) {
    int64_t m = k * D->d;
    if (D->dtype == TIDE_FLOAT32) {
        float *p = (float *)tide_elem_ptr(c);
        for (int64_t i = 0; i < m; i++) p[i] = (float)cd[i];
    } else
        memcpy(tide_elem_ptr(c), cd, (size_t)m * sizeof(double));
}

/* row i of the data as doubles: out [d] */
void km_row_dense(const kdata *D, int64_t i, double *out) {
    int64_t d = D->d;
    if (D->xs) {
        memset(out, 0, (size_t)d * sizeof(double));
        for (int64_t p = D->xs->indptr[i]; p < D->xs->indptr[i + 1]; p++) out[D->xs->indices[p]] = D->xs->data[p];
    } else if (D->xf) {
        for (int64_t j = 0; j < d; j++) out[j] = D->xf[i * d + j];
    } else
        memcpy(out, D->xd + i * d, (size_t)d * sizeof(double));
}

/* ||x_i - c||^2, computed directly (no expansion) for dense rows */
TIDE_HOT double km_row_sqdist(const kdata *D, int64_t i, const double *c, double c_sq) {
    int64_t d = D->d;
    double s = 0;
    if (D->xs) { /* ||x||^2 - 2 x.c + ||c||^2 over the stored values */
        double xx = 0, xc = 0;
        for (int64_t p = D->xs->indptr[i]; p < D->xs->indptr[i + 1]; p++) {
            double v = D->xs->data[p];
            xx += v * v;
            xc += v * c[D->xs->indices[p]];
        }
        s = xx - 2 * xc + c_sq;
        return s > 0 ? s : 0;
    }
    if (D->xf) {
        const float *x = D->xf + i * d;
        for (int64_t j = 0; j < d; j++) {
            double t = x[j] - c[j];
            s += t * t;
        }
    } else {
        const double *x = D->xd + i * d;
        for (int64_t j = 0; j < d; j++) {
            double t = x[j] - c[j];
            s += t * t;
        }
    }
    return s;
}

void km_center_norms(const double *cd, int64_t k, int64_t d, double *cn) {
    for (int64_t c = 0; c < k; c++) {
        double s = 0;
        for (int64_t j = 0; j < d; j++) s += cd[c * d + j] * cd[c * d + j];
        cn[c] = s;
    }
}

/* ---------------------------------------------------------------- the fused pass */

/* What a pass computes for each row from its dot products with the k centres. */
enum pass_mode {
    PASS_ASSIGN, /* labels[i] = argmin_c cn[c] - 2 x.c (ties: the lowest c) */
    PASS_SQDIST, /* out[i, c] = max(x_sq[i] - 2 x.c + cn[c], 0) */
    PASS_DIST,   /* out[i, c] = sqrt of the same */
};

typedef struct pass {
    int mode;
    const double *cd; /* centres [k, d] */
    const double *cn; /* their squared norms [k] */
    int64_t k;
    const double *x_sq; /* PASS_*DIST: squared row norms [n] */
    int64_t *labels;    /* PASS_ASSIGN */
    double *out;        /* PASS_*DIST: [n, k] */
} pass;

void km_scratch_free(scratch *s) {
    free(s->cf);
    free(s->ct);
    free(s->dots);
    memset(s, 0, sizeof *s);
}

int km_scratch_init(const char *op, const kdata *D, int64_t k, scratch *s) {
    memset(s, 0, sizeof *s);
    s->nthreads = tide_get_num_threads();
    s->dots = malloc((size_t)s->nthreads * (size_t)(TILE * k) * sizeof(double));
    bool ok = s->dots != NULL;
    if (D->xs) {
        s->ct = malloc((size_t)(D->d * k) * sizeof(double));
        ok = ok && s->ct;
    } else if (D->xf) {
        s->cf = malloc((size_t)(k * D->d) * sizeof(float));
        ok = ok && s->cf;
    }
    if (!ok) {
        km_scratch_free(s);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
    return 0;
}

/* Dot products of TILE rows with every centre: dots [TILE, k], dots[r * k + c] = x_r . c_c.
 * xr: TILE row pointers (a short tile repeats its last row); cen [k, d]. Two centres at a time
 * against the four rows: 8 vector accumulators, each centre and row vector loaded once per
 * step. Float32 data accumulate in float32, as sgemm would. */
typedef double v4d __attribute__((vector_size(32)));
typedef float v8f __attribute__((vector_size(32)));

#define DOTS_TILE(NAME, T, V, W)                                                                                       \
    static TIDE_HOT void NAME(const T *const *xr, const T *cen, int64_t k, int64_t d, double *dots) {                 \
        int64_t dv = d - d % W;                                                                                        \
        for (int64_t c = 0; c < k; c += 2) {                                                                           \
            const T *u = cen + c * d, *v = cen + (c + 1 < k ? c + 1 : c) * d;                                          \
            V a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};                         \
            for (int64_t j = 0; j < dv; j += W) {                                                                      \
                V cu, cv, x;                                                                                           \
                memcpy(&cu, u + j, sizeof cu);                                                                         \
                memcpy(&cv, v + j, sizeof cv);                                                                         \
                memcpy(&x, xr[0] + j, sizeof x);                                                                       \
                a0 += x * cu, b0 += x * cv;                                                                            \
                memcpy(&x, xr[1] + j, sizeof x);                                                                       \
                a1 += x * cu, b1 += x * cv;                                                                            \
                memcpy(&x, xr[2] + j, sizeof x);                                                                       \
                a2 += x * cu, b2 += x * cv;                                                                            \
                memcpy(&x, xr[3] + j, sizeof x);                                                                       \
                a3 += x * cu, b3 += x * cv;                                                                            \
            }                                                                                                          \
            V *acc[8] = {&a0, &a1, &a2, &a3, &b0, &b1, &b2, &b3};                                                      \
            for (int r = 0; r < 8; r++) {                                                                              \
                const T *x = xr[r & 3], *cc = r < 4 ? u : v;                                                           \
                T s = 0;                                                                                               \
                for (int l = 0; l < W; l++) s += (*acc[r])[l];                                                         \
                for (int64_t j = dv; j < d; j++) s += x[j] * cc[j];                                                    \
                if (r < 4)                                                                                             \
                    dots[(r & 3) * k + c] = s;                                                                         \
                else if (c + 1 < k)                                                                                    \
                    dots[(r & 3) * k + c + 1] = s;                                                                     \
            }                                                                                                          \
        }                                                                                                              \
    }
DOTS_TILE(dots_tile_f64, double, v4d, 4)
DOTS_TILE(dots_tile_f32, float, v8f, 8)

/* The per-row step of a pass; dots [k] = x_i . c for every centre. */
static inline void row_step(const pass *P, int64_t i, const double *dots) {
    int64_t k = P->k;
    if (P->mode == PASS_ASSIGN) {
        int64_t best = 0;
        double bd = INFINITY;
        for (int64_t c = 0; c < k; c++) {
            double v = P->cn[c] - 2 * dots[c];
            if (v < bd) { bd = v; best = c; }
        }
        P->labels[i] = best;
    } else {
        double *o = P->out + i * k;
        for (int64_t c = 0; c < k; c++) {
            double v = P->x_sq[i] - 2 * dots[c] + P->cn[c];
            if (v < 0) v = 0;
            o[c] = P->mode == PASS_DIST ? sqrt(v) : v;
        }
    }
}

void km_prepare_centers(const kdata *D, const scratch *s, const double *cd, int64_t k) {
    int64_t d = D->d;
    if (D->xs) {
        for (int64_t j = 0; j < d; j++)
            for (int64_t c = 0; c < k; c++) s->ct[j * k + c] = cd[c * d + j];
    } else if (D->xf) {
        for (int64_t m = 0; m < k * d; m++) s->cf[m] = (float)cd[m];
    }
}

void km_tile_dots(const kdata *D, const scratch *s, const double *cd, int64_t k, const int64_t *rows, int cnt,
                  double *dots) {
    int64_t d = D->d;
    if (D->xs) {
        for (int r = 0; r < cnt; r++) {
            double *o = dots + r * k;
            for (int64_t c = 0; c < k; c++) o[c] = 0;
            for (int64_t p = D->xs->indptr[rows[r]]; p < D->xs->indptr[rows[r] + 1]; p++) {
                double v = D->xs->data[p];
                const double *ctj = s->ct + (int64_t)D->xs->indices[p] * k;
                for (int64_t c = 0; c < k; c++) o[c] += v * ctj[c];
            }
        }
    } else if (D->xf) {
        const float *xr[TILE];
        for (int r = 0; r < TILE; r++) xr[r] = D->xf + rows[r < cnt ? r : cnt - 1] * d;
        dots_tile_f32(xr, s->cf, k, d, dots);
    } else {
        const double *xr[TILE];
        for (int r = 0; r < TILE; r++) xr[r] = D->xd + rows[r < cnt ? r : cnt - 1] * d;
        dots_tile_f64(xr, cd, k, d, dots);
    }
}

/* Run a pass over all rows: one OpenMP region, each thread walking tiles of TILE rows. */
static void run_pass(const pass *P, const kdata *D, scratch *s) {
    int64_t n = D->n, k = P->k;
    km_prepare_centers(D, s, P->cd, k);
    int64_t per_row = D->xs ? 1 + D->xs->nnz / n : D->d;
    int nt = tide_threads_for(n * per_row * (1 + k / 4));
    if (nt > s->nthreads) nt = s->nthreads;
    int64_t ntiles = (n + TILE - 1) / TILE;
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t t = 0; t < ntiles; t++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        double *dots = s->dots + (size_t)tid * (size_t)(TILE * k);
        int64_t rows[TILE];
        int cnt = 0;
        for (int64_t i = t * TILE; i < n && cnt < TILE; i++) rows[cnt++] = i;
        km_tile_dots(D, s, P->cd, k, rows, cnt, dots);
        for (int r = 0; r < cnt; r++) row_step(P, rows[r], dots + r * k);
    }
}

/* ---------------------------------------------------------------- random draws */

/* Counter-based: the bits for (seed, counter) are a hash of both (splitmix64's finaliser). */
static uint64_t draw_bits(uint64_t seed, uint64_t ctr) {
    uint64_t z = seed * 0x9E3779B97F4A7C15ull + ctr * 0xD1B54A32D192ED03ull + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double draw_unit(uint64_t seed, uint64_t ctr) { return (double)(draw_bits(seed, ctr) >> 11) * 0x1.0p-53; }
static int64_t draw_below(uint64_t seed, uint64_t ctr, int64_t n) {
    return (int64_t)(((unsigned __int128)draw_bits(seed, ctr) * (uint64_t)n) >> 64);
}

/* ---------------------------------------------------------------- public entry points */

int tide_kmeans_row_norms(const tide_tensor *x, const tide_csr *xs, double *out) {
    const char *op = "kmeans_row_norms";
    kdata D;
    if (km_data_init(op, x, xs, &D) != 0) return -1;
    if (!out) return TIDE_FAIL("%s: out is NULL", op);
    int64_t n = D.n, d = D.d;
    int nt = tide_threads_for(D.xs ? D.xs->nnz : n * d);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        if (D.xs) {
            for (int64_t p = D.xs->indptr[i]; p < D.xs->indptr[i + 1]; p++) s += D.xs->data[p] * D.xs->data[p];
        } else if (D.xf) {
            for (int64_t j = 0; j < d; j++) s += (double)D.xf[i * d + j] * D.xf[i * d + j];
        } else {
            for (int64_t j = 0; j < d; j++) s += D.xd[i * d + j] * D.xd[i * d + j];
        }
        out[i] = s;
    }
    return 0;
}

int tide_kmeans_plusplus(const tide_tensor *x, const tide_csr *xs, const double *x_sq_norms, tide_tensor *centers,
                         int64_t *indices, int64_t n_local_trials, uint64_t seed) {
    const char *op = "kmeans_plusplus";
    kdata D;
    if (km_data_init(op, x, xs, &D) != 0) return -1;
    int64_t k = km_check_centers(op, &D, centers);
    if (k < 0) return -1;
    if (!x_sq_norms) return TIDE_FAIL("%s: x_sq_norms is NULL", op);
    if (k > D.n) return TIDE_FAIL("%s: %lld clusters but only %lld samples", op, (long long)k, (long long)D.n);
    if (n_local_trials < 1) return TIDE_FAIL("%s: n_local_trials must be >= 1, got %lld", op, (long long)n_local_trials);
    int64_t n = D.n, d = D.d, l = n_local_trials;
    double *cd = malloc((size_t)(k * d) * sizeof(double));
    double *cand = malloc((size_t)(l * d) * sizeof(double));
    double *cn = malloc((size_t)l * sizeof(double));
    double *dist = malloc((size_t)(n * l) * sizeof(double)); /* [n, l] squared distances to the candidates */
    double *closest = malloc((size_t)n * sizeof(double));
    double *cum = malloc((size_t)n * sizeof(double));
    double *pot = malloc((size_t)l * sizeof(double));
    int64_t *ids = malloc((size_t)l * sizeof(int64_t));
    scratch s;
    int status = 0;
    bool have_scratch = false;
    if (!cd || !cand || !cn || !dist || !closest || !cum || !pot || !ids) {
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    if (km_scratch_init(op, &D, l, &s) != 0) {
        status = -1;
        goto done;
    }
    have_scratch = true;
    uint64_t ctr = 0;
    int64_t first = draw_below(seed, ctr++, n);
    km_row_dense(&D, first, cd);
    if (indices) indices[0] = first;
    /* distances to the first centre */
    km_center_norms(cd, 1, d, cn);
    pass P = {.mode = PASS_SQDIST, .cd = cd, .cn = cn, .k = 1, .x_sq = x_sq_norms, .out = closest};
    run_pass(&P, &D, &s);
    double current = 0;
    for (int64_t i = 0; i < n; i++) current += closest[i];
    for (int64_t c = 1; c < k; c++) {
        /* l candidates drawn proportionally to closest (searchsorted on the running sum) */
        double run = 0;
        for (int64_t i = 0; i < n; i++) cum[i] = run += closest[i];
        for (int64_t t = 0; t < l; t++) {
            double r = draw_unit(seed, ctr++) * current;
            int64_t lo = 0, hi = n; /* first i with cum[i] >= r */
            while (lo < hi) {
                int64_t mid = lo + (hi - lo) / 2;
                if (cum[mid] < r) lo = mid + 1; else hi = mid;
            }
            ids[t] = lo < n ? lo : n - 1;
            km_row_dense(&D, ids[t], cand + t * d);
        }
        km_center_norms(cand, l, d, cn);
        pass Q = {.mode = PASS_SQDIST, .cd = cand, .cn = cn, .k = l, .x_sq = x_sq_norms, .out = dist};
        run_pass(&Q, &D, &s);
        /* potential of each candidate: sum_i min(closest_i, dist_i) */
        for (int64_t t = 0; t < l; t++) pot[t] = 0;
        for (int64_t i = 0; i < n; i++)
            for (int64_t t = 0; t < l; t++) {
                double v = dist[i * l + t];
                pot[t] += v < closest[i] ? v : closest[i];
            }
        int64_t best = 0;
        for (int64_t t = 1; t < l; t++)
            if (pot[t] < pot[best]) best = t;
        current = pot[best];
        for (int64_t i = 0; i < n; i++) {
            double v = dist[i * l + best];
            if (v < closest[i]) closest[i] = v;
        }
        memcpy(cd + c * d, cand + best * d, (size_t)d * sizeof(double));
        if (indices) indices[c] = ids[best];
    }
    km_store_centers(&D, cd, k, centers);
done:
    if (have_scratch) km_scratch_free(&s);
    free(cd);
    free(cand);
    free(cn);
    free(dist);
    free(closest);
    free(cum);
    free(pot);
    free(ids);
    return status;
}

int tide_kmeans_random(const tide_tensor *x, const tide_csr *xs, tide_tensor *centers, int64_t *indices,
                       uint64_t seed) {
    const char *op = "kmeans_random";
    kdata D;
    if (km_data_init(op, x, xs, &D) != 0) return -1;
    int64_t k = km_check_centers(op, &D, centers);
    if (k < 0) return -1;
    if (k > D.n) return TIDE_FAIL("%s: %lld clusters but only %lld samples", op, (long long)k, (long long)D.n);
    int64_t n = D.n, d = D.d;
    int64_t *perm = malloc((size_t)n * sizeof(int64_t));
    double *cd = malloc((size_t)(k * d) * sizeof(double));
    if (!perm || !cd) {
        free(perm);
        free(cd);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    for (int64_t c = 0; c < k; c++) { /* the first k steps of a Fisher-Yates shuffle */
        int64_t j = c + draw_below(seed, (uint64_t)c, n - c);
        int64_t t = perm[c];
        perm[c] = perm[j];
        perm[j] = t;
        km_row_dense(&D, perm[c], cd + c * d);
        if (indices) indices[c] = perm[c];
    }
    km_store_centers(&D, cd, k, centers);
    free(perm);
    free(cd);
    return 0;
}

/* Weighted sum of squared distances of each point to its labelled centre; fixed-size row
 * chunks summed in order, so the total does not depend on the thread count. */
#define INERTIA_CHUNK 4096
double km_inertia(const kdata *D, const double *w, const double *cd, const double *cn, const int64_t *labels) {
    int64_t n = D->n, nchunks = (n + INERTIA_CHUNK - 1) / INERTIA_CHUNK;
    double part_small[64], *part = nchunks <= 64 ? part_small : malloc((size_t)nchunks * sizeof(double));
    if (!part) part = part_small, nchunks = 0; /* fall back to one serial sum below */
    if (nchunks == 0) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += (w ? w[i] : 1.0) * km_row_sqdist(D, i, cd + labels[i] * D->d, cn[labels[i]]);
        return s;
    }
    int nt = tide_threads_for(n * (D->xs ? 1 + D->xs->nnz / n : D->d));
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t b = 0; b < nchunks; b++) {
        int64_t i1 = (b + 1) * INERTIA_CHUNK < n ? (b + 1) * INERTIA_CHUNK : n;
        double s = 0;
        for (int64_t i = b * INERTIA_CHUNK; i < i1; i++)
            s += (w ? w[i] : 1.0) * km_row_sqdist(D, i, cd + labels[i] * D->d, cn[labels[i]]);
        part[b] = s;
    }
    double total = 0;
    for (int64_t b = 0; b < nchunks; b++) total += part[b];
    if (part != part_small) free(part);
    return total;
}

int tide_kmeans_predict(const tide_tensor *x, const tide_csr *xs, const double *sample_weight,
                        const tide_tensor *centers, tide_tensor *labels, double *inertia) {
    const char *op = "kmeans_predict";
    kdata D;
    if (km_data_init(op, x, xs, &D) != 0) return -1;
    int64_t k = km_check_centers(op, &D, centers);
    if (k < 0) return -1;
    if (labels && km_check_labels(op, labels, D.n) != 0) return -1;
    int64_t *lab = labels ? (int64_t *)tide_elem_ptr(labels) : malloc((size_t)D.n * sizeof(int64_t));
    double *cd = malloc((size_t)(k * D.d) * sizeof(double)), *cn = malloc((size_t)k * sizeof(double));
    scratch s;
    int status = 0;
    if (!lab || !cd || !cn) {
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    if (km_scratch_init(op, &D, k, &s) != 0) {
        status = -1;
        goto done;
    }
    km_load_centers(&D, centers, k, cd);
    km_center_norms(cd, k, D.d, cn);
    pass P = {.mode = PASS_ASSIGN, .cd = cd, .cn = cn, .k = k, .labels = lab};
    run_pass(&P, &D, &s);
    km_scratch_free(&s);
    if (inertia) *inertia = km_inertia(&D, sample_weight, cd, cn, lab);
done:
    if (!labels) free(lab);
    free(cd);
    free(cn);
    return status;
}

int tide_kmeans_transform(const tide_tensor *x, const tide_csr *xs, const tide_tensor *centers, tide_tensor *out) {
    const char *op = "kmeans_transform";
    kdata D;
    if (km_data_init(op, x, xs, &D) != 0) return -1;
    int64_t k = km_check_centers(op, &D, centers);
    if (k < 0) return -1;
    if (!out || out->ndim != 2 || out->shape[0] != D.n || out->shape[1] != k || out->dtype != TIDE_FLOAT64 ||
        !tide_tensor_is_contiguous(out))
        return TIDE_FAIL("%s: out must be a contiguous float64 tensor [%lld, %lld]", op, (long long)D.n, (long long)k);
    double *cd = malloc((size_t)(k * D.d) * sizeof(double)), *cn = malloc((size_t)k * sizeof(double));
    double *x_sq = malloc((size_t)D.n * sizeof(double));
    scratch s;
    int status = 0;
    if (!cd || !cn || !x_sq) {
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    if (km_scratch_init(op, &D, k, &s) != 0) {
        status = -1;
        goto done;
    }
    tide_kmeans_row_norms(x, xs, x_sq);
    km_load_centers(&D, centers, k, cd);
    km_center_norms(cd, k, D.d, cn);
    pass P = {.mode = PASS_DIST, .cd = cd, .cn = cn, .k = k, .x_sq = x_sq, .out = (double *)tide_elem_ptr(out)};
    run_pass(&P, &D, &s);
    km_scratch_free(&s);
done:
    free(cd);
    free(cn);
    free(x_sq);
    return status;
}

int tide_kmeans_same_clustering(const tide_tensor *a, const tide_tensor *b, int64_t k) {
    const char *op = "kmeans_same_clustering";
    if (!a || a->ndim != 1 || km_check_labels(op, a, a->shape[0]) != 0 || km_check_labels(op, b, a->shape[0]) != 0) {
        TIDE_FAIL("%s: expected two contiguous int64 tensors [n] of the same length", op);
        return -1;
    }
    if (k < 1) return TIDE_FAIL("%s: k must be >= 1", op), -1;
    const int64_t *la = (const int64_t *)tide_elem_ptr(a), *lb = (const int64_t *)tide_elem_ptr(b);
    int64_t *map = malloc((size_t)k * sizeof(int64_t));
    if (!map) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op), -1;
    for (int64_t c = 0; c < k; c++) map[c] = -1;
    int same = 1;
    for (int64_t i = 0; i < a->shape[0] && same; i++) {
        if (la[i] < 0 || la[i] >= k || lb[i] < 0 || lb[i] >= k) {
            free(map);
            TIDE_FAIL("%s: label out of range [0, %lld)", op, (long long)k);
            return -1;
        }
        if (map[la[i]] < 0)
            map[la[i]] = lb[i];
        else if (map[la[i]] != lb[i])
            same = 0;
    }
    free(map);
    return same;
}
