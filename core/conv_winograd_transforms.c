/* conv_winograd_transforms.c — the transforms of Winograd's F(2x2, 3x3) and F(4x4, 3x3) (Lavin &
 * Gray's matrices), on 16 channels per vector. For F(m x m, 3 x 3) with a = m + 2:
 *   kernels   U = G g G^T          G [a, 3]
 *   input     V = B^T d B          B^T [a, a], d an a x a input patch
 *   output    y = A^T M A          A^T [m, a]
 *   gradients dM = A dy A^T (dy an m x m tile of the output gradient), dg = G^T dU G
 * F(2x2):  G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *          B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  A^T = [1 1 1 0; 0 1 -1 -1]
 * F(4x4):  G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
 *          B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0;
 *                 0 4 0 -5 0 1]
 *          A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
 * Each 2-d transform is the 1-d one applied down the columns, then along the rows. F(2x2) is
 * exact on dyadic values; F(4x4) costs a few float32 roundings more (relative error ~1e-6 of
 * the output's scale against ~1e-7 for a direct sum).
 */
#include "conv_winograd.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* ---------------------------------------------------------------- 1-d transforms */

/* y (a values) = G x (3 values) */
static inline __attribute__((always_inline)) void g_mul(int m, vf *y, const vf *x) {
    if (m == 2) {
        y[0] = x[0];
        y[1] = 0.5f * (x[0] + x[1] + x[2]);
        y[2] = 0.5f * (x[0] - x[1] + x[2]);
        y[3] = x[2];
    } else {
        vf s02 = x[0] + x[2];
        y[0] = 0.25f * x[0];
        y[1] = (-1.0f / 6) * (s02 + x[1]);
        y[2] = (-1.0f / 6) * (s02 - x[1]);
        y[3] = (1.0f / 24) * x[0] + (1.0f / 12) * x[1] + (1.0f / 6) * x[2];
        y[4] = (1.0f / 24) * x[0] - (1.0f / 12) * x[1] + (1.0f / 6) * x[2];
        y[5] = x[2];
    }
}

/* y (3 values) = G^T x (a values) */
static inline __attribute__((always_inline)) void gt_mul(int m, vf *y, const vf *x) {
    if (m == 2) {
        y[0] = x[0] + 0.5f * (x[1] + x[2]);
        y[1] = 0.5f * (x[1] - x[2]);
        y[2] = 0.5f * (x[1] + x[2]) + x[3];
    } else {
        vf s12 = x[1] + x[2], d12 = x[2] - x[1], s34 = x[3] + x[4], d34 = x[3] - x[4];
        y[0] = 0.25f * x[0] - (1.0f / 6) * s12 + (1.0f / 24) * s34;
        y[1] = (1.0f / 6) * d12 + (1.0f / 12) * d34;
        y[2] = (-1.0f / 6) * s12 + (1.0f / 6) * s34 + x[5];
    }
}

/* y = B^T x */
static inline __attribute__((always_inline)) void bt(int m, vf *y, const vf *x) {
    if (m == 2) {
        y[0] = x[0] - x[2];
        y[1] = x[1] + x[2];
        y[2] = x[2] - x[1];
        y[3] = x[1] - x[3];
    } else {
        vf s12 = x[1] + x[2], d12 = x[1] - x[2], d42 = x[4] - x[2], d31 = x[3] - x[1];
        y[0] = 4 * x[0] - 5 * x[2] + x[4];
        y[1] = (x[3] + x[4]) - 4 * s12;
        y[2] = (x[4] - x[3]) + 4 * d12;
        y[3] = d42 + 2 * d31;
        y[4] = d42 - 2 * d31;
        y[5] = 4 * x[1] - 5 * x[3] + x[5];
    }
}

/* y (m values) = A^T x (a values) */
static inline __attribute__((always_inline)) void at(int m, vf *y, const vf *x) {
    if (m == 2) {
        y[0] = x[0] + x[1] + x[2];
        y[1] = x[1] - x[2] - x[3];
    } else {
        vf s12 = x[1] + x[2], d12 = x[1] - x[2], s34 = x[3] + x[4], d34 = x[3] - x[4];
        y[0] = x[0] + s12 + s34;
        y[1] = d12 + 2 * d34;
        y[2] = s12 + 4 * s34;
        y[3] = d12 + 8 * d34 + x[5];
    }
}

