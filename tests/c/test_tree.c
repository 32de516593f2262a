/* test_tree.c — the tree kernels through the public C API: hand-computed splits (gini,
 * entropy, squared error: thresholds, values, impurities, importances), best-first growth,
 * forests with bootstrap and out-of-bag sums, prediction and apply, the same trees for any
 * thread count, cost-complexity pruning, argument checks with their messages, corrupted
 * forests refused, no leaks. */
#include "check.h"
#include "tide/tree.h"
#include "tide/tensor.h"

#include <string.h>

static tide_tensor *matrix_f32(int64_t n, int64_t d, const float *v) {
    int64_t shape[2] = {n, d};
    tide_tensor *t = tide_tensor_empty(2, shape, TIDE_FLOAT32);
    memcpy(tide_tensor_data_ptr(t), v, (size_t)(n * d) * sizeof(float));
    return t;
}

static tide_tensor *vector_f64(int64_t n, const double *v) {
    int64_t shape[1] = {n};
    tide_tensor *t = tide_tensor_empty(1, shape, TIDE_FLOAT64);
    memcpy(tide_tensor_data_ptr(t), v, (size_t)n * sizeof(double));
    return t;
}

static tide_tree_options defaults(int64_t n_classes, int64_t d) {
    tide_tree_options o;
    memset(&o, 0, sizeof o);
    o.criterion = n_classes > 0 ? TIDE_TREE_GINI : TIDE_TREE_SQUARED_ERROR;
    o.splitter = TIDE_TREE_BEST;
    o.n_classes = n_classes;
    o.max_depth = -1;
    o.min_samples_split = 2;
    o.min_samples_leaf = 1;
    o.max_features = d;
    o.max_leaf_nodes = -1;
    o.n_trees = 1;
    o.seed = 42;
    return o;
}

#define I64(t, i) (((const int64_t *)tide_tensor_data_ptr(t))[i])
#define F64(t, i) (((const double *)tide_tensor_data_ptr(t))[i])

/* x: feature 0 separates the classes at 2.5, feature 1 is noise; 3 nodes, gini 0.5 at the root */
static void test_classification(void) {
    const float xv[] = {1, 7, 2, 5, 3, 6, 4, 8};
    const double yv[] = {0, 0, 1, 1};
    tide_tensor *x = matrix_f32(4, 2, xv), *y = vector_f64(4, yv);
    tide_tree_options o = defaults(2, 2);
    tide_tree_fit_result r;
    CHECK(tide_tree_fit(x, y, NULL, NULL, &r, &o) == 0);
    CHECK(r.children_left->shape[0] == 3);
    CHECK(I64(r.offsets, 0) == 0 && I64(r.offsets, 1) == 3);
    /* feature 1 (7, 5, 6, 8) splits 0/1 at 6.5: {5, 6} -> {1, 0} impure; feature 0 wins */
    CHECK(I64(r.feature, 0) == 0 && F64(r.threshold, 0) == 2.5);
    CHECK(I64(r.children_left, 0) == 1 && I64(r.children_right, 0) == 2);
    CHECK(I64(r.children_left, 1) == -1 && I64(r.feature, 1) == -2 && F64(r.threshold, 1) == -2);
    CHECK_NEAR(F64(r.impurity, 0), 0.5, 1e-15);
    CHECK(F64(r.value, 0) == 2 && F64(r.value, 1) == 2); /* root: 2 + 2 */
    CHECK(F64(r.value, 2) == 2 && F64(r.value, 3) == 0); /* left: class 0 */
    CHECK(F64(r.value, 4) == 0 && F64(r.value, 5) == 2);
    CHECK(I64(r.n_node_samples, 0) == 4 && I64(r.max_depth, 0) == 1);
    CHECK(F64(r.importances, 0) == 1 && F64(r.importances, 1) == 0);

    /* prediction: normalised leaf values; apply: leaf ids */
    const float qv[] = {0, 0, 2.5f, 0, 2.6f, 100};
    tide_tensor *q = matrix_f32(3, 2, qv);
    tide_forest f = {r.offsets, r.children_left, r.children_right, r.feature, r.threshold, r.value};
    tide_tensor *p = tide_forest_predict(q, &f, 1, NULL), *leaf = tide_forest_apply(q, &f, NULL);
    CHECK(p && p->shape[0] == 3 && p->shape[1] == 2);
    CHECK(F64(p, 0) == 1 && F64(p, 2) == 1 && F64(p, 5) == 1); /* x <= 2.5 goes left */
    CHECK(leaf && I64(leaf, 0) == 1 && I64(leaf, 1) == 1 && I64(leaf, 2) == 2);
    int64_t indptr[4];
    int32_t path[6];
    CHECK(tide_forest_decision_path(q, &f, indptr, NULL, 0) == 6);
    CHECK(tide_forest_decision_path(q, &f, indptr, path, 5) == -1 && strstr(tide_last_error(), "room for 5"));
    CHECK(tide_forest_decision_path(q, &f, indptr, path, 6) == 6);
    CHECK(indptr[0] == 0 && indptr[1] == 2 && indptr[3] == 6);
    CHECK(path[0] == 0 && path[1] == 1 && path[4] == 0 && path[5] == 2);

    /* entropy: the same split, root impurity 1 bit */
    o.criterion = TIDE_TREE_ENTROPY;
    tide_tree_fit_result e;
    CHECK(tide_tree_fit(x, y, NULL, NULL, &e, &o) == 0);
    CHECK_NEAR(F64(e.impurity, 0), 1.0, 1e-15);
    CHECK(F64(e.threshold, 0) == 2.5);
    tide_tree_fit_result_free(&e);
    CHECK(e.value == NULL);

    tide_tensor_free(p), tide_tensor_free(leaf), tide_tensor_free(q);
    tide_tree_fit_result_free(&r);
    tide_tensor_free(x), tide_tensor_free(y);
}

