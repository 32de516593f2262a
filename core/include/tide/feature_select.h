/* tide/feature_select.h — nearest-neighbour estimates of mutual information for univariate
 * feature selection (tide.select.mutual_info_classif / mutual_info_regression), as scikit-learn
 * computes them. Inputs are already scaled (and jittered) by the caller. Return 0 and the
 * estimate (>= 0, in nats) in *out, or -1 with a message in tide_last_error().
 */
#ifndef TIDE_FEATURE_SELECT_H
#define TIDE_FEATURE_SELECT_H

#include "tide/tensor.h"

/* x [n] continuous, y [n] class codes in [0, k): Ross (2014). Within each class c of n_c > 1
 * samples, r_i = the distance from x_i to its min(n_neighbors, n_c - 1)-th nearest neighbour of
 * the same class (just below, as nextafter(r, 0)); m_i = the samples (of classes with > 1
 * sample) within r_i of x_i, itself included. MI = psi(N) + <psi(k_i)> - <psi(n_c(i))> -
 * <psi(m_i)> over those N samples, clipped at 0. */
int tide_mutual_info_cd(const double *x, const int64_t *y, int64_t n, int64_t k, int64_t n_neighbors, double *out);

/* x [n], y [n] continuous: Kraskov, Stoegbauer and Grassberger (2004), estimator 1, max-norm.
 * r_i = distance (max of |dx|, |dy|) to the n_neighbors-th nearest other point (just below);
 * nx_i / ny_i = other points within r_i in x / in y. MI = psi(n) + psi(n_neighbors) -
 * <psi(nx_i + 1)> - <psi(ny_i + 1)>, clipped at 0. O(n^2 / threads) for the joint search. */
int tide_mutual_info_cc(const double *x, const double *y, int64_t n, int64_t n_neighbors, double *out);

#endif