/* y (a values) = A p (m values) */
static inline __attribute__((always_inline)) void a_mul(int m, vf *y, const vf *p) {
    if (m == 2) {
        y[0] = p[0];
        y[1] = p[0] + p[1];
        y[2] = p[0] - p[1];
        y[3] = -p[1];
    } else {
        vf s02 = p[0] + p[2], s13 = p[1] + p[3], e02 = p[0] + 4 * p[2], e13 = 2 * p[1] + 8 * p[3];
        y[0] = p[0];
        y[1] = s02 + s13;
        y[2] = s02 - s13;
        y[3] = e02 + e13;
        y[4] = e02 - e13;
        y[5] = p[3];
    }
}

/* ---------------------------------------------------------------- kernels */

static inline __attribute__((always_inline)) void weight_tile(int m, const float *w, int64_t Cin, int64_t Cout,
                                                              int rot, int64_t c, int64_t o0, int64_t lanes, float *U,
                                                              int64_t Coutp) {
    const int a = m + 2;
    float gs[9][VL];
    memset(gs, 0, sizeof gs);
    for (int64_t l = 0; l < lanes; l++) {
        const float *k = rot ? w + (c * Cout + o0 + l) * 9 : w + ((o0 + l) * Cin + c) * 9;
        #pragma GCC unroll 6
        for (int i = 0; i < 9; i++) gs[i][l] = rot ? k[8 - i] : k[i]; /* rot180: (i, j) <- (2-i, 2-j) */
    }
    vf g[3][3], t[6][3], col[3], r[6];
    #pragma GCC unroll 6
    for (int i = 0; i < 3; i++)
        #pragma GCC unroll 6
        for (int j = 0; j < 3; j++) g[i][j] = VLOAD(gs[i * 3 + j]);
    #pragma GCC unroll 6
    for (int j = 0; j < 3; j++) { /* G g, column by column */
        #pragma GCC unroll 6
        for (int i = 0; i < 3; i++) col[i] = g[i][j];
        g_mul(m, r, col);
        #pragma GCC unroll 6
        for (int i = 0; i < a; i++) t[i][j] = r[i];
    }
    #pragma GCC unroll 6
    for (int i = 0; i < a; i++) { /* (G g) G^T, row by row */
        g_mul(m, r, t[i]);
        #pragma GCC unroll 6
        for (int l = 0; l < a; l++) VSTORE(U + ((i * a + l) * Cin + c) * Coutp + o0, r[l]);
    }
}

void wino_weight_transform(const float *w, int64_t Cin, int64_t Cout, int64_t Coutp, int rot, int m, float *U) {
    int nth = tide_threads_for(Cin * Cout * 64);
#pragma omp parallel for num_threads(nth) if (nth > 1)
    for (int64_t c = 0; c < Cin; c++)
        for (int64_t o0 = 0; o0 < Coutp; o0 += VL) {
            int64_t lanes = Cout - o0 < VL ? Cout - o0 : VL; /* the padded channels get zeros */
            if (m == 2)
                weight_tile(2, w, Cin, Cout, rot, c, o0, lanes, U, Coutp);
            else
                weight_tile(4, w, Cin, Cout, rot, c, o0, lanes, U, Coutp);
        }
}

static inline __attribute__((always_inline)) void input_tile(int m, const float *xb, int64_t Wp, float *v,
                                                             int64_t xs) { /* v: the tile's positions, xs apart */
    const int a = m + 2;
    vf d[6][6], e[6][6], col[6], r[6];
    #pragma GCC unroll 6
    for (int i = 0; i < a; i++)
        #pragma GCC unroll 6
        for (int j = 0; j < a; j++) d[i][j] = VLOAD(xb + (i * Wp + j) * VL);
    #pragma GCC unroll 6
    for (int j = 0; j < a; j++) { /* B^T d, column by column */
        #pragma GCC unroll 6
        for (int i = 0; i < a; i++) col[i] = d[i][j];
        bt(m, r, col);
        #pragma GCC unroll 6
        for (int i = 0; i < a; i++) e[i][j] = r[i];
    }
    #pragma GCC unroll 6
    for (int i = 0; i < a; i++) { /* (B^T d) B, row by row */
        bt(m, r, e[i]);
        #pragma GCC unroll 6
        for (int j = 0; j < a; j++) VSTORE(v + (i * a + j) * xs, r[j]);
    }
}

