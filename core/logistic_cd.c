/* logistic_cd.c — tide_logistic_fit_cd: proximal Newton coordinate descent for the penalised
 * log-loss, the method of liblinear's newGLMNET and of glmnet (any l1, l2 >= 0; the solver for the
 * L1 and elastic-net penalties, which have no gradient at 0).
 *
 * Each outer iteration:
 *   1. the loss is replaced by its second-order (Newton) model in all weights and intercepts,
 *      with the exact multinomial Hessian sw_i (diag(p_i) - p_i p_i^T) x_i x_i^T per sample (the
 *      binomial one for k = 1): a coordinate step on class c moves dZ[:, c] and, through
 *      m_i = sum_c p_ic dZ_ic, the model gradient of every class;
 *   2. cyclic coordinate descent over the working set (weights that are nonzero or violate
 *      optimality at zero) minimises model + penalty; coordinate (c, j) has the closed form
 *      w <- S(h w - a, l1) / (h + l2) (S: soft threshold, h the diagonal curvature). The passes
 *      stop when the model's minimum-norm subgradient (L1 norm) is below a tenth of the true
 *      problem's at the start of the iteration, so early steps are cheap and late ones exact;
 *   3. a backtracking (Armijo) line search on the true objective accepts a fraction of the step.
 * Stop: ||min-norm subgradient of F||_1 <= tol * its value at the start (liblinear's rule), no
 * step that rounding lets decrease F, or max_iter outer iterations.
 *
 * X is read by columns: a compressed sparse column copy (from dense x skipping zeros, or the
 * transpose of the CSR), built once per fit. Shapes: Z, Pm, G, Hh, dZ [n, k] (scores,
 * probabilities, pointwise gradients, diagonal Hessian terms, the model's change of the scores),
 * m [n], Hd [k, d] column curvatures, delta [k, d + fi] the step.
 */
#include "logistic_internal.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#define CD_MAX_PASSES 100
#define CD_MAX_BACKTRACK 30
#define CD_SIGMA 0.01

typedef struct csc {
    int64_t *ptr;  /* [d + 1] */
    int32_t *row;  /* [nnz] */
    double *val;   /* [nnz] */
} csc;

/* X by columns; -1 with a message when out of memory */
static int csc_build(csc *X, const lr_problem *P, const char *op) {
    int64_t n = P->n, d = P->d, nnz;
    X->ptr = calloc((size_t)(d + 1), sizeof(int64_t));
    if (!X->ptr) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    if (P->xs) {
        nnz = P->xs->nnz;
    } else {
        for (int64_t i = 0; i < n; i++) {
            const double *xi = P->x + i * d;
            for (int64_t j = 0; j < d; j++) X->ptr[j + 1] += xi[j] != 0;
        }
        for (int64_t j = 0; j < d; j++) X->ptr[j + 1] += X->ptr[j];
        nnz = X->ptr[d];
    }
    X->row = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(int32_t));
    X->val = malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(double));
    if (!X->row || !X->val) return tide_fail(TIDE_ENOMEM, "%s: out of memory for a copy of X by columns", op);
    if (P->xs) return tide_csr_transpose(P->xs, X->ptr, X->row, X->val) == 0 ? 0 : -1;
    int64_t *fill = malloc((size_t)d * sizeof(int64_t));
    if (!fill) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    memcpy(fill, X->ptr, (size_t)d * sizeof(int64_t));
    for (int64_t i = 0; i < n; i++) {
        const double *xi = P->x + i * d;
        for (int64_t j = 0; j < d; j++)
            if (xi[j] != 0) {
                X->row[fill[j]] = (int32_t)i;
                X->val[fill[j]++] = xi[j];
            }
    }
    free(fill);
    return 0;
}

static void csc_free(csc *X) {
    free(X->ptr);
    free(X->row);
    free(X->val);
}

/* Pm [n, k] = the class probabilities of the scores Z (sigmoid for k == 1, softmax otherwise). */
static void cd_probabilities(const lr_problem *P, const double *Z, double *Pm) {
    int64_t n = P->n, k = P->k;
    int nt = tide_threads_for(n * k * 8);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (int64_t i = 0; i < n; i++) {
        const double *z = Z + i * k;
        double *p = Pm + i * k;
        if (k == 1) {
            p[0] = lr_sigmoid(z[0]);
            continue;
        }
        double m = z[0], s = 0;
        for (int64_t c = 1; c < k; c++) m = z[c] > m ? z[c] : m;
        for (int64_t c = 0; c < k; c++) s += (p[c] = exp(z[c] - m));
        for (int64_t c = 0; c < k; c++) p[c] /= s;
    }
}

