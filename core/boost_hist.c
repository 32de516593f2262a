/* boost_hist.c — the histograms of histogram gradient boosting's tree growing (see
 * boost_grow.c): per node and feature, (sum of gradients, sum of hessians, count) per bin.
 * Large nodes stream the feature columns two features at a time; small nodes read the
 * 64-feature blocks (one cache line per row), four features per pass so their histograms stay
 * in L1. */
#include "boost_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- histograms */

hbin *boost_hist_get(grower *G) {
    if (G->pool_n > 0) return G->pool[--G->pool_n];
    size_t bytes = (size_t)(G->d * G->nb) * sizeof(hbin);
    bytes = (bytes + 63) & ~(size_t)63;
    hbin *h = aligned_alloc(64, bytes);
    if (!h) G->failed = 1;
    return h;
}

void boost_hist_put(grower *G, hbin *h) {
    if (!h) return;
    if (G->pool_n == G->pool_cap) {
        int64_t cap = G->pool_cap ? 2 * G->pool_cap : 16;
        hbin **np = realloc(G->pool, (size_t)cap * sizeof(hbin *));
        if (!np) {
            free(h);
            return;
        }
        G->pool = np, G->pool_cap = cap;
    }
    G->pool[G->pool_n++] = h;
}

/* One feature's histogram hf [nb] of m samples from its column: bins col[idx[i]] (idx NULL:
 * col[i]), gradient and hessian gh[2 i], gh[2 i + 1] (side by side: one load, one paired add).
 * Consecutive samples often share a bin (a pixel's 0), so runs alternate between two partial
 * histograms: two dependency chains through memory instead of one. */
static TIDE_HOT void hist_column(const uint8_t *col, const uint32_t *idx, int64_t m, const float *gh, int64_t nb,
                                 hbin *hf, hbin *scratch) {
    memset(hf, 0, (size_t)nb * sizeof(hbin));
    memset(scratch, 0, (size_t)nb * sizeof(hbin));
    hbin *a = hf, *o = scratch;
    int64_t i = 0;
    if (idx)
        for (; i + 1 < m; i += 2) {
            hbin *b0 = a + col[idx[i]], *b1 = o + col[idx[i + 1]];
            b0->g += gh[2 * i], b0->h += gh[2 * i + 1], b0->c++;
            b1->g += gh[2 * i + 2], b1->h += gh[2 * i + 3], b1->c++;
        }
    else
        for (; i + 1 < m; i += 2) {
            hbin *b0 = a + col[i], *b1 = o + col[i + 1];
            b0->g += gh[2 * i], b0->h += gh[2 * i + 1], b0->c++;
            b1->g += gh[2 * i + 2], b1->h += gh[2 * i + 3], b1->c++;
        }
    for (; i < m; i++) {
        hbin *b = a + (idx ? col[idx[i]] : col[i]);
        b->g += gh[2 * i], b->h += gh[2 * i + 1], b->c++;
    }
    for (int64_t b = 0; b < nb; b++) a[b].g += o[b].g, a[b].h += o[b].h, a[b].c += o[b].c;
}

/* Two features' histograms at once (hf0, hf1 [nb]; scratch [2 nb]): each (gradient, hessian)
 * is loaded once for both, and the two features with two partial histograms each make four
 * independent chains. */
static TIDE_HOT void hist_column2(const uint8_t *c0, const uint8_t *c1, const uint32_t *idx, int64_t m, const float *gh,
                                  int64_t nb, hbin *hf0, hbin *hf1, hbin *scratch) {
    memset(hf0, 0, (size_t)nb * sizeof(hbin));
    memset(hf1, 0, (size_t)nb * sizeof(hbin));
    memset(scratch, 0, (size_t)nb * 2 * sizeof(hbin));
    hbin *o0 = scratch, *o1 = scratch + nb;
    int64_t i = 0;
    for (; i + 1 < m; i += 2) {
        int64_t s0 = idx ? idx[i] : i, s1 = idx ? idx[i + 1] : i + 1;
        double g0 = gh[2 * i], h0 = gh[2 * i + 1], g1 = gh[2 * i + 2], h1 = gh[2 * i + 3];
        hbin *a = hf0 + c0[s0], *b = hf1 + c1[s0], *c = o0 + c0[s1], *d = o1 + c1[s1];
        a->g += g0, a->h += h0, a->c++;
        b->g += g0, b->h += h0, b->c++;
        c->g += g1, c->h += h1, c->c++;
        d->g += g1, d->h += h1, d->c++;
    }
    for (; i < m; i++) {
        int64_t s0 = idx ? idx[i] : i;
        hbin *a = hf0 + c0[s0], *b = hf1 + c1[s0];
        a->g += gh[2 * i], a->h += gh[2 * i + 1], a->c++;
        b->g += gh[2 * i], b->h += gh[2 * i + 1], b->c++;
    }
    for (int64_t k = 0; k < nb; k++) {
        hf0[k].g += o0[k].g, hf0[k].h += o0[k].h, hf0[k].c += o0[k].c;
        hf1[k].g += o1[k].g, hf1[k].h += o1[k].h, hf1[k].c += o1[k].c;
    }
}

