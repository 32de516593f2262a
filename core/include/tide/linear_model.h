/* tide/linear_model.h — the linear regression family and the linear SVM (scikit-learn 1.2's
 * LinearRegression, Ridge, Lasso / ElasticNet and LinearSVC), dense and CSR.
 *
 * Conventions of every fit below:
 *   X       a contiguous float64 tensor [n, d], or NULL when Xs (a CSR matrix [n, d]) is given;
 *           exactly one of X, Xs is non-NULL
 *   y       float64 [n] (regressors) or int64 [n] class codes in [0, n_classes) (LinearSVC)
 *   sample_weight  float64 [n] of non-negative weights, or NULL (all ones)
 *   coef    float64 [d] (or [m, d]), contiguous, written by the fit; intercepts go to *intercept
 * With fit_intercept, X and y are centred on their (weighted) means — implicitly for CSR, whose
 * zeros are never materialised — and intercept = mean(y) - mean(X) . coef, as scikit-learn does.
 * Sample weights enter as sqrt(w) row scaling of the centred data (scikit-learn's _rescale_data).
 * Every function returns 0 on success and -1 with a message in tide_last_error() on bad input.
 */
#ifndef TIDE_LINEAR_MODEL_H
#define TIDE_LINEAR_MODEL_H

#include "tide/sparse.h"
#include "tide/tensor.h"

/* Ordinary least squares through LAPACK dgelsd (SVD, minimum-norm solution; singular values
 * below eps * largest count as zero, as scipy.linalg.lstsq). Dense X only. singular: float64
 * [min(n, d)] or NULL; *rank gets the effective rank. */
int tide_linear_lstsq_fit(const tide_tensor *X, const tide_tensor *y, const tide_tensor *sample_weight,
                          tide_tensor *coef, tide_tensor *singular, double *intercept, int64_t *rank,
                          int fit_intercept);

/* Least squares with coef >= 0 (LinearRegression(positive = true), scipy's nnls): the
 * Lawson-Hanson active-set method on the centred Gram matrix. Dense X only. */
int tide_linear_nnls_fit(const tide_tensor *X, const tide_tensor *y, const tide_tensor *sample_weight,
                         tide_tensor *coef, double *intercept, int fit_intercept);

/* Solvers of tide_ridge_fit. CHOLESKY: the normal equations (X^T X + alpha I) w = X^T y, or the
 * dual (X X^T + alpha I) a = y, w = X^T a, when d > n (dense only); falls back to LSTSQ when the
 * matrix is not numerically positive definite. LSTSQ: dgelsd on [X; sqrt(alpha) I] w = [y; 0]
 * (dense only; scikit-learn's "svd"). CG: conjugate gradients on the primal (d <= n) or dual
 * system through products with X and X^T only (scikit-learn's "sparse_cg"); stops when the
 * residual norm is <= tol * the right-hand side's norm, or after max_iter steps (max_iter <= 0:
 * 10 * the system size). alpha = 0 with CG is least squares (LinearRegression on CSR input). */
typedef enum tide_ridge_solver { TIDE_RIDGE_CHOLESKY = 0, TIDE_RIDGE_LSTSQ = 1, TIDE_RIDGE_CG = 2 } tide_ridge_solver;

/* Ridge: min ||sqrt(w) (y - X coef - b)||^2 + alpha ||coef||^2. *n_iter: CG steps (0 otherwise). */
int tide_ridge_fit(const tide_tensor *X, const tide_csr *Xs, const tide_tensor *y, const tide_tensor *sample_weight,
                   tide_tensor *coef, double *intercept, int64_t *n_iter, double alpha, int fit_intercept, int solver,
                   double tol, int64_t max_iter);

/* Elastic net by coordinate descent (scikit-learn's cd_fast, including its duality-gap rule):
 *   min 1/(2 n) ||y - X coef - b||^2 + alpha l1_ratio ||coef||_1 + alpha (1 - l1_ratio)/2 ||coef||^2
 * with sample weights rescaled to sum to n first. coef holds the starting point on entry (zeros
 * for a cold start, the previous coef_ for warm_start) and the solution on return. Sweeps stop
 * when the largest coordinate change relative to the largest coefficient is below tol and the
 * duality gap is below tol * ||y||^2, or after max_iter sweeps. selection_random picks
 * coordinates at random (stream from seed) instead of cyclically; positive clips at zero.
 * *dual_gap gets the final gap divided by n, *n_iter the sweeps run. */
int tide_enet_fit(const tide_tensor *X, const tide_csr *Xs, const tide_tensor *y, const tide_tensor *sample_weight,
                  tide_tensor *coef, double *intercept, double *dual_gap, int64_t *n_iter, double alpha,
                  double l1_ratio, int fit_intercept, int64_t max_iter, double tol, int positive, int selection_random,
                  uint64_t seed);

/* Losses and penalties of tide_linear_svc_fit: the squared hinge max(0, 1 - y f)^2 or the hinge
 * max(0, 1 - y f); 1/2 ||w||^2 (L2) or ||w||_1 (L1, squared hinge only). */
typedef enum tide_svc_loss { TIDE_SVC_SQUARED_HINGE = 0, TIDE_SVC_HINGE = 1 } tide_svc_loss;
typedef enum tide_svc_penalty { TIDE_SVC_L2 = 0, TIDE_SVC_L1 = 1 } tide_svc_penalty;

/* LinearSVC as liblinear solves it:  min penalty(w) + sum_i C_i loss(y_i (w . [x_i, bias]))
 * where bias = intercept_scaling when fit_intercept (the bias weight is penalised too, as in
 * liblinear) and C_i = C * class_weight[class of i] * sample_weight[i].
 *   L2 penalty: dual coordinate descent with shrinking (Hsieh et al. 2008); stops when the
 *     projected-gradient spread is <= tol or after max_iter sweeps.
 *   L1 penalty: primal coordinate descent with Newton steps and line search (Yuan et al. 2010,
 *     liblinear's solve_l1r_l2_svc) on the columns; stops when the summed optimality violation
 *     is <= tol * min(#pos, #neg) / n times the first sweep's, or after max_iter sweeps.
 * Two classes: one model, class 1 positive (coef [1, d]); more: one-vs-rest, model k has class
 * k positive, C_i of the other classes = C * sample_weight[i] (liblinear's rule) (coef
 * [n_classes, d]). The models of one-vs-rest train in parallel; coordinate orders come from
 * seed, per model, so results do not depend on the thread count. *n_iter gets the largest sweep
 * count over the models. y: int64 codes [n]; class_weight float64 [n_classes] or NULL;
 * intercept float64 [m]. */
int tide_linear_svc_fit(const tide_tensor *X, const tide_csr *Xs, const tide_tensor *y,
                        const tide_tensor *sample_weight, const tide_tensor *class_weight, tide_tensor *coef,
                        tide_tensor *intercept, int64_t *n_iter, int64_t n_classes, double C, int loss, int penalty,
                        double tol, int64_t max_iter, int fit_intercept, double intercept_scaling, uint64_t seed);

#endif
