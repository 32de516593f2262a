/* tide/svm.h — kernel support vector machines (tide.models.SVC / SVR), trained as libsvm
 * (and scikit-learn, which wraps it) trains them: SMO with second-order working-set selection,
 * shrinking and an LRU cache of kernel rows; one-vs-one for several classes; Platt scaling on
 * 5-fold cross-validated decision values with pairwise coupling for probabilities.
 *
 * Training data: dense contiguous float64 x [n, d] or CSR x_csr (struct tide_csr from
 * tide/sparse.h); exactly one of the two is non-NULL. Samples of weight <= 0 are left out.
 * Kernels: linear x.y; poly (gamma x.y + coef0)^degree; rbf exp(-gamma |x - y|^2); sigmoid
 * tanh(gamma x.y + coef0).
 *
 * A fit fills a tide_svm_model with new tensors the caller owns (free with
 * tide_svm_model_free). Every function returns 0 on success (fit: 0, or 1 when a solver stopped
 * at max_iter) and -1 on failure with a message in tide_last_error().
 */
#ifndef TIDE_SVM_H
#define TIDE_SVM_H

#include "tide/tensor.h"

struct tide_csr;

enum { TIDE_SVM_LINEAR = 0, TIDE_SVM_POLY = 1, TIDE_SVM_RBF = 2, TIDE_SVM_SIGMOID = 3 };

typedef struct tide_svm_params {
    int kernel;          /* TIDE_SVM_* */
    int degree;          /* poly: >= 0 */
    double gamma;        /* > 0 for poly, rbf, sigmoid (the caller resolves "scale" / "auto") */
    double coef0;
    double C;            /* > 0 */
    double epsilon;      /* SVR: half-width of the insensitive tube, >= 0 */
    double tol;          /* stop when the maximal violating pair's gap is below tol (> 0) */
    double cache_mb;     /* kernel-row cache budget in MB (> 0) */
    int shrinking;
    int probability;     /* SVC: fit probA / probB */
    int64_t max_iter;    /* per solver; -1: no limit */
    uint64_t seed;       /* scikit-learn's random_state (an integer); the libsvm seed is derived as
                            numpy.random.RandomState(seed).randint(2**31 - 1), as scikit-learn does */
} tide_svm_params;

typedef struct tide_svm_model {
    tide_tensor *support;    /* int64 [nSV]: 0-based training rows (SVC: grouped by class) */
    tide_tensor *dual_coef;  /* float64 [k - 1, nSV] (SVR: [1, nSV]), libsvm's layout and sign */
    tide_tensor *intercept;  /* float64 [P] = -rho, P = k (k - 1) / 2 pairs (SVR: 1) */
    tide_tensor *n_support;  /* int32 [k] support vectors per class (SVR: [1]) */
    tide_tensor *prob_a;     /* float64 [P] Platt parameters (SVC with probability), else [0] */
    tide_tensor *prob_b;
    tide_tensor *n_iter;     /* int32 [P] solver iterations (SVR: [1]) */
} tide_svm_model;

void tide_svm_model_free(tide_svm_model *m);

/* C-SVC. y int64 [n]: class codes 0..k-1, each class present among the samples of positive
 * weight; sample_weight float64 [n] or NULL (all 1); class_weight float64 [k] or NULL: C of
 * class c is C * class_weight[c], of sample i C * class_weight[y_i] * sample_weight[i]. */
int tide_svc_fit(const tide_tensor *x, const struct tide_csr *x_csr, const tide_tensor *y, int64_t n_classes,
                 const tide_tensor *sample_weight, const tide_tensor *class_weight, const tide_svm_params *params,
                 tide_svm_model *out);

/* epsilon-SVR. y float64 [n]; sample_weight as above. */
int tide_svr_fit(const tide_tensor *x, const struct tide_csr *x_csr, const tide_tensor *y,
                 const tide_tensor *sample_weight, const tide_svm_params *params, tide_svm_model *out);

/* Decision values of query rows x [m, d] (dense float64) or x_csr against support vectors sv
 * [nSV, d] (dense float64) or sv_csr, with dual_coef [k - 1, nSV] and intercept [P]:
 * out [m, P] float64 (overwritten, contiguous), for pair p = (a, b), a < b, in order
 * (0,1), (0,2), ..., (1,2), ...:
 *   out[i, p] = sum over SVs s of class a of dual_coef[b - 1, s] K(x_i, s)
 *             + sum over SVs s of class b of dual_coef[a, s] K(x_i, s) + intercept[p].
 * n_support int32 [k] splits the SVs by class; for k = 2 and SVR every row of dual_coef is used
 * for every SV (pass n_support of length 1 for SVR). */
int tide_svm_decision(const tide_tensor *x, const struct tide_csr *x_csr, const tide_tensor *sv,
                      const struct tide_csr *sv_csr, const tide_tensor *dual_coef, const tide_tensor *intercept,
                      const tide_tensor *n_support, const tide_svm_params *params, tide_tensor *out);

/* In the functions below dec [m, P] holds decision values in scikit-learn's orientation: for
 * k = 2 a single column, positive for class 1 (libsvm's value negated); for k > 2 the one-vs-one
 * values of tide_svm_decision (positive for the first class of the pair). */

/* libsvm's vote: pair (a, b) votes a when its value is > 0 (k = 2: class 1 when dec >= 0);
 * the most voted class wins, ties to the lower index. out int64 [m]. */
int tide_svc_vote(const tide_tensor *dec, int64_t n_classes, tide_tensor *out);

/* scikit-learn's one-vs-rest shape of the one-vs-one values: votes plus the summed confidences
 * mapped into (-1/3, 1/3). dec [m, P] (k > 2) -> out [m, k] float64. */
int tide_svc_ovr(const tide_tensor *dec, int64_t n_classes, tide_tensor *out);

/* Probabilities: pairwise sigmoid(dec * A + B) clipped to [1e-7, 1 - 1e-7], coupled by Wu, Lin
 * and Weng's method 2 (libsvm's multiclass_probability). prob_a, prob_b float64 [P];
 * out [m, k] float64. */
int tide_svc_proba(const tide_tensor *dec, const tide_tensor *prob_a, const tide_tensor *prob_b, int64_t n_classes,
                   tide_tensor *out);

#endif
