/* test_neighbors.c — the k-NN and naive Bayes kernels through the public C API: every metric's
 * search against a naive all-pairs reference (dense GEMM path, dense exact path, CSR training
 * and query data, the training set against itself), large k, the vote and average rules, the
 * naive Bayes moments and counts, argument errors, and that nothing leaks. */
#include "check.h"
#include "fill.h"
#include "tide/naive_bayes.h"
#include "tide/neighbors.h"
#include "tide/sparse.h"
#include "tide/tensor.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 99;
static double next_val(void) { /* small integers / 4: many exactly tied distances */
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)((int)((rng >> 33) % 9) - 4) / 4;
}
static double next_sparse(void) { /* two thirds zeros */
    double v = next_val();
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (rng >> 40) % 3 ? 0.0 : v;
}

static tide_tensor *mat(int64_t r, int64_t c, double (*gen)(void)) {
    int64_t shape[2] = {r, c};
    return tensor_filled(2, shape, TIDE_FLOAT64, gen);
}

static tide_tensor *empty2(int64_t r, int64_t c, int dtype) {
    int64_t shape[2] = {r, c};
    return tide_tensor_empty(2, shape, dtype);
}

static double ref_dist(const double *a, const double *b, int64_t d, int metric, double p) {
    double s = 0, aa = 0, bb = 0;
    for (int64_t j = 0; j < d; j++) {
        double t = fabs(a[j] - b[j]);
        switch (metric) {
        case TIDE_KNN_EUCLIDEAN: s += t * t; break;
        case TIDE_KNN_MANHATTAN: s += t; break;
        case TIDE_KNN_CHEBYSHEV: s = t > s ? t : s; break;
        case TIDE_KNN_COSINE: s += a[j] * b[j], aa += a[j] * a[j], bb += b[j] * b[j]; break;
        default: s += pow(t, p);
        }
    }
    if (metric == TIDE_KNN_EUCLIDEAN) return sqrt(s);
    if (metric == TIDE_KNN_MINKOWSKI) return pow(s, 1 / p);
    if (metric == TIDE_KNN_COSINE) {
        double c = 1 - (aa > 0 && bb > 0 ? s / (sqrt(aa) * sqrt(bb)) : 0);
        return c < 0 ? 0 : c > 2 ? 2 : c;
    }
    return s;
}

/* The reference: each reported neighbour must be an unused row whose distance is the smallest
 * left (within 1e-12: the kernels may round a mathematically tied cosine differently), with no
 * unused lower row at exactly the same distance (the tie rule), and report that distance. */
static int check_search(const tide_tensor *Q, const tide_tensor *X, const tide_tensor *dist, const tide_tensor *index,
                        int64_t k, int metric, double p, int exclude_self) {
    int64_t m = Q->shape[0], n = X->shape[0], d = X->shape[1];
    const double *q = tide_tensor_data_ptr(Q), *x = tide_tensor_data_ptr(X);
    const double *gd = tide_tensor_data_ptr(dist);
    const int64_t *gi = tide_tensor_data_ptr(index);
    double *all = malloc((size_t)n * sizeof(double));
    char *used = malloc((size_t)n);
    int bad = 0;
    for (int64_t i = 0; i < m && !bad; i++) {
        for (int64_t j = 0; j < n; j++) all[j] = ref_dist(q + i * d, x + j * d, d, metric, p), used[j] = 0;
        if (exclude_self) used[i] = 1;
        for (int64_t c = 0; c < k && !bad; c++) {
            int64_t g = gi[i * k + c], best = -1;
            for (int64_t j = 0; j < n; j++)
                if (!used[j] && (best < 0 || all[j] < all[best])) best = j;
            bool ok = g >= 0 && g < n && !used[g] && all[g] <= all[best] + 1e-12 && fabs(gd[i * k + c] - all[g]) <= 1e-9;
            for (int64_t j = 0; ok && j < g; j++)
                if (!used[j] && all[j] == all[g]) ok = false;
            if (!ok) {
                if (getenv("KNN_TEST_VERBOSE"))
                    fprintf(stderr, "metric %d k %lld row %lld col %lld: got %lld (%.17g), best %lld (%.17g)\n", metric,
                            (long long)k, (long long)i, (long long)c, (long long)g, gd[i * k + c], (long long)best,
                            all[best]);
                bad = 1;
            } else
                used[g] = 1;
        }
    }
    free(all), free(used);
    return !bad;
}