static TIDE_HOT void input_transform_m(const wgeom *q, const float *Xb, int64_t nty, float *V, int m) {
    int64_t rows = m * nty + 2, Wp = q->Wp, TW = q->TW, nt = nty * TW, Cinp = q->Cinp, per_tile = q->nx * Cinp;
    for (int64_t cb = 0; cb < Cinp / VL; cb++) {
        const float *xb = Xb + cb * rows * Wp * VL;
        for (int64_t ty = 0; ty < nty; ty++)
            for (int64_t tx = 0; tx < TW; tx++) {
                float *v = V + (ty * TW + tx) * per_tile + cb * VL;
                const float *p = xb + (m * ty * Wp + m * tx) * VL;
                if (m == 2)
                    input_tile(2, p, Wp, v, Cinp);
                else
                    input_tile(4, p, Wp, v, Cinp);
            }
    }
    memset(V + nt * per_tile, 0, sizeof(float) * (size_t)(R * per_tile)); /* the rows a last block reads past */
}

void wino_input_transform(const wgeom *q, const float *Xb, int64_t nty, float *V) {
    input_transform_m(q, Xb, nty, V, q->m);
}

static inline __attribute__((always_inline)) void output_tile(int m, const float *M, int64_t ms, vf bv, float *d,
                                                              int64_t OW, int nr, int nc) {
    const int a = m + 2;
    vf t[4][6], col[6], r[6];
    #pragma GCC unroll 6
    for (int j = 0; j < a; j++) { /* A^T M, column by column */
        #pragma GCC unroll 6
        for (int i = 0; i < a; i++) col[i] = VLOAD(M + (i * a + j) * ms);
        at(m, r, col);
        #pragma GCC unroll 6
        for (int i = 0; i < m; i++) t[i][j] = r[i];
    }
    #pragma GCC unroll 6
    for (int i = 0; i < m; i++) { /* (A^T M) A, row by row */
        if (i >= nr) break;
        at(m, r, t[i]);
        #pragma GCC unroll 6
        for (int j = 0; j < m; j++) {
            if (j >= nc) break;
            VSTORE(d + (i * OW + j) * VL, r[j] + bv);
        }
    }
}

static TIDE_HOT void output_transform_m(const wgeom *q, const float *Mloc, int64_t t0, int64_t nt, int64_t ty0,
                                        const float *biasp, float *Yb, int m) {
    int64_t Coutp = q->Coutp, OW = q->OW, ypos = m * q->band * OW;
    for (int64_t r = 0; r < nt; r++) {
        int64_t t = t0 + r, oy = m * (t / q->TW), ox = m * (t % q->TW);
        int64_t left_r = q->OH - m * ty0 - oy, left_c = OW - ox;
        int nr = left_r < m ? (int)left_r : m, nc = left_c < m ? (int)left_c : m;
        for (int64_t ob = 0; ob < Coutp; ob += VL) {
            const float *M = Mloc + r * Coutp + ob;
            float *d = Yb + ((ob / VL) * ypos + oy * OW + ox) * VL;
            if (m == 2)
                output_tile(2, M, R * Coutp, VLOAD(biasp + ob), d, OW, nr, nc);
            else
                output_tile(4, M, R * Coutp, VLOAD(biasp + ob), d, OW, nr, nc);
        }
    }
}

void wino_output_transform(const wgeom *q, const float *Mloc, int64_t t0, int64_t nt, int64_t ty0, const float *biasp,
                           float *Yb) {
    output_transform_m(q, Mloc, t0, nt, ty0, biasp, Yb, q->m);
}

