/* logistic.c — logistic regression: argument checks, raw scores, the fused loss + gradient of
 * the half binomial / multinomial log-loss with an L2 term, and the L-BFGS fit (see
 * tide/logistic.h). The products with X are BLAS dgemm calls (dense) or OpenMP loops over the
 * CSR rows and, for X^T, over its transpose built once per fit; the pointwise pass between them
 * is one OpenMP loop over the rows. L-BFGS itself lives in logistic_lbfgs.c.
 */
#include "logistic_internal.h"

#include <cblas.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- checks */

int lr_problem_init(lr_problem *P, const char *op, const tide_tensor *x, const tide_csr *xs, const tide_tensor *y,
                    const tide_tensor *sw, const tide_tensor *coef, double l2, double l1, int fit_intercept) {
    memset(P, 0, sizeof *P);
    if ((x == NULL) == (xs == NULL)) return TIDE_FAIL("%s: give exactly one of the dense x and the CSR xs", op);
    int64_t n, d;
    if (x) {
        if (x->ndim != 2 || x->dtype != TIDE_FLOAT64)
            return TIDE_FAIL("%s: x must be a float64 tensor [n, d]", op);
        if (x->stride[1] != 1 || x->stride[0] != x->shape[1]) return TIDE_FAIL("%s: x must be contiguous", op);
        n = x->shape[0];
        d = x->shape[1];
        P->x = (const double *)tide_elem_ptr(x);
    } else {
        if (tide_csr_check(xs, op) != 0) return -1;
        n = xs->rows;
        d = xs->cols;
        if (n > INT32_MAX) return TIDE_FAIL("%s: CSR input has %lld rows; at most %d are supported", op, (long long)n, INT32_MAX);
        P->xs = xs;
    }
    if (n < 1 || d < 1) return TIDE_FAIL("%s: x is empty ([%lld, %lld])", op, (long long)n, (long long)d);
    if (d > INT_MAX || n > INT_MAX) return TIDE_FAIL("%s: x is too large for BLAS ([%lld, %lld])", op, (long long)n, (long long)d);
    if (!coef || coef->dtype != TIDE_FLOAT64 || coef->ndim != 2 || coef->stride[1] != 1 ||
        coef->stride[0] != coef->shape[1])
        return TIDE_FAIL("%s: coef must be a contiguous float64 tensor [k, d + fit_intercept]", op);
    int fi = fit_intercept ? 1 : 0;
    int64_t k = coef->shape[0];
    if (k < 1 || coef->shape[1] != d + fi)
        return TIDE_FAIL("%s: coef has shape [%lld, %lld], expected [k, %lld] (d = %lld, fit_intercept = %d)", op,
                         (long long)k, (long long)coef->shape[1], (long long)(d + fi), (long long)d, fi);
    if (!y || y->dtype != TIDE_INT64 || y->ndim != 1 || y->shape[0] != n || (n > 1 && y->stride[0] != 1))
        return TIDE_FAIL("%s: y must be a contiguous int64 tensor [%lld]", op, (long long)n);
    const int64_t *py = (const int64_t *)tide_elem_ptr(y);
    int64_t top = k == 1 ? 2 : k;
    for (int64_t i = 0; i < n; i++)
        if (py[i] < 0 || py[i] >= top)
            return TIDE_FAIL("%s: y[%lld] = %lld is not a class index in [0, %lld)", op, (long long)i,
                             (long long)py[i], (long long)top);
    if (sw) {
        if (sw->dtype != TIDE_FLOAT64 || sw->ndim != 1 || sw->shape[0] != n || (n > 1 && sw->stride[0] != 1))
            return TIDE_FAIL("%s: sample weights must be a contiguous float64 tensor [%lld]", op, (long long)n);
        const double *ps = (const double *)tide_elem_ptr(sw);
        for (int64_t i = 0; i < n; i++)
            if (!(ps[i] >= 0) || !isfinite(ps[i]))
                return TIDE_FAIL("%s: sample weight %lld is %g; weights must be finite and >= 0", op, (long long)i, ps[i]);
        P->sw = ps;
    }
    if (!(l2 >= 0) || !isfinite(l2)) return TIDE_FAIL("%s: l2 must be finite and >= 0, got %g", op, l2);
    if (!(l1 >= 0) || !isfinite(l1)) return TIDE_FAIL("%s: l1 must be finite and >= 0, got %g", op, l1);
    P->n = n;
    P->d = d;
    P->k = k;
    P->fi = fi;
    P->ldw = d + fi;
    P->y = py;
    P->l2 = l2;
    P->l1 = l1;
    return 0;
}

