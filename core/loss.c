/* loss.c — classification losses: cross_entropy (log_softmax + nll fused) and nll_loss,
 * forward and backward (see tide/loss.h). The elementwise losses are in core/loss_pointwise.c.
 *
 * The input [N, C, d...] is seen as P = N * S samples (S = product of the d dims), the C
 * values of sample p = n * S + s lying at stride S from n * C * S + s. cross_entropy computes
 * each sample's log-sum-exp (max, then sum of exp) and its loss in one visit of its logits;
 * backward recomputes the softmax from the saved lse while writing the gradient, so no [N, C]
 * temporary exists in either direction. Samples are processed in fixed chunks whose partial
 * sums are added in order: the result does not depend on the thread count.
 */
#include "nn_internal.h"
#include "tide/loss.h"

#include <math.h>
#include <stdlib.h>

/* Samples per chunk of the partial sums. */
#define CLS_CHUNK 256

/* ---------------------------------------------------------------- checks */

/* The class-dim view of an input: N, C, S, P. */
typedef struct cls_shape {
    int64_t N, C, S, P;
} cls_shape;

static bool cls_check_input(const char *op, const tide_tensor *x, cls_shape *sh) {
    if (!nn_check_nc(op, x)) return false;
    sh->N = x->shape[0];
    sh->C = x->shape[1];
    sh->S = tide_shape_numel(x->ndim - 2, x->shape + 2);
    sh->P = sh->N * sh->S;
    return true;
}

/* The shape of per-sample results: the input's without the class dim. */
static int sample_shape(const tide_tensor *x, int64_t *shape) {
    shape[0] = x->shape[0];
    for (int d = 2; d < x->ndim; d++) shape[d - 1] = x->shape[d];
    return x->ndim - 1;
}

static inline int64_t class_at(const void *t, int dtype, int64_t p) {
    return dtype == TIDE_INT64 ? ((const int64_t *)t)[p] : (int64_t)((const int32_t *)t)[p];
}

/* target of class ids with the sample shape; every id in range or ignored. Returns the data. */
static const void *cls_check_target(const char *op, const tide_tensor *x, const tide_tensor *target, const cls_shape *sh,
                                    int64_t ignore, int64_t base, tide_tensor **tmp) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ], b3[TIDE_SHAPE_BUFSZ];
    int64_t shape[TIDE_MAX_DIMS];
    int nd = sample_shape(x, shape);
    *tmp = NULL;
    if (target->ndim != nd || memcmp(target->shape, shape, sizeof(int64_t) * (size_t)nd)) {
        TIDE_FAIL("%s: target has shape %s, expected %s for input of shape %s", op,
                  tide_shape_str(target->ndim, target->shape, b1, sizeof b1), tide_shape_str(nd, shape, b2, sizeof b2),
                  tide_shape_str(x->ndim, x->shape, b3, sizeof b3));
        return NULL;
    }
    const void *t = nn_data(target, tmp);
    if (!t) return NULL;
    for (int64_t p = 0; p < sh->P; p++) {
        int64_t y = class_at(t, target->dtype, p);
        if (y != ignore && (y < base || y - base >= sh->C)) {
            TIDE_FAIL("%s: target%s = %lld is out of range for %lld classes", op,
                      nn_index_str(nd, shape, p, base, b1, sizeof b1), (long long)y, (long long)sh->C);
            tide_tensor_free(*tmp);
            *tmp = NULL;
            return NULL;
        }
    }
    return t;
}

/* Class weights as doubles (all 1 when weight is NULL); *wsum = their sum. NULL on failure. */
static double *class_weights(const char *op, const tide_tensor *weight, int64_t C, int dtype, double *wsum) {
    if (!nn_check_vector(op, weight, C, dtype, "weight")) return NULL;
    double *w = malloc(sizeof(double) * (size_t)(C + 1));
    if (!w) {
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        return NULL;
    }
    double s = 0;
    for (int64_t c = 0; c < C; c++) s += w[c] = weight ? nn_vec_at(weight, c) : 1;
    *wsum = s;
    return w;
}

