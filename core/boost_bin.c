/* boost_bin.c — binning for histogram gradient boosting (see tide/boost.h): scikit-learn 1.2's
 * _BinMapper. Thresholds per feature from its non-missing values: midpoints of the distinct
 * values when there are at most max_bins of them, else NumPy's percentile(method="midpoint") at
 * linspace(0, 100, max_bins + 1)[1:-1], computed with the same floating-point steps so the
 * thresholds are bit-identical. Mapping: branch-free binary search, NaN to the missing bin, uint8
 * output as columns [d, n] or blocks of 64 features [B, n, 64] (see tide/boost.h). */
#include "tide/boost.h"
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ALMOST_INF 1e300

/* v [n] holds only integers in [0, 65536): counting sort in place; returns 0 otherwise */
static int sort_small_ints(double *v, int64_t n, uint32_t *counts) {
    for (int64_t i = 0; i < n; i++)
        if (!(v[i] >= 0 && v[i] < 65536 && v[i] == (double)(int32_t)v[i])) return 0;
    memset(counts, 0, 65536 * sizeof(uint32_t));
    int32_t hi = 0;
    for (int64_t i = 0; i < n; i++) {
        int32_t k = (int32_t)v[i];
        counts[k]++;
        if (k > hi) hi = k;
    }
    int64_t o = 0;
    for (int32_t k = 0; k <= hi; k++)
        for (uint32_t c = 0; c < counts[k]; c++) v[o++] = (double)k;
    return 1;
}

