/* linear_model.c — least squares, ridge and the elastic net (scikit-learn 1.2's LinearRegression,
 * Ridge, Lasso and ElasticNet), dense and CSR; see tide/linear_model.h for the contracts.
 *
 * Dense fits work on A [n, d] stored column-major (column j contiguous, as LAPACK and the
 * coordinate descent want it): A[:, j] = sqrt(w) * (X[:, j] - mean_j), b = sqrt(w) * (y - mean_y).
 * CSR fits never centre X: the offsets are applied inside the products (conjugate gradients) or
 * folded into scalars (coordinate descent), so the zeros stay implicit.
 */
#include "linear_model_internal.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK (OpenBLAS exports the Fortran symbols). The trailing size_t is gfortran's hidden
 * length of the character argument; OpenBLAS's C implementations ignore it. */
void dgelsd_(const int *m, const int *n, const int *nrhs, double *a, const int *lda, double *b, const int *ldb,
             double *s, const double *rcond, int *rank, double *work, const int *lwork, int *iwork, int *info);
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda, double *b, const int *ldb,
            int *info, size_t uplo_len);

/* ---------------------------------------------------------------- argument checks */

int lm_check_vec(const char *op, const char *what, const tide_tensor *t, int dtype, int64_t numel, bool optional) {
    if (!t) return optional ? 0 : TIDE_FAIL("%s: %s is NULL", op, what);
    if (t->dtype != dtype) return TIDE_FAIL("%s: %s must be %s", op, what, dtype == TIDE_INT64 ? "int64" : "float64");
    if (t->numel != numel)
        return TIDE_FAIL("%s: %s has %lld elements, expected %lld", op, what, (long long)t->numel, (long long)numel);
    if (!tide_tensor_is_contiguous(t)) return TIDE_FAIL("%s: %s must be contiguous", op, what);
    return 0;
}

int lm_check_X(const char *op, const tide_tensor *X, const tide_csr *Xs, int64_t *n, int64_t *d) {
    if ((X == NULL) == (Xs == NULL)) return TIDE_FAIL("%s: pass exactly one of a dense X and a CSR X", op);
    if (X) {
        if (X->ndim != 2) return TIDE_FAIL("%s: X must be 2-d [n, d], got %d dims", op, X->ndim);
        if (X->dtype != TIDE_FLOAT64) return TIDE_FAIL("%s: X must be float64", op);
        if (!tide_tensor_is_contiguous(X)) return TIDE_FAIL("%s: X must be contiguous", op);
        *n = X->shape[0];
        *d = X->shape[1];
    } else {
        if (tide_csr_check(Xs, op) != 0) return -1;
        *n = Xs->rows;
        *d = Xs->cols;
    }
    if (*n < 1 || *d < 1) return TIDE_FAIL("%s: X is empty ([%lld, %lld])", op, (long long)*n, (long long)*d);
    if (*n > INT_MAX || *d > INT_MAX) return TIDE_FAIL("%s: X exceeds LAPACK's 32-bit dims", op);
    return 0;
}

/* The checks every regression fit shares: X, y [n], weights [n] or NULL, coef [d]. */
static int check_regression(const char *op, const tide_tensor *X, const tide_csr *Xs, const tide_tensor *y,
                            const tide_tensor *sw, const tide_tensor *coef, int64_t *n, int64_t *d) {
    if (lm_check_X(op, X, Xs, n, d) != 0) return -1;
    if (lm_check_vec(op, "y", y, TIDE_FLOAT64, *n, false) != 0) return -1;
    if (lm_check_vec(op, "sample_weight", sw, TIDE_FLOAT64, *n, true) != 0) return -1;
    if (lm_check_vec(op, "coef", coef, TIDE_FLOAT64, *d, false) != 0) return -1;
    if (sw) {
        const double *w = lm_f64(sw);
        double total = 0;
        for (int64_t i = 0; i < *n; i++) {
            if (!(w[i] >= 0) || !isfinite(w[i])) return TIDE_FAIL("%s: sample_weight must be finite and >= 0", op);
            total += w[i];
        }
        if (!(total > 0)) return TIDE_FAIL("%s: sample_weight sums to zero", op);
    }
    return 0;
}

static int nomem(const char *op) { return tide_fail(TIDE_ENOMEM, "%s: out of memory", op); }

/* ---------------------------------------------------------------- centring */

/* Weighted column means of X (dense or CSR) and of y: xoff [d], *yoff. sw NULL = ones. */
static void weighted_means(const double *X, const tide_csr *Xs, const double *y, const double *sw, int64_t n,
                           int64_t d, double *xoff, double *yoff) {
    double total = 0, ys = 0;
    for (int64_t i = 0; i < n; i++) {
        double wi = sw ? sw[i] : 1.0;
        total += wi;
        ys += wi * y[i];
    }
    *yoff = ys / total;
    memset(xoff, 0, (size_t)d * sizeof(double));
    for (int64_t i = 0; i < n; i++) {
        double wi = sw ? sw[i] : 1.0;
        if (wi == 0) continue;
        if (X) {
            const double *row = X + i * d;
            for (int64_t j = 0; j < d; j++) xoff[j] += wi * row[j];
        } else {
            for (int64_t k = Xs->indptr[i]; k < Xs->indptr[i + 1]; k++) xoff[Xs->indices[k]] += wi * Xs->data[k];
        }
    }
    for (int64_t j = 0; j < d; j++) xoff[j] /= total;
}