/* ---------------------------------------------------------------- sample kernels */

/* log-sum-exp of C values at stride cs */
#define LSE(T, EXP)                                                                                                    \
    {                                                                                                                  \
        T m = -INFINITY;                                                                                               \
        for (int64_t c = 0; c < C; c++) m = z[c * cs] > m ? z[c * cs] : m;                                             \
        if (m == -INFINITY || m == INFINITY) return m;                                                                 \
        double se = 0;                                                                                                 \
        if (cs == 1)                                                                                                   \
            _Pragma("omp simd reduction(+ : se)") for (int64_t c = 0; c < C; c++) se += EXP(z[c] - m);                \
        else                                                                                                           \
            for (int64_t c = 0; c < C; c++) se += EXP(z[c * cs] - m);                                                  \
        return (double)m + log(se);                                                                                    \
    }
static TIDE_HOT double lse_f32(const float *z, int64_t C, int64_t cs) LSE(float, tide_fast_expf)
static TIDE_HOT double lse_f64(const double *z, int64_t C, int64_t cs) LSE(double, exp)

/* What one pass over chunks of samples computes. */
typedef struct cls_job {
    int dtype;
    const void *z;          /* input [N, C, S] */
    const void *tgt;        /* class ids [P] or probabilities [N, C, S] */
    int tdtype;             /* dtype of tgt */
    bool soft;              /* probability targets */
    const double *w;        /* class weights [C] */
    double wsum;            /* their sum */
    int64_t N, C, S, P;
    int64_t ignore, base;
    double eps;             /* label smoothing */
    bool nll;               /* nll_loss: z holds log-probabilities */
    /* forward */
    void *loss;             /* [P] per-sample losses (NONE) or NULL */
    void *lse;              /* [P] saved lse or NULL */
    double *part_loss, *part_w; /* per chunk */
    /* backward */
    const void *g;          /* grad_out: [P] (NONE) or NULL */
    double gscale;          /* grad_out / denominator (MEAN, SUM) */
    void *gz, *gt;          /* gradients [N, C, S] */
    int acc;
} cls_job;

static inline double load(const void *p, int dtype, int64_t i) {
    return dtype == TIDE_FLOAT32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}
static inline void store(void *p, int dtype, int64_t i, double v) {
    if (dtype == TIDE_FLOAT32)
        ((float *)p)[i] = (float)v;
    else
        ((double *)p)[i] = v;
}
static inline void store_acc(void *p, int dtype, int64_t i, double v, int acc) {
    if (dtype == TIDE_FLOAT32)
        ((float *)p)[i] = acc ? ((float *)p)[i] + (float)v : (float)v;
    else
        ((double *)p)[i] = acc ? ((double *)p)[i] + v : v;
}

static double sample_lse(const cls_job *j, int64_t zoff) {
    if (j->dtype == TIDE_FLOAT32) return lse_f32((const float *)j->z + zoff, j->C, j->S);
    return lse_f64((const double *)j->z + zoff, j->C, j->S);
}