/* regression: y jumps between x = 3 and x = 4; with max_depth 1 the leaves hold the means */
static void test_regression(void) {
    const float xv[] = {1, 2, 3, 4, 5, 6};
    const double yv[] = {1, 1.5, 1, 5, 6, 5.5};
    const double wv[] = {1, 1, 2, 1, 1, 1};
    tide_tensor *x = matrix_f32(6, 1, xv), *y = vector_f64(6, yv), *w = vector_f64(6, wv);
    tide_tree_options o = defaults(0, 1);
    o.max_depth = 1;
    tide_tree_fit_result r;
    CHECK(tide_tree_fit(x, y, w, NULL, &r, &o) == 0);
    CHECK(r.value->shape[0] == 3 && r.value->shape[1] == 1);
    CHECK(F64(r.threshold, 0) == 3.5);
    CHECK_NEAR(F64(r.value, 1), (1 + 1.5 + 2) / 4.0, 1e-15); /* weighted mean left */
    CHECK_NEAR(F64(r.value, 2), 5.5, 1e-15);
    CHECK(F64(r.weighted_n_node_samples, 0) == 7 && F64(r.weighted_n_node_samples, 1) == 4);
    double mean = (1 + 1.5 + 2 + 5 + 6 + 5.5) / 7, sq = (1 + 2.25 + 2 + 25 + 36 + 30.25) / 7;
    CHECK_NEAR(F64(r.impurity, 0), sq - mean * mean, 1e-12);
    tide_tree_fit_result_free(&r);

    /* best-first with 3 leaves: the larger improvement is expanded first */
    o.max_depth = -1;
    o.max_leaf_nodes = 3;
    CHECK(tide_tree_fit(x, y, NULL, NULL, &r, &o) == 0);
    int64_t leaves = 0;
    for (int64_t i = 0; i < r.children_left->shape[0]; i++) leaves += I64(r.children_left, i) == -1;
    CHECK(leaves == 3 && r.children_left->shape[0] == 5);
    tide_tree_fit_result_free(&r);
    tide_tensor_free(x), tide_tensor_free(y), tide_tensor_free(w);
}

