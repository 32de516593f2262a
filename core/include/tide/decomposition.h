/* tide/decomposition.h — the dense linear algebra under tide.models.PCA and TruncatedSVD:
 * thin SVD and symmetric eigen-decomposition (LAPACK dgesdd / dsyevd from OpenBLAS), the
 * centred scatter matrix X^T X in row blocks (dsyrk), the normalisers of randomized SVD's power
 * iterations (QR, LU), scikit-learn's svd_flip sign convention, seeded Gaussian draws, and
 * Minka's MLE of the PCA rank.
 *
 * Matrices are row-major float64 tensors; outputs must be contiguous float64 tensors of the
 * shape each comment gives (overwritten). Every function returns 0 on success, or nonzero
 * with a message in tide_last_error().
 */
#ifndef TIDE_DECOMPOSITION_H
#define TIDE_DECOMPOSITION_H

#include "tide/tensor.h"

/* Thin SVD a [m, n] = u [m, r] diag(s [r]) vt [r, n], r = min(m, n), s descending. a is any
 * float64 2-d tensor (copied; not modified). */
int tide_svd(const tide_tensor *a, tide_tensor *u, tide_tensor *s, tide_tensor *vt);

/* Eigen-decomposition of a symmetric a [n, n] (its upper triangle is read): eigenvalues
 * w [n] in descending order, vt [n, n] whose row i is the unit eigenvector of w[i]. */
int tide_eigh(const tide_tensor *a, tide_tensor *w, tide_tensor *vt);

/* out [d, d] = (x - mean)^T (x - mean) for x [n, d] (contiguous float32 or float64) and
 * mean [d] (float64), centring a block of rows at a time (no centred copy of x). */
int tide_pca_scatter(const tide_tensor *x, const tide_tensor *mean, tide_tensor *out);

/* out [n, k] = (x - mean) @ vt^T for x [n, d] (contiguous float32 or float64), mean [d] and
 * vt [k, d] (float64): the projection onto k components, centring a block of rows at a time
 * (exact where x @ vt^T - mean @ vt^T would cancel, and no centred copy of x). */
int tide_pca_project(const tide_tensor *x, const tide_tensor *mean, const tide_tensor *vt, tide_tensor *out);

/* In place, a [m, k] with m >= k, contiguous: a <- the Q of its thin QR factorisation, an
 * orthonormal basis of its columns (LAPACK dgeqrf + dorgqr). */
int tide_orthonormalize(tide_tensor *a);

/* In place, a [m, k] with m >= k, contiguous: a <- P L of its LU factorisation with partial
 * pivoting (scipy.linalg.lu(a, permute_l=True)[0]; LAPACK dgetrf). */
int tide_lu_normalize(tide_tensor *a);

/* scikit-learn's svd_flip, in place: u [m, k] (may be NULL when u_based is 0), vt [k, n] (at
 * least k rows; the first k are flipped). u_based: column j of u and row j of vt change sign
 * so the largest |u[:, j]| entry is positive; else so the largest |vt[j, :]| entry is.
 * Ties: the first largest. */
int tide_svd_flip(tide_tensor *u, tide_tensor *vt, int u_based);

/* out (contiguous float64, any shape) <- independent standard normal draws, a hash of
 * (seed, element index): the same on any thread count. */
int tide_gaussian_fill(tide_tensor *out, uint64_t seed);

/* The PCA rank with the highest Minka (2000) MLE likelihood for the spectrum (explained
 * variances, descending) of d values from n_samples samples: scikit-learn's
 * _infer_dimension. Returns the rank (0 when no rank has finite likelihood), or -1 on bad input. */
int64_t tide_pca_mle_rank(const double *spectrum, int64_t d, int64_t n_samples);

#endif
