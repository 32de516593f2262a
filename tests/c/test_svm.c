/* test_svm.c — the kernel SVMs through the public C API: closed-form solutions of tiny problems
 * (hard and soft margin, epsilon-SVR), the KKT conditions of every kernel's solution on random
 * data (checked through tide_svm_decision, independently of the solver), dense and CSR input
 * giving the same model, results independent of the thread count, votes / one-vs-rest /
 * probabilities on hand-made values, argument errors, and that nothing leaks. */
#include "check.h"
#include "tide/sparse.h"
#include "tide/svm.h"
#include "tide/tensor.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng = 987654321;
static double uniform(void) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng >> 11) * 0x1.0p-53;
}

static tide_tensor *tensor2(int64_t r, int64_t c, int dtype) {
    int64_t s[2] = {r, c};
    return tide_tensor_empty(2, s, dtype);
}
static tide_tensor *tensor1(int64_t n, int dtype) { return tide_tensor_empty(1, &n, dtype); }
static double *D(const tide_tensor *t) { return (double *)t->storage->data + t->offset; }
static int64_t *I64(const tide_tensor *t) { return (int64_t *)t->storage->data + t->offset; }
static int32_t *I32(const tide_tensor *t) { return (int32_t *)t->storage->data + t->offset; }

static tide_svm_params params(int kernel, double C) {
    tide_svm_params p;
    memset(&p, 0, sizeof p);
    p.kernel = kernel;
    p.degree = 3;
    p.gamma = 0.5;
    p.coef0 = 1.0;
    p.C = C;
    p.epsilon = 0.1;
    p.tol = 1e-3;
    p.cache_mb = 1;
    p.shrinking = 1;
    p.max_iter = -1;
    return p;
}

/* x1 = (1, 0) of class 0 and x2 = (-1, 0) of class 1, linear kernel: the maximal margin has
 * w = (1, 0), b = 0, alpha = 1/2 (libsvm's dual_coef holds alpha * y, class 0 as +1); with C below
 * 1/2 both alphas stop at C. */
static void test_two_points(void) {
    tide_tensor *x = tensor2(2, 2, TIDE_FLOAT64), *y = tensor1(2, TIDE_INT64);
    double xv[4] = {1, 0, -1, 0};
    memcpy(D(x), xv, sizeof xv);
    I64(y)[0] = 0;
    I64(y)[1] = 1;
    for (int soft = 0; soft < 2; soft++) {
        tide_svm_params p = params(TIDE_SVM_LINEAR, soft ? 0.25 : 10);
        tide_svm_model m;
        CHECK(tide_svc_fit(x, NULL, y, 2, NULL, NULL, &p, &m) == 0);
        double a = soft ? 0.25 : 0.5;
        CHECK(m.support->shape[0] == 2 && I64(m.support)[0] == 0 && I64(m.support)[1] == 1);
        CHECK(m.dual_coef->shape[0] == 1 && m.dual_coef->shape[1] == 2);
        CHECK_NEAR(D(m.dual_coef)[0], a, 1e-12);
        CHECK_NEAR(D(m.dual_coef)[1], -a, 1e-12);
        CHECK_NEAR(D(m.intercept)[0], 0, 1e-12);
        CHECK(I32(m.n_support)[0] == 1 && I32(m.n_support)[1] == 1);
        tide_svm_model_free(&m);
    }
    tide_tensor_free(x);
    tide_tensor_free(y);
}

/* y = x at x = +-1, linear kernel, epsilon 0.1: the flattest fit inside the tube has w = 0.9,
 * b = 0, so dual_coef = (0.45, -0.45). */
