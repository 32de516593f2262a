/* conv.c — conv2d and conv_transpose2d, forward and backward: argument checks, output shapes, and
 * the choice of kernel for each product:
 *   Winograd              3x3, stride 1, dilation 1, groups 1, float32, >= 8 channels each way:
 *                         F(4x4, 3x3) or F(2x2, 3x3) (conv_winograd.c, conv_winograd_transforms.c)
 *   direct loops          stride 1, dilation 1, few input channels per group (conv_direct.c):
 *                         forward and weight gradient of a network's first layer
 *   im2col + GEMM         everything else (conv_im2col.c)
 * conv_transpose2d is conv2d with input and output swapped: its forward is conv2d's input
 * gradient, its input gradient conv2d's forward, its weight gradient conv2d's weight gradient
 * with the two activations exchanged.
 */
#include "conv_internal.h"
#include "nn_check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- scratch memory */

#define SCRATCH_SLOTS 16
#define SCRATCH_MAX_BYTES ((int64_t)256 << 20)
static struct {
    void *p;
    int64_t bytes;
} scratch_cache[SCRATCH_SLOTS];
static int64_t scratch_cached;
static pthread_mutex_t scratch_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t round_block(int64_t bytes) { return (bytes + 4095) & ~(int64_t)4095; }

void *conv_scratch(const char *op, int64_t bytes) {
    bytes = round_block(bytes > 0 ? bytes : 64);
    void *p = NULL;
    pthread_mutex_lock(&scratch_lock);
    for (int i = 0; i < SCRATCH_SLOTS; i++)
        if (scratch_cache[i].p && scratch_cache[i].bytes == bytes) {
            p = scratch_cache[i].p;
            scratch_cache[i].p = NULL;
            scratch_cached -= bytes;
            break;
        }
    pthread_mutex_unlock(&scratch_lock);
    if (!p) p = aligned_alloc(64, (size_t)bytes);
    if (!p) tide_fail(TIDE_ENOMEM, "%s: out of memory for %lld bytes of scratch space", op, (long long)bytes);
    return p;
}

void conv_scratch_free(void *p, int64_t bytes) {
    if (!p) return;
    bytes = round_block(bytes > 0 ? bytes : 64);
    pthread_mutex_lock(&scratch_lock);
    for (int i = 0; i < SCRATCH_SLOTS && scratch_cached + bytes <= SCRATCH_MAX_BYTES; i++)
        if (!scratch_cache[i].p) {
            scratch_cache[i].p = p;
            scratch_cache[i].bytes = bytes;
            scratch_cached += bytes;
            p = NULL;
            break;
        }
    pthread_mutex_unlock(&scratch_lock);
    free(p);
}

/* ---------------------------------------------------------------- bias */

/* db [O] (+)= sum of dy [N, O, HW] over N and HW, accumulated in double. */
void conv_bias_backward(int dtype, const void *dy, void *db, int64_t N, int64_t O, int64_t HW, int accumulate) {
    int nth = tide_threads_for(N * O * HW);
    if (nth > O) nth = (int)O;
#pragma omp parallel for num_threads(nth) if (nth > 1)
    for (int64_t o = 0; o < O; o++) {
        double s = 0;
        for (int64_t n = 0; n < N; n++) {
            if (dtype == TIDE_FLOAT32) {
                const float *p = (const float *)dy + (n * O + o) * HW;
                float part = 0;
#pragma omp simd reduction(+ : part)
                for (int64_t i = 0; i < HW; i++) part += p[i];
                s += part;
            } else {
                const double *p = (const double *)dy + (n * O + o) * HW;
                for (int64_t i = 0; i < HW; i++) s += p[i];
            }
        }
        if (dtype == TIDE_FLOAT32)
            ((float *)db)[o] = (float)(accumulate ? ((float *)db)[o] + s : s);
        else
            ((double *)db)[o] = accumulate ? ((double *)db)[o] + s : s;
    }
}

