/* loss_pointwise.c — the elementwise losses (see tide/loss.h): mse, l1, huber, smooth_l1,
 * binary_cross_entropy and binary_cross_entropy_with_logits, forward and backward.
 *
 * input, target (and weight, pos_weight when given) share one shape [any] and are read as flat
 * arrays of n elements. Forward computes each element's loss and, for MEAN / SUM, partial sums
 * over fixed chunks of PL_CHUNK elements (added in order afterwards: thread-count independent);
 * backward computes both gradients in the same visit of the inputs.
 */
#include "nn_internal.h"
#include "tide/loss.h"

#include <math.h>
#include <stdlib.h>

#define PL_CHUNK 4096

enum { PL_MSE, PL_L1, PL_HUBER, PL_SMOOTH_L1, PL_BCE, PL_BCE_LOGITS };
static const char *const pl_names[] = {"mse_loss",       "l1_loss",  "huber_loss", "smooth_l1_loss",
                                       "binary_cross_entropy", "binary_cross_entropy_with_logits"};
static const char *const pl_bwd_names[] = {"mse_loss backward",       "l1_loss backward",
                                           "huber_loss backward",     "smooth_l1_loss backward",
                                           "binary_cross_entropy backward",
                                           "binary_cross_entropy_with_logits backward"};

typedef struct pl_job {
    int kind, dtype;
    int64_t n;
    double param;            /* huber delta, smooth_l1 beta */
    const void *x, *y, *w, *pw;
    void *loss;              /* per-element losses (NONE) or NULL */
    double *parts;           /* per-chunk sums */
    const void *g;           /* grad_out per element (NONE) or NULL */
    double gscale;           /* grad_out (SUM) or grad_out / n (MEAN) */
    void *gx, *gy;
    int acc;
} pl_job;

/* ---------------------------------------------------------------- element formulas */

/* softplus(-x) = log(1 + exp(-x)), stable for any x */
#define SOFTPLUS_NEG(T, LOG1P, EXP, FABS) (LOG1P(EXP(-FABS(xv))) + (xv < 0 ? -xv : (T)0))
#define CLAMP_LOG(T, v) ((v) > (T)-100 ? (v) : (T)-100)

/* d = x - y and the loss of one element, by kind */
#define PL_VALUE(T, LOG, LOG1P, EXP, FABS)                                                                             \
    switch (j->kind) {                                                                                                 \
    case PL_MSE: d = xv - yv; l = d * d; break;                                                                        \
    case PL_L1: l = FABS(xv - yv); break;                                                                              \
    case PL_HUBER:                                                                                                     \
        d = xv - yv;                                                                                                   \
        l = FABS(d) <= p ? (T)0.5 * d * d : p * (FABS(d) - (T)0.5 * p);                                                \
        break;                                                                                                         \
    case PL_SMOOTH_L1:                                                                                                 \
        d = xv - yv;                                                                                                   \
        l = FABS(d) < p ? (T)0.5 * d * d / p : FABS(d) - (T)0.5 * p;                                                   \
        break;                                                                                                         \
    case PL_BCE: {                                                                                                     \
        T lp = LOG(xv), l1p = LOG1P(-xv);                                                                              \
        l = -(yv * CLAMP_LOG(T, lp) + (1 - yv) * CLAMP_LOG(T, l1p));                                                   \
        break;                                                                                                         \
    }                                                                                                                  \
    default: { /* PL_BCE_LOGITS */                                                                                     \
        T lw = pw ? 1 + (pw[i] - 1) * yv : (T)1;                                                                       \
        l = (1 - yv) * xv + lw * SOFTPLUS_NEG(T, LOG1P, EXP, FABS);                                                    \
    }                                                                                                                  \
    }

