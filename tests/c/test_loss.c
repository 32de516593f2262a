/* test_loss.c — the loss kernels through the public C API: cross_entropy against a naive
 * log-softmax + nll (class weights, ignore_index, label smoothing, every reduction, [N, C, d]
 * layout, 0- and 1-based ids), its backward against central differences with and without the
 * saved lse, accumulate, the elementwise losses against their formulas, and bad arguments
 * (ids out of range with their position, shapes, dtypes) failing with messages; nothing leaks. */
#include "check.h"
#include "tide/loss.h"
#include "tide/tensor.h"

#include <math.h>
#include <string.h>

static double *d64(const tide_tensor *t) { return (double *)tide_tensor_data_ptr(t); }

static tide_tensor *randn(int nd, const int64_t *shape, double std) {
    tide_tensor *t = tide_tensor_empty(nd, shape, TIDE_FLOAT64);
    tide_randn_(t, 0, std);
    return t;
}

/* Naive cross entropy of x [N, C, S] against ids (base 0), per sample, as PyTorch defines it. */
static double naive_ce(const double *x, const int64_t *t, const double *w, int64_t N, int64_t C, int64_t S,
                       int64_t ignore, double eps, int reduction, double *per) {
    double total = 0, wsum = 0;
    for (int64_t n = 0; n < N; n++)
        for (int64_t s = 0; s < S; s++) {
            int64_t y = t[n * S + s], p = n * S + s;
            if (y == ignore) {
                if (per) per[p] = 0;
                continue;
            }
            double m = -INFINITY, se = 0, smooth = 0;
            for (int64_t c = 0; c < C; c++) m = fmax(m, x[(n * C + c) * S + s]);
            for (int64_t c = 0; c < C; c++) se += exp(x[(n * C + c) * S + s] - m);
            double lse = m + log(se);
            for (int64_t c = 0; c < C; c++) smooth += (w ? w[c] : 1) * (lse - x[(n * C + c) * S + s]);
            double wy = w ? w[y] : 1;
            double l = (1 - eps) * wy * (lse - x[(n * C + y) * S + s]) + eps / (double)C * smooth;
            if (per) per[p] = l;
            total += l;
            wsum += wy;
        }
    return reduction == TIDE_REDUCTION_MEAN ? total / wsum : total;
}