/* y [N, O, HW] += b [O] */
static void bias_add(int dtype, const void *b, void *y, int64_t N, int64_t O, int64_t HW) {
    int nth = tide_threads_for(N * O * HW);
#pragma omp parallel for num_threads(nth) if (nth > 1)
    for (int64_t r = 0; r < N * O; r++) {
        int64_t o = r % O;
        if (dtype == TIDE_FLOAT32) {
            float *p = (float *)y + r * HW, v = ((const float *)b)[o];
            for (int64_t i = 0; i < HW; i++) p[i] += v;
        } else {
            double *p = (double *)y + r * HW, v = ((const double *)b)[o];
            for (int64_t i = 0; i < HW; i++) p[i] += v;
        }
    }
}

/* ---------------------------------------------------------------- checks */

typedef enum { CONV, CONV_T } conv_kind;

static const char *kind_name(conv_kind k) { return k == CONV ? "conv2d" : "conv_transpose2d"; }

static int check_tensor(const char *op, const char *what, const tide_tensor *t, int ndim, const char *layout) {
    if (!nn_check_float(op, t, what)) return -1;
    if (t->ndim != ndim) return TIDE_FAIL("%s: %s must be %d-d %s, got %d-d", op, what, ndim, layout, t->ndim);
    return 0;
}

static int check_params(const char *op, conv_kind kind, const tide_conv2d_params *p) {
    if (!p) return TIDE_FAIL("%s: parameters are NULL", op);
    for (int i = 0; i < 2; i++) {
        if (p->stride[i] < 1) return TIDE_FAIL("%s: stride must be >= 1, got %lld", op, (long long)p->stride[i]);
        if (p->padding[i] < 0) return TIDE_FAIL("%s: padding must be >= 0, got %lld", op, (long long)p->padding[i]);
        if (p->dilation[i] < 1)
            return TIDE_FAIL("%s: dilation must be >= 1, got %lld", op, (long long)p->dilation[i]);
        if (p->stride[i] > (1 << 20) || p->padding[i] > (1 << 20) || p->dilation[i] > (1 << 20))
            return TIDE_FAIL("%s: stride, padding and dilation must be below 2^20", op);
        if (kind == CONV_T) {
            if (p->output_padding[i] < 0)
                return TIDE_FAIL("%s: output_padding must be >= 0, got %lld", op, (long long)p->output_padding[i]);
            if (p->output_padding[i] >= p->stride[i] && p->output_padding[i] >= p->dilation[i])
                return TIDE_FAIL("%s: output_padding (%lld) must be smaller than stride (%lld) or dilation (%lld)", op,
                                 (long long)p->output_padding[i], (long long)p->stride[i], (long long)p->dilation[i]);
        }
    }
    if (p->groups < 1) return TIDE_FAIL("%s: groups must be >= 1, got %lld", op, (long long)p->groups);
    return 0;
}