static void test_svr_two_points(void) {
    tide_tensor *x = tensor2(2, 1, TIDE_FLOAT64), *y = tensor1(2, TIDE_FLOAT64);
    D(x)[0] = 1;
    D(x)[1] = -1;
    D(y)[0] = 1;
    D(y)[1] = -1;
    tide_svm_params p = params(TIDE_SVM_LINEAR, 100);
    tide_svm_model m;
    CHECK(tide_svr_fit(x, NULL, y, NULL, &p, &m) == 0);
    CHECK(m.support->shape[0] == 2);
    CHECK_NEAR(D(m.dual_coef)[0], 0.45, 1e-9);
    CHECK_NEAR(D(m.dual_coef)[1], -0.45, 1e-9);
    CHECK_NEAR(D(m.intercept)[0], 0, 1e-9);
    tide_svm_model_free(&m);
    tide_tensor_free(x);
    tide_tensor_free(y);
}

/* random two-class data -> for every kernel, the solution satisfies the KKT conditions within tol:
 * with f the decision value (positive: class 0) and y = +1 for class 0, a training row with alpha = 0
 * has y f >= 1 - tol, one at the bound C has y f <= 1 + tol, a free one y f = 1 +- tol. */
static void test_kkt(void) {
    const int64_t n = 120, d = 5;
    tide_tensor *x = tensor2(n, d, TIDE_FLOAT64), *y = tensor1(n, TIDE_INT64);
    for (int64_t i = 0; i < n; i++) {
        I64(y)[i] = uniform() < 0.5;
        for (int64_t j = 0; j < d; j++) D(x)[i * d + j] = uniform() * 2 - 1 + (I64(y)[i] ? 0.6 : -0.6) * (j == 0);
    }
    int kernels[4] = {TIDE_SVM_LINEAR, TIDE_SVM_POLY, TIDE_SVM_RBF, TIDE_SVM_SIGMOID};
    for (int kk = 0; kk < 4; kk++) {
        tide_svm_params p = params(kernels[kk], 1.0);
        if (kernels[kk] == TIDE_SVM_SIGMOID) {
            p.gamma = 0.05;
            p.coef0 = 0;
        }
        p.tol = 1e-6;
        tide_svm_model m;
        CHECK(tide_svc_fit(x, NULL, y, 2, NULL, NULL, &p, &m) == 0);
        int64_t nsv = m.support->shape[0];
        tide_tensor *sv = tensor2(nsv, d, TIDE_FLOAT64), *dec = tensor2(n, 1, TIDE_FLOAT64);
        for (int64_t s = 0; s < nsv; s++) memcpy(D(sv) + s * d, D(x) + I64(m.support)[s] * d, (size_t)d * sizeof(double));
        CHECK(tide_svm_decision(x, NULL, sv, NULL, m.dual_coef, m.intercept, m.n_support, &p, dec) == 0);
        double *alpha = calloc((size_t)n, sizeof(double));
        for (int64_t s = 0; s < nsv; s++) alpha[I64(m.support)[s]] = D(m.dual_coef)[s];
        int bad = 0;
        double sum = 0;
        for (int64_t i = 0; i < n; i++) {
            double yi = I64(y)[i] == 0 ? 1 : -1, a = alpha[i] * yi, yf = yi * D(dec)[i];
            sum += alpha[i];
            if (a < 0 || a > p.C + 1e-12) bad++;
            else if (a == 0 && yf < 1 - 1e-4) bad++;
            else if (a >= p.C && yf > 1 + 1e-4) bad++;
            else if (a > 0 && a < p.C && fabs(yf - 1) > 1e-4) bad++;
        }
        CHECK(bad == 0);
        CHECK_NEAR(sum, 0, 1e-9); /* y' alpha = 0 */
        if (bad) fprintf(stderr, "kernel %d: %d rows break the KKT conditions\n", kernels[kk], bad);
        free(alpha);
        tide_tensor_free(sv);
        tide_tensor_free(dec);
        tide_svm_model_free(&m);
    }
    tide_tensor_free(x);
    tide_tensor_free(y);
}

