/* logistic_internal.h — what core/logistic.c (loss, L-BFGS) and core/logistic_cd.c (coordinate
 * descent) share: the validated problem and the pointwise half log-losses. Not public. */
#ifndef TIDE_LOGISTIC_INTERNAL_H
#define TIDE_LOGISTIC_INTERNAL_H

#include "internal.h"
#include "tide/logistic.h"

#include <math.h>

/* One validated fit problem (see tide/logistic.h for the argument rules). */
typedef struct lr_problem {
    int64_t n, d, k;    /* samples, features, rows of coef (1: binomial, >= 2: multinomial) */
    int64_t ldw;        /* d + fi: the row length of coef */
    int fi;             /* fit_intercept */
    const double *x;    /* dense float64 [n, d], or NULL */
    const tide_csr *xs; /* CSR, or NULL */
    const int64_t *y;   /* [n] */
    const double *sw;   /* [n] or NULL (all 1) */
    double l2, l1;
} lr_problem;

/* Check the arguments and fill P; coef is checked for shape [k, d + fi] (k from its first dim).
 * op names the caller in messages. */
int lr_problem_init(lr_problem *P, const char *op, const tide_tensor *x, const tide_csr *xs, const tide_tensor *y,
                    const tide_tensor *sw, const tide_tensor *coef, double l2, double l1, int fit_intercept);

/* log(1 + exp(z)) without overflow or cancellation */
static inline double lr_log1pexp(double z) { return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)); }

/* 1 / (1 + exp(-z)) without overflow */
static inline double lr_sigmoid(double z) {
    if (z >= 0) return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

/* The loss of row i with scores z [k] (intercepts included), weighted; z becomes
 * sw_i * dloss/dz: multinomial loss logsumexp(z) - z[y], gradient softmax(z) - onehot(y);
 * binomial (k = 1) loss log(1 + exp(z)) - y z, gradient sigmoid(z) - y. */
static inline double lr_row_grad(const lr_problem *P, int64_t i, double *z) {
    int64_t k = P->k, y = P->y[i];
    double s = P->sw ? P->sw[i] : 1.0;
    if (k == 1) {
        double zi = z[0], yi = (double)y;
        z[0] = s * (lr_sigmoid(zi) - yi);
        return s * (lr_log1pexp(zi) - yi * zi);
    }
    double m = z[0], zy = z[y], sum = 0;
    for (int64_t c = 1; c < k; c++) m = z[c] > m ? z[c] : m;
    for (int64_t c = 0; c < k; c++) sum += (z[c] = exp(z[c] - m));
    double inv = s / sum;
    for (int64_t c = 0; c < k; c++) z[c] *= inv;
    z[y] -= s;
    return s * (m + log(sum) - zy);
}

/* Dense X with k <= LR_FUSED_MAX_K: the loss terms rowloss [n] and the gradient grad [k, ldw]
 * without the L2 term, in one pass over X (logistic_dense.c); the same result for any thread
 * count. part: scratch of lr_fused_scratch(P) doubles. */
#define LR_FUSED_MAX_K 16
int64_t lr_fused_scratch(const lr_problem *P);
void lr_fused_dense(const lr_problem *P, const double *coef, double *rowloss, double *grad, double *part);

/* Raw scores Z [n, k] = X W^T + b (W = coef without the intercept column); wt: scratch [d, k]
 * for CSR input (unused for dense). */
void lr_scores(const lr_problem *P, const double *coef, double *Z, double *wt);

/* Scratch of one fit: scores / pointwise gradients, per-row losses, and for CSR input W^T and
 * the transpose of X (for X^T R). */
typedef struct lr_work {
    double *Z;       /* [n, k] */
    double *rowloss; /* [n] */
    double *wt;      /* CSR input: [d, k] */
    int64_t *tptr;   /* CSR input: X^T as CSR, [d + 1] */
    int32_t *tind;   /* [nnz] */
    double *tval;    /* [nnz] */
    double *part;    /* dense, k <= LR_FUSED_MAX_K: lr_fused_dense's scratch */
} lr_work;

int lr_work_init(lr_work *W, const lr_problem *P, const char *op);
void lr_work_free(lr_work *W);

/* F(coef) (with both penalties) and, when grad is non-NULL, its gradient without the L1 term
 * (float64 [k, ldw], overwritten). */
double lr_loss_grad(const lr_problem *P, lr_work *W, const double *coef, double *grad);

#endif
