/* logistic_dense.c — the loss + gradient of a dense float64 X in ONE pass over X, for few classes
 * (k <= LR_FUSED_MAX_K): each thread takes blocks of 4 rows and, while they sit in L1,
 *   1. scores  z [4, k] = x [4, d] W^T + b   (W^T [d, kp]: class-minor, kp = k rounded up to 4),
 *   2. the pointwise loss and dloss/dz (lr_row_grad),
 *   3. G_t^T [d, kp] += x [4, d]^T r [4, kp]  (G_t: the thread's partial sum),
 * and the partial sums (one per part of the rows, whichever thread runs it) are added in a fixed
 * order at the end. With classes innermost, one x value
 * (broadcast) meets kp / 4 vectors of W^T or G^T, which stay in registers across the 4 rows:
 * ~0.6 memory operations per FMA. With k ~ 10, two BLAS calls (X W^T, then R^T X) are bound by
 * reading X twice, and OpenBLAS packs the skinny operand on every call; this reads X once.
 */
#include "logistic_internal.h"

#include <stdlib.h>
#include <string.h>

/* v4d values only pass between always-inlined helpers (also at -O0: called out of line from an
 * AVX clone, a helper compiled for the default target would return v4d by another ABI), so the
 * note about AVX vector returns is moot */
#pragma GCC diagnostic ignored "-Wpsabi"
#define LR_INLINE static inline __attribute__((always_inline))

typedef double v4d __attribute__((vector_size(32)));

/* Like TIDE_HOT, with FMA: the avx2 clone of TIDE_HOT has no FMA (-mavx2 does not imply it), and
 * this kernel is all multiply-adds. x86-64-v3 = AVX2 + FMA, x86-64-v4 adds AVX-512. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(TIDE_NO_CLONES)
#define LR_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LR_HOT
#endif

LR_INLINE v4d ld4(const double *p) {
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}
LR_INLINE void st4(double *p, v4d v) { memcpy(p, &v, sizeof v); }
LR_INLINE v4d bc4(double a) { return (v4d){a, a, a, a}; }

/* Rows [i0, i1) -> rowloss, GT [d + 1, kp] += gradient (row d: the intercepts'). KV = kp / 4 is
 * a constant after inlining and the loops over it are unrolled, so the 4 x KV accumulators live in
 * registers (without the unrolling GCC kept them on the stack: 1.6x slower on Fashion-MNIST). */
LR_INLINE void fused_block(const lr_problem *P, const double *WT, const double *bias, int64_t i0, int64_t i1,
                           double *rowloss, double *GT, const int KV) {
    int64_t d = P->d, k = P->k, kp = 4 * KV;
    double z[4 * LR_FUSED_MAX_K];
    for (int64_t i = i0; i < i1; i += 4) {
        int nr = i1 - i < 4 ? (int)(i1 - i) : 4;
        const double *x0 = P->x + i * d, *x1 = nr > 1 ? x0 + d : x0, *x2 = nr > 2 ? x0 + 2 * d : x0,
                     *x3 = nr > 3 ? x0 + 3 * d : x0;
        v4d a0[4], a1[4], a2[4], a3[4];
        #pragma GCC unroll 4
        for (int v = 0; v < KV; v++) a0[v] = a1[v] = a2[v] = a3[v] = ld4(bias + 4 * v);
        for (int64_t j = 0; j < d; j++) {
            const double *w = WT + j * kp;
            v4d b0 = bc4(x0[j]), b1 = bc4(x1[j]), b2 = bc4(x2[j]), b3 = bc4(x3[j]);
            #pragma GCC unroll 4
            for (int v = 0; v < KV; v++) {
                v4d u = ld4(w + 4 * v);
                a0[v] += b0 * u;
                a1[v] += b1 * u;
                a2[v] += b2 * u;
                a3[v] += b3 * u;
            }
        }
        #pragma GCC unroll 4
        for (int v = 0; v < KV; v++) {
            st4(z + 4 * v, a0[v]);
            st4(z + kp + 4 * v, a1[v]);
            st4(z + 2 * kp + 4 * v, a2[v]);
            st4(z + 3 * kp + 4 * v, a3[v]);
        }
        for (int r = 0; r < 4; r++) {
            double *zr = z + r * kp;
            if (r < nr)
                rowloss[i + r] = lr_row_grad(P, i + r, zr);
            for (int64_t q = r < nr ? k : 0; q < kp; q++) zr[q] = 0; /* padding: no gradient */
        }
        #pragma GCC unroll 4
        for (int v = 0; v < KV; v++) {
            a0[v] = ld4(z + 4 * v);
            a1[v] = ld4(z + kp + 4 * v);
            a2[v] = ld4(z + 2 * kp + 4 * v);
            a3[v] = ld4(z + 3 * kp + 4 * v);
        }
        for (int64_t j = 0; j < d; j++) {
            double *g = GT + j * kp;
            v4d b0 = bc4(x0[j]), b1 = bc4(x1[j]), b2 = bc4(x2[j]), b3 = bc4(x3[j]);
            #pragma GCC unroll 4
            for (int v = 0; v < KV; v++)
                st4(g + 4 * v, ld4(g + 4 * v) + b0 * a0[v] + b1 * a1[v] + b2 * a2[v] + b3 * a3[v]);
        }
        double *gb = GT + d * kp;
        #pragma GCC unroll 4
        for (int v = 0; v < KV; v++) st4(gb + 4 * v, ld4(gb + 4 * v) + a0[v] + a1[v] + a2[v] + a3[v]);
    }
}

