/* test_linear_model.c — the linear-model kernels through the public C API: exact recovery of a
 * noiseless linear target (least squares, every ridge solver at alpha -> 0, CSR and dense), the
 * ridge normal equations checked by their residual, the elastic net's optimality conditions
 * (subgradient of the objective at the solution), LinearSVC separating separable data with
 * margin conditions, every argument error, and that nothing leaks. */
#include "check.h"
#include "tide/linear_model.h"
#include "tide/sparse.h"
#include "tide/tensor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 987654321;
static double uniform(void) { /* [-1, 1) */
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng >> 11) * 0x1.0p-52 - 1.0;
}

static tide_tensor *vec(int64_t n, int dtype) { return tide_tensor_empty(1, &n, dtype); }
static tide_tensor *mat(int64_t n, int64_t d) {
    int64_t s[2] = {n, d};
    return tide_tensor_empty(2, s, TIDE_FLOAT64);
}
static double *D(const tide_tensor *t) { return (double *)tide_tensor_data_ptr(t); }

enum { N = 40, P = 6 };
static const double W_TRUE[P] = {1.5, -2.0, 0.0, 0.25, 3.0, -0.75};

/* X [N, P] with about half the cells zero (so CSR differs from dense), y = X w + 4 */
static void make_data(tide_tensor **X, tide_tensor **y) {
    *X = mat(N, P);
    *y = vec(N, TIDE_FLOAT64);
    for (int64_t i = 0; i < N; i++) {
        double acc = 4.0;
        for (int64_t j = 0; j < P; j++) {
            double v = uniform();
            if (v < 0) v = 0;
            v = v * 3 + (j == i % P ? 1.0 : 0.0);
            D(*X)[i * P + j] = v;
            acc += v * W_TRUE[j];
        }
        D(*y)[i] = acc;
    }
}

typedef struct csr_buf {
    tide_csr c;
    int64_t *indptr;
    int32_t *indices;
    double *data;
} csr_buf;

static csr_buf to_csr(const tide_tensor *X) {
    csr_buf b;
    int64_t n = X->shape[0], d = X->shape[1], nnz = tide_csr_count_dense(X);
    b.indptr = malloc((size_t)(n + 1) * sizeof(int64_t));
    b.indices = malloc((size_t)nnz * sizeof(int32_t));
    b.data = malloc((size_t)nnz * sizeof(double));
    tide_csr_from_dense(X, b.indptr, b.indices, b.data);
    b.c = (tide_csr){n, d, nnz, b.indptr, b.indices, b.data};
    return b;
}
static void csr_free(csr_buf *b) {
    free(b->indptr);
    free(b->indices);
    free(b->data);
}

static void check_recovered(const tide_tensor *coef, double icpt, double tol) {
    for (int j = 0; j < P; j++) CHECK_NEAR(D(coef)[j], W_TRUE[j], tol);
    CHECK_NEAR(icpt, 4.0, tol);
}

static void test_exact_recovery(void) {
    tide_tensor *X, *y;
    make_data(&X, &y);
    csr_buf S = to_csr(X);
    tide_tensor *coef = vec(P, TIDE_FLOAT64), *sv = vec(P, TIDE_FLOAT64);
    double icpt = 0;
    int64_t rank = 0, it = 0;
    CHECK(tide_linear_lstsq_fit(X, y, NULL, coef, sv, &icpt, &rank, 1) == 0);
    check_recovered(coef, icpt, 1e-10);
    CHECK(rank == P);
    for (int j = 1; j < P; j++) CHECK(D(sv)[j] <= D(sv)[j - 1]); /* descending singular values */
    /* weights do not change an exact fit */
    tide_tensor *sw = vec(N, TIDE_FLOAT64);
    for (int i = 0; i < N; i++) D(sw)[i] = 0.5 + (i % 3);
    CHECK(tide_linear_lstsq_fit(X, y, sw, coef, NULL, &icpt, NULL, 1) == 0);
    check_recovered(coef, icpt, 1e-10);
    int solvers[3] = {TIDE_RIDGE_CHOLESKY, TIDE_RIDGE_LSTSQ, TIDE_RIDGE_CG};
    for (int s = 0; s < 3; s++) {
        memset(D(coef), 0, P * sizeof(double));
        CHECK(tide_ridge_fit(X, NULL, y, sw, coef, &icpt, &it, 1e-12, 1, solvers[s], 1e-13, 0) == 0);
        check_recovered(coef, icpt, 1e-7);
    }
    CHECK(tide_ridge_fit(NULL, &S.c, y, NULL, coef, &icpt, &it, 0.0, 1, TIDE_RIDGE_CG, 1e-13, 0) == 0);
    check_recovered(coef, icpt, 1e-8);
    CHECK(it > 0 && it <= 3 * P);
    /* elastic net with a tiny penalty: near least squares */
    memset(D(coef), 0, P * sizeof(double));
    double gap = 1;
    CHECK(tide_enet_fit(NULL, &S.c, y, NULL, coef, &icpt, &gap, &it, 1e-10, 0.5, 1, 100000, 1e-14, 0, 0, 0) == 0);
    check_recovered(coef, icpt, 1e-5);
    csr_free(&S);
    tide_tensor_free(X);
    tide_tensor_free(y);
    tide_tensor_free(coef);
    tide_tensor_free(sv);
    tide_tensor_free(sw);
}

