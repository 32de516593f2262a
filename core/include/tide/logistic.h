/* tide/logistic.h — logistic regression (scikit-learn's LogisticRegression): the half binomial
 * and half multinomial log-loss with L2, L1 and elastic-net penalties, a fused loss + gradient
 * kernel, and two solvers that run a whole fit in C:
 *   L-BFGS (L2 or no penalty), the algorithm and stopping rules of scipy's L-BFGS-B as
 *     scikit-learn calls it (pgtol = tol, factr = 1e7, 10 correction pairs, Moré-Thuente line
 *     search with at most 20 steps), so iteration counts are comparable;
 *   proximal Newton coordinate descent (any penalty; the one for L1 and elastic-net), as
 *     liblinear's newGLMNET / glmnet: a quadratic model of the loss per outer step, coordinate
 *     descent on it over the columns of X, a backtracking line search on the true objective.
 *
 * The objective (scikit-learn's, sum over samples, not mean):
 *   F(W, b) = sum_i sw_i loss(y_i, X_i W^T + b) + l2 / 2 ||W||^2 + l1 ||W||_1
 * (the intercepts b are not penalised). scikit-learn's C maps to l2 = (1 - l1_ratio) / C and
 * l1 = l1_ratio / C.
 *
 * Shared arguments:
 *   x     the data: float64 [n, d], contiguous; NULL when xs is given
 *   xs    CSR data (tide/sparse.h) of n x d; NULL when x is given
 *   y     int64 [n]: with k == 1 (binomial loss), 0 or 1; with k >= 2 (multinomial), the class
 *         index in [0, k)
 *   sw    float64 [n] sample weights (class weights already multiplied in), >= 0; NULL: all 1
 *   coef  float64 [k, d + fit_intercept], contiguous: row c holds class c's weights, then its
 *         intercept when fit_intercept. The solvers start from its value (zeros: a cold start)
 *         and leave the solution in it.
 * Every function returns 0 on success and -1 with a message in tide_last_error() on failure.
 */
#ifndef TIDE_LOGISTIC_H
#define TIDE_LOGISTIC_H

#include "tide/sparse.h"
#include "tide/tensor.h"

/* What a solver did. status: 0 max_iter reached (not converged), 1 converged on the gradient
 * (L-BFGS: max |grad| <= tol; CD: ||min-norm subgradient||_1 <= tol * its value at the start,
 * or no step decreases F beyond rounding), 2 converged on the relative reduction of F (L-BFGS's
 * factr test), 3 L-BFGS's line search failed from steepest descent (stopped at the best point). */
typedef struct tide_logistic_result {
    int64_t n_iter;   /* outer iterations (scikit-learn's n_iter_) */
    int64_t n_eval;   /* loss + gradient evaluations */
    double loss;      /* F at the solution */
    int32_t status;
    int32_t pad_;
} tide_logistic_result;

/* F at coef -> *loss; when grad is non-NULL, dF/dcoef -> grad (float64 [k, d + fit_intercept],
 * overwritten; the L1 term is left out of grad: it has no gradient at 0). */
int tide_logistic_loss(const tide_tensor *x, const tide_csr *xs, const tide_tensor *y, const tide_tensor *sw,
                       const tide_tensor *coef, tide_tensor *grad, double l2, double l1, int fit_intercept,
                       double *loss);

/* Minimise F with L-BFGS (l1 must be 0). max_iter >= 1, tol >= 0. */
int tide_logistic_fit_lbfgs(const tide_tensor *x, const tide_csr *xs, const tide_tensor *y, const tide_tensor *sw,
                            tide_tensor *coef, double l2, int fit_intercept, int max_iter, double tol,
                            tide_logistic_result *result);

/* Minimise F with proximal Newton coordinate descent (any l1, l2 >= 0). */
int tide_logistic_fit_cd(const tide_tensor *x, const tide_csr *xs, const tide_tensor *y, const tide_tensor *sw,
                         tide_tensor *coef, double l2, double l1, int fit_intercept, int max_iter, double tol,
                         tide_logistic_result *result);

/* Raw scores out [n, k] = X W^T + b for coef [k, d + fit_intercept]; out float64, contiguous,
 * overwritten. */
int tide_logistic_decision(const tide_tensor *x, const tide_csr *xs, const tide_tensor *coef, int fit_intercept,
                           tide_tensor *out);

#endif