/* CSR view of a dense matrix, with arrays the caller frees */
typedef struct csr_box {
    tide_csr c;
    int64_t *indptr;
    int32_t *indices;
    double *data;
} csr_box;

static csr_box to_csr(const tide_tensor *x) {
    csr_box b;
    int64_t nnz = tide_csr_count_dense(x);
    b.indptr = malloc((size_t)(x->shape[0] + 1) * sizeof(int64_t));
    b.indices = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(int32_t));
    b.data = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(double));
    tide_csr_from_dense(x, b.indptr, b.indices, b.data);
    b.c = (tide_csr){x->shape[0], x->shape[1], nnz, b.indptr, b.indices, b.data};
    return b;
}

static void free_csr(csr_box *b) { free(b->indptr), free(b->indices), free(b->data); }

static void test_search(void) {
    int64_t n = 160, m = 40, d = 7;
    tide_tensor *X = mat(n, d, next_val), *Q = mat(m, d, next_val);
    tide_tensor *Xs = mat(n, d, next_sparse), *Qs = mat(m, d, next_sparse);
    csr_box xs = to_csr(Xs), qs = to_csr(Qs);
    int metrics[] = {TIDE_KNN_EUCLIDEAN, TIDE_KNN_MANHATTAN, TIDE_KNN_COSINE, TIDE_KNN_MINKOWSKI, TIDE_KNN_CHEBYSHEV};
    int64_t ks[] = {1, 5, 30, 159};
    for (int mi = 0; mi < 5; mi++) {
        int metric = metrics[mi];
        double p = 3;
        tide_tensor *prep = NULL, *prep_s = NULL;
        if (metric == TIDE_KNN_EUCLIDEAN || metric == TIDE_KNN_COSINE) {
            prep = tide_knn_prepare(X, metric);
            prep_s = tide_knn_prepare(Xs, metric);
            CHECK(prep && prep_s);
        }
        for (int ki = 0; ki < 4; ki++) {
            int64_t k = ks[ki];
            tide_tensor *dist = empty2(m, k, TIDE_FLOAT64), *index = empty2(m, k, TIDE_INT64);
            /* dense, GEMM path when prepared */
            CHECK(tide_knn_search(Q, NULL, X, NULL, prep, dist, index, k, metric, p, 0) == 0);
            CHECK(check_search(Q, X, dist, index, k, metric, p, 0));
            /* dense exact path */
            CHECK(tide_knn_search(Q, NULL, X, NULL, NULL, dist, index, k, metric, p, 0) == 0);
            CHECK(check_search(Q, X, dist, index, k, metric, p, 0));
            /* sparse data: CSR query against dense training data, and CSR training data */
            CHECK(tide_knn_search(NULL, &qs.c, Xs, NULL, prep_s, dist, index, k, metric, p, 0) == 0);
            CHECK(check_search(Qs, Xs, dist, index, k, metric, p, 0));
            if (metric != TIDE_KNN_CHEBYSHEV) {
                CHECK(tide_knn_search(NULL, &qs.c, NULL, &xs.c, NULL, dist, index, k, metric, p, 0) == 0);
                CHECK(check_search(Qs, Xs, dist, index, k, metric, p, 0));
                CHECK(tide_knn_search(Qs, NULL, NULL, &xs.c, NULL, dist, index, k, metric, p, 0) == 0);
                CHECK(check_search(Qs, Xs, dist, index, k, metric, p, 0));
            }
            tide_tensor_free(dist), tide_tensor_free(index);
            /* the training set against itself */
            dist = empty2(n, k, TIDE_FLOAT64), index = empty2(n, k, TIDE_INT64);
            CHECK(tide_knn_search(X, NULL, X, NULL, prep, dist, index, k, metric, p, 1) == 0);
            CHECK(check_search(X, X, dist, index, k, metric, p, 1));
            if (metric != TIDE_KNN_CHEBYSHEV) {
                CHECK(tide_knn_search(NULL, &xs.c, NULL, &xs.c, NULL, dist, index, k, metric, p, 1) == 0);
                CHECK(check_search(Xs, Xs, dist, index, k, metric, p, 1));
            }
            tide_tensor_free(dist), tide_tensor_free(index);
        }
        tide_tensor_free(prep), tide_tensor_free(prep_s);
    }
    free_csr(&xs), free_csr(&qs);
    tide_tensor_free(X), tide_tensor_free(Q), tide_tensor_free(Xs), tide_tensor_free(Qs);
}