/* Ridge: the centred normal equations (Xc^T Xc + alpha I) w = Xc^T yc hold at the solution. */
static void test_ridge_normal_equations(void) {
    tide_tensor *X, *y;
    make_data(&X, &y);
    for (int i = 0; i < N; i++) D(y)[i] += uniform(); /* noise: no exact fit */
    tide_tensor *coef = vec(P, TIDE_FLOAT64);
    double icpt, alpha = 2.5, xm[P] = {0}, ym = 0;
    int64_t it;
    CHECK(tide_ridge_fit(X, NULL, y, NULL, coef, &icpt, &it, alpha, 1, TIDE_RIDGE_CHOLESKY, 0, 0) == 0);
    for (int i = 0; i < N; i++) {
        ym += D(y)[i] / N;
        for (int j = 0; j < P; j++) xm[j] += D(X)[i * P + j] / N;
    }
    for (int j = 0; j < P; j++) {
        double lhs = alpha * D(coef)[j], rhs = 0;
        for (int i = 0; i < N; i++) {
            double r = D(y)[i] - ym;
            for (int k = 0; k < P; k++) r -= (D(X)[i * P + k] - xm[k]) * D(coef)[k];
            rhs += (D(X)[i * P + j] - xm[j]) * r;
        }
        CHECK_NEAR(lhs, rhs, 1e-9);
    }
    double pred_mean = icpt;
    for (int j = 0; j < P; j++) pred_mean += xm[j] * D(coef)[j];
    CHECK_NEAR(pred_mean, ym, 1e-10); /* the intercept centres the predictions */
    tide_tensor_free(X);
    tide_tensor_free(y);
    tide_tensor_free(coef);
}

/* Lasso: at the optimum, |x_j . r| / n <= alpha, with equality and sign agreement where w_j != 0. */
static void test_lasso_kkt(void) {
    tide_tensor *X, *y;
    make_data(&X, &y);
    for (int i = 0; i < N; i++) D(y)[i] += 2 * uniform();
    tide_tensor *coef = vec(P, TIDE_FLOAT64);
    memset(D(coef), 0, P * sizeof(double));
    double icpt, gap, alpha = 0.3, xm[P] = {0}, ym = 0;
    int64_t it;
    CHECK(tide_enet_fit(X, NULL, y, NULL, coef, &icpt, &gap, &it, alpha, 1.0, 1, 100000, 1e-12, 0, 0, 0) == 0);
    CHECK(gap >= 0 && gap < 1e-8);
    for (int i = 0; i < N; i++) {
        ym += D(y)[i] / N;
        for (int j = 0; j < P; j++) xm[j] += D(X)[i * P + j] / N;
    }
    int zeros = 0;
    for (int j = 0; j < P; j++) {
        double g = 0;
        for (int i = 0; i < N; i++) {
            double r = D(y)[i] - ym;
            for (int k = 0; k < P; k++) r -= (D(X)[i * P + k] - xm[k]) * D(coef)[k];
            g += (D(X)[i * P + j] - xm[j]) * r / N;
        }
        if (D(coef)[j] == 0) {
            zeros++;
            CHECK(fabs(g) <= alpha + 1e-6);
        } else {
            CHECK_NEAR(g, alpha * (D(coef)[j] > 0 ? 1 : -1), 1e-5);
        }
    }
    CHECK(zeros >= 1); /* W_TRUE[2] = 0 and the penalty zero at least that one */
    /* the CSR path reaches the same point */
    csr_buf S = to_csr(X);
    tide_tensor *c2 = vec(P, TIDE_FLOAT64);
    memset(D(c2), 0, P * sizeof(double));
    double i2;
    CHECK(tide_enet_fit(NULL, &S.c, y, NULL, c2, &i2, &gap, &it, alpha, 1.0, 1, 100000, 1e-12, 0, 0, 0) == 0);
    for (int j = 0; j < P; j++) CHECK_NEAR(D(c2)[j], D(coef)[j], 1e-7);
    CHECK_NEAR(i2, icpt, 1e-7);
    csr_free(&S);
    tide_tensor_free(c2);
    tide_tensor_free(X);
    tide_tensor_free(y);
    tide_tensor_free(coef);
}

