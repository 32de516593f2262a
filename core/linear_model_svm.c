/* linear_model_svm.c — LinearSVC: liblinear's dual coordinate descent for the L2-regularised
 * L1-loss (hinge) and L2-loss (squared hinge) SVM (Hsieh et al., ICML 2008), and its primal
 * coordinate descent for the L1-regularised squared hinge (Yuan et al., JMLR 2010), with
 * liblinear's shrinking, stopping rules and one-vs-rest; see tide/linear_model.h.
 *
 * One binary problem: rows x_i (dense [n, d] or CSR) augmented with the bias feature B
 * (intercept_scaling; absent without an intercept), labels y_i = +-1, weights w [d + 1]:
 *   dual  min_a 1/2 a^T Q a - sum a_i,  0 <= a_i <= U_i,  Q_ij = y_i y_j x_i.x_j + D_ii [i == j]
 * hinge: U_i = C_i, D_ii = 0;  squared hinge: U_i = inf, D_ii = 1 / (2 C_i);  w = sum a_i y_i x_i.
 * The L1 problem works on the columns (CSC, the bias as a last dense column):
 *   primal  min_w ||w||_1 + sum_i C_i max(0, b_i)^2,  b_i = 1 - y_i w . x_i
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

/* The columns of X for the L1 solver: CSC [d] (from dense X or CSR), the bias column implicit. */
typedef struct svm_cols {
    const int64_t *ptr;
    const int32_t *row;
    const double *val;
    int64_t n, d;
    double bias; /* 0: no bias column */
} svm_cols;

