/* test_activation.c — activation, softmax and dropout kernels through the public C API: values
 * against scalar libm formulas for both dtypes, backward with accumulate 0 and 1, in-place
 * (out == x), non-contiguous inputs, softmax over a middle dim against a naive loop, dropout's
 * mask reproducibility, and every bad argument failing with a message instead of crashing;
 * nothing leaks. */
#include "check.h"
#include "tide/activation.h"
#include "tide/tensor.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

static double get(const tide_tensor *t, int64_t i) {
    double v = NAN;
    int64_t idx[TIDE_MAX_DIMS] = {0};
    for (int d = t->ndim - 1; d >= 0; d--) {
        idx[d] = i % t->shape[d];
        i /= t->shape[d];
    }
    tide_tensor_get(t, idx, &v);
    return v;
}

static tide_tensor *randn(int nd, const int64_t *shape, int dtype, double scale) {
    tide_tensor *t = tide_tensor_empty(nd, shape, dtype);
    tide_randn_(t, 0, scale);
    return t;
}

typedef double (*ref_fn)(double x, double p);
static double r_relu(double x, double p) { return x < 0 ? 0 : x; }
static double r_leaky(double x, double p) { return x > 0 ? x : p * x; }
static double r_elu(double x, double p) { return x > 0 ? x : p * expm1(x); }
static double r_gelu(double x, double p) { return 0.5 * x * (1 + erf(x / sqrt(2.0))); }
static double r_gelu_tanh(double x, double p) {
    return 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}
static double r_sigmoid(double x, double p) { return 1 / (1 + exp(-x)); }
static double r_tanh(double x, double p) { return tanh(x); }