/* NNLS: coef >= 0, zero gradient on the positive coordinates, non-positive on the zeros (KKT). */
static void test_nnls(void) {
    tide_tensor *X, *y;
    make_data(&X, &y); /* W_TRUE has negative weights: the constraint binds */
    tide_tensor *coef = vec(P, TIDE_FLOAT64);
    double icpt, xm[P] = {0}, ym = 0;
    CHECK(tide_linear_nnls_fit(X, y, NULL, coef, &icpt, 1) == 0);
    for (int i = 0; i < N; i++) {
        ym += D(y)[i] / N;
        for (int j = 0; j < P; j++) xm[j] += D(X)[i * P + j] / N;
    }
    int zeros = 0;
    for (int j = 0; j < P; j++) {
        CHECK(D(coef)[j] >= 0);
        double g = 0; /* Xc^T (yc - Xc w) */
        for (int i = 0; i < N; i++) {
            double r = D(y)[i] - ym;
            for (int k = 0; k < P; k++) r -= (D(X)[i * P + k] - xm[k]) * D(coef)[k];
            g += (D(X)[i * P + j] - xm[j]) * r;
        }
        if (D(coef)[j] > 0)
            CHECK_NEAR(g, 0, 1e-8);
        else {
            zeros++;
            CHECK(g <= 1e-8);
        }
    }
    CHECK(zeros >= 2);
    CHECK(tide_linear_nnls_fit(NULL, y, NULL, coef, &icpt, 1) != 0);
    CHECK(strstr(tide_last_error(), "positive=true takes dense X only") != NULL);
    tide_clear_error();
    tide_tensor_free(X);
    tide_tensor_free(y);
    tide_tensor_free(coef);
}