/* Visit the entries (row ind, value v = y_ind * x_ind,j) of column j (j == d: the bias column). */
#define FOR_COLUMN(X, yi, j, BODY)                                                                                     \
    do {                                                                                                               \
        if ((j) < (X)->d) {                                                                                            \
            for (int64_t k_ = (X)->ptr[j]; k_ < (X)->ptr[(j) + 1]; k_++) {                                             \
                int64_t ind = (X)->row[k_];                                                                            \
                double v = (X)->val[k_] * (yi)[ind];                                                                   \
                BODY                                                                                                   \
            }                                                                                                          \
        } else {                                                                                                       \
            for (int64_t ind = 0; ind < (X)->n; ind++) {                                                               \
                double v = (X)->bias * (yi)[ind];                                                                      \
                BODY                                                                                                   \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

/* One L1-regularised squared-hinge problem (liblinear's solve_l1r_l2_svc): w [wsize] out;
 * scratch b [n], xj_sq [wsize], index [wsize]. Returns the sweeps run. */
static int64_t primal_l1_cd(const svm_cols *X, const signed char *yi, const double *Ci, double eps, int64_t max_iter,
                            uint64_t seed, uint64_t stream, double *w, double *b, double *xj_sq, int64_t *index) {
    const int64_t wsize = X->d + (X->bias != 0 ? 1 : 0), n = X->n;
    const int max_linesearch = 20;
    const double sigma = 0.01;
    for (int64_t i = 0; i < n; i++) b[i] = 1;
    for (int64_t j = 0; j < wsize; j++) {
        w[j] = 0;
        index[j] = j;
        double acc = 0;
        FOR_COLUMN(X, yi, j, acc += Ci[ind] * v * v;);
        xj_sq[j] = acc;
    }
    double Gmax_old = INFINITY, Gnorm1_init = -1;
    int64_t active = wsize, it = 0;
    uint64_t draw = 0;
    while (it < max_iter) {
        double Gmax_new = 0, Gnorm1_new = 0;
        for (int64_t s = 0; s < active; s++) {
            int64_t j = s + lm_below(lm_rand(seed, stream, draw++), active - s);
            int64_t t = index[s];
            index[s] = index[j];
            index[j] = t;
        }
        for (int64_t s = 0; s < active; s++) {
            int64_t j = index[s];
            double G_loss = 0, H = 0;
            FOR_COLUMN(X, yi, j, if (b[ind] > 0) {
                double tmp = Ci[ind] * v;
                G_loss -= tmp * b[ind];
                H += tmp * v;
            });
            G_loss *= 2;
            double G = G_loss;
            H *= 2;
            if (H < 1e-12) H = 1e-12;
            double Gp = G + 1, Gn = G - 1, violation = 0;
            if (w[j] == 0) {
                if (Gp < 0) {
                    violation = -Gp;
                } else if (Gn > 0) {
                    violation = Gn;
                } else if (Gp > Gmax_old / (double)n && Gn < -Gmax_old / (double)n) { /* shrink */
                    active--;
                    index[s] = index[active];
                    index[active] = j;
                    s--;
                    continue;
                }
            } else {
                violation = w[j] > 0 ? fabs(Gp) : fabs(Gn);
            }
            if (violation > Gmax_new) Gmax_new = violation;
            Gnorm1_new += violation;
            double d; /* the Newton direction of the one-variable problem */
            if (Gp < H * w[j])
                d = -Gp / H;
            else if (Gn > H * w[j])
                d = -Gn / H;
            else
                d = -w[j];
            if (fabs(d) < 1.0e-12) continue;
            double delta = fabs(w[j] + d) - fabs(w[j]) + G * d, d_old = 0, loss_old = 0, loss_new;
            int ls = 0;
            for (; ls < max_linesearch; ls++) { /* backtracking: b tracks w_j + d */
                double d_diff = d_old - d;
                double cond = fabs(w[j] + d) - fabs(w[j]) - sigma * delta;
                double appxcond = xj_sq[j] * d * d + G_loss * d + cond;
                if (appxcond <= 0) {
                    FOR_COLUMN(X, yi, j, b[ind] += d_diff * v;);
                    break;
                }
                loss_new = 0;
                if (ls == 0) {
                    FOR_COLUMN(X, yi, j, {
                        if (b[ind] > 0) loss_old += Ci[ind] * b[ind] * b[ind];
                        double bn = b[ind] + d_diff * v;
                        b[ind] = bn;
                        if (bn > 0) loss_new += Ci[ind] * bn * bn;
                    });
                } else {
                    FOR_COLUMN(X, yi, j, {
                        double bn = b[ind] + d_diff * v;
                        b[ind] = bn;
                        if (bn > 0) loss_new += Ci[ind] * bn * bn;
                    });
                }
                cond = cond + loss_new - loss_old;
                if (cond <= 0) break;
                d_old = d;
                d *= 0.5;
                delta *= 0.5;
            }
            w[j] += d;
            if (ls >= max_linesearch) { /* too many halvings: rebuild b from w */
                for (int64_t i = 0; i < n; i++) b[i] = 1;
                for (int64_t q = 0; q < wsize; q++) {
                    if (w[q] == 0) continue;
                    double wq = w[q];
                    FOR_COLUMN(X, yi, q, b[ind] -= wq * v;);
                }
            }
        }
        if (it == 0) Gnorm1_init = Gnorm1_new;
        it++;
        if (Gnorm1_new <= eps * Gnorm1_init) {
            if (active == wsize) break;
            active = wsize; /* converged on the active set: check every coordinate once more */
            Gmax_old = INFINITY;
            continue;
        }
        Gmax_old = Gmax_new;
    }
    return it;
}

/* CSC arrays of X [n, d] (dense: its nonzero cells). ptr [d + 1], row / val [nnz]; NULL on OOM. */
static int build_columns(const tide_tensor *X, const tide_csr *Xs, int64_t n, int64_t d, int64_t **ptr,
                         int32_t **row, double **val) {
    int64_t nnz = Xs ? Xs->nnz : tide_csr_count_dense(X);
    *ptr = malloc((size_t)(d + 1) * sizeof(int64_t));
    *row = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(int32_t));
    *val = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(double));
    if (!*ptr || !*row || !*val) return tide_fail(TIDE_ENOMEM, "LinearSVC.fit: out of memory");
    if (Xs) return tide_csr_transpose(Xs, *ptr, *row, *val);
    const double *x = lm_f64(X);
    int64_t *p = *ptr;
    memset(p, 0, (size_t)(d + 1) * sizeof(int64_t));
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++)
            if (x[i * d + j] != 0) p[j + 1]++;
    for (int64_t j = 0; j < d; j++) p[j + 1] += p[j];
    int64_t *fill = malloc((size_t)(d > 0 ? d : 1) * sizeof(int64_t));
    if (!fill) return tide_fail(TIDE_ENOMEM, "LinearSVC.fit: out of memory");
    memcpy(fill, p, (size_t)d * sizeof(int64_t));
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++) {
            double v = x[i * d + j];
            if (v != 0) {
                (*row)[fill[j]] = (int32_t)i;
                (*val)[fill[j]++] = v;
            }
        }
    free(fill);
    return 0;
}

