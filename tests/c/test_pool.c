/* test_pool.c — max_pool2d, avg_pool2d and adaptive_avg_pool2d through the public C API against
 * naive loops written from PyTorch's definitions: windows with stride, padding, dilation,
 * ceil_mode, count_include_pad, divisor_override; the 2x2 stride-2 fast path (even and odd
 * sizes); int32 and int64 indices; NaN and tie rules; backward overwrite and accumulate; strided
 * inputs; bad arguments and leaks. */
#include "check.h"
#include "fill.h"
#include "tide/pool.h"
#include "tide/tensor.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng = 424242;
static double next_val(void) { /* multiples of 1/4 in [-4, 4]: ties happen */
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)((int)((rng >> 33) % 33) - 16) / 4;
}

static tide_tensor *random_tensor(const int64_t *shape, int dtype) {
    return tensor_filled(4, shape, dtype, next_val);
}

static int64_t pool_out(int64_t in, int64_t k, int64_t pad, int64_t s, int64_t d, int ceil_mode) {
    int64_t num = in + 2 * pad - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
    int64_t o = (int64_t)floor((double)num / (double)s) + 1;
    if (ceil_mode && (o - 1) * s >= in + pad) o--;
    return o;
}

/* max pooling, PyTorch's loop: y, argmax */
static void naive_max(const tide_tensor *x, const tide_pool2d_params *p, double *y, int64_t *arg, int64_t OH, int64_t OW) {
    int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
    for (int64_t pl = 0; pl < N * C; pl++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                int64_t hs = oy * p->stride[0] - p->padding[0], ws = ox * p->stride[1] - p->padding[1];
                double best = -INFINITY;
                int64_t bi = -1;
                for (int64_t i = 0; i < p->kernel[0]; i++)
                    for (int64_t j = 0; j < p->kernel[1]; j++) {
                        int64_t ih = hs + i * p->dilation[0], iw = ws + j * p->dilation[1];
                        if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                        double v = elem_at(x, pl * H * W + ih * W + iw);
                        if (bi < 0) bi = ih * W + iw;
                        if (v > best || v != v) best = v, bi = ih * W + iw;
                    }
                y[(pl * OH + oy) * OW + ox] = best;
                arg[(pl * OH + oy) * OW + ox] = bi;
            }
}

static void naive_avg(const tide_tensor *x, const tide_pool2d_params *p, double *y, double *div, int64_t OH, int64_t OW) {
    int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
    for (int64_t pl = 0; pl < N * C; pl++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                int64_t hs = oy * p->stride[0] - p->padding[0], ws = ox * p->stride[1] - p->padding[1];
                int64_t he = hs + p->kernel[0] < H + p->padding[0] ? hs + p->kernel[0] : H + p->padding[0];
                int64_t we = ws + p->kernel[1] < W + p->padding[1] ? ws + p->kernel[1] : W + p->padding[1];
                int64_t pool = (he - hs) * (we - ws), count = 0;
                double s = 0;
                for (int64_t ih = hs; ih < he; ih++)
                    for (int64_t iw = ws; iw < we; iw++)
                        if (ih >= 0 && ih < H && iw >= 0 && iw < W) s += elem_at(x, pl * H * W + ih * W + iw), count++;
                double d = p->divisor_override > 0 ? (double)p->divisor_override : p->count_include_pad ? (double)pool : (double)count;
                y[(pl * OH + oy) * OW + ox] = s / d;
                div[(pl * OH + oy) * OW + ox] = d;
            }
}

static tide_tensor *strided_copy(const tide_tensor *x) { /* same values, non-contiguous layout */
    int64_t ts[4] = {x->shape[0], x->shape[1], x->shape[3], x->shape[2]};
    tide_tensor *base = tide_tensor_empty(4, ts, x->dtype);
    tide_tensor *v = tide_transpose(base, 2, 3);
    tide_copy_(v, x);
    tide_tensor_free(base);
    return v;
}

typedef struct {
    int64_t N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw;
    int ceil_mode, count_include_pad;
    int64_t divisor;
} pcase;

static tide_pool2d_params params_of(const pcase *c) {
    tide_pool2d_params p = {{c->kh, c->kw}, {c->sh, c->sw}, {c->ph, c->pw}, {c->dh, c->dw}, c->ceil_mode, c->count_include_pad, c->divisor};
    return p;
}