static void test_cross_entropy(void) {
    int64_t xs[3] = {4, 5, 3}, ts[2] = {4, 3}, ws[1] = {5};
    tide_tensor *x = randn(3, xs, 2), *w = tide_tensor_empty(1, ws, TIDE_FLOAT64);
    tide_tensor *t = tide_tensor_empty(2, ts, TIDE_INT64);
    tide_randint_(t, 0, 5);
    ((int64_t *)tide_tensor_data_ptr(t))[4] = -100;
    tide_rand_(w, 0.5, 2);
    double per[12];
    for (int reduction = 0; reduction <= 2; reduction++)
        for (int k = 0; k < 2; k++) {
            double eps = k ? 0.2 : 0;
            tide_tensor *lse = tide_tensor_empty(2, ts, TIDE_FLOAT64);
            tide_tensor *out = tide_cross_entropy_forward(x, t, w, NULL, lse, -100, eps, reduction, 0);
            CHECK(out != NULL);
            double want = naive_ce(d64(x), tide_tensor_data_ptr(t), d64(w), 4, 5, 3, -100, eps, reduction, per);
            if (reduction == TIDE_REDUCTION_NONE) {
                double worst = 0;
                for (int p = 0; p < 12; p++) worst = fmax(worst, fabs(d64(out)[p] - per[p]));
                CHECK(out->ndim == 2 && worst < 1e-12);
            } else {
                CHECK(out->ndim == 0 && fabs(d64(out)[0] - want) < 1e-12);
            }
            /* backward against central differences, with the saved lse and without */
            tide_tensor *g = reduction == 0 ? randn(2, ts, 1) : tide_tensor_full(0, NULL, TIDE_FLOAT64, 0.7);
            tide_tensor *gx = tide_tensor_empty(3, xs, TIDE_FLOAT64), *gx2 = tide_tensor_empty(3, xs, TIDE_FLOAT64);
            CHECK(tide_cross_entropy_backward(g, x, t, w, lse, gx, NULL, -100, eps, reduction, 0, 0) == 0);
            CHECK(tide_cross_entropy_backward(g, x, t, w, NULL, gx2, NULL, -100, eps, reduction, 0, 0) == 0);
            double worst = 0, h = 1e-6;
            for (int i = 0; i < 60; i += 7) {
                double *p = d64(x) + i, v = *p, fp, fm;
                *p = v + h;
                naive_ce(d64(x), tide_tensor_data_ptr(t), d64(w), 4, 5, 3, -100, eps, reduction, per);
                fp = reduction ? naive_ce(d64(x), tide_tensor_data_ptr(t), d64(w), 4, 5, 3, -100, eps, reduction, NULL) : 0;
                if (!reduction)
                    for (int q = 0; q < 12; q++) fp += per[q] * d64(g)[q];
                *p = v - h;
                naive_ce(d64(x), tide_tensor_data_ptr(t), d64(w), 4, 5, 3, -100, eps, reduction, per);
                fm = reduction ? naive_ce(d64(x), tide_tensor_data_ptr(t), d64(w), 4, 5, 3, -100, eps, reduction, NULL) : 0;
                if (!reduction)
                    for (int q = 0; q < 12; q++) fm += per[q] * d64(g)[q];
                *p = v;
                double fd = (fp - fm) / (2 * h) * (reduction ? 0.7 : 1);
                worst = fmax(worst, fabs(fd - d64(gx)[i]));
                worst = fmax(worst, fabs(d64(gx2)[i] - d64(gx)[i]));
            }
            CHECK(worst < 1e-6);
            /* accumulate: twice the gradient */
            double before = d64(gx)[9];
            CHECK(tide_cross_entropy_backward(g, x, t, w, lse, gx, NULL, -100, eps, reduction, 0, 1) == 0);
            CHECK(fabs(d64(gx)[9] - 2 * before) < 1e-12);
            tide_tensor_free(g);
            tide_tensor_free(gx);
            tide_tensor_free(gx2);
            tide_tensor_free(lse);
            tide_tensor_free(out);
        }
    /* 1-based ids give the same as 0-based ones + 1 */
    tide_tensor *t1 = tide_clone(t);
    for (int i = 0; i < 12; i++)
        if (((int64_t *)tide_tensor_data_ptr(t1))[i] != -100) ((int64_t *)tide_tensor_data_ptr(t1))[i] += 1;
    tide_tensor *a = tide_cross_entropy_forward(x, t, NULL, NULL, NULL, -100, 0, 1, 0);
    tide_tensor *b = tide_cross_entropy_forward(x, t1, NULL, NULL, NULL, -100, 0, 1, 1);
    CHECK(a && b && d64(a)[0] == d64(b)[0]);
    /* an id out of range names the op, the position (in the caller's base) and the value */
    ((int64_t *)tide_tensor_data_ptr(t1))[7] = 6;
    CHECK(!tide_cross_entropy_forward(x, t1, NULL, NULL, NULL, -100, 0, 1, 1) &&
          strcmp(tide_last_error(), "cross_entropy: target[3, 2] = 6 is out of range for 5 classes") == 0);
    ((int64_t *)tide_tensor_data_ptr(t))[7] = 5;
    CHECK(!tide_nll_loss_forward(x, t, NULL, NULL, -100, 1, 0) &&
          strcmp(tide_last_error(), "nll_loss: target[2, 1] = 5 is out of range for 5 classes") == 0);
    CHECK(tide_cross_entropy_backward(a, x, t, NULL, NULL, x, NULL, -100, 0, 1, 0, 0) == -1 &&
          strstr(tide_last_error(), "cross_entropy backward: target[2, 1] = 5 is out of range"));
    ((int64_t *)tide_tensor_data_ptr(t))[7] = 0;
    /* shapes, dtypes, options */
    CHECK(!tide_cross_entropy_forward(x, w, NULL, NULL, NULL, -100, 0, 1, 0) &&
          strstr(tide_last_error(), "a probability target must have the input's shape"));
    CHECK(!tide_cross_entropy_forward(x, t, t, NULL, NULL, -100, 0, 1, 0) &&
          strstr(tide_last_error(), "cross_entropy: weight must have shape [5], got [4, 3]"));
    CHECK(!tide_cross_entropy_forward(x, t, NULL, NULL, NULL, -100, 0, 7, 0) &&
          strstr(tide_last_error(), "reduction must be 0 (none), 1 (mean) or 2 (sum), got 7"));
    CHECK(!tide_cross_entropy_forward(x, t, NULL, NULL, NULL, -100, -0.5, 1, 0) &&
          strstr(tide_last_error(), "label_smoothing must be in [0, 1]"));
    CHECK(!tide_cross_entropy_forward(w, t, NULL, NULL, NULL, -100, 0, 1, 0) &&
          strstr(tide_last_error(), "input must have at least 2 dims"));
    CHECK(!tide_cross_entropy_forward(x, t, NULL, NULL, x, -100, 0, 1, 0) && strstr(tide_last_error(), "save_lse"));
    CHECK(!tide_nll_loss_forward(x, x, NULL, NULL, -100, 1, 0) && strstr(tide_last_error(), "nll_loss: target must hold class ids"));
    CHECK(!tide_cross_entropy_forward(x, NULL, NULL, NULL, NULL, -100, 0, 1, 0) && strstr(tide_last_error(), "target is NULL"));
    CHECK(tide_cross_entropy_backward(x, x, t, NULL, NULL, x, NULL, -100, 0, 1, 0, 0) == -1 &&
          strstr(tide_last_error(), "grad_out is float64 [4, 5, 3], expected float64 []"));
    tide_tensor_free(a);
    tide_tensor_free(b);
    tide_tensor_free(t1);
    tide_tensor_free(t);
    tide_tensor_free(w);
    tide_tensor_free(x);
}

