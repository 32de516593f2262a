/* logistic_dense.c — the loss + gradient of a dense float64 X in ONE pass over X, for few classes
 * (k <= LR_FUSED_MAX_K): each thread takes blocks of 4 rows and, while they sit in L1,
 *   1. scores  z [4, k] = x [4, d] W^T + b          (W = coef [k, ldw], read from L2),
 *   2. the pointwise loss and dloss/dz (lr_row_*),
 *   3. gradient G_t [k, d] += r [4, k]^T x [4, d]    (G_t: the thread's partial sum),
 * and the partial sums are added in thread order at the end. With k ~ 10, two BLAS calls
 * (X W^T, then R^T X) are bound by reading X twice from memory, and OpenBLAS packs the skinny
 * operand on every call; this reads X once and keeps W and G_t in cache.
 */
#include "logistic_internal.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* v4d values only pass between inlined helpers; the ABI note about AVX vector returns is moot */
#pragma GCC diagnostic ignored "-Wpsabi"

typedef double v4d __attribute__((vector_size(32)));

static inline v4d ld4(const double *p) {
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void st4(double *p, v4d v) { memcpy(p, &v, sizeof v); }
static inline double hsum4(v4d v) { return (v[0] + v[2]) + (v[1] + v[3]); }

/* z[r * k + c] (r < nr <= 4) = x_r . w_c for classes c in [c0, c0 + 2) (or 1 when single) */
static inline void dots_2(const double *const *x, int nr, const double *w0, const double *w1, int64_t d, double *z,
                          int64_t k, int64_t c0) {
    v4d a[4][2] = {{{0}}};
    int64_t j = 0;
    for (; j + 4 <= d; j += 4) {
        v4d u0 = ld4(w0 + j), u1 = ld4(w1 + j);
        for (int r = 0; r < 4; r++) { /* nr < 4 repeats a row: same work, no branch in the loop */
            v4d xv = ld4(x[r] + j);
            a[r][0] += xv * u0;
            a[r][1] += xv * u1;
        }
    }
    for (int r = 0; r < nr; r++) {
        double s0 = hsum4(a[r][0]), s1 = hsum4(a[r][1]);
        for (int64_t t = j; t < d; t++) {
            s0 += x[r][t] * w0[t];
            s1 += x[r][t] * w1[t];
        }
        z[r * k + c0] = s0;
        z[r * k + c0 + 1] = s1;
    }
}

static inline void dots_1(const double *const *x, int nr, const double *w0, int64_t d, double *z, int64_t k,
                          int64_t c0) {
    v4d a[4] = {{0}};
    int64_t j = 0;
    for (; j + 4 <= d; j += 4) {
        v4d u0 = ld4(w0 + j);
        for (int r = 0; r < 4; r++) a[r] += ld4(x[r] + j) * u0;
    }
    for (int r = 0; r < nr; r++) {
        double s0 = hsum4(a[r]);
        for (int64_t t = j; t < d; t++) s0 += x[r][t] * w0[t];
        z[r * k + c0] = s0;
    }
}

/* g [d] += sum_r rc[r] x_r (rc[r] = 0 for padding rows) */
static inline void axpy_rows(double *g, const double *const *x, const double *rc, int64_t d) {
    v4d c0 = {rc[0], rc[0], rc[0], rc[0]}, c1 = {rc[1], rc[1], rc[1], rc[1]};
    v4d c2 = {rc[2], rc[2], rc[2], rc[2]}, c3 = {rc[3], rc[3], rc[3], rc[3]};
    int64_t j = 0;
    for (; j + 4 <= d; j += 4)
        st4(g + j, ld4(g + j) + c0 * ld4(x[0] + j) + c1 * ld4(x[1] + j) + c2 * ld4(x[2] + j) + c3 * ld4(x[3] + j));
    for (; j < d; j++) g[j] += rc[0] * x[0][j] + rc[1] * x[1][j] + rc[2] * x[2][j] + rc[3] * x[3][j];
}

/* Rows [i0, i1) -> rowloss, G_t [k, d] += (partial gradient), gb [k] += intercept gradient. */
static TIDE_HOT void fused_rows(const lr_problem *P, const double *coef, int64_t i0, int64_t i1, double *rowloss,
                                double *Gt, double *gb) {
    int64_t d = P->d, k = P->k, ldw = P->ldw;
    double z[4 * LR_FUSED_MAX_K], rc[4];
    for (int64_t i = i0; i < i1; i += 4) {
        int nr = i1 - i < 4 ? (int)(i1 - i) : 4;
        const double *x[4];
        for (int r = 0; r < 4; r++) x[r] = P->x + (i + (r < nr ? r : 0)) * d;
        int64_t c = 0;
        for (; c + 2 <= k; c += 2) dots_2(x, nr, coef + c * ldw, coef + (c + 1) * ldw, d, z, k, c);
        if (c < k) dots_1(x, nr, coef + c * ldw, d, z, k, c);
        for (int r = 0; r < nr; r++) {
            double *zr = z + r * k;
            if (P->fi)
                for (int64_t q = 0; q < k; q++) zr[q] += coef[q * ldw + d];
            rowloss[i + r] = lr_row_grad(P, i + r, zr);
        }
        for (int64_t q = 0; q < k; q++) {
            for (int r = 0; r < 4; r++) rc[r] = r < nr ? z[r * k + q] : 0.0;
            axpy_rows(Gt + q * d, x, rc, d);
            gb[q] += rc[0] + rc[1] + rc[2] + rc[3];
        }
    }
}

void lr_fused_dense(const lr_problem *P, const double *coef, double *rowloss, double *grad, double *part, int nt) {
    int64_t n = P->n, d = P->d, k = P->k, ldw = P->ldw;
    memset(part, 0, (size_t)(nt * k * (d + 1)) * sizeof(double));
    int64_t per = ((n + nt - 1) / nt + 3) / 4 * 4; /* rows per part, a multiple of 4 */
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        /* part t covers rows [t * per, (t + 1) * per), whichever thread runs it */
        for (int t = omp_get_thread_num(); t < nt; t += omp_get_num_threads()) {
            int64_t i0 = t * per, i1 = i0 + per < n ? i0 + per : n;
            double *Gt = part + t * k * (d + 1);
            if (i0 < i1) fused_rows(P, coef, i0, i1, rowloss, Gt, Gt + k * d);
        }
    }
    for (int64_t c = 0; c < k; c++) {
        double *g = grad + c * ldw;
        memcpy(g, part + c * d, (size_t)d * sizeof(double));
        double b = part[k * d + c];
        for (int t = 1; t < nt; t++) {
            const double *Gt = part + t * k * (d + 1);
            for (int64_t j = 0; j < d; j++) g[j] += Gt[c * d + j];
            b += Gt[k * d + c];
        }
        if (P->fi) g[d] = b;
    }
}
