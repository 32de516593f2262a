/* naive_bayes.c — per-class moments and log-likelihoods of Gaussian naive Bayes, and the
 * feature counts of the discrete naive Bayes models (see tide/naive_bayes.h).
 *
 * Column sums go row by row in row order and row sums pairwise in blocks of 8, as NumPy's
 * reductions do, so the fitted parameters and log-likelihoods equal scikit-learn's to the last
 * few bits. Work is split over classes (fit) or query rows (jll); results do not depend on
 * the thread count.
 */
#include "internal.h"
#include "tide/naive_bayes.h"
#include "tide/sparse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int check_f64_matrix(const char *op, const char *what, const tide_tensor *t, int64_t rows, int64_t cols) {
    if (!t) return TIDE_FAIL("%s: %s is NULL", op, what);
    if (t->dtype != TIDE_FLOAT64 || t->ndim != 2 || !tide_tensor_is_contiguous(t))
        return TIDE_FAIL("%s: %s must be a contiguous 2-d float64 tensor", op, what);
    if ((rows >= 0 && t->shape[0] != rows) || (cols >= 0 && t->shape[1] != cols))
        return TIDE_FAIL("%s: %s has shape [%lld, %lld], expected [%lld, %lld]", op, what, (long long)t->shape[0],
                         (long long)t->shape[1], (long long)(rows >= 0 ? rows : t->shape[0]),
                         (long long)(cols >= 0 ? cols : t->shape[1]));
    return 0;
}

static int check_vec(const char *op, const char *what, const tide_tensor *t, int dtype, int64_t n) {
    if (!t) return TIDE_FAIL("%s: %s is NULL", op, what);
    if (t->dtype != dtype || t->ndim != 1 || !tide_tensor_is_contiguous(t))
        return TIDE_FAIL("%s: %s must be a contiguous 1-d %s tensor", op, what,
                         dtype == TIDE_INT64 ? "int64" : "float64");
    if (t->shape[0] != n)
        return TIDE_FAIL("%s: %s has %lld values, expected %lld", op, what, (long long)t->shape[0], (long long)n);
    return 0;
}

/* codes [n] within [0, c) */
static int check_codes(const char *op, const tide_tensor *codes, int64_t n, int64_t c) {
    if (check_vec(op, "codes", codes, TIDE_INT64, n)) return -1;
    const int64_t *cp = (const int64_t *)tide_elem_ptr(codes);
    for (int64_t i = 0; i < n; i++)
        if (cp[i] < 0 || cp[i] >= c)
            return TIDE_FAIL("%s: codes[%lld] is %lld, outside [0, %lld)", op, (long long)i, (long long)cp[i],
                             (long long)c);
    return 0;
}

/* Moments of the cnt rows rows[0..cnt) of x [., d] into m [d], v [d] (zeroed here): np.mean /
 * np.var, or with weights np.average of x and of (x - mean)^2. Returns the row count or the
 * summed weights (0 for no rows). */
static TIDE_HOT double class_moments(const double *restrict x, int64_t d, const int64_t *rows, int64_t cnt,
                                     const double *w, double *restrict m, double *restrict v) {
#pragma omp simd
    for (int64_t j = 0; j < d; j++) m[j] = 0, v[j] = 0;
    if (cnt == 0) return 0;
    double total;
    if (w) { /* sum(x * w) / sum(w), down each column; the weight total pairwise, as NumPy */
        double *wk = malloc((size_t)cnt * sizeof(double));
        total = 0;
        for (int64_t r = 0; r < cnt; r++) {
            double wi = w[rows[r]];
            if (wk) wk[r] = wi; else total += wi;
            const double *xi = x + rows[r] * d;
#pragma omp simd
            for (int64_t j = 0; j < d; j++) m[j] += xi[j] * wi;
        }
        if (wk) total = tide_pairwise_sum(wk, cnt);
        free(wk);
#pragma omp simd
        for (int64_t j = 0; j < d; j++) m[j] /= total;
        for (int64_t r = 0; r < cnt; r++) {
            double wi = w[rows[r]];
            const double *xi = x + rows[r] * d;
#pragma omp simd
            for (int64_t j = 0; j < d; j++) {
                double t = xi[j] - m[j];
                v[j] += t * t * wi;
            }
        }
    } else {
        total = (double)cnt;
        for (int64_t r = 0; r < cnt; r++) {
            const double *xi = x + rows[r] * d;
#pragma omp simd
            for (int64_t j = 0; j < d; j++) m[j] += xi[j];
        }
#pragma omp simd
        for (int64_t j = 0; j < d; j++) m[j] /= total;
        for (int64_t r = 0; r < cnt; r++) {
            const double *xi = x + rows[r] * d;
#pragma omp simd
            for (int64_t j = 0; j < d; j++) {
                double t = xi[j] - m[j];
                v[j] += t * t;
            }
        }
    }
#pragma omp simd
    for (int64_t j = 0; j < d; j++) v[j] /= total;
    return total;
}