static void run_max(const pcase *c, int dtype, int idx_dtype, int strided) {
    tide_pool2d_params p = params_of(c);
    int64_t xs[4] = {c->N, c->C, c->H, c->W};
    int64_t OH = pool_out(c->H, c->kh, c->ph, c->sh, c->dh, c->ceil_mode), OW = pool_out(c->W, c->kw, c->pw, c->sw, c->dw, c->ceil_mode);
    tide_tensor *x = random_tensor(xs, dtype), *xin = strided ? strided_copy(x) : x;
    tide_tensor *idx = NULL;
    tide_tensor *y = tide_max_pool2d_forward(xin, NULL, &idx, idx_dtype, &p);
    CHECK(y && idx);
    if (!y || !idx) {
        fprintf(stderr, "  %s\n", tide_last_error());
        return;
    }
    CHECK(y->shape[2] == OH && y->shape[3] == OW && idx->dtype == idx_dtype);
    double *ry = malloc(sizeof(double) * (size_t)y->numel);
    int64_t *ri = malloc(sizeof(int64_t) * (size_t)y->numel);
    naive_max(x, &p, ry, ri, OH, OW);
    int bad = 0;
    for (int64_t i = 0; i < y->numel; i++)
        if (elem_at(y, i) != ry[i] || (int64_t)elem_at(idx, i) != ri[i]) bad++;
    CHECK(bad == 0);
    if (bad)
        fprintf(stderr, "  max k%lldx%lld s%lld,%lld p%lld,%lld d%lld,%lld ceil%d %lldx%lld: %d wrong\n", (long long)c->kh,
                (long long)c->kw, (long long)c->sh, (long long)c->sw, (long long)c->ph, (long long)c->pw, (long long)c->dh,
                (long long)c->dw, c->ceil_mode, (long long)c->H, (long long)c->W, bad);
    /* without indices: same values */
    tide_tensor *y2 = tide_max_pool2d_forward(xin, NULL, NULL, 0, &p);
    bad = 0;
    for (int64_t i = 0; i < y->numel; i++) bad += elem_at(y2, i) != ry[i];
    CHECK(bad == 0);
    /* backward: overwrite (NaN-filled buffer), then accumulate on top */
    tide_tensor *gy = random_tensor(y->shape, dtype), *gx = tide_tensor_full(4, xs, dtype, NAN);
    double *rg = calloc((size_t)x->numel, sizeof(double));
    for (int64_t i = 0; i < y->numel; i++) rg[(i / (OH * OW)) * c->H * c->W + ri[i]] += elem_at(gy, i);
    CHECK(tide_max_pool2d_backward(gy, idx, gx, &p, 0) == 0);
    bad = 0;
    for (int64_t i = 0; i < x->numel; i++) bad += fabs(elem_at(gx, i) - rg[i]) > 1e-6;
    CHECK(bad == 0);
    CHECK(tide_max_pool2d_backward(gy, idx, gx, &p, 1) == 0);
    bad = 0;
    for (int64_t i = 0; i < x->numel; i++) bad += fabs(elem_at(gx, i) - 2 * rg[i]) > 1e-6;
    CHECK(bad == 0);
    free(ry), free(ri), free(rg);
    tide_tensor_free(gy), tide_tensor_free(gx), tide_tensor_free(y2), tide_tensor_free(y), tide_tensor_free(idx);
    if (xin != x) tide_tensor_free(xin);
    tide_tensor_free(x);
}