/* LinearSVC on separable data: every training row on the right side, dense == CSR. */
static void test_svc(void) {
    tide_tensor *X, *y;
    make_data(&X, &y);
    tide_tensor *codes = vec(N, TIDE_INT64);
    int64_t *c = (int64_t *)tide_tensor_data_ptr(codes);
    double med = 0;
    for (int i = 0; i < N; i++) med += D(y)[i] / N;
    for (int i = 0; i < N; i++) c[i] = D(y)[i] > med ? 1 : 0;
    int64_t s1[2] = {1, P}, s3[2] = {3, P}, one = 1, three = 3;
    tide_tensor *coef = tide_tensor_empty(2, s1, TIDE_FLOAT64), *b = vec(one, TIDE_FLOAT64);
    int64_t it = 0;
    CHECK(tide_linear_svc_fit(X, NULL, codes, NULL, NULL, coef, b, &it, 2, 100.0, TIDE_SVC_SQUARED_HINGE, TIDE_SVC_L2, 1e-8, 100000,
                              1, 1.0, 42) == 0);
    int correct = 0;
    for (int i = 0; i < N; i++) {
        double f = D(b)[0];
        for (int j = 0; j < P; j++) f += D(X)[i * P + j] * D(coef)[j];
        correct += (f > 0) == (c[i] == 1);
    }
    CHECK(correct == N);
    CHECK(it >= 1);
    csr_buf S = to_csr(X);
    tide_tensor *coef2 = tide_tensor_empty(2, s1, TIDE_FLOAT64), *b2 = vec(one, TIDE_FLOAT64);
    CHECK(tide_linear_svc_fit(NULL, &S.c, codes, NULL, NULL, coef2, b2, &it, 2, 100.0, TIDE_SVC_SQUARED_HINGE, TIDE_SVC_L2, 1e-8,
                              100000, 1, 1.0, 42) == 0);
    for (int j = 0; j < P; j++) CHECK_NEAR(D(coef2)[j], D(coef)[j], 1e-9);
    /* three classes: one model per class */
    for (int i = 0; i < N; i++) c[i] = i % 3;
    tide_tensor *coef3 = tide_tensor_empty(2, s3, TIDE_FLOAT64), *b3 = vec(three, TIDE_FLOAT64);
    CHECK(tide_linear_svc_fit(X, NULL, codes, NULL, NULL, coef3, b3, &it, 3, 1.0, TIDE_SVC_HINGE, TIDE_SVC_L2, 1e-4, 1000, 1, 1.0,
                              1) == 0);
    /* L1 penalty (primal), dense and CSR: the same model, on the right side of most rows */
    for (int i = 0; i < N; i++) c[i] = D(y)[i] > med ? 1 : 0;
    CHECK(tide_linear_svc_fit(X, NULL, codes, NULL, NULL, coef, b, &it, 2, 10.0, TIDE_SVC_SQUARED_HINGE, TIDE_SVC_L1,
                              1e-10, 100000, 1, 1.0, 3) == 0);
    CHECK(tide_linear_svc_fit(NULL, &S.c, codes, NULL, NULL, coef2, b2, &it, 2, 10.0, TIDE_SVC_SQUARED_HINGE,
                              TIDE_SVC_L1, 1e-10, 100000, 1, 1.0, 3) == 0);
    correct = 0;
    for (int i = 0; i < N; i++) {
        double f = D(b)[0];
        for (int j = 0; j < P; j++) f += D(X)[i * P + j] * D(coef)[j];
        correct += (f > 0) == (c[i] == 1);
    }
    CHECK(correct >= N - 2);
    for (int j = 0; j < P; j++) CHECK_NEAR(D(coef2)[j], D(coef)[j], 1e-6);
    CHECK_NEAR(D(b2)[0], D(b)[0], 1e-6);
    CHECK(tide_linear_svc_fit(X, NULL, codes, NULL, NULL, coef, b, &it, 2, 1.0, TIDE_SVC_HINGE, TIDE_SVC_L1, 1e-4, 10,
                              1, 1.0, 0) != 0);
    CHECK(strstr(tide_last_error(), "the L1 penalty goes with the squared hinge loss only") != NULL);
    /* errors */
    CHECK(tide_linear_svc_fit(X, NULL, codes, NULL, NULL, coef, b, &it, 3, 1.0, 0, 0, 1e-4, 10, 1, 1, 0) != 0);
    CHECK(strstr(tide_last_error(), "coef has 6 elements, expected 18") != NULL);
    c[4] = 7;
    CHECK(tide_linear_svc_fit(X, NULL, codes, NULL, NULL, coef3, b3, &it, 3, 1.0, 0, 0, 1e-4, 10, 1, 1, 0) != 0);
    CHECK(strstr(tide_last_error(), "y[4] = 7 is not a class code in [0, 3)") != NULL);
    c[4] = 1;
    CHECK(tide_linear_svc_fit(X, NULL, codes, NULL, NULL, coef3, b3, &it, 3, -1.0, 0, 0, 1e-4, 10, 1, 1, 0) != 0);
    CHECK(strstr(tide_last_error(), "C must be > 0") != NULL);
    CHECK(tide_linear_svc_fit(X, NULL, codes, NULL, NULL, coef3, b3, &it, 3, 1.0, 5, 0, 1e-4, 10, 1, 1, 0) != 0);
    CHECK(strstr(tide_last_error(), "unknown loss 5") != NULL);
    CHECK(tide_linear_svc_fit(X, &S.c, codes, NULL, NULL, coef3, b3, &it, 3, 1.0, 0, 0, 1e-4, 10, 1, 1, 0) != 0);
    CHECK(strstr(tide_last_error(), "exactly one of") != NULL);
    tide_clear_error();
    csr_free(&S);
    tide_tensor_free(X);
    tide_tensor_free(y);
    tide_tensor_free(codes);
    tide_tensor_free(coef);
    tide_tensor_free(b);
    tide_tensor_free(coef2);
    tide_tensor_free(b2);
    tide_tensor_free(coef3);
    tide_tensor_free(b3);
}