static void test_vote_average(void) {
    /* 2 queries, k = 3; training codes 0,1,1,2 and targets 1,2,3,4 */
    int64_t s2[2] = {2, 3}, s1[1] = {4}, so[2] = {2, 3};
    tide_tensor *index = tide_tensor_empty(2, s2, TIDE_INT64), *dist = tide_tensor_empty(2, s2, TIDE_FLOAT64);
    tide_tensor *codes = tide_tensor_empty(1, s1, TIDE_INT64), *y = tide_tensor_empty(1, s1, TIDE_FLOAT64);
    int64_t *ip = tide_tensor_data_ptr(index), *cp = tide_tensor_data_ptr(codes);
    double *dp = tide_tensor_data_ptr(dist), *yp = tide_tensor_data_ptr(y);
    int64_t iv[6] = {0, 1, 2, 3, 1, 0};
    double dv[6] = {1, 2, 4, 0, 1, 0};
    for (int i = 0; i < 6; i++) ip[i] = iv[i], dp[i] = dv[i];
    for (int i = 0; i < 4; i++) cp[i] = i == 3 ? 2 : (i + 1) / 2, yp[i] = i + 1;
    tide_tensor *proba = tide_tensor_empty(2, so, TIDE_FLOAT64);
    const double *pp = tide_tensor_data_ptr(proba);
    CHECK(tide_knn_vote(index, dist, codes, proba, 0) == 0);
    CHECK_NEAR(pp[0], 1.0 / 3, 1e-15); CHECK_NEAR(pp[1], 2.0 / 3, 1e-15); CHECK_NEAR(pp[2], 0, 0);
    CHECK_NEAR(pp[3], 1.0 / 3, 1e-15); CHECK_NEAR(pp[4], 1.0 / 3, 1e-15); CHECK_NEAR(pp[5], 1.0 / 3, 1e-15);
    CHECK(tide_knn_vote(index, dist, codes, proba, 1) == 0);
    /* row 0: weights 1, 1/2, 1/4 -> class 0: 1, class 1: 3/4; row 1: zero distances win (rows 3 and 0) */
    CHECK_NEAR(pp[0], 1 / 1.75, 1e-15); CHECK_NEAR(pp[1], 0.75 / 1.75, 1e-15);
    CHECK_NEAR(pp[3], 0.5, 1e-15); CHECK_NEAR(pp[4], 0, 0); CHECK_NEAR(pp[5], 0.5, 1e-15);
    int64_t sm[1] = {2};
    tide_tensor *out = tide_tensor_empty(1, sm, TIDE_FLOAT64);
    const double *op = tide_tensor_data_ptr(out);
    CHECK(tide_knn_average(index, dist, y, out, 0) == 0);
    CHECK_NEAR(op[0], 2, 1e-15); CHECK_NEAR(op[1], 7.0 / 3, 1e-15);
    CHECK(tide_knn_average(index, dist, y, out, 1) == 0);
    CHECK_NEAR(op[0], (1 + 2 * 0.5 + 3 * 0.25) / 1.75, 1e-15); CHECK_NEAR(op[1], 2.5, 1e-15);
    /* errors: an index out of range, a code out of range */
    ip[2] = 9;
    CHECK(tide_knn_vote(index, dist, codes, proba, 0) != 0);
    CHECK(strstr(tide_last_error(), "outside [0, 4)") != NULL);
    ip[2] = 2, cp[1] = 5;
    CHECK(tide_knn_vote(index, dist, codes, proba, 0) != 0);
    CHECK(strstr(tide_last_error(), "codes holds 5") != NULL);
    tide_tensor_free(index), tide_tensor_free(dist), tide_tensor_free(codes), tide_tensor_free(y);
    tide_tensor_free(proba), tide_tensor_free(out);
}