/* A (column-major [n, d]) = s * (X - xoff), b = s * (y - yoff); s = sqrt(sw) or ones. */
static void centred_columns(const double *X, const double *y, const double *s, const double *xoff, double yoff,
                            int64_t n, int64_t d, double *A, double *b) {
    for (int64_t i = 0; i < n; i++) b[i] = (s ? s[i] : 1.0) * (y[i] - yoff);
    int nth = tide_threads_for(n * d);
    const int64_t RB = 64; /* row block: a tile of X rows stays in cache while its columns scatter */
#pragma omp parallel for num_threads(nth) schedule(static)
    for (int64_t i0 = 0; i0 < n; i0 += RB) {
        int64_t i1 = i0 + RB < n ? i0 + RB : n;
        for (int64_t j = 0; j < d; j++) {
            double *col = A + j * n;
            double off = xoff[j];
            for (int64_t i = i0; i < i1; i++) col[i] = (s ? s[i] : 1.0) * (X[i * d + j] - off);
        }
    }
}

/* The preparation every fit does: (weighted) means, sqrt weights. On return s is NULL when sw is
 * NULL; xoff is zeros and *yoff 0 without an intercept. scale_to_n rescales the weights to sum
 * to n first (the elastic net's convention). s and xoff are malloc'd by the caller. */
static void prepare(const double *X, const tide_csr *Xs, const double *y, const double *sw_in, int64_t n, int64_t d,
                    int fit_intercept, bool scale_to_n, double *sw_buf, double **s, double *xoff, double *yoff) {
    const double *sw = NULL;
    if (sw_in) {
        double total = 0;
        for (int64_t i = 0; i < n; i++) total += sw_in[i];
        double f = scale_to_n ? (double)n / total : 1.0;
        for (int64_t i = 0; i < n; i++) sw_buf[i] = sw_in[i] * f;
        sw = sw_buf;
    }
    if (fit_intercept) {
        weighted_means(X, Xs, y, sw, n, d, xoff, yoff);
    } else {
        memset(xoff, 0, (size_t)d * sizeof(double));
        *yoff = 0;
    }
    if (sw) {
        for (int64_t i = 0; i < n; i++) sw_buf[i] = sqrt(sw_buf[i]);
        *s = sw_buf;
    } else {
        *s = NULL;
    }
}

static double intercept_of(int fit_intercept, const double *xoff, double yoff, const double *w, int64_t d) {
    return fit_intercept ? yoff - lm_dot(xoff, w, d) : 0.0;
}

/* ---------------------------------------------------------------- LAPACK drivers */

/* Minimum-norm least squares: A column-major [m, k] (destroyed), rhs [max(m, k)] -> x in rhs[0..k).
 * sv [min(m, k)] or NULL; *rank. */
static int gelsd(const char *op, double *A, int64_t m, int64_t k, double *rhs, double *sv, int64_t *rank) {
    int im = (int)m, ik = (int)k, one = 1, lda = im, ldb = (int)(m > k ? m : k), info = 0, r = 0, lwork = -1;
    int64_t mn = m < k ? m : k;
    double rcond = 2.220446049250313e-16; /* scipy.linalg.lstsq's default cond: float64 eps */
    double wq = 0;
    int iwq = 0;
    double *s = malloc((size_t)mn * sizeof(double));
    if (!s) return nomem(op);
    dgelsd_(&im, &ik, &one, A, &lda, rhs, &ldb, s, &rcond, &r, &wq, &lwork, &iwq, &info);
    lwork = (int)wq + 1;
    double *work = malloc((size_t)lwork * sizeof(double));
    /* LAPACK >= 3.2 reports the integer workspace in the query; the margin covers older ones */
    int *iwork = malloc(((size_t)(iwq > 1 ? iwq : 1) + (size_t)(8 * mn + 64)) * sizeof(int));
    if (!work || !iwork) {
        free(s);
        free(work);
        free(iwork);
        return nomem(op);
    }
    dgelsd_(&im, &ik, &one, A, &lda, rhs, &ldb, s, &rcond, &r, work, &lwork, iwork, &info);
    free(work);
    free(iwork);
    if (sv) memcpy(sv, s, (size_t)mn * sizeof(double));
    free(s);
    if (info != 0) return TIDE_FAIL("%s: the SVD did not converge (dgelsd info %d)", op, info);
    if (rank) *rank = r;
    return 0;
}

/* Solve the symmetric positive definite G [k, k] (upper triangle used; destroyed) x = rhs [k]
 * in place. Returns 1 when G is not numerically positive definite (rhs then undefined). */
static int posv(double *G, int64_t k, double *rhs) {
    int ik = (int)k, one = 1, info = 0;
    dposv_("U", &ik, &one, G, &ik, rhs, &ik, &info, 1);
    return info != 0;
}

/* ---------------------------------------------------------------- LinearRegression (dense) */