/* a forest: bootstrap trees, out-of-bag sums, the same forest for 1 and 2 threads */
static void test_forest(void) {
    enum { N = 300, D = 4 };
    static float xv[N * D];
    static double yv[N];
    uint64_t s = 7;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < D; j++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            xv[i * D + j] = (float)((s >> 40) % 1000) / 100.0f;
        }
        yv[i] = xv[i * D] + xv[i * D + 1] > 10 ? 1 : 0;
    }
    tide_tensor *x = matrix_f32(N, D, xv), *y = vector_f64(N, yv);
    tide_tree_options o = defaults(2, D);
    o.n_trees = 9;
    o.n_bootstrap = N;
    o.oob = 1;
    o.max_features = 2;
    tide_tree_fit_result a, b;
    tide_set_num_threads(1);
    CHECK(tide_tree_fit(x, y, NULL, NULL, &a, &o) == 0);
    tide_set_num_threads(2);
    CHECK(tide_tree_fit(x, y, NULL, NULL, &b, &o) == 0);
    CHECK(a.offsets->shape[0] == 10 && a.importances->shape[0] == 9 && a.importances->shape[1] == D);
    CHECK(a.threshold->shape[0] == b.threshold->shape[0]);
    CHECK(memcmp(tide_tensor_data_ptr(a.threshold), tide_tensor_data_ptr(b.threshold),
                 (size_t)a.threshold->shape[0] * sizeof(double)) == 0);
    /* each tree: a root with N draws of weight; oob: about (1 - 1/e) of trees miss a sample */
    for (int t = 0; t < 9; t++) CHECK(F64(a.weighted_n_node_samples, I64(a.offsets, t)) == N);
    int64_t total = 0;
    for (int i = 0; i < N; i++) total += I64(a.oob_count, i);
    CHECK(total > 9 * N / 5 && total < 9 * N / 2);
    double correct = 0;
    for (int i = 0; i < N; i++) {
        double p0 = F64(a.oob_sum, 2 * i), p1 = F64(a.oob_sum, 2 * i + 1);
        if (I64(a.oob_count, i) > 0) CHECK_NEAR(p0 + p1, (double)I64(a.oob_count, i), 1e-9);
        correct += (p1 > p0) == (yv[i] == 1);
    }
    CHECK(correct / N > 0.8);
    /* the forest's mean probability */
    tide_forest f = {a.offsets, a.children_left, a.children_right, a.feature, a.threshold, a.value};
    tide_tensor *p = tide_forest_predict(x, &f, 1, NULL);
    double acc = 0;
    for (int i = 0; i < N; i++) acc += (F64(p, 2 * i + 1) > 0.5) == (yv[i] == 1);
    CHECK(acc / N > 0.95);
    tide_tensor_free(p);

    /* extra trees: every sample in every tree */
    o.splitter = TIDE_TREE_RANDOM;
    o.n_bootstrap = 0;
    o.oob = 0;
    tide_tree_fit_result e;
    CHECK(tide_tree_fit(x, y, NULL, NULL, &e, &o) == 0);
    for (int t = 0; t < 9; t++) CHECK(I64(e.n_node_samples, I64(e.offsets, t)) == N);
    CHECK(e.oob_sum == NULL);
    tide_tree_fit_result_free(&e);
    tide_tree_fit_result_free(&a), tide_tree_fit_result_free(&b);
    tide_tensor_free(x), tide_tensor_free(y);
}