/* the elementwise losses against their formulas, sum reduction and none */
static void test_pointwise(void) {
    int64_t s[2] = {33, 70};
    tide_tensor *x = randn(2, s, 2), *y = randn(2, s, 2);
    tide_tensor *p = tide_tensor_empty(2, s, TIDE_FLOAT64), *q = tide_tensor_empty(2, s, TIDE_FLOAT64);
    tide_rand_(p, 0.01, 0.99);
    tide_rand_(q, 0, 1);
    for (int kind = 0; kind < 6; kind++) {
        const tide_tensor *a = kind == 4 ? p : x, *b = kind >= 4 ? q : y;
        tide_tensor *none = kind == 0   ? tide_mse_loss_forward(a, b, NULL, 0)
                            : kind == 1 ? tide_l1_loss_forward(a, b, NULL, 0)
                            : kind == 2 ? tide_huber_loss_forward(a, b, NULL, 0.8, 0)
                            : kind == 3 ? tide_smooth_l1_loss_forward(a, b, NULL, 0.8, 0)
                            : kind == 4 ? tide_binary_cross_entropy_forward(a, b, NULL, NULL, 0)
                                        : tide_binary_cross_entropy_with_logits_forward(a, b, NULL, NULL, NULL, 0);
        tide_tensor *sum = kind == 0   ? tide_mse_loss_forward(a, b, NULL, 2)
                           : kind == 1 ? tide_l1_loss_forward(a, b, NULL, 2)
                           : kind == 2 ? tide_huber_loss_forward(a, b, NULL, 0.8, 2)
                           : kind == 3 ? tide_smooth_l1_loss_forward(a, b, NULL, 0.8, 2)
                           : kind == 4 ? tide_binary_cross_entropy_forward(a, b, NULL, NULL, 2)
                                       : tide_binary_cross_entropy_with_logits_forward(a, b, NULL, NULL, NULL, 2);
        CHECK(none && sum);
        double total = 0, worst = 0;
        for (int64_t i = 0; i < x->numel; i++) {
            double u = d64(a)[i], v = d64(b)[i], d = u - v, want;
            switch (kind) {
            case 0: want = d * d; break;
            case 1: want = fabs(d); break;
            case 2: want = fabs(d) <= 0.8 ? 0.5 * d * d : 0.8 * (fabs(d) - 0.4); break;
            case 3: want = fabs(d) < 0.8 ? 0.5 * d * d / 0.8 : fabs(d) - 0.4; break;
            case 4: want = -(v * log(u) + (1 - v) * log(1 - u)); break;
            default: want = -(v * log(1 / (1 + exp(-u))) + (1 - v) * log(1 - 1 / (1 + exp(-u))));
            }
            worst = fmax(worst, fabs(d64(none)[i] - want));
            total += want;
        }
        CHECK(worst < 1e-12);
        CHECK(fabs(d64(sum)[0] - total) < 1e-9);
        tide_tensor_free(none);
        tide_tensor_free(sum);
    }
    /* backward of mse: 2 (x - y) g, -2 (x - y) g for the target; mean divides by n */
    tide_tensor *g = tide_tensor_full(0, NULL, TIDE_FLOAT64, 1.5);
    tide_tensor *gx = tide_tensor_empty(2, s, TIDE_FLOAT64), *gy = tide_tensor_empty(2, s, TIDE_FLOAT64);
    CHECK(tide_mse_loss_backward(g, x, y, gx, gy, TIDE_REDUCTION_MEAN, 0) == 0);
    double n = (double)x->numel;
    CHECK(fabs(d64(gx)[17] - 2 * (d64(x)[17] - d64(y)[17]) * 1.5 / n) < 1e-15);
    CHECK(fabs(d64(gy)[17] + d64(gx)[17]) < 1e-15);
    CHECK(tide_mse_loss_backward(g, x, y, gx, NULL, TIDE_REDUCTION_MEAN, 1) == 0);
    CHECK(fabs(d64(gx)[17] - 4 * (d64(x)[17] - d64(y)[17]) * 1.5 / n) < 1e-15);
    /* bad arguments */
    int64_t s3[1] = {3};
    tide_tensor *small = tide_tensor_zeros(1, s3, TIDE_FLOAT64), *f32 = tide_tensor_zeros(2, s, TIDE_FLOAT32);
    CHECK(!tide_mse_loss_forward(x, small, NULL, 1) &&
          strcmp(tide_last_error(), "mse_loss: target has shape [3], expected [33, 70]") == 0);
    CHECK(!tide_l1_loss_forward(x, f32, NULL, 1) && strstr(tide_last_error(), "l1_loss: target is float32, expected float64"));
    CHECK(!tide_huber_loss_forward(x, y, NULL, 0, 1) && strstr(tide_last_error(), "huber_loss: delta must be a positive"));
    CHECK(!tide_smooth_l1_loss_forward(x, y, NULL, -1, 1) && strstr(tide_last_error(), "smooth_l1_loss: beta must be >= 0"));
    CHECK(!tide_binary_cross_entropy_forward(x, q, NULL, NULL, 1) &&
          strstr(tide_last_error(), "binary_cross_entropy: input must hold probabilities in [0, 1]"));
    CHECK(!tide_binary_cross_entropy_with_logits_forward(x, q, NULL, small, NULL, 1) &&
          strstr(tide_last_error(), "pos_weight has shape [3]"));
    CHECK(tide_mse_loss_backward(x, x, y, gx, NULL, TIDE_REDUCTION_MEAN, 0) == -1 &&
          strstr(tide_last_error(), "mse_loss backward: grad_out is float64 [33, 70], expected float64 []"));
    CHECK(tide_mse_loss_backward(g, x, y, small, NULL, TIDE_REDUCTION_MEAN, 0) == -1 &&
          strstr(tide_last_error(), "grad_input has shape [3]"));
    tide_tensor *list[] = {x, y, p, q, g, gx, gy, small, f32};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) tide_tensor_free(list[i]);
}

int main(void) {
    int64_t live0 = tide_memory()->live_tensors;
    tide_manual_seed(99);
    test_cross_entropy();
    test_pointwise();
    CHECK(tide_memory()->live_tensors == live0);
    return check_report("test_loss");
}
