/* linear_model_svm.c — LinearSVC: liblinear's dual coordinate descent for the L2-regularised
 * L1-loss (hinge) and L2-loss (squared hinge) SVM (Hsieh et al., ICML 2008), with liblinear's
 * shrinking, stopping rule and one-vs-rest; see tide/linear_model.h for the contract.
 *
 * One binary problem: rows x_i (dense [n, d] or CSR) augmented with the bias feature B
 * (intercept_scaling; absent without an intercept), labels y_i = +-1, weights w [d + 1]:
 *   dual  min_a 1/2 a^T Q a - sum a_i,  0 <= a_i <= U_i,  Q_ij = y_i y_j x_i.x_j + D_ii [i == j]
 * hinge: U_i = C_i, D_ii = 0;  squared hinge: U_i = inf, D_ii = 1 / (2 C_i);  w = sum a_i y_i x_i.
 */
#include "linear_model_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The rows of X with the bias feature appended. */
typedef struct svm_rows {
    const double *X; /* dense [n, d], or NULL */
    const tide_csr *S;
    int64_t d;
    double bias; /* 0: no bias feature */
} svm_rows;

static inline double row_dot(const svm_rows *r, int64_t i, const double *w) {
    double acc = r->bias != 0 ? r->bias * w[r->d] : 0.0;
    if (r->X) return acc + lm_dot(r->X + i * r->d, w, r->d);
    const tide_csr *S = r->S;
    for (int64_t k = S->indptr[i]; k < S->indptr[i + 1]; k++) acc += S->data[k] * w[S->indices[k]];
    return acc;
}

static inline void row_axpy(const svm_rows *r, int64_t i, double a, double *w) {
    if (r->bias != 0) w[r->d] += a * r->bias;
    if (r->X) {
        lm_axpy(a, r->X + i * r->d, w, r->d);
        return;
    }
    const tide_csr *S = r->S;
    for (int64_t k = S->indptr[i]; k < S->indptr[i + 1]; k++) w[S->indices[k]] += a * S->data[k];
}

/* One binary problem. rows[0..l) are the sample ids taken part (positive C_i); yi [n] +-1,
 * Ci [n] the per-sample C, xsq [n] the squared norms of the augmented rows. w [d + 1] out;
 * scratch alpha [n], index [l]. Returns the sweeps run. */
static TIDE_HOT int64_t dual_cd(const svm_rows *R, const int64_t *rows, int64_t l, const signed char *yi,
                                const double *Ci, const double *xsq, int loss, double eps, int64_t max_iter,
                                uint64_t seed, uint64_t stream, double *w, double *alpha, int64_t *index) {
    int64_t wsize = R->d + 1;
    memset(w, 0, (size_t)wsize * sizeof(double));
    for (int64_t s = 0; s < l; s++) {
        index[s] = rows[s];
        alpha[rows[s]] = 0;
    }
    bool hinge = loss == TIDE_SVC_HINGE;
    int64_t active = l, it = 0;
    uint64_t draw = 0;
    double PGmax_old = INFINITY, PGmin_old = -INFINITY;
    while (it < max_iter) {
        double PGmax_new = -INFINITY, PGmin_new = INFINITY;
        for (int64_t s = 0; s < active; s++) { /* a random order of the active set */
            int64_t j = s + lm_below(lm_rand(seed, stream, draw++), active - s);
            int64_t t = index[s];
            index[s] = index[j];
            index[j] = t;
        }
        for (int64_t s = 0; s < active; s++) {
            int64_t i = index[s];
            double diag = hinge ? 0.0 : 0.5 / Ci[i];
            double U = hinge ? Ci[i] : INFINITY;
            double G = yi[i] * row_dot(R, i, w) - 1 + alpha[i] * diag;
            double PG = 0;
            if (alpha[i] == 0) {
                if (G > PGmax_old) { /* shrink: bound and unlikely to move */
                    active--;
                    index[s] = index[active];
                    index[active] = i;
                    s--;
                    continue;
                }
                if (G < 0) PG = G;
            } else if (alpha[i] == U) {
                if (G < PGmin_old) {
                    active--;
                    index[s] = index[active];
                    index[active] = i;
                    s--;
                    continue;
                }
                if (G > 0) PG = G;
            } else {
                PG = G;
            }
            if (PG > PGmax_new) PGmax_new = PG;
            if (PG < PGmin_new) PGmin_new = PG;
            if (fabs(PG) > 1.0e-12) {
                double old = alpha[i], Q = xsq[i] + diag;
                double a = old - G / Q;
                alpha[i] = a < 0 ? 0 : (a > U ? U : a);
                row_axpy(R, i, (alpha[i] - old) * yi[i], w);
            }
        }
        it++;
        if (PGmax_new - PGmin_new <= eps) {
            if (active == l) break;
            active = l; /* converged on the active set: check every sample once more */
            PGmax_old = INFINITY;
            PGmin_old = -INFINITY;
            continue;
        }
        PGmax_old = PGmax_new <= 0 ? INFINITY : PGmax_new;
        PGmin_old = PGmin_new >= 0 ? -INFINITY : PGmin_new;
    }
    return it;
}

