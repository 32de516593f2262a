/* conv_im2col.c — the general convolution path (any stride, padding, dilation, groups; float32
 * and float64): the patches of a chunk of nb images are unfolded into a column matrix and each
 * product is one OpenBLAS GEMM per group over the whole chunk, so even small feature maps make
 * large products.
 *
 * Per group (Cg = C/G input and Og = O/G output channels, K = Cg*KH*KW, L = OH*OW):
 *   col   [K, nb*L]    col[(c*KH + i)*KW + j][b*L + oy*OW + ox] = x[n0+b, c, oy*sh-ph+i*dh, ox*sw-pw+j*dw]
 *                      (0 outside the image)
 *   forward           y_g [Og, nb*L] = w_g [Og, K] @ col, scattered to y [N, O, OH, OW] (+ bias)
 *   input gradient    dcol [K, nb*L] = w_g^T @ dy_g, folded back (col2im, adding) into dx
 *   weight gradient   dw_g [Og, K] += dy_g [Og, nb*L] @ col^T    (the reduction runs over nb*L)
 * A single image skips the gathers: y and dy of one image already are [Og, L] matrices, and a
 * 1x1 stride-1 unpadded kernel needs no unfolding at all. BLAS runs its own threads; the
 * unfolding loops run on ours, never at the same time.
 */
#include "conv_internal.h"

#include <cblas.h>
#include <string.h>

/* Elements of col per chunk: nb is as large as fits this budget (at least one image). */
#define COL_BUDGET ((int64_t)4 << 20)

static int64_t chunk_images(const conv_geom *g) {
    int64_t K = g->C / g->G * g->KH * g->KW, L = g->OH * g->OW;
    int64_t nb = COL_BUDGET / (K * L);
    if (nb < 1) nb = 1;
    if (nb > g->N) nb = g->N;
    return nb;
}

static bool is_pointwise(const conv_geom *g) {
    return g->KH == 1 && g->KW == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0;
}

/* Range [lo, hi) of output positions o whose input position o*s - p + k*d lies in [0, n). */
static void valid_range(int64_t n, int64_t out, int64_t s, int64_t p, int64_t kd, int64_t *lo, int64_t *hi) {
    int64_t a = p - kd; /* need o*s >= a */
    int64_t l = a <= 0 ? 0 : (a + s - 1) / s;
    int64_t b = n - 1 + p - kd; /* need o*s <= b */
    int64_t h = b < 0 ? 0 : b / s + 1;
    if (h > out) h = out;
    if (l > h) l = h;
    *lo = l, *hi = h;
}

#define T float
#define SFX f32
#define GEMM cblas_sgemm
#include "conv_im2col_impl.h"
#undef T
#undef SFX
#undef GEMM

#define T double
#define SFX f64
#define GEMM cblas_dgemm
#include "conv_im2col_impl.h"
#undef T
#undef SFX
#undef GEMM

int conv_im2col_forward(const conv_geom *g, const void *x, const void *w, const void *b, void *y, int accumulate) {
    return g->dtype == TIDE_FLOAT32 ? im2col_forward_f32(g, x, w, b, y, accumulate)
                                    : im2col_forward_f64(g, x, w, b, y, accumulate);
}

int conv_im2col_backward_input(const conv_geom *g, const void *dy, const void *w, void *dx, int accumulate) {
    return g->dtype == TIDE_FLOAT32 ? im2col_backward_input_f32(g, dy, w, dx, accumulate)
                                    : im2col_backward_input_f64(g, dy, w, dx, accumulate);
}

int conv_im2col_backward_weight(const conv_geom *g, const void *x, const void *dy, void *dw, int accumulate) {
    return g->dtype == TIDE_FLOAT32 ? im2col_backward_weight_f32(g, x, dy, dw, accumulate)
                                    : im2col_backward_weight_f64(g, x, dy, dw, accumulate);
}