int tide_linear_lstsq_fit(const tide_tensor *X, const tide_tensor *y, const tide_tensor *sample_weight,
                          tide_tensor *coef, tide_tensor *singular, double *intercept, int64_t *rank,
                          int fit_intercept) {
    const char *op = "LinearRegression.fit";
    int64_t n, d;
    if (!X) return TIDE_FAIL("%s: X is NULL (this solver takes dense X)", op);
    if (check_regression(op, X, NULL, y, sample_weight, coef, &n, &d) != 0) return -1;
    int64_t mn = n < d ? n : d;
    if (lm_check_vec(op, "singular", singular, TIDE_FLOAT64, mn, true) != 0) return -1;
    if (!intercept) return TIDE_FAIL("%s: intercept is NULL", op);
    int64_t ldb = n > d ? n : d;
    double *A = malloc((size_t)(n * d) * sizeof(double));
    double *b = malloc((size_t)ldb * sizeof(double));
    double *xoff = malloc((size_t)d * sizeof(double));
    double *swb = sample_weight ? malloc((size_t)n * sizeof(double)) : NULL;
    int status = 0;
    if (!A || !b || !xoff || (sample_weight && !swb)) {
        status = nomem(op);
        goto done;
    }
    double yoff, *s;
    prepare(lm_f64(X), NULL, lm_f64(y), lm_f64(sample_weight), n, d, fit_intercept, false, swb, &s, xoff, &yoff);
    centred_columns(lm_f64(X), lm_f64(y), s, xoff, yoff, n, d, A, b);
    int64_t r = 0;
    status = gelsd(op, A, n, d, b, lm_f64(singular), &r);
    if (status == 0) {
        memcpy(lm_f64(coef), b, (size_t)d * sizeof(double));
        *intercept = intercept_of(fit_intercept, xoff, yoff, b, d);
        if (rank) *rank = r;
    }
done:
    free(A);
    free(b);
    free(xoff);
    free(swb);
    return status;
}

/* ---------------------------------------------------------------- non-negative least squares */

/* Lawson-Hanson active set on the Gram matrix: min ||A w - b|| subject to w >= 0, with
 * G = A^T A [d, d] (full, column-major) and Atb = A^T b [d]. w [d] out; scratch: Gs [d * d],
 * rhs [d], s [d], idx [d] (int64), passive [d] (char). Returns 0, or 1 out of iterations. */
static int nnls_gram(const double *G, const double *Atb, int64_t d, double *w, double *Gs, double *rhs, double *s,
                     int64_t *idx, char *passive) {
    if (d <= 0) return 0;
    double gmax = 0;
    for (int64_t j = 0; j < d; j++) gmax = fmax(gmax, fabs(Atb[j]));
    const double tol = 1e-12 * (gmax > 1 ? gmax : 1);
    memset(w, 0, (size_t)d * sizeof(double));
    memset(passive, 0, (size_t)d);
    for (int64_t outer = 0; outer < 3 * d + 10; outer++) {
        /* the most violated coordinate of the gradient A^T (b - A w) among the zeros */
        int64_t best = -1;
        double gbest = tol;
        for (int64_t j = 0; j < d; j++) {
            if (passive[j]) continue;
            double g = Atb[j];
            for (int64_t k = 0; k < d; k++) g -= G[j * d + k] * w[k];
            if (g > gbest) {
                gbest = g;
                best = j;
            }
        }
        if (best < 0) return 0;
        passive[best] = 1;
        for (int inner = 0; inner < 3 * d + 10; inner++) {
            /* unconstrained least squares on the passive set: G_PP s_P = Atb_P */
            int64_t p = 0;
            for (int64_t j = 0; j < d; j++)
                if (passive[j]) idx[p++] = j;
            for (int64_t a = 0; a < p; a++) {
                rhs[a] = Atb[idx[a]];
                for (int64_t c = 0; c < p; c++) Gs[a * p + c] = G[idx[a] * d + idx[c]];
            }
            if (posv(Gs, p, rhs)) { /* collinear passive columns: drop the newest one */
                passive[best] = 0;
                return 0;
            }
            memset(s, 0, (size_t)d * sizeof(double));
            bool feasible = true;
            for (int64_t a = 0; a < p; a++) {
                s[idx[a]] = rhs[a];
                if (rhs[a] <= 0) feasible = false;
            }
            if (feasible) {
                memcpy(w, s, (size_t)d * sizeof(double));
                break;
            }
            /* step from w toward s until the first passive coordinate reaches zero */
            double step = 1;
            for (int64_t a = 0; a < p; a++) {
                int64_t j = idx[a];
                if (s[j] <= 0) step = fmin(step, w[j] / (w[j] - s[j]));
            }
            for (int64_t j = 0; j < d; j++) {
                w[j] += step * (s[j] - w[j]);
                if (passive[j] && w[j] <= tol) {
                    passive[j] = 0;
                    w[j] = 0;
                }
            }
        }
    }
    return 1;
}

