/* logistic_lbfgs.c — tide_logistic_fit_lbfgs: L-BFGS as scipy's L-BFGS-B runs it without bounds,
 * which is what scikit-learn's lbfgs solver calls, so that iteration counts and stopping points
 * are comparable:
 *   - the direction is -H g with H the L-BFGS inverse Hessian of the last m = 10 pairs and
 *     H0 = (s'y / y'y) I (L-BFGS-B's compact form reduces to this without bounds); the first
 *     step, and the first after a reset, is steepest descent, of length 1 / ||g|| on iteration 0;
 *   - the Moré-Thuente line search (MINPACK-2 dcsrch / dcstep) with ftol = 1e-3, gtol = 0.9,
 *     xtol = 0.1 and at most 20 evaluations; a failed search resets the memory once, and fails
 *     the fit only when it fails from steepest descent;
 *   - a pair is skipped when s'y <= eps * (-g's);
 *   - stop when max |g| <= pgtol (= tol), when (f_old - f) <= factr * eps * max(|f_old|, |f|, 1)
 *     with factr = 1e7, or after max_iter iterations.
 * The vectors are the flattened coef [k, d + fi]; L-BFGS is invariant to that ordering.
 */
#include "logistic_internal.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#define LBFGS_M 10
#define LBFGS_MAXLS 20
#define LBFGS_FTOL (1e7 * DBL_EPSILON) /* scipy's default ftol = factr * eps */

/* ---------------------------------------------------------------- Moré-Thuente line search */

typedef struct ls_state {
    int brackt, stage;
    double ginit, gtest, gx, gy, finit, fx, fy, stx, sty, stmin, stmax, width, width1;
} ls_state;

enum { LS_FG, LS_CONV, LS_WARN, LS_ERROR };

/* dcstep: one safeguarded step of the Moré-Thuente search; updates the interval and *stp. */
static void dcstep(double *stx, double *fx, double *dx, double *sty, double *fy, double *dy, double *stp, double fp,
                   double dp, int *brackt, double stpmin, double stpmax) {
    double sgnd = dp * (*dx / fabs(*dx)), stpf, stpc, stpq, theta, s, gamma, p, q, r;
    if (fp > *fx) { /* higher function value: the minimum is bracketed */
        theta = 3.0 * (*fx - fp) / (*stp - *stx) + *dx + dp;
        s = fmax(fabs(theta), fmax(fabs(*dx), fabs(dp)));
        gamma = s * sqrt((theta / s) * (theta / s) - (*dx / s) * (dp / s));
        if (*stp < *stx) gamma = -gamma;
        p = (gamma - *dx) + theta;
        q = ((gamma - *dx) + gamma) + dp;
        r = p / q;
        stpc = *stx + r * (*stp - *stx);
        stpq = *stx + ((*dx / ((*fx - fp) / (*stp - *stx) + *dx)) / 2.0) * (*stp - *stx);
        stpf = fabs(stpc - *stx) < fabs(stpq - *stx) ? stpc : stpc + (stpq - stpc) / 2.0;
        *brackt = 1;
    } else if (sgnd < 0) { /* derivatives of opposite sign: bracketed */
        theta = 3.0 * (*fx - fp) / (*stp - *stx) + *dx + dp;
        s = fmax(fabs(theta), fmax(fabs(*dx), fabs(dp)));
        gamma = s * sqrt((theta / s) * (theta / s) - (*dx / s) * (dp / s));
        if (*stp > *stx) gamma = -gamma;
        p = (gamma - dp) + theta;
        q = ((gamma - dp) + gamma) + *dx;
        r = p / q;
        stpc = *stp + r * (*stx - *stp);
        stpq = *stp + (dp / (dp - *dx)) * (*stx - *stp);
        stpf = fabs(stpc - *stp) > fabs(stpq - *stp) ? stpc : stpq;
        *brackt = 1;
    } else if (fabs(dp) < fabs(*dx)) { /* same sign, derivative magnitude decreases */
        theta = 3.0 * (*fx - fp) / (*stp - *stx) + *dx + dp;
        s = fmax(fabs(theta), fmax(fabs(*dx), fabs(dp)));
        gamma = s * sqrt(fmax(0.0, (theta / s) * (theta / s) - (*dx / s) * (dp / s)));
        if (*stp > *stx) gamma = -gamma;
        p = (gamma - dp) + theta;
        q = (gamma + (*dx - dp)) + gamma;
        r = p / q;
        if (r < 0 && gamma != 0)
            stpc = *stp + r * (*stx - *stp);
        else if (*stp > *stx)
            stpc = stpmax;
        else
            stpc = stpmin;
        stpq = *stp + (dp / (dp - *dx)) * (*stx - *stp);
        if (*brackt) {
            stpf = fabs(stpc - *stp) < fabs(stpq - *stp) ? stpc : stpq;
            if (*stp > *stx)
                stpf = fmin(*stp + 0.66 * (*sty - *stp), stpf);
            else
                stpf = fmax(*stp + 0.66 * (*sty - *stp), stpf);
        } else {
            stpf = fabs(stpc - *stp) > fabs(stpq - *stp) ? stpc : stpq;
            stpf = fmin(stpmax, stpf);
            stpf = fmax(stpmin, stpf);
        }
    } else { /* same sign, derivative magnitude does not decrease */
        if (*brackt) {
            theta = 3.0 * (fp - *fy) / (*sty - *stp) + *dy + dp;
            s = fmax(fabs(theta), fmax(fabs(*dy), fabs(dp)));
            gamma = s * sqrt((theta / s) * (theta / s) - (*dy / s) * (dp / s));
            if (*stp > *sty) gamma = -gamma;
            p = (gamma - dp) + theta;
            q = ((gamma - dp) + gamma) + *dy;
            r = p / q;
            stpc = *stp + r * (*sty - *stp);
            stpf = stpc;
        } else if (*stp > *stx)
            stpf = stpmax;
        else
            stpf = stpmin;
    }
    if (fp > *fx) {
        *sty = *stp;
        *fy = fp;
        *dy = dp;
    } else {
        if (sgnd < 0) {
            *sty = *stx;
            *fy = *fx;
            *dy = *dx;
        }
        *stx = *stp;
        *fx = fp;
        *dx = dp;
    }
    *stp = stpf;
}