static void test_errors(void) {
    tide_tensor *X = mat(10, 3, next_val), *Q = mat(4, 3, next_val), *Q4 = mat(4, 4, next_val);
    tide_tensor *dist = empty2(4, 2, TIDE_FLOAT64), *index = empty2(4, 2, TIDE_INT64);
    CHECK(tide_knn_search(Q, NULL, X, NULL, NULL, dist, index, 11, TIDE_KNN_EUCLIDEAN, 2, 0) != 0);
    CHECK(strstr(tide_last_error(), "k must be in [1, 10]") != NULL);
    CHECK(tide_knn_search(Q4, NULL, X, NULL, NULL, dist, index, 2, TIDE_KNN_EUCLIDEAN, 2, 0) != 0);
    CHECK(strstr(tide_last_error(), "query has shape [4, 4], expected [4, 3]") != NULL);
    CHECK(tide_knn_search(Q, NULL, X, NULL, NULL, dist, index, 2, 9, 2, 0) != 0);
    CHECK(strstr(tide_last_error(), "unknown metric") != NULL);
    CHECK(tide_knn_search(Q, NULL, X, NULL, NULL, dist, index, 2, TIDE_KNN_MINKOWSKI, -1, 0) != 0);
    CHECK(strstr(tide_last_error(), "p must be > 0") != NULL);
    CHECK(tide_knn_search(Q, NULL, X, NULL, NULL, dist, index, 2, TIDE_KNN_EUCLIDEAN, 2, 1) != 0);
    CHECK(strstr(tide_last_error(), "exclude_self") != NULL);
    CHECK(tide_knn_search(NULL, NULL, X, NULL, NULL, dist, index, 2, TIDE_KNN_EUCLIDEAN, 2, 0) != 0);
    tide_tensor *bad = empty2(4, 3, TIDE_FLOAT64);
    CHECK(tide_knn_search(Q, NULL, X, NULL, NULL, dist, bad, 2, TIDE_KNN_EUCLIDEAN, 2, 0) != 0);
    CHECK(strstr(tide_last_error(), "index must be a contiguous 2-d int64") != NULL);
    CHECK(tide_knn_prepare(X, TIDE_KNN_MANHATTAN) == NULL);
    tide_tensor *prep = tide_knn_prepare(X, TIDE_KNN_EUCLIDEAN);
    CHECK(tide_knn_search(Q, NULL, X, NULL, prep, dist, index, 2, TIDE_KNN_MANHATTAN, 2, 0) != 0);
    tide_tensor_free(prep), tide_tensor_free(bad);
    tide_tensor_free(X), tide_tensor_free(Q), tide_tensor_free(Q4), tide_tensor_free(dist), tide_tensor_free(index);
}