#define PL_FORWARD(T, LOG, LOG1P, EXP, FABS)                                                                           \
    {                                                                                                                  \
        const T *x = j->x, *y = j->y, *w = j->w, *pw = j->pw;                                                          \
        T *loss = j->loss;                                                                                             \
        const T p = (T)j->param;                                                                                       \
        double s = 0;                                                                                                  \
        (void)pw;                                                                                                      \
        for (int64_t i = i0; i < i1; i++) {                                                                            \
            const T xv = x[i], yv = y[i];                                                                              \
            T l, d;                                                                                                    \
            PL_VALUE(T, LOG, LOG1P, EXP, FABS)                                                                         \
            (void)d;                                                                                                   \
            if (w) l *= w[i];                                                                                          \
            if (loss) loss[i] = l;                                                                                     \
            s += l;                                                                                                    \
        }                                                                                                              \
        return s;                                                                                                      \
    }

static TIDE_HOT double pl_forward_f32(const pl_job *j, int64_t i0, int64_t i1)
    PL_FORWARD(float, logf, log1pf, tide_fast_expf, fabsf)
static TIDE_HOT double pl_forward_f64(const pl_job *j, int64_t i0, int64_t i1) PL_FORWARD(double, log, log1p, exp, fabs)

/* d loss / d x (gxv) and d loss / d y (gyv) of one element, before the weight and grad_out */
#define PL_GRAD(T, LOG, LOG1P, EXP, FABS)                                                                              \
    switch (j->kind) {                                                                                                 \
    case PL_MSE: gxv = 2 * (xv - yv); gyv = -gxv; break;                                                               \
    case PL_L1: d = xv - yv; gxv = (T)((d > 0) - (d < 0)); gyv = -gxv; break;                                          \
    case PL_HUBER:                                                                                                     \
        d = xv - yv;                                                                                                   \
        gxv = d < -p ? -p : d > p ? p : d;                                                                             \
        gyv = -gxv;                                                                                                    \
        break;                                                                                                         \
    case PL_SMOOTH_L1:                                                                                                 \
        d = xv - yv;                                                                                                   \
        gxv = FABS(d) < p ? d / p : (T)((d > 0) - (d < 0));                                                            \
        gyv = -gxv;                                                                                                    \
        break;                                                                                                         \
    case PL_BCE: {                                                                                                     \
        T den = (1 - xv) * xv;                                                                                         \
        gxv = (xv - yv) / (den > (T)1e-12 ? den : (T)1e-12);                                                           \
        T lp = LOG(xv), l1p = LOG1P(-xv);                                                                              \
        gyv = CLAMP_LOG(T, l1p) - CLAMP_LOG(T, lp);                                                                    \
        break;                                                                                                         \
    }                                                                                                                  \
    default: { /* PL_BCE_LOGITS: (1 + (pw - 1) y) sigmoid(x) - pw y; -x + (pw - 1) softplus(-x) */                    \
        T pwv = pw ? pw[i] : (T)1;                                                                                     \
        T sig = 1 / (1 + EXP(-xv));                                                                                    \
        gxv = (1 + (pwv - 1) * yv) * sig - pwv * yv;                                                                   \
        gyv = -xv + (pwv - 1) * SOFTPLUS_NEG(T, LOG1P, EXP, FABS);                                                     \
    }                                                                                                                  \
    }

#define PL_BACKWARD(T, LOG, LOG1P, EXP, FABS)                                                                          \
    {                                                                                                                  \
        const T *x = j->x, *y = j->y, *w = j->w, *pw = j->pw, *g = j->g;                                               \
        T *gx = j->gx, *gy = j->gy;                                                                                    \
        const T p = (T)j->param, gs = (T)j->gscale;                                                                    \
        (void)pw;                                                                                                      \
        for (int64_t i = i0; i < i1; i++) {                                                                            \
            const T xv = x[i], yv = y[i];                                                                              \
            T gxv, gyv, d;                                                                                             \
            PL_GRAD(T, LOG, LOG1P, EXP, FABS)                                                                          \
            (void)d;                                                                                                   \
            T sc = g ? g[i] : gs;                                                                                      \
            if (w) sc *= w[i];                                                                                         \
            if (gx) gx[i] = j->acc ? gx[i] + sc * gxv : sc * gxv;                                                      \
            if (gy) gy[i] = j->acc ? gy[i] + sc * gyv : sc * gyv;                                                      \
        }                                                                                                              \
    }