/* Forward of the samples [p0, p1): per-sample losses and the chunk's sums. */
static TIDE_HOT void cls_forward_chunk(const cls_job *j, int64_t k, int64_t p0, int64_t p1) {
    const int64_t C = j->C, S = j->S, dt = j->dtype;
    const double eps = j->eps;
    double sl = 0, sw = 0;
    for (int64_t p = p0; p < p1; p++) {
        const int64_t n = p / S, s = p - n * S, zoff = n * C * S + s;
        double l = 0, wy = 0;
        if (j->soft) {
            double lse = sample_lse(j, zoff);
            for (int64_t c = 0; c < C; c++) {
                double t = load(j->tgt, dt, zoff + c * S);
                if (eps > 0) t = (1 - eps) * t + eps / (double)C;
                if (t != 0) l += j->w[c] * t * (lse - load(j->z, dt, zoff + c * S));
            }
            wy = 1;
            if (j->lse) store(j->lse, dt, p, lse);
        } else {
            int64_t y = class_at(j->tgt, j->tdtype, p);
            if (y == j->ignore) {
                if (j->loss) store(j->loss, dt, p, 0);
                if (j->lse) store(j->lse, dt, p, 0);
                continue;
            }
            y -= j->base;
            wy = j->w[y];
            if (j->nll) {
                l = -wy * load(j->z, dt, zoff + y * S);
            } else {
                double lse = sample_lse(j, zoff);
                l = (1 - eps) * wy * (lse - load(j->z, dt, zoff + y * S));
                if (eps > 0) {
                    double sm = 0;
                    for (int64_t c = 0; c < C; c++) sm += j->w[c] * (lse - load(j->z, dt, zoff + c * S));
                    l += eps / (double)C * sm;
                }
                if (j->lse) store(j->lse, dt, p, lse);
            }
        }
        if (j->loss) store(j->loss, dt, p, l);
        sl += l;
        sw += wy;
    }
    j->part_loss[k] = sl;
    j->part_w[k] = sw;
}

/* exp(z - lse) along one sample, for the gradient */
static inline double prob(const cls_job *j, int64_t i, double lse) { return exp(load(j->z, j->dtype, i) - lse); }

/* Backward of the samples [p0, p1). */
static TIDE_HOT void cls_backward_chunk(const cls_job *j, int64_t p0, int64_t p1) {
    const int64_t C = j->C, S = j->S;
    const int dt = j->dtype, acc = j->acc;
    const double eps = j->eps;
    for (int64_t p = p0; p < p1; p++) {
        const int64_t n = p / S, s = p - n * S, zoff = n * C * S + s;
        const double gp = j->g ? load(j->g, dt, p) : j->gscale;
        if (j->soft) {
            double lse = j->lse ? load(j->lse, dt, p) : sample_lse(j, zoff), tw = 0;
            for (int64_t c = 0; c < C; c++) {
                double t = load(j->tgt, dt, zoff + c * S);
                tw += j->w[c] * (eps > 0 ? (1 - eps) * t + eps / (double)C : t);
            }
            for (int64_t c = 0; c < C; c++) {
                const int64_t i = zoff + c * S;
                double t = load(j->tgt, dt, i);
                if (eps > 0) t = (1 - eps) * t + eps / (double)C;
                if (j->gz) store_acc(j->gz, dt, i, gp * (prob(j, i, lse) * tw - j->w[c] * t), acc);
                if (j->gt) store_acc(j->gt, dt, i, gp * (1 - eps) * j->w[c] * (lse - load(j->z, dt, i)), acc);
            }
            continue;
        }
        int64_t y = class_at(j->tgt, j->tdtype, p);
        if (y == j->ignore) {
            if (!acc)
                for (int64_t c = 0; c < C; c++) store(j->gz, dt, zoff + c * S, 0);
            continue;
        }
        y -= j->base;
        const double wy = j->w[y];
        if (j->nll) {
            if (!acc)
                for (int64_t c = 0; c < C; c++) store(j->gz, dt, zoff + c * S, 0);
            store_acc(j->gz, dt, zoff + y * S, -wy * gp, 1);
            continue;
        }
        /* d/dz_c = a (p_c - [c == y]) + b sum_k w_k (p_c - [c == k]), a = (1 - eps) w_y, b = eps / C */
        const double lse = j->lse ? load(j->lse, dt, p) : sample_lse(j, zoff);
        const double a = (1 - eps) * wy, b = eps / (double)C, coef = a + b * j->wsum;
        if (dt == TIDE_FLOAT32 && S == 1 && eps == 0) {
            /* the common case, vectorised: gz = gp * a * (softmax - onehot) */
            const float *z = (const float *)j->z + zoff;
            float *o = (float *)j->gz + zoff;
            const float fl = (float)lse, fc = (float)(gp * coef);
            if (acc)
                _Pragma("omp simd") for (int64_t c = 0; c < C; c++) o[c] += fc * tide_fast_expf(z[c] - fl);
            else
                _Pragma("omp simd") for (int64_t c = 0; c < C; c++) o[c] = fc * tide_fast_expf(z[c] - fl);
        } else {
            for (int64_t c = 0; c < C; c++) {
                const int64_t i = zoff + c * S;
                store_acc(j->gz, dt, i, gp * (prob(j, i, lse) * coef - b * j->w[c]), acc);
            }
        }
        store_acc(j->gz, dt, zoff + y * S, -gp * a, 1);
    }
}

