/* tree_internal.h — what core/tree.c (entry points, data preparation, forests, prediction) and
 * core/tree_build.c (growing one tree) share. Not part of the public API. */
#ifndef TIDE_TREE_INTERNAL_H
#define TIDE_TREE_INTERNAL_H

#include "internal.h"
#include "tide/tree.h"

/* scikit-learn's constants: values closer than this are one value; impurity this small is pure */
#define TREE_FEATURE_THRESHOLD 1e-7f
#define TREE_EPSILON 2.220446049250313e-16
#define TREE_LEAF (-1)
#define TREE_UNDEFINED (-2)

/* The training set prepared once per fit and shared (read-only) by every tree.
 * Feature f's distinct values, sorted, are values[vstart[f] .. vstart[f + 1]); rank[f * n + i]
 * is the position of x[i, f] among them. Splits are searched on ranks (integers: radix sort,
 * exact ties) and thresholds taken from the float32 values, so they are scikit-learn's. */
typedef struct tree_data {
    int64_t n, d, k;        /* samples, features, classes (0: regression) */
    const void *rank;       /* [d, n] of uint8, uint16 or uint32: the narrowest that holds every rank */
    int rank_bytes;         /* 1, 2 or 4 */
    const float *values;    /* [vstart[d]] */
    const int64_t *vstart;  /* [d + 1] */
    const int32_t *yc;      /* [n] class index (classification) */
    const double *y;        /* [n] target (regression) */
} tree_data;

/* One grown tree: growable node arrays in scikit-learn's layout. */
typedef struct tree_nodes {
    int64_t count, cap, k;  /* k: width of value (classes, or 1) */
    int64_t *left, *right, *feature, *n_samples;
    double *threshold, *impurity, *weighted_n, *value;
    int64_t max_depth;
} tree_nodes;

void tree_nodes_free(tree_nodes *t);

/* key[i] = rank of feature f for sample samples[i], i < m; *kmin / *kmax receive their range.
 * Column f of the rank table is touched once, at the width it is stored in. */
static inline void tree_gather_ranks(const tree_data *D, int64_t f, const int64_t *samples, int64_t m, uint32_t *key,
                                     uint32_t *kmin, uint32_t *kmax) {
    uint32_t lo = UINT32_MAX, hi = 0;
#define GATHER(T)                                                                                                      \
    {                                                                                                                  \
        const T *rank = (const T *)D->rank + f * D->n;                                                                 \
        for (int64_t i = 0; i < m; i++) {                                                                              \
            uint32_t r = rank[samples[i]];                                                                             \
            key[i] = r;                                                                                                \
            lo = r < lo ? r : lo;                                                                                      \
            hi = r > hi ? r : hi;                                                                                      \
        }                                                                                                              \
    }
    if (D->rank_bytes == 1) GATHER(uint8_t)
    else if (D->rank_bytes == 2) GATHER(uint16_t)
    else GATHER(uint32_t)
#undef GATHER
    *kmin = lo, *kmax = hi;
}

/* Grow one tree on the samples with weight w[i] > 0 (w indexed by sample id, [n]).
 * seed: this tree's stream. parallel: the split search may use several threads.
 * importance [d] receives the tree's normalised feature importances.
 * Returns TIDE_OK, or TIDE_ENOMEM / TIDE_EARG (the caller writes the message: this may run
 * on a worker thread, whose error message the caller would not see). */
int tree_grow(const tree_data *D, const double *w, const tide_tree_options *o, uint64_t seed, int parallel,
              tree_nodes *out, double *importance);

/* Minimal cost-complexity pruning of t in place (core/tree_prune.c): weakest links collapsed
 * while their effective alpha is <= ccp_alpha; max_depth recomputed. TIDE_OK or TIDE_ENOMEM. */
int tree_prune(tree_nodes *t, double ccp_alpha);

/* splitmix64 of a ^ b-scrambled: independent streams per (tree, node, feature, draw). */
static inline uint64_t tree_hash(uint64_t a, uint64_t b) {
    uint64_t z = a + (b + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A uniform integer in [0, n) from 64 random bits (multiply-shift: no modulo bias to speak of). */
static inline uint64_t tree_below(uint64_t bits, uint64_t n) {
    return (uint64_t)(((unsigned __int128)bits * n) >> 64);
}

static inline double tree_unit(uint64_t bits) { return (double)(bits >> 11) * 0x1.0p-53; } /* [0, 1) */

/* ---------------------------------------------------------------- the builder (tree_build.c, tree_split.c) */
typedef struct scratch {
    uint32_t *key, *idx, *key2, *idx2; /* [m]: a feature's ranks in the node and their sort */
    double *cl;                        /* [k]: class weights left of the scan position */
    double *hist;                      /* [HIST_BINS, max(k, 2)]: class weights (or w, w y) per rank */
    int64_t *hcount;                   /* [HIST_BINS]: samples per rank */
} scratch;

/* per-rank class-weight sums replace the sort for features of at most this many ranks in a node */
#define HIST_BINS 256

enum { CAND_CONSTANT = 0, CAND_NONE = 1, CAND_SPLIT = 2 };

typedef struct cand {
    int status;
    double proxy;     /* the proxy improvement: larger is better */
    uint32_t r_lo;    /* last rank going left */
    double threshold; /* x <= threshold goes left */
} cand;

typedef struct rec rec;
typedef struct rec_list {
    rec *items;
    int64_t count, cap;
} rec_list;

typedef struct builder {
    const tree_data *D;
    const tide_tree_options *o;
    const double *w;      /* [n] weight by sample id */
    int64_t *samples;     /* [m] in-bag sample ids; a node owns a range */
    int64_t *tmp;         /* [m] partition buffer */
    int64_t m, k;         /* in-bag samples; classes (1 for regression) */
    int32_t *nyc;         /* [m] node-local class (classification) */
    double *ny, *nw;      /* [m] node-local target (regression), weight */
    double *stat, *lstat; /* [k or 3]: the node's class weights or (sum, sum of squares) */
    double wn, w_total, min_weight_leaf;
    int nthreads;
    scratch *sc;          /* [nthreads] */
    cand *cands;          /* [d] */
    int64_t *perm;        /* [d] */
    uint64_t seed, node_counter;
    tree_nodes *t;
    /* constant[id * d + f]: feature f is constant in node id, hence in all its descendants
     * (scikit-learn skips those too); cur: the node being split */
    uint8_t *constant, *cur;
    int64_t constant_cap;
    const uint8_t *root_constant; /* a subtree's root: the constant features of its parent */
    rec_list *deferred;           /* depth-first growth: subtrees left for grow_subtrees */
    int64_t defer_at_most;        /* defer nodes of at most this many samples (0: none) */
} builder;

/* The chosen split of a node: samples [start, pos) go left after tree_find_split. */
typedef struct split {
    int found;
    int64_t feature, pos;
    double threshold, improvement;
} split;

/* A frontier entry of the growth loops */
struct rec {
    int64_t start, end, depth, parent, node, pos;
    int is_left, is_leaf;
    double improvement;
};

static inline bool tree_is_class(const builder *b) { return b->D->k > 0; }

/* impurity of a node from its statistics: class weights [k], or (sum, sum of squares) */
double tree_impurity(const builder *b, const double *stat, double w);
/* the node's targets and weights into b's node-local arrays; its statistics into b->stat, b->wn */
void tree_node_gather(builder *b, int64_t start, int64_t end);
/* the node's best split by scikit-learn's rules (out->found = 0 when none); partitions samples */
void tree_find_split(builder *b, int64_t start, int64_t end, double impurity, split *out);

#endif