static TIDE_HOT void pl_backward_f32(const pl_job *j, int64_t i0, int64_t i1)
    PL_BACKWARD(float, logf, log1pf, tide_fast_expf, fabsf)
static TIDE_HOT void pl_backward_f64(const pl_job *j, int64_t i0, int64_t i1) PL_BACKWARD(double, log, log1p, exp, fabs)

/* ---------------------------------------------------------------- driver */

static void pl_run(pl_job *j, bool forward) {
    int64_t nchunks = (j->n + PL_CHUNK - 1) / PL_CHUNK;
    int nt = nn_threads(j->n, j->kind >= PL_BCE ? 16 : 2);
    if (nt > nchunks) nt = nchunks > 0 ? (int)nchunks : 1;
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t k = 0; k < nchunks; k++) {
        int64_t i0 = k * PL_CHUNK, i1 = i0 + PL_CHUNK < j->n ? i0 + PL_CHUNK : j->n;
        if (forward)
            j->parts[k] = j->dtype == TIDE_FLOAT32 ? pl_forward_f32(j, i0, i1) : pl_forward_f64(j, i0, i1);
        else if (j->dtype == TIDE_FLOAT32)
            pl_backward_f32(j, i0, i1);
        else
            pl_backward_f64(j, i0, i1);
    }
}

/* Contiguous copies made for a call. */
typedef struct pl_tmps {
    tide_tensor *t[5];
} pl_tmps;

static void pl_release(pl_tmps *tm) {
    for (int i = 0; i < 5; i++) tide_tensor_free(tm->t[i]);
}

/* Checks and contiguous data of input, target, weight, pos_weight for op `kind`. */
static bool pl_prepare(const char *op, int kind, pl_job *j, pl_tmps *tm, const tide_tensor *x, const tide_tensor *y,
                       const tide_tensor *w, const tide_tensor *pw, int reduction, double param) {
    memset(j, 0, sizeof *j);
    memset(tm, 0, sizeof *tm);
    if (!nn_check_float(op, x, "input") || !nn_check_like(op, y, x, "target")) return false;
    if ((w && !nn_check_like(op, w, x, "weight")) || (pw && !nn_check_like(op, pw, x, "pos_weight"))) return false;
    if (!nn_check_reduction(op, reduction)) return false;
    if (kind == PL_HUBER && !(param > 0 && param < INFINITY)) {
        TIDE_FAIL("%s: delta must be a positive number, got %g", op, param);
        return false;
    }
    if (kind == PL_SMOOTH_L1 && !(param >= 0 && param < INFINITY)) {
        TIDE_FAIL("%s: beta must be >= 0, got %g", op, param);
        return false;
    }
    j->kind = kind == PL_SMOOTH_L1 && param == 0 ? PL_L1 : kind;
    j->dtype = x->dtype;
    j->n = x->numel;
    j->param = param;
    if (!(j->x = nn_data(x, &tm->t[0])) || !(j->y = nn_data(y, &tm->t[1])) || (w && !(j->w = nn_data(w, &tm->t[2]))) ||
        (pw && !(j->pw = nn_data(pw, &tm->t[3])))) {
        pl_release(tm);
        return false;
    }
    if (kind == PL_BCE) /* probabilities only: PyTorch refuses the rest too (NaN included) */
        for (int64_t i = 0; i < j->n; i++) {
            double v = j->dtype == TIDE_FLOAT32 ? ((const float *)j->x)[i] : ((const double *)j->x)[i];
            if (!(v >= 0 && v <= 1)) {
                TIDE_FAIL("%s: input must hold probabilities in [0, 1], found %g (for logits use "
                          "binary_cross_entropy_with_logits)",
                          op, v);
                pl_release(tm);
                return false;
            }
        }
    return true;
}