static LR_HOT void fused_rows(const lr_problem *P, const double *WT, const double *bias, int64_t i0, int64_t i1,
                                double *rowloss, double *GT, int KV) {
    switch (KV) {
    case 1: fused_block(P, WT, bias, i0, i1, rowloss, GT, 1); break;
    case 2: fused_block(P, WT, bias, i0, i1, rowloss, GT, 2); break;
    case 3: fused_block(P, WT, bias, i0, i1, rowloss, GT, 3); break;
    default: fused_block(P, WT, bias, i0, i1, rowloss, GT, 4); break;
    }
}

/* The rows are split into a number of parts that depends on n only, each with its own gradient
 * buffer, folded in part order: the result is the same for any thread count. */
static int64_t fused_parts(const lr_problem *P) {
    int64_t parts = P->n / 1024;
    return parts < 1 ? 1 : parts > 8 ? 8 : parts;
}

int64_t lr_fused_scratch(const lr_problem *P) {
    int64_t kp = (P->k + 3) / 4 * 4;
    return (fused_parts(P) + 1) * (P->d + 1) * kp;
}

void lr_fused_dense(const lr_problem *P, const double *coef, double *rowloss, double *grad, double *part) {
    int64_t n = P->n, d = P->d, k = P->k, ldw = P->ldw, kp = (k + 3) / 4 * 4, np = fused_parts(P);
    int KV = (int)(kp / 4);
    /* part: W^T [d + 1, kp] (row d: the intercepts), then per part G^T [d + 1, kp] */
    double *WT = part, *parts = part + (d + 1) * kp;
    memset(part, 0, (size_t)lr_fused_scratch(P) * sizeof(double));
    for (int64_t c = 0; c < k; c++) {
        for (int64_t j = 0; j < d; j++) WT[j * kp + c] = coef[c * ldw + j];
        if (P->fi) WT[d * kp + c] = coef[c * ldw + d];
    }
    int64_t per = ((n + np - 1) / np + 3) / 4 * 4; /* rows per part, a multiple of 4 */
    int nt = tide_threads_for(n * d * k / 4);
    if (nt > np) nt = (int)np;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
    for (int64_t t = 0; t < np; t++) {
        int64_t i0 = t * per, i1 = i0 + per < n ? i0 + per : n;
        if (i0 < i1) fused_rows(P, WT, WT + d * kp, i0, i1, rowloss, parts + t * (d + 1) * kp, KV);
    }
    for (int64_t t = 1; t < np; t++) { /* fold the partial sums into part 0, in part order */
        const double *Gt = parts + t * (d + 1) * kp;
        for (int64_t j = 0; j < (d + 1) * kp; j++) parts[j] += Gt[j];
    }
    for (int64_t c = 0; c < k; c++) {
        double *g = grad + c * ldw;
        for (int64_t j = 0; j < d; j++) g[j] = parts[j * kp + c];
        if (P->fi) g[d] = parts[d * kp + c];
    }
}