int tide_linear_nnls_fit(const tide_tensor *X, const tide_tensor *y, const tide_tensor *sample_weight,
                         tide_tensor *coef, double *intercept, int fit_intercept) {
    const char *op = "LinearRegression.fit";
    int64_t n, d;
    if (!X) return TIDE_FAIL("%s: positive=true takes dense X only", op);
    if (check_regression(op, X, NULL, y, sample_weight, coef, &n, &d) != 0) return -1;
    if (!intercept) return TIDE_FAIL("%s: intercept is NULL", op);
    double *A = malloc((size_t)(n * d) * sizeof(double));
    double *b = malloc((size_t)n * sizeof(double));
    double *xoff = malloc((size_t)d * sizeof(double));
    double *G = malloc((size_t)(2 * d * d) * sizeof(double));
    double *vec = malloc((size_t)(3 * d) * sizeof(double));
    int64_t *idx = malloc((size_t)d * sizeof(int64_t));
    char *passive = malloc((size_t)d);
    double *swb = sample_weight ? malloc((size_t)n * sizeof(double)) : NULL;
    int status = 0;
    if (!A || !b || !xoff || !G || !vec || !idx || !passive || (sample_weight && !swb)) {
        status = nomem(op);
        goto done;
    }
    double yoff, *s;
    prepare(lm_f64(X), NULL, lm_f64(y), lm_f64(sample_weight), n, d, fit_intercept, false, swb, &s, xoff, &yoff);
    centred_columns(lm_f64(X), lm_f64(y), s, xoff, yoff, n, d, A, b);
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0, A, (int)n, 0.0, G, (int)d);
    for (int64_t j = 0; j < d; j++) /* mirror the upper triangle */
        for (int64_t i = j + 1; i < d; i++) G[j * d + i] = G[i * d + j];
    double *Atb = vec, *w = lm_f64(coef);
    cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)d, 1.0, A, (int)n, b, 1, 0.0, Atb, 1);
    if (nnls_gram(G, Atb, d, w, G + d * d, vec + d, vec + 2 * d, idx, passive) != 0) {
        status = TIDE_FAIL("%s: non-negative least squares did not converge", op);
        goto done;
    }
    *intercept = intercept_of(fit_intercept, xoff, yoff, w, d);
done:
    free(A);
    free(b);
    free(xoff);
    free(G);
    free(vec);
    free(idx);
    free(passive);
    free(swb);
    return status;
}

/* ---------------------------------------------------------------- conjugate gradients */

/* The centred, weighted data as an operator: M = diag(s) (X - 1 mu^T), X dense (row-major) or CSR
 * with its transpose T (CSC of X). */
typedef struct lin_op {
    const double *X;
    const tide_csr *S, *T;
    const double *s, *mu;
    int64_t n, d;
    double *tmp; /* [n] */
} lin_op;

/* out [n] = M u, u [d] */
static void op_mv(const lin_op *o, const double *u, double *out) {
    int64_t n = o->n, d = o->d;
    if (o->X) {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)d, 1.0, o->X, (int)d, u, 1, 0.0, out, 1);
    } else {
        const tide_csr *S = o->S;
#pragma omp parallel for num_threads(tide_threads_for(S->nnz + n)) schedule(static)
        for (int64_t i = 0; i < n; i++) {
            double acc = 0;
            for (int64_t k = S->indptr[i]; k < S->indptr[i + 1]; k++) acc += S->data[k] * u[S->indices[k]];
            out[i] = acc;
        }
    }
    double m = lm_dot(o->mu, u, d);
    for (int64_t i = 0; i < n; i++) out[i] = (o->s ? o->s[i] : 1.0) * (out[i] - m);
}

/* out [d] = M^T v, v [n] */
static void op_rmv(const lin_op *o, const double *v, double *out) {
    int64_t n = o->n, d = o->d;
    const double *t = v;
    double tsum = 0;
    if (o->s) {
        for (int64_t i = 0; i < n; i++) o->tmp[i] = o->s[i] * v[i];
        t = o->tmp;
    }
    for (int64_t i = 0; i < n; i++) tsum += t[i];
    if (o->X) {
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)d, 1.0, o->X, (int)d, t, 1, 0.0, out, 1);
    } else {
        const tide_csr *T = o->T;
#pragma omp parallel for num_threads(tide_threads_for(T->nnz + d)) schedule(static)
        for (int64_t j = 0; j < d; j++) {
            double acc = 0;
            for (int64_t k = T->indptr[j]; k < T->indptr[j + 1]; k++) acc += T->data[k] * t[T->indices[k]];
            out[j] = acc;
        }
    }
    for (int64_t j = 0; j < d; j++) out[j] -= o->mu[j] * tsum;
}

/* x [d] solving (M^T M + alpha I) x = M^T b (primal, d <= n) or x = M^T a with
 * (M M^T + alpha I) a = b (dual). Returns the steps taken, or -1 out of memory. */