/* ---------------------------------------------------------------- products */

/* Z [n, k] = X [n, d] W^T, W = coef [k, ldw] without the intercept column, plus the intercepts.
 * wt: scratch [d, k] for CSR input. */
void lr_scores(const lr_problem *P, const double *coef, double *Z, double *wt) {
    int64_t n = P->n, d = P->d, k = P->k, ldw = P->ldw;
    if (P->x) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)d, 1.0, P->x, (int)d, coef,
                    (int)ldw, 0.0, Z, (int)k);
    } else {
        /* W^T [d, k] so that a CSR row adds contiguous runs of k values */
        for (int64_t c = 0; c < k; c++)
            for (int64_t j = 0; j < d; j++) wt[j * k + c] = coef[c * ldw + j];
        const tide_csr *X = P->xs;
        int nt = tide_threads_for(X->nnz * k + n);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
        for (int64_t i = 0; i < n; i++) {
            double *z = Z + i * k;
            for (int64_t c = 0; c < k; c++) z[c] = 0;
            for (int64_t p = X->indptr[i]; p < X->indptr[i + 1]; p++) {
                double v = X->data[p];
                const double *w = wt + (int64_t)X->indices[p] * k;
                for (int64_t c = 0; c < k; c++) z[c] += v * w[c];
            }
        }
    }
    if (P->fi) {
        int nt = tide_threads_for(n * k);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
        for (int64_t i = 0; i < n; i++)
            for (int64_t c = 0; c < k; c++) Z[i * k + c] += coef[c * ldw + d];
    }
}

/* ---------------------------------------------------------------- loss and gradient */

void lr_work_free(lr_work *W) {
    free(W->Z);
    free(W->rowloss);
    free(W->tptr);
    free(W->tind);
    free(W->tval);
    free(W->wt);
    free(W->part);
    memset(W, 0, sizeof *W);
}

int lr_work_init(lr_work *W, const lr_problem *P, const char *op) {
    memset(W, 0, sizeof *W);
    W->Z = malloc((size_t)(P->n * P->k) * sizeof(double));
    W->rowloss = malloc((size_t)P->n * sizeof(double));
    if (P->xs) {
        W->wt = malloc((size_t)(P->d * P->k) * sizeof(double));
        W->tptr = malloc((size_t)(P->d + 1) * sizeof(int64_t));
        W->tind = malloc((size_t)(P->xs->nnz > 0 ? P->xs->nnz : 1) * sizeof(int32_t));
        W->tval = malloc((size_t)(P->xs->nnz > 0 ? P->xs->nnz : 1) * sizeof(double));
    }
    if (P->x && P->k <= LR_FUSED_MAX_K) {
        W->part = malloc((size_t)lr_fused_scratch(P) * sizeof(double));
        if (!W->part) {
            lr_work_free(W);
            return tide_fail(TIDE_ENOMEM, "%s: out of memory for the gradient buffers", op);
        }
    }
    if (!W->Z || !W->rowloss || (P->xs && (!W->wt || !W->tptr || !W->tind || !W->tval))) {
        lr_work_free(W);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory for %lld x %lld scores", op, (long long)P->n, (long long)P->k);
    }
    if (P->xs && tide_csr_transpose(P->xs, W->tptr, W->tind, W->tval) != 0) {
        lr_work_free(W);
        return -1;
    }
    return 0;
}

