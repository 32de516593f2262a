/* test_conv.c — conv2d and conv_transpose2d through the public C API against a naive direct
 * convolution in double: forward, every gradient (alone and together, overwrite and accumulate),
 * over strides, paddings, dilations, groups, with and without bias, float32 and float64, shapes
 * that reach each kernel (Winograd F(4x4) and F(2x2), direct few-channel loops, im2col with one image and with
 * chunks of images, 1x1 without unfolding), strided inputs; then bad arguments and leaks. */
#include "check.h"
#include "fill.h"
#include "tide/conv.h"
#include "tide/tensor.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng = 987654321;
static double next_val(void) { /* multiples of 1/8 in [-2, 2] */
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)((int)((rng >> 33) % 33) - 16) / 8;
}

static tide_tensor *random_tensor(int ndim, const int64_t *shape, int dtype) {
    return tensor_filled(ndim, shape, dtype, next_val);
}

typedef struct {
    int64_t N, C, H, W, O, KH, KW, sh, sw, ph, pw, dh, dw, G, oph, opw;
} cfg;

/* The naive convolution as a list of terms: in conv2d's direction, input element xi, weight
 * element wi and output element yi take part in y[yi] += x[xi] * w[wi]. `transposed` swaps the
 * roles of the tensors' input and output (the geometry is the conv whose input is conv_transpose2d's
 * output). Calls f(xi, wi, yi) in the user's tensor indexing: for conv2d xi indexes x and yi
 * indexes y; for conv_transpose2d xi indexes y_t and yi indexes x_t. */
typedef void (*term_fn)(int64_t xi, int64_t wi, int64_t yi, void *ctx);

static void for_terms(const cfg *c, int transposed, term_fn f, void *ctx) {
    /* geometry in conv direction */
    int64_t C = c->C, H = c->H, W = c->W, O = c->O, OH, OW;
    int64_t eh = c->dh * (c->KH - 1) + 1, ew = c->dw * (c->KW - 1) + 1;
    if (!transposed) {
        OH = (H + 2 * c->ph - eh) / c->sh + 1;
        OW = (W + 2 * c->pw - ew) / c->sw + 1;
    } else { /* conv input = transposed output [N, O, OH_t, OW_t]; conv output = transposed input [N, C, H, W] */
        int64_t OHt = (H - 1) * c->sh - 2 * c->ph + eh + c->oph, OWt = (W - 1) * c->sw - 2 * c->pw + ew + c->opw;
        C = c->O, O = c->C, OH = H, OW = W, H = OHt, W = OWt;
    }
    int64_t Cg = C / c->G, Og = O / c->G;
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t o = 0; o < O; o++)
            for (int64_t oy = 0; oy < OH; oy++)
                for (int64_t ox = 0; ox < OW; ox++)
                    for (int64_t cl = 0; cl < Cg; cl++)
                        for (int64_t i = 0; i < c->KH; i++)
                            for (int64_t j = 0; j < c->KW; j++) {
                                int64_t iy = oy * c->sh - c->ph + i * c->dh, ix = ox * c->sw - c->pw + j * c->dw;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                                int64_t grp = o / Og, ci = grp * Cg + cl;
                                int64_t xi = ((n * C + ci) * H + iy) * W + ix;
                                int64_t yi = ((n * O + o) * OH + oy) * OW + ox;
                                /* conv weight [O, Cg, KH, KW]; transposed weight [C_t = O, O_t/G = Cg, KH, KW] */
                                int64_t wi = ((o * Cg + cl) * c->KH + i) * c->KW + j;
                                f(xi, wi, yi, ctx);
                            }
}

typedef struct {
    const tide_tensor *a, *b; /* the two factors */
    double *acc;
    int mode; /* 0: acc[yi] += a[xi] b[wi]; 1: acc[xi] += a[yi] b[wi]; 2: acc[wi] += a[yi] b[xi] */
} term_ctx;

