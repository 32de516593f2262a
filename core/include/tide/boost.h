/* tide/boost.h — histogram gradient boosting (tide.models.HistGradientBoosting*), the kernels of
 * scikit-learn 1.2's HistGradientBoostingClassifier / Regressor:
 *   binning:  per-feature quantile thresholds (tide_boost_bin_thresholds) and the mapping of a
 *             float64 matrix to uint8 bins (tide_boost_bin_map), in one of two layouts:
 *             columns [d, n] (feature-major), or blocks of 64 features [B, n, 64] with
 *             B = ceil(d / 64), the bin of (row i, feature j) at [j / 64, i, j % 64] (padding
 *             features hold 0). Histograms of large nodes stream the columns; those of small
 *             nodes read the blocks, one cache line per row and block, instead of gathering
 *             bytes scattered over whole columns;
 *   losses:   baseline, gradients / hessians (float32, like scikit-learn) and the mean loss for
 *             squared_error, absolute_error and log_loss (binomial for one raw column,
 *             multinomial softmax for K > 1 columns);
 *   trees:    leaf-wise growth by gain on (gradient, hessian, count) histograms with the
 *             subtraction trick (tide_boost_grow), one tree per raw column;
 *   predict:  sums of trees over raw float64 rows or over binned data.
 *
 * A tree is stored as rows of a float64 nodes tensor [N, TIDE_BOOST_NODE_COLS], in preorder
 * (node, left subtree, right subtree), the columns being scikit-learn's predictor record:
 *   0 value        leaf value (learning rate applied) or the node's unshrunk value
 *   1 count        training samples in the node
 *   2 feature_idx  0-based feature of a split (0 for a leaf)
 *   3 num_threshold   x <= num_threshold goes left (inf: a split on missing values)
 *   4 missing_go_to_left  1 when NaN goes left
 *   5 left, 6 right   child rows relative to the tree's first row (0 for a leaf)
 *   7 gain, 8 depth, 9 is_leaf, 10 bin_threshold (bin <= it goes left).
 * Forests of trees are the concatenation, with tree_offsets int64 [T + 1] giving each tree's
 * first row; tree t adds to raw column t % K.
 *
 * Functions return 0 (or a tensor) on success and nonzero (NULL) with a message in
 * tide_last_error() on failure.
 */
#ifndef TIDE_BOOST_H
#define TIDE_BOOST_H

#include "tide/tensor.h"

#define TIDE_BOOST_NODE_COLS 11

/* Losses (scikit-learn's names). */
#define TIDE_BOOST_SQUARED_ERROR 0
#define TIDE_BOOST_ABSOLUTE_ERROR 1
#define TIDE_BOOST_LOG_LOSS 2

/* x [n, d] float64 (NaN: missing, ignored) -> thresholds [d, max_bins - 1] float64: row j holds
 * feature j's increasing bin thresholds (midpoints of distinct values when there are at most
 * max_bins of them, else NumPy's "midpoint" percentiles at 100 * i / max_bins), padded with
 * +inf; n_bins_non_missing int32 [d] gets the number of bins used by non-missing values
 * (thresholds + 1). With n > subsample (> 0), the thresholds come from subsample rows drawn
 * without replacement with the given seed. 2 <= max_bins <= 255. */
int tide_boost_bin_thresholds(const tide_tensor *x, int64_t max_bins, int64_t subsample, uint64_t seed,
                              tide_tensor *thresholds, tide_tensor *n_bins_non_missing);

/* x [n, d] float64 -> out uint8 [d, n] (NULL allocates): bin of x[i, j] = the number of
 * feature j's thresholds below it, missing_bin for NaN. */
tide_tensor *tide_boost_bin_map(const tide_tensor *x, const tide_tensor *thresholds,
                                const tide_tensor *n_bins_non_missing, int64_t missing_bin, tide_tensor *out);

/* cols [d, n] uint8 -> out [ceil(d / 64), n, 64] (the blocked layout; NULL allocates). */
tide_tensor *tide_boost_bin_blocks(const tide_tensor *cols, tide_tensor *out);

