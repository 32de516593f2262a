/* test_kmeans.c — the k-means kernels (tide/cluster.h) through the public C API: Lloyd from
 * given centres against a naive reference implementation (labels, centres, inertia, iteration
 * count), dense float64 / float32 / CSR agreeing, distances, k-means++ and random seeding
 * (distinct rows, repeatable, independent of the thread count), empty-cluster relocation, and
 * error messages for bad arguments. */
#include "check.h"
#include "kmeans_internal.h" /* km_elkan_limit: run both kinds of bounds */
#include "fill.h"
#include "tide/cluster.h"
#include "tide/tensor.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng = 99;
static double uniform(void) { /* [0, 1) */
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng >> 11) * 0x1.0p-53;
}

/* n points around 3 well-separated centres in d dims; about a third of the coordinates are 0
 * (so the CSR copy is really sparse) */
enum { N = 301, DIM = 7, K = 3 };
static double X[N][DIM];
static void make_data(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < DIM; j++) {
            double v = (i % K) * 4.0 * (j % 2 ? 1 : -1) + uniform() - 0.5;
            X[i][j] = (i * 7 + j) % 3 == 0 ? 0 : v;
        }
}

static tide_tensor *dense(int dtype) {
    int64_t shape[2] = {N, DIM};
    tide_tensor *t = tide_tensor_empty(2, shape, dtype);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < DIM; j++) {
            if (dtype == TIDE_FLOAT32)
                ((float *)tide_tensor_data_ptr(t))[i * DIM + j] = (float)X[i][j];
            else
                ((double *)tide_tensor_data_ptr(t))[i * DIM + j] = X[i][j];
        }
    return t;
}

static int64_t indptr[N + 1];
static int32_t indices[N * DIM];
static double values[N * DIM];
static tide_csr csr(void) {
    int64_t nnz = 0;
    for (int i = 0; i < N; i++) {
        indptr[i] = nnz;
        for (int j = 0; j < DIM; j++)
            if (X[i][j] != 0) indices[nnz] = j, values[nnz++] = X[i][j];
    }
    indptr[N] = nnz;
    tide_csr s = {N, DIM, nnz, indptr, indices, values};
    return s;
}

static tide_tensor *matrix(int64_t r, int64_t c, int dtype, const double *v) {
    int64_t shape[2] = {r, c};
    tide_tensor *t = tide_tensor_empty(2, shape, dtype);
    for (int64_t i = 0; i < r * c; i++) {
        if (dtype == TIDE_FLOAT32)
            ((float *)tide_tensor_data_ptr(t))[i] = (float)v[i];
        else
            ((double *)tide_tensor_data_ptr(t))[i] = v[i];
    }
    return t;
}

static tide_tensor *labels_new(int64_t n) {
    int64_t shape[1] = {n};
    return tide_tensor_empty(1, shape, TIDE_INT64);
}

/* Plain Lloyd in double (no relocation needed for these inits): the reference. */
static int ref_lloyd(double *cen, int64_t *lab, double *inertia, int max_iter, double tol) {
    int64_t old[N];
    for (int i = 0; i < N; i++) old[i] = -1;
    int it = 0, strict = 0;
    while (it < max_iter) {
        it++;
        for (int i = 0; i < N; i++) {
            double bd = INFINITY;
            for (int c = 0; c < K; c++) {
                double s = 0;
                for (int j = 0; j < DIM; j++) s += (X[i][j] - cen[c * DIM + j]) * (X[i][j] - cen[c * DIM + j]);
                if (s < bd) bd = s, lab[i] = c;
            }
        }
        double sum[K][DIM] = {{0}}, cnt[K] = {0}, shift = 0;
        for (int i = 0; i < N; i++) {
            cnt[lab[i]]++;
            for (int j = 0; j < DIM; j++) sum[lab[i]][j] += X[i][j];
        }
        for (int c = 0; c < K; c++)
            for (int j = 0; j < DIM; j++) {
                double v = sum[c][j] / cnt[c];
                shift += (v - cen[c * DIM + j]) * (v - cen[c * DIM + j]);
                cen[c * DIM + j] = v;
            }
        if (memcmp(lab, old, sizeof old) == 0) {
            strict = 1;
            break;
        }
        if (shift <= tol) break;
        memcpy(old, lab, sizeof old);
    }
    (void)strict;
    *inertia = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < DIM; j++) *inertia += (X[i][j] - cen[lab[i] * DIM + j]) * (X[i][j] - cen[lab[i] * DIM + j]);
    return it;
}

