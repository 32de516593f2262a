/* test_logistic.c — the logistic regression kernels through the public C API: the loss and
 * gradient against a naive double loop (binomial, multinomial with the fused dense kernel and with
 * the BLAS path of many classes, CSR), row and column counts that are not multiples of the
 * kernel's blocks; the solvers' optimality conditions (L-BFGS: gradient ~ 0; coordinate descent
 * with L1: the subgradient conditions); decision values; argument errors; no leaks. */
#include "check.h"
#include "tide/logistic.h"
#include "tide/sparse.h"
#include "tide/tensor.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng = 42;
static double uniform(void) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static double *data(tide_tensor *t) { return (double *)t->storage->data + t->offset; }

static tide_tensor *mat(int64_t r, int64_t c, int dtype) {
    int64_t shape[2] = {r, c};
    return tide_tensor_zeros(2, shape, dtype);
}

static tide_tensor *vec(int64_t n, int dtype) {
    int64_t shape[1] = {n};
    return tide_tensor_zeros(1, shape, dtype);
}

/* naive objective and gradient: coef [k, d + 1] with intercepts */
static double naive(const double *X, int64_t n, int64_t d, int64_t k, const int64_t *y, const double *sw,
                    const double *coef, double l2, double *grad) {
    int64_t ldw = d + 1;
    double f = 0, z[32], p[32];
    memset(grad, 0, (size_t)(k * ldw) * sizeof(double));
    for (int64_t i = 0; i < n; i++) {
        for (int64_t c = 0; c < k; c++) {
            z[c] = coef[c * ldw + d];
            for (int64_t j = 0; j < d; j++) z[c] += X[i * d + j] * coef[c * ldw + j];
        }
        if (k == 1) {
            p[0] = 1 / (1 + exp(-z[0]));
            f += sw[i] * (log(1 + exp(z[0])) - (double)y[i] * z[0]);
            p[0] -= (double)y[i];
        } else {
            double s = 0;
            for (int64_t c = 0; c < k; c++) s += exp(z[c]);
            f += sw[i] * (log(s) - z[y[i]]);
            for (int64_t c = 0; c < k; c++) p[c] = exp(z[c]) / s - (c == y[i]);
        }
        for (int64_t c = 0; c < k; c++) {
            for (int64_t j = 0; j < d; j++) grad[c * ldw + j] += sw[i] * p[c] * X[i * d + j];
            grad[c * ldw + d] += sw[i] * p[c];
        }
    }
    for (int64_t c = 0; c < k; c++)
        for (int64_t j = 0; j < d; j++) {
            f += 0.5 * l2 * coef[c * ldw + j] * coef[c * ldw + j];
            grad[c * ldw + j] += l2 * coef[c * ldw + j];
        }
    return f;
}

/* X [n, d] with about half the cells zero, y, sw, coef random; its CSR arrays too */
typedef struct problem {
    int64_t n, d, k;
    tide_tensor *x, *y, *sw, *coef, *grad;
    int64_t *indptr;
    int32_t *indices;
    double *vals;
    tide_csr csr;
} problem;

static void make(problem *P, int64_t n, int64_t d, int64_t k) {
    P->n = n, P->d = d, P->k = k;
    P->x = mat(n, d, TIDE_FLOAT64);
    P->y = vec(n, TIDE_INT64);
    P->sw = vec(n, TIDE_FLOAT64);
    P->coef = mat(k, d + 1, TIDE_FLOAT64);
    P->grad = mat(k, d + 1, TIDE_FLOAT64);
    double *x = data(P->x);
    for (int64_t i = 0; i < n * d; i++) x[i] = uniform() < 0.5 ? 0.0 : 4 * uniform() - 2;
    int64_t *y = (int64_t *)P->y->storage->data;
    int64_t classes = k == 1 ? 2 : k;
    for (int64_t i = 0; i < n; i++) y[i] = (int64_t)(uniform() * (double)classes) % classes;
    for (int64_t i = 0; i < n; i++) data(P->sw)[i] = 0.5 + uniform();
    for (int64_t i = 0; i < k * (d + 1); i++) data(P->coef)[i] = 0.5 * uniform() - 0.25;
    int64_t nnz = tide_csr_count_dense(P->x);
    P->indptr = malloc((size_t)(n + 1) * sizeof(int64_t));
    P->indices = malloc((size_t)(nnz ? nnz : 1) * sizeof(int32_t));
    P->vals = malloc((size_t)(nnz ? nnz : 1) * sizeof(double));
    tide_csr_from_dense(P->x, P->indptr, P->indices, P->vals);
    P->csr = (tide_csr){n, d, nnz, P->indptr, P->indices, P->vals};
}