#define LS_FTOL 1e-3
#define LS_GTOL 0.9
#define LS_XTOL 0.1

/* dcsrch: start (first call, start = 1) or continue the search with f, g (directional
 * derivative) at *stp. Returns LS_FG with the next *stp to evaluate, LS_CONV, LS_WARN or LS_ERROR. */
static int dcsrch(ls_state *S, int start, double f, double g, double *stp, double stpmin, double stpmax) {
    if (start) {
        if (*stp < stpmin || *stp > stpmax || g >= 0) return LS_ERROR;
        S->brackt = 0;
        S->stage = 1;
        S->finit = f;
        S->ginit = g;
        S->gtest = LS_FTOL * g;
        S->width = stpmax - stpmin;
        S->width1 = S->width / 0.5;
        S->stx = 0;
        S->fx = f;
        S->gx = g;
        S->sty = 0;
        S->fy = f;
        S->gy = g;
        S->stmin = 0;
        S->stmax = *stp + 4.0 * *stp;
        return LS_FG;
    }
    double ftest = S->finit + *stp * S->gtest;
    if (S->stage == 1 && f <= ftest && g >= 0) S->stage = 2;
    if (S->brackt && (*stp <= S->stmin || *stp >= S->stmax)) return LS_WARN; /* rounding errors */
    if (S->brackt && S->stmax - S->stmin <= LS_XTOL * S->stmax) return LS_WARN;
    if (*stp == stpmax && f <= ftest && g <= S->gtest) return LS_WARN;
    if (*stp == stpmin && (f > ftest || g >= S->gtest)) return LS_WARN;
    if (f <= ftest && fabs(g) <= LS_GTOL * (-S->ginit)) return LS_CONV;
    if (S->stage == 1 && f <= S->fx && f > ftest) {
        /* the modified function psi(stp) = f(stp) - f(0) - ftol * stp * g(0) */
        double fm = f - *stp * S->gtest, fxm = S->fx - S->stx * S->gtest, fym = S->fy - S->sty * S->gtest;
        double gm = g - S->gtest, gxm = S->gx - S->gtest, gym = S->gy - S->gtest;
        dcstep(&S->stx, &fxm, &gxm, &S->sty, &fym, &gym, stp, fm, gm, &S->brackt, S->stmin, S->stmax);
        S->fx = fxm + S->stx * S->gtest;
        S->fy = fym + S->sty * S->gtest;
        S->gx = gxm + S->gtest;
        S->gy = gym + S->gtest;
    } else {
        dcstep(&S->stx, &S->fx, &S->gx, &S->sty, &S->fy, &S->gy, stp, f, g, &S->brackt, S->stmin, S->stmax);
    }
    if (S->brackt) {
        if (fabs(S->sty - S->stx) >= 0.66 * S->width1) *stp = S->stx + 0.5 * (S->sty - S->stx);
        S->width1 = S->width;
        S->width = fabs(S->sty - S->stx);
        S->stmin = fmin(S->stx, S->sty);
        S->stmax = fmax(S->stx, S->sty);
    } else {
        S->stmin = *stp + 1.1 * (*stp - S->stx);
        S->stmax = *stp + 4.0 * (*stp - S->stx);
    }
    *stp = fmax(*stp, stpmin);
    *stp = fmin(*stp, stpmax);
    if ((S->brackt && (*stp <= S->stmin || *stp >= S->stmax)) ||
        (S->brackt && S->stmax - S->stmin <= LS_XTOL * S->stmax))
        *stp = S->stx;
    return LS_FG;
}