static double INIT[K * DIM]; /* rows 10, 11 and 12: one of each group, shifted off the data */
static void make_init(void) {
    for (int c = 0; c < K; c++)
        for (int j = 0; j < DIM; j++) INIT[c * DIM + j] = X[10 + c][j] + 0.25;
}

static void test_lloyd_matches_reference(void) {
    double ref_c[K * DIM], ref_inertia;
    int64_t ref_lab[N];
    memcpy(ref_c, INIT, sizeof ref_c);
    int ref_it = ref_lloyd(ref_c, ref_lab, &ref_inertia, 300, 0);

    int dtypes[] = {TIDE_FLOAT64, TIDE_FLOAT32, -1};
    for (int v = 0; v < 3; v++) {
        tide_tensor *x = v < 2 ? dense(dtypes[v]) : NULL;
        tide_csr s = csr();
        int cdt = v == 1 ? TIDE_FLOAT32 : TIDE_FLOAT64;
        tide_tensor *cen = matrix(K, DIM, cdt, INIT), *lab = labels_new(N);
        double inertia = -1;
        int64_t n_iter = -1;
        int rc = tide_kmeans_lloyd(x, x ? NULL : &s, NULL, cen, lab, &inertia, &n_iter, 300, 0);
        CHECK(rc == 0);
        if (rc) fprintf(stderr, "  %s\n", tide_last_error());
        double tol = v == 1 ? 1e-4 : 1e-10;
        CHECK(n_iter == ref_it);
        CHECK_NEAR(inertia, ref_inertia, tol * ref_inertia);
        int same = 1;
        for (int i = 0; i < N; i++) same &= elem_at(lab, i) == ref_lab[i];
        CHECK(same);
        double worst = 0;
        for (int m = 0; m < K * DIM; m++) worst = fmax(worst, fabs(elem_at(cen, m) - ref_c[m]));
        CHECK(worst < tol);
        /* predict with the final centres gives the same labels and inertia */
        tide_tensor *lab2 = labels_new(N);
        double in2 = -1;
        CHECK(tide_kmeans_predict(x, x ? NULL : &s, NULL, cen, lab2, &in2) == 0);
        CHECK_NEAR(in2, inertia, 1e-9 * inertia);
        CHECK(tide_kmeans_same_clustering(lab, lab2, K) == 1);
        /* transform: distances against the direct formula */
        int64_t oshape[2] = {N, K};
        tide_tensor *out = tide_tensor_empty(2, oshape, TIDE_FLOAT64);
        CHECK(tide_kmeans_transform(x, x ? NULL : &s, cen, out) == 0);
        double werr = 0;
        for (int i = 0; i < N; i++)
            for (int c = 0; c < K; c++) {
                double q = 0;
                for (int j = 0; j < DIM; j++) q += (X[i][j] - elem_at(cen, c * DIM + j)) * (X[i][j] - elem_at(cen, c * DIM + j));
                werr = fmax(werr, fabs(sqrt(q) - elem_at(out, i * K + c)));
            }
        CHECK(werr < (v == 1 ? 1e-3 : 1e-9));
        tide_tensor_free(out);
        tide_tensor_free(lab2);
        tide_tensor_free(cen);
        tide_tensor_free(lab);
        if (x) tide_tensor_free(x);
    }
}

/* Plain Lloyd on any data (row-major X [n, d]), no empty clusters expected: the reference the
 * bounded iteration must reproduce exactly (labels and iteration count). */