static tide_tensor *pl_forward(int kind, const tide_tensor *x, const tide_tensor *y, const tide_tensor *w,
                               const tide_tensor *pw, tide_tensor *out, int reduction, double param) {
    const char *op = pl_names[kind];
    pl_job j;
    pl_tmps tm;
    if (!nn_check_float(op, x, "input")) return NULL;
    /* the result before any temporary: it may take the caller's result slot */
    tide_tensor *res = nn_result(op, out, reduction == TIDE_REDUCTION_NONE ? x->ndim : 0, x->shape, x->dtype);
    if (!res) return NULL;
    if (!pl_prepare(op, kind, &j, &tm, x, y, w, pw, reduction, param)) goto fail;
    int64_t nchunks = (j.n + PL_CHUNK - 1) / PL_CHUNK;
    double *parts = malloc(sizeof(double) * (size_t)(nchunks + 1));
    if (!parts) {
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        pl_release(&tm);
        goto fail;
    }
    j.parts = parts;
    j.loss = reduction == TIDE_REDUCTION_NONE ? tide_elem_ptr(res) : NULL;
    pl_run(&j, true);
    if (reduction != TIDE_REDUCTION_NONE) {
        double s = 0;
        for (int64_t k = 0; k < nchunks; k++) s += parts[k];
        if (reduction == TIDE_REDUCTION_MEAN) s /= (double)j.n;
        tide_store_from_double(tide_elem_ptr(res), x->dtype, s);
    }
    free(parts);
    pl_release(&tm);
    return res;
fail:
    if (res != out) tide_tensor_free(res);
    return NULL;
}

static int pl_backward(int kind, const tide_tensor *g, const tide_tensor *x, const tide_tensor *y,
                       const tide_tensor *w, const tide_tensor *pw, tide_tensor *gx, tide_tensor *gy, int reduction,
                       double param, int acc) {
    const char *op = pl_bwd_names[kind];
    pl_job j;
    pl_tmps tm;
    if (!pl_prepare(op, kind, &j, &tm, x, y, w, pw, reduction, param)) return -1;
    int status = -1;
    int nd = reduction == TIDE_REDUCTION_NONE ? x->ndim : 0;
    if (!nn_check_float(op, g, "grad_out")) goto done;
    if (g->ndim != nd || memcmp(g->shape, x->shape, sizeof(int64_t) * (size_t)nd) || g->dtype != x->dtype) {
        char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
        TIDE_FAIL("%s: grad_out is %s %s, expected %s %s", op, tide_dtype_name(g->dtype),
                  tide_shape_str(g->ndim, g->shape, b1, sizeof b1), tide_dtype_name(x->dtype),
                  tide_shape_str(nd, x->shape, b2, sizeof b2));
        goto done;
    }
    if ((gx && !nn_check_buffer(op, gx, x->ndim, x->shape, x->dtype, "grad_input")) ||
        (gy && !nn_check_buffer(op, gy, x->ndim, x->shape, x->dtype, "grad_target")))
        goto done;
    const void *gd = nn_data(g, &tm.t[4]);
    if (!gd) goto done;
    if (reduction == TIDE_REDUCTION_NONE)
        j.g = gd;
    else
        j.gscale = tide_load_as_double(gd, g->dtype) / (reduction == TIDE_REDUCTION_MEAN ? (double)j.n : 1.0);
    j.gx = gx ? tide_elem_ptr(gx) : NULL;
    j.gy = gy ? tide_elem_ptr(gy) : NULL;
    j.acc = acc != 0;
    if (gx || gy) pl_run(&j, false);
    status = 0;
done:
    pl_release(&tm);
    return status;
}

/* ---------------------------------------------------------------- entry points */

