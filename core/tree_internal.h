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

#endif