static int ref_lloyd_any(const double *x, int n, int d, int k, double *cen, int64_t *lab, int max_iter) {
    int64_t *old = malloc((size_t)n * sizeof(int64_t));
    double *sum = malloc((size_t)(k * d) * sizeof(double)), *cnt = malloc((size_t)k * sizeof(double));
    for (int i = 0; i < n; i++) old[i] = -1;
    int it = 0;
    while (it < max_iter) {
        it++;
        for (int i = 0; i < n; i++) {
            double bd = INFINITY;
            for (int c = 0; c < k; c++) {
                double q = 0;
                for (int j = 0; j < d; j++) q += (x[i * d + j] - cen[c * d + j]) * (x[i * d + j] - cen[c * d + j]);
                if (q < bd) bd = q, lab[i] = c;
            }
        }
        memset(sum, 0, (size_t)(k * d) * sizeof(double));
        memset(cnt, 0, (size_t)k * sizeof(double));
        for (int i = 0; i < n; i++) {
            cnt[lab[i]]++;
            for (int j = 0; j < d; j++) sum[lab[i] * d + j] += x[i * d + j];
        }
        for (int m = 0; m < k * d; m++) cen[m] = sum[m] / cnt[m / d];
        if (memcmp(lab, old, (size_t)n * sizeof(int64_t)) == 0) break;
        memcpy(old, lab, (size_t)n * sizeof(int64_t));
    }
    free(old), free(sum), free(cnt);
    return it;
}

static void test_overlapping_many_iterations(void) {
    /* 6 overlapping groups in 5-d: dozens of iterations, most rows settled early (the bounds
     * skip them) while the boundary rows keep moving */
    enum { N2 = 3000, D2 = 5, K2 = 6 };
    double *x = malloc(sizeof(double) * N2 * D2), cen[K2 * D2], ref_c[K2 * D2];
    for (int i = 0; i < N2; i++)
        for (int j = 0; j < D2; j++) x[i * D2 + j] = (i % K2) * (j == i % D2 ? 1.0 : 0.2) + 3 * (uniform() - 0.5);
    for (int m = 0; m < K2 * D2; m++) cen[m] = ref_c[m] = x[m]; /* the first 6 rows */
    int64_t ref_lab[N2];
    int ref_it = ref_lloyd_any(x, N2, D2, K2, ref_c, ref_lab, 300);
    CHECK(ref_it > 10); /* many iterations, so the bounds are really exercised */
    if (ref_it <= 10) fprintf(stderr, "  reference took %d iterations\n", ref_it);
    int64_t shape[2] = {N2, D2};
    tide_tensor *t = tide_tensor_from_ptr(x, 2, shape, NULL, TIDE_FLOAT64);
    tide_tensor *c = matrix(K2, D2, TIDE_FLOAT64, cen), *lab = labels_new(N2);
    double inertia;
    int64_t it;
    for (int run = 0; run < 4; run++) { /* 1 and 2 threads, Elkan's and Hamerly's bounds */
        int th = 1 + run % 2;
        km_elkan_limit = run < 2 ? (int64_t)1 << 24 : 0;
        tide_set_num_threads(th);
        tide_tensor *c2 = matrix(K2, D2, TIDE_FLOAT64, cen);
        CHECK(tide_kmeans_lloyd(t, NULL, NULL, c2, lab, &inertia, &it, 300, 0) == 0);
        CHECK(it == ref_it);
        int same = 1;
        for (int i = 0; i < N2; i++) same &= elem_at(lab, i) == ref_lab[i];
        CHECK(same);
        double worst = 0;
        for (int m = 0; m < K2 * D2; m++) worst = fmax(worst, fabs(elem_at(c2, m) - ref_c[m]));
        CHECK(worst < 1e-10);
        tide_tensor_free(c2);
    }
    tide_set_num_threads(0);
    km_elkan_limit = (int64_t)1 << 24;
    tide_tensor_free(t), tide_tensor_free(c), tide_tensor_free(lab);
    free(x);
}