/* ---------------------------------------------------------------- L-BFGS */

/* Vector operations on the nv parameters. Large problems (CSR text data: d * k in the millions)
 * spend as much time here as in the loss, so they run on threads; a dot product sums fixed chunks
 * of VCHUNK values, then the chunk sums in order, so the result does not depend on the thread
 * count (and below VCHUNK values it is the plain serial sum). */
#define VCHUNK 8192

static double dot(const double *a, const double *b, int64_t n) {
    int64_t nc = (n + VCHUNK - 1) / VCHUNK;
    if (nc <= 1) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
        return s;
    }
    double part[256], total = 0;
    for (int64_t c0 = 0; c0 < nc; c0 += 256) { /* blocks of 256 chunk sums, added in order */
        int64_t c1 = c0 + 256 < nc ? c0 + 256 : nc;
        int nt = tide_threads_for((c1 - c0) * VCHUNK);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
        for (int64_t c = c0; c < c1; c++) {
            int64_t i0 = c * VCHUNK, i1 = i0 + VCHUNK < n ? i0 + VCHUNK : n;
            double s = 0;
            for (int64_t i = i0; i < i1; i++) s += a[i] * b[i];
            part[c - c0] = s;
        }
        for (int64_t c = c0; c < c1; c++) total += part[c - c0];
    }
    return total;
}

/* y = alpha * x + beta * y; beta == 0 does not read y (it may hold anything) */
static void axpby(double alpha, const double *x, double beta, double *y, int64_t n) {
    int nt = tide_threads_for(n);
    if (beta == 0) {
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
        for (int64_t i = 0; i < n; i++) y[i] = alpha * x[i];
    } else if (beta == 1) {
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
        for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i];
    } else {
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
        for (int64_t i = 0; i < n; i++) y[i] = alpha * x[i] + beta * y[i];
    }
}

