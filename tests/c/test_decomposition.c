/* test_decomposition.c — the dense linear algebra under PCA / TruncatedSVD (tide/decomposition.h)
 * through the public C API: SVD and eigen-decomposition reconstruct their input, the blocked
 * scatter matches a naive sum (float64 and float32 input, more rows than one block), QR gives
 * an orthonormal basis of the same span, LU's P L equals SciPy's on a fixed matrix, svd_flip's
 * sign rule, seeded Gaussian draws, Minka's MLE rank equal to scikit-learn's, and the
 * error messages for bad arguments. */
#include "check.h"
#include "fill.h"
#include "tide/decomposition.h"
#include "tide/tensor.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng = 7;
static double uniform(void) { /* [-1, 1) */
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng >> 11) * 0x1.0p-52 - 1;
}

static tide_tensor *empty2(int64_t r, int64_t c) {
    int64_t s[2] = {r, c};
    return tide_tensor_empty(2, s, TIDE_FLOAT64);
}
static tide_tensor *empty1(int64_t n) {
    int64_t s[1] = {n};
    return tide_tensor_empty(1, s, TIDE_FLOAT64);
}
static double *data(tide_tensor *t) { return (double *)tide_tensor_data_ptr(t); }

static void test_svd(void) {
    int64_t shape[2] = {9, 5};
    tide_tensor *a = tensor_filled(2, shape, TIDE_FLOAT64, uniform);
    tide_tensor *u = empty2(9, 5), *s = empty1(5), *vt = empty2(5, 5);
    CHECK(tide_svd(a, u, s, vt) == 0);
    double err = 0;
    for (int i = 0; i < 9; i++)
        for (int j = 0; j < 5; j++) {
            double r = 0;
            for (int c = 0; c < 5; c++) r += data(u)[i * 5 + c] * data(s)[c] * data(vt)[c * 5 + j];
            err = fmax(err, fabs(r - data(a)[i * 5 + j]));
        }
    CHECK(err < 1e-12);
    for (int c = 1; c < 5; c++) CHECK(data(s)[c] <= data(s)[c - 1]);
    /* wide input through a transposed view (not contiguous): the SVD of a^T */
    tide_tensor *at = tide_transpose(a, 0, 1);
    tide_tensor *u2 = empty2(5, 5), *s2 = empty1(5), *vt2 = empty2(5, 9);
    CHECK(tide_svd(at, u2, s2, vt2) == 0);
    for (int c = 0; c < 5; c++) CHECK_NEAR(data(s2)[c], data(s)[c], 1e-12);
    /* wrong output shape */
    CHECK(tide_svd(a, vt, s, vt) != 0);
    CHECK(strstr(tide_last_error(), "svd: u must be a contiguous float64 tensor [9, 5]") != NULL);
    tide_tensor_free(a), tide_tensor_free(at), tide_tensor_free(u), tide_tensor_free(s), tide_tensor_free(vt);
    tide_tensor_free(u2), tide_tensor_free(s2), tide_tensor_free(vt2);
}

static void test_scatter_eigh(void) {
    enum { N = 3000, D = 6 }; /* more rows than one block when d is small? block = 4 MB / (8 d) */
    for (int dt = 0; dt < 2; dt++) {
        int dtype = dt ? TIDE_FLOAT32 : TIDE_FLOAT64;
        int64_t shape[2] = {N, D};
        tide_tensor *x = tensor_filled(2, shape, dtype, uniform);
        tide_tensor *mean = empty1(D), *sc = empty2(D, D);
        for (int j = 0; j < D; j++) {
            double m = 0;
            for (int i = 0; i < N; i++) m += elem_at(x, i * D + j);
            data(mean)[j] = m / N;
        }
        CHECK(tide_pca_scatter(x, mean, sc) == 0);
        double err = 0;
        for (int a = 0; a < D; a++)
            for (int b = 0; b < D; b++) {
                double s = 0;
                for (int i = 0; i < N; i++)
                    s += (elem_at(x, i * D + a) - data(mean)[a]) * (elem_at(x, i * D + b) - data(mean)[b]);
                err = fmax(err, fabs(s - data(sc)[a * D + b]));
            }
        CHECK(err < 1e-9);
        /* projection onto two directions: (x - mean) @ vt^T */
        tide_tensor *vt2 = empty2(2, D), *proj = empty2(N, 2);
        for (int m = 0; m < 2 * D; m++) data(vt2)[m] = uniform();
        CHECK(tide_pca_project(x, mean, vt2, proj) == 0);
        double perr = 0;
        for (int i = 0; i < N; i++)
            for (int c = 0; c < 2; c++) {
                double s = 0;
                for (int j = 0; j < D; j++) s += (elem_at(x, i * D + j) - data(mean)[j]) * data(vt2)[c * D + j];
                perr = fmax(perr, fabs(s - data(proj)[i * 2 + c]));
            }
        CHECK(perr < 1e-12);
        CHECK(tide_pca_project(x, mean, vt2, sc) != 0);
        CHECK(strstr(tide_last_error(), "pca_project: out must be a contiguous float64 tensor [3000, 2]") != NULL);
        tide_tensor_free(vt2), tide_tensor_free(proj);
        /* eigh: A v = w v for every pair, descending */
        tide_tensor *w = empty1(D), *vt = empty2(D, D);
        CHECK(tide_eigh(sc, w, vt) == 0);
        double res = 0;
        for (int e = 0; e < D; e++) {
            if (e) CHECK(data(w)[e] <= data(w)[e - 1]);
            for (int a = 0; a < D; a++) {
                double r = 0;
                for (int b = 0; b < D; b++) r += data(sc)[a * D + b] * data(vt)[e * D + b];
                res = fmax(res, fabs(r - data(w)[e] * data(vt)[e * D + a]));
            }
        }
        CHECK(res < 1e-9);
        tide_tensor_free(x), tide_tensor_free(mean), tide_tensor_free(sc), tide_tensor_free(w), tide_tensor_free(vt);
    }
    tide_tensor *rect = empty2(3, 4), *w = empty1(3), *v = empty2(3, 3);
    CHECK(tide_eigh(rect, w, v) != 0);
    CHECK(strstr(tide_last_error(), "square") != NULL);
    tide_tensor_free(rect), tide_tensor_free(w), tide_tensor_free(v);
}