static int64_t ridge_cg(const lin_op *o, const double *b, double alpha, double tol, int64_t max_iter, double *x) {
    int64_t n = o->n, d = o->d;
    bool dual = d > n;
    int64_t k = dual ? n : d;
    if (max_iter <= 0) max_iter = 10 * k;
    double *z = malloc((size_t)(4 * k + n + d) * sizeof(double));
    if (!z) return -1;
    double *r = z, *p = z + k, *q = z + 2 * k, *sol = z + 3 * k, *mid = z + 4 * k; /* mid: [n + d] */
    if (dual)
        memcpy(r, b, (size_t)n * sizeof(double));
    else
        op_rmv(o, b, r);
    memset(sol, 0, (size_t)k * sizeof(double));
    memcpy(p, r, (size_t)k * sizeof(double));
    double rr = lm_dot(r, r, k), bnorm = sqrt(rr);
    int64_t it = 0;
    while (bnorm > 0 && sqrt(rr) > tol * bnorm && it < max_iter) {
        if (dual) { /* q = M M^T p + alpha p */
            op_rmv(o, p, mid);
            op_mv(o, mid, q);
        } else { /* q = M^T M p + alpha p */
            op_mv(o, p, mid);
            op_rmv(o, mid, q);
        }
        lm_axpy(alpha, p, q, k);
        double pq = lm_dot(p, q, k);
        if (!(pq > 0)) break; /* converged to round-off, or a singular system */
        double a = rr / pq;
        lm_axpy(a, p, sol, k);
        lm_axpy(-a, q, r, k);
        double rr_new = lm_dot(r, r, k);
        it++;
        double beta = rr_new / rr;
        rr = rr_new;
        for (int64_t i = 0; i < k; i++) p[i] = r[i] + beta * p[i];
    }
    if (dual)
        op_rmv(o, sol, x);
    else
        memcpy(x, sol, (size_t)d * sizeof(double));
    free(z);
    return it;
}

/* ---------------------------------------------------------------- Ridge */

/* The dense direct solvers on A (column-major [n, d]) and b; coef [d]. */
static int ridge_direct(const char *op, double *A, double *b, int64_t n, int64_t d, double alpha, int solver,
                        double *coef) {
    if (solver == TIDE_RIDGE_CHOLESKY) {
        bool dual = d > n;
        int64_t k = dual ? n : d;
        double *G = malloc((size_t)(k * k) * sizeof(double));
        double *rhs = malloc((size_t)k * sizeof(double));
        if (!G || !rhs) {
            free(G);
            free(rhs);
            return nomem(op);
        }
        /* G = A^T A (primal) or A A^T (dual), upper triangle, column-major */
        cblas_dsyrk(CblasColMajor, CblasUpper, dual ? CblasNoTrans : CblasTrans, (int)k, (int)(dual ? d : n), 1.0, A,
                    (int)n, 0.0, G, (int)k);
        for (int64_t i = 0; i < k; i++) G[i * k + i] += alpha;
        if (dual)
            memcpy(rhs, b, (size_t)n * sizeof(double));
        else
            cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)d, 1.0, A, (int)n, b, 1, 0.0, rhs, 1);
        int singular = posv(G, k, rhs);
        if (!singular) {
            if (dual)
                cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)d, 1.0, A, (int)n, rhs, 1, 0.0, coef, 1);
            else
                memcpy(coef, rhs, (size_t)d * sizeof(double));
        }
        free(G);
        free(rhs);
        if (!singular) return 0;
        /* not positive definite: least squares instead, as scikit-learn falls back to its SVD */
    }
    /* [A; sqrt(alpha) I] coef = [b; 0] in the least-squares sense */
    int64_t m = n + d;
    double *Aug = malloc((size_t)(m * d) * sizeof(double));
    double *rhs = malloc((size_t)m * sizeof(double));
    if (!Aug || !rhs) {
        free(Aug);
        free(rhs);
        return nomem(op);
    }
    double ra = sqrt(alpha);
    for (int64_t j = 0; j < d; j++) {
        memcpy(Aug + j * m, A + j * n, (size_t)n * sizeof(double));
        memset(Aug + j * m + n, 0, (size_t)d * sizeof(double));
        Aug[j * m + n + j] = ra;
    }
    memcpy(rhs, b, (size_t)n * sizeof(double));
    memset(rhs + n, 0, (size_t)d * sizeof(double));
    int status = gelsd(op, Aug, m, d, rhs, NULL, NULL);
    if (status == 0) memcpy(coef, rhs, (size_t)d * sizeof(double));
    free(Aug);
    free(rhs);
    return status;
}

