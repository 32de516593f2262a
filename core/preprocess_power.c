/* preprocess_power.c — the Yeo-Johnson power transform of tide.preprocess.PowerTransformer and
 * its lambda search, step for step as scikit-learn 1.2 / SciPy 1.10 (see tide/preprocess.h). */
#include "tide/preprocess.h"
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

static double yj(double x, double l) {
    if (x >= 0) return fabs(l) < DBL_EPSILON ? log1p(x) : (pow(x + 1, l) - 1) / l;
    if (fabs(l - 2) > DBL_EPSILON) return -(pow(-x + 1, 2 - l) - 1) / (2 - l);
    return -log1p(-x);
}

static double yj_inverse(double x, double l) {
    if (x >= 0) return fabs(l) < DBL_EPSILON ? exp(x) - 1 : pow(x * l + 1, 1 / l) - 1;
    if (fabs(l - 2) > DBL_EPSILON) return 1 - pow(-(2 - l) * x + 1, 1 / (2 - l));
    return 1 - exp(-x);
}

typedef struct {
    const double *x; /* [m] non-NaN values */
    int64_t m;
    double *t;       /* [m] scratch */
    double sign_log; /* sum(sign(x) * log1p(|x|)) */
} yj_problem;

/* scikit-learn's _neg_log_likelihood */
static double yj_nll(const yj_problem *p, double l) {
    for (int64_t i = 0; i < p->m; i++) p->t[i] = yj(p->x[i], l);
    double mean = tide_pairwise_sum(p->t, p->m) / (double)p->m;
    for (int64_t i = 0; i < p->m; i++) {
        double dv = p->t[i] - mean;
        p->t[i] = dv * dv;
    }
    double var = tide_pairwise_sum(p->t, p->m) / (double)p->m;
    if (var < DBL_MIN) return INFINITY;
    double loglike = -(double)p->m / 2 * log(var);
    loglike += (l - 1) * p->sign_log;
    return -loglike;
}

/* scipy.optimize.bracket(func, xa, xb): grow_limit 110, maxiter 1000. Returns 0, or -1 when
 * it runs out of iterations. */
static int bracket(const yj_problem *p, double xa, double xb, double *oa, double *ob, double *oc, double *ofa,
                   double *ofb, double *ofc) {
    const double gold = 1.618034, verysmall = 1e-21, grow_limit = 110.0;
    double fa = yj_nll(p, xa), fb = yj_nll(p, xb), t;
    if (fa < fb) {
        t = xa; xa = xb; xb = t;
        t = fa; fa = fb; fb = t;
    }
    double xc = xb + gold * (xb - xa), fc = yj_nll(p, xc), w, fw;
    int iter = 0;
    while (fc < fb) {
        double tmp1 = (xb - xa) * (fb - fc), tmp2 = (xb - xc) * (fb - fa), val = tmp2 - tmp1;
        double denom = fabs(val) < verysmall ? 2.0 * verysmall : 2.0 * val;
        w = xb - ((xb - xc) * tmp2 - (xb - xa) * tmp1) / denom;
        double wlim = xb + grow_limit * (xc - xb);
        if (iter > 1000) return -1;
        iter++;
        if ((w - xc) * (xb - w) > 0.0) {
            fw = yj_nll(p, w);
            if (fw < fc) {
                xa = xb; xb = w; fa = fb; fb = fw;
                goto done;
            } else if (fw > fb) {
                xc = w; fc = fw;
                goto done;
            }
            w = xc + gold * (xc - xb);
            fw = yj_nll(p, w);
        } else if ((w - wlim) * (wlim - xc) >= 0.0) {
            w = wlim;
            fw = yj_nll(p, w);
        } else if ((w - wlim) * (xc - w) > 0.0) {
            fw = yj_nll(p, w);
            if (fw < fc) {
                xb = xc; xc = w; w = xc + gold * (xc - xb);
                fb = fc; fc = fw; fw = yj_nll(p, w);
            }
        } else {
            w = xc + gold * (xc - xb);
            fw = yj_nll(p, w);
        }
        xa = xb; xb = xc; xc = w;
        fa = fb; fb = fc; fc = fw;
    }
done:
    *oa = xa; *ob = xb; *oc = xc; *ofa = fa; *ofb = fb; *ofc = fc;
    return 0;
}