static void term_acc(int64_t xi, int64_t wi, int64_t yi, void *p) {
    term_ctx *t = p;
    if (t->mode == 0) t->acc[yi] += elem_at(t->a, xi) * elem_at(t->b, wi);
    else if (t->mode == 1) t->acc[xi] += elem_at(t->a, yi) * elem_at(t->b, wi);
    else t->acc[wi] += elem_at(t->a, yi) * elem_at(t->b, xi);
}

/* max |t - ref| relative to the reference's scale (max |ref|, at least 1): float32 Winograd
 * F(4x4, 3x3) rounds a few times more than a direct sum, by ~1e-6 of the output's scale */
static double max_rel_err(const tide_tensor *t, const double *ref, const double *base) {
    double worst = 0, scale = 1;
    for (int64_t i = 0; i < t->numel; i++) {
        double r = ref[i] + (base ? base[i] : 0);
        if (fabs(r) > scale) scale = fabs(r);
    }
    for (int64_t i = 0; i < t->numel; i++) {
        double r = ref[i] + (base ? base[i] : 0);
        double e = fabs(elem_at(t, i) - r);
        if (e > worst || e != e) worst = e != e ? 1e30 : e;
    }
    return worst / scale;
}

static tide_conv2d_params params_of(const cfg *c) {
    tide_conv2d_params p;
    memset(&p, 0, sizeof p);
    p.stride[0] = c->sh, p.stride[1] = c->sw, p.padding[0] = c->ph, p.padding[1] = c->pw;
    p.dilation[0] = c->dh, p.dilation[1] = c->dw, p.output_padding[0] = c->oph, p.output_padding[1] = c->opw;
    p.groups = c->G;
    return p;
}