/* The pointwise pass: Z (scores) -> Z (sw_i * dloss_i / dz_i), rowloss [n] (see lr_row_grad). */
static void lr_pointwise(const lr_problem *P, double *Z, double *rowloss) {
    int64_t n = P->n, k = P->k;
    int nt = tide_threads_for(n * k * 8);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (int64_t i = 0; i < n; i++) rowloss[i] = lr_row_grad(P, i, Z + i * k);
}

/* CSR X: scores, intercepts and the pointwise pass in one parallel loop over the rows (one
 * OpenMP region instead of three: on a loaded machine every barrier costs). Z [n, k] receives
 * the pointwise gradients; wt: scratch [d, k]. */
static void lr_csr_pointwise(const lr_problem *P, const double *coef, double *Z, double *rowloss, double *wt) {
    int64_t n = P->n, d = P->d, k = P->k, ldw = P->ldw;
    const tide_csr *X = P->xs;
    for (int64_t c = 0; c < k; c++)
        for (int64_t j = 0; j < d; j++) wt[j * k + c] = coef[c * ldw + j];
    int nt = tide_threads_for(X->nnz * k + n * k * 8);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (int64_t i = 0; i < n; i++) {
        double *z = Z + i * k;
        for (int64_t c = 0; c < k; c++) z[c] = P->fi ? coef[c * ldw + d] : 0.0;
        for (int64_t p = X->indptr[i]; p < X->indptr[i + 1]; p++) {
            double v = X->data[p];
            const double *w = wt + (int64_t)X->indices[p] * k;
            for (int64_t c = 0; c < k; c++) z[c] += v * w[c];
        }
        rowloss[i] = lr_row_grad(P, i, z);
    }
}

/* F(coef) and, when grad is non-NULL, its gradient without the L1 term. */
double lr_loss_grad(const lr_problem *P, lr_work *W, const double *coef, double *grad) {
    int64_t n = P->n, d = P->d, k = P->k, ldw = P->ldw;
    double *Z = W->Z;
    int fused = W->part && grad;
    if (fused) {
        lr_fused_dense(P, coef, W->rowloss, grad, W->part);
    } else if (P->xs) {
        lr_csr_pointwise(P, coef, Z, W->rowloss, W->wt);
    } else {
        lr_scores(P, coef, Z, W->wt);
        lr_pointwise(P, Z, W->rowloss);
    }
    double f = 0;
    for (int64_t i = 0; i < n; i++) f += W->rowloss[i]; /* serial: the same sum for any thread count */
    double pen2 = 0, pen1 = 0;
    for (int64_t c = 0; c < k; c++)
        for (int64_t j = 0; j < d; j++) {
            double w = coef[c * ldw + j];
            pen2 += w * w;
            pen1 += fabs(w);
        }
    f += 0.5 * P->l2 * pen2 + P->l1 * pen1;
    if (!grad) return f;
    /* G [k, d] = R^T X, R = Z [n, k] */
    if (fused) {
        /* done above, intercepts included */
    } else if (P->x) {
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)d, (int)n, 1.0, Z, (int)k, P->x, (int)d,
                    0.0, grad, (int)ldw);
    } else {
        const int64_t *tp = W->tptr;
        const int32_t *ti = W->tind;
        const double *tv = W->tval;
        int nt = tide_threads_for(P->xs->nnz * k + d);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 256) if (nt > 1)
        for (int64_t j = 0; j < d; j++) {
            for (int64_t c = 0; c < k; c++) grad[c * ldw + j] = 0;
            for (int64_t p = tp[j]; p < tp[j + 1]; p++) {
                double v = tv[p];
                const double *r = Z + (int64_t)ti[p] * k;
                for (int64_t c = 0; c < k; c++) grad[c * ldw + j] += v * r[c];
            }
        }
    }
    for (int64_t c = 0; c < k; c++) {
        double *g = grad + c * ldw;
        const double *w = coef + c * ldw;
        if (P->l2 != 0)
            for (int64_t j = 0; j < d; j++) g[j] += P->l2 * w[j];
        if (P->fi && !fused) {
            double s = 0;
            for (int64_t i = 0; i < n; i++) s += Z[i * k + c];
            g[d] = s;
        }
    }
    return f;
}

