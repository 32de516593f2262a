/* test_boost.c — core/boost*.c through the public C API: bin thresholds and bins of a small
 * feature, a stump grown on a separable problem (its split, leaf values against the closed form
 * -G / (H + l2) * learning rate, raw predictions updated for the training rows), prediction on
 * raw and binned rows (NaN follows the learnt side), losses and gradients against their
 * formulas, argument checks with messages, and malformed trees rejected before they are walked
 * (run it under the sanitizer build). */
#include "check.h"
#include "tide/boost.h"
#include "tide/tensor.h"

#include <math.h>
#include <string.h>

static int has_error(const char *needle) {
    const char *m = tide_last_error();
    int ok = strstr(m, needle) != NULL;
    if (!ok) fprintf(stderr, "  message '%s' lacks '%s'\n", m, needle);
    tide_clear_error();
    return ok;
}

static tide_tensor *new2(int64_t a, int64_t b, int dtype) {
    int64_t s[2] = {a, b};
    return tide_tensor_zeros(2, s, dtype);
}

static tide_tensor *new1(int64_t a, int dtype) {
    int64_t s[1] = {a};
    return tide_tensor_zeros(1, s, dtype);
}

#define D(t) ((double *)tide_tensor_data_ptr(t))
#define F(t) ((float *)tide_tensor_data_ptr(t))

static void test_binning(void) {
    /* x = 0, 1, ..., 9 and NaN: 10 distinct values <= max_bins 16: midpoints */
    tide_tensor *x = new2(11, 1, TIDE_FLOAT64);
    for (int i = 0; i < 10; i++) D(x)[i] = i;
    D(x)[10] = NAN;
    tide_tensor *thr = new2(1, 15, TIDE_FLOAT64), *nbm = new1(1, TIDE_INT32);
    CHECK(tide_boost_bin_thresholds(x, 16, 0, 0, thr, nbm) == 0);
    CHECK(((int32_t *)tide_tensor_data_ptr(nbm))[0] == 10);
    CHECK(D(thr)[0] == 0.5 && D(thr)[8] == 8.5 && isinf(D(thr)[9]));
    tide_tensor *b = tide_boost_bin_map(x, thr, nbm, 16, NULL);
    CHECK(b && b->shape[0] == 1 && b->shape[1] == 11);
    const uint8_t *pb = tide_tensor_data_ptr(b);
    CHECK(pb[0] == 0 && pb[3] == 3 && pb[9] == 9 && pb[10] == 16);
    tide_tensor *blk = tide_boost_bin_blocks(b, NULL);
    CHECK(blk && blk->shape[0] == 1 && blk->shape[1] == 11 && blk->shape[2] == 64);
    CHECK(((uint8_t *)tide_tensor_data_ptr(blk))[3 * 64] == 3 && ((uint8_t *)tide_tensor_data_ptr(blk))[3 * 64 + 1] == 0);
    /* 4 bins of 0..9: NumPy midpoint percentiles at 25, 50, 75 */
    tide_tensor *thr4 = new2(1, 3, TIDE_FLOAT64);
    CHECK(tide_boost_bin_thresholds(x, 4, 0, 0, thr4, nbm) == 0);
    CHECK(D(thr4)[0] == 2.5 && D(thr4)[1] == 4.5 && D(thr4)[2] == 6.5);
    /* errors */
    CHECK(tide_boost_bin_thresholds(x, 1, 0, 0, thr, nbm) != 0 && has_error("max_bins"));
    CHECK(tide_boost_bin_thresholds(x, 16, 0, 0, thr4, nbm) != 0 && has_error("thresholds must be"));
    CHECK(tide_boost_bin_map(x, thr, nbm, 5, NULL) == NULL && has_error("missing_bin"));
    tide_tensor_free(blk), tide_tensor_free(thr4), tide_tensor_free(b);
    tide_tensor_free(x), tide_tensor_free(thr), tide_tensor_free(nbm);
}