/* Runs forward and backward of one configuration against the naive terms. */
static void run_case(const cfg *c, int transposed, int dtype, int with_bias, int strided_input) {
    double tol = dtype == TIDE_FLOAT32 ? 2e-5 : 1e-12;
    tide_conv2d_params p = params_of(c);
    int64_t xs[4] = {c->N, c->C, c->H, c->W};
    int64_t ws[4] = {transposed ? c->C : c->O, transposed ? c->O / c->G : c->C / c->G, c->KH, c->KW};
    int64_t bs[1] = {c->O};
    tide_tensor *x = random_tensor(4, xs, dtype), *w = random_tensor(4, ws, dtype);
    tide_tensor *b = with_bias ? random_tensor(1, bs, dtype) : NULL;
    tide_tensor *xin = x;
    if (strided_input) { /* the same values through a transposed-twice non-contiguous view */
        int64_t ts[4] = {c->N, c->C, c->W, c->H};
        tide_tensor *base = tide_tensor_empty(4, ts, dtype);
        tide_tensor *v = tide_transpose(base, 2, 3);
        tide_copy_(v, x);
        tide_tensor_free(base);
        xin = v;
        CHECK(!tide_tensor_is_contiguous(xin));
    }
    tide_tensor *y = transposed ? tide_conv_transpose2d_forward(xin, w, b, NULL, &p) : tide_conv2d_forward(xin, w, b, NULL, &p);
    CHECK(y != NULL);
    if (!y) {
        fprintf(stderr, "  %s\n", tide_last_error());
        return;
    }
    /* forward reference: for conv2d terms read x as conv input; for transposed x is the conv output */
    double *ref = calloc((size_t)y->numel, sizeof(double));
    for (int64_t i = 0; i < y->numel; i++) ref[i] = b ? elem_at(b, (i / (y->shape[2] * y->shape[3])) % c->O) : 0;
    term_ctx tc = {x, w, ref, transposed ? 1 : 0};
    if (transposed) tc.a = x;
    for_terms(c, transposed, term_acc, &tc);
    double e = max_rel_err(y, ref, NULL);
    CHECK(e <= tol);
    if (e > tol)
        fprintf(stderr, "  forward %s N%lld C%lld %lldx%lld O%lld k%lldx%lld s%lld,%lld p%lld,%lld d%lld,%lld g%lld %s: err %g\n",
                transposed ? "T" : "", (long long)c->N, (long long)c->C, (long long)c->H, (long long)c->W,
                (long long)c->O, (long long)c->KH, (long long)c->KW, (long long)c->sh, (long long)c->sw,
                (long long)c->ph, (long long)c->pw, (long long)c->dh, (long long)c->dw, (long long)c->G,
                tide_dtype_name(dtype), e);
    /* backward */
    tide_tensor *gy = random_tensor(4, y->shape, dtype);
    double *rx = calloc((size_t)x->numel, sizeof(double)), *rw = calloc((size_t)w->numel, sizeof(double));
    double *rb = calloc((size_t)c->O, sizeof(double));
    if (!transposed) {
        term_ctx t1 = {gy, w, rx, 1}, t2 = {gy, x, rw, 2};
        for_terms(c, 0, term_acc, &t1);
        for_terms(c, 0, term_acc, &t2);
    } else { /* in conv direction: conv input = y_t (grad gy), conv output = x_t */
        term_ctx t1 = {gy, w, rx, 0}, t2 = {x, gy, rw, 2};
        /* dx_t[yi] += gy[xi] w[wi]: mode 0 with a = gy */
        for_terms(c, 1, term_acc, &t1);
        /* dw[wi] += x_t[yi] gy[xi]: mode 2 with a = x_t, b = gy */
        for_terms(c, 1, term_acc, &t2);
    }
    for (int64_t i = 0; i < gy->numel; i++) rb[(i / (gy->shape[2] * gy->shape[3])) % c->O] += elem_at(gy, i);
    /* all three, overwrite (buffers start as NaN: they must not be read) */
    tide_tensor *gx = tide_tensor_full(4, xs, dtype, NAN), *gw = tide_tensor_full(4, ws, dtype, NAN);
    tide_tensor *gb = tide_tensor_full(1, bs, dtype, NAN);
    int rc = transposed ? tide_conv_transpose2d_backward(xin, w, gy, gx, gw, gb, &p, 0)
                        : tide_conv2d_backward(xin, w, gy, gx, gw, gb, &p, 0);
    CHECK(rc == 0);
    double ex = max_rel_err(gx, rx, NULL), ew = max_rel_err(gw, rw, NULL), eb = max_rel_err(gb, rb, NULL);
    CHECK(ex <= tol);
    CHECK(ew <= tol * 4);
    CHECK(eb <= tol * 4);
    if (ex > tol || ew > tol * 4 || eb > tol * 4)
        fprintf(stderr, "  backward %s C%lld %lldx%lld O%lld k%lld s%lld p%lld d%lld g%lld %s: dx %g dw %g db %g (%s)\n",
                transposed ? "T" : "", (long long)c->C, (long long)c->H, (long long)c->W, (long long)c->O,
                (long long)c->KH, (long long)c->sh, (long long)c->ph, (long long)c->dh, (long long)c->G,
                tide_dtype_name(dtype), ex, ew, eb, rc ? tide_last_error() : "");
    /* accumulate: each gradient alone, added to what is there */
    double *base_x = malloc(sizeof(double) * (size_t)x->numel), *base_w = malloc(sizeof(double) * (size_t)w->numel);
    for (int64_t i = 0; i < x->numel; i++) base_x[i] = elem_at(gx, i);
    for (int64_t i = 0; i < w->numel; i++) base_w[i] = elem_at(gw, i);
    rc = transposed ? tide_conv_transpose2d_backward(xin, w, gy, gx, NULL, NULL, &p, 1)
                    : tide_conv2d_backward(xin, w, gy, gx, NULL, NULL, &p, 1);
    CHECK(rc == 0);
    CHECK(max_rel_err(gx, rx, base_x) <= tol * 2);
    rc = transposed ? tide_conv_transpose2d_backward(xin, w, gy, NULL, gw, NULL, &p, 1)
                    : tide_conv2d_backward(xin, w, gy, NULL, gw, NULL, &p, 1);
    CHECK(rc == 0);
    CHECK(max_rel_err(gw, rw, base_w) <= tol * 8);
    /* grad_weight alone, overwriting */
    rc = transposed ? tide_conv_transpose2d_backward(xin, w, gy, NULL, gw, NULL, &p, 0)
                    : tide_conv2d_backward(xin, w, gy, NULL, gw, NULL, &p, 0);
    CHECK(rc == 0);
    CHECK(max_rel_err(gw, rw, NULL) <= tol * 4);
    /* forward accumulating into out */
    tide_tensor *y2 = tide_clone(y);
    tide_tensor *r = transposed ? tide_conv_transpose2d_forward(xin, w, b, y2, &p) : tide_conv2d_forward(xin, w, b, y2, &p);
    CHECK(r == y2);
    CHECK(max_rel_err(y2, ref, NULL) <= tol);
    free(base_x), free(base_w), free(ref), free(rx), free(rw), free(rb);
    tide_tensor_free(y2);
    tide_tensor_free(gx), tide_tensor_free(gw), tide_tensor_free(gb), tide_tensor_free(gy);
    tide_tensor_free(y);
    if (xin != x) tide_tensor_free(xin);
    tide_tensor_free(x), tide_tensor_free(w), tide_tensor_free(b);
}