/* ---------------------------------------------------------------- public entry points */

static int check_grad(const char *op, const tide_tensor *grad, const tide_tensor *coef) {
    if (!grad) return 0;
    if (grad->dtype != TIDE_FLOAT64 || grad->ndim != 2 || grad->shape[0] != coef->shape[0] ||
        grad->shape[1] != coef->shape[1] || grad->stride[1] != 1 || grad->stride[0] != grad->shape[1])
        return TIDE_FAIL("%s: grad must be a contiguous float64 tensor shaped like coef [%lld, %lld]", op,
                         (long long)coef->shape[0], (long long)coef->shape[1]);
    return 0;
}

int tide_logistic_loss(const tide_tensor *x, const tide_csr *xs, const tide_tensor *y, const tide_tensor *sw,
                       const tide_tensor *coef, tide_tensor *grad, double l2, double l1, int fit_intercept,
                       double *loss) {
    const char *op = "logistic_loss";
    lr_problem P;
    if (lr_problem_init(&P, op, x, xs, y, sw, coef, l2, l1, fit_intercept) != 0) return -1;
    if (check_grad(op, grad, coef) != 0) return -1;
    if (!loss) return TIDE_FAIL("%s: loss must not be NULL", op);
    lr_work W;
    if (lr_work_init(&W, &P, op) != 0) return -1;
    *loss = lr_loss_grad(&P, &W, (const double *)tide_elem_ptr(coef), grad ? (double *)tide_elem_ptr(grad) : NULL);
    lr_work_free(&W);
    return 0;
}

int tide_logistic_decision(const tide_tensor *x, const tide_csr *xs, const tide_tensor *coef, int fit_intercept,
                           tide_tensor *out) {
    const char *op = "logistic_decision";
    if ((x == NULL) == (xs == NULL)) return TIDE_FAIL("%s: give exactly one of the dense x and the CSR xs", op);
    int64_t n;
    lr_problem P;
    memset(&P, 0, sizeof P);
    if (x) {
        if (x->ndim != 2 || x->dtype != TIDE_FLOAT64 || x->stride[1] != 1 || x->stride[0] != x->shape[1])
            return TIDE_FAIL("%s: x must be a contiguous float64 tensor [n, d]", op);
        n = x->shape[0];
        P.d = x->shape[1];
        P.x = (const double *)tide_elem_ptr(x);
    } else {
        if (tide_csr_check(xs, op) != 0) return -1;
        n = xs->rows;
        P.d = xs->cols;
        P.xs = xs;
    }
    if (n < 1 || P.d < 1 || n > INT_MAX || P.d > INT_MAX) return TIDE_FAIL("%s: x has %lld rows and %lld columns", op, (long long)n, (long long)P.d);
    P.fi = fit_intercept ? 1 : 0;
    if (!coef || coef->dtype != TIDE_FLOAT64 || coef->ndim != 2 || coef->stride[1] != 1 ||
        coef->stride[0] != coef->shape[1] || coef->shape[1] != P.d + P.fi || coef->shape[0] < 1)
        return TIDE_FAIL("%s: coef must be a contiguous float64 tensor [k, %lld]", op, (long long)(P.d + P.fi));
    P.n = n;
    P.k = coef->shape[0];
    P.ldw = P.d + P.fi;
    if (!out || out->dtype != TIDE_FLOAT64 || out->ndim != 2 || out->shape[0] != n || out->shape[1] != P.k ||
        out->stride[1] != 1 || out->stride[0] != P.k)
        return TIDE_FAIL("%s: out must be a contiguous float64 tensor [%lld, %lld]", op, (long long)n, (long long)P.k);
    double *wt = NULL;
    if (xs && !(wt = malloc((size_t)(P.d * P.k) * sizeof(double))))
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    lr_scores(&P, (const double *)tide_elem_ptr(coef), (double *)tide_elem_ptr(out), wt);
    free(wt);
    return 0;
}