static void drop(problem *P) {
    tide_tensor_free(P->x);
    tide_tensor_free(P->y);
    tide_tensor_free(P->sw);
    tide_tensor_free(P->coef);
    tide_tensor_free(P->grad);
    free(P->indptr);
    free(P->indices);
    free(P->vals);
}

static double max_rel(const double *a, const double *b, int64_t m) {
    double e = 0;
    for (int64_t i = 0; i < m; i++) e = fmax(e, fabs(a[i] - b[i]) / fmax(1, fabs(b[i])));
    return e;
}

static void test_loss(int64_t n, int64_t d, int64_t k) {
    problem P;
    make(&P, n, d, k);
    int64_t m = k * (d + 1);
    double *ref = malloc((size_t)m * sizeof(double));
    double fref = naive(data(P.x), n, d, k, (int64_t *)P.y->storage->data, data(P.sw), data(P.coef), 0.7, ref);
    double f = 0;
    CHECK(tide_logistic_loss(P.x, NULL, P.y, P.sw, P.coef, P.grad, 0.7, 0.0, 1, &f) == 0);
    CHECK_NEAR(f, fref, 1e-10 * fabs(fref));
    CHECK(max_rel(data(P.grad), ref, m) < 1e-10);
    f = 0;
    memset(data(P.grad), 0, (size_t)m * sizeof(double));
    CHECK(tide_logistic_loss(NULL, &P.csr, P.y, P.sw, P.coef, P.grad, 0.7, 0.0, 1, &f) == 0);
    CHECK_NEAR(f, fref, 1e-10 * fabs(fref));
    CHECK(max_rel(data(P.grad), ref, m) < 1e-10);
    /* l1 adds to the value, not to the gradient */
    double f1 = 0, l1sum = 0;
    CHECK(tide_logistic_loss(P.x, NULL, P.y, P.sw, P.coef, NULL, 0.7, 0.25, 1, &f1) == 0);
    for (int64_t c = 0; c < k; c++)
        for (int64_t j = 0; j < d; j++) l1sum += fabs(data(P.coef)[c * (d + 1) + j]);
    CHECK_NEAR(f1, fref + 0.25 * l1sum, 1e-10 * fabs(fref));
    /* decision values = the scores */
    tide_tensor *out = mat(n, k, TIDE_FLOAT64);
    CHECK(tide_logistic_decision(P.x, NULL, P.coef, 1, out) == 0);
    double z0 = data(P.coef)[d];
    for (int64_t j = 0; j < d; j++) z0 += data(P.x)[j] * data(P.coef)[j];
    CHECK_NEAR(data(out)[0], z0, 1e-12);
    tide_tensor *out2 = mat(n, k, TIDE_FLOAT64);
    CHECK(tide_logistic_decision(NULL, &P.csr, P.coef, 1, out2) == 0);
    CHECK(max_rel(data(out), data(out2), n * k) < 1e-12);
    tide_tensor_free(out);
    tide_tensor_free(out2);
    free(ref);
    drop(&P);
}

static void test_lbfgs(int64_t k) {
    problem P;
    make(&P, 41, 6, k);
    memset(data(P.coef), 0, (size_t)(k * 7) * sizeof(double));
    tide_logistic_result r;
    CHECK(tide_logistic_fit_lbfgs(P.x, NULL, P.y, P.sw, P.coef, 0.5, 1, 1000, 1e-9, &r) == 0);
    CHECK(r.status == 1 || r.status == 2);
    CHECK(r.n_iter > 0 && r.n_eval >= r.n_iter);
    double f = 0;
    CHECK(tide_logistic_loss(P.x, NULL, P.y, P.sw, P.coef, P.grad, 0.5, 0.0, 1, &f) == 0);
    CHECK_NEAR(f, r.loss, 1e-12 * fabs(f));
    double gmax = 0;
    for (int64_t i = 0; i < k * 7; i++) gmax = fmax(gmax, fabs(data(P.grad)[i]));
    CHECK(gmax < 1e-4);
    drop(&P);
}