static const cfg cases[] = {
    /* N  C  H   W   O  KH KW sh sw ph pw dh dw G oph opw */
    {2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0, 0},      /* basic, im2col */
    {3, 4, 9, 8, 6, 3, 2, 2, 1, 1, 0, 1, 2, 2, 1, 0},      /* stride, dilation, groups */
    {1, 6, 5, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 6, 0, 0},      /* depthwise */
    {2, 1, 28, 28, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0, 0},    /* first layer: direct loops */
    {2, 2, 9, 19, 5, 5, 3, 1, 1, 2, 0, 1, 1, 1, 0, 0},     /* direct, 2 channels, wide kernel */
    {2, 8, 1, 10, 5, 1, 3, 1, 2, 0, 1, 1, 1, 1, 0, 1},     /* 1-d */
    {4, 5, 4, 4, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0},      /* pointwise */
    {1, 5, 4, 6, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0},      /* pointwise, one image: no unfolding */
    {2, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0, 0},  /* Winograd */
    {3, 8, 13, 11, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0, 0},    /* Winograd, odd sizes */
    {2, 8, 6, 6, 12, 3, 3, 1, 1, 0, 0, 1, 1, 1, 0, 0},     /* Winograd, no padding */
    {2, 9, 7, 9, 10, 3, 3, 1, 1, 2, 2, 1, 1, 1, 0, 0},     /* Winograd, padding 2, odd channels */
    {2, 8, 4, 9, 8, 3, 3, 1, 1, 0, 0, 1, 1, 1, 0, 0},      /* Winograd F(2x2) forward (2 output rows), F(4x4) input gradient */
    {2, 8, 3, 3, 8, 3, 3, 1, 1, 0, 1, 1, 1, 1, 0, 0},      /* a single output row */
    {1, 3, 6, 6, 2, 6, 6, 1, 1, 0, 0, 1, 1, 1, 0, 0},      /* kernel as large as the input */
    {2, 4, 8, 8, 4, 3, 3, 3, 3, 0, 0, 1, 1, 2, 2, 2},      /* stride 3, output_padding 2 */
};

static void test_against_naive(void) {
    int ncases = (int)(sizeof cases / sizeof cases[0]);
    for (int i = 0; i < ncases; i++)
        for (int dt = 0; dt < 2; dt++)
            for (int t = 0; t < 2; t++) run_case(&cases[i], t, dt ? TIDE_FLOAT64 : TIDE_FLOAT32, (i + t) % 3 != 1, i == 0 || i == 8);
}