static void test_naive_bayes(void) {
    int64_t n = 9, d = 3, c = 2;
    tide_tensor *X = mat(n, d, next_val);
    int64_t sn[1] = {n}, sc[1] = {c};
    tide_tensor *codes = tide_tensor_empty(1, sn, TIDE_INT64), *w = tide_tensor_empty(1, sn, TIDE_FLOAT64);
    int64_t *cp = tide_tensor_data_ptr(codes);
    double *wp = tide_tensor_data_ptr(w);
    for (int64_t i = 0; i < n; i++) cp[i] = i % 3 == 0, wp[i] = 0.5 + (double)i;
    tide_tensor *cnt = tide_tensor_empty(1, sc, TIDE_FLOAT64), *mean = empty2(c, d, TIDE_FLOAT64), *var = empty2(c, d, TIDE_FLOAT64);
    const double *x = tide_tensor_data_ptr(X), *mp = tide_tensor_data_ptr(mean), *vp = tide_tensor_data_ptr(var);
    const double *cn = tide_tensor_data_ptr(cnt);
    for (int weighted = 0; weighted < 2; weighted++) {
        CHECK(tide_gaussian_nb_stats(X, codes, weighted ? w : NULL, cnt, mean, var) == 0);
        for (int64_t k = 0; k < c; k++)
            for (int64_t j = 0; j < d; j++) {
                double sw = 0, sx = 0, sv = 0;
                for (int64_t i = 0; i < n; i++)
                    if (cp[i] == k) sw += weighted ? wp[i] : 1, sx += (weighted ? wp[i] : 1) * x[i * d + j];
                double mu = sx / sw;
                for (int64_t i = 0; i < n; i++)
                    if (cp[i] == k) sv += (weighted ? wp[i] : 1) * (x[i * d + j] - mu) * (x[i * d + j] - mu);
                CHECK_NEAR(cn[k], sw, 1e-12);
                CHECK_NEAR(mp[k * d + j], mu, 1e-12);
                CHECK_NEAR(vp[k * d + j], sv / sw, 1e-12);
            }
    }
    /* jll of row 0 for class 1 by hand */
    tide_tensor *lp = tide_tensor_empty(1, sc, TIDE_FLOAT64), *jll = empty2(n, c, TIDE_FLOAT64);
    ((double *)tide_tensor_data_ptr(lp))[0] = log(0.4), ((double *)tide_tensor_data_ptr(lp))[1] = log(0.6);
    for (int64_t e = 0; e < c * d; e++) ((double *)tide_tensor_data_ptr(var))[e] += 0.1;
    CHECK(tide_gaussian_nb_jll(X, mean, var, lp, jll) == 0);
    double want = log(0.6);
    for (int64_t j = 0; j < d; j++)
        want += -0.5 * log(2 * M_PI * vp[d + j]) - 0.5 * (x[j] - mp[d + j]) * (x[j] - mp[d + j]) / vp[d + j];
    CHECK_NEAR(((double *)tide_tensor_data_ptr(jll))[1], want, 1e-12);
    /* counts: dense and CSR agree, binarized too */
    tide_tensor *fc1 = tide_tensor_zeros(2, (int64_t[]){c, d}, TIDE_FLOAT64), *cc1 = tide_tensor_zeros(1, sc, TIDE_FLOAT64);
    tide_tensor *fc2 = tide_tensor_zeros(2, (int64_t[]){c, d}, TIDE_FLOAT64), *cc2 = tide_tensor_zeros(1, sc, TIDE_FLOAT64);
    csr_box xs = to_csr(X);
    for (int bin = 0; bin < 2; bin++) {
        CHECK(tide_nb_count(X, NULL, codes, w, fc1, cc1, bin, 0.3) == 0);
        CHECK(tide_nb_count(NULL, &xs.c, codes, w, fc2, cc2, bin, 0.3) == 0);
    }
    for (int64_t e = 0; e < c * d; e++)
        CHECK_NEAR(((double *)tide_tensor_data_ptr(fc1))[e], ((double *)tide_tensor_data_ptr(fc2))[e], 1e-12);
    CHECK_NEAR(((double *)tide_tensor_data_ptr(cc1))[1], 2 * (0.5 + 3.5 + 6.5), 1e-12);
    cp[4] = 2;
    CHECK(tide_nb_count(X, NULL, codes, NULL, fc1, cc1, 0, 0) != 0);
    CHECK(strstr(tide_last_error(), "codes[4] is 2") != NULL);
    free_csr(&xs);
    tide_tensor_free(X), tide_tensor_free(codes), tide_tensor_free(w), tide_tensor_free(cnt), tide_tensor_free(mean);
    tide_tensor_free(var), tide_tensor_free(lp), tide_tensor_free(jll), tide_tensor_free(fc1), tide_tensor_free(cc1);
    tide_tensor_free(fc2), tide_tensor_free(cc2);
}

int main(void) {
    int64_t live0 = tide_memory()->live_tensors;
    test_search();
    test_vote_average();
    test_errors();
    test_naive_bayes();
    CHECK(tide_memory()->live_tensors == live0);
    return check_report("test_neighbors");
}