int tide_gaussian_nb_stats(const tide_tensor *X, const tide_tensor *codes, const tide_tensor *weight,
                           tide_tensor *count, tide_tensor *mean, tide_tensor *var) {
    const char *op = "gaussian_nb_stats";
    if (check_f64_matrix(op, "X", X, -1, -1)) return -1;
    int64_t n = X->shape[0], d = X->shape[1];
    if (!count || count->ndim != 1) return TIDE_FAIL("%s: count must be a 1-d float64 tensor", op);
    int64_t c = count->shape[0];
    if (c < 1) return TIDE_FAIL("%s: count has no classes", op);
    if (check_vec(op, "count", count, TIDE_FLOAT64, c) || check_f64_matrix(op, "mean", mean, c, d) ||
        check_f64_matrix(op, "var", var, c, d))
        return -1;
    if (codes && check_codes(op, codes, n, c)) return -1;
    if (weight && check_vec(op, "weight", weight, TIDE_FLOAT64, n)) return -1;
    const double *x = (const double *)tide_elem_ptr(X);
    const int64_t *cp = codes ? (const int64_t *)tide_elem_ptr(codes) : NULL;
    const double *w = weight ? (const double *)tide_elem_ptr(weight) : NULL;
    double *cnt = (double *)tide_elem_ptr(count), *mu = (double *)tide_elem_ptr(mean);
    double *va = (double *)tide_elem_ptr(var);
    /* the rows of each class, in order: classes are the unit of parallel work */
    int64_t *start = calloc((size_t)c + 1, sizeof(int64_t)), *rows = malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    if (!start || !rows) {
        free(start), free(rows);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
    for (int64_t i = 0; i < n; i++) start[(cp ? cp[i] : 0) + 1]++;
    for (int64_t k = 0; k < c; k++) start[k + 1] += start[k];
    {
        int64_t *fill = malloc((size_t)c * sizeof(int64_t));
        if (!fill) {
            free(start), free(rows);
            return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        }
        memcpy(fill, start, (size_t)c * sizeof(int64_t));
        for (int64_t i = 0; i < n; i++) rows[fill[cp ? cp[i] : 0]++] = i;
        free(fill);
    }
    int nth = tide_threads_for(n * d);
    if (nth > c) nth = (int)c;
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(dynamic, 1)
    for (int64_t k = 0; k < c; k++)
        cnt[k] = class_moments(x, d, rows + start[k], start[k + 1] - start[k], w, mu + k * d, va + k * d);
    free(start), free(rows);
    return 0;
}

int tide_gaussian_nb_jll(const tide_tensor *X, const tide_tensor *theta, const tide_tensor *var,
                         const tide_tensor *log_prior, tide_tensor *jll) {
    const char *op = "gaussian_nb_jll";
    if (check_f64_matrix(op, "theta", theta, -1, -1)) return -1;
    int64_t c = theta->shape[0], d = theta->shape[1];
    if (check_f64_matrix(op, "X", X, -1, d) || check_f64_matrix(op, "var", var, c, d) ||
        check_vec(op, "log_prior", log_prior, TIDE_FLOAT64, c))
        return -1;
    int64_t m = X->shape[0];
    if (check_f64_matrix(op, "jll", jll, m, c)) return -1;
    const double *x = (const double *)tide_elem_ptr(X), *th = (const double *)tide_elem_ptr(theta);
    const double *va = (const double *)tide_elem_ptr(var), *lp = (const double *)tide_elem_ptr(log_prior);
    double *out = (double *)tide_elem_ptr(jll);
    double *norm = malloc((size_t)(c + d) * sizeof(double)); /* per class: -0.5 sum log(2 pi var) */
    if (!norm) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    double *logv = norm + c;
    for (int64_t k = 0; k < c; k++) {
        for (int64_t j = 0; j < d; j++) logv[j] = log(2.0 * M_PI * va[k * d + j]);
        norm[k] = -0.5 * tide_pairwise_sum(logv, d);
    }
    int nth = tide_threads_for(m * c * d);
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        double *t = malloc((size_t)d * sizeof(double));
#pragma omp for
        for (int64_t i = 0; i < m; i++) {
            const double *xi = x + i * d;
            for (int64_t k = 0; k < c; k++) {
                const double *tk = th + k * d, *vk = va + k * d;
                double s;
                if (t) {
#pragma omp simd
                    for (int64_t j = 0; j < d; j++) {
                        double e = xi[j] - tk[j];
                        t[j] = e * e / vk[j];
                    }
                    s = tide_pairwise_sum(t, d);
                } else {
                    s = 0;
                    for (int64_t j = 0; j < d; j++) {
                        double e = xi[j] - tk[j];
                        s += e * e / vk[j];
                    }
                }
                double nij = norm[k];
                nij -= 0.5 * s;
                out[i * c + k] = lp[k] + nij;
            }
        }
        free(t);
    }
    free(norm);
    return 0;
}