/* A batch large enough that the im2col path works in several chunks of images. */
static void test_chunks(void) {
    cfg c = {29, 64, 32, 32, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 0}; /* 28 images per chunk */
    run_case(&c, 0, TIDE_FLOAT32, 1, 0);
}

static void expect_error(tide_tensor *r, const char *needle) {
    CHECK(r == NULL);
    CHECK(strstr(tide_last_error(), needle) != NULL);
    if (!strstr(tide_last_error(), needle)) fprintf(stderr, "  got '%s', expected '%s'\n", tide_last_error(), needle);
    tide_clear_error();
    tide_tensor_free(r);
}

static void test_errors(void) {
    tide_conv2d_params p = {{1, 1}, {0, 0}, {1, 1}, {0, 0}, 1};
    int64_t xs[4] = {2, 3, 5, 5}, ws[4] = {4, 1, 3, 3}, x3[3] = {3, 5, 5}, bs[1] = {5};
    tide_tensor *x = tide_tensor_zeros(4, xs, TIDE_FLOAT32), *w = tide_tensor_zeros(4, ws, TIDE_FLOAT32);
    tide_tensor *x_3d = tide_tensor_zeros(3, x3, TIDE_FLOAT32), *b5 = tide_tensor_zeros(1, bs, TIDE_FLOAT32);
    tide_tensor *wd = tide_tensor_zeros(4, ws, TIDE_FLOAT64), *xi = tide_tensor_zeros(4, xs, TIDE_INT32);
    expect_error(tide_conv2d_forward(x, w, NULL, NULL, &p), "conv2d: input has 3 channels, weight expects 1");
    expect_error(tide_conv2d_forward(x_3d, w, NULL, NULL, &p), "conv2d: input must be 4-d [N, C, H, W], got 3-d");
    expect_error(tide_conv2d_forward(NULL, w, NULL, NULL, &p), "conv2d: input is NULL");
    expect_error(tide_conv2d_forward(x, wd, NULL, NULL, &p), "input is float32 but weight is float64");
    expect_error(tide_conv2d_forward(xi, w, NULL, NULL, &p), "input must be float32 or float64, got int32");
    p.groups = 3;
    expect_error(tide_conv2d_forward(x, w, NULL, NULL, &p), "groups (3) must divide the output channels (4)");
    p.groups = 2;
    expect_error(tide_conv2d_forward(x, w, NULL, NULL, &p), "groups (2) must divide the input channels (3)");
    p.groups = 1;
    int64_t ws3[4] = {4, 3, 3, 3};
    tide_tensor *w3 = tide_tensor_zeros(4, ws3, TIDE_FLOAT32);
    expect_error(tide_conv2d_forward(x, w3, b5, NULL, &p), "bias must have shape [4]");
    p.stride[0] = 0;
    expect_error(tide_conv2d_forward(x, w3, NULL, NULL, &p), "stride must be >= 1, got 0");
    p.stride[0] = 1, p.padding[1] = -1;
    expect_error(tide_conv2d_forward(x, w3, NULL, NULL, &p), "padding must be >= 0");
    p.padding[1] = 0, p.dilation[0] = 3;
    expect_error(tide_conv2d_forward(x, w3, NULL, NULL, &p), "output size would be 0 x 3");
    p.dilation[0] = 1;
    expect_error(tide_conv2d_forward(x, w3, NULL, NULL, NULL), "parameters are NULL");
    p.output_padding[0] = 1;
    expect_error(tide_conv_transpose2d_forward(x, w3, NULL, NULL, &p), "output_padding (1) must be smaller than stride (1)");
    p.output_padding[0] = 0;
    int64_t wt[4] = {2, 4, 3, 3};
    tide_tensor *wtt = tide_tensor_zeros(4, wt, TIDE_FLOAT32);
    expect_error(tide_conv_transpose2d_forward(x, wtt, NULL, NULL, &p), "conv_transpose2d: input has 3 channels, weight expects 2");
    /* out of the wrong shape */
    tide_tensor *bad_out = tide_tensor_zeros(4, xs, TIDE_FLOAT32);
    expect_error(tide_conv2d_forward(x, w3, NULL, bad_out, &p), "out has shape [2, 3, 5, 5], expected [2, 4, 3, 3]");
    /* backward: wrong grad_output, wrong gradient buffers */
    tide_tensor *y = tide_conv2d_forward(x, w3, NULL, NULL, &p);
    CHECK(y != NULL);
    CHECK(tide_conv2d_backward(x, w3, bad_out, NULL, NULL, NULL, &p, 0) != 0);
    CHECK(strstr(tide_last_error(), "grad_output has shape [2, 3, 5, 5], expected [2, 4, 3, 3]") != NULL);
    CHECK(tide_conv2d_backward(x, w3, y, NULL, x_3d, NULL, &p, 0) != 0);
    CHECK(strstr(tide_last_error(), "conv2d backward: grad_weight has shape [3, 5, 5], expected [4, 3, 3, 3]") != NULL);
    CHECK(tide_conv2d_backward(x, w3, y, NULL, NULL, b5, &p, 0) != 0);
    CHECK(strstr(tide_last_error(), "grad_bias has shape [5], expected [4]") != NULL);
    CHECK(tide_conv2d_backward(x, w3, y, y, NULL, NULL, &p, 0) != 0);
    CHECK(strstr(tide_last_error(), "grad_input has shape") != NULL);
    tide_tensor *gxt = tide_transpose(bad_out, 2, 3);
    CHECK(tide_conv2d_backward(x, w3, y, gxt, NULL, NULL, &p, 0) != 0);
    CHECK(strstr(tide_last_error(), "grad_input must be contiguous") != NULL);
    CHECK(tide_conv2d_backward(x, w3, y, NULL, NULL, NULL, &p, 0) == 0); /* nothing asked: nothing done */
    tide_clear_error();
    tide_tensor_free(gxt), tide_tensor_free(y), tide_tensor_free(bad_out), tide_tensor_free(wtt), tide_tensor_free(w3);
    tide_tensor_free(x), tide_tensor_free(w), tide_tensor_free(x_3d), tide_tensor_free(b5), tide_tensor_free(wd);
    tide_tensor_free(xi);
}