static void test_stump(void) {
    /* 40 rows, feature 0 = i, y = i >= 20; one binomial step from raw 0: g = 0.5 - y, h = 0.25 */
    int64_t n = 40;
    tide_tensor *x = new2(n, 1, TIDE_FLOAT64), *y = new1(n, TIDE_FLOAT64);
    for (int i = 0; i < n; i++) D(x)[i] = i, D(y)[i] = i >= 20;
    tide_tensor *thr = new2(1, 254, TIDE_FLOAT64), *nbm = new1(1, TIDE_INT32);
    CHECK(tide_boost_bin_thresholds(x, 255, 0, 0, thr, nbm) == 0);
    tide_tensor *cols = tide_boost_bin_map(x, thr, nbm, 255, NULL);
    tide_tensor *raw = new2(n, 1, TIDE_FLOAT64), *g = new2(1, n, TIDE_FLOAT32), *h = new2(1, n, TIDE_FLOAT32);
    CHECK(tide_boost_gradients(TIDE_BOOST_LOG_LOSS, raw, y, NULL, g, h) == 0);
    CHECK(F(g)[0] == 0.5f && F(g)[30] == -0.5f && F(h)[0] == 0.25f);
    double loss;
    CHECK(tide_boost_loss(TIDE_BOOST_LOG_LOSS, raw, y, NULL, &loss) == 0 && fabs(loss - log(2.0)) < 1e-15);
    tide_tensor *nodes = new2(3, TIDE_BOOST_NODE_COLS, TIDE_FLOAT64), *cnt = new1(1, TIDE_INT64);
    tide_tensor *hm = new1(1, TIDE_UINT8);
    tide_boost_tree_params p;
    memset(&p, 0, sizeof(p));
    p.max_leaf_nodes = 2, p.min_samples_leaf = 5, p.n_bins = 256, p.min_hessian_to_split = 1e-3, p.shrinkage = 0.1;
    p.loss = TIDE_BOOST_LOG_LOSS;
    CHECK(tide_boost_grow(cols, NULL, g, h, thr, nbm, hm, NULL, NULL, raw, nodes, cnt, &p) == 0);
    CHECK(((int64_t *)tide_tensor_data_ptr(cnt))[0] == 3);
    const double *r = D(nodes);
    CHECK(r[9] == 0 && r[2] == 0 && r[3] == 19.5 && r[5] == 1 && r[6] == 2 && r[1] == 40);
    /* leaves: -G / (H + 1e-15) * 0.1 with G = +-10, H = 5 */
    CHECK(fabs(r[11 + 0] - (-10.0 / 5 * 0.1)) < 1e-12 && r[11 + 9] == 1 && r[11 + 1] == 20);
    CHECK(fabs(r[22 + 0] - (10.0 / 5 * 0.1)) < 1e-12);
    CHECK(fabs(D(raw)[0] + 0.2) < 1e-12 && fabs(D(raw)[39] - 0.2) < 1e-12);
    /* NaN had no training samples: it goes to the larger child (equal here: right) */
    CHECK(r[4] == 0);

    /* predict on raw rows and on bins */
    int64_t off_s[1] = {2};
    tide_tensor *off = tide_tensor_zeros(1, off_s, TIDE_INT64);
    ((int64_t *)tide_tensor_data_ptr(off))[1] = 3;
    tide_tensor *q = new2(3, 1, TIDE_FLOAT64), *out = new2(3, 1, TIDE_FLOAT64);
    D(q)[0] = 3, D(q)[1] = 25, D(q)[2] = NAN;
    CHECK(tide_boost_predict(q, nodes, off, 0, 1, out) == 0);
    CHECK(fabs(D(out)[0] + 0.2) < 1e-12 && fabs(D(out)[1] - 0.2) < 1e-12 && fabs(D(out)[2] - 0.2) < 1e-12);
    tide_tensor *outb = new2(n, 1, TIDE_FLOAT64);
    CHECK(tide_boost_predict_binned(cols, nodes, off, 0, 1, 255, outb) == 0);
    for (int i = 0; i < n; i++) CHECK(D(outb)[i] == D(raw)[i]);

    /* malformed trees are rejected, never walked */
    D(nodes)[5] = 0; /* root's left child points at itself */
    CHECK(tide_boost_predict(q, nodes, off, 0, 1, out) != 0 && has_error("malformed"));
    D(nodes)[5] = 1, D(nodes)[2] = 7; /* feature out of range */
    CHECK(tide_boost_predict(q, nodes, off, 0, 1, out) != 0 && has_error("malformed"));
    D(nodes)[2] = 0;
    CHECK(tide_boost_predict(q, nodes, off, 0, 2, out) != 0 && has_error("out of range"));
    ((int64_t *)tide_tensor_data_ptr(off))[1] = 9;
    CHECK(tide_boost_predict(q, nodes, off, 0, 1, out) != 0 && has_error("tree_offsets"));

    /* argument checks of grow */
    tide_tensor *small = new2(1, TIDE_BOOST_NODE_COLS, TIDE_FLOAT64);
    CHECK(tide_boost_grow(cols, NULL, g, h, thr, nbm, hm, NULL, NULL, raw, small, cnt, &p) != 0 && has_error("cap >="));
    p.min_samples_leaf = 0;
    CHECK(tide_boost_grow(cols, NULL, g, h, thr, nbm, hm, NULL, NULL, raw, nodes, cnt, &p) != 0 &&
          has_error("min_samples_leaf"));
    p.min_samples_leaf = 5, p.hessians_are_constant = 1;
    CHECK(tide_boost_grow(cols, NULL, g, h, thr, nbm, hm, NULL, NULL, raw, nodes, cnt, &p) != 0 && has_error("NULL"));
    CHECK(tide_boost_gradients(TIDE_BOOST_LOG_LOSS, raw, x, NULL, g, h) != 0 && has_error("y must be"));
    D(y)[0] = 2;
    CHECK(tide_boost_gradients(TIDE_BOOST_LOG_LOSS, raw, y, NULL, g, h) != 0 && has_error("class code"));
    CHECK(tide_boost_loss(7, raw, y, NULL, &loss) != 0 && has_error("unknown loss"));

    tide_tensor_free(small), tide_tensor_free(outb), tide_tensor_free(q), tide_tensor_free(out), tide_tensor_free(off);
    tide_tensor_free(nodes), tide_tensor_free(cnt), tide_tensor_free(hm), tide_tensor_free(raw), tide_tensor_free(g);
    tide_tensor_free(h), tide_tensor_free(cols), tide_tensor_free(thr), tide_tensor_free(nbm), tide_tensor_free(x);
    tide_tensor_free(y);
}