static int same_model(const tide_svm_model *a, const tide_svm_model *b) {
    const tide_tensor *ta[] = {a->support, a->dual_coef, a->intercept, a->n_support, a->prob_a, a->prob_b, a->n_iter};
    const tide_tensor *tb[] = {b->support, b->dual_coef, b->intercept, b->n_support, b->prob_a, b->prob_b, b->n_iter};
    for (int i = 0; i < 7; i++) {
        if (ta[i]->numel != tb[i]->numel || ta[i]->dtype != tb[i]->dtype) return 0;
        size_t bytes = (size_t)ta[i]->numel * tide_dtype_size(ta[i]->dtype);
        if (bytes && memcmp((char *)ta[i]->storage->data, (char *)tb[i]->storage->data, bytes)) return 0;
    }
    return 1;
}

/* four classes with probabilities: CSR input (sparse enough to be trained sparse) gives the same
 * model, one thread the very same */
static void test_csr_and_threads(void) {
    const int64_t n = 90, d = 12;
    tide_tensor *x = tensor2(n, d, TIDE_FLOAT64), *y = tensor1(n, TIDE_INT64);
    for (int64_t i = 0; i < n; i++) {
        I64(y)[i] = i % 4;
        for (int64_t j = 0; j < d; j++)
            D(x)[i * d + j] = uniform() < 0.9 && j != I64(y)[i] ? 0 : uniform() * 2 - 1 + 0.8 * (j == I64(y)[i]);
    }
    int64_t nnz = tide_csr_count_dense(x);
    int64_t *indptr = malloc((size_t)(n + 1) * sizeof(int64_t));
    int32_t *indices = malloc((size_t)nnz * sizeof(int32_t));
    double *data = malloc((size_t)nnz * sizeof(double));
    CHECK(tide_csr_from_dense(x, indptr, indices, data) == 0);
    tide_csr xs = {n, d, nnz, indptr, indices, data};
    CHECK(nnz * 4 < n * d);
    tide_svm_params p = params(TIDE_SVM_RBF, 2.0);
    p.probability = 1;
    p.seed = 42;
    tide_svm_model a, b, c;
    CHECK(tide_svc_fit(x, NULL, y, 4, NULL, NULL, &p, &a) == 0);
    CHECK(tide_svc_fit(NULL, &xs, y, 4, NULL, NULL, &p, &b) == 0);
    int threads = tide_get_num_threads();
    tide_set_num_threads(1);
    CHECK(tide_svc_fit(x, NULL, y, 4, NULL, NULL, &p, &c) == 0);
    tide_set_num_threads(threads);
    CHECK(a.prob_a->numel == 6 && a.dual_coef->shape[0] == 3);
    CHECK(same_model(&a, &c));
    CHECK(a.support->numel == b.support->numel);
    double diff = 0;
    for (int64_t i = 0; i < a.dual_coef->numel && a.dual_coef->numel == b.dual_coef->numel; i++)
        diff = fmax(diff, fabs(D(a.dual_coef)[i] - D(b.dual_coef)[i]));
    CHECK(diff < 1e-9);
    tide_svm_model_free(&a);
    tide_svm_model_free(&b);
    tide_svm_model_free(&c);
    free(indptr);
    free(indices);
    free(data);
    tide_tensor_free(x);
    tide_tensor_free(y);
}

/* two classes with probabilities on enough data for the five folds to run in parallel: the same
 * model on one thread */
static void test_binary_folds_threads(void) {
    const int64_t n = 400, d = 100;
    tide_tensor *x = tensor2(n, d, TIDE_FLOAT64), *y = tensor1(n, TIDE_INT64);
    for (int64_t i = 0; i < n; i++) {
        I64(y)[i] = uniform() < 0.4;
        for (int64_t j = 0; j < d; j++) D(x)[i * d + j] = uniform() - 0.5 + 0.3 * (j < 3) * I64(y)[i];
    }
    tide_svm_params p = params(TIDE_SVM_RBF, 1.0);
    p.gamma = 0.02;
    p.probability = 1;
    p.seed = 7;
    tide_svm_model a, b;
    CHECK(tide_svc_fit(x, NULL, y, 2, NULL, NULL, &p, &a) == 0);
    int threads = tide_get_num_threads();
    tide_set_num_threads(1);
    CHECK(tide_svc_fit(x, NULL, y, 2, NULL, NULL, &p, &b) == 0);
    tide_set_num_threads(threads);
    CHECK(same_model(&a, &b));
    CHECK(a.prob_a->numel == 1 && D(a.prob_a)[0] < 0); /* a larger decision value: more likely class 0 */
    tide_svm_model_free(&a);
    tide_svm_model_free(&b);
    tide_tensor_free(x);
    tide_tensor_free(y);
}

