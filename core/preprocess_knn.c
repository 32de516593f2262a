/* preprocess_knn.c — k-NN imputation for tide.preprocess.KNNImputer (see tide/preprocess.h). */
#include "tide/preprocess.h"
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* nan_euclidean distance between row a and row b of length d (NaN: no common coordinate) */
static double nan_dist(const double *a, int64_t sa, const double *b, int64_t sb, int64_t d) {
    double s = 0;
    int64_t present = 0;
    for (int64_t j = 0; j < d; j++) {
        double u = a[j * sa], v = b[j * sb];
        if (isnan(u) || isnan(v)) continue;
        s += (u - v) * (u - v);
        present++;
    }
    return present ? sqrt((double)d / (double)present * s) : NAN;
}

/* does candidate (da, ia) come before (db, ib)? by distance, then fit row */
static int before(double da, int64_t ia, double db, int64_t ib) { return da < db || (da == db && ia < ib); }

/* Fill row i's NaN cells. dist [m]: its distances to fit rows; sel_i / sel_d: scratch [k]. */
static void impute_row(const tide_tensor *x, const double *px, const tide_tensor *f, const double *pf, int64_t i,
                       const double *dist, int64_t k, int weighted, const double *col_mean, double *row_out,
                       int64_t *sel_i, double *sel_d) {
    int64_t m = f->shape[0], d = x->shape[1];
    for (int64_t j = 0; j < d; j++) {
        if (!isnan(px[i * x->stride[0] + j * x->stride[1]])) continue;
        /* k nearest comparable donors (insertion into a sorted list of at most k) */
        int64_t nsel = 0, ndonors = 0;
        for (int64_t r = 0; r < m; r++) {
            if (isnan(pf[r * f->stride[0] + j * f->stride[1]])) continue;
            ndonors++;
            double dr = dist[r];
            if (isnan(dr)) continue;
            if (nsel == k && !before(dr, r, sel_d[k - 1], sel_i[k - 1])) continue;
            int64_t p = nsel < k ? nsel++ : k - 1;
            while (p > 0 && before(dr, r, sel_d[p - 1], sel_i[p - 1])) {
                sel_d[p] = sel_d[p - 1];
                sel_i[p] = sel_i[p - 1];
                p--;
            }
            sel_d[p] = dr;
            sel_i[p] = r;
        }
        if (nsel == 0) {
            row_out[j] = isnan(col_mean[j]) ? 0.0 : col_mean[j];
            continue;
        }
        /* too few comparable donors: NaN-distance donors fill up to k (NumPy sorts NaN last) */
        int64_t take = k < ndonors ? k : ndonors;
        for (int64_t r = 0; r < m && nsel < take; r++) {
            if (isnan(pf[r * f->stride[0] + j * f->stride[1]]) || !isnan(dist[r])) continue;
            sel_d[nsel] = NAN;
            sel_i[nsel++] = r;
        }
        int any_zero = 0;
        if (weighted)
            for (int64_t t = 0; t < nsel; t++) any_zero |= sel_d[t] == 0;
        double sum = 0, wsum = 0;
        for (int64_t t = 0; t < nsel; t++) {
            double w = 1;
            if (weighted) w = any_zero ? (sel_d[t] == 0) : (isnan(sel_d[t]) ? 0 : 1 / sel_d[t]);
            sum += w * pf[sel_i[t] * f->stride[0] + j * f->stride[1]];
            wsum += w;
        }
        row_out[j] = sum / wsum;
    }
}

/* x [n, d], fit_x [m, d] -> out [n, d] */
tide_tensor *tide_preprocess_knn_impute(const tide_tensor *x, const tide_tensor *fit_x, int64_t n_neighbors,
                                        int distance_weights, const double *col_mean, tide_tensor *out) {
    const char *op = "knn_impute";
    if (!x || !fit_x || x->dtype != TIDE_FLOAT64 || fit_x->dtype != TIDE_FLOAT64 || x->ndim != 2 || fit_x->ndim != 2) {
        TIDE_FAIL("%s: expected float64 tensors x [n, d] and fit_x [m, d]", op);
        return NULL;
    }
    if (x->shape[1] != fit_x->shape[1]) {
        TIDE_FAIL("%s: x has %lld columns, fit_x %lld", op, (long long)x->shape[1], (long long)fit_x->shape[1]);
        return NULL;
    }
    if (n_neighbors < 1 || !col_mean) {
        TIDE_FAIL("%s: n_neighbors must be >= 1 and col_mean given", op);
        return NULL;
    }
    int64_t n = x->shape[0], d = x->shape[1], m = fit_x->shape[0];
    tide_tensor *r = tide_out_or_alloc(op, out, 2, x->shape, TIDE_FLOAT64);
    if (!r) return NULL;
    const double *px = (const double *)tide_elem_ptr(x), *pf = (const double *)tide_elem_ptr(fit_x);
    double *po = (double *)tide_elem_ptr(r);
    int64_t k = n_neighbors;
    int failed = 0;
    int nth = tide_threads_for(n * m * d);
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        double *dist = malloc((size_t)(m > 0 ? m : 1) * sizeof(double));
        double *row = malloc((size_t)(d > 0 ? d : 1) * sizeof(double));
        double *sel_d = malloc((size_t)k * sizeof(double));
        int64_t *sel_i = malloc((size_t)k * sizeof(int64_t));
        int ok = dist && row && sel_d && sel_i;
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 16)
        for (int64_t i = 0; i < n; i++) {
            if (!ok) continue;
            int missing = 0;
            for (int64_t j = 0; j < d; j++) {
                row[j] = px[i * x->stride[0] + j * x->stride[1]];
                missing |= isnan(row[j]);
            }
            if (missing) {
                for (int64_t q = 0; q < m; q++)
                    dist[q] = nan_dist(px + i * x->stride[0], x->stride[1], pf + q * fit_x->stride[0], fit_x->stride[1], d);
                impute_row(x, px, fit_x, pf, i, dist, k, distance_weights, col_mean, row, sel_i, sel_d);
            }
            for (int64_t j = 0; j < d; j++) po[i * r->stride[0] + j * r->stride[1]] = row[j];
        }
        free(dist);
        free(row);
        free(sel_d);
        free(sel_i);
    }
    if (failed) {
        if (r != out) tide_tensor_free(r);
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        return NULL;
    }
    return r;
}
