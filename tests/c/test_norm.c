/* test_norm.c — batch_norm and layer_norm through the public C API: outputs and running stats
 * against naive double loops, backward with accumulate 0 and 1 against central differences,
 * the evaluation path, optional buffers left NULL, and bad arguments failing with messages;
 * nothing leaks. */
#include "check.h"
#include "tide/norm.h"
#include "tide/tensor.h"

#include <math.h>
#include <string.h>

static double *data64(tide_tensor *t) { return (double *)tide_tensor_data_ptr(t); }

static tide_tensor *randn(int nd, const int64_t *shape, double mean, double std) {
    tide_tensor *t = tide_tensor_empty(nd, shape, TIDE_FLOAT64);
    tide_randn_(t, mean, std);
    return t;
}

/* sum(out * r) for fixed weights r: the scalar whose gradient backward computes with g = r */
static double bn_objective(tide_tensor *x, tide_tensor *w, tide_tensor *b, tide_tensor *r, int training,
                           tide_tensor *rm, tide_tensor *rv) {
    tide_tensor *y = tide_batch_norm_forward(x, w, b, rm, rv, NULL, NULL, NULL, training, 0, 1e-5);
    double s = 0;
    for (int64_t i = 0; i < y->numel; i++) s += data64(y)[i] * data64(r)[i];
    tide_tensor_free(y);
    return s;
}

