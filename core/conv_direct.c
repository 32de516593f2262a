/* conv_direct.c — direct convolution for few input channels per group at stride 1, dilation 1
 * (the first layer of an image network, e.g. 1 -> 32 channels on [64, 1, 28, 28]; depthwise
 * convolutions). im2col would write a [Cg*KH*KW, N*OH*OW] matrix only for a GEMM with a tiny
 * reduction; here each output row is summed in vector registers straight from a zero-padded copy
 * of the input planes, so the output (the largest array) is written once and nothing else is.
 *
 * Shapes: x [N, C, H, W], w [O, Cg, KH, KW] (Cg = C/G), y / dy [N, O, OH, OW], Og = O/G.
 *   forward          y[n, o, oy, ox] = b[o] + sum_{c,i,j} w[o, c, i, j] * P[n, grp*Cg + c][oy+i][ox+j]
 *   weight gradient  dw[o, c, i, j] = sum_{n,oy,ox} dy[n, o, oy, ox] * P[...][oy+i][ox+j];  db[o] = sum dy[n, o]
 * where P is x zero-padded by (ph, pw) and grp = o / Og. Work is split over (image, block of
 * output channels) for the forward and over output channels for the weight gradient.
 */
#include "conv_internal.h"

#include <string.h>

/* Taps (Cg*KH*KW) up to which the direct loops are used. */
#define DIRECT_MAX_TAPS 32
/* Output channels per work item of the forward. */
#define OBLOCK 8
/* The weight gradient sums FOLD images in float vector lanes, then adds them up in double. */
#define FOLD 8

bool conv_direct_ok(const conv_geom *g) {
    int64_t vl = g->dtype == TIDE_FLOAT32 ? 16 : 8; /* elements per 64-byte vector */
    return g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1 && g->C / g->G * g->KH * g->KW <= DIRECT_MAX_TAPS &&
           g->C / g->G <= 4 && g->OW >= vl;
}

/* Geometry of the padded planes: the input zero-padded by (ph, pw), plus ROWS - 1 zero rows at
 * the bottom so a block of ROWS output rows may run past the last one. Output rows are computed
 * in vectors of VL outputs starting at 0, VL, 2 VL, ... and a last one ending exactly at OW
 * (overlapping its neighbour, which needs OW >= VL): every store is a whole vector. */
#define ROWS 4
typedef struct {
    int64_t PH, PW;     /* padded rows (with the extra ones) and row length */
    int64_t nchunks;    /* vectors per output row */
} pad_geom;

static pad_geom pad_geometry(const conv_geom *g, int64_t vl) {
    pad_geom p;
    p.PH = g->H + 2 * g->ph + ROWS - 1;
    p.PW = g->W + 2 * g->pw;
    p.nchunks = (g->OW + vl - 1) / vl;
    return p;
}

/* Start of vector k of an output row. */
static inline int64_t chunk_start(int64_t k, int64_t vl, int64_t ow) { return k * vl + vl <= ow ? k * vl : ow - vl; }

#define T float
#define VT vf16
#define VI vi16
#define SFX f32
typedef float vf16 __attribute__((vector_size(64)));
typedef int32_t vi16 __attribute__((vector_size(64)));
#include "conv_direct_impl.h"
#undef T
#undef VT
#undef VI
#undef SFX

#define T double
#define VT vd8
#define VI vi8
#define SFX f64
typedef double vd8 __attribute__((vector_size(64)));
typedef int64_t vi8 __attribute__((vector_size(64)));
#include "conv_direct_impl.h"
#undef T
#undef VT
#undef VI
#undef SFX

int conv_direct_forward(const conv_geom *g, const void *x, const void *w, const void *b, void *y, int accumulate) {
    return g->dtype == TIDE_FLOAT32 ? direct_forward_f32(g, x, w, b, y, accumulate)
                                    : direct_forward_f64(g, x, w, b, y, accumulate);
}

int conv_direct_backward_weight(const conv_geom *g, const void *x, const void *dy, void *dw, void *db, int accumulate) {
    return g->dtype == TIDE_FLOAT32 ? direct_backward_weight_f32(g, x, dy, dw, db, accumulate)
                                    : direct_backward_weight_f64(g, x, dy, dw, db, accumulate);
}