/* forward of each activation against its formula; backward against a central difference */
static void test_pointwise(int dtype) {
    int64_t shape[2] = {37, 29};
    tide_tensor *x = randn(2, shape, dtype, 3);
    double tol = dtype == TIDE_FLOAT32 ? 2e-6 : 1e-14;
    struct {
        int which;
        ref_fn f;
        double p;
    } cases[] = {{0, r_relu, 0}, {1, r_leaky, 0.1}, {2, r_elu, 1.3}, {3, r_gelu, 0}, {4, r_gelu_tanh, 0},
                 {5, r_sigmoid, 0}, {6, r_tanh, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int w = cases[k].which;
        double p = cases[k].p;
        tide_tensor *y = w == 0   ? tide_relu_forward(x, NULL)
                         : w == 1 ? tide_leaky_relu_forward(x, NULL, p)
                         : w == 2 ? tide_elu_forward(x, NULL, p)
                         : w == 3 ? tide_gelu_forward(x, NULL, 0)
                         : w == 4 ? tide_gelu_forward(x, NULL, 1)
                         : w == 5 ? tide_sigmoid_forward(x, NULL)
                                  : tide_tanh_forward(x, NULL);
        CHECK(y && y->dtype == dtype);
        double worst = 0;
        for (int64_t i = 0; i < x->numel; i++) {
            double want = cases[k].f(get(x, i), p), e = fabs(get(y, i) - want) / fmax(1, fabs(want));
            if (e > worst) worst = e;
        }
        CHECK(worst <= tol);
        /* backward with g = 1: accumulate 0 writes, accumulate 1 adds the same again */
        tide_tensor *g = tide_tensor_full(2, shape, dtype, 1), *gi = tide_tensor_full(2, shape, dtype, 7);
        int st = w == 0   ? tide_relu_backward(g, y, gi, 0)
                 : w == 1 ? tide_leaky_relu_backward(g, x, gi, p, 0)
                 : w == 2 ? tide_elu_backward(g, x, y, gi, p, 0)
                 : w == 3 ? tide_gelu_backward(g, x, gi, 0, 0)
                 : w == 4 ? tide_gelu_backward(g, x, gi, 1, 0)
                 : w == 5 ? tide_sigmoid_backward(g, y, gi, 0)
                          : tide_tanh_backward(g, y, gi, 0);
        CHECK(st == 0);
        worst = 0;
        for (int64_t i = 0; i < x->numel; i++) {
            double v = get(x, i), h = 1e-6;
            if (fabs(v) < 1e-3) continue; /* the kinks */
            double fd = (cases[k].f(v + h, p) - cases[k].f(v - h, p)) / (2 * h);
            double e = fabs(get(gi, i) - fd) / fmax(1, fabs(fd));
            if (e > worst) worst = e;
        }
        CHECK(worst <= (dtype == TIDE_FLOAT32 ? 1e-5 : 1e-7));
        tide_tensor *gi2 = tide_clone(gi);
        st = w == 0 ? tide_relu_backward(g, y, gi2, 1)
             : w == 5 ? tide_sigmoid_backward(g, y, gi2, 1)
             : w == 6 ? tide_tanh_backward(g, y, gi2, 1)
             : w == 1 ? tide_leaky_relu_backward(g, x, gi2, p, 1)
             : w == 2 ? tide_elu_backward(g, x, y, gi2, p, 1)
                      : tide_gelu_backward(g, x, gi2, w == 4, 1);
        CHECK(st == 0);
        /* the two loops are compiled separately (vectorised or not, FMA contraction), so a
         * gradient that cancels (gelu far left) may differ in its last bits relative to 1 */
        int same = 1;
        double tol = dtype == TIDE_FLOAT32 ? 1e-6 : 1e-14;
        for (int64_t i = 0; i < x->numel; i++)
            same &= fabs(get(gi2, i) - 2 * get(gi, i)) <= tol * fmax(1, fabs(2 * get(gi, i)));
        CHECK(same);
        tide_tensor_free(gi2);
        tide_tensor_free(g);
        tide_tensor_free(gi);
        tide_tensor_free(y);
    }
    /* in place: out == x */
    tide_tensor *c = tide_clone(x);
    CHECK(tide_relu_forward(c, c) == c);
    int ok = 1;
    for (int64_t i = 0; i < c->numel; i++) ok &= get(c, i) == r_relu(get(x, i), 0);
    CHECK(ok);
    tide_tensor_free(c);
    /* a transposed input reads through a copy and gives the transposed values */
    tide_tensor *xt = tide_transpose(x, 0, 1);
    tide_tensor *yt = tide_sigmoid_forward(xt, NULL);
    CHECK(yt && yt->shape[0] == 29 && yt->shape[1] == 37);
    int64_t i1[2] = {3, 5}, i2[2] = {5, 3};
    double a = NAN, b = NAN;
    tide_tensor_get(yt, i1, &a);
    tide_tensor_get(x, i2, &b);
    CHECK(fabs(a - r_sigmoid(b, 0)) <= tol);
    tide_tensor_free(yt);
    tide_tensor_free(xt);
    tide_tensor_free(x);
}

/* softmax / log_softmax over each dim of [3, 40, 70] (inner > TILE too) against a naive loop */
static void test_softmax(int dtype) {
    int64_t shape[3] = {3, 40, 70};
    tide_tensor *x = randn(3, shape, dtype, 4);
    double tol = dtype == TIDE_FLOAT32 ? 2e-6 : 1e-14;
    for (int dim = 0; dim < 3; dim++) {
        tide_tensor *s = tide_softmax_forward(x, NULL, dim), *l = tide_log_softmax_forward(x, NULL, dim);
        CHECK(s && l);
        int64_t stride = dim == 0 ? 40 * 70 : dim == 1 ? 70 : 1, D = shape[dim];
        double worst = 0;
        for (int64_t i = 0; i < x->numel; i++) {
            int64_t pos = (i / stride) % D, base = i - pos * stride;
            double m = -INFINITY, se = 0;
            for (int64_t d = 0; d < D; d++) m = fmax(m, get(x, base + d * stride));
            for (int64_t d = 0; d < D; d++) se += exp(get(x, base + d * stride) - m);
            double want = exp(get(x, i) - m) / se, lwant = get(x, i) - m - log(se);
            worst = fmax(worst, fabs(get(s, i) - want));
            worst = fmax(worst, fabs(get(l, i) - lwant) / fmax(1, fabs(lwant)));
            if (i > 4000) break; /* enough positions of each layout */
        }
        CHECK(worst <= tol);
        /* backward: with g = 1, softmax's gradient is 0 and log_softmax's is 1 - D * softmax */
        tide_tensor *g = tide_tensor_full(3, shape, dtype, 1), *gi = tide_tensor_empty(3, shape, dtype);
        CHECK(tide_softmax_backward(g, s, gi, dim, 0) == 0);
        worst = 0;
        for (int64_t i = 0; i < x->numel; i += 7) worst = fmax(worst, fabs(get(gi, i)));
        CHECK(worst <= tol);
        CHECK(tide_log_softmax_backward(g, l, gi, dim, 0) == 0);
        worst = 0;
        for (int64_t i = 0; i < x->numel; i += 7) worst = fmax(worst, fabs(get(gi, i) - (1 - D * get(s, i))));
        CHECK(worst <= tol * D);
        /* accumulate 1 adds into grad_in */
        CHECK(tide_log_softmax_backward(g, l, gi, dim, 1) == 0);
        CHECK(fabs(get(gi, 11) - 2 * (1 - D * get(s, 11))) <= 2 * tol * D);
        tide_tensor_free(g);
        tide_tensor_free(gi);
        tide_tensor_free(s);
        tide_tensor_free(l);
    }
    tide_tensor_free(x);
}

static void test_dropout(void) {
    int64_t shape[1] = {100000};
    tide_tensor *x = tide_tensor_full(1, shape, TIDE_FLOAT32, 2);
    tide_tensor *m1 = tide_tensor_empty(1, shape, TIDE_BOOL), *m2 = tide_tensor_empty(1, shape, TIDE_BOOL);
    tide_manual_seed(77);
    tide_tensor *y1 = tide_dropout_forward(x, NULL, m1, 0.25);
    tide_manual_seed(77);
    tide_tensor *y2 = tide_dropout_forward(x, NULL, m2, 0.25);
    CHECK(y1 && y2);
    CHECK(memcmp(tide_tensor_data_ptr(m1), tide_tensor_data_ptr(m2), 100000) == 0);
    CHECK(memcmp(tide_tensor_data_ptr(y1), tide_tensor_data_ptr(y2), 100000 * sizeof(float)) == 0);
    int64_t kept = 0, right = 1;
    const bool *m = tide_tensor_data_ptr(m1);
    const float *y = tide_tensor_data_ptr(y1);
    for (int64_t i = 0; i < 100000; i++) {
        kept += m[i];
        right &= y[i] == (m[i] ? 2.0f / 0.75f : 0.0f);
    }
    CHECK(right);
    CHECK(kept > 74000 && kept < 76000);
    /* backward: g * mask / (1 - p), accumulated */
    tide_tensor *g = tide_tensor_full(1, shape, TIDE_FLOAT32, 3), *gi = tide_tensor_full(1, shape, TIDE_FLOAT32, 1);
    CHECK(tide_dropout_backward(g, m1, gi, 0.25, 1) == 0);
    const float *gp = tide_tensor_data_ptr(gi);
    right = 1;
    for (int64_t i = 0; i < 100000; i++) right &= gp[i] == 1 + (m[i] ? 3.0f / 0.75f : 0.0f);
    CHECK(right);
    /* in place (out == x) keeps the same mask as out of place */
    tide_tensor *xc = tide_clone(x);
    tide_manual_seed(77);
    CHECK(tide_dropout_forward(xc, xc, m2, 0.25) == xc);
    CHECK(memcmp(tide_tensor_data_ptr(xc), tide_tensor_data_ptr(y1), 100000 * sizeof(float)) == 0);
    /* p = 1: nothing kept; p = 0: everything */
    tide_tensor *z = tide_dropout_forward(x, NULL, m2, 1);
    CHECK(z && get(z, 5) == 0 && ((bool *)tide_tensor_data_ptr(m2))[5] == false);
    tide_tensor *o = tide_dropout_forward(x, NULL, m2, 0);
    CHECK(o && get(o, 5) == 2 && ((bool *)tide_tensor_data_ptr(m2))[5] == true);
    /* bad arguments */
    CHECK(tide_dropout_forward(x, NULL, m2, 1.5) == NULL && strstr(tide_last_error(), "dropout: probability p"));
    CHECK(tide_dropout_forward(x, NULL, x, 0.5) == NULL && strstr(tide_last_error(), "dropout: mask is float32"));
    CHECK(tide_dropout_forward(x, NULL, NULL, 0.5) == NULL && strstr(tide_last_error(), "dropout: mask is NULL"));
    CHECK(tide_dropout_backward(g, x, gi, 0.5, 0) == -1 && strstr(tide_last_error(), "mask must be bool"));
    tide_tensor_free(z);
    tide_tensor_free(o);
    tide_tensor_free(xc);
    tide_tensor_free(g);
    tide_tensor_free(gi);
    tide_tensor_free(y1);
    tide_tensor_free(y2);
    tide_tensor_free(m1);
    tide_tensor_free(m2);
    tide_tensor_free(x);
}

static void test_errors(void) {
    int64_t shape[2] = {2, 3}, other[2] = {3, 2};
    tide_tensor *x = tide_tensor_zeros(2, shape, TIDE_FLOAT32), *i = tide_tensor_zeros(2, shape, TIDE_INT64);
    tide_tensor *x64 = tide_tensor_zeros(2, shape, TIDE_FLOAT64), *wrong = tide_tensor_zeros(2, other, TIDE_FLOAT32);
    CHECK(tide_relu_forward(NULL, NULL) == NULL && strstr(tide_last_error(), "relu: input is NULL"));
    CHECK(tide_relu_forward(i, NULL) == NULL &&
          strcmp(tide_last_error(), "relu: input must be float32 or float64, got int64") == 0);
    CHECK(tide_tanh_forward(x, wrong) == NULL && strstr(tide_last_error(), "tanh: out has shape [3, 2], expected [2, 3]"));
    CHECK(tide_tanh_forward(x, x64) == NULL && strstr(tide_last_error(), "tanh: out is float64, expected float32"));
    tide_tensor *xt = tide_transpose(wrong, 0, 1);
    CHECK(tide_tanh_forward(x, xt) == NULL && strstr(tide_last_error(), "tanh: out must be contiguous"));
    CHECK(tide_relu_backward(x, wrong, x, 0) == -1 && strstr(tide_last_error(), "relu backward: out has shape"));
    CHECK(tide_relu_backward(x, x, wrong, 0) == -1 && strstr(tide_last_error(), "relu backward: grad_in has shape"));
    CHECK(tide_sigmoid_backward(x, x64, x, 0) == -1 && strstr(tide_last_error(), "sigmoid backward: out is float64"));
    CHECK(tide_gelu_forward(x, NULL, 2) == NULL && strstr(tide_last_error(), "gelu: approximate must be 0"));
    CHECK(tide_leaky_relu_forward(x, NULL, INFINITY) == NULL && strstr(tide_last_error(), "leaky_relu: negative_slope"));
    CHECK(tide_softmax_forward(x, NULL, 2) == NULL &&
          strcmp(tide_last_error(), "softmax: dim 3 out of range for a tensor with 2 dims") == 0);
    CHECK(tide_log_softmax_forward(x, NULL, -1) == NULL && strstr(tide_last_error(), "log_softmax: dim 0 out of range"));
    CHECK(tide_softmax_backward(x, wrong, x, 1, 0) == -1 && strstr(tide_last_error(), "softmax backward: out has shape"));
    tide_tensor_free(xt);
    tide_tensor_free(x);
    tide_tensor_free(i);
    tide_tensor_free(x64);
    tide_tensor_free(wrong);
}

int main(void) {
    int64_t live0 = tide_memory()->live_tensors;
    test_pointwise(TIDE_FLOAT32);
    test_pointwise(TIDE_FLOAT64);
    test_softmax(TIDE_FLOAT32);
    test_softmax(TIDE_FLOAT64);
    test_dropout();
    test_errors();
    CHECK(tide_memory()->live_tensors == live0);
    return check_report("test_activation");
}
