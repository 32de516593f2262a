/* metrics.c — kernels behind tide.metrics: the binary classifier curve (ROC / PR points).
 *
 * tide_binary_clf_curve sorts the scores in decreasing order with an LSD radix sort over the
 * order-preserving integer image of each double (6 passes of 11 bits, stable), then walks the
 * sorted samples once, accumulating positives and negatives and emitting one point per run of
 * equal scores. That is scikit-learn's _binary_clf_curve (argsort + cumsum + diff) in linear
 * time and one pass over memory per radix digit.
 */
#include "tide/metrics.h"
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int check_vector(const char *op, const char *name, const tide_tensor *t, int64_t n, int output) {
    if (t == NULL) return TIDE_FAIL("%s: %s is NULL", op, name);
    if (t->dtype != TIDE_FLOAT64) return TIDE_FAIL("%s: %s must be float64", op, name);
    if (!tide_tensor_is_contiguous(t)) return TIDE_FAIL("%s: %s must be contiguous", op, name);
    if (output) {
        if (t->numel < n) return TIDE_FAIL("%s: %s has %lld elements, needs %lld", op, name, (long long)t->numel, (long long)n);
    } else if (t->ndim != 1 || t->shape[0] != n) {
        return TIDE_FAIL("%s: %s must be 1-d with %lld elements", op, name, (long long)n);
    }
    return 0;
}

/* A double's bits mapped so that unsigned order is numeric order, then inverted (descending). */
static inline uint64_t descending_key(double v) {
    if (v == 0) v = 0.0; /* -0.0 and 0.0 are one score */
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    b = (b >> 63) ? ~b : (b | 0x8000000000000000ull);
    return ~b;
}

#define RADIX_BITS 11
#define RADIX_SIZE (1 << RADIX_BITS)
#define RADIX_PASSES 6 /* 6 * 11 = 66 >= 64 */

/* Stable sort of (key, id) pairs by key, ascending: m elements in key/id, tmp buffers alike. */
static void radix_sort(uint64_t *key, int64_t *id, uint64_t *key_tmp, int64_t *id_tmp, int64_t m) {
    static const int64_t small = 48;
    if (m <= small) { /* insertion sort: stable, and cheaper than the passes for a few elements */
        for (int64_t i = 1; i < m; i++) {
            uint64_t k = key[i];
            int64_t v = id[i], j = i - 1;
            while (j >= 0 && key[j] > k) {
                key[j + 1] = key[j];
                id[j + 1] = id[j];
                j--;
            }
            key[j + 1] = k;
            id[j + 1] = v;
        }
        return;
    }
    int64_t count[RADIX_SIZE];
    uint64_t *src_k = key, *dst_k = key_tmp;
    int64_t *src_i = id, *dst_i = id_tmp;
    for (int pass = 0; pass < RADIX_PASSES; pass++) {
        int shift = pass * RADIX_BITS;
        memset(count, 0, sizeof count);
        for (int64_t i = 0; i < m; i++) count[(src_k[i] >> shift) & (RADIX_SIZE - 1)]++;
        if (count[(src_k[0] >> shift) & (RADIX_SIZE - 1)] == m) continue; /* one digit value: order unchanged */
        int64_t sum = 0;
        for (int d = 0; d < RADIX_SIZE; d++) {
            int64_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (int64_t i = 0; i < m; i++) {
            int64_t at = count[(src_k[i] >> shift) & (RADIX_SIZE - 1)]++;
            dst_k[at] = src_k[i];
            dst_i[at] = src_i[i];
        }
        uint64_t *tk = src_k; src_k = dst_k; dst_k = tk;
        int64_t *ti = src_i; src_i = dst_i; dst_i = ti;
    }
    if (src_k != key) {
        memcpy(key, src_k, (size_t)m * sizeof *key);
        memcpy(id, src_i, (size_t)m * sizeof *id);
    }
}

int64_t tide_binary_clf_curve(const tide_tensor *score, const tide_tensor *truth, const tide_tensor *weight,
                              tide_tensor *fps, tide_tensor *tps, tide_tensor *thresholds) {
    const char *op = "binary_clf_curve";
    if (score == NULL) return TIDE_FAIL("%s: score is NULL", op);
    int64_t n = score->numel;
    if (check_vector(op, "score", score, n, 0) || check_vector(op, "truth", truth, n, 0) ||
        (weight != NULL && check_vector(op, "weight", weight, n, 0)) || check_vector(op, "fps", fps, n, 1) ||
        check_vector(op, "tps", tps, n, 1) || check_vector(op, "thresholds", thresholds, n, 1)) {
        return -1;
    }
    const double *s = (const double *)tide_tensor_data_ptr(score);
    const double *t = (const double *)tide_tensor_data_ptr(truth);
    const double *w = weight ? (const double *)tide_tensor_data_ptr(weight) : NULL;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(s[i])) return TIDE_FAIL("%s: score %lld is not finite", op, (long long)i);
        if (t[i] != 0 && t[i] != 1) return TIDE_FAIL("%s: truth %lld must be 0 or 1", op, (long long)i);
        if (w && !(w[i] >= 0 && isfinite(w[i]))) return TIDE_FAIL("%s: weight %lld must be finite and >= 0", op, (long long)i);
    }
    if (n == 0) return 0;
    uint64_t *key = malloc((size_t)n * 2 * sizeof *key);
    int64_t *id = malloc((size_t)n * 2 * sizeof *id);
    if (key == NULL || id == NULL) {
        free(key);
        free(id);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory for %lld scores", op, (long long)n);
    }
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        if (w && w[i] == 0) continue;
        key[m] = descending_key(s[i]);
        id[m] = i;
        m++;
    }
    radix_sort(key, id, key + n, id + n, m);
    double *fp_out = (double *)tide_tensor_data_ptr(fps);
    double *tp_out = (double *)tide_tensor_data_ptr(tps);
    double *th_out = (double *)tide_tensor_data_ptr(thresholds);
    double tp = 0, fp = 0;
    int64_t points = 0;
    for (int64_t j = 0; j < m; j++) {
        int64_t i = id[j];
        if (w) {
            tp += t[i] * w[i];
            fp += (1 - t[i]) * w[i];
        } else {
            tp += t[i];
        }
        if (j + 1 == m || key[j + 1] != key[j]) {
            tp_out[points] = tp;
            fp_out[points] = w ? fp : (double)(j + 1) - tp;
            th_out[points] = s[i] == 0 ? 0.0 : s[i];
            points++;
        }
    }
    free(key);
    free(id);
    return points;
}