static void test_errors(void) {
    const float xv[] = {1, 2, 3, 4};
    const double yv[] = {0, 1, 0, 1}, bad[] = {0, 1, 2, 1};
    tide_tensor *x = matrix_f32(4, 1, xv), *y = vector_f64(4, yv), *yb = vector_f64(4, bad);
    tide_tree_options o = defaults(2, 1);
    tide_tree_fit_result r;
    CHECK(tide_tree_fit(NULL, y, NULL, NULL, &r, &o) == -1 && strstr(tide_last_error(), "tree_fit: x, y"));
    CHECK(tide_tree_fit(x, yb, NULL, NULL, &r, &o) == -1 && strstr(tide_last_error(), "y[2] = 2 is not a class index"));
    o.max_features = 2;
    CHECK(tide_tree_fit(x, y, NULL, NULL, &r, &o) == -1 && strstr(tide_last_error(), "max_features must be in [1, 1]"));
    o.max_features = 1;
    o.criterion = TIDE_TREE_SQUARED_ERROR;
    CHECK(tide_tree_fit(x, y, NULL, NULL, &r, &o) == -1 && strstr(tide_last_error(), "criterion gini or entropy"));
    o.criterion = TIDE_TREE_GINI;
    o.oob = 1;
    CHECK(tide_tree_fit(x, y, NULL, NULL, &r, &o) == -1 && strstr(tide_last_error(), "out-of-bag"));
    o.oob = 0;
    const double zero[] = {0, 0, 0, 0};
    tide_tensor *w0 = vector_f64(4, zero);
    CHECK(tide_tree_fit(x, y, w0, NULL, &r, &o) == -1 && strstr(tide_last_error(), "weight 0"));
    float nanv[] = {1, 2, 0, 4};
    nanv[2] = 0.0f / 0.0f;
    tide_tensor *xn = matrix_f32(4, 1, nanv);
    CHECK(tide_tree_fit(xn, y, NULL, NULL, &r, &o) == -1 && strstr(tide_last_error(), "NaN or infinity"));
    int64_t s64[2] = {4, 1};
    tide_tensor *x64 = tide_tensor_zeros(2, s64, TIDE_FLOAT64);
    CHECK(tide_tree_fit(x64, y, NULL, NULL, &r, &o) == -1 && strstr(tide_last_error(), "float32"));

    /* a corrupted forest: a child pointing backwards would loop forever; a feature out of range */
    CHECK(tide_tree_fit(x, y, NULL, NULL, &r, &o) == 0);
    tide_forest f = {r.offsets, r.children_left, r.children_right, r.feature, r.threshold, r.value};
    ((int64_t *)tide_tensor_data_ptr(r.children_left))[0] = 0;
    CHECK(tide_forest_predict(x, &f, 1, NULL) == NULL && strstr(tide_last_error(), "forest_predict: tree 0 node 0"));
    ((int64_t *)tide_tensor_data_ptr(r.children_left))[0] = 1;
    ((int64_t *)tide_tensor_data_ptr(r.feature))[0] = 5;
    CHECK(tide_forest_apply(x, &f, NULL) == NULL && strstr(tide_last_error(), "feature 5"));
    f.value = NULL;
    CHECK(tide_forest_predict(x, &f, 1, NULL) == NULL && strstr(tide_last_error(), "missing"));
    tide_tree_fit_result_free(&r);
    tide_tensor_free(x), tide_tensor_free(y), tide_tensor_free(yb), tide_tensor_free(w0), tide_tensor_free(xn);
    tide_tensor_free(x64);
}

/* pruning: on y = x > 2 with one noisy sample, the subtree isolating the noise is the weakest
 * link; ccp_alpha above its effective alpha collapses it */