static void test_errors(void) {
    tide_tensor *X, *y;
    make_data(&X, &y);
    tide_tensor *coef = vec(P, TIDE_FLOAT64), *short_coef = vec(P - 1, TIDE_FLOAT64), *yi = vec(N, TIDE_INT64);
    double icpt, gap;
    int64_t it, rank;
    CHECK(tide_linear_lstsq_fit(NULL, y, NULL, coef, NULL, &icpt, &rank, 1) != 0);
    CHECK(strstr(tide_last_error(), "LinearRegression.fit: X is NULL") != NULL);
    CHECK(tide_linear_lstsq_fit(X, y, NULL, short_coef, NULL, &icpt, &rank, 1) != 0);
    CHECK(strstr(tide_last_error(), "coef has 5 elements, expected 6") != NULL);
    CHECK(tide_linear_lstsq_fit(X, yi, NULL, coef, NULL, &icpt, &rank, 1) != 0);
    CHECK(strstr(tide_last_error(), "y must be float64") != NULL);
    CHECK(tide_ridge_fit(X, NULL, y, NULL, coef, &icpt, &it, -1, 1, TIDE_RIDGE_CHOLESKY, 0, 0) != 0);
    CHECK(strstr(tide_last_error(), "Ridge.fit: alpha must be finite and >= 0") != NULL);
    CHECK(tide_ridge_fit(X, NULL, y, NULL, coef, &icpt, &it, 1, 1, 9, 0, 0) != 0);
    CHECK(strstr(tide_last_error(), "unknown solver 9") != NULL);
    csr_buf S = to_csr(X);
    CHECK(tide_ridge_fit(NULL, &S.c, y, NULL, coef, &icpt, &it, 1, 1, TIDE_RIDGE_CHOLESKY, 0, 0) != 0);
    CHECK(strstr(tide_last_error(), "CSR input needs the conjugate-gradient solver") != NULL);
    tide_tensor *sw = vec(N, TIDE_FLOAT64);
    for (int i = 0; i < N; i++) D(sw)[i] = i == 3 ? -1 : 1;
    CHECK(tide_ridge_fit(X, NULL, y, sw, coef, &icpt, &it, 1, 1, TIDE_RIDGE_CHOLESKY, 0, 0) != 0);
    CHECK(strstr(tide_last_error(), "sample_weight must be finite and >= 0") != NULL);
    memset(D(coef), 0, P * sizeof(double));
    CHECK(tide_enet_fit(X, NULL, y, NULL, coef, &icpt, &gap, &it, 1, 1.5, 1, 10, 1e-4, 0, 0, 0) != 0);
    CHECK(strstr(tide_last_error(), "l1_ratio must be in [0, 1]") != NULL);
    CHECK(tide_enet_fit(X, NULL, y, NULL, coef, &icpt, &gap, &it, 1, 0.5, 1, 0, 1e-4, 0, 0, 0) != 0);
    CHECK(strstr(tide_last_error(), "max_iter must be >= 1") != NULL);
    CHECK(tide_enet_fit(X, NULL, y, NULL, coef, NULL, &gap, &it, 1, 0.5, 1, 10, 1e-4, 0, 0, 0) != 0);
    CHECK(strstr(tide_last_error(), "output pointer is NULL") != NULL);
    D(coef)[0] = NAN;
    CHECK(tide_enet_fit(X, NULL, y, NULL, coef, &icpt, &gap, &it, 1, 0.5, 1, 10, 1e-4, 0, 0, 0) != 0);
    CHECK(strstr(tide_last_error(), "starting coef is not finite") != NULL);
    /* a broken CSR structure is caught before use */
    int32_t saved = S.indices[0];
    S.indices[0] = 99;
    CHECK(tide_enet_fit(NULL, &S.c, y, NULL, coef, &icpt, &gap, &it, 1, 0.5, 1, 10, 1e-4, 0, 0, 0) != 0);
    S.indices[0] = saved;
    tide_clear_error();
    csr_free(&S);
    tide_tensor_free(X);
    tide_tensor_free(y);
    tide_tensor_free(coef);
    tide_tensor_free(short_coef);
    tide_tensor_free(yi);
    tide_tensor_free(sw);
}

int main(void) {
    int64_t live = tide_memory()->live_tensors;
    tide_set_num_threads(2);
    test_exact_recovery();
    test_ridge_normal_equations();
    test_lasso_kkt();
    test_nnls();
    test_svc();
    test_errors();
    CHECK(tide_memory()->live_tensors == live);
    return check_report("test_linear_model");
}