/* Run fn over chunks of CLS_CHUNK samples, in parallel when the work is large. */
static void cls_run(cls_job *j, bool forward) {
    int64_t nchunks = (j->P + CLS_CHUNK - 1) / CLS_CHUNK;
    int nt = nn_threads(j->P * j->C, forward ? 6 : 8);
    if (nt > nchunks) nt = (int)(nchunks > 0 ? nchunks : 1);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t k = 0; k < nchunks; k++) {
        int64_t p0 = k * CLS_CHUNK, p1 = p0 + CLS_CHUNK < j->P ? p0 + CLS_CHUNK : j->P;
        if (forward)
            cls_forward_chunk(j, k, p0, p1);
        else
            cls_backward_chunk(j, p0, p1);
    }
}

/* ---------------------------------------------------------------- entry points */

/* Everything forward and backward share: checks, contiguous data, class weights. */
typedef struct cls_setup {
    cls_job j;
    tide_tensor *tz, *tt; /* contiguous copies to free */
    double *w;
} cls_setup;

static void cls_release(cls_setup *st) {
    tide_tensor_free(st->tz);
    tide_tensor_free(st->tt);
    free(st->w);
}

static bool cls_prepare(const char *op, cls_setup *st, const tide_tensor *x, const tide_tensor *target,
                        const tide_tensor *weight, int64_t ignore, double eps, int reduction, int64_t base, bool nll,
                        bool allow_soft) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    memset(st, 0, sizeof *st);
    cls_job *j = &st->j;
    cls_shape sh;
    if (!cls_check_input(op, x, &sh) || !nn_check_reduction(op, reduction)) return false;
    if (!target) {
        TIDE_FAIL("%s: target is NULL (freed?)", op);
        return false;
    }
    if (!(eps >= 0 && eps <= 1)) {
        TIDE_FAIL("%s: label_smoothing must be in [0, 1], got %g", op, eps);
        return false;
    }
    j->dtype = x->dtype;
    j->N = sh.N, j->C = sh.C, j->S = sh.S, j->P = sh.P;
    j->ignore = ignore, j->base = base, j->eps = eps, j->nll = nll;
    if (tide_is_float(target->dtype)) {
        if (!allow_soft) {
            TIDE_FAIL("%s: target must hold class ids (int64), got %s", op, tide_dtype_name(target->dtype));
            return false;
        }
        if (!tide_same_shape(target, x)) {
            TIDE_FAIL("%s: a probability target must have the input's shape %s, got %s", op,
                      tide_shape_str(x->ndim, x->shape, b1, sizeof b1),
                      tide_shape_str(target->ndim, target->shape, b2, sizeof b2));
            return false;
        }
        if (target->dtype != x->dtype) {
            TIDE_FAIL("%s: target is %s, the input %s", op, tide_dtype_name(target->dtype), tide_dtype_name(x->dtype));
            return false;
        }
        j->soft = true;
        if (!(j->tgt = nn_data(target, &st->tt))) return false;
    } else {
        if (target->dtype != TIDE_INT64 && target->dtype != TIDE_INT32) {
            TIDE_FAIL("%s: target must hold class ids (int64) or probabilities (float), got %s", op,
                      tide_dtype_name(target->dtype));
            return false;
        }
        if (!(j->tgt = cls_check_target(op, x, target, &sh, ignore, base, &st->tt))) return false;
    }
    j->tdtype = target->dtype;
    if (!(st->w = class_weights(op, weight, sh.C, x->dtype, &j->wsum))) {
        cls_release(st);
        return false;
    }
    j->w = st->w;
    if (!(j->z = nn_data(x, &st->tz))) {
        cls_release(st);
        return false;
    }
    return true;
}