/* sum_i sw_i loss_i at the scores Z moved by beta * dZ (dZ [n, k], NULL: unmoved); rowloss [n]
 * scratch */
static double cd_loss(const lr_problem *P, const double *Z, const double *dZ, double beta, double *rowloss) {
    int64_t n = P->n, k = P->k;
    int nt = tide_threads_for(n * k * 8);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (int64_t i = 0; i < n; i++) {
        const double *z = Z + i * k, *dz = dZ ? dZ + i * k : NULL;
        double s = P->sw ? P->sw[i] : 1.0;
        if (k == 1) {
            double zi = z[0] + (dz ? beta * dz[0] : 0.0);
            rowloss[i] = s * (lr_log1pexp(zi) - (double)P->y[i] * zi);
            continue;
        }
        double m = -INFINITY, sum = 0;
        for (int64_t c = 0; c < k; c++) m = fmax(m, z[c] + (dz ? beta * dz[c] : 0.0));
        for (int64_t c = 0; c < k; c++) sum += exp(z[c] + (dz ? beta * dz[c] : 0.0) - m);
        int64_t y = P->y[i];
        rowloss[i] = s * (m + log(sum) - (z[y] + (dz ? beta * dz[y] : 0.0)));
    }
    double f = 0;
    for (int64_t i = 0; i < n; i++) f += rowloss[i];
    return f;
}

/* l2 / 2 ||w||^2 + l1 ||w||_1 of one class's weights w [d] moved by beta * delta (delta may be NULL) */
static double cd_penalty(const lr_problem *P, const double *w, const double *delta, double beta) {
    double s2 = 0, s1 = 0;
    for (int64_t j = 0; j < P->d; j++) {
        double v = w[j] + (delta ? beta * delta[j] : 0);
        s2 += v * v;
        s1 += fabs(v);
    }
    return 0.5 * P->l2 * s2 + P->l1 * s1;
}

/* The minimum-norm subgradient of F, L1 norm per class -> norms [k]; Pm: current probabilities.
 * active [k, d]: 1 where coordinate descent should visit this outer iteration — weights that are
 * nonzero or whose zero violates optimality (|gradient| > l1). The others stay at zero for now;
 * the full subgradient is recomputed each iteration, so one that starts violating comes back. */
static void cd_subgradient(const lr_problem *P, const csc *X, const double *coef, const double *Pm, double *R,
                           double *norms, unsigned char *active) {
    int64_t n = P->n, d = P->d, k = P->k, ldw = P->ldw;
    for (int64_t i = 0; i < n; i++) {
        double s = P->sw ? P->sw[i] : 1.0;
        for (int64_t c = 0; c < k; c++) {
            double target = k == 1 ? (double)P->y[i] : (double)(P->y[i] == c);
            R[i * k + c] = s * (Pm[i * k + c] - target);
        }
    }
    for (int64_t c = 0; c < k; c++) {
        const double *w = coef + c * ldw;
        double sum = 0;
        int nt = tide_threads_for(X->ptr[d] + d);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 64) reduction(+ : sum) if (nt > 1)
        for (int64_t j = 0; j < d; j++) {
            double g = P->l2 * w[j];
            for (int64_t p = X->ptr[j]; p < X->ptr[j + 1]; p++) g += X->val[p] * R[(int64_t)X->row[p] * k + c];
            double v = w[j] > 0 ? g + P->l1 : w[j] < 0 ? g - P->l1 : fmax(fabs(g) - P->l1, 0.0);
            sum += fabs(v);
            active[c * d + j] = w[j] != 0 || fabs(g) > P->l1;
        }
        if (P->fi) {
            double gb = 0;
            for (int64_t i = 0; i < n; i++) gb += R[i * k + c];
            sum += fabs(gb);
        }
        norms[c] = sum;
    }
}