static void run_avg(const pcase *c, int dtype, int strided) {
    tide_pool2d_params p = params_of(c);
    int64_t xs[4] = {c->N, c->C, c->H, c->W};
    int64_t OH = pool_out(c->H, c->kh, c->ph, c->sh, 1, c->ceil_mode), OW = pool_out(c->W, c->kw, c->pw, c->sw, 1, c->ceil_mode);
    tide_tensor *x = random_tensor(xs, dtype), *xin = strided ? strided_copy(x) : x;
    tide_tensor *y = tide_avg_pool2d_forward(xin, NULL, &p);
    CHECK(y != NULL);
    if (!y) {
        fprintf(stderr, "  %s\n", tide_last_error());
        return;
    }
    CHECK(y->shape[2] == OH && y->shape[3] == OW);
    double *ry = malloc(sizeof(double) * (size_t)y->numel), *div = malloc(sizeof(double) * (size_t)y->numel);
    naive_avg(x, &p, ry, div, OH, OW);
    int bad = 0;
    for (int64_t i = 0; i < y->numel; i++) bad += fabs(elem_at(y, i) - ry[i]) > 1e-5 * (1 + fabs(ry[i]));
    CHECK(bad == 0);
    if (bad)
        fprintf(stderr, "  avg k%lld s%lld p%lld ceil%d incl%d div%lld %lldx%lld: %d wrong\n", (long long)c->kh, (long long)c->sh,
                (long long)c->ph, c->ceil_mode, c->count_include_pad, (long long)c->divisor, (long long)c->H, (long long)c->W, bad);
    tide_tensor *gy = random_tensor(y->shape, dtype), *gx = tide_tensor_full(4, xs, dtype, NAN);
    double *rg = calloc((size_t)x->numel, sizeof(double));
    int64_t H = c->H, W = c->W;
    for (int64_t pl = 0; pl < c->N * c->C; pl++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                int64_t k = (pl * OH + oy) * OW + ox;
                int64_t hs = oy * c->sh - c->ph, ws = ox * c->sw - c->pw;
                for (int64_t ih = hs; ih < hs + c->kh; ih++)
                    for (int64_t iw = ws; iw < ws + c->kw; iw++)
                        if (ih >= 0 && ih < H && iw >= 0 && iw < W) rg[pl * H * W + ih * W + iw] += elem_at(gy, k) / div[k];
            }
    CHECK(tide_avg_pool2d_backward(gy, gx, &p, 0) == 0);
    bad = 0;
    for (int64_t i = 0; i < x->numel; i++) bad += fabs(elem_at(gx, i) - rg[i]) > 1e-5 * (1 + fabs(rg[i]));
    CHECK(bad == 0);
    CHECK(tide_avg_pool2d_backward(gy, gx, &p, 1) == 0);
    bad = 0;
    for (int64_t i = 0; i < x->numel; i++) bad += fabs(elem_at(gx, i) - 2 * rg[i]) > 1e-5 * (1 + fabs(rg[i]));
    CHECK(bad == 0);
    free(ry), free(div), free(rg);
    tide_tensor_free(gy), tide_tensor_free(gx), tide_tensor_free(y);
    if (xin != x) tide_tensor_free(xin);
    tide_tensor_free(x);
}

static void run_adaptive(int64_t H, int64_t W, int64_t oh, int64_t ow, int dtype) {
    int64_t xs[4] = {2, 3, H, W};
    tide_tensor *x = random_tensor(xs, dtype);
    tide_tensor *y = tide_adaptive_avg_pool2d_forward(x, NULL, oh, ow);
    CHECK(y && y->shape[2] == oh && y->shape[3] == ow);
    if (!y) return;
    tide_tensor *gy = random_tensor(y->shape, dtype), *gx = tide_tensor_full(4, xs, dtype, NAN);
    double *rg = calloc((size_t)x->numel, sizeof(double));
    int bad = 0;
    for (int64_t pl = 0; pl < 6; pl++)
        for (int64_t oy = 0; oy < oh; oy++)
            for (int64_t ox = 0; ox < ow; ox++) {
                int64_t h0 = (int64_t)floor((double)(oy * H) / (double)oh), h1 = (int64_t)ceil((double)((oy + 1) * H) / (double)oh);
                int64_t w0 = (int64_t)floor((double)(ox * W) / (double)ow), w1 = (int64_t)ceil((double)((ox + 1) * W) / (double)ow);
                double s = 0, n = (double)((h1 - h0) * (w1 - w0));
                int64_t k = (pl * oh + oy) * ow + ox;
                for (int64_t i = h0; i < h1; i++)
                    for (int64_t j = w0; j < w1; j++) s += elem_at(x, pl * H * W + i * W + j), rg[pl * H * W + i * W + j] += elem_at(gy, k) / n;
                bad += fabs(elem_at(y, k) - s / n) > 1e-5 * (1 + fabs(s / n));
            }
    CHECK(bad == 0);
    CHECK(tide_adaptive_avg_pool2d_backward(gy, gx, 0) == 0);
    bad = 0;
    for (int64_t i = 0; i < x->numel; i++) bad += fabs(elem_at(gx, i) - rg[i]) > 1e-5 * (1 + fabs(rg[i]));
    CHECK(bad == 0);
    free(rg);
    tide_tensor_free(gy), tide_tensor_free(gx), tide_tensor_free(y), tide_tensor_free(x);
}