int tide_nb_count(const tide_tensor *X, const tide_csr *X_csr, const tide_tensor *codes, const tide_tensor *weight,
                  tide_tensor *feature_count, tide_tensor *class_count, int binarize, double threshold) {
    const char *op = "nb_count";
    if ((X == NULL) == (X_csr == NULL)) return TIDE_FAIL("%s: pass exactly one of X and X_csr", op);
    int64_t n, d;
    if (X) {
        if (check_f64_matrix(op, "X", X, -1, -1)) return -1;
        n = X->shape[0], d = X->shape[1];
    } else {
        if (tide_csr_check(X_csr, op)) return -1;
        n = X_csr->rows, d = X_csr->cols;
    }
    if (!class_count || class_count->ndim != 1) return TIDE_FAIL("%s: class_count must be a 1-d float64 tensor", op);
    int64_t c = class_count->shape[0];
    if (check_vec(op, "class_count", class_count, TIDE_FLOAT64, c) ||
        check_f64_matrix(op, "feature_count", feature_count, c, d) || check_codes(op, codes, n, c))
        return -1;
    if (weight && check_vec(op, "weight", weight, TIDE_FLOAT64, n)) return -1;
    const int64_t *cp = (const int64_t *)tide_elem_ptr(codes);
    const double *w = weight ? (const double *)tide_elem_ptr(weight) : NULL;
    double *fc = (double *)tide_elem_ptr(feature_count), *cc = (double *)tide_elem_ptr(class_count);
    /* columns are the unit of parallel work: each thread owns a slice of feature_count */
    int nth = tide_threads_for(X ? n * d : X_csr->nnz + n);
    int64_t chunk = (d + nth - 1) / (nth > 0 ? nth : 1);
#pragma omp parallel for num_threads(nth) if (nth > 1)
    for (int64_t j0 = 0; j0 < d; j0 += chunk) {
        int64_t j1 = j0 + chunk < d ? j0 + chunk : d;
        for (int64_t i = 0; i < n; i++) {
            double wi = w ? w[i] : 1.0;
            double *f = fc + cp[i] * d;
            if (X) {
                const double *xi = (const double *)tide_elem_ptr(X) + i * d;
                if (binarize)
                    for (int64_t j = j0; j < j1; j++) f[j] += xi[j] > threshold ? wi : 0.0;
                else
                    for (int64_t j = j0; j < j1; j++) f[j] += xi[j] * wi;
            } else {
                for (int64_t e = X_csr->indptr[i]; e < X_csr->indptr[i + 1]; e++) {
                    int64_t j = X_csr->indices[e];
                    if (j < j0 || j >= j1) continue;
                    double v = X_csr->data[e];
                    f[j] += binarize ? (v > threshold ? wi : 0.0) : v * wi;
                }
            }
        }
    }
    for (int64_t i = 0; i < n; i++) cc[cp[i]] += w ? w[i] : 1.0;
    return 0;
}