static void test_baseline(void) {
    tide_tensor *y = new1(4, TIDE_FLOAT64);
    D(y)[0] = 1, D(y)[1] = 5, D(y)[2] = 2, D(y)[3] = 10;
    double b[3];
    CHECK(tide_boost_baseline(TIDE_BOOST_SQUARED_ERROR, y, NULL, 1, b) == 0 && b[0] == 4.5);
    CHECK(tide_boost_baseline(TIDE_BOOST_ABSOLUTE_ERROR, y, NULL, 1, b) == 0 && b[0] == 3.5);
    D(y)[0] = 0, D(y)[1] = 1, D(y)[2] = 1, D(y)[3] = 2;
    CHECK(tide_boost_baseline(TIDE_BOOST_LOG_LOSS, y, NULL, 3, b) == 0);
    CHECK(fabs(b[1] - (log(0.5) - (2 * log(0.25) + log(0.5)) / 3)) < 1e-15 && fabs(b[0] + b[1] + b[2]) < 1e-15);
    CHECK(tide_boost_baseline(TIDE_BOOST_LOG_LOSS, y, NULL, 1, b) != 0 && has_error("class code"));
    tide_tensor_free(y);
}

int main(void) {
    test_binning();
    test_stump();
    test_baseline();
    CHECK(tide_memory()->live_tensors == 0);
    return check_report("test_boost");
}
