/* preprocess.c — column statistics for tide.preprocess (see tide/preprocess.h). */
#include "tide/preprocess.h"
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int check_matrix(const char *op, const tide_tensor *x) {
    if (!x) return TIDE_FAIL("%s: input is NULL", op);
    if (x->dtype != TIDE_FLOAT64) return TIDE_FAIL("%s: expected a float64 tensor", op);
    if (x->ndim != 2) return TIDE_FAIL("%s: expected a 2-d tensor [n, d], got %d dims", op, (int)x->ndim);
    return 0;
}

#define AT(x, base, i, j) ((base)[(i) * (x)->stride[0] + (j) * (x)->stride[1]])

/* x [n, d]: one pass for count / sum / min / max, one for the centred squares. */
int tide_preprocess_col_stats(const tide_tensor *x, double *count, double *mean, double *var, double *min,
                              double *max, double *maxabs) {
    if (check_matrix("col_stats", x)) return -1;
    if (!count) return TIDE_FAIL("col_stats: count buffer is NULL");
    const double *p = (const double *)tide_elem_ptr(x);
    int64_t n = x->shape[0], d = x->shape[1];
    int nth = tide_threads_for(n * d);
#pragma omp parallel for num_threads(nth) schedule(static) if (nth > 1)
    for (int64_t j = 0; j < d; j++) {
        double c = 0, s = 0, lo = INFINITY, hi = -INFINITY, ma = 0;
        for (int64_t i = 0; i < n; i++) {
            double v = AT(x, p, i, j);
            if (isnan(v)) continue;
            c += 1;
            s += v;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
            if (fabs(v) > ma) ma = fabs(v);
        }
        count[j] = c;
        double m = c > 0 ? s / c : NAN;
        if (mean) mean[j] = m;
        if (min) min[j] = c > 0 ? lo : NAN;
        if (max) max[j] = c > 0 ? hi : NAN;
        if (maxabs) maxabs[j] = c > 0 ? ma : NAN;
        if (var) {
            double corr = 0, sq = 0;
            for (int64_t i = 0; i < n; i++) {
                double v = AT(x, p, i, j);
                if (isnan(v)) continue;
                corr += v - m;
                sq += (v - m) * (v - m);
            }
            var[j] = c > 0 ? (sq - corr * corr / c) / c : NAN;
        }
    }
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Gather column j's non-NaN cells into buf (sorted); returns their count. */
static int64_t column_sorted(const tide_tensor *x, const double *p, int64_t j, double *buf) {
    int64_t m = 0;
    for (int64_t i = 0; i < x->shape[0]; i++) {
        double v = AT(x, p, i, j);
        if (!isnan(v)) buf[m++] = v;
    }
    qsort(buf, (size_t)m, sizeof(double), cmp_double);
    return m;
}

int tide_preprocess_col_quantiles(const tide_tensor *x, const double *q, int nq, double *out) {
    if (check_matrix("col_quantiles", x)) return -1;
    if (!q || !out || nq < 1) return TIDE_FAIL("col_quantiles: expected at least one quantile");
    for (int k = 0; k < nq; k++)
        if (!(q[k] >= 0 && q[k] <= 1)) return TIDE_FAIL("col_quantiles: quantile %g is outside [0, 1]", q[k]);
    const double *p = (const double *)tide_elem_ptr(x);
    int64_t n = x->shape[0], d = x->shape[1];
    double *buf = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    if (!buf) return tide_fail(TIDE_ENOMEM, "col_quantiles: out of memory");
    for (int64_t j = 0; j < d; j++) {
        int64_t m = column_sorted(x, p, j, buf);
        for (int k = 0; k < nq; k++) {
            if (m == 0) { out[j * nq + k] = NAN; continue; }
            double pos = q[k] * (double)(m - 1);
            int64_t lo = (int64_t)floor(pos);
            int64_t hi = lo + 1 < m ? lo + 1 : lo;
            double t = pos - (double)lo, a = buf[lo], b = buf[hi], diff = b - a;
            /* NumPy's _lerp: from the nearer end */
            out[j * nq + k] = t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
        }
    }
    free(buf);
    return 0;
}

int tide_preprocess_col_mode(const tide_tensor *x, double *out) {
    if (check_matrix("col_mode", x)) return -1;
    if (!out) return TIDE_FAIL("col_mode: output buffer is NULL");
    const double *p = (const double *)tide_elem_ptr(x);
    int64_t n = x->shape[0], d = x->shape[1];
    double *buf = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    if (!buf) return tide_fail(TIDE_ENOMEM, "col_mode: out of memory");
    for (int64_t j = 0; j < d; j++) {
        int64_t m = column_sorted(x, p, j, buf);
        double best = NAN;
        int64_t best_n = 0;
        for (int64_t i = 0; i < m;) {
            int64_t k = i;
            while (k < m && buf[k] == buf[i]) k++;
            if (k - i > best_n) { best_n = k - i; best = buf[i]; } /* strict: ties keep the smaller */
            i = k;
        }
        out[j] = best;
    }
    free(buf);
    return 0;
}

/* a [n, d], b [m, d] -> out [n, m] */
tide_tensor *tide_preprocess_nan_euclidean(const tide_tensor *a, const tide_tensor *b, tide_tensor *out) {
    if (check_matrix("nan_euclidean", a) || check_matrix("nan_euclidean", b)) return NULL;
    if (a->shape[1] != b->shape[1]) {
        TIDE_FAIL("nan_euclidean: a has %lld columns, b has %lld", (long long)a->shape[1], (long long)b->shape[1]);
        return NULL;
    }
    int64_t n = a->shape[0], m = b->shape[0], d = a->shape[1];
    int64_t shape[2] = {n, m};
    tide_tensor *r = tide_out_or_alloc("nan_euclidean", out, 2, shape, TIDE_FLOAT64);
    if (!r) return NULL;
    const double *pa = (const double *)tide_elem_ptr(a), *pb = (const double *)tide_elem_ptr(b);
    double *po = (double *)tide_elem_ptr(r);
    int nth = tide_threads_for(n * m * d);
#pragma omp parallel for num_threads(nth) schedule(static) if (nth > 1)
    for (int64_t i = 0; i < n; i++) {
        for (int64_t k = 0; k < m; k++) {
            double s = 0;
            int64_t present = 0;
            for (int64_t j = 0; j < d; j++) {
                double u = AT(a, pa, i, j), v = AT(b, pb, k, j);
                if (isnan(u) || isnan(v)) continue;
                s += (u - v) * (u - v);
                present++;
            }
            po[i * r->stride[0] + k * r->stride[1]] = present ? sqrt((double)d / (double)present * s) : NAN;
        }
    }
    return r;
}