static void test_batch_norm(void) {
    int64_t shape[4] = {4, 3, 5, 6}, cs[1] = {3};
    tide_tensor *x = randn(4, shape, 2, 3), *w = randn(1, cs, 1, 0.5), *b = randn(1, cs, 0, 1);
    tide_tensor *rm = tide_tensor_zeros(1, cs, TIDE_FLOAT64), *rv = tide_tensor_full(1, cs, TIDE_FLOAT64, 1);
    tide_tensor *sm = tide_tensor_empty(1, cs, TIDE_FLOAT64), *si = tide_tensor_empty(1, cs, TIDE_FLOAT64);
    tide_tensor *y = tide_batch_norm_forward(x, w, b, rm, rv, NULL, sm, si, 1, 0.2, 1e-5);
    CHECK(y != NULL);
    const int64_t M = 4 * 5 * 6;
    for (int c = 0; c < 3; c++) {
        double mean = 0, var = 0;
        for (int n = 0; n < 4; n++)
            for (int s = 0; s < 30; s++) mean += data64(x)[(n * 3 + c) * 30 + s];
        mean /= M;
        for (int n = 0; n < 4; n++)
            for (int s = 0; s < 30; s++) var += pow(data64(x)[(n * 3 + c) * 30 + s] - mean, 2);
        var /= M;
        CHECK(fabs(data64(sm)[c] - mean) < 1e-12);
        CHECK(fabs(data64(si)[c] - 1 / sqrt(var + 1e-5)) < 1e-12);
        CHECK(fabs(data64(rm)[c] - 0.2 * mean) < 1e-12);
        CHECK(fabs(data64(rv)[c] - (0.8 + 0.2 * var * M / (M - 1))) < 1e-12);
        double want = (data64(x)[c * 30 + 7] - mean) / sqrt(var + 1e-5) * data64(w)[c] + data64(b)[c];
        CHECK(fabs(data64(y)[c * 30 + 7] - want) < 1e-12);
    }
    /* backward against central differences; accumulate adds */
    tide_tensor *r = randn(4, shape, 0, 1), *gx = tide_tensor_empty(4, shape, TIDE_FLOAT64);
    tide_tensor *gw = tide_tensor_empty(1, cs, TIDE_FLOAT64), *gb = tide_tensor_empty(1, cs, TIDE_FLOAT64);
    for (int training = 1; training >= 0; training--) {
        tide_tensor *y2 = tide_batch_norm_forward(x, w, b, rm, rv, NULL, sm, si, training, 0, 1e-5);
        CHECK(tide_batch_norm_backward(r, x, w, sm, si, gx, gw, gb, training, 0) == 0);
        double h = 1e-6, worst = 0;
        int64_t probe[3] = {0, 77, 359};
        for (int k = 0; k < 3; k++) {
            double *p = data64(x) + probe[k], v = *p;
            *p = v + h;
            double fp = bn_objective(x, w, b, r, training, rm, rv);
            *p = v - h;
            double fm = bn_objective(x, w, b, r, training, rm, rv);
            *p = v;
            worst = fmax(worst, fabs((fp - fm) / (2 * h) - data64(gx)[probe[k]]));
        }
        for (int c = 0; c < 3; c++) {
            double *p = data64(w) + c, v = *p;
            *p = v + h;
            double fp = bn_objective(x, w, b, r, training, rm, rv);
            *p = v - h;
            double fm = bn_objective(x, w, b, r, training, rm, rv);
            *p = v;
            worst = fmax(worst, fabs((fp - fm) / (2 * h) - data64(gw)[c]));
        }
        CHECK(worst < 1e-6);
        double gb0 = data64(gb)[1], gx0 = data64(gx)[5];
        CHECK(tide_batch_norm_backward(r, x, w, sm, si, gx, NULL, gb, training, 1) == 0);
        CHECK(fabs(data64(gb)[1] - 2 * gb0) < 1e-12 && fabs(data64(gx)[5] - 2 * gx0) < 1e-12);
        tide_tensor_free(y2);
    }
    /* [N, C] input, no affine parameters, no running stats, float32 */
    int64_t s2[2] = {50, 7};
    tide_tensor *x2 = tide_tensor_empty(2, s2, TIDE_FLOAT32);
    tide_randn_(x2, 5, 2);
    tide_tensor *y3 = tide_batch_norm_forward(x2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1, 0.1, 1e-5);
    double mean = 0, sq = 0;
    for (int n = 0; n < 50; n++) {
        double v = ((float *)tide_tensor_data_ptr(y3))[n * 7 + 3];
        mean += v;
        sq += v * v;
    }
    CHECK(fabs(mean / 50) < 1e-5 && fabs(sq / 50 - 1) < 1e-3);
    /* bad arguments */
    int64_t s4[1] = {4};
    tide_tensor *w4 = tide_tensor_zeros(1, s4, TIDE_FLOAT64);
    CHECK(!tide_batch_norm_forward(x, w4, NULL, NULL, NULL, NULL, NULL, NULL, 1, 0.1, 1e-5) &&
          strcmp(tide_last_error(), "batch_norm: weight must have shape [3], got [4]") == 0);
    CHECK(!tide_batch_norm_forward(x, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0.1, 1e-5) &&
          strstr(tide_last_error(), "running_mean and running_var are required"));
    CHECK(!tide_batch_norm_forward(x, NULL, NULL, rm, NULL, NULL, NULL, NULL, 1, 0.1, 1e-5) &&
          strstr(tide_last_error(), "must be given together"));
    CHECK(!tide_batch_norm_forward(x, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1, 0.1, -1) &&
          strstr(tide_last_error(), "eps must be >= 0"));
    CHECK(!tide_batch_norm_forward(x2, NULL, NULL, rm, rv, NULL, NULL, NULL, 1, 0.1, 1e-5) &&
          strstr(tide_last_error(), "batch_norm: running_mean has shape [3], expected [7]"));
    CHECK(tide_batch_norm_backward(r, x, w, NULL, si, gx, NULL, NULL, 1, 0) == -1 &&
          strstr(tide_last_error(), "save_mean and save_invstd are required"));
    CHECK(tide_batch_norm_backward(x2, x, w, sm, si, gx, NULL, NULL, 1, 0) == -1 &&
          strstr(tide_last_error(), "batch_norm backward: grad_out has shape"));
    CHECK(tide_batch_norm_forward(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1, 0.1, 1e-5) == NULL);
    tide_tensor *list[] = {x, w, b, rm, rv, sm, si, y, r, gx, gw, gb, x2, y3, w4};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) tide_tensor_free(list[i]);
}

static double ln_objective(tide_tensor *x, tide_tensor *w, tide_tensor *b, tide_tensor *r) {
    tide_tensor *y = tide_layer_norm_forward(x, w, b, NULL, NULL, NULL, 2, 1e-5);
    double s = 0;
    for (int64_t i = 0; i < y->numel; i++) s += data64(y)[i] * data64(r)[i];
    tide_tensor_free(y);
    return s;
}