/* The intercept-only raw prediction: out[K]. y [n] float64 (class codes 0..K-1 for log_loss
 * with K = number of classes, or 1 column for two classes), w [n] sample weights or NULL. */
int tide_boost_baseline(int loss, const tide_tensor *y, const tide_tensor *w, int64_t k, double *out);

/* raw [n, K] float64, y [n], w [n] or NULL -> grad [K, n] float32 and hess [K, n] float32
 * (hess may be NULL for squared / absolute error without weights: the hessian is 1). */
int tide_boost_gradients(int loss, const tide_tensor *raw, const tide_tensor *y, const tide_tensor *w,
                         tide_tensor *grad, tide_tensor *hess);

/* The weighted mean loss of raw [n, K] for targets y [n] (scikit-learn's half squared error,
 * absolute error, half binomial / multinomial deviance) into *out. */
int tide_boost_loss(int loss, const tide_tensor *raw, const tide_tensor *y, const tide_tensor *w, double *out);

/* Options of tide_boost_grow (scikit-learn's TreeGrower). */
typedef struct tide_boost_tree_params {
    int64_t max_leaf_nodes;      /* >= 2, or 0: no limit */
    int64_t max_depth;           /* >= 1, or 0: no limit */
    int64_t min_samples_leaf;    /* >= 1 */
    int64_t n_bins;              /* max_bins + 1 (<= 256); bin n_bins - 1 holds missing values */
    double l2_regularization;    /* >= 0 */
    double min_gain_to_split;    /* >= 0 (scikit-learn: 0) */
    double min_hessian_to_split; /* >= 0 (scikit-learn: 1e-3) */
    double shrinkage;            /* the learning rate, > 0 */
    int32_t loss;                /* TIDE_BOOST_*: absolute_error sets leaves to residual medians */
    int32_t hessians_are_constant; /* hess is NULL and every hessian is 1 */
} tide_boost_tree_params;

/* Grow one tree per raw column k < K = grad->shape[0]:
 *   cols [d, n] and blocks [B, n, 64] (or NULL) uint8: the bins in both layouts
 *   (tide_boost_bin_map), grad [K, n] float32, hess [K, n] float32 or NULL
 *   (constant), thresholds [d, max_bins - 1] and n_bins_non_missing int32 [d] of the binning,
 *   has_missing uint8 [d] (1: feature d had missing values in training); y [n], w [n] or NULL
 *   (read for absolute_error only);
 *   raw [n, K] float64 += tree k's predictions of the training rows (column k);
 *   nodes [K * cap, 11] float64: tree k in rows k * cap ... (cap >= the largest possible tree,
 *   2 * max_leaf_nodes - 1), n_nodes int64 [K]: its row count. */
int tide_boost_grow(const tide_tensor *cols, const tide_tensor *blocks, const tide_tensor *grad, const tide_tensor *hess,
                    const tide_tensor *thresholds, const tide_tensor *n_bins_non_missing,
                    const tide_tensor *has_missing, const tide_tensor *y, const tide_tensor *w, tide_tensor *raw,
                    tide_tensor *nodes, tide_tensor *n_nodes, const tide_boost_tree_params *p);

/* raw [n, K] float64 += the predictions of trees tree_begin .. tree_end - 1 (tree t to column
 * t % K) for x [n, d] float64 rows (NaN follows missing_go_to_left). nodes [N, 11],
 * tree_offsets int64 [T + 1]. */
int tide_boost_predict(const tide_tensor *x, const tide_tensor *nodes, const tide_tensor *tree_offsets,
                       int64_t tree_begin, int64_t tree_end, tide_tensor *raw);

/* The same for binned [d, n] uint8 columns (tide_boost_bin_map): bin <= bin_threshold goes
 * left, missing_bin follows missing_go_to_left. */
int tide_boost_predict_binned(const tide_tensor *binned, const tide_tensor *nodes, const tide_tensor *tree_offsets,
                              int64_t tree_begin, int64_t tree_end, int64_t missing_bin, tide_tensor *raw);

#endif
