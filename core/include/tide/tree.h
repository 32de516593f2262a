/* tide/tree.h — CART decision trees and forests of them (random forests, extra trees), with
 * scikit-learn's semantics: float32 features, splits `x[feature] <= threshold` (threshold in
 * float64, the midpoint of two neighbouring float32 values), gini / entropy / squared error,
 * depth-first growth (or best-first when max_leaf_nodes is set), the same stopping rules.
 *
 * A fitted forest is a set of flat arrays, trees concatenated: tree t owns the nodes
 * [offsets[t], offsets[t + 1]); node ids inside the arrays are relative to their tree (0 is the
 * root), as in scikit-learn's tree_ (children -1 at leaves, feature and threshold -2 there).
 * A single decision tree is a forest of one tree.
 *
 * Functions return 0 (or a tensor) on success and -1 (NULL) on failure with a message in
 * tide_last_error().
 */
#ifndef TIDE_TREE_H
#define TIDE_TREE_H

#include "tide/tensor.h"

enum { TIDE_TREE_GINI = 0, TIDE_TREE_ENTROPY = 1, TIDE_TREE_SQUARED_ERROR = 2, TIDE_TREE_FRIEDMAN_MSE = 3 };
enum { TIDE_TREE_BEST = 0, TIDE_TREE_RANDOM = 1 };

/* Hyper-parameters of one fit, already resolved to absolute numbers (the Lua layer turns
 * fractions into counts as scikit-learn does). */
typedef struct tide_tree_options {
    int32_t criterion;            /* TIDE_TREE_GINI, _ENTROPY (classification), _SQUARED_ERROR, _FRIEDMAN_MSE */
    int32_t splitter;             /* TIDE_TREE_BEST: best threshold per feature; TIDE_TREE_RANDOM: one drawn */
    int64_t n_classes;            /* classification: y holds 0 .. n_classes-1; regression: 0 */
    int64_t max_depth;            /* < 0: unlimited */
    int64_t min_samples_split;    /* >= 2 */
    int64_t min_samples_leaf;     /* >= 1 */
    double min_weight_fraction_leaf; /* a leaf holds at least this fraction of the tree's total weight */
    int64_t max_features;         /* features tried per split, 1 .. d */
    int64_t max_leaf_nodes;       /* < 0: depth-first without limit; >= 2: best-first growth */
    double min_impurity_decrease; /* a split must decrease weighted impurity by at least this */
    double ccp_alpha;             /* > 0: minimal cost-complexity pruning of each grown tree */
    int64_t n_trees;              /* >= 1 */
    int64_t n_bootstrap;          /* 0: every tree sees every sample; > 0: draws with replacement */
    int32_t oob;                  /* 1: also accumulate out-of-bag predictions (needs bootstrap) */
    int32_t balanced_subsample;   /* 1: class weights "balanced" on each tree's bootstrap sample */
    uint64_t seed;                /* feature sampling, random thresholds and bootstrap draws */
} tide_tree_options;

/* What a fit returns: tensors owned by the caller (free each with tide_tensor_free). */
typedef struct tide_tree_fit_result {
    tide_tensor *offsets;                 /* int64 [T + 1] */
    tide_tensor *children_left;           /* int64 [N] */
    tide_tensor *children_right;          /* int64 [N] */
    tide_tensor *feature;                 /* int64 [N] */
    tide_tensor *threshold;               /* float64 [N] */
    tide_tensor *value;                   /* float64 [N, k]: weighted class counts, or the mean target (k = 1) */
    tide_tensor *impurity;                /* float64 [N] */
    tide_tensor *n_node_samples;          /* int64 [N]: distinct training samples reaching the node */
    tide_tensor *weighted_n_node_samples; /* float64 [N] */
    tide_tensor *max_depth;               /* int64 [T] */
    tide_tensor *importances;             /* float64 [T, d]: each tree's normalised impurity decrease */
    tide_tensor *oob_sum;                 /* float64 [n, k]: sum of out-of-bag predictions (oob only) */
    tide_tensor *oob_count;               /* int64 [n]: trees for which the sample was out of bag */
} tide_tree_fit_result;

/* Grow opts->n_trees trees (in parallel over trees when there are several).
 * x: float32 [n, d] contiguous, finite. y: float64 [n] (class index for classification).
 * sample_weight: float64 [n] >= 0 or NULL. class_weight: float64 [k] or NULL (classification);
 * a sample's weight is sample_weight * class_weight[y] * (bootstrap count).
 * Classification values are probabilities' numerators: weighted class counts per node. */
int tide_tree_fit(const tide_tensor *x, const tide_tensor *y, const tide_tensor *sample_weight,
                  const tide_tensor *class_weight, tide_tree_fit_result *result, const tide_tree_options *opts);

/* Release every tensor of a result and set its fields to NULL. */
void tide_tree_fit_result_free(tide_tree_fit_result *result);

/* scikit-learn's cost_complexity_pruning_path of one tree (0-based children, -1 at leaves):
 * alphas and impurities (float64 [N], N = the node count) receive the effective alphas of the
 * successive weakest-link prunings (0 first, increasing) and the total leaf impurity of each
 * pruned tree. Returns how many entries were written, or -1. */
int64_t tide_tree_pruning_path(const tide_tensor *children_left, const tide_tensor *children_right,
                               const tide_tensor *weighted_n_node_samples, const tide_tensor *impurity,
                               tide_tensor *alphas, tide_tensor *impurities);

/* A fitted forest as predict sees it (the arrays above; they are validated on every call). */
typedef struct tide_forest {
    const tide_tensor *offsets;        /* int64 [T + 1] */
    const tide_tensor *children_left;  /* int64 [N] */
    const tide_tensor *children_right; /* int64 [N] */
    const tide_tensor *feature;        /* int64 [N] */
    const tide_tensor *threshold;      /* float64 [N] */
    const tide_tensor *value;          /* float64 [N, k] */
} tide_forest;

/* The leaf each row of x (float32 [n, d]) reaches in each tree -> int64 [n, T] (ids within the tree). */
tide_tensor *tide_forest_apply(const tide_tensor *x, const tide_forest *forest, tide_tensor *out);

/* The nodes each row of x passes through, as CSR structure over the forest's concatenated node
 * ids (tree t's node i is column offsets[t] + i): indptr [n + 1] is filled and the row's nodes
 * written to indices (root to leaf, tree by tree) when indices is not NULL and has room for cap
 * values. Returns the total count (call once with indices NULL to size the buffer), or -1. */
int64_t tide_forest_decision_path(const tide_tensor *x, const tide_forest *forest, int64_t *indptr, int32_t *indices,
                                  int64_t cap);

/* Mean over trees of the leaf values each row reaches -> float64 [n, k]. normalize = 1 divides
 * each tree's leaf value by its row sum first (class counts -> probabilities). */
tide_tensor *tide_forest_predict(const tide_tensor *x, const tide_forest *forest, int normalize, tide_tensor *out);

#endif
