/* preprocess_kmeans.c — 1-d k-means for KBinsDiscretizer(strategy = "kmeans") (see
 * tide/preprocess.h); the same steps as scikit-learn's Lloyd loop on one feature. */
#include "tide/preprocess.h"
#include "internal.h"

#include <math.h>
#include <stdlib.h>

int tide_preprocess_kmeans_1d(const tide_tensor *x, int64_t col, const double *init, int64_t k, double *centers) {
    const char *op = "kmeans_1d";
    if (!x || x->dtype != TIDE_FLOAT64 || x->ndim != 2) return TIDE_FAIL("%s: expected a float64 tensor [n, d]", op);
    if (col < 0 || col >= x->shape[1]) return TIDE_FAIL("%s: column %lld is out of range", op, (long long)col);
    if (k < 1 || !init || !centers) return TIDE_FAIL("%s: expected k >= 1 initial centres", op);
    int64_t n = x->shape[0];
    if (n < 1) return TIDE_FAIL("%s: no rows", op);
    const double *p = (const double *)tide_elem_ptr(x) + col * x->stride[1];
    double *xc = malloc((size_t)n * sizeof(double));
    int64_t *labels = malloc((size_t)n * 2 * sizeof(int64_t));
    double *sum = malloc((size_t)k * sizeof(double));
    int64_t *cnt = malloc((size_t)k * sizeof(int64_t));
    char *taken = calloc((size_t)n, 1);
    int status = 0;
    if (!xc || !labels || !sum || !cnt || !taken) {
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    int64_t *old = labels + n;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < n; i++) mean += p[i * x->stride[0]];
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) {
        xc[i] = p[i * x->stride[0]] - mean;
        var += xc[i] * xc[i];
        old[i] = -1;
    }
    var /= (double)n;
    double tol = var * 1e-4;
    for (int64_t c = 0; c < k; c++) centers[c] = init[c] - mean;
    for (int iter = 0; iter < 300; iter++) {
        for (int64_t i = 0; i < n; i++) { /* nearest by ||c||^2 - 2 x c, ties: the first */
            int64_t best = 0;
            double bd = INFINITY;
            for (int64_t c = 0; c < k; c++) {
                double dd = centers[c] * centers[c] - 2 * xc[i] * centers[c];
                if (dd < bd) { best = c; bd = dd; }
            }
            labels[i] = best;
        }
        for (int64_t c = 0; c < k; c++) { sum[c] = 0; cnt[c] = 0; }
        for (int64_t i = 0; i < n; i++) { sum[labels[i]] += xc[i]; cnt[labels[i]]++; }
        for (int64_t i = 0; i < n; i++) taken[i] = 0;
        for (int64_t c = 0; c < k; c++) {
            if (cnt[c] != 0) continue;
            int64_t far = -1;
            double fd = -1;
            for (int64_t i = 0; i < n; i++) {
                double dd = (xc[i] - centers[labels[i]]) * (xc[i] - centers[labels[i]]);
                if (!taken[i] && dd > fd) { far = i; fd = dd; }
            }
            if (far >= 0) {
                taken[far] = 1;
                int64_t oc = labels[far];
                sum[oc] -= xc[far];
                cnt[oc]--;
                sum[c] = xc[far];
                cnt[c] = 1;
            }
        }
        double shift = 0;
        for (int64_t c = 0; c < k; c++) {
            double nc = cnt[c] > 0 ? sum[c] / (double)cnt[c] : centers[c];
            shift += (nc - centers[c]) * (nc - centers[c]);
            centers[c] = nc;
        }
        int same = 1;
        for (int64_t i = 0; i < n; i++)
            if (labels[i] != old[i]) { same = 0; break; }
        if (same || shift <= tol) break;
        for (int64_t i = 0; i < n; i++) old[i] = labels[i];
    }
    for (int64_t c = 0; c < k; c++) centers[c] += mean;
done:
    free(xc);
    free(labels);
    free(sum);
    free(cnt);
    free(taken);
    return status;
}