static void test_qr_lu(void) {
    /* the 4 x 3 matrix of scipy.linalg.lu(a, permute_l=True) below */
    const double A[12] = {1, 2, 3, 4, 5, 6.5, 7, 8.5, 9, 1, 0, 1};
    const double PL[12] = {0.14285714285714285, -0.6470588235294118, 1, 0.5714285714285714, -0.11764705882352941,
                           0.8653846153846154, 1, 0, 0, 0.14285714285714285, 1, 0};
    tide_tensor *a = empty2(4, 3);
    memcpy(data(a), A, sizeof A);
    CHECK(tide_lu_normalize(a) == 0);
    double err = 0;
    for (int m = 0; m < 12; m++) err = fmax(err, fabs(data(a)[m] - PL[m]));
    CHECK(err < 1e-12);
    memcpy(data(a), A, sizeof A);
    CHECK(tide_orthonormalize(a) == 0);
    double orth = 0;
    for (int p = 0; p < 3; p++)
        for (int q = 0; q < 3; q++) {
            double s = 0;
            for (int i = 0; i < 4; i++) s += data(a)[i * 3 + p] * data(a)[i * 3 + q];
            orth = fmax(orth, fabs(s - (p == q)));
        }
    CHECK(orth < 1e-12);
    /* same span: A's columns are Q Q^T A */
    double span = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) {
            double r = 0;
            for (int p = 0; p < 3; p++) {
                double qa = 0;
                for (int l = 0; l < 4; l++) qa += data(a)[l * 3 + p] * A[l * 3 + j];
                r += data(a)[i * 3 + p] * qa;
            }
            span = fmax(span, fabs(r - A[i * 3 + j]));
        }
    CHECK(span < 1e-12);
    tide_tensor *wide = empty2(2, 3);
    CHECK(tide_orthonormalize(wide) != 0);
    CHECK(strstr(tide_last_error(), "at least as many rows as columns") != NULL);
    CHECK(tide_lu_normalize(wide) != 0);
    tide_tensor_free(a), tide_tensor_free(wide);
}

static void test_flip_gaussian_mle(void) {
    /* u-based: column 0's largest |u| is negative -> flipped with row 0 of vt */
    tide_tensor *u = empty2(3, 2), *vt = empty2(2, 2);
    const double U[6] = {0.1, 0.5, -0.9, 0.2, 0.3, -0.1}, V[4] = {1, 2, 3, -4};
    memcpy(data(u), U, sizeof U);
    memcpy(data(vt), V, sizeof V);
    CHECK(tide_svd_flip(u, vt, 1) == 0);
    CHECK(data(u)[1 * 2 + 0] == 0.9 && data(vt)[0] == -1 && data(vt)[1] == -2);
    CHECK(data(u)[0 * 2 + 1] == 0.5 && data(vt)[2] == 3); /* column 1 already positive */
    /* v-based: row 1's largest |v| is -4 -> flipped */
    CHECK(tide_svd_flip(NULL, vt, 0) == 0);
    CHECK(data(vt)[2] == -3 && data(vt)[3] == 4);
    CHECK(tide_svd_flip(NULL, vt, 1) != 0);
    tide_tensor_free(u), tide_tensor_free(vt);

    tide_tensor *g = empty1(20001), *g2 = empty1(20001);
    CHECK(tide_gaussian_fill(g, 5) == 0 && tide_gaussian_fill(g2, 5) == 0);
    CHECK(memcmp(data(g), data(g2), 20001 * sizeof(double)) == 0);
    double m = 0, v = 0;
    for (int i = 0; i < 20001; i++) m += data(g)[i];
    m /= 20001;
    for (int i = 0; i < 20001; i++) v += (data(g)[i] - m) * (data(g)[i] - m);
    v /= 20000;
    CHECK(fabs(m) < 0.03 && fabs(v - 1) < 0.05);
    tide_set_num_threads(1);
    CHECK(tide_gaussian_fill(g2, 5) == 0);
    tide_set_num_threads(0);
    CHECK(memcmp(data(g), data(g2), 20001 * sizeof(double)) == 0);
    tide_tensor_free(g), tide_tensor_free(g2);

    /* scikit-learn's _infer_dimension(spectrum, 500) gives 7 and 6 for these */
    double spectrum[10] = {50, 30, 20, 1.02, 1.01, 1.0, 0.99, 0.98, 0.97, 0.96};
    double spectrum2[10] = {50, 30, 20, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6};
    CHECK(tide_pca_mle_rank(spectrum, 10, 500) == 7);
    CHECK(tide_pca_mle_rank(spectrum2, 10, 500) == 6);
    CHECK(tide_pca_mle_rank(NULL, 10, 500) == -1);
}

int main(void) {
    test_svd();
    test_scatter_eigh();
    test_qr_lu();
    test_flip_gaussian_mle();
    return check_report("test_decomposition");
}