static tide_tensor *cls_forward(const char *op, const tide_tensor *x, const tide_tensor *target,
                                const tide_tensor *weight, tide_tensor *out, tide_tensor *save_lse, int64_t ignore,
                                double eps, int reduction, int64_t base, bool nll) {
    /* the result first: it may take the caller's result slot */
    int64_t shape[TIDE_MAX_DIMS];
    if (!cls_check_input(op, x, &(cls_shape){0}) || !nn_check_reduction(op, reduction)) return NULL;
    int nd = reduction == TIDE_REDUCTION_NONE ? sample_shape(x, shape) : 0;
    tide_tensor *res = nn_result(op, out, nd, shape, x->dtype);
    if (!res) return NULL;
    cls_setup st;
    if (!cls_prepare(op, &st, x, target, weight, ignore, eps, reduction, base, nll, !nll)) goto fail;
    cls_job *j = &st.j;
    if (save_lse && (save_lse->numel != j->P || save_lse->dtype != x->dtype || !tide_tensor_is_contiguous(save_lse))) {
        TIDE_FAIL("%s: save_lse must be a contiguous %s tensor of %lld elements", op, tide_dtype_name(x->dtype),
                  (long long)j->P);
        cls_release(&st);
        goto fail;
    }
    int64_t nchunks = (j->P + CLS_CHUNK - 1) / CLS_CHUNK;
    double *parts = malloc(sizeof(double) * (size_t)(2 * nchunks + 1));
    if (!parts) {
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        cls_release(&st);
        goto fail;
    }
    j->part_loss = parts, j->part_w = parts + nchunks;
    j->loss = reduction == TIDE_REDUCTION_NONE ? tide_elem_ptr(res) : NULL;
    j->lse = save_lse ? tide_elem_ptr(save_lse) : NULL;
    cls_run(j, true);
    if (reduction != TIDE_REDUCTION_NONE) {
        double sl = 0, sw = 0;
        for (int64_t k = 0; k < nchunks; k++) sl += parts[k], sw += parts[nchunks + k];
        /* MEAN: by the total weight of the samples counted (probability targets: their number) */
        store(tide_elem_ptr(res), x->dtype, 0, reduction == TIDE_REDUCTION_MEAN ? sl / sw : sl);
    }
    free(parts);
    cls_release(&st);
    return res;
fail:
    if (res != out) tide_tensor_free(res);
    return NULL;
}

/* Total weight of the counted samples (the MEAN denominator), in chunk order like the forward. */
static double total_weight(const cls_job *j) {
    if (j->soft) return (double)j->P;
    double s = 0;
    for (int64_t k = 0; k * CLS_CHUNK < j->P; k++) {
        double part = 0;
        int64_t p1 = (k + 1) * CLS_CHUNK < j->P ? (k + 1) * CLS_CHUNK : j->P;
        for (int64_t p = k * CLS_CHUNK; p < p1; p++) {
            int64_t y = class_at(j->tgt, j->tdtype, p);
            if (y != j->ignore) part += j->w[y - j->base];
        }
        s += part;
    }
    return s;
}