/* The histograms hist [nf, nb] of one block of nf <= 64 features for the node's m rows of
 * the block's bins L [n, 64]: the rows are gathered once into rows [m, 64] (one cache line
 * each), then read in order four features per pass, so those four histograms stay in L1;
 * each bin sums its samples in node order. */
static TIDE_HOT void hist_block(const uint8_t *L, const uint32_t *idx, int64_t m, const float *gh, int64_t nf,
                                int64_t nb, hbin *hist, uint8_t *rows) {
    for (int64_t i = 0; i < m; i++) memcpy(rows + i * 64, L + (int64_t)idx[i] * 64, 64);
    memset(hist, 0, (size_t)(nf * nb) * sizeof(hbin));
    for (int64_t q0 = 0; q0 < nf; q0 += 4) {
        int64_t q1 = q0 + 4 < nf ? q0 + 4 : nf;
        for (int64_t i = 0; i < m; i++) {
            const uint8_t *row = rows + i * 64;
            double gi = gh[2 * i], hi = gh[2 * i + 1];
            for (int64_t q = q0; q < q1; q++) {
                hbin *b = hist + q * nb + row[q];
                b->g += gi, b->h += hi, b->c++;
            }
        }
    }
}

/* hist [d, nb] of the samples idx[start .. stop); root: idx is still the identity and G->gh
 * holds every sample's (gradient, hessian). Nodes with at least an eighth of the samples stream
 * the columns (most of each column's cache lines hold one of their rows anyway); smaller ones
 * read the 64-feature blocks. A constant hessian is summed as 1s: the count, exactly. */
void boost_hist_build(grower *G, int64_t start, int64_t stop, int root, hbin *hist) {
    int64_t m = stop - start, nb = G->nb, n = G->n, d = G->d;
    const uint32_t *idx = G->idx + start;
    const float *gh = G->gh;
    if (!root) { /* gather the node's gradients once: every feature then reads them in order */
        float *o = G->gh_ord;
        for (int64_t i = 0; i < m; i++) o[2 * i] = G->gh[2 * (int64_t)idx[i]], o[2 * i + 1] = G->gh[2 * (int64_t)idx[i] + 1];
        gh = o;
    }
    int nth = inner_threads(G, m * d);
    if (root || !G->blocks || m * 8 >= n) {
        int64_t na = G->n_active, npairs = (na + 1) / 2;
#pragma omp parallel num_threads(nth) if (nth > 1)
        {
            hbin scratch[512];
#pragma omp for schedule(dynamic, 4)
            for (int64_t q = 0; q < npairs; q++) { /* pairs of active features */
                int64_t f0 = G->act_list[2 * q];
                if (2 * q + 1 < na) {
                    int64_t f1 = G->act_list[2 * q + 1];
                    hist_column2(G->cols + f0 * n, G->cols + f1 * n, root ? NULL : idx, m, gh, nb, hist + f0 * nb,
                                 hist + f1 * nb, scratch);
                } else {
                    hist_column(G->cols + f0 * n, root ? NULL : idx, m, gh, nb, hist + f0 * nb, scratch);
                }
            }
        }
    } else {
        int64_t nblk = (d + 63) / 64;
        if (nth > nblk) nth = (int)nblk;
#pragma omp parallel num_threads(nth) if (nth > 1)
        {
            uint8_t *rows = malloc((size_t)m * 64);
            if (!rows) {
#pragma omp atomic write
                G->failed = 1;
            }
#pragma omp for schedule(dynamic, 1)
            for (int64_t blk = 0; blk < nblk; blk++) {
                if (!rows) continue;
                int64_t f0 = blk * 64, nf = d - f0 < 64 ? d - f0 : 64;
                hist_block(G->blocks + blk * n * 64, idx, m, gh, nf, nb, hist + f0 * nb, rows);
            }
            free(rows);
        }
    }
}

/* parent <- parent - child (the parent's buffer becomes the larger child's histogram) */
void boost_hist_subtract(grower *G, hbin *parent, const hbin *child) {
    int64_t nb = G->nb;
    int nth = inner_threads(G, G->d * nb * 4);
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t f = 0; f < G->d; f++) {
        if (!G->active[f]) continue;
        hbin *p = parent + f * nb;
        const hbin *c = child + f * nb;
#pragma omp simd
        for (int64_t b = 0; b < nb; b++) {
            p[b].g -= c[b].g;
            p[b].h -= c[b].h;
            p[b].c -= c[b].c;
        }
    }
}