/* votes, the one-vs-rest shape and coupled probabilities on hand-made decision values */
static void test_votes_and_proba(void) {
    tide_tensor *dec = tensor2(2, 3, TIDE_FLOAT64), *vote = tensor1(2, TIDE_INT64), *ovr = tensor2(2, 3, TIDE_FLOAT64);
    double v[6] = {1.0, 2.0, -0.5, /* 0 beats 1 and 2, 2 beats 1 */ -1.0, 0.5, 3.0 /* 1 beats 0, 0 beats 2, 1 beats 2 */};
    memcpy(D(dec), v, sizeof v);
    CHECK(tide_svc_vote(dec, 3, vote) == 0);
    CHECK(I64(vote)[0] == 0 && I64(vote)[1] == 1);
    CHECK(tide_svc_ovr(dec, 3, ovr) == 0);
    /* row 0: votes (2, 0, 1); summed confidences: class a of pair (a, b) adds the value, b subtracts it */
    double conf0 = 1.0 + 2.0, conf1 = -1.0 + -0.5, conf2 = -2.0 - -0.5;
    CHECK_NEAR(D(ovr)[0], 2 + conf0 / (3 * (fabs(conf0) + 1)), 1e-15);
    CHECK_NEAR(D(ovr)[1], 0 + conf1 / (3 * (fabs(conf1) + 1)), 1e-15);
    CHECK_NEAR(D(ovr)[2], 1 + conf2 / (3 * (fabs(conf2) + 1)), 1e-15);
    tide_tensor *a = tensor1(3, TIDE_FLOAT64), *b = tensor1(3, TIDE_FLOAT64), *pr = tensor2(2, 3, TIDE_FLOAT64);
    for (int i = 0; i < 3; i++) {
        D(a)[i] = -2;
        D(b)[i] = 0;
    }
    CHECK(tide_svc_proba(dec, a, b, 3, pr) == 0);
    for (int r = 0; r < 2; r++) {
        double s = D(pr)[r * 3] + D(pr)[r * 3 + 1] + D(pr)[r * 3 + 2];
        CHECK_NEAR(s, 1, 1e-12);
    }
    CHECK(D(pr)[0] > D(pr)[1] && D(pr)[0] > D(pr)[2]);
    CHECK(D(pr)[4] > D(pr)[3] && D(pr)[4] > D(pr)[5]);
    /* two classes: one column in scikit-learn's orientation, coupling gives sigmoid(-dec A + B) */
    tide_tensor *d2 = tensor2(1, 1, TIDE_FLOAT64), *p2 = tensor2(1, 2, TIDE_FLOAT64), *v2 = tensor1(1, TIDE_INT64);
    D(d2)[0] = 0.7;
    tide_tensor *a1 = tensor1(1, TIDE_FLOAT64), *b1 = tensor1(1, TIDE_FLOAT64);
    D(a1)[0] = -2;
    D(b1)[0] = 0;
    CHECK(tide_svc_proba(d2, a1, b1, 2, p2) == 0);
    CHECK(D(p2)[1] > 0.5 && fabs(D(p2)[0] + D(p2)[1] - 1) < 1e-12);
    CHECK(tide_svc_vote(d2, 2, v2) == 0 && I64(v2)[0] == 1);
    tide_tensor *objs[] = {dec, vote, ovr, a, b, pr, d2, p2, v2, a1, b1};
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) tide_tensor_free(objs[i]);
}

static int has(const char *s) { return strstr(tide_last_error(), s) != NULL; }