static void test_layer_norm(void) {
    int64_t shape[3] = {5, 3, 4}, ns[2] = {3, 4}, rows[1] = {5};
    tide_tensor *x = randn(3, shape, 1, 2), *w = randn(2, ns, 1, 0.5), *b = randn(2, ns, 0, 1);
    tide_tensor *sm = tide_tensor_empty(1, rows, TIDE_FLOAT64), *sr = tide_tensor_empty(1, rows, TIDE_FLOAT64);
    tide_tensor *y = tide_layer_norm_forward(x, w, b, NULL, sm, sr, 2, 1e-5);
    CHECK(y != NULL);
    for (int rr = 0; rr < 5; rr++) {
        double mean = 0, var = 0;
        for (int j = 0; j < 12; j++) mean += data64(x)[rr * 12 + j] / 12;
        for (int j = 0; j < 12; j++) var += pow(data64(x)[rr * 12 + j] - mean, 2) / 12;
        CHECK(fabs(data64(sm)[rr] - mean) < 1e-12 && fabs(data64(sr)[rr] - 1 / sqrt(var + 1e-5)) < 1e-12);
        double want = (data64(x)[rr * 12 + 5] - mean) / sqrt(var + 1e-5) * data64(w)[5] + data64(b)[5];
        CHECK(fabs(data64(y)[rr * 12 + 5] - want) < 1e-12);
    }
    tide_tensor *r = randn(3, shape, 0, 1), *gx = tide_tensor_empty(3, shape, TIDE_FLOAT64);
    tide_tensor *gw = tide_tensor_empty(2, ns, TIDE_FLOAT64), *gb = tide_tensor_empty(2, ns, TIDE_FLOAT64);
    CHECK(tide_layer_norm_backward(r, x, w, sm, sr, gx, gw, gb, 2, 0) == 0);
    double h = 1e-6, worst = 0;
    for (int k = 0; k < 60; k += 13) {
        double *p = data64(x) + k, v = *p;
        *p = v + h;
        double fp = ln_objective(x, w, b, r);
        *p = v - h;
        double fm = ln_objective(x, w, b, r);
        *p = v;
        worst = fmax(worst, fabs((fp - fm) / (2 * h) - data64(gx)[k]));
    }
    for (int k = 0; k < 12; k += 5) {
        double *p = data64(w) + k, v = *p;
        *p = v + h;
        double fp = ln_objective(x, w, b, r);
        *p = v - h;
        double fm = ln_objective(x, w, b, r);
        *p = v;
        worst = fmax(worst, fabs((fp - fm) / (2 * h) - data64(gw)[k]));
        double bias_grad = 0;
        for (int rr = 0; rr < 5; rr++) bias_grad += data64(r)[rr * 12 + k];
        worst = fmax(worst, fabs(bias_grad - data64(gb)[k]));
    }
    CHECK(worst < 1e-6);
    double gw0 = data64(gw)[3];
    CHECK(tide_layer_norm_backward(r, x, w, sm, sr, NULL, gw, NULL, 2, 1) == 0);
    CHECK(fabs(data64(gw)[3] - 2 * gw0) < 1e-12);
    /* bad arguments */
    int64_t bad[1] = {4};
    tide_tensor *wb = tide_tensor_zeros(1, bad, TIDE_FLOAT64);
    CHECK(!tide_layer_norm_forward(x, wb, NULL, NULL, NULL, NULL, 2, 1e-5) &&
          strcmp(tide_last_error(), "layer_norm: weight has shape [4], expected [3, 4] (the input's trailing dims)") == 0);
    CHECK(!tide_layer_norm_forward(x, NULL, NULL, NULL, NULL, NULL, 4, 1e-5) &&
          strstr(tide_last_error(), "normalized_shape has 4 dims, the input 3"));
    CHECK(!tide_layer_norm_forward(x, NULL, NULL, NULL, gx, NULL, 1, 1e-5) &&
          strstr(tide_last_error(), "save_mean must be a contiguous float64 tensor of 15 elements"));
    CHECK(tide_layer_norm_backward(r, x, w, NULL, sr, gx, NULL, NULL, 2, 0) == -1 &&
          strstr(tide_last_error(), "save_mean and save_rstd are required"));
    CHECK(tide_layer_norm_backward(r, x, w, sm, sr, gx, gx, NULL, 2, 0) == -1 &&
          strstr(tide_last_error(), "grad_weight has shape"));
    tide_tensor *list[] = {x, w, b, sm, sr, y, r, gx, gw, gb, wb};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) tide_tensor_free(list[i]);
}

int main(void) {
    int64_t live0 = tide_memory()->live_tensors;
    tide_manual_seed(2024);
    test_batch_norm();
    test_layer_norm();
    CHECK(tide_memory()->live_tensors == live0);
    return check_report("test_norm");
}