/* scipy.optimize.Brent.optimize: tol 1.48e-8, mintol 1e-11, maxiter 500 */
static double brent(const yj_problem *p, double xa, double xb, double xc, double fb) {
    const double tol = 1.48e-8, mintol = 1.0e-11, cg = 0.3819660;
    double x = xb, w = xb, v = xb, fw = fb, fv = fb, fx = fb;
    double a = xa < xc ? xa : xc, b = xa < xc ? xc : xa;
    double deltax = 0.0, rat = 0.0, u, fu;
    for (int iter = 0; iter < 500; iter++) {
        double tol1 = tol * fabs(x) + mintol, tol2 = 2.0 * tol1, xmid = 0.5 * (a + b);
        if (fabs(x - xmid) < (tol2 - 0.5 * (b - a))) break;
        if (fabs(deltax) <= tol1) {
            deltax = x >= xmid ? a - x : b - x; /* golden section */
            rat = cg * deltax;
        } else { /* parabolic step */
            double tmp1 = (x - w) * (fx - fv), tmp2 = (x - v) * (fx - fw);
            double pp = (x - v) * tmp2 - (x - w) * tmp1;
            tmp2 = 2.0 * (tmp2 - tmp1);
            if (tmp2 > 0.0) pp = -pp;
            tmp2 = fabs(tmp2);
            double dx_temp = deltax;
            deltax = rat;
            if (pp > tmp2 * (a - x) && pp < tmp2 * (b - x) && fabs(pp) < fabs(0.5 * tmp2 * dx_temp)) {
                rat = pp * 1.0 / tmp2;
                u = x + rat;
                if ((u - a) < tol2 || (b - u) < tol2) rat = xmid - x >= 0 ? tol1 : -tol1;
            } else {
                deltax = x >= xmid ? a - x : b - x;
                rat = cg * deltax;
            }
        }
        if (fabs(rat) < tol1) u = rat >= 0 ? x + tol1 : x - tol1;
        else u = x + rat;
        fu = yj_nll(p, u);
        if (fu > fx) {
            if (u < x) a = u;
            else b = u;
            if (fu <= fw || w == x) {
                v = w; w = u; fv = fw; fw = fu;
            } else if (fu <= fv || v == x || v == w) {
                v = u; fv = fu;
            }
        } else {
            if (u >= x) a = x;
            else b = x;
            v = w; w = x; x = u;
            fv = fw; fw = fx; fx = fu;
        }
    }
    return x;
}

int tide_preprocess_yeojohnson_lambdas(const tide_tensor *x, double *lambdas) {
    if (!x || x->dtype != TIDE_FLOAT64 || x->ndim != 2) return TIDE_FAIL("yeojohnson_lambdas: expected a float64 tensor [n, d]");
    if (!lambdas) return TIDE_FAIL("yeojohnson_lambdas: output buffer is NULL");
    int64_t n = x->shape[0], d = x->shape[1];
    const double *px = (const double *)tide_elem_ptr(x);
    double *buf = malloc((size_t)(2 * (n > 0 ? n : 1)) * sizeof(double));
    if (!buf) return tide_fail(TIDE_ENOMEM, "yeojohnson_lambdas: out of memory");
    int status = 0;
    for (int64_t j = 0; j < d && !status; j++) {
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++) {
            double v = px[i * x->stride[0] + j * x->stride[1]];
            if (!isnan(v)) buf[m++] = v;
        }
        if (m == 0) { lambdas[j] = NAN; continue; }
        double *t = buf + n;
        for (int64_t i = 0; i < m; i++) t[i] = buf[i] > 0 ? log1p(fabs(buf[i])) : (buf[i] < 0 ? -log1p(fabs(buf[i])) : 0.0);
        yj_problem p = {buf, m, t, tide_pairwise_sum(t, m)};
        double a, b, c, fa, fb, fc;
        if (bracket(&p, -2, 2, &a, &b, &c, &fa, &fb, &fc)) {
            status = TIDE_FAIL("yeojohnson_lambdas: no minimum bracketed for column %lld", (long long)j);
            break;
        }
        lambdas[j] = brent(&p, a, b, c, fb);
    }
    free(buf);
    return status;
}

tide_tensor *tide_preprocess_yeojohnson(const tide_tensor *x, const double *lambdas, int inverse, tide_tensor *out) {
    if (!x || x->dtype != TIDE_FLOAT64 || x->ndim != 2) {
        TIDE_FAIL("yeojohnson: expected a float64 tensor [n, d]");
        return NULL;
    }
    if (!lambdas) {
        TIDE_FAIL("yeojohnson: lambdas is NULL");
        return NULL;
    }
    int64_t n = x->shape[0], d = x->shape[1];
    tide_tensor *r = tide_out_or_alloc("yeojohnson", out, 2, x->shape, TIDE_FLOAT64);
    if (!r) return NULL;
    const double *px = (const double *)tide_elem_ptr(x);
    double *po = (double *)tide_elem_ptr(r);
    int nth = tide_threads_for(n * d * 8);
#pragma omp parallel for num_threads(nth) schedule(static) if (nth > 1)
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++) {
            double v = px[i * x->stride[0] + j * x->stride[1]];
            po[i * r->stride[0] + j * r->stride[1]] = isnan(v) ? v : (inverse ? yj_inverse(v, lambdas[j]) : yj(v, lambdas[j]));
        }
    return r;
}