/* An empty batch gives an empty output and zero weight gradients. */
static void test_empty_batch(void) {
    tide_conv2d_params p = {{1, 1}, {1, 1}, {1, 1}, {0, 0}, 1};
    int64_t xs[4] = {0, 3, 5, 5}, ws[4] = {4, 3, 3, 3};
    tide_tensor *x = tide_tensor_zeros(4, xs, TIDE_FLOAT32), *w = tide_tensor_zeros(4, ws, TIDE_FLOAT32);
    tide_tensor *y = tide_conv2d_forward(x, w, NULL, NULL, &p);
    CHECK(y && y->shape[0] == 0 && y->shape[1] == 4 && y->numel == 0);
    tide_tensor *gw = tide_tensor_full(4, ws, TIDE_FLOAT32, 5);
    CHECK(tide_conv2d_backward(x, w, y, NULL, gw, NULL, &p, 0) == 0);
    CHECK(elem_at(gw, 0) == 0 && elem_at(gw, gw->numel - 1) == 0);
    tide_tensor_free(gw), tide_tensor_free(y), tide_tensor_free(x), tide_tensor_free(w);
}

int main(void) {
    int64_t live0 = tide_memory()->live_tensors;
    test_against_naive();
    test_chunks();
    test_errors();
    test_empty_batch();
    CHECK(tide_memory()->live_tensors == live0);
    return check_report("test_conv");
}