/* ascending sort of v [n] (no NaN): quicksort, median of three, insertion sort below 16 */
static void sort_doubles(double *v, int64_t n) {
    while (n > 16) {
        double a = v[0], b = v[n / 2], c = v[n - 1];
        double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        int64_t i = 0, j = n - 1;
        for (;;) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i >= j) break;
            double t = v[i];
            v[i] = v[j], v[j] = t;
            i++, j--;
        }
        /* recurse into the smaller part, loop on the larger */
        if (j + 1 < n - j - 1) {
            sort_doubles(v, j + 1);
            v += j + 1, n -= j + 1;
        } else {
            sort_doubles(v + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (int64_t i = 1; i < n; i++) {
        double x = v[i];
        int64_t j = i - 1;
        while (j >= 0 && v[j] > x) v[j + 1] = v[j], j--;
        v[j + 1] = x;
    }
}

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* sorted non-missing values v [m] -> thr [<= max_bins - 1]; returns the threshold count */
static int64_t feature_thresholds(const double *v, int64_t m, int64_t max_bins, double *thr) {
    if (m == 0) return 0;
    int64_t nd = 1;
    for (int64_t i = 1; i < m; i++) nd += v[i] != v[i - 1];
    int64_t nt = 0;
    if (nd <= max_bins) {
        double prev = v[0];
        for (int64_t i = 1; i < m; i++) {
            if (v[i] == prev) continue;
            thr[nt++] = (prev + v[i]) * 0.5;
            prev = v[i];
        }
    } else {
        /* np.linspace(0, 100, max_bins + 1)[1:-1] / 100, then the "midpoint" virtual index */
        double step = 100.0 / (double)max_bins;
        for (int64_t k = 1; k < max_bins; k++) {
            double q = ((double)k * step) / 100.0;
            double pos = (double)(m - 1) * q;
            double lo = floor(pos), hi = ceil(pos);
            double virt = 0.5 * (lo + hi);
            int64_t prev_i = (int64_t)floor(virt);
            int64_t next_i = prev_i + 1;
            if (virt >= (double)(m - 1)) prev_i = next_i = m - 1;
            if (prev_i < 0) prev_i = 0;
            if (next_i > m - 1) next_i = m - 1;
            double a = v[prev_i], b = v[next_i];
            double gamma = fmod(virt, 1.0) == 0.0 ? 0.0 : 0.5;
            double diff = b - a;
            thr[nt++] = gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
        }
    }
    for (int64_t i = 0; i < nt; i++)
        if (thr[i] > ALMOST_INF) thr[i] = ALMOST_INF;
    return nt;
}

static int check_x(const char *op, const tide_tensor *x) {
    if (!x) return TIDE_FAIL("%s: x is NULL", op);
    if (x->dtype != TIDE_FLOAT64 || x->ndim != 2) return TIDE_FAIL("%s: x must be a float64 [n, d] tensor", op);
    return 0;
}

int tide_boost_bin_thresholds(const tide_tensor *x, int64_t max_bins, int64_t subsample, uint64_t seed,
                              tide_tensor *thresholds, tide_tensor *n_bins_non_missing) {
    const char *op = "boost_bin_thresholds";
    if (check_x(op, x)) return -1;
    if (max_bins < 2 || max_bins > 255) return TIDE_FAIL("%s: max_bins must be in [2, 255], got %lld", op, (long long)max_bins);
    int64_t n = x->shape[0], d = x->shape[1];
    if (!thresholds || thresholds->dtype != TIDE_FLOAT64 || thresholds->ndim != 2 || thresholds->shape[0] != d ||
        thresholds->shape[1] != max_bins - 1 || !tide_tensor_is_contiguous(thresholds))
        return TIDE_FAIL("%s: thresholds must be a contiguous float64 [%lld, %lld] tensor", op, (long long)d,
                         (long long)(max_bins - 1));
    if (!n_bins_non_missing || n_bins_non_missing->dtype != TIDE_INT32 || n_bins_non_missing->numel != d ||
        !tide_tensor_is_contiguous(n_bins_non_missing))
        return TIDE_FAIL("%s: n_bins_non_missing must be a contiguous int32 tensor of %lld values", op, (long long)d);

    /* rows used: all, or a subsample drawn without replacement (partial Fisher-Yates) */
    int64_t m = n;
    int64_t *rows = NULL;
    if (subsample > 0 && n > subsample) {
        rows = malloc((size_t)n * sizeof(int64_t));
        if (!rows) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        for (int64_t i = 0; i < n; i++) rows[i] = i;
        uint64_t s = seed;
        for (int64_t i = 0; i < subsample; i++) {
            int64_t j = i + (int64_t)(splitmix(&s) % (uint64_t)(n - i));
            int64_t t = rows[i];
            rows[i] = rows[j], rows[j] = t;
        }
        m = subsample;
    }
    const double *px = (const double *)tide_elem_ptr(x);
    double *thr = (double *)tide_elem_ptr(thresholds);
    int32_t *nbm = (int32_t *)tide_elem_ptr(n_bins_non_missing);
    int nth = tide_threads_for(m * d * 8);
    int failed = 0;
    /* features in groups of 8 (a cache line of a row): one pass over the rows gathers the
     * group's columns, then each is sorted */
    int64_t ngroups = (d + 7) / 8;
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        double *buf = malloc((size_t)(m > 0 ? m : 1) * 8 * sizeof(double));
        uint32_t *counts = malloc(65536 * sizeof(uint32_t));
        if (!buf || !counts) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t grp = 0; grp < ngroups; grp++) {
            if (!buf || !counts) continue;
            int64_t j0 = grp * 8, nj = d - j0 < 8 ? d - j0 : 8;
            int64_t cnt[8] = {0};
            for (int64_t r = 0; r < m; r++) {
                int64_t i = rows ? rows[r] : r;
                const double *row = px + i * x->stride[0] + j0 * x->stride[1];
                for (int64_t q = 0; q < nj; q++) {
                    double v = row[q * x->stride[1]];
                    if (!isnan(v)) buf[q * m + cnt[q]++] = v;
                }
            }
            for (int64_t q = 0; q < nj; q++) {
                double *v = buf + q * m;
                if (!sort_small_ints(v, cnt[q], counts)) sort_doubles(v, cnt[q]);
                double *t = thr + (j0 + q) * (max_bins - 1);
                int64_t nt = feature_thresholds(v, cnt[q], max_bins, t);
                for (int64_t k = nt; k < max_bins - 1; k++) t[k] = INFINITY;
                nbm[j0 + q] = (int32_t)(nt + 1);
            }
        }
        free(buf);
        free(counts);
    }
    free(rows);
    if (failed) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    return 0;
}

/* the bin of v: the number of thresholds t [nt] below it (lower bound, branch-free) */
static inline uint8_t bin_of(const double *t, int64_t nt, double v) {
    if (nt == 0) return 0;
    const double *base = t;
    int64_t len = nt;
    while (len > 1) {
        int64_t half = len / 2;
        base += (int64_t)(base[half - 1] < v) * half; /* arithmetic, not a branch: the compiler kept one */
        len -= half;
    }
    return (uint8_t)((base - t) + (*base < v));
}

