/* tide/metrics.h — the kernels behind tide.metrics' sorting-heavy metrics (ROC and
 * precision-recall curves and their areas). Functions return a count, or -1 with a message
 * naming the op in tide_last_error().
 */
#ifndef TIDE_METRICS_H
#define TIDE_METRICS_H

#include "tide/tensor.h"

/* The points of a binary classifier's curve (scikit-learn's _binary_clf_curve), which
 * roc_curve, precision_recall_curve and the AUCs are built from:
 *   score       float64 [n], finite
 *   truth       float64 [n]: 1 for a positive sample, 0 for a negative
 *   weight      float64 [n] (>= 0) or NULL; samples of weight 0 are left out
 *   fps, tps, thresholds   float64, contiguous, at least n elements each: for each distinct
 *               score from the largest down, the (weighted) number of negatives / positives
 *               scoring at least it, and the score.
 * The scores are ordered by a stable radix sort (linear time). Returns the number of points T
 * (0 <= T <= n; the first T elements of the outputs are written), or -1. */
int64_t tide_binary_clf_curve(const tide_tensor *score, const tide_tensor *truth, const tide_tensor *weight,
                              tide_tensor *fps, tide_tensor *tps, tide_tensor *thresholds);

#endif