static const pcase max_cases[] = {
    /* N C  H   W  kh kw sh sw ph pw dh dw ceil incl div */
    {2, 3, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0},    /* fast path */
    {2, 3, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0},  /* fast path, the benchmark's size */
    {1, 2, 9, 7, 2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0},    /* fast path, odd sizes (last row/col unused) */
    {1, 2, 9, 7, 2, 2, 2, 2, 0, 0, 1, 1, 1, 0, 0},    /* odd sizes, ceil_mode: partial windows */
    {2, 2, 40, 38, 2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0},  /* fast path, rows longer than a vector */
    {2, 2, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 0},    /* overlapping, padded */
    {2, 2, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 0},    /* ceil_mode */
    {1, 3, 10, 11, 3, 2, 1, 3, 1, 0, 2, 1, 0, 0, 0},  /* dilation, asymmetric */
    {1, 2, 6, 6, 3, 3, 3, 3, 0, 0, 1, 1, 1, 0, 0},    /* ceil_mode adds a window */
    {1, 1, 5, 5, 5, 5, 1, 1, 2, 2, 1, 1, 0, 0, 0},    /* window as large as the input, padded */
};

static const pcase avg_cases[] = {
    {2, 3, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1, 0, 1, 0},
    {2, 2, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1, 0},  /* padding counted */
    {2, 2, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 0},  /* padding not counted */
    {2, 2, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0},  /* ceil_mode, counted: windows past the padded edge */
    {2, 2, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 0},  /* ceil_mode, not counted */
    {1, 3, 10, 11, 3, 2, 1, 3, 1, 0, 1, 1, 0, 1, 5}, /* divisor_override */
    {1, 2, 6, 5, 4, 4, 3, 3, 2, 1, 1, 1, 1, 1, 0},
};

static void expect_null(tide_tensor *r, const char *needle) {
    CHECK(r == NULL);
    CHECK(strstr(tide_last_error(), needle) != NULL);
    if (!strstr(tide_last_error(), needle)) fprintf(stderr, "  got '%s', expected '%s'\n", tide_last_error(), needle);
    tide_clear_error();
    tide_tensor_free(r);
}

static void expect_fail(int rc, const char *needle) {
    CHECK(rc != 0);
    CHECK(strstr(tide_last_error(), needle) != NULL);
    if (!strstr(tide_last_error(), needle)) fprintf(stderr, "  got '%s', expected '%s'\n", tide_last_error(), needle);
    tide_clear_error();
}

static void test_special_values(void) {
    /* NaN wins and propagates; among equal values the first wins; -inf everywhere keeps a valid index */
    int64_t xs[4] = {1, 1, 2, 4};
    tide_tensor *x = tide_tensor_zeros(4, xs, TIDE_FLOAT32);
    float *d = x->storage->data;
    float vals[8] = {1, NAN, 3, 3, 2, 5, 3, -INFINITY};
    memcpy(d, vals, sizeof vals);
    tide_pool2d_params p = {{2, 2}, {2, 2}, {0, 0}, {1, 1}, 0, 0, 0};
    tide_tensor *idx = NULL, *y = tide_max_pool2d_forward(x, NULL, &idx, TIDE_INT64, &p);
    CHECK(y && isnan(elem_at(y, 0)) && elem_at(idx, 0) == 1);
    CHECK(elem_at(y, 1) == 3 && elem_at(idx, 1) == 2); /* 3 at (0,2) before 3 at (0,3) and (1,2) */
    tide_tensor_free(y), tide_tensor_free(idx);
    for (int i = 0; i < 8; i++) d[i] = -INFINITY;
    y = tide_max_pool2d_forward(x, NULL, &idx, TIDE_INT32, &p);
    CHECK(y && elem_at(y, 0) == -INFINITY && elem_at(idx, 0) == 0 && elem_at(idx, 1) == 2);
    tide_tensor_free(y), tide_tensor_free(idx), tide_tensor_free(x);
}