int tide_ridge_fit(const tide_tensor *X, const tide_csr *Xs, const tide_tensor *y, const tide_tensor *sample_weight,
                   tide_tensor *coef, double *intercept, int64_t *n_iter, double alpha, int fit_intercept, int solver,
                   double tol, int64_t max_iter) {
    const char *op = "Ridge.fit";
    int64_t n, d;
    if (check_regression(op, X, Xs, y, sample_weight, coef, &n, &d) != 0) return -1;
    if (!(alpha >= 0) || !isfinite(alpha)) return TIDE_FAIL("%s: alpha must be finite and >= 0, got %g", op, alpha);
    if (solver != TIDE_RIDGE_CHOLESKY && solver != TIDE_RIDGE_LSTSQ && solver != TIDE_RIDGE_CG)
        return TIDE_FAIL("%s: unknown solver %d", op, solver);
    if (Xs && solver != TIDE_RIDGE_CG) return TIDE_FAIL("%s: CSR input needs the conjugate-gradient solver", op);
    if (!(tol >= 0)) return TIDE_FAIL("%s: tol must be >= 0, got %g", op, tol);
    if (!intercept) return TIDE_FAIL("%s: intercept is NULL", op);
    double *xoff = malloc((size_t)d * sizeof(double));
    double *swb = sample_weight ? malloc((size_t)n * sizeof(double)) : NULL;
    double *A = NULL, *b = NULL, *tmp = NULL;
    tide_csr T = {0};
    int64_t *tp = NULL;
    int32_t *ti = NULL;
    double *tv = NULL;
    int status = 0;
    if (!xoff || (sample_weight && !swb)) {
        status = nomem(op);
        goto done;
    }
    double yoff, *s;
    const double *Xd = X ? lm_f64(X) : NULL;
    prepare(Xd, Xs, lm_f64(y), lm_f64(sample_weight), n, d, fit_intercept, false, swb, &s, xoff, &yoff);
    double *w = lm_f64(coef);
    int64_t iters = 0;
    if (solver == TIDE_RIDGE_CG) {
        b = malloc((size_t)n * sizeof(double));
        tmp = malloc((size_t)n * sizeof(double));
        if (!b || !tmp) {
            status = nomem(op);
            goto done;
        }
        const double *yv = lm_f64(y);
        for (int64_t i = 0; i < n; i++) b[i] = (s ? s[i] : 1.0) * (yv[i] - yoff);
        if (Xs) {
            tp = malloc((size_t)(d + 1) * sizeof(int64_t));
            ti = malloc((size_t)(Xs->nnz > 0 ? Xs->nnz : 1) * sizeof(int32_t));
            tv = malloc((size_t)(Xs->nnz > 0 ? Xs->nnz : 1) * sizeof(double));
            if (!tp || !ti || !tv) {
                status = nomem(op);
                goto done;
            }
            if (tide_csr_transpose(Xs, tp, ti, tv) != 0) {
                status = -1;
                goto done;
            }
            T = (tide_csr){d, n, Xs->nnz, tp, ti, tv};
        }
        lin_op o = {Xd, Xs, Xs ? &T : NULL, s, xoff, n, d, tmp};
        iters = ridge_cg(&o, b, alpha, tol, max_iter, w);
        if (iters < 0) {
            status = nomem(op);
            goto done;
        }
    } else {
        A = malloc((size_t)(n * d) * sizeof(double));
        b = malloc((size_t)(n > d ? n : d) * sizeof(double));
        if (!A || !b) {
            status = nomem(op);
            goto done;
        }
        centred_columns(Xd, lm_f64(y), s, xoff, yoff, n, d, A, b);
        status = ridge_direct(op, A, b, n, d, alpha, solver, w);
        if (status != 0) goto done;
    }
    *intercept = intercept_of(fit_intercept, xoff, yoff, w, d);
    if (n_iter) *n_iter = iters;
done:
    free(xoff);
    free(swb);
    free(A);
    free(b);
    free(tmp);
    free(tp);
    free(ti);
    free(tv);
    return status;
}

/* ---------------------------------------------------------------- elastic net */

/* The duality gap of the elastic net at w, given the residual R = b - A w and XtA = A^T R [d]
 * (overwritten). scikit-learn's cd_fast formula; l1 / l2 are the scaled penalties. */
static double enet_gap(const double *R, const double *b, const double *w, double *XtA, int64_t n, int64_t d, double l1,
                       double l2, int positive) {
    double dual_norm = 0;
    for (int64_t j = 0; j < d; j++) {
        XtA[j] -= l2 * w[j];
        double v = positive ? XtA[j] : fabs(XtA[j]);
        if (j == 0 || v > dual_norm) dual_norm = v;
    }
    double R_norm2 = lm_dot(R, R, n), w_norm2 = lm_dot(w, w, d), l1_norm = 0, gap, cst;
    for (int64_t j = 0; j < d; j++) l1_norm += fabs(w[j]);
    if (dual_norm > l1) {
        cst = l1 / dual_norm;
        gap = 0.5 * (R_norm2 + R_norm2 * cst * cst);
    } else {
        cst = 1.0;
        gap = R_norm2;
    }
    return gap + l1 * l1_norm - cst * lm_dot(R, b, n) + 0.5 * l2 * (1 + cst * cst) * w_norm2;
}

static inline double soft_update(double tmp, double l1, double denom, int positive) {
    if (positive && tmp < 0) return 0.0;
    double m = fabs(tmp) - l1;
    if (m <= 0) return 0.0;
    return (tmp > 0 ? m : -m) / denom;
}

typedef struct enet_opts {
    double l1, l2, tol;
    int64_t max_iter;
    int positive, random;
    uint64_t seed;
} enet_opts;

/* Dense coordinate descent: A column-major [n, d], b [n], w [d] in/out. Scratch R [n],
 * norms [d], XtA [d]. Sets *gap (unscaled) and returns the sweeps run. */
