/* tide/naive_bayes.h — the statistics of the naive Bayes classifiers (tide.models.GaussianNB,
 * MultinomialNB, ComplementNB, BernoulliNB).
 *
 * Dense inputs are contiguous float64 [n, d]; sparse ones CSR (struct tide_csr, tide/sparse.h).
 * Class codes are int64 [n], 0-based. Sums run in the order NumPy uses (row by row down a
 * column, pairwise along a row) so results match scikit-learn's to rounding. Every function
 * returns 0 on success, nonzero on failure with a message in tide_last_error().
 */
#ifndef TIDE_NAIVE_BAYES_H
#define TIDE_NAIVE_BAYES_H

#include "tide/tensor.h"

struct tide_csr;

/* Per-class moments: X [n, d], codes [n] in [0, c) (NULL: every row is class 0), weight [n] or
 * NULL -> count [c] (summed weights, or row counts), mean [c, d], var [c, d] (population
 * variance, two-pass; weighted when weight is given), all overwritten. A class without rows
 * gets count 0, mean 0 and var 0. */
int tide_gaussian_nb_stats(const tide_tensor *X, const tide_tensor *codes, const tide_tensor *weight,
                           tide_tensor *count, tide_tensor *mean, tide_tensor *var);

/* Joint log-likelihood: X [m, d], theta [c, d], var [c, d], log_prior [c] -> jll [m, c] with
 * jll[i, k] = log_prior[k] - 0.5 sum_j log(2 pi var[k, j]) - 0.5 sum_j (X[i, j] - theta[k, j])^2 / var[k, j]. */
int tide_gaussian_nb_jll(const tide_tensor *X, const tide_tensor *theta, const tide_tensor *var,
                         const tide_tensor *log_prior, tide_tensor *jll);

/* Discrete counts, accumulated: X [n, d] dense or X_csr (exactly one), codes [n], weight [n] or
 * NULL -> feature_count [c, d] += sum over the rows of class k of weight * x (x replaced by
 * x > threshold as 0 / 1 when binarize), class_count [c] += the summed weights of each class. */
int tide_nb_count(const tide_tensor *X, const struct tide_csr *X_csr, const tide_tensor *codes,
                  const tide_tensor *weight, tide_tensor *feature_count, tide_tensor *class_count, int binarize,
                  double threshold);

#endif