static void test_errors(void) {
    int64_t xs[4] = {2, 3, 5, 5}, x3[3] = {3, 5, 5};
    tide_tensor *x = tide_tensor_zeros(4, xs, TIDE_FLOAT32), *x_3d = tide_tensor_zeros(3, x3, TIDE_FLOAT32);
    tide_tensor *xi = tide_tensor_zeros(4, xs, TIDE_INT64);
    tide_pool2d_params p = {{2, 2}, {2, 2}, {0, 0}, {1, 1}, 0, 0, 0};
    expect_null(tide_max_pool2d_forward(x_3d, NULL, NULL, 0, &p), "max_pool2d: input must be 4-d [N, C, H, W], got 3-d");
    expect_null(tide_max_pool2d_forward(xi, NULL, NULL, 0, &p), "max_pool2d: input must be float32 or float64, got int64");
    expect_null(tide_avg_pool2d_forward(NULL, NULL, &p), "avg_pool2d: input is NULL");
    expect_null(tide_max_pool2d_forward(x, NULL, NULL, 0, NULL), "parameters are NULL");
    tide_tensor *ix = NULL;
    expect_null(tide_max_pool2d_forward(x, NULL, &ix, TIDE_FLOAT32, &p), "indices must be int32 or int64, got float32");
    CHECK(ix == NULL);
    p.kernel[0] = 7;
    expect_null(tide_max_pool2d_forward(x, NULL, NULL, 0, &p), "max_pool2d: output size would be 0 x 2");
    p.kernel[0] = 2, p.padding[1] = 2;
    expect_null(tide_max_pool2d_forward(x, NULL, NULL, 0, &p), "padding (2) should be at most half of the dilated kernel size (2)");
    expect_null(tide_avg_pool2d_forward(x, NULL, &p), "padding (2) should be at most half of the kernel size (2)");
    p.padding[1] = 0, p.stride[1] = 0;
    expect_null(tide_max_pool2d_forward(x, NULL, NULL, 0, &p), "stride must be >= 1, got 0");
    p.stride[1] = 2, p.dilation[0] = 2;
    expect_null(tide_avg_pool2d_forward(x, NULL, &p), "avg_pool2d: dilation is not supported");
    p.dilation[0] = 1, p.kernel[1] = 0;
    expect_null(tide_max_pool2d_forward(x, NULL, NULL, 0, &p), "kernel_size must be >= 1, got 0");
    p.kernel[1] = 2;
    expect_null(tide_adaptive_avg_pool2d_forward(x, NULL, 0, 2), "adaptive_avg_pool2d: output size must be >= 1, got 0 x 2");
    /* backward shapes and bad indices */
    tide_tensor *idx = NULL, *y = tide_max_pool2d_forward(x, NULL, &idx, TIDE_INT64, &p);
    CHECK(y && idx);
    tide_tensor *gx = tide_tensor_zeros(4, xs, TIDE_FLOAT32);
    expect_fail(tide_max_pool2d_backward(x, idx, gx, &p, 0), "max_pool2d backward: grad_output has shape [2, 3, 5, 5], expected [2, 3, 2, 2]");
    expect_fail(tide_max_pool2d_backward(y, y, gx, &p, 0), "indices must be int32 or int64, got float32");
    expect_fail(tide_max_pool2d_backward(y, idx, x_3d, &p, 0), "grad_input must be 4-d");
    ((int64_t *)idx->storage->data)[3] = 25;
    expect_fail(tide_max_pool2d_backward(y, idx, gx, &p, 0), "index 25 is outside the 5 x 5 input plane");
    ((int64_t *)idx->storage->data)[3] = -1;
    expect_fail(tide_max_pool2d_backward(y, idx, gx, &p, 0), "index -1 is outside");
    tide_tensor *n1 = tide_narrow(gx, 2, 0, 2), *alias = tide_narrow(n1, 3, 0, 2);
    expect_fail(tide_avg_pool2d_backward(alias, gx, &p, 0), "grad_input shares memory with grad_output");
    tide_tensor_free(n1), tide_tensor_free(alias);
    expect_fail(tide_adaptive_avg_pool2d_backward(x_3d, gx, 0), "grad_output must be 4-d");
    tide_tensor_free(gx), tide_tensor_free(y), tide_tensor_free(idx);
    tide_tensor_free(x), tide_tensor_free(x_3d), tide_tensor_free(xi);
}

int main(void) {
    int64_t live0 = tide_memory()->live_tensors;
    for (size_t i = 0; i < sizeof max_cases / sizeof max_cases[0]; i++)
        for (int dt = 0; dt < 2; dt++) run_max(&max_cases[i], dt ? TIDE_FLOAT64 : TIDE_FLOAT32, (i + dt) % 2 ? TIDE_INT64 : TIDE_INT32, i == 1 || i == 5);
    for (size_t i = 0; i < sizeof avg_cases / sizeof avg_cases[0]; i++)
        for (int dt = 0; dt < 2; dt++) run_avg(&avg_cases[i], dt ? TIDE_FLOAT64 : TIDE_FLOAT32, i == 1);
    run_adaptive(7, 9, 3, 4, TIDE_FLOAT32);
    run_adaptive(5, 5, 5, 5, TIDE_FLOAT64);
    run_adaptive(4, 6, 7, 9, TIDE_FLOAT32); /* upsampling: overlapping windows */
    run_adaptive(13, 11, 1, 1, TIDE_FLOAT64);
    test_special_values();
    test_errors();
    CHECK(tide_memory()->live_tensors == live0);
    return check_report("test_pool");
}