static TIDE_HOT int64_t enet_cd_dense(const double *A, const double *b, int64_t n, int64_t d, double *w,
                                      const enet_opts *o, double *R, double *norms, double *XtA, double *gap_out) {
    for (int64_t j = 0; j < d; j++) norms[j] = lm_dot(A + j * n, A + j * n, n);
    memcpy(R, b, (size_t)n * sizeof(double));
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)d, -1.0, A, (int)n, w, 1, 1.0, R, 1);
    double tol = o->tol * lm_dot(b, b, n), gap = tol + 1.0;
    uint64_t draw = 0;
    int64_t it = 0;
    for (; it < o->max_iter; it++) {
        double w_max = 0, d_w_max = 0;
        for (int64_t f = 0; f < d; f++) {
            int64_t j = o->random ? lm_below(lm_rand(o->seed, 0, draw++), d) : f;
            if (norms[j] == 0) continue;
            const double *col = A + j * n;
            double w_j = w[j];
            if (w_j != 0) lm_axpy(w_j, col, R, n);
            double tmp = lm_dot(col, R, n);
            w[j] = soft_update(tmp, o->l1, norms[j] + o->l2, o->positive);
            if (w[j] != 0) lm_axpy(-w[j], col, R, n);
            double dw = fabs(w[j] - w_j);
            if (dw > d_w_max) d_w_max = dw;
            if (fabs(w[j]) > w_max) w_max = fabs(w[j]);
        }
        if (w_max == 0 || d_w_max / w_max < o->tol || it == o->max_iter - 1) {
            cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)d, 1.0, A, (int)n, R, 1, 0.0, XtA, 1);
            gap = enet_gap(R, b, w, XtA, n, d, o->l1, o->l2, o->positive);
            if (gap < tol) {
                it++;
                break;
            }
        }
    }
    if (it > o->max_iter) it = o->max_iter;
    *gap_out = gap;
    return it;
}

/* CSR coordinate descent over the columns of X (T: X as CSC), centring and weights implicit:
 * column j of the problem is c_j = s * (x_j - mu_j). The residual r = b - sum_j w_j c_j is kept as
 * r = rt - kappa * s, so removing the offset's contribution is one scalar update instead of a
 * pass over all n rows; S1 = s . rt. Scratch rt [n], r [n], norms [d], p [d], XtA [d]. */
static int64_t enet_cd_csc(const tide_csr *T, const double *s, const double *mu, const double *b, int64_t n, int64_t d,
                           double *w, const enet_opts *o, double *rt, double *r, double *norms, double *p, double *XtA,
                           double *gap_out) {
    const int64_t *cp = T->indptr;
    const int32_t *ri = T->indices;
    const double *cv = T->data;
    double ss = 0;
    for (int64_t i = 0; i < n; i++) ss += s ? s[i] * s[i] : 1.0;
    memcpy(rt, b, (size_t)n * sizeof(double));
    double kappa = 0;
    for (int64_t j = 0; j < d; j++) {
        double pj = 0, nz_sq = 0, dev = 0;
        for (int64_t k = cp[j]; k < cp[j + 1]; k++) {
            double si2 = s ? s[ri[k]] * s[ri[k]] : 1.0;
            pj += si2 * cv[k];
            nz_sq += si2;
            dev += si2 * (cv[k] - mu[j]) * (cv[k] - mu[j]);
        }
        p[j] = pj;
        norms[j] = dev + mu[j] * mu[j] * (ss - nz_sq); /* the zero rows contribute s_i^2 mu_j^2 */
        if (w[j] != 0) {
            for (int64_t k = cp[j]; k < cp[j + 1]; k++) rt[ri[k]] -= w[j] * (s ? s[ri[k]] : 1.0) * cv[k];
            kappa -= w[j] * mu[j];
        }
    }
    double S1 = 0;
    for (int64_t i = 0; i < n; i++) S1 += (s ? s[i] : 1.0) * rt[i];
    double tol = o->tol * lm_dot(b, b, n), gap = tol + 1.0;
    uint64_t draw = 0;
    int64_t it = 0;
    for (; it < o->max_iter; it++) {
        double w_max = 0, d_w_max = 0;
        for (int64_t f = 0; f < d; f++) {
            int64_t j = o->random ? lm_below(lm_rand(o->seed, 0, draw++), d) : f;
            if (norms[j] == 0) continue;
            double w_j = w[j], nz = 0;
            for (int64_t k = cp[j]; k < cp[j + 1]; k++) nz += (s ? s[ri[k]] : 1.0) * cv[k] * rt[ri[k]];
            double cr = nz - kappa * p[j] - mu[j] * (S1 - kappa * ss); /* c_j . r */
            double tmp = cr + w_j * norms[j];
            w[j] = soft_update(tmp, o->l1, norms[j] + o->l2, o->positive);
            double delta = w_j - w[j]; /* r += delta * c_j */
            if (delta != 0) {
                for (int64_t k = cp[j]; k < cp[j + 1]; k++) rt[ri[k]] += delta * (s ? s[ri[k]] : 1.0) * cv[k];
                S1 += delta * p[j];
                kappa += delta * mu[j];
            }
            double dw = fabs(delta);
            if (dw > d_w_max) d_w_max = dw;
            if (fabs(w[j]) > w_max) w_max = fabs(w[j]);
        }
        if (w_max == 0 || d_w_max / w_max < o->tol || it == o->max_iter - 1) {
            double sr = 0;
            for (int64_t i = 0; i < n; i++) {
                double si = s ? s[i] : 1.0;
                r[i] = rt[i] - kappa * si;
                sr += si * r[i];
            }
            S1 = sr + kappa * ss; /* refresh the running sum from the exact residual */
            for (int64_t j = 0; j < d; j++) {
                double acc = 0;
                for (int64_t k = cp[j]; k < cp[j + 1]; k++) acc += (s ? s[ri[k]] : 1.0) * cv[k] * r[ri[k]];
                XtA[j] = acc - mu[j] * sr;
            }
            gap = enet_gap(r, b, w, XtA, n, d, o->l1, o->l2, o->positive);
            if (gap < tol) {
                it++;
                break;
            }
        }
    }
    if (it > o->max_iter) it = o->max_iter;
    *gap_out = gap;
    return it;
}