static void test_weights(void) {
    /* integer weights equal repeating rows: weight 2 on every row leaves centres unchanged and
     * doubles the inertia */
    double w[N];
    for (int i = 0; i < N; i++) w[i] = 2;
    tide_tensor *x = dense(TIDE_FLOAT64);
    tide_tensor *c1 = matrix(K, DIM, TIDE_FLOAT64, INIT), *c2 = matrix(K, DIM, TIDE_FLOAT64, INIT);
    tide_tensor *l1 = labels_new(N), *l2 = labels_new(N);
    double i1, i2;
    int64_t n1, n2;
    CHECK(tide_kmeans_lloyd(x, NULL, NULL, c1, l1, &i1, &n1, 300, 0) == 0);
    CHECK(tide_kmeans_lloyd(x, NULL, w, c2, l2, &i2, &n2, 300, 0) == 0);
    CHECK_NEAR(i2, 2 * i1, 1e-9 * i1);
    double worst = 0;
    for (int m = 0; m < K * DIM; m++) worst = fmax(worst, fabs(elem_at(c1, m) - elem_at(c2, m)));
    CHECK(worst < 1e-12);
    tide_tensor_free(x), tide_tensor_free(c1), tide_tensor_free(c2), tide_tensor_free(l1), tide_tensor_free(l2);
}

static void test_seeding(void) {
    tide_tensor *x = dense(TIDE_FLOAT64);
    double xsq[N];
    CHECK(tide_kmeans_row_norms(x, NULL, xsq) == 0);
    CHECK_NEAR(xsq[5], X[5][0] * X[5][0] + X[5][1] * X[5][1] + X[5][2] * X[5][2] + X[5][3] * X[5][3] +
                           X[5][4] * X[5][4] + X[5][5] * X[5][5] + X[5][6] * X[5][6], 1e-12);
    int64_t idx[2][K], ridx[K];
    tide_tensor *cen = matrix(K, DIM, TIDE_FLOAT64, INIT);
    for (int t = 0; t < 2; t++) { /* one and two threads: the same draws */
        tide_set_num_threads(t + 1);
        CHECK(tide_kmeans_plusplus(x, NULL, xsq, cen, idx[t], 3, 42) == 0);
    }
    tide_set_num_threads(0);
    CHECK(memcmp(idx[0], idx[1], sizeof idx[0]) == 0);
    /* greedy k-means++ on three far-apart groups picks one row from each */
    CHECK(idx[0][0] % K != idx[0][1] % K && idx[0][1] % K != idx[0][2] % K && idx[0][0] % K != idx[0][2] % K);
    for (int j = 0; j < DIM; j++) CHECK(elem_at(cen, 2 * DIM + j) == X[idx[0][2]][j]);
    /* the CSR path draws the same rows */
    tide_csr s = csr();
    int64_t sidx[K];
    CHECK(tide_kmeans_plusplus(NULL, &s, xsq, cen, sidx, 3, 42) == 0);
    CHECK(memcmp(sidx, idx[0], sizeof sidx) == 0);
    /* random: distinct rows, repeatable */
    int64_t r2[K];
    CHECK(tide_kmeans_random(x, NULL, cen, ridx, 7) == 0);
    CHECK(tide_kmeans_random(x, NULL, cen, r2, 7) == 0);
    CHECK(memcmp(ridx, r2, sizeof r2) == 0);
    CHECK(ridx[0] != ridx[1] && ridx[1] != ridx[2] && ridx[0] != ridx[2]);
    tide_tensor_free(cen);
    tide_tensor_free(x);
}