/* Checks x, w, b and fills the conv geometry (in conv2d's direction) plus the result shape. */
static int setup(conv_kind kind, const tide_tensor *x, const tide_tensor *w, const tide_tensor *b,
                 const tide_conv2d_params *p, conv_geom *g, int64_t *yshape) {
    const char *op = kind_name(kind);
    char b1[TIDE_SHAPE_BUFSZ];
    if (check_tensor(op, "input", x, 4, "[N, C, H, W]")) return -1;
    if (check_tensor(op, "weight", w, 4, kind == CONV ? "[O, C/groups, KH, KW]" : "[C, O/groups, KH, KW]"))
        return -1;
    if (w->dtype != x->dtype)
        return TIDE_FAIL("%s: input is %s but weight is %s", op, tide_dtype_name(x->dtype), tide_dtype_name(w->dtype));
    if (check_params(op, kind, p)) return -1;
    int64_t G = p->groups, C = x->shape[1];
    for (int d = 1; d < 4; d++)
        if (x->shape[d] < 1)
            return TIDE_FAIL("%s: input has an empty dim: %s", op, tide_shape_str(4, x->shape, b1, sizeof b1));
    for (int d = 0; d < 4; d++)
        if (w->shape[d] < 1)
            return TIDE_FAIL("%s: weight has an empty dim: %s", op, tide_shape_str(4, w->shape, b1, sizeof b1));
    if (C % G) return TIDE_FAIL("%s: groups (%lld) must divide the input channels (%lld)", op, (long long)G, (long long)C);
    int64_t O;
    if (kind == CONV) {
        O = w->shape[0];
        if (O % G) return TIDE_FAIL("%s: groups (%lld) must divide the output channels (%lld)", op, (long long)G, (long long)O);
        if (w->shape[1] * G != C) {
            if (G == 1)
                return TIDE_FAIL("%s: input has %lld channels, weight expects %lld", op, (long long)C,
                                 (long long)w->shape[1]);
            return TIDE_FAIL("%s: input has %lld channels, weight expects %lld (%lld per group x %lld groups)", op,
                             (long long)C, (long long)(w->shape[1] * G), (long long)w->shape[1], (long long)G);
        }
    } else {
        O = w->shape[1] * G;
        if (w->shape[0] != C)
            return TIDE_FAIL("%s: input has %lld channels, weight expects %lld", op, (long long)C, (long long)w->shape[0]);
    }
    if (b) {
        if (!b->storage) return TIDE_FAIL("%s: bias is NULL (freed tensor?)", op);
        if (b->dtype != x->dtype)
            return TIDE_FAIL("%s: input is %s but bias is %s", op, tide_dtype_name(x->dtype), tide_dtype_name(b->dtype));
        if (b->ndim != 1 || b->shape[0] != O)
            return TIDE_FAIL("%s: bias must have shape [%lld] (one value per output channel), got %s", op, (long long)O,
                             tide_shape_str(b->ndim, b->shape, b1, sizeof b1));
    }
    int64_t KH = w->shape[2], KW = w->shape[3], H = x->shape[2], W = x->shape[3];
    int64_t ext_h = p->dilation[0] * (KH - 1) + 1, ext_w = p->dilation[1] * (KW - 1) + 1;
    int64_t OH, OW;
    if (kind == CONV) {
        OH = H + 2 * p->padding[0] >= ext_h ? (H + 2 * p->padding[0] - ext_h) / p->stride[0] + 1 : 0;
        OW = W + 2 * p->padding[1] >= ext_w ? (W + 2 * p->padding[1] - ext_w) / p->stride[1] + 1 : 0;
    } else {
        OH = (H - 1) * p->stride[0] - 2 * p->padding[0] + ext_h + p->output_padding[0];
        OW = (W - 1) * p->stride[1] - 2 * p->padding[1] + ext_w + p->output_padding[1];
    }
    if (OH < 1 || OW < 1)
        return TIDE_FAIL("%s: output size would be %lld x %lld (input %lld x %lld, padding %lld x %lld, dilated kernel "
                         "%lld x %lld, stride %lld x %lld); the input is too small",
                         op, (long long)OH, (long long)OW, (long long)H, (long long)W, (long long)p->padding[0],
                         (long long)p->padding[1], (long long)ext_h, (long long)ext_w, (long long)p->stride[0],
                         (long long)p->stride[1]);
    /* BLAS takes int sizes: one image's unfolded patches must stay below 2^31 elements */
    if ((double)(kind == CONV ? C : O) / (double)G * (double)(KH * KW) * (double)(kind == CONV ? OH * OW : H * W) >
            2147483647.0 ||
        (double)H * (double)W > 2147483647.0 || (double)OH * (double)OW > 2147483647.0)
        return TIDE_FAIL("%s: sizes too large (one image's unfolded patches exceed 2^31 elements)", op);
    yshape[0] = x->shape[0], yshape[1] = O, yshape[2] = OH, yshape[3] = OW;
    /* the geometry in conv2d's direction */
    g->N = x->shape[0], g->G = G, g->KH = KH, g->KW = KW, g->dtype = x->dtype;
    g->sh = p->stride[0], g->sw = p->stride[1], g->ph = p->padding[0], g->pw = p->padding[1];
    g->dh = p->dilation[0], g->dw = p->dilation[1];
    if (kind == CONV) {
        g->C = C, g->H = H, g->W = W, g->O = O, g->OH = OH, g->OW = OW;
    } else { /* the conv whose input gradient this is: input [N, O, OH, OW] -> output [N, C, H, W] */
        g->C = O, g->H = OH, g->W = OW, g->O = C, g->OH = H, g->OW = W;
    }
    return 0;
}

