/* neighbors_internal.h — what the dense (neighbors.c) and sparse (neighbors_sparse.c) k-NN
 * searches share: the bounded (distance, index) heaps, the search description, row output. */
#ifndef TIDE_NEIGHBORS_INTERNAL_H
#define TIDE_NEIGHBORS_INTERNAL_H

#include "internal.h"
#include "tide/neighbors.h"
#include "tide/sparse.h"

/* A max-heap of at most cap (key, index) pairs ordered lexicographically: the root is the worst
 * kept pair, and a new pair enters only when it is smaller. */
typedef struct heap {
    double *key;
    int64_t *idx;
    int64_t len, cap;
} heap;

static inline bool pair_less(double ka, int64_t ia, double kb, int64_t ib) {
    return ka < kb || (ka == kb && ia < ib);
}

/* Restore the heap order below position i (after the root was replaced). */
void knn_heap_sift_down(heap *h, int64_t i);

static inline void heap_push(heap *h, double key, int64_t idx) {
    if (h->len < h->cap) {
        int64_t i = h->len++;
        while (i > 0) {
            int64_t parent = (i - 1) / 2;
            if (!pair_less(h->key[parent], h->idx[parent], key, idx)) break;
            h->key[i] = h->key[parent], h->idx[i] = h->idx[parent];
            i = parent;
        }
        h->key[i] = key, h->idx[i] = idx;
    } else if (pair_less(key, idx, h->key[0], h->idx[0])) {
        h->key[0] = key, h->idx[0] = idx;
        knn_heap_sift_down(h, 0);
    }
}

/* One search: exactly one of qd / qs and one of xd / xs is set. */
typedef struct search {
    const double *qd;          /* dense query [m, d], or NULL when CSR */
    const tide_csr *qs;        /* CSR query */
    const double *xd;          /* dense train [n, d], or NULL */
    const tide_csr *xs;        /* CSR train */
    const float *prep;         /* [n + 1, d + 1] or NULL */
    double *dist;              /* [m, k] */
    int64_t *index;            /* [m, k] */
    int64_t m, n, d, k;
    int metric, exclude_self;
    double p;
} search;

/* Sort h ascending and write it as row i of s->dist / s->index (distances from reduced values). */
void knn_emit_row(const search *s, heap *h, int64_t i);

/* CSR training data (s->xs): euclidean / cosine through the transposed data, and every metric
 * but chebyshev by walking the stored values. Return 0 or a failure status. */
int knn_search_sparse_index(const char *op, const search *s);
int knn_search_sparse_scan(const char *op, const search *s);

#endif