tide_tensor *tide_boost_bin_map(const tide_tensor *x, const tide_tensor *thresholds,
                                const tide_tensor *n_bins_non_missing, int64_t missing_bin, tide_tensor *out) {
    const char *op = "boost_bin_map";
    if (check_x(op, x)) return NULL;
    int64_t n = x->shape[0], d = x->shape[1];
    if (!thresholds || thresholds->dtype != TIDE_FLOAT64 || thresholds->ndim != 2 || thresholds->shape[0] != d ||
        !tide_tensor_is_contiguous(thresholds)) {
        TIDE_FAIL("%s: thresholds must be a contiguous float64 [%lld, max_bins - 1] tensor", op, (long long)d);
        return NULL;
    }
    int64_t width = thresholds->shape[1];
    if (!n_bins_non_missing || n_bins_non_missing->dtype != TIDE_INT32 || n_bins_non_missing->numel != d ||
        !tide_tensor_is_contiguous(n_bins_non_missing)) {
        TIDE_FAIL("%s: n_bins_non_missing must be a contiguous int32 tensor of %lld values", op, (long long)d);
        return NULL;
    }
    if (missing_bin <= width || missing_bin > 255) {
        TIDE_FAIL("%s: missing_bin must be in [%lld, 255], got %lld", op, (long long)(width + 1), (long long)missing_bin);
        return NULL;
    }
    const int32_t *nbm = (const int32_t *)tide_elem_ptr(n_bins_non_missing);
    for (int64_t j = 0; j < d; j++)
        if (nbm[j] < 1 || nbm[j] > width + 1) {
            TIDE_FAIL("%s: n_bins_non_missing[%lld] = %d is out of range", op, (long long)j, (int)nbm[j]);
            return NULL;
        }
    int64_t shape[2] = {d, n};
    tide_tensor *o = tide_out_or_alloc(op, out, 2, shape, TIDE_UINT8);
    if (!o) return NULL;
    if (!tide_tensor_is_contiguous(o)) {
        TIDE_FAIL("%s: out must be contiguous", op);
        return NULL;
    }
    const double *px = (const double *)tide_elem_ptr(x);
    const double *thr = (const double *)tide_elem_ptr(thresholds);
    uint8_t *po = (uint8_t *)tide_elem_ptr(o);
    int64_t s0 = x->stride[0], s1 = x->stride[1];
    int nth = tide_threads_for(n * d * 8);
    /* 64 rows x every feature: x is read row-major in cache-sized pieces, a feature's
     * thresholds stay in L1 for its 64 rows, and those 64 bins are one cache line of out */
    int64_t nrb = (n + 63) / 64;
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t rb = 0; rb < nrb; rb++) {
        int64_t i0 = rb * 64, i1 = i0 + 64 < n ? i0 + 64 : n;
        for (int64_t j = 0; j < d; j++) {
            const double *t = thr + j * width;
            int64_t nt = nbm[j] - 1;
            uint8_t *col = po + j * n;
            for (int64_t i = i0; i < i1; i++) {
                double v = px[i * s0 + j * s1];
                col[i] = isnan(v) ? (uint8_t)missing_bin : bin_of(t, nt, v);
            }
        }
    }
    return o;
}

tide_tensor *tide_boost_bin_blocks(const tide_tensor *cols, tide_tensor *out) {
    const char *op = "boost_bin_blocks";
    if (!cols || cols->dtype != TIDE_UINT8 || cols->ndim != 2 || !tide_tensor_is_contiguous(cols)) {
        TIDE_FAIL("%s: cols must be a contiguous uint8 [d, n] tensor", op);
        return NULL;
    }
    int64_t d = cols->shape[0], n = cols->shape[1], nblk = (d + 63) / 64;
    int64_t shape[3] = {nblk, n, 64};
    tide_tensor *o = tide_out_or_alloc(op, out, 3, shape, TIDE_UINT8);
    if (!o) return NULL;
    if (!tide_tensor_is_contiguous(o)) {
        TIDE_FAIL("%s: out must be contiguous", op);
        return NULL;
    }
    const uint8_t *pc = (const uint8_t *)tide_elem_ptr(cols);
    uint8_t *po = (uint8_t *)tide_elem_ptr(o);
    int64_t nrb = (n + 63) / 64;
    int nth = tide_threads_for(n * d);
    /* 64 x 64 tiles: 64 rows of 64 columns in, 64 rows of one block out */
#pragma omp parallel for collapse(2) num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t blk = 0; blk < nblk; blk++)
        for (int64_t rb = 0; rb < nrb; rb++) {
            int64_t i0 = rb * 64, i1 = i0 + 64 < n ? i0 + 64 : n;
            int64_t j0 = blk * 64, nj = d - j0 < 64 ? d - j0 : 64;
            for (int64_t i = i0; i < i1; i++) {
                uint8_t *line = po + (blk * n + i) * 64;
                for (int64_t q = 0; q < nj; q++) line[q] = pc[(j0 + q) * n + i];
                for (int64_t q = nj; q < 64; q++) line[q] = 0;
            }
        }
    return o;
}