/* A contiguous version of t (a new handle; shares storage when t is contiguous already). */
static tide_tensor *contig(const tide_tensor *t) { return t ? tide_contiguous(t) : NULL; }

/* ---------------------------------------------------------------- the three products, dispatched */

static int product_forward(const conv_geom *g, const void *x, const void *w, const void *b, void *y, int accumulate) {
    if (conv_winograd_ok(g)) return conv_winograd_forward(g, x, w, b, y, accumulate);
    if (conv_direct_ok(g)) return conv_direct_forward(g, x, w, b, y, accumulate);
    return conv_im2col_forward(g, x, w, b, y, accumulate);
}

/* dx, dw, db (each optional) from dy; x is needed for dw, w for dx. */
static int product_backward(const conv_geom *g, const void *x, const void *w, const void *dy, void *dx, void *dw,
                            void *db, int accumulate) {
    if (!dx && !dw && !db) return 0;
    if (conv_winograd_ok(g) && (dx || dw)) return conv_winograd_backward(g, x, w, dy, dx, dw, db, accumulate);
    if (dx && conv_im2col_backward_input(g, dy, w, dx, accumulate)) return -1;
    if (dw || db) {
        if (conv_direct_ok(g)) return conv_direct_backward_weight(g, x, dy, dw, db, accumulate);
        if (dw && conv_im2col_backward_weight(g, x, dy, dw, accumulate)) return -1;
        if (db) conv_bias_backward(g->dtype, dy, db, g->N, g->O, g->OH * g->OW, accumulate);
    }
    return 0;
}

/* ---------------------------------------------------------------- public entry points */

static tide_tensor *forward(conv_kind kind, const tide_tensor *x, const tide_tensor *w, const tide_tensor *b,
                            tide_tensor *out, const tide_conv2d_params *p) {
    const char *op = kind_name(kind);
    conv_geom g;
    int64_t yshape[4];
    if (setup(kind, x, w, b, p, &g, yshape)) return NULL;
    tide_tensor *y = nn_result(op, out, 4, yshape, x->dtype);
    if (!y) return NULL;
    if (y->numel == 0) return y;
    tide_tensor *xc = contig(x), *wc = contig(w), *bc = contig(b);
    int rc = -1;
    if (xc && wc && (!b || bc)) {
        const void *xp = tide_elem_ptr(xc), *wp = tide_elem_ptr(wc), *bp = bc ? tide_elem_ptr(bc) : NULL;
        void *yp = tide_elem_ptr(y);
        if (kind == CONV)
            rc = product_forward(&g, xp, wp, bp, yp, 0);
        else {
            /* the transposed conv's input plays dy; its output dx */
            if (conv_winograd_ok(&g))
                rc = conv_winograd_backward(&g, NULL, wp, xp, yp, NULL, NULL, 0);
            else
                rc = conv_im2col_backward_input(&g, xp, wp, yp, 0);
            if (!rc && bp) bias_add(g.dtype, bp, yp, yshape[0], yshape[1], yshape[2] * yshape[3]);
        }
    }
    tide_tensor_free(xc);
    tide_tensor_free(wc);
    tide_tensor_free(bc);
    if (rc) {
        if (y != out) tide_tensor_free(y);
        return NULL;
    }
    return y;
}

tide_tensor *tide_conv2d_forward(const tide_tensor *x, const tide_tensor *w, const tide_tensor *b, tide_tensor *out,
                                 const tide_conv2d_params *p) {
    return forward(CONV, x, w, b, out, p);
}

tide_tensor *tide_conv_transpose2d_forward(const tide_tensor *x, const tide_tensor *w, const tide_tensor *b,
                                           tide_tensor *out, const tide_conv2d_params *p) {
    return forward(CONV_T, x, w, b, out, p);
}

