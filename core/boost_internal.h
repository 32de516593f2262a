/* boost_internal.h — what the tree growing files of histogram gradient boosting share
 * (core/boost_grow.c: growing; core/boost_hist.c: histograms; core/boost_split.c: split
 * finding); not part of the public API (see tide/boost.h). */
#ifndef TIDE_BOOST_INTERNAL_H
#define TIDE_BOOST_INTERNAL_H

#include "tide/boost.h"
#include "internal.h"

typedef struct {
    double g, h;
    uint32_t c, pad_;
} hbin; /* one bin of a histogram: sums of gradients and hessians, sample count */

typedef struct {
    double gain; /* -1: no valid split */
    int32_t feature, bin, missing_left;
    double sg_l, sh_l, sg_r, sh_r, v_l, v_r;
    int64_t n_l, n_r;
} split_t;

typedef struct {
    int64_t start, stop; /* the node's samples: idx[start .. stop) */
    double sum_g, sum_h, value;
    int32_t depth, is_leaf, left, right; /* children: node numbers, -1 for none */
    hbin *hist;
    split_t split;
} gnode;

typedef struct {
    const uint8_t *cols;   /* [d, n] */
    const uint8_t *blocks; /* [ceil(d / 64), n, 64] or NULL */
    int64_t n, d, nb, width; /* nb: bins per feature histogram; width: thresholds per feature */
    const int32_t *nbm;
    const uint8_t *has_missing, *active;
    const int64_t *act_list; /* the active features (a split is possible), n_active of them */
    int64_t n_active;
    const double *thr;
    const tide_boost_tree_params *p;
    const float *g, *h; /* this tree's gradients / hessians [n]; h NULL: constant 1 */
    uint32_t *idx, *tmp;
    float *gh, *gh_ord; /* [n, 2]: this tree's (gradient, hessian) per sample; gathered for a node */
    gnode *nodes;
    int64_t n_nodes, max_nodes;
    int64_t *heap, heap_n, n_leaves;
    hbin **pool;
    int64_t pool_n, pool_cap;
    split_t *fsplit; /* [d] best split of each feature */
    int64_t *row_of, *stack; /* [max_nodes] for writing the tree */
    double *buf;             /* [2 n] for absolute_error's medians */
    int threads;     /* for loops inside one tree: 1 when trees grow in parallel */
    int failed;
} grower;

/* threads for work w inside one tree */
static inline int inner_threads(const grower *G, int64_t w) {
    int n = tide_threads_for(w);
    return n < G->threads ? n : G->threads;
}

/* histograms (boost_hist.c): a buffer [d, nb] from the grower's pool (NULL: out of memory,
 * G->failed set), back to the pool; hist of the samples idx[start .. stop) (root: idx is the
 * identity); parent <- parent - child */
hbin *boost_hist_get(grower *G);
void boost_hist_put(grower *G, hbin *h);
void boost_hist_build(grower *G, int64_t start, int64_t stop, int root, hbin *hist);
void boost_hist_subtract(grower *G, hbin *parent, const hbin *child);

/* split finding (boost_split.c): nd->split = the best split of node nd over every feature
 * (gain -1: none) */
void boost_node_split(grower *G, gnode *nd);

#endif