int tide_linear_svc_fit(const tide_tensor *X, const tide_csr *Xs, const tide_tensor *y,
                        const tide_tensor *sample_weight, const tide_tensor *class_weight, tide_tensor *coef,
                        tide_tensor *intercept, int64_t *n_iter, int64_t n_classes, double C, int loss, double tol,
                        int64_t max_iter, int fit_intercept, double intercept_scaling, uint64_t seed) {
    const char *op = "LinearSVC.fit";
    int64_t n, d;
    if (lm_check_X(op, X, Xs, &n, &d) != 0) return -1;
    if (n_classes < 2) return TIDE_FAIL("%s: needs at least 2 classes, got %lld", op, (long long)n_classes);
    int64_t m = n_classes == 2 ? 1 : n_classes;
    if (lm_check_vec(op, "y", y, TIDE_INT64, n, false) != 0) return -1;
    if (lm_check_vec(op, "sample_weight", sample_weight, TIDE_FLOAT64, n, true) != 0) return -1;
    if (lm_check_vec(op, "class_weight", class_weight, TIDE_FLOAT64, n_classes, true) != 0) return -1;
    if (lm_check_vec(op, "coef", coef, TIDE_FLOAT64, m * d, false) != 0) return -1;
    if (lm_check_vec(op, "intercept", intercept, TIDE_FLOAT64, m, false) != 0) return -1;
    if (!(C > 0) || !isfinite(C)) return TIDE_FAIL("%s: C must be > 0, got %g", op, C);
    if (loss != TIDE_SVC_SQUARED_HINGE && loss != TIDE_SVC_HINGE) return TIDE_FAIL("%s: unknown loss %d", op, loss);
    if (!(tol > 0)) return TIDE_FAIL("%s: tol must be > 0, got %g", op, tol);
    if (max_iter < 1) return TIDE_FAIL("%s: max_iter must be >= 1, got %lld", op, (long long)max_iter);
    if (fit_intercept && (!(intercept_scaling > 0) || !isfinite(intercept_scaling)))
        return TIDE_FAIL("%s: intercept_scaling must be > 0, got %g", op, intercept_scaling);
    if (!n_iter) return TIDE_FAIL("%s: n_iter is NULL", op);
    const int64_t *yc = (const int64_t *)tide_elem_ptr(y);
    for (int64_t i = 0; i < n; i++)
        if (yc[i] < 0 || yc[i] >= n_classes)
            return TIDE_FAIL("%s: y[%lld] = %lld is not a class code in [0, %lld)", op, (long long)i,
                             (long long)yc[i], (long long)n_classes);
    const double *sw = lm_f64(sample_weight), *cw = lm_f64(class_weight);
    for (int64_t i = 0; sw && i < n; i++)
        if (!(sw[i] >= 0) || !isfinite(sw[i])) return TIDE_FAIL("%s: sample_weight must be finite and >= 0", op);
    for (int64_t k = 0; cw && k < n_classes; k++)
        if (!(cw[k] >= 0) || !isfinite(cw[k])) return TIDE_FAIL("%s: class weights must be finite and >= 0", op);

    svm_rows R = {X ? lm_f64(X) : NULL, Xs, d, fit_intercept ? intercept_scaling : 0.0};
    double *xsq = malloc((size_t)n * sizeof(double));
    if (!xsq) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    for (int64_t i = 0; i < n; i++) {
        double acc = R.bias * R.bias;
        if (R.X) {
            acc += lm_dot(R.X + i * d, R.X + i * d, d);
        } else {
            for (int64_t k = Xs->indptr[i]; k < Xs->indptr[i + 1]; k++) acc += Xs->data[k] * Xs->data[k];
        }
        xsq[i] = acc;
    }
    double *W = lm_f64(coef), *b = lm_f64(intercept);
    int64_t iters = 0;
    int failed = 0;
    int nth = m > 1 ? tide_threads_for(n * d * 4) : 1;
    if (nth > m) nth = (int)m;
#pragma omp parallel num_threads(nth) reduction(max : iters) reduction(| : failed)
    {
        double *w = malloc((size_t)(d + 1) * sizeof(double));
        double *Ci = malloc((size_t)n * sizeof(double));
        double *alpha = malloc((size_t)n * sizeof(double));
        int64_t *rows = malloc((size_t)n * sizeof(int64_t));
        int64_t *index = malloc((size_t)n * sizeof(int64_t));
        signed char *yi = malloc((size_t)n);
        if (!w || !Ci || !alpha || !rows || !index || !yi) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t k = 0; k < m; k++) {
            if (failed) continue;
            /* binary: class 1 is positive; one-vs-rest: class k against the others at plain C */
            int64_t pos = m == 1 ? 1 : k;
            double Cp = C * (cw ? cw[pos] : 1.0);
            int64_t l = 0;
            for (int64_t i = 0; i < n; i++) {
                bool p = yc[i] == pos;
                double ci = p ? Cp : (m == 1 ? C * (cw ? cw[0] : 1.0) : C);
                if (sw) ci *= sw[i];
                yi[i] = p ? 1 : -1;
                Ci[i] = ci;
                if (ci > 0 && (loss == TIDE_SVC_HINGE ? xsq[i] > 0 : true)) rows[l++] = i;
            }
            int64_t it = dual_cd(&R, rows, l, yi, Ci, xsq, loss, tol, max_iter, seed, (uint64_t)k, w, alpha, index);
            if (it > iters) iters = it;
            memcpy(W + k * d, w, (size_t)d * sizeof(double));
            b[k] = fit_intercept ? intercept_scaling * w[d] : 0.0;
        }
        free(w);
        free(Ci);
        free(alpha);
        free(rows);
        free(index);
        free(yi);
    }
    free(xsq);
    if (failed) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    *n_iter = iters;
    return 0;
}