static int cls_backward(const char *op, const tide_tensor *g, const tide_tensor *x, const tide_tensor *target,
                        const tide_tensor *weight, const tide_tensor *save_lse, tide_tensor *gx, tide_tensor *gt,
                        int64_t ignore, double eps, int reduction, int64_t base, bool nll, int acc) {
    cls_setup st;
    if (!cls_prepare(op, &st, x, target, weight, ignore, eps, reduction, base, nll, !nll)) return -1;
    cls_job *j = &st.j;
    int64_t shape[TIDE_MAX_DIMS];
    int nd = reduction == TIDE_REDUCTION_NONE ? sample_shape(x, shape) : 0;
    tide_tensor *tg = NULL;
    int status = -1;
    if (!g || !nn_check_float(op, g, "grad_out")) goto done;
    if (g->ndim != nd || memcmp(g->shape, shape, sizeof(int64_t) * (size_t)nd) || g->dtype != x->dtype) {
        char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
        TIDE_FAIL("%s: grad_out is %s %s, expected %s %s", op, tide_dtype_name(g->dtype),
                  tide_shape_str(g->ndim, g->shape, b1, sizeof b1), tide_dtype_name(x->dtype),
                  tide_shape_str(nd, shape, b2, sizeof b2));
        goto done;
    }
    if (gx && !nn_check_buffer(op, gx, x->ndim, x->shape, x->dtype, "grad_input")) goto done;
    if (gt) {
        if (!j->soft) {
            TIDE_FAIL("%s: class-id targets have no gradient (grad_target must be NULL)", op);
            goto done;
        }
        if (!nn_check_buffer(op, gt, x->ndim, x->shape, x->dtype, "grad_target")) goto done;
    }
    if (save_lse && (save_lse->numel != j->P || save_lse->dtype != x->dtype || !tide_tensor_is_contiguous(save_lse))) {
        TIDE_FAIL("%s: save_lse must be a contiguous %s tensor of %lld elements", op, tide_dtype_name(x->dtype),
                  (long long)j->P);
        goto done;
    }
    if (!gx && !gt) {
        status = 0;
        goto done;
    }
    const void *gd = nn_data(g, &tg);
    if (!gd) goto done;
    if (reduction == TIDE_REDUCTION_NONE) {
        j->g = gd;
    } else {
        double g0 = load(gd, g->dtype, 0);
        j->gscale = reduction == TIDE_REDUCTION_MEAN ? g0 / total_weight(j) : g0;
    }
    j->lse = save_lse ? tide_elem_ptr(save_lse) : NULL;
    j->gz = gx ? tide_elem_ptr(gx) : NULL;
    j->gt = gt ? tide_elem_ptr(gt) : NULL;
    j->acc = acc != 0;
    cls_run(j, false);
    status = 0;
done:
    tide_tensor_free(tg);
    cls_release(&st);
    return status;
}

tide_tensor *tide_cross_entropy_forward(const tide_tensor *logits, const tide_tensor *target, const tide_tensor *weight,
                                        tide_tensor *out, tide_tensor *save_lse, int64_t ignore_index,
                                        double label_smoothing, int reduction, int64_t index_base) {
    return cls_forward("cross_entropy", logits, target, weight, out, save_lse, ignore_index, label_smoothing, reduction,
                       index_base, false);
}

int tide_cross_entropy_backward(const tide_tensor *grad_out, const tide_tensor *logits, const tide_tensor *target,
                                const tide_tensor *weight, const tide_tensor *save_lse, tide_tensor *grad_logits,
                                tide_tensor *grad_target, int64_t ignore_index, double label_smoothing, int reduction,
                                int64_t index_base, int accumulate) {
    return cls_backward("cross_entropy backward", grad_out, logits, target, weight, save_lse, grad_logits, grad_target,
                        ignore_index, label_smoothing, reduction, index_base, false, accumulate);
}

tide_tensor *tide_nll_loss_forward(const tide_tensor *input, const tide_tensor *target, const tide_tensor *weight,
                                   tide_tensor *out, int64_t ignore_index, int reduction, int64_t index_base) {
    return cls_forward("nll_loss", input, target, weight, out, NULL, ignore_index, 0, reduction, index_base, true);
}

int tide_nll_loss_backward(const tide_tensor *grad_out, const tide_tensor *input, const tide_tensor *target,
                           const tide_tensor *weight, tide_tensor *grad_input, int64_t ignore_index, int reduction,
                           int64_t index_base, int accumulate) {
    return cls_backward("nll_loss backward", grad_out, input, target, weight, NULL, grad_input, NULL, ignore_index, 0,
                        reduction, index_base, true, accumulate);
}