static void test_cd_l1(int64_t k) {
    problem P;
    make(&P, 53, 7, k);
    memset(data(P.coef), 0, (size_t)(k * 8) * sizeof(double));
    tide_logistic_result r;
    double l1 = 2.0, l2 = 0.1;
    CHECK(tide_logistic_fit_cd(NULL, &P.csr, P.y, P.sw, P.coef, l2, l1, 1, 1000, 1e-10, &r) == 0);
    if (r.status != 1) fprintf(stderr, "cd k=%lld: status %d after %lld iterations\n", (long long)k, r.status, (long long)r.n_iter);
    CHECK(r.status == 1);
    double f = 0;
    CHECK(tide_logistic_loss(P.x, NULL, P.y, P.sw, P.coef, P.grad, l2, l1, 1, &f) == 0);
    CHECK_NEAR(f, r.loss, 1e-9 * fabs(f));
    int zeros = 0;
    for (int64_t c = 0; c < k; c++) {
        for (int64_t j = 0; j < 7; j++) {
            double w = data(P.coef)[c * 8 + j], g = data(P.grad)[c * 8 + j];
            if (w == 0) {
                zeros++;
                CHECK(fabs(g) <= l1 + 1e-6);
            } else {
                CHECK_NEAR(g + (w > 0 ? l1 : -l1), 0, 1e-6);
            }
        }
        CHECK_NEAR(data(P.grad)[c * 8 + 7], 0, 1e-6); /* unpenalised intercept */
    }
    CHECK(zeros > 0);
    drop(&P);
}

static void test_errors(void) {
    problem P;
    make(&P, 10, 3, 3);
    tide_logistic_result r;
    double f;
    CHECK(tide_logistic_loss(NULL, NULL, P.y, NULL, P.coef, NULL, 0, 0, 1, &f) != 0);
    CHECK(strstr(tide_last_error(), "exactly one") != NULL);
    CHECK(tide_logistic_loss(P.x, &P.csr, P.y, NULL, P.coef, NULL, 0, 0, 1, &f) != 0);
    CHECK(tide_logistic_loss(P.x, NULL, P.y, NULL, P.coef, NULL, 0, 0, 0, &f) != 0); /* coef has d + 1 columns */
    CHECK(strstr(tide_last_error(), "coef has shape [3, 4]") != NULL);
    ((int64_t *)P.y->storage->data)[4] = 3;
    CHECK(tide_logistic_loss(P.x, NULL, P.y, NULL, P.coef, NULL, 0, 0, 1, &f) != 0);
    CHECK(strstr(tide_last_error(), "y[4] = 3") != NULL);
    ((int64_t *)P.y->storage->data)[4] = 0;
    data(P.sw)[2] = -1;
    CHECK(tide_logistic_loss(P.x, NULL, P.y, P.sw, P.coef, NULL, 0, 0, 1, &f) != 0);
    CHECK(strstr(tide_last_error(), "sample weight 2") != NULL);
    data(P.sw)[2] = 1;
    CHECK(tide_logistic_loss(P.x, NULL, P.y, P.sw, P.coef, NULL, -1, 0, 1, &f) != 0);
    CHECK(tide_logistic_fit_lbfgs(P.x, NULL, P.y, NULL, P.coef, 1, 1, 0, 1e-4, &r) != 0);
    CHECK(strstr(tide_last_error(), "max_iter") != NULL);
    CHECK(tide_logistic_fit_cd(P.x, NULL, P.y, NULL, P.coef, 1, 1, 1, 10, -1, &r) != 0);
    CHECK(tide_logistic_fit_cd(P.x, NULL, P.y, NULL, P.coef, 1, 1, 1, 10, 1e-4, NULL) != 0);
    tide_tensor *bad = mat(10, 2, TIDE_FLOAT64);
    CHECK(tide_logistic_decision(P.x, NULL, P.coef, 1, bad) != 0);
    CHECK(tide_logistic_loss(P.x, NULL, P.y, NULL, P.coef, bad, 0, 0, 1, &f) != 0);
    tide_tensor *xf = mat(10, 3, TIDE_FLOAT32);
    CHECK(tide_logistic_loss(xf, NULL, P.y, NULL, P.coef, NULL, 0, 0, 1, &f) != 0);
    CHECK(strstr(tide_last_error(), "float64") != NULL);
    int32_t saved = P.indices[0];
    P.indices[0] = 7; /* column out of range */
    CHECK(tide_logistic_loss(NULL, &P.csr, P.y, NULL, P.coef, NULL, 0, 0, 1, &f) != 0);
    P.indices[0] = saved;
    tide_tensor_free(bad);
    tide_tensor_free(xf);
    tide_clear_error();
    drop(&P);
}

int main(void) {
    int64_t live = tide_memory()->live_tensors;
    test_loss(37, 9, 1);  /* binomial, fused; rows and columns off the 4-blocks */
    test_loss(37, 9, 3);  /* multinomial, fused, odd class count */
    test_loss(13, 5, 20); /* many classes: the BLAS path */
    test_loss(8, 4, 2);
    test_lbfgs(1);
    test_lbfgs(3);
    test_cd_l1(1);
    test_cd_l1(3);
    test_errors();
    CHECK(tide_memory()->live_tensors == live);
    return check_report("test_logistic");
}
