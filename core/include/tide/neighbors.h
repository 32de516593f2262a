/* tide/neighbors.h — brute-force k nearest neighbours (tide.models.KNeighborsClassifier /
 * KNeighborsRegressor): the k training rows nearest to each query row, then the class vote or
 * the average of the neighbours' targets.
 *
 * Dense matrices are contiguous float64 [rows, d]; sparse ones are CSR (struct tide_csr from
 * tide/sparse.h: 0-based, float64 values). Euclidean and cosine distances of dense training
 * data go through a float32 GEMM (||q - x||^2 = ||q||^2 + ||x||^2 - 2 q.x on centred rows,
 * blocked over query and training rows) that shortlists candidates; the shortlist is then
 * ranked by distances computed exactly in float64, and a query row whose shortlist is not
 * separated from the other rows by more than the float32 rounding bound (4 sqrt(d) + 16 units
 * of float32 rounding of the squared norms, several times the typical error of a d-term float32
 * product) is searched again exactly. The other metrics compute float64 distances directly;
 * sparse (CSR) training data with the euclidean or cosine metric goes through the float64 dot
 * products of the query's columns (scikit-learn's formula), with the other metrics through a
 * dense copy of each query row. Ties are broken
 * by the lower training index. Every function returns 0 on success, nonzero on failure with a
 * message in tide_last_error().
 */
#ifndef TIDE_NEIGHBORS_H
#define TIDE_NEIGHBORS_H

#include "tide/tensor.h"

struct tide_csr;

/* Metrics. MINKOWSKI uses the power p > 0: (sum |q - x|^p)^(1/p); CHEBYSHEV is max |q - x|;
 * COSINE is 1 - q.x / (|q| |x|) clipped to [0, 2] (a zero row has similarity 0). */
enum {
    TIDE_KNN_EUCLIDEAN = 0,
    TIDE_KNN_MANHATTAN = 1,
    TIDE_KNN_COSINE = 2,
    TIDE_KNN_MINKOWSKI = 3,
    TIDE_KNN_CHEBYSHEV = 4
};

/* train [n, d] float64 -> prep float32 [n + 1, d + 1], the GEMM operand of the euclidean or
 * cosine search. Euclidean: rows 0..n-1 hold each training row centred on the column means, with
 * its float32 squared norm in column d; row n holds the column means and, in column d, the
 * largest squared norm. Cosine: rows scaled to unit length (zero rows stay zero), 1 in column d;
 * row n zeros and 1. Build it once per fit and pass it to every search. NULL on failure. */
tide_tensor *tide_knn_prepare(const tide_tensor *train, int metric);

/* The k nearest training rows of every query row.
 *   query [m, d] float64 (dense) or query_csr (exactly one non-NULL);
 *   train [n, d] float64 (dense) or train_csr (exactly one non-NULL);
 *   prep: tide_knn_prepare(train, metric) for dense training data and the euclidean or cosine
 *         metric (then the GEMM path runs), else NULL (exact distances throughout);
 *   dist [m, k] float64 out: distances, ascending; index [m, k] int64 out: 0-based training rows;
 *   k: 1 <= k <= n (n - 1 with exclude_self); metric: TIDE_KNN_*; p: the Minkowski power;
 *   exclude_self: query row i is training row i and is not its own neighbour (requires m == n). */
int tide_knn_search(const tide_tensor *query, const struct tide_csr *query_csr, const tide_tensor *train,
                    const struct tide_csr *train_csr, const tide_tensor *prep, tide_tensor *dist, tide_tensor *index,
                    int64_t k, int metric, double p, int exclude_self);

/* Class vote: index [m, k] int64 (0-based training rows), dist [m, k] float64 (read only with
 * distance_weights), codes [n] int64 (0-based class of each training row) -> proba [m, c]
 * float64: per row the summed weights of each class divided by their total. Weights are 1, or
 * with distance_weights 1 / dist — or, in a row with a neighbour at distance 0, 1 for the
 * zero-distance neighbours and 0 for the rest (scikit-learn's rule). */
int tide_knn_vote(const tide_tensor *index, const tide_tensor *dist, const tide_tensor *codes, tide_tensor *proba,
                  int distance_weights);

/* Regression: index [m, k], dist [m, k] as in tide_knn_vote, y [n] float64 -> out [m] float64,
 * the (weighted) mean of the neighbours' targets. */
int tide_knn_average(const tide_tensor *index, const tide_tensor *dist, const tide_tensor *y, tide_tensor *out,
                     int distance_weights);

#endif