int tide_enet_fit(const tide_tensor *X, const tide_csr *Xs, const tide_tensor *y, const tide_tensor *sample_weight,
                  tide_tensor *coef, double *intercept, double *dual_gap, int64_t *n_iter, double alpha,
                  double l1_ratio, int fit_intercept, int64_t max_iter, double tol, int positive, int selection_random,
                  uint64_t seed) {
    const char *op = "ElasticNet.fit";
    int64_t n, d;
    if (check_regression(op, X, Xs, y, sample_weight, coef, &n, &d) != 0) return -1;
    if (!(alpha >= 0) || !isfinite(alpha)) return TIDE_FAIL("%s: alpha must be finite and >= 0, got %g", op, alpha);
    if (!(l1_ratio >= 0 && l1_ratio <= 1)) return TIDE_FAIL("%s: l1_ratio must be in [0, 1], got %g", op, l1_ratio);
    if (max_iter < 1) return TIDE_FAIL("%s: max_iter must be >= 1, got %lld", op, (long long)max_iter);
    if (!(tol >= 0)) return TIDE_FAIL("%s: tol must be >= 0, got %g", op, tol);
    if (!intercept || !dual_gap || !n_iter) return TIDE_FAIL("%s: an output pointer is NULL", op);
    double *w = lm_f64(coef);
    for (int64_t j = 0; j < d; j++)
        if (!isfinite(w[j])) return TIDE_FAIL("%s: the starting coef is not finite", op);
    double *xoff = malloc((size_t)d * sizeof(double));
    double *swb = sample_weight ? malloc((size_t)n * sizeof(double)) : NULL;
    double *b = malloc((size_t)n * sizeof(double));
    double *R = malloc((size_t)(2 * n) * sizeof(double));
    double *dv = malloc((size_t)(2 * d) * sizeof(double)); /* column norms [d], X^T R [d] */
    double *A = NULL;
    int64_t *tp = NULL;
    int32_t *ti = NULL;
    double *tv = NULL;
    int status = 0;
    if (!xoff || (sample_weight && !swb) || !b || !R || !dv) {
        status = nomem(op);
        goto done;
    }
    double yoff, *s, gap = 0;
    const double *Xd = X ? lm_f64(X) : NULL;
    prepare(Xd, Xs, lm_f64(y), lm_f64(sample_weight), n, d, fit_intercept, true, swb, &s, xoff, &yoff);
    enet_opts o = {alpha * l1_ratio * (double)n, alpha * (1.0 - l1_ratio) * (double)n, tol, max_iter, positive != 0,
                   selection_random != 0, seed};
    int64_t it;
    if (X) {
        A = malloc((size_t)(n * d) * sizeof(double));
        if (!A) {
            status = nomem(op);
            goto done;
        }
        centred_columns(Xd, lm_f64(y), s, xoff, yoff, n, d, A, b);
        it = enet_cd_dense(A, b, n, d, w, &o, R, dv, dv + d, &gap);
    } else {
        const double *yv = lm_f64(y);
        for (int64_t i = 0; i < n; i++) b[i] = (s ? s[i] : 1.0) * (yv[i] - yoff);
        int64_t nz = Xs->nnz > 0 ? Xs->nnz : 1;
        tp = malloc((size_t)(d + 1) * sizeof(int64_t));
        ti = malloc((size_t)nz * sizeof(int32_t));
        tv = malloc((size_t)nz * sizeof(double));
        double *pj = malloc((size_t)d * sizeof(double));
        if (!tp || !ti || !tv || !pj) {
            free(pj);
            status = nomem(op);
            goto done;
        }
        if (tide_csr_transpose(Xs, tp, ti, tv) != 0) {
            free(pj);
            status = -1;
            goto done;
        }
        tide_csr T = {d, n, Xs->nnz, tp, ti, tv};
        it = enet_cd_csc(&T, s, xoff, b, n, d, w, &o, R, R + n, dv, pj, dv + d, &gap);
        free(pj);
    }
    for (int64_t j = 0; j < d; j++)
        if (!isfinite(w[j])) {
            status = TIDE_FAIL("%s: coordinate descent produced non-finite coefficients; the input may hold very "
                               "large values and need scaling",
                               op);
            goto done;
        }
    *intercept = intercept_of(fit_intercept, xoff, yoff, w, d);
    *dual_gap = gap / (double)n;
    *n_iter = it;
done:
    free(xoff);
    free(swb);
    free(b);
    free(R);
    free(dv);
    free(A);
    free(tp);
    free(ti);
    free(tv);
    return status;
}