int tide_logistic_fit_cd(const tide_tensor *x, const tide_csr *xs, const tide_tensor *y, const tide_tensor *sw,
                         tide_tensor *coef, double l2, double l1, int fit_intercept, int max_iter, double tol,
                         tide_logistic_result *result) {
    const char *op = "logistic_fit_cd";
    lr_problem P;
    if (lr_problem_init(&P, op, x, xs, y, sw, coef, l2, l1, fit_intercept) != 0) return -1;
    if (max_iter < 1) return TIDE_FAIL("%s: max_iter must be >= 1, got %d", op, max_iter);
    if (!(tol >= 0) || !isfinite(tol)) return TIDE_FAIL("%s: tol must be finite and >= 0, got %g", op, tol);
    if (!result) return TIDE_FAIL("%s: result must not be NULL", op);
    int64_t n = P.n, d = P.d, k = P.k, ldw = P.ldw, nk = n * k;
    int multi = k >= 2;
    csc X = {0};
    /* Z scores, Pm probabilities, G pointwise gradients, Hh diagonal Hessian terms, dZ the model's
     * change of the scores: [n, k] each; m [n] = sum_c p_ic dZ_ic (the multinomial coupling);
     * Hd [k, d] column curvatures; delta [k, ldw] the step; norms, hsum [k] */
    double *buf = malloc((size_t)(5 * nk + 2 * n + 2 * k * ldw + 2 * k) * sizeof(double));
    double *wt = P.xs ? malloc((size_t)(d * k) * sizeof(double)) : NULL;
    unsigned char *active = malloc((size_t)(d * k));
    int64_t *list = malloc((size_t)(d * k) * sizeof(int64_t));
    int status = 0;
    if (!buf || (P.xs && !wt) || !active || !list) {
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory for %lld x %lld scores", op, (long long)n, (long long)k);
        goto done;
    }
    if ((status = csc_build(&X, &P, op)) != 0) goto done;
    double *Z = buf, *Pm = Z + nk, *G = Pm + nk, *Hh = G + nk, *dZ = Hh + nk, *m = dZ + nk, *rowloss = m + n;
    double *Hd = rowloss + n, *delta = Hd + k * ldw, *norms = delta + k * ldw, *hsum = norms + k;
    double *w = (double *)tide_elem_ptr(coef);
    memset(result, 0, sizeof *result);

    lr_scores(&P, w, Z, wt);
    double pen = 0;
    for (int64_t c = 0; c < k; c++) pen += cd_penalty(&P, w + c * ldw, NULL, 0);
    double F = cd_loss(&P, Z, NULL, 0, rowloss) + pen;
    double norm0 = -1;
    int64_t iter = 0, nfev = 1;
    int solved = 0;
    while (!solved && iter < max_iter) {
        cd_probabilities(&P, Z, Pm);
        cd_subgradient(&P, &X, w, Pm, G, norms, active);
        double norm = 0;
        for (int64_t c = 0; c < k; c++) norm += norms[c];
        if (norm0 < 0) norm0 = norm;
        if (norm <= tol * norm0) {
            solved = 1;
            break;
        }
        /* the Newton model: gradient G, Hessian sw_i (diag(p_i) - p_i p_i^T) x_i x_i^T per sample
         * (binomial: sw_i p_i (1 - p_i) x_i x_i^T) */
        for (int64_t c = 0; c < k; c++) hsum[c] = 0;
        for (int64_t i = 0; i < n; i++) {
            double s = P.sw ? P.sw[i] : 1.0;
            for (int64_t c = 0; c < k; c++) {
                double p = Pm[i * k + c], h = fmax(s * p * (1 - p), 1e-12 * s);
                Hh[i * k + c] = h;
                hsum[c] += h;
                dZ[i * k + c] = 0;
            }
            m[i] = 0;
        }
        int64_t na = 0;
        for (int64_t c = 0; c < k; c++)
            for (int64_t j = 0; j < d; j++) {
                if (!active[c * d + j]) continue;
                list[na++] = c * d + j;
                double cj = 0;
                for (int64_t p = X.ptr[j]; p < X.ptr[j + 1]; p++) cj += Hh[X.row[p] * k + c] * X.val[p] * X.val[p];
                Hd[c * d + j] = cj;
            }
        memset(delta, 0, (size_t)(k * ldw) * sizeof(double));
        double inner_tol = 0.1 * norm;
        /* coordinate descent on model + penalty; after a step on (c, j), dZ[:, c] and m follow */
        for (int pass = 0; pass < CD_MAX_PASSES; pass++) {
            double qn = 0;
            for (int64_t e = 0; e < na; e++) {
                int64_t c = list[e] / d, j = list[e] % d;
                double cj = Hd[c * d + j];
                if (cj + P.l2 <= 0) continue;
                double a = 0;
                for (int64_t p = X.ptr[j]; p < X.ptr[j + 1]; p++) {
                    int64_t i = X.row[p], ic = i * k + c;
                    double hv = multi ? (P.sw ? P.sw[i] : 1.0) * Pm[ic] * (dZ[ic] - m[i]) : Hh[i] * dZ[i];
                    a += X.val[p] * (G[ic] + hv);
                }
                double u = w[c * ldw + j] + delta[c * ldw + j], q = a + P.l2 * u;
                qn += fabs(u > 0 ? q + P.l1 : u < 0 ? q - P.l1 : fmax(fabs(q) - P.l1, 0.0));
                double num = cj * u - a, t = num > P.l1 ? num - P.l1 : num < -P.l1 ? num + P.l1 : 0.0;
                double step = t / (cj + P.l2) - u;
                if (step == 0) continue;
                delta[c * ldw + j] += step;
                for (int64_t p = X.ptr[j]; p < X.ptr[j + 1]; p++) {
                    int64_t i = X.row[p], ic = i * k + c;
                    double dz = step * X.val[p];
                    dZ[ic] += dz;
                    if (multi) m[i] += Pm[ic] * dz;
                }
            }
            for (int64_t c = 0; P.fi && c < k; c++) {
                if (!(hsum[c] > 0)) continue;
                double a = 0;
                for (int64_t i = 0; i < n; i++) {
                    int64_t ic = i * k + c;
                    a += G[ic] + (multi ? (P.sw ? P.sw[i] : 1.0) * Pm[ic] * (dZ[ic] - m[i]) : Hh[i] * dZ[i]);
                }
                qn += fabs(a);
                double step = -a / hsum[c];
                delta[c * ldw + d] += step;
                for (int64_t i = 0; i < n; i++) {
                    int64_t ic = i * k + c;
                    dZ[ic] += step;
                    if (multi) m[i] += Pm[ic] * step;
                }
            }
            if (qn <= inner_tol) break;
        }
        /* Armijo backtracking on F along delta (newGLMNET's sufficient decrease) */
        double gr = 0, wd = 0, l1_old = 0, l1_new = 0;
        for (int64_t e = 0; e < nk; e++) gr += G[e] * dZ[e];
        for (int64_t c = 0; c < k; c++)
            for (int64_t j = 0; j < d; j++) {
                double wj = w[c * ldw + j], dj = delta[c * ldw + j];
                wd += wj * dj;
                l1_old += fabs(wj);
                l1_new += fabs(wj + dj);
            }
        double model = gr + P.l2 * wd + P.l1 * (l1_new - l1_old), beta = 1;
        int moved = 0;
        for (int ls = 0; model < 0 && ls < CD_MAX_BACKTRACK; ls++, beta *= 0.5) {
            double pt = 0;
            for (int64_t c = 0; c < k; c++) pt += cd_penalty(&P, w + c * ldw, delta + c * ldw, beta);
            double Ft = cd_loss(&P, Z, dZ, beta, rowloss) + pt;
            nfev++;
            if (!(Ft - F <= CD_SIGMA * beta * model)) continue;
            for (int64_t e = 0; e < k * ldw; e++) w[e] += beta * delta[e];
            for (int64_t e = 0; e < nk; e++) Z[e] += beta * dZ[e];
            pen = pt;
            F = Ft;
            moved = 1;
            break;
        }
        iter++;
        if (!moved) { /* no descent left that rounding lets the line search see: optimal */
            solved = 1;
            break;
        }
    }
    /* multinomial intercepts are defined up to a common shift; centre them as scikit-learn's
     * solvers leave them (their gradient sums to zero over classes) */
    if (P.fi && k >= 2) {
        double mean = 0;
        for (int64_t c = 0; c < k; c++) mean += w[c * ldw + d];
        mean /= (double)k;
        for (int64_t c = 0; c < k; c++) w[c * ldw + d] -= mean;
    }
    result->n_iter = iter;
    result->n_eval = nfev;
    result->loss = F;
    result->status = solved ? 1 : 0;
done:
    csc_free(&X);
    free(buf);
    free(wt);
    free(active);
    free(list);
    return status;
}
