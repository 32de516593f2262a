/* feature_select.c — mutual information between a feature and a target by nearest neighbours
 * (tide/feature_select.h): the estimators scikit-learn's mutual_info_classif (Ross 2014) and
 * mutual_info_regression (Kraskov et al. 2004) use. One feature is one column: 1-d neighbour
 * searches run on sorted copies; the joint 2-d search of the regression case is brute force. */
#include "tide/feature_select.h"
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* digamma: recurrence up to x >= 12, then the asymptotic series (~1e-15 relative) */
static double digamma(double x) {
    double r = 0.0;
    while (x < 12.0) {
        r -= 1.0 / x;
        x += 1.0;
    }
    double f = 1.0 / (x * x);
    return r + log(x) - 0.5 / x -
           f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))));
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* distance from v[i] to its k-th nearest other element of the sorted v[0..m) (k < m) */
static double kth_gap(const double *v, int64_t m, int64_t i, int64_t k) {
    int64_t l = i - 1, r = i + 1;
    double d = 0.0;
    for (int64_t t = 0; t < k; t++) {
        double dl = l >= 0 ? v[i] - v[l] : INFINITY, dr = r < m ? v[r] - v[i] : INFINITY;
        if (dl <= dr) {
            d = dl;
            l--;
        } else {
            d = dr;
            r++;
        }
    }
    return d;
}

/* how many elements of the sorted v[0..m) lie within r of c: |v[j] - c| <= r, tested exactly
 * as written (the binary search only finds the neighbourhood) */
static int64_t count_within(const double *v, int64_t m, double c, double r) {
    int64_t lo = 0, hi = m;
    while (lo < hi) { /* first v[j] >= c - r */
        int64_t mid = lo + (hi - lo) / 2;
        if (v[mid] < c - r) lo = mid + 1; else hi = mid;
    }
    while (lo > 0 && fabs(v[lo - 1] - c) <= r) lo--;
    while (lo < m && fabs(v[lo] - c) > r) lo++;
    int64_t end = lo;
    while (end < m && fabs(v[end] - c) <= r) end++;
    return end - lo;
}

static int check_finite(const double *x, int64_t n, const char *op) {
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return TIDE_FAIL("%s: value %lld is not finite", op, (long long)i + 1);
    return 0;
}

int tide_mutual_info_cd(const double *x, const int64_t *y, int64_t n, int64_t k, int64_t n_neighbors, double *out) {
    const char *op = "mutual_info_classif";
    if (!x || !y || !out) return TIDE_FAIL("%s: NULL argument", op);
    if (n < 1 || k < 1) return TIDE_FAIL("%s: empty input", op);
    if (n_neighbors < 1) return TIDE_FAIL("%s: n_neighbors must be >= 1, got %lld", op, (long long)n_neighbors);
    if (check_finite(x, n, op)) return -1;
    for (int64_t i = 0; i < n; i++)
        if (y[i] < 0 || y[i] >= k) return TIDE_FAIL("%s: class code %lld outside [0, %lld)", op, (long long)y[i], (long long)k);
    int64_t *count = calloc((size_t)k, sizeof *count), *start = calloc((size_t)k + 1, sizeof *start);
    double *byclass = malloc((size_t)n * sizeof *byclass), *all = malloc((size_t)n * sizeof *all);
    if (!count || !start || !byclass || !all) {
        free(count), free(start), free(byclass), free(all);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
    for (int64_t i = 0; i < n; i++) count[y[i]]++;
    for (int64_t c = 0; c < k; c++) start[c + 1] = start[c] + count[c];
    int64_t *fill = malloc((size_t)k * sizeof *fill);
    if (!fill) {
        free(count), free(start), free(byclass), free(all);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
    memcpy(fill, start, (size_t)k * sizeof *fill);
    for (int64_t i = 0; i < n; i++) byclass[fill[y[i]]++] = x[i];
    free(fill);
    /* the samples of classes with more than one member, sorted, for the counts */
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (count[y[i]] > 1) all[m++] = x[i];
    qsort(all, (size_t)m, sizeof *all, cmp_double);
    double sum_k = 0.0, sum_nc = 0.0, sum_m = 0.0;
    for (int64_t c = 0; c < k; c++) {
        int64_t nc = count[c];
        if (nc < 2) continue;
        double *v = byclass + start[c];
        qsort(v, (size_t)nc, sizeof *v, cmp_double);
        int64_t kk = n_neighbors < nc - 1 ? n_neighbors : nc - 1;
        double dk = digamma((double)kk), dnc = digamma((double)nc);
        for (int64_t i = 0; i < nc; i++) {
            double r = nextafter(kth_gap(v, nc, i, kk), 0.0);
            sum_k += dk;
            sum_nc += dnc;
            sum_m += digamma((double)count_within(all, m, v[i], r));
        }
    }
    double mi = 0.0;
    if (m > 0) mi = digamma((double)m) + (sum_k - sum_nc - sum_m) / (double)m;
    *out = mi > 0.0 ? mi : 0.0;
    free(count), free(start), free(byclass), free(all);
    return 0;
}

int tide_mutual_info_cc(const double *x, const double *y, int64_t n, int64_t n_neighbors, double *out) {
    const char *op = "mutual_info_regression";
    if (!x || !y || !out) return TIDE_FAIL("%s: NULL argument", op);
    if (n_neighbors < 1 || n_neighbors >= n)
        return TIDE_FAIL("%s: n_neighbors = %lld needs more than that many samples (got %lld)", op,
                         (long long)n_neighbors, (long long)n);
    if (check_finite(x, n, op) || check_finite(y, n, op)) return -1;
    double *radius = malloc((size_t)n * sizeof *radius), *sx = malloc((size_t)n * sizeof *sx),
           *sy = malloc((size_t)n * sizeof *sy);
    if (!radius || !sx || !sy) {
        free(radius), free(sx), free(sy);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
    int64_t kk = n_neighbors;
    int nt = tide_threads_for(n * n);
    int failed = 0;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        double *best = malloc((size_t)kk * sizeof *best); /* the kk smallest distances, ascending */
        if (!best) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; i++) {
            if (!best) continue;
            int64_t have = 0;
            for (int64_t j = 0; j < n; j++) {
                if (j == i) continue;
                double d = fmax(fabs(x[j] - x[i]), fabs(y[j] - y[i]));
                if (have == kk && d >= best[kk - 1]) continue;
                int64_t p = have < kk ? have++ : kk - 1;
                while (p > 0 && best[p - 1] > d) {
                    best[p] = best[p - 1];
                    p--;
                }
                best[p] = d;
            }
            radius[i] = nextafter(best[kk - 1], 0.0);
        }
        free(best);
    }
    if (failed) {
        free(radius), free(sx), free(sy);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
    memcpy(sx, x, (size_t)n * sizeof *sx);
    memcpy(sy, y, (size_t)n * sizeof *sy);
    qsort(sx, (size_t)n, sizeof *sx, cmp_double);
    qsort(sy, (size_t)n, sizeof *sy, cmp_double);
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) /* counts include the point itself: psi(nx + 1) with nx = count - 1 */
        sum += digamma((double)count_within(sx, n, x[i], radius[i])) + digamma((double)count_within(sy, n, y[i], radius[i]));
    double mi = digamma((double)n) + digamma((double)kk) - sum / (double)n;
    *out = mi > 0.0 ? mi : 0.0;
    free(radius), free(sx), free(sy);
    return 0;
}