int tide_linear_svc_fit(const tide_tensor *X, const tide_csr *Xs, const tide_tensor *y,
                        const tide_tensor *sample_weight, const tide_tensor *class_weight, tide_tensor *coef,
                        tide_tensor *intercept, int64_t *n_iter, int64_t n_classes, double C, int loss, int penalty,
                        double tol, int64_t max_iter, int fit_intercept, double intercept_scaling, uint64_t seed) {
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
    if (penalty != TIDE_SVC_L2 && penalty != TIDE_SVC_L1) return TIDE_FAIL("%s: unknown penalty %d", op, penalty);
    if (penalty == TIDE_SVC_L1 && loss != TIDE_SVC_SQUARED_HINGE)
        return TIDE_FAIL("%s: the L1 penalty goes with the squared hinge loss only", op);
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
    svm_cols cols = {NULL, NULL, NULL, n, d, R.bias};
    int64_t *cptr = NULL;
    int32_t *crow = NULL;
    double *cval = NULL;
    if (penalty == TIDE_SVC_L1 && build_columns(X, Xs, n, d, &cptr, &crow, &cval) != 0) {
        free(xsq);
        free(cptr);
        free(crow);
        free(cval);
        return -1;
    }
    cols.ptr = cptr;
    cols.row = crow;
    cols.val = cval;
    double *W = lm_f64(coef), *b = lm_f64(intercept);
    int64_t iters = 0, nidx = n > d + 1 ? n : d + 1;
    int failed = 0;
    int nth = m > 1 ? tide_threads_for(n * d * 4) : 1;
    if (nth > m) nth = (int)m;
#pragma omp parallel num_threads(nth) reduction(max : iters) reduction(| : failed)
    {
        double *w = malloc((size_t)(d + 1) * sizeof(double));
        double *Ci = malloc((size_t)n * sizeof(double));
        double *alpha = malloc((size_t)n * sizeof(double));
        int64_t *rows = malloc((size_t)n * sizeof(int64_t));
        int64_t *index = malloc((size_t)nidx * sizeof(int64_t));
        signed char *yi = malloc((size_t)n);
        double *xj_sq = penalty == TIDE_SVC_L1 ? malloc((size_t)(d + 1) * sizeof(double)) : NULL;
        if (!w || !Ci || !alpha || !rows || !index || !yi || (penalty == TIDE_SVC_L1 && !xj_sq)) failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t k = 0; k < m; k++) {
            if (failed) continue;
            /* binary: class 1 is positive; one-vs-rest: class k against the others at plain C */
            int64_t pos = m == 1 ? 1 : k;
            double Cp = C * (cw ? cw[pos] : 1.0);
            int64_t l = 0, npos = 0;
            for (int64_t i = 0; i < n; i++) {
                bool p = yc[i] == pos;
                double ci = p ? Cp : (m == 1 ? C * (cw ? cw[0] : 1.0) : C);
                if (sw) ci *= sw[i];
                yi[i] = p ? 1 : -1;
                npos += p;
                Ci[i] = ci;
                if (ci > 0 && (loss == TIDE_SVC_HINGE ? xsq[i] > 0 : true)) rows[l++] = i;
            }
            int64_t it;
            if (penalty == TIDE_SVC_L1) { /* liblinear's primal tolerance: eps * max(min(#pos, #neg), 1) / n */
                int64_t few = npos < n - npos ? npos : n - npos;
                double eps = tol * (double)(few > 1 ? few : 1) / (double)n;
                it = primal_l1_cd(&cols, yi, Ci, eps, max_iter, seed, (uint64_t)k, w, alpha, xj_sq, index);
            } else {
                it = dual_cd(&R, rows, l, yi, Ci, xsq, loss, tol, max_iter, seed, (uint64_t)k, w, alpha, index);
            }
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
        free(xj_sq);
    }
    free(xsq);
    free(cptr);
    free(crow);
    free(cval);
    if (failed) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    *n_iter = iters;
    return 0;
}