static void test_pruning(void) {
    const float xv[] = {1, 2, 3, 4, 5, 6, 7, 8};
    const double yv[] = {0, 0, 1, 1, 1, 0, 1, 1};
    tide_tensor *x = matrix_f32(8, 1, xv), *y = vector_f64(8, yv);
    tide_tree_options o = defaults(2, 1);
    tide_tree_fit_result full, pruned;
    CHECK(tide_tree_fit(x, y, NULL, NULL, &full, &o) == 0);
    int64_t N = full.children_left->shape[0], shape[1] = {N};
    tide_tensor *alphas = tide_tensor_empty(1, shape, TIDE_FLOAT64), *imps = tide_tensor_empty(1, shape, TIDE_FLOAT64);
    int64_t count = tide_tree_pruning_path(full.children_left, full.children_right, full.weighted_n_node_samples,
                                           full.impurity, alphas, imps);
    CHECK(count >= 2 && F64(alphas, 0) == 0 && F64(imps, 0) == 0); /* the full tree: pure leaves */
    for (int64_t i = 1; i < count; i++) CHECK(F64(alphas, i) >= F64(alphas, i - 1) && F64(imps, i) >= F64(imps, i - 1));
    CHECK_NEAR(F64(imps, count - 1), F64(full.impurity, 0), 1e-15); /* the last step leaves only the root */
    o.ccp_alpha = F64(alphas, count - 1) + 1e-9; /* prune everything */
    CHECK(tide_tree_fit(x, y, NULL, NULL, &pruned, &o) == 0);
    CHECK(pruned.children_left->shape[0] == 1 && I64(pruned.max_depth, 0) == 0);
    CHECK(F64(pruned.importances, 0) == 0);
    tide_tree_fit_result_free(&pruned);
    o.ccp_alpha = -1;
    CHECK(tide_tree_fit(x, y, NULL, NULL, &pruned, &o) == -1 && strstr(tide_last_error(), "ccp_alpha"));
    ((int64_t *)tide_tensor_data_ptr(full.children_left))[0] = 0;
    CHECK(tide_tree_pruning_path(full.children_left, full.children_right, full.weighted_n_node_samples, full.impurity,
                                 alphas, imps) == -1 && strstr(tide_last_error(), "tree_pruning_path: node 0"));
    tide_tree_fit_result_free(&full);
    tide_tensor_free(alphas), tide_tensor_free(imps), tide_tensor_free(x), tide_tensor_free(y);
}

/* a large tree (>= 4096 samples): its subtrees grow separately and are stitched in pre-order;
 * the same tree for 1 and 2 threads, children after parents, every sample in one leaf */
static void test_large_tree(void) {
    enum { N = 6000, D = 3 };
    static float xv[N * D];
    static double yv[N];
    uint64_t s = 99;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < D; j++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            xv[i * D + j] = (float)((s >> 33) % 100000) / 1000.0f;
        }
        yv[i] = xv[i * D] * 0.1 + (xv[i * D + 1] > 50 ? 3 : 0) + (double)((s >> 20) % 1000) / 1000.0;
    }
    tide_tensor *x = matrix_f32(N, D, xv), *y = vector_f64(N, yv);
    tide_tree_options o = defaults(0, D);
    o.min_samples_leaf = 3;
    tide_tree_fit_result a, b;
    tide_set_num_threads(1);
    CHECK(tide_tree_fit(x, y, NULL, NULL, &a, &o) == 0);
    tide_set_num_threads(2);
    CHECK(tide_tree_fit(x, y, NULL, NULL, &b, &o) == 0);
    int64_t nodes = a.children_left->shape[0], leaf_samples = 0;
    CHECK(nodes == b.children_left->shape[0] && nodes > 1000);
    CHECK(memcmp(tide_tensor_data_ptr(a.threshold), tide_tensor_data_ptr(b.threshold), (size_t)nodes * sizeof(double)) == 0);
    CHECK(memcmp(tide_tensor_data_ptr(a.children_right), tide_tensor_data_ptr(b.children_right),
                 (size_t)nodes * sizeof(int64_t)) == 0);
    int ordered = 1;
    for (int64_t i = 0; i < nodes; i++) {
        int64_t l = I64(a.children_left, i), r = I64(a.children_right, i);
        if (l == -1) {
            leaf_samples += I64(a.n_node_samples, i);
            continue;
        }
        ordered &= l == i + 1 && r > l; /* pre-order: the left child right after its parent */
        ordered &= I64(a.n_node_samples, l) + I64(a.n_node_samples, r) == I64(a.n_node_samples, i);
    }
    CHECK(ordered && leaf_samples == N);
    tide_tree_fit_result_free(&a), tide_tree_fit_result_free(&b);
    tide_tensor_free(x), tide_tensor_free(y);
}

int main(void) {
    int64_t live = tide_memory()->live_tensors;
    test_classification();
    test_regression();
    test_forest();
    test_errors();
    test_pruning();
    test_large_tree();
    CHECK(tide_memory()->live_tensors == live);
    return check_report("test_tree");
}