static void test_errors(void) {
    tide_tensor *x = tensor2(4, 2, TIDE_FLOAT64), *y = tensor1(4, TIDE_INT64), *xf = tensor2(4, 2, TIDE_FLOAT32);
    for (int i = 0; i < 8; i++) D(x)[i] = i;
    for (int i = 0; i < 4; i++) I64(y)[i] = i % 2;
    tide_svm_params p = params(TIDE_SVM_RBF, 1);
    tide_svm_model m;
    p.C = 0;
    CHECK(tide_svc_fit(x, NULL, y, 2, NULL, NULL, &p, &m) == -1 && has("C must be > 0"));
    p = params(7, 1);
    CHECK(tide_svc_fit(x, NULL, y, 2, NULL, NULL, &p, &m) == -1 && has("unknown kernel"));
    p = params(TIDE_SVM_RBF, 1);
    p.tol = 0;
    CHECK(tide_svr_fit(x, NULL, NULL, NULL, &p, &m) == -1 && has("tol must be > 0"));
    p = params(TIDE_SVM_RBF, 1);
    CHECK(tide_svc_fit(NULL, NULL, y, 2, NULL, NULL, &p, &m) == -1 && has("exactly one"));
    CHECK(tide_svc_fit(xf, NULL, y, 2, NULL, NULL, &p, &m) == -1 && has("float64"));
    CHECK(tide_svc_fit(x, NULL, y, 1, NULL, NULL, &p, &m) == -1 && has("n_classes"));
    I64(y)[2] = 5;
    CHECK(tide_svc_fit(x, NULL, y, 2, NULL, NULL, &p, &m) == -1 && has("not a class code"));
    I64(y)[2] = 0;
    CHECK(tide_svc_fit(x, NULL, y, 2, NULL, NULL, &p, NULL) == -1);
    tide_tensor *w = tensor1(4, TIDE_FLOAT64);
    for (int i = 0; i < 4; i++) D(w)[i] = i % 2 ? 0 : 1; /* class 1 has no weight */
    CHECK(tide_svc_fit(x, NULL, y, 2, w, NULL, &p, &m) == -1 && has("no sample with positive weight"));
    D(w)[1] = -1;
    CHECK(tide_svc_fit(x, NULL, y, 2, w, NULL, &p, &m) == -1 && has("sample_weight[1] must be finite and >= 0"));
    D(w)[1] = 1.0 / 0.0;
    tide_tensor *yr = tensor1(4, TIDE_FLOAT64);
    for (int i = 0; i < 4; i++) D(yr)[i] = i;
    CHECK(tide_svr_fit(x, NULL, yr, w, &p, &m) == -1 && has("sample_weight[1]"));
    tide_tensor_free(yr);
    tide_tensor *dec = tensor2(4, 2, TIDE_FLOAT64), *out = tensor1(4, TIDE_INT64);
    CHECK(tide_svc_vote(dec, 2, out) == -1 && has("dec must be"));
    CHECK(tide_svc_ovr(dec, 2, NULL) == -1);
    tide_tensor *d1 = tensor2(4, 1, TIDE_FLOAT64), *pa = tensor1(3, TIDE_FLOAT64), *pr = tensor2(4, 2, TIDE_FLOAT64);
    CHECK(tide_svc_proba(d1, pa, pa, 2, pr) == -1 && has("prob_a and prob_b"));
    tide_tensor_free(d1);
    tide_tensor_free(pa);
    tide_tensor_free(pr);
    tide_tensor_free(x);
    tide_tensor_free(xf);
    tide_tensor_free(y);
    tide_tensor_free(w);
    tide_tensor_free(dec);
    tide_tensor_free(out);
}

int main(void) {
    int64_t live = tide_memory()->live_tensors;
    test_two_points();
    test_svr_two_points();
    test_kkt();
    test_csr_and_threads();
    test_binary_folds_threads();
    test_votes_and_proba();
    test_errors();
    CHECK(tide_memory()->live_tensors == live);
    return check_report("test_svm");
}