static inline __attribute__((always_inline)) void grad_tile(int m, const float *p, int64_t cols, float *dm,
                                                            int64_t ms) {
    const int a = m + 2;
    vf t[6][4], col[4], r[6];
    #pragma GCC unroll 6
    for (int j = 0; j < m; j++) { /* A p, column by column */
        #pragma GCC unroll 6
        for (int i = 0; i < m; i++) col[i] = VLOAD(p + (i * cols + j) * VL);
        a_mul(m, r, col);
        #pragma GCC unroll 6
        for (int i = 0; i < a; i++) t[i][j] = r[i];
    }
    #pragma GCC unroll 6
    for (int i = 0; i < a; i++) { /* (A p) A^T, row by row */
        a_mul(m, r, t[i]);
        #pragma GCC unroll 6
        for (int j = 0; j < a; j++) VSTORE(dm + (i * a + j) * ms, r[j]);
    }
}

static TIDE_HOT void grad_transform_m(const wgeom *q, const float *dyb, int64_t nty, float *dM, int m) {
    int64_t rows = m * nty, cols = m * q->TW, TW = q->TW, Coutp = q->Coutp, per_tile = q->nx * Coutp;
    for (int64_t ob = 0; ob < Coutp / VL; ob++) {
        const float *src = dyb + ob * rows * cols * VL;
        for (int64_t ty = 0; ty < nty; ty++)
            for (int64_t tx = 0; tx < TW; tx++) {
                const float *p = src + (m * ty * cols + m * tx) * VL;
                float *dm = dM + (ty * TW + tx) * per_tile + ob * VL;
                if (m == 2)
                    grad_tile(2, p, cols, dm, Coutp);
                else
                    grad_tile(4, p, cols, dm, Coutp);
            }
    }
}

void wino_grad_transform(const wgeom *q, const float *dyb, int64_t nty, float *dM) {
    grad_transform_m(q, dyb, nty, dM, q->m);
}

static inline __attribute__((always_inline)) void weight_grad_tile(int m, const wgeom *q, const float *dUs,
                                                                   int nparts, int64_t c, int64_t o0, float *dw,
                                                                   int accumulate) {
    const int a = m + 2;
    int64_t Cinp = q->Cinp, Coutp = q->Coutp, per = q->nx * Cinp * Coutp;
    vf X[6][6], t[3][6], col[6], r[3];
    #pragma GCC unroll 36
    for (int xi = 0; xi < a * a; xi++) {
        const float *p = dUs + (xi * Cinp + c) * Coutp + o0;
        vf s = VLOAD(p);
        #pragma GCC unroll 6
        for (int k = 1; k < nparts; k++) s += VLOAD(p + k * per);
        X[xi / a][xi % a] = s;
    }
    #pragma GCC unroll 6
    for (int j = 0; j < a; j++) { /* G^T X, column by column */
        #pragma GCC unroll 6
        for (int i = 0; i < a; i++) col[i] = X[i][j];
        gt_mul(m, r, col);
        #pragma GCC unroll 6
        for (int k = 0; k < 3; k++) t[k][j] = r[k];
    }
    float out[9][VL];
    #pragma GCC unroll 6
    for (int k = 0; k < 3; k++) { /* (G^T X) G, row by row */
        gt_mul(m, r, t[k]);
        #pragma GCC unroll 6
        for (int l = 0; l < 3; l++) VSTORE(out[k * 3 + l], r[l]);
    }
    int64_t lanes = q->Cout - o0 < VL ? q->Cout - o0 : VL;
    for (int64_t l = 0; l < lanes; l++) {
        float *d = dw + ((o0 + l) * q->Cin + c) * 9;
        #pragma GCC unroll 6
        for (int i = 0; i < 9; i++) d[i] = accumulate ? d[i] + out[i][l] : out[i][l];
    }
}

void wino_weight_grad_out(const wgeom *q, const float *dUs, int nparts, float *dw, int accumulate) {
    int nth = tide_threads_for(q->Cin * q->Coutp * q->nx * nparts);
#pragma omp parallel for num_threads(nth) if (nth > 1)
    for (int64_t c = 0; c < q->Cin; c++)
        for (int64_t o0 = 0; o0 < q->Coutp; o0 += VL) {
            if (q->m == 2)
                weight_grad_tile(2, q, dUs, nparts, c, o0, dw, accumulate);
            else
                weight_grad_tile(4, q, dUs, nparts, c, o0, dw, accumulate);
        }
}