static double norm_inf(const double *a, int64_t n) {
    double m = 0;
    int nt = tide_threads_for(n);
#pragma omp parallel for num_threads(nt) schedule(static) reduction(max : m) if (nt > 1)
    for (int64_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

int tide_logistic_fit_lbfgs(const tide_tensor *x, const tide_csr *xs, const tide_tensor *y, const tide_tensor *sw,
                            tide_tensor *coef, double l2, int fit_intercept, int max_iter, double tol,
                            tide_logistic_result *result) {
    const char *op = "logistic_fit_lbfgs";
    lr_problem P;
    if (lr_problem_init(&P, op, x, xs, y, sw, coef, l2, 0.0, fit_intercept) != 0) return -1;
    if (max_iter < 1) return TIDE_FAIL("%s: max_iter must be >= 1, got %d", op, max_iter);
    if (!(tol >= 0) || !isfinite(tol)) return TIDE_FAIL("%s: tol must be finite and >= 0, got %g", op, tol);
    if (!result) return TIDE_FAIL("%s: result must not be NULL", op);
    lr_work W;
    if (lr_work_init(&W, &P, op) != 0) return -1;
    int64_t nv = P.k * P.ldw, m = LBFGS_M;
    /* x, g; t, r (x and g at the start of the line search); d; m pairs s, y; rho; alpha */
    double *buf = malloc((size_t)(nv * (5 + 2 * m) + 2 * m) * sizeof(double));
    if (!buf) {
        lr_work_free(&W);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory for %lld parameters", op, (long long)nv);
    }
    double *xv = (double *)tide_elem_ptr(coef), *g = buf, *t = g + nv, *r = t + nv, *d = r + nv, *S = d + nv,
           *Y = S + m * nv, *sy = Y + m * nv, *alpha = sy + m, *q = alpha + m;
    memset(result, 0, sizeof *result);

    double f = lr_loss_grad(&P, &W, xv, g);
    int64_t nfev = 1, iter = 0;
    int col = 0, head = 0, status = 0; /* pairs in memory; index of the oldest */
    double theta = 1.0;
    if (norm_inf(g, nv) <= tol) status = 1;
    while (!status) {
        /* direction d = -H g (two-loop recursion); -g with no pairs */
        memcpy(q, g, (size_t)nv * sizeof(double));
        for (int j = col - 1; j >= 0; j--) {
            int p = (head + j) % m;
            alpha[p] = dot(S + p * nv, q, nv) / sy[p];
            double a = alpha[p];
            const double *yp = Y + p * nv;
            axpby(-a, yp, 1.0, q, nv);
        }
        double h0 = 1.0 / theta;
        axpby(h0, q, 0.0, q, nv); /* q = h0 * q (x and y the same: beta == 0 reads x only) */
        for (int j = 0; j < col; j++) {
            int p = (head + j) % m;
            double b = alpha[p] - dot(Y + p * nv, q, nv) / sy[p];
            const double *sp = S + p * nv;
            axpby(b, sp, 1.0, q, nv);
        }
        axpby(-1.0, q, 0.0, d, nv);

        /* line search along d from t = x */
        double dnorm = sqrt(dot(d, d, nv));
        double stpmax = 1e10, stp = iter == 0 ? fmin(1.0 / dnorm, stpmax) : 1.0;
        memcpy(t, xv, (size_t)nv * sizeof(double));
        memcpy(r, g, (size_t)nv * sizeof(double));
        double fold = f, gdold = dot(d, g, nv), gd = gdold;
        ls_state ls;
        int ls_status = gdold < 0 ? dcsrch(&ls, 1, f, gd, &stp, 0.0, stpmax) : LS_ERROR;
        int ifun = 0;
        while (ls_status == LS_FG && ifun < LBFGS_MAXLS) {
            memcpy(xv, t, (size_t)nv * sizeof(double));
            axpby(stp, d, 1.0, xv, nv);
            f = lr_loss_grad(&P, &W, xv, g);
            nfev++;
            ifun++;
            gd = dot(d, g, nv);
            ls_status = dcsrch(&ls, 0, f, gd, &stp, 0.0, stpmax);
        }
        if (ls_status == LS_ERROR || ls_status == LS_FG || !isfinite(f)) {
            /* the search failed: back to its start; retry from steepest descent, or stop */
            memcpy(xv, t, (size_t)nv * sizeof(double));
            memcpy(g, r, (size_t)nv * sizeof(double));
            f = fold;
            if (col == 0) {
                status = 3;
                break;
            }
            col = 0;
            head = 0;
            theta = 1.0;
            continue;
        }
        iter++;
        if (iter >= max_iter) break; /* scipy counts the iteration, then stops at maxiter */
        if (norm_inf(g, nv) <= tol) {
            status = 1;
            break;
        }
        if (fold - f <= LBFGS_FTOL * fmax(fmax(fabs(fold), fabs(f)), 1.0)) {
            status = 2;
            break;
        }
        /* the new pair s = stp d, y = g - r, unless s'y is not safely positive */
        double dr = (gd - gdold) * stp, ddum = -gdold * stp;
        if (dr <= DBL_EPSILON * ddum) continue;
        int p;
        if (col < m) {
            p = (head + col) % m;
            col++;
        } else {
            p = head;
            head = (head + 1) % m;
        }
        double *sp = S + p * nv, *yp = Y + p * nv;
        axpby(stp, d, 0.0, sp, nv);
        memcpy(yp, g, (size_t)nv * sizeof(double));
        axpby(-1.0, r, 1.0, yp, nv);
        sy[p] = dr;
        theta = dot(yp, yp, nv) / dr;
    }
    result->n_iter = iter;
    result->n_eval = nfev;
    result->loss = f;
    result->status = status;
    free(buf);
    lr_work_free(&W);
    return 0;
}
