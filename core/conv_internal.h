/* conv_internal.h — what conv.c (validation, dispatch), conv_im2col.c (the general im2col + GEMM
 * path), conv_direct.c (few input channels) and conv_winograd.c (3x3 stride 1) share. */
#ifndef TIDE_CONV_INTERNAL_H
#define TIDE_CONV_INTERNAL_H

#include "internal.h"
#include "tide/conv.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* One convolution in the direction of conv2d: input x [N, C, H, W], weight [O, C/G, KH, KW],
 * output y [N, O, OH, OW]. conv_transpose2d runs the same geometry with x and y swapped. */
typedef struct conv_geom {
    int64_t N, C, H, W;
    int64_t O, KH, KW;
    int64_t OH, OW;
    int64_t sh, sw, ph, pw, dh, dw;
    int64_t G;
    int dtype;
} conv_geom;

/* The three products of a convolution on contiguous buffers of g->dtype. With accumulate 0 the
 * destination is overwritten, otherwise added to. Each returns 0, or -1 with a message (out of
 * memory for scratch space). */
/* y [N, O, OH, OW] (+)= conv(x [N, C, H, W], w [O, C/G, KH, KW]) (+ b [O] when b != NULL) */
int conv_im2col_forward(const conv_geom *g, const void *x, const void *w, const void *b, void *y, int accumulate);
/* dx [N, C, H, W] (+)= conv^T(dy [N, O, OH, OW], w) */
int conv_im2col_backward_input(const conv_geom *g, const void *dy, const void *w, void *dx, int accumulate);
/* dw [O, C/G, KH, KW] (+)= sum over images and positions of dy x patches */
int conv_im2col_backward_weight(const conv_geom *g, const void *x, const void *dy, void *dw, int accumulate);

/* Direct loops for few input channels per group, stride 1 (the first layer of an image
 * network): conv_direct_ok says whether g qualifies. */
bool conv_direct_ok(const conv_geom *g);
int conv_direct_forward(const conv_geom *g, const void *x, const void *w, const void *b, void *y, int accumulate);
int conv_direct_backward_weight(const conv_geom *g, const void *x, const void *dy, void *dw, void *db, int accumulate);

/* Winograd F(2x2, 3x3) for 3x3, stride 1, dilation 1, groups 1, float32 with enough channels. */
bool conv_winograd_ok(const conv_geom *g);
int conv_winograd_forward(const conv_geom *g, const void *x, const void *w, const void *b, void *y, int accumulate);
int conv_winograd_backward(const conv_geom *g, const void *x, const void *w, const void *dy, void *dx, void *dw,
                           void *db, int accumulate);

/* db [O] (+)= sum of dy [N, O, HW] over N and HW. */
void conv_bias_backward(int dtype, const void *dy, void *db, int64_t N, int64_t O, int64_t HW, int accumulate);

/* Scratch memory for a kernel (64-byte aligned, uninitialised); NULL with a message naming op
 * when out of memory. A few released blocks are kept for the next call of the same size: a
 * training loop asks for the same sizes every step, and fresh large blocks cost page faults. */
void *conv_scratch(const char *op, int64_t bytes);
void conv_scratch_free(void *p, int64_t bytes);

/* The calling thread's number in the enclosing parallel region (0 without OpenMP): which
 * thread's part of a scratch block to use. */
static inline int conv_thread_num(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

#endif