static void test_empty_cluster(void) {
    /* a centre far from every point gets no points in the first assignment and takes the point
     * farthest from its centre; all k clusters end up non-empty (with either kind of bounds) */
    double init[K * DIM];
    memcpy(init, INIT, sizeof init);
    for (int j = 0; j < DIM; j++) init[2 * DIM + j] = 1000;
    for (int run = 0; run < 2; run++) {
        km_elkan_limit = run == 0 ? (int64_t)1 << 24 : 0;
        tide_tensor *x = dense(TIDE_FLOAT64), *cen = matrix(K, DIM, TIDE_FLOAT64, init), *lab = labels_new(N);
        double inertia;
        int64_t it;
        CHECK(tide_kmeans_lloyd(x, NULL, NULL, cen, lab, &inertia, &it, 300, 0) == 0);
        int count[K] = {0};
        for (int i = 0; i < N; i++) count[(int)elem_at(lab, i)]++;
        CHECK(count[0] > 0 && count[1] > 0 && count[2] > 0);
        CHECK(elem_at(cen, 2 * DIM) < 100);
        tide_tensor_free(x), tide_tensor_free(cen), tide_tensor_free(lab);
    }
    km_elkan_limit = (int64_t)1 << 24;
}

static void test_errors(void) {
    tide_tensor *x = dense(TIDE_FLOAT64), *lab = labels_new(N), *lab_bad = labels_new(N - 1);
    tide_tensor *cen = matrix(K, DIM, TIDE_FLOAT64, INIT), *cen32 = matrix(K, DIM, TIDE_FLOAT32, INIT);
    double big[(N + 1) * DIM];
    for (int i = 0; i < (N + 1) * DIM; i++) big[i] = i;
    tide_tensor *too_many = matrix(N + 1, DIM, TIDE_FLOAT64, big);
    double xsq[N], inertia;
    int64_t it;
    tide_csr s = csr();
    CHECK(tide_kmeans_lloyd(x, &s, NULL, cen, lab, &inertia, &it, 10, 0) != 0);
    CHECK(strstr(tide_last_error(), "exactly one") != NULL);
    CHECK(tide_kmeans_lloyd(x, NULL, NULL, cen32, lab, &inertia, &it, 10, 0) != 0);
    CHECK(strstr(tide_last_error(), "centers must be a contiguous float64") != NULL);
    CHECK(tide_kmeans_lloyd(x, NULL, NULL, cen, lab_bad, &inertia, &it, 10, 0) != 0);
    CHECK(strstr(tide_last_error(), "labels must be") != NULL);
    CHECK(tide_kmeans_lloyd(x, NULL, NULL, cen, lab, &inertia, &it, 0, 0) != 0);
    CHECK(strstr(tide_last_error(), "max_iter") != NULL);
    CHECK(tide_kmeans_row_norms(x, NULL, xsq) == 0);
    CHECK(tide_kmeans_plusplus(x, NULL, xsq, too_many, NULL, 2, 1) != 0);
    CHECK(strstr(tide_last_error(), "302 clusters but only 301 samples") != NULL);
    CHECK(tide_kmeans_random(x, NULL, too_many, NULL, 1) != 0);
    tide_csr broken = s;
    int64_t bad_ptr[N + 1];
    memcpy(bad_ptr, indptr, sizeof bad_ptr);
    bad_ptr[N] = s.nnz + 5;
    broken.indptr = bad_ptr;
    CHECK(tide_kmeans_predict(NULL, &broken, NULL, cen, lab, NULL) != 0);
    int64_t shape1[1] = {5};
    tide_tensor *vec = tide_tensor_empty(1, shape1, TIDE_FLOAT64);
    CHECK(tide_kmeans_transform(vec, NULL, cen, NULL) != 0);
    CHECK(strstr(tide_last_error(), "2-d") != NULL);
    CHECK(tide_kmeans_same_clustering(lab, lab_bad, K) == -1);
    tide_tensor_free(vec), tide_tensor_free(x), tide_tensor_free(lab), tide_tensor_free(lab_bad);
    tide_tensor_free(cen), tide_tensor_free(cen32), tide_tensor_free(too_many);
}

int main(void) {
    make_data();
    make_init();
    test_lloyd_matches_reference();
    test_weights();
    test_overlapping_many_iterations();
    test_seeding();
    test_empty_cluster();
    test_errors();
    return check_report("test_kmeans");
}
