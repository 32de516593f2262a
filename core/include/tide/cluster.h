/* tide/cluster.h — k-means clustering, the kernels under tide.models.KMeans (scikit-learn's
 * KMeans): k-means++ and random seeding, the Lloyd iteration, assignment of points to their
 * nearest centre, and point-to-centre distances.
 *
 * Data: either a contiguous float32 or float64 tensor x [n, d] (xs NULL), or (x NULL) a CSR
 * matrix xs [n, d] (tide/sparse.h). Centres: a contiguous tensor [k, d] of x's dtype (float64
 * with CSR data). Labels: contiguous int64 tensors [n] of 0-based centre ids. Squared distances
 * are ||x||^2 - 2 x.c + ||c||^2, with x.c from a fused, OpenMP-parallel kernel that never holds
 * the n x k distance matrix; centre sums are accumulated in double.
 * sample_weight: float64 [n] or NULL (all ones). Random draws hash (seed, counter), so a seed
 * gives the same result on any thread count.
 * Every function returns 0 on success, or nonzero with a message in tide_last_error().
 */
#ifndef TIDE_CLUSTER_H
#define TIDE_CLUSTER_H

#include "tide/sparse.h"
#include "tide/tensor.h"

/* out [n] = squared Euclidean norm of each row of the data. */
int tide_kmeans_row_norms(const tide_tensor *x, const tide_csr *xs, double *out);

/* Greedy k-means++ seeding (Arthur & Vassilvitskii; scikit-learn's _kmeans_plusplus): the first
 * centre a uniformly drawn row; each next one the best, by resulting potential, of
 * n_local_trials rows drawn with probability proportional to their squared distance to the
 * nearest centre so far. x_sq_norms [n] from tide_kmeans_row_norms. centers [k, d] receives the
 * rows; indices [k] (may be NULL) their row ids. */
int tide_kmeans_plusplus(const tide_tensor *x, const tide_csr *xs, const double *x_sq_norms, tide_tensor *centers,
                         int64_t *indices, int64_t n_local_trials, uint64_t seed);

/* k distinct rows drawn uniformly (init = "random"): centers [k, d], indices [k] (may be NULL). */
int tide_kmeans_random(const tide_tensor *x, const tide_csr *xs, tide_tensor *centers, int64_t *indices,
                       uint64_t seed);

/* Lloyd's algorithm from the centres given in `centers` (overwritten with the result), as
 * scikit-learn's _kmeans_single_lloyd: assign every point, move each centre to the weighted mean
 * of its points (an empty cluster takes the point farthest from its centre), stop when no label
 * changes or the squared centre shift sums to <= tol (absolute; scikit-learn passes
 * tol * mean feature variance), or after max_iter iterations. labels [n] int64 and *inertia (the
 * weighted sum of squared distances to the assigned centre) describe the final centres;
 * *n_iter counts the iterations run. Elkan's / Hamerly's triangle-inequality bounds skip the
 * rows whose label cannot change; the result is the plain iteration's. */
int tide_kmeans_lloyd(const tide_tensor *x, const tide_csr *xs, const double *sample_weight, tide_tensor *centers,
                      tide_tensor *labels, double *inertia, int64_t *n_iter, int64_t max_iter, double tol);

/* labels [n] int64 (may be NULL) = the nearest centre of each point (ties: the lowest id);
 * *inertia (may be NULL) = the weighted sum of squared distances to it. */
int tide_kmeans_predict(const tide_tensor *x, const tide_csr *xs, const double *sample_weight,
                        const tide_tensor *centers, tide_tensor *labels, double *inertia);

/* out [n, k] float64 = Euclidean distance of each point to each centre. */
int tide_kmeans_transform(const tide_tensor *x, const tide_csr *xs, const tide_tensor *centers, tide_tensor *out);

/* 1 when labelings a and b (int64 [n], ids in [0, k)) are the same partition up to a renaming
 * of a's ids (scikit-learn's _is_same_clustering), 0 when not, -1 on bad input. */
int tide_kmeans_same_clustering(const tide_tensor *a, const tide_tensor *b, int64_t k);

#endif