tide_tensor *tide_mse_loss_forward(const tide_tensor *input, const tide_tensor *target, tide_tensor *out, int reduction) {
    return pl_forward(PL_MSE, input, target, NULL, NULL, out, reduction, 0);
}
int tide_mse_loss_backward(const tide_tensor *grad_out, const tide_tensor *input, const tide_tensor *target,
                           tide_tensor *grad_input, tide_tensor *grad_target, int reduction, int accumulate) {
    return pl_backward(PL_MSE, grad_out, input, target, NULL, NULL, grad_input, grad_target, reduction, 0, accumulate);
}

tide_tensor *tide_l1_loss_forward(const tide_tensor *input, const tide_tensor *target, tide_tensor *out, int reduction) {
    return pl_forward(PL_L1, input, target, NULL, NULL, out, reduction, 0);
}
int tide_l1_loss_backward(const tide_tensor *grad_out, const tide_tensor *input, const tide_tensor *target,
                          tide_tensor *grad_input, tide_tensor *grad_target, int reduction, int accumulate) {
    return pl_backward(PL_L1, grad_out, input, target, NULL, NULL, grad_input, grad_target, reduction, 0, accumulate);
}

tide_tensor *tide_huber_loss_forward(const tide_tensor *input, const tide_tensor *target, tide_tensor *out,
                                     double delta, int reduction) {
    return pl_forward(PL_HUBER, input, target, NULL, NULL, out, reduction, delta);
}
int tide_huber_loss_backward(const tide_tensor *grad_out, const tide_tensor *input, const tide_tensor *target,
                             tide_tensor *grad_input, tide_tensor *grad_target, double delta, int reduction,
                             int accumulate) {
    return pl_backward(PL_HUBER, grad_out, input, target, NULL, NULL, grad_input, grad_target, reduction, delta,
                       accumulate);
}

tide_tensor *tide_smooth_l1_loss_forward(const tide_tensor *input, const tide_tensor *target, tide_tensor *out,
                                         double beta, int reduction) {
    return pl_forward(PL_SMOOTH_L1, input, target, NULL, NULL, out, reduction, beta);
}
int tide_smooth_l1_loss_backward(const tide_tensor *grad_out, const tide_tensor *input, const tide_tensor *target,
                                 tide_tensor *grad_input, tide_tensor *grad_target, double beta, int reduction,
                                 int accumulate) {
    return pl_backward(PL_SMOOTH_L1, grad_out, input, target, NULL, NULL, grad_input, grad_target, reduction, beta,
                       accumulate);
}

tide_tensor *tide_binary_cross_entropy_forward(const tide_tensor *input, const tide_tensor *target,
                                               const tide_tensor *weight, tide_tensor *out, int reduction) {
    return pl_forward(PL_BCE, input, target, weight, NULL, out, reduction, 0);
}
int tide_binary_cross_entropy_backward(const tide_tensor *grad_out, const tide_tensor *input, const tide_tensor *target,
                                       const tide_tensor *weight, tide_tensor *grad_input, tide_tensor *grad_target,
                                       int reduction, int accumulate) {
    return pl_backward(PL_BCE, grad_out, input, target, weight, NULL, grad_input, grad_target, reduction, 0, accumulate);
}

tide_tensor *tide_binary_cross_entropy_with_logits_forward(const tide_tensor *input, const tide_tensor *target,
                                                           const tide_tensor *weight, const tide_tensor *pos_weight,
                                                           tide_tensor *out, int reduction) {
    return pl_forward(PL_BCE_LOGITS, input, target, weight, pos_weight, out, reduction, 0);
}
int tide_binary_cross_entropy_with_logits_backward(const tide_tensor *grad_out, const tide_tensor *input,
                                                   const tide_tensor *target, const tide_tensor *weight,
                                                   const tide_tensor *pos_weight, tide_tensor *grad_input,
                                                   tide_tensor *grad_target, int reduction, int accumulate) {
    return pl_backward(PL_BCE_LOGITS, grad_out, input, target, weight, pos_weight, grad_input, grad_target, reduction,
                       0, accumulate);
}