static int backward(conv_kind kind, const tide_tensor *x, const tide_tensor *w, const tide_tensor *gy, tide_tensor *gx,
                    tide_tensor *gw, tide_tensor *gb, const tide_conv2d_params *p, int accumulate) {
    char opname[48];
    snprintf(opname, sizeof opname, "%s backward", kind_name(kind));
    const char *op = opname;
    conv_geom g;
    int64_t yshape[4], bshape[1];
    if (setup(kind, x, w, NULL, p, &g, yshape)) return -1;
    if (!nn_check_shape(op, gy, 4, yshape, x->dtype, "grad_output")) return -1;
    bshape[0] = yshape[1];
    if (gx && !nn_check_buffer(op, gx, 4, x->shape, x->dtype, "grad_input")) return -1;
    if (gw && !nn_check_buffer(op, gw, 4, w->shape, x->dtype, "grad_weight")) return -1;
    if (gb && !nn_check_buffer(op, gb, 1, bshape, x->dtype, "grad_bias")) return -1;
    if ((gx && (gx->storage == gy->storage || gx->storage == w->storage)) ||
        (gw && (gw->storage == gy->storage || gw->storage == x->storage)))
        return TIDE_FAIL("%s: a gradient buffer shares memory with an input", op);
    if (!gx && !gw && !gb) return 0;
    if (yshape[0] == 0) { /* empty batch: gradients are zero */
        if (!accumulate) {
            if (gw) tide_fill_(gw, 0);
            if (gb) tide_fill_(gb, 0);
        }
        return 0;
    }
    tide_tensor *xc = gw ? contig(x) : NULL, *wc = gx ? contig(w) : NULL, *gyc = contig(gy);
    int rc = -1;
    if ((!gw || xc) && (!gx || wc) && gyc) {
        const void *xp = xc ? tide_elem_ptr(xc) : NULL, *wp = wc ? tide_elem_ptr(wc) : NULL;
        const void *gyp = tide_elem_ptr(gyc);
        void *gxp = gx ? tide_elem_ptr(gx) : NULL, *gwp = gw ? tide_elem_ptr(gw) : NULL;
        void *gbp = gb ? tide_elem_ptr(gb) : NULL;
        if (kind == CONV)
            rc = product_backward(&g, xp, wp, gyp, gxp, gwp, gbp, accumulate);
        else {
            /* conv geometry: input = grad_output (of the transposed conv), dy = x */
            rc = 0;
            if (gxp) rc = product_forward(&g, gyp, wp, NULL, gxp, accumulate);
            if (!rc && gwp) {
                if (conv_winograd_ok(&g))
                    rc = conv_winograd_backward(&g, gyp, NULL, xp, NULL, gwp, NULL, accumulate);
                else
                    rc = conv_im2col_backward_weight(&g, gyp, xp, gwp, accumulate);
            }
            if (!rc && gbp) conv_bias_backward(g.dtype, gyp, gbp, yshape[0], yshape[1], yshape[2] * yshape[3], accumulate);
        }
    }
    tide_tensor_free(xc);
    tide_tensor_free(wc);
    tide_tensor_free(gyc);
    return rc ? -1 : 0;
}

int tide_conv2d_backward(const tide_tensor *x, const tide_tensor *w, const tide_tensor *grad_output,
                         tide_tensor *grad_input, tide_tensor *grad_weight, tide_tensor *grad_bias,
                         const tide_conv2d_params *p, int accumulate) {
    return backward(CONV, x, w, grad_output, grad_input, grad_weight, grad_bias, p, accumulate);
}

int tide_conv_transpose2d_backward(const tide_tensor *x, const tide_tensor *w, const tide_tensor *grad_output,
                                   tide_tensor *grad_input, tide_tensor *grad_weight, tide_tensor *grad_bias,
                                   const tide_conv2d_params *p, int accumulate) {
    return backward(CONV_T, x, w, grad_output, grad_input, grad_weight, grad_bias, p, accumulate);
}
