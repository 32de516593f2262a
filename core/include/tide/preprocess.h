/* tide/preprocess.h — column statistics for the preprocessing transformers (tide.preprocess):
 * NaN-skipping per-column moments and quantiles, and nan_euclidean distances for k-NN
 * imputation. Inputs are float64 [n, d] tensors of any strides; NaN marks a missing cell.
 * Per-column results go to caller buffers of d (or d * nq) doubles. Functions return 0 (or a
 * tensor) on success, nonzero (NULL) on failure with a message in tide_last_error().
 */
#ifndef TIDE_PREPROCESS_H
#define TIDE_PREPROCESS_H

#include "tide/tensor.h"

/* x [n, d] -> per column j over its non-NaN cells: count[j]; mean[j]; var[j] (population
 * variance, two-pass with scikit-learn's rounding correction); min[j]; max[j]; maxabs[j].
 * A column without values gets count 0 and NaN elsewhere. Any pointer but count may be NULL. */
int tide_preprocess_col_stats(const tide_tensor *x, double *count, double *mean, double *var, double *min,
                              double *max, double *maxabs);

/* x [n, d] -> out[j * nq + k] = quantile q[k] (in [0, 1]) of column j's non-NaN cells, linear
 * interpolation between order statistics (NumPy's default method); NaN for an empty column. */
int tide_preprocess_col_quantiles(const tide_tensor *x, const double *q, int nq, double *out);

/* x [n, d] -> out[j] = the most frequent non-NaN value of column j (ties: the smallest, as
 * scikit-learn's SimpleImputer); NaN for an empty column. */
int tide_preprocess_col_mode(const tide_tensor *x, double *out);

/* a [n, d], b [m, d] -> out [n, m]: scikit-learn's nan_euclidean_distances,
 * sqrt(d / present * sum over coordinates present in both rows of (a - b)^2); NaN when no
 * coordinate is present in both. out NULL allocates. */
tide_tensor *tide_preprocess_nan_euclidean(const tide_tensor *a, const tide_tensor *b, tide_tensor *out);

/* k-NN imputation as scikit-learn's KNNImputer: x [n, d] -> out [n, d] (NULL allocates), x
 * with each NaN cell (i, j) filled from the n_neighbors rows of fit_x [m, d] nearest to row i
 * (nan_euclidean) among those that have column j: their mean, or with distance_weights their
 * 1/distance weighted mean (only the zero-distance ones when any is at distance 0). Ties go to
 * the earlier fit row; donors at NaN distance count only when too few are comparable. A cell
 * with no comparable donor gets col_mean[j] (0 when that is NaN). */
tide_tensor *tide_preprocess_knn_impute(const tide_tensor *x, const tide_tensor *fit_x, int64_t n_neighbors,
                                        int distance_weights, const double *col_mean, tide_tensor *out);

/* Factorise a string column of the tide.csv contract (value i is bytes[offsets[i] ..
 * offsets[i+1]), offsets int64 [n + 1], bytes uint8, missing bool [n] or NULL): codes [n] int64
 * gets each distinct string's number in order of first appearance (0, 1, ...; -1 for a missing
 * cell) and first [n] int64 the row where code c first appears (entries 0 .. count-1). Returns
 * the number of distinct strings, or -1 on failure. */
int64_t tide_preprocess_factorize_strings(const tide_tensor *offsets, const tide_tensor *bytes, const tide_tensor *missing,
                                          tide_tensor *codes, tide_tensor *first);

/* The same for numbers: x [n] float64 (NaN: missing), codes / first as above. -0 equals 0. */
int64_t tide_preprocess_factorize_doubles(const tide_tensor *x, tide_tensor *codes, tide_tensor *first);

/* 1-d k-means of column col (0-based) of x [n, d] (no NaN) as scikit-learn's KMeans with
 * n_init 1 and the given init [k]: data centred on its mean, Lloyd iterations until the labels
 * repeat or the squared centre shift is <= 1e-4 * variance (at most 300), an empty cluster
 * taking the point farthest from its centre. centers [k] receives the centres (unsorted). */
int tide_preprocess_kmeans_1d(const tide_tensor *x, int64_t col, const double *init, int64_t k, double *centers);

/* Yeo-Johnson power transform. x [n, d] -> lambdas[j]: the lambda maximising the log-likelihood
 * of column j's non-NaN cells, found as scikit-learn 1.2 does (scipy.optimize.brent with
 * bracket (-2, 2), tol 1.48e-8; sums in NumPy's pairwise order so the search takes the same
 * steps). A column with no value gets NaN. */
int tide_preprocess_yeojohnson_lambdas(const tide_tensor *x, double *lambdas);

/* x [n, d] -> out [n, d] (NULL allocates): the Yeo-Johnson transform of column j with
 * lambdas[j] (inverse != 0: its inverse). NaN stays NaN. */
tide_tensor *tide_preprocess_yeojohnson(const tide_tensor *x, const double *lambdas, int inverse, tide_tensor *out);

#endif
