/* boost_grow.c — growing the trees of histogram gradient boosting (see tide/boost.h), as
 * scikit-learn 1.2's TreeGrower and Splitter:
 *   - a node holds a range of the sample partition and a histogram [d, n_bins] of (sum of
 *     gradients, sum of hessians, count); the root's is built from every sample, then for each
 *     split the smaller child's is built from its samples and the larger child's is the parent's
 *     minus it (the subtraction trick, done in place in the parent's buffer);
 *   - the best split of a node scans each feature's bins left to right (missing values right)
 *     and, when the feature had missing values, right to left (missing values left), with
 *     gain = loss(node) - loss(left) - loss(right), loss = sum_gradient * value and value =
 *     -sum_gradient / (sum_hessian + l2 + 1e-15); min_samples_leaf and min_hessian_to_split
 *     bound each side;
 *   - nodes are split best gain first (a heap ordered as Python's heapq, so ties break the
 *     same way) until max_leaf_nodes, max_depth or no positive gain;
 *   - leaf values are multiplied by the learning rate (absolute_error: the median residual).
 * Histograms and split scans run over features in parallel (OpenMP), each thread owning whole
 * features, so results do not depend on the thread count.
 */
#include "tide/boost.h"
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

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
static int inner_threads(const grower *G, int64_t w) {
    int n = tide_threads_for(w);
    return n < G->threads ? n : G->threads;
}

/* ---------------------------------------------------------------- histograms */

static hbin *hist_get(grower *G) {
    if (G->pool_n > 0) return G->pool[--G->pool_n];
    size_t bytes = (size_t)(G->d * G->nb) * sizeof(hbin);
    bytes = (bytes + 63) & ~(size_t)63;
    hbin *h = aligned_alloc(64, bytes);
    if (!h) G->failed = 1;
    return h;
}

static void hist_put(grower *G, hbin *h) {
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

/* The histograms hist [nf, nb] of one block of nf <= 64 features from rows idx[0 .. m) of the
 * block's bins L [n, 64]: one cache line per row instead of one per row and feature. Four
 * features per pass keep their histograms in L1; each bin sums its samples in node order. */
static TIDE_HOT void hist_block(const uint8_t *L, const uint32_t *idx, int64_t m, const float *gh, int64_t nf,
                                int64_t nb, hbin *hist) {
    memset(hist, 0, (size_t)(nf * nb) * sizeof(hbin));
    for (int64_t q0 = 0; q0 < nf; q0 += 4) {
        int64_t q1 = q0 + 4 < nf ? q0 + 4 : nf;
        for (int64_t i = 0; i < m; i++) {
            const uint8_t *row = L + (int64_t)idx[i] * 64;
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
static void hist_build(grower *G, int64_t start, int64_t stop, int root, hbin *hist) {
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
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(dynamic, 1)
        for (int64_t blk = 0; blk < nblk; blk++) {
            int64_t f0 = blk * 64, nf = d - f0 < 64 ? d - f0 : 64;
            hist_block(G->blocks + blk * n * 64, idx, m, gh, nf, nb, hist + f0 * nb);
        }
    }
}

/* parent <- parent - child (the parent's buffer becomes the larger child's histogram) */
static void hist_subtract(grower *G, hbin *parent, const hbin *child) {
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

/* ---------------------------------------------------------------- split finding */

static inline double node_value(double sum_g, double sum_h, double l2) { return -sum_g / (sum_h + l2 + 1e-15); }

static void split_set(split_t *s, const grower *G, double gain, int64_t bin, int missing_left, double sg_l,
                      double sh_l, int64_t n_l, double sum_g, double sum_h, int64_t n) {
    double l2 = G->p->l2_regularization;
    s->gain = gain;
    s->bin = (int32_t)bin;
    s->missing_left = missing_left;
    s->sg_l = sg_l, s->sh_l = sh_l;
    s->sg_r = sum_g - sg_l, s->sh_r = sum_h - sh_l;
    s->n_l = n_l, s->n_r = n - n_l;
    s->v_l = node_value(s->sg_l, s->sh_l, l2);
    s->v_r = node_value(s->sg_r, s->sh_r, l2);
}

/* gains [m] of candidate splits from the running sums (ag, ah, an) of one side: the left side
 * (right_acc 0; right = sum - left) or the right side (right_acc 1; left = sum - right), as
 * scikit-learn forms them; -inf where min_samples_leaf / min_hessian_to_split fail. */
__attribute__((optimize("fp-contract=off"))) static TIDE_HOT void scan_gains(const double *ag, const double *ah,
                                                                           const int64_t *an, int64_t m, int right_acc,
                                                                           int64_t n, double sum_g, double sum_h,
                                                                           double loss_node, double l2, int64_t msl,
                                                                           double min_h, double *gain) {
#pragma omp simd
    for (int64_t b = 0; b < m; b++) {
        double o_g = sum_g - ag[b], o_h = sum_h - ah[b];
        double sgl = right_acc ? o_g : ag[b], shl = right_acc ? o_h : ah[b];
        double sgr = right_acc ? ag[b] : o_g, shr = right_acc ? ah[b] : o_h;
        int64_t nl = right_acc ? n - an[b] : an[b];
        int64_t nr = n - nl;
        double gn = loss_node;
        gn -= sgl * node_value(sgl, shl, l2);
        gn -= sgr * node_value(sgr, shr, l2);
        int valid = nl >= msl && nr >= msl && shl >= min_h && shr >= min_h;
        gain[b] = valid ? gn : -INFINITY;
    }
}

/* running sums of one side of a feature's candidate splits */
typedef struct {
    double g[256], h[256];
    int64_t n[256];
} scan_t;

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4i __attribute__((vector_size(32)));

/* lanes of a where mask m is set, else of b (a macro: vector arguments would warn about the ABI) */
#define V4_SEL(m, a, b) ((v4d)(((m) & (v4i)(a)) | (~(m) & (v4i)(b))))

/* The left-to-right scan (bins 0..b go left, missing values right) of four features at once,
 * one per vector lane, all in registers: running sums, both children's values, the gain
 * loss(node) - loss(left) - loss(right) and each lane's best so far (strictly greater: the first
 * best bin wins), with scikit-learn's arithmetic lane by lane. ends[q]: feature q's candidate
 * count. The checks scikit-learn makes with break (right side too small) fail for every later
 * bin as well, so masking them gives the same choice. */
__attribute__((optimize("fp-contract=off"))) static TIDE_HOT void ltr4(const grower *G, const hbin *const hf[4],
                                                                     const int64_t ends[4], const int64_t fs[4],
                                                                     int64_t n, double sum_g, double sum_h,
                                                                     double value, split_t *out[4]) {
    const tide_boost_tree_params *p = G->p;
    double l2 = p->l2_regularization;
    v4d vsum_g = {sum_g, sum_g, sum_g, sum_g}, vsum_h = {sum_h, sum_h, sum_h, sum_h};
    v4d vn = {(double)n, (double)n, (double)n, (double)n};
    v4d vl2 = {l2, l2, l2, l2}, eps = {1e-15, 1e-15, 1e-15, 1e-15};
    double msl = (double)p->min_samples_leaf, mh = p->min_hessian_to_split, mg = p->min_gain_to_split;
    v4d vmsl = {msl, msl, msl, msl}, vmh = {mh, mh, mh, mh}, vmg = {mg, mg, mg, mg};
    double ln_ = sum_g * value;
    v4d loss_node = {ln_, ln_, ln_, ln_};
    v4d vend = {(double)ends[0], (double)ends[1], (double)ends[2], (double)ends[3]};
    v4d sg = {0, 0, 0, 0}, sh = sg, sn = sg;
    v4d best = {-1, -1, -1, -1}, bbin = best, bg = sg, bh = sg, bn = sg;
    int64_t end = ends[0];
    for (int q = 1; q < 4; q++)
        if (ends[q] > end) end = ends[q];
    for (int64_t b = 0; b < end; b++) {
        v4d g = {hf[0][b].g, hf[1][b].g, hf[2][b].g, hf[3][b].g};
        v4d h = {hf[0][b].h, hf[1][b].h, hf[2][b].h, hf[3][b].h};
        v4d c = {(double)hf[0][b].c, (double)hf[1][b].c, (double)hf[2][b].c, (double)hf[3][b].c};
        sn += c, sh += h, sg += g;
        v4d sgr = vsum_g - sg, shr = vsum_h - sh, nr = vn - sn;
        v4d vl = -sg / ((sh + vl2) + eps), vr = -sgr / ((shr + vl2) + eps);
        v4d gain = loss_node;
        gain -= sg * vl;
        gain -= sgr * vr;
        v4d vb = {(double)b, (double)b, (double)b, (double)b};
        v4i better = (vb < vend) & (sn >= vmsl) & (nr >= vmsl) & (sh >= vmh) & (shr >= vmh) & (gain > best) & (gain > vmg);
        best = V4_SEL(better, gain, best);
        bbin = V4_SEL(better, vb, bbin);
        bg = V4_SEL(better, sg, bg), bh = V4_SEL(better, sh, bh), bn = V4_SEL(better, sn, bn);
    }
    for (int q = 0; q < 4; q++) {
        split_t *s = out[q];
        s->feature = (int32_t)fs[q];
        s->gain = -1;
        if (bbin[q] >= 0) split_set(s, G, best[q], (int64_t)bbin[q], 0, bg[q], bh[q], (int64_t)bn[q], sum_g, sum_h, n);
    }
}

/* The right-to-left scan of feature f (bins b+1 .. nbm-1 go right, missing values left), for
 * features with missing values: s holds the left-to-right result, replaced by a better split. */
static void rtl_split(const grower *G, int64_t f, const hbin *hf, int64_t n, double sum_g, double sum_h, double value,
                      split_t *s, scan_t *sc) {
    const tide_boost_tree_params *p = G->p;
    double l2 = p->l2_regularization, min_h = p->min_hessian_to_split, min_gain = p->min_gain_to_split;
    int64_t msl = p->min_samples_leaf, nbm = G->nbm[f];
    if (!G->has_missing[f] || nbm < 2) return;
    double gain[256], best = s->gain;
    int64_t cnt = nbm - 1;
    double sgr = 0, shr = 0;
    int64_t nr = 0;
    for (int64_t j = 0; j < cnt; j++) { /* entry j is bin nbm-2-j */
        int64_t b = nbm - 2 - j;
        nr += hf[b + 1].c, shr += hf[b + 1].h, sgr += hf[b + 1].g;
        sc->g[j] = sgr, sc->h[j] = shr, sc->n[j] = nr;
    }
    scan_gains(sc->g, sc->h, sc->n, cnt, 1, n, sum_g, sum_h, sum_g * value, l2, msl, min_h, gain);
    int64_t found = -1;
    for (int64_t j = 0; j < cnt; j++)
        if (gain[j] > best && gain[j] > min_gain) best = gain[j], found = j;
    if (found >= 0)
        split_set(s, G, best, nbm - 2 - found, 1, sum_g - sc->g[found], sum_h - sc->h[found], n - sc->n[found], sum_g,
                  sum_h, n);
}

static void node_split(grower *G, gnode *nd) {
    int64_t n = nd->stop - nd->start, nact = G->n_active, nb = G->nb;
    for (int64_t f = 0; f < G->d; f++) {
        G->fsplit[f].gain = -1;
        G->fsplit[f].feature = (int32_t)f;
    }
    int nth = inner_threads(G, nact * nb * 4);
    int64_t ngroups = (nact + 3) / 4;
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        scan_t *sc = malloc(sizeof(scan_t));
        if (!sc) {
#pragma omp atomic write
            G->failed = 1;
        }
#pragma omp for schedule(dynamic, 4)
        for (int64_t grp = 0; grp < ngroups; grp++) {
            if (!sc) continue;
            int64_t fs[4], ends[4];
            const hbin *hf[4];
            split_t tmp[4], *out[4];
            for (int q = 0; q < 4; q++) { /* a short last group repeats its last feature */
                int64_t a = grp * 4 + q < nact ? grp * 4 + q : nact - 1;
                fs[q] = G->act_list[a];
                hf[q] = nd->hist + fs[q] * nb;
                ends[q] = G->nbm[fs[q]] - 1 + G->has_missing[fs[q]];
                out[q] = grp * 4 + q < nact ? &G->fsplit[fs[q]] : &tmp[q];
            }
            ltr4(G, hf, ends, fs, n, nd->sum_g, nd->sum_h, nd->value, out);
            for (int q = 0; q < 4 && grp * 4 + q < nact; q++)
                rtl_split(G, fs[q], hf[q], n, nd->sum_g, nd->sum_h, nd->value, out[q], sc);
        }
        free(sc);
    }
    int64_t best = 0;
    for (int64_t f = 1; f < G->d; f++)
        if (G->fsplit[f].gain > G->fsplit[best].gain) best = f;
    nd->split = G->fsplit[best];
}

/* ---------------------------------------------------------------- the heap (Python's heapq) */

static inline int heap_less(const grower *G, int64_t a, int64_t b) {
    return G->nodes[a].split.gain > G->nodes[b].split.gain;
}

static void heap_siftdown(grower *G, int64_t startpos, int64_t pos) {
    int64_t *hp = G->heap, item = hp[pos];
    while (pos > startpos) {
        int64_t parentpos = (pos - 1) >> 1;
        if (heap_less(G, item, hp[parentpos])) {
            hp[pos] = hp[parentpos];
            pos = parentpos;
            continue;
        }
        break;
    }
    hp[pos] = item;
}

static void heap_push(grower *G, int64_t node) {
    G->heap[G->heap_n++] = node;
    heap_siftdown(G, 0, G->heap_n - 1);
}

static int64_t heap_pop(grower *G) {
    int64_t *hp = G->heap;
    int64_t last = hp[--G->heap_n];
    if (G->heap_n == 0) return last;
    int64_t ret = hp[0];
    hp[0] = last;
    int64_t endpos = G->heap_n, pos = 0, item = hp[0], child = 1;
    while (child < endpos) {
        int64_t right = child + 1;
        if (right < endpos && !heap_less(G, hp[child], hp[right])) child = right;
        hp[pos] = hp[child];
        pos = child;
        child = 2 * pos + 1;
    }
    hp[pos] = item;
    heap_siftdown(G, 0, pos);
    return ret;
}

/* ---------------------------------------------------------------- growing */

static void finalize_leaf(grower *G, gnode *nd) {
    nd->is_leaf = 1;
    G->n_leaves++;
}

static void split_and_push(grower *G, int64_t k) {
    gnode *nd = &G->nodes[k];
    node_split(G, nd);
    if (nd->split.gain <= 0) {
        finalize_leaf(G, nd);
    } else {
        heap_push(G, k);
    }
}

static int64_t new_node(grower *G, int64_t start, int64_t stop, double sg, double sh, double value, int32_t depth) {
    int64_t k = G->n_nodes++;
    gnode *nd = &G->nodes[k];
    memset(nd, 0, sizeof(*nd));
    nd->start = start, nd->stop = stop;
    nd->sum_g = sg, nd->sum_h = sh, nd->value = value;
    nd->depth = depth;
    nd->left = nd->right = -1;
    nd->split.gain = -1;
    return k;
}

/* stable partition of idx[start .. stop) by the node's split; returns the left count */
static int64_t partition(grower *G, const gnode *nd) {
    const uint8_t *col = G->cols + (int64_t)nd->split.feature * G->n;
    uint32_t *idx = G->idx, *tmp = G->tmp;
    int bin = nd->split.bin, ml = nd->split.missing_left;
    uint8_t missing = (uint8_t)(G->nb - 1);
    int64_t l = nd->start, r = 0;
    for (int64_t i = nd->start; i < nd->stop; i++) {
        uint32_t s = idx[i];
        uint8_t b = col[s];
        int left = b == missing ? ml : b <= bin;
        if (left) idx[l++] = s;
        else tmp[r++] = s;
    }
    memcpy(idx + l, tmp, (size_t)r * sizeof(uint32_t));
    return l - nd->start;
}

static void split_next(grower *G) {
    const tide_boost_tree_params *p = G->p;
    int64_t k = heap_pop(G);
    int64_t nl = partition(G, &G->nodes[k]);
    gnode nd = G->nodes[k];
    int32_t depth = nd.depth + 1;
    int64_t n_leaf_nodes = G->n_leaves + G->heap_n + 2;
    int64_t lk = new_node(G, nd.start, nd.start + nl, nd.split.sg_l, nd.split.sh_l, nd.split.v_l, depth);
    int64_t rk = new_node(G, nd.start + nl, nd.stop, nd.split.sg_r, nd.split.sh_r, nd.split.v_r, depth);
    gnode *node = &G->nodes[k], *left = &G->nodes[lk], *right = &G->nodes[rk];
    node->left = (int32_t)lk, node->right = (int32_t)rk;
    int64_t n_l = left->stop - left->start, n_r = right->stop - right->start;
    if (!G->has_missing[node->split.feature]) node->split.missing_left = n_l > n_r;

    if (p->max_leaf_nodes > 0 && n_leaf_nodes == p->max_leaf_nodes) {
        finalize_leaf(G, left);
        finalize_leaf(G, right);
        while (G->heap_n > 0) { /* every splittable node becomes a leaf */
            gnode *o = &G->nodes[G->heap[--G->heap_n]];
            finalize_leaf(G, o);
            hist_put(G, o->hist);
            o->hist = NULL;
        }
        hist_put(G, node->hist);
        node->hist = NULL;
        return;
    }
    if (p->max_depth > 0 && depth == p->max_depth) {
        finalize_leaf(G, left);
        finalize_leaf(G, right);
        hist_put(G, node->hist);
        node->hist = NULL;
        return;
    }
    if (n_l < p->min_samples_leaf * 2) finalize_leaf(G, left);
    if (n_r < p->min_samples_leaf * 2) finalize_leaf(G, right);
    if (!left->is_leaf || !right->is_leaf) {
        gnode *small = n_l < n_r ? left : right, *large = n_l < n_r ? right : left;
        small->hist = hist_get(G);
        if (!small->hist) return;
        hist_build(G, small->start, small->stop, 0, small->hist);
        if (!large->is_leaf) { /* a leaf's histogram would never be read */
            hist_subtract(G, node->hist, small->hist);
            large->hist = node->hist;
            node->hist = NULL;
        }
        if (!left->is_leaf) split_and_push(G, lk);
        if (!right->is_leaf) split_and_push(G, rk);
        gnode *kids[2] = {&G->nodes[lk], &G->nodes[rk]};
        for (int c = 0; c < 2; c++)
            if (kids[c]->is_leaf) {
                hist_put(G, kids[c]->hist);
                kids[c]->hist = NULL;
            }
    }
    hist_put(G, G->nodes[k].hist);
    G->nodes[k].hist = NULL;
}

static int cmp_pair(const void *a, const void *b) {
    double x = ((const double *)a)[0], y = ((const double *)b)[0];
    return (x > y) - (x < y);
}

/* scikit-learn's AbsoluteError.fit_intercept_only of residuals y - raw over idx[0 .. m): the
 * median (NumPy's, mean of the middle two), or the weighted percentile 50 with weights */
static double median_residual(const uint32_t *idx, int64_t m, const double *y, const double *w, const double *raw,
                              int64_t K, double *buf) {
    if (m == 0) return 0;
    for (int64_t i = 0; i < m; i++) {
        buf[2 * i] = y[idx[i]] - raw[(int64_t)idx[i] * K];
        buf[2 * i + 1] = w ? w[idx[i]] : 1;
    }
    qsort(buf, (size_t)m, 2 * sizeof(double), cmp_pair);
    if (!w) return m % 2 ? buf[2 * (m / 2)] : (buf[2 * (m / 2 - 1)] + buf[2 * (m / 2)]) / 2;
    double total = 0;
    for (int64_t i = 0; i < m; i++) total += buf[2 * i + 1];
    double target = 0.5 * total, cdf = 0;
    if (target == 0) target = nextafter(0.0, 1.0);
    for (int64_t i = 0; i < m; i++) {
        cdf += buf[2 * i + 1];
        if (cdf >= target) return buf[2 * i];
    }
    return buf[2 * (m - 1)];
}

/* the grown tree into out [max_nodes, 11] in preorder; returns the row count */
static int64_t write_tree(grower *G, double *out, int64_t *row_of, int64_t *stack) {
    int64_t sp = 0, next = 0;
    stack[sp++] = 0;
    while (sp > 0) { /* rows in preorder: node, left subtree, right subtree */
        int64_t k = stack[--sp];
        row_of[k] = next++;
        if (!G->nodes[k].is_leaf) {
            stack[sp++] = G->nodes[k].right;
            stack[sp++] = G->nodes[k].left;
        }
    }
    for (int64_t k = 0; k < G->n_nodes; k++) {
        const gnode *nd = &G->nodes[k];
        double *r = out + row_of[k] * TIDE_BOOST_NODE_COLS;
        memset(r, 0, TIDE_BOOST_NODE_COLS * sizeof(double));
        r[0] = nd->value;
        r[1] = (double)(nd->stop - nd->start);
        r[7] = nd->split.gain;
        r[8] = nd->depth;
        r[9] = nd->is_leaf;
        if (nd->is_leaf) continue;
        int64_t f = nd->split.feature;
        r[2] = (double)f;
        r[3] = nd->split.bin == G->nbm[f] - 1 ? INFINITY : G->thr[f * G->width + nd->split.bin];
        r[4] = nd->split.missing_left;
        r[5] = (double)row_of[nd->left];
        r[6] = (double)row_of[nd->right];
        r[10] = nd->split.bin;
    }
    return next;
}

/* one tree on column k's gradients; fills out and adds its predictions to raw[:, k] */
static int64_t grow_tree(grower *G, const double *y, const double *w, double *raw, int64_t K, int64_t kcol,
                         double *out) {
    const tide_boost_tree_params *p = G->p;
    int64_t n = G->n;
    for (int64_t i = 0; i < n; i++) G->idx[i] = (uint32_t)i;
    G->n_nodes = 0, G->heap_n = 0, G->n_leaves = 0;
    double sg = 0, sh = 0;
    for (int64_t i = 0; i < n; i++) sg += G->g[i];
    if (G->h)
        for (int64_t i = 0; i < n; i++) sh += G->h[i];
    else
        sh = (double)n;
    for (int64_t i = 0; i < n; i++) G->gh[2 * i] = G->g[i], G->gh[2 * i + 1] = G->h ? G->h[i] : 1.0f;
    int64_t root = new_node(G, 0, n, sg, sh, 0, 0);
    if (n < 2 * p->min_samples_leaf || sh < p->min_hessian_to_split) {
        finalize_leaf(G, &G->nodes[root]);
    } else {
        G->nodes[root].hist = hist_get(G);
        if (!G->nodes[root].hist) return -1;
        hist_build(G, 0, n, 1, G->nodes[root].hist);
        split_and_push(G, root);
    }
    while (G->heap_n > 0 && !G->failed) split_next(G);
    for (int64_t k = 0; k < G->n_nodes; k++) {
        hist_put(G, G->nodes[k].hist);
        G->nodes[k].hist = NULL;
    }
    if (G->failed) return -1;
    for (int64_t k = 0; k < G->n_nodes; k++) {
        gnode *nd = &G->nodes[k];
        if (!nd->is_leaf) continue;
        if (p->loss == TIDE_BOOST_ABSOLUTE_ERROR)
            nd->value = p->shrinkage * median_residual(G->idx + nd->start, nd->stop - nd->start, y, w, raw + kcol, K, G->buf);
        else
            nd->value *= p->shrinkage;
    }
    for (int64_t k = 0; k < G->n_nodes; k++) {
        const gnode *nd = &G->nodes[k];
        if (!nd->is_leaf) continue;
        for (int64_t i = nd->start; i < nd->stop; i++) raw[(int64_t)G->idx[i] * K + kcol] += nd->value;
    }
    return write_tree(G, out, G->row_of, G->stack);
}

static int check_t(const char *op, const char *name, const tide_tensor *t, int dtype, int ndim, int64_t d0, int64_t d1) {
    if (!t) return TIDE_FAIL("%s: %s is NULL", op, name);
    if (t->dtype != dtype || t->ndim != ndim || !tide_tensor_is_contiguous(t) || t->shape[0] != d0 ||
        (ndim == 2 && t->shape[1] != d1))
        return TIDE_FAIL("%s: %s must be a contiguous %s tensor of shape [%lld%s%lld]", op, name, tide_dtype_name(dtype),
                         (long long)d0, ndim == 2 ? ", " : "", ndim == 2 ? (long long)d1 : 0LL);
    return 0;
}

int tide_boost_grow(const tide_tensor *cols, const tide_tensor *blocks, const tide_tensor *grad, const tide_tensor *hess,
                    const tide_tensor *thresholds, const tide_tensor *n_bins_non_missing,
                    const tide_tensor *has_missing, const tide_tensor *y, const tide_tensor *w, tide_tensor *raw,
                    tide_tensor *nodes, tide_tensor *n_nodes, const tide_boost_tree_params *p) {
    const char *op = "boost_grow";
    if (!p) return TIDE_FAIL("%s: params are NULL", op);
    if (!thresholds || thresholds->ndim != 2) return TIDE_FAIL("%s: thresholds must be a float64 [d, max_bins - 1] tensor", op);
    int64_t d = thresholds->shape[0];
    if (!cols || cols->dtype != TIDE_UINT8 || cols->ndim != 2 || !tide_tensor_is_contiguous(cols) ||
        cols->shape[0] != d)
        return TIDE_FAIL("%s: cols must be a contiguous uint8 [%lld, n] tensor (tide_boost_bin_map)", op, (long long)d);
    int64_t n = cols->shape[1];
    if (blocks && (blocks->dtype != TIDE_UINT8 || blocks->ndim != 3 || !tide_tensor_is_contiguous(blocks) ||
                   blocks->shape[0] != (d + 63) / 64 || blocks->shape[1] != n || blocks->shape[2] != 64))
        return TIDE_FAIL("%s: blocks must be a contiguous uint8 [%lld, %lld, 64] tensor (tide_boost_bin_map)", op,
                         (long long)((d + 63) / 64), (long long)n);
    if (n < 1 || d < 1) return TIDE_FAIL("%s: binned is empty", op);
    if (n > 4294967295LL) return TIDE_FAIL("%s: at most 2^32 - 1 samples", op);
    if (!grad || grad->ndim != 2) return TIDE_FAIL("%s: grad must be a float32 [K, n] tensor", op);
    int64_t K = grad->shape[0];
    if (check_t(op, "grad", grad, TIDE_FLOAT32, 2, K, n)) return -1;
    if (p->hessians_are_constant) {
        if (hess) return TIDE_FAIL("%s: hess must be NULL when hessians are constant", op);
    } else if (check_t(op, "hess", hess, TIDE_FLOAT32, 2, K, n))
        return -1;
    if (p->n_bins < 3 || p->n_bins > 256) return TIDE_FAIL("%s: n_bins must be in [3, 256], got %lld", op, (long long)p->n_bins);
    if (check_t(op, "thresholds", thresholds, TIDE_FLOAT64, 2, d, p->n_bins - 2)) return -1;
    if (check_t(op, "n_bins_non_missing", n_bins_non_missing, TIDE_INT32, 1, d, 0)) return -1;
    if (check_t(op, "has_missing", has_missing, TIDE_UINT8, 1, d, 0)) return -1;
    if (check_t(op, "raw", raw, TIDE_FLOAT64, 2, n, K)) return -1;
    if (p->min_samples_leaf < 1) return TIDE_FAIL("%s: min_samples_leaf must be >= 1", op);
    if (p->max_leaf_nodes != 0 && p->max_leaf_nodes < 2) return TIDE_FAIL("%s: max_leaf_nodes must be >= 2", op);
    if (p->max_depth < 0) return TIDE_FAIL("%s: max_depth must be >= 1 (0: no limit)", op);
    if (!(p->l2_regularization >= 0) || !(p->min_gain_to_split >= 0) || !(p->min_hessian_to_split >= 0) ||
        !(p->shrinkage > 0))
        return TIDE_FAIL("%s: l2_regularization, min_gain_to_split and min_hessian_to_split must be >= 0 and "
                         "shrinkage > 0", op);
    int absolute = p->loss == TIDE_BOOST_ABSOLUTE_ERROR;
    if (p->loss < 0 || p->loss > 2) return TIDE_FAIL("%s: unknown loss %d", op, (int)p->loss);
    if (absolute) {
        if (K != 1) return TIDE_FAIL("%s: absolute_error grows one tree per iteration", op);
        if (check_t(op, "y", y, TIDE_FLOAT64, 1, n, 0)) return -1;
        if (w && check_t(op, "w", w, TIDE_FLOAT64, 1, n, 0)) return -1;
    }
    /* the largest tree: every leaf has at least min_samples_leaf samples */
    int64_t max_leaves = n / p->min_samples_leaf;
    if (max_leaves < 1) max_leaves = 1;
    if (p->max_leaf_nodes > 0 && p->max_leaf_nodes < max_leaves) max_leaves = p->max_leaf_nodes;
    int64_t max_nodes = 2 * max_leaves - 1;
    if (!nodes || nodes->dtype != TIDE_FLOAT64 || nodes->ndim != 2 || nodes->shape[1] != TIDE_BOOST_NODE_COLS ||
        !tide_tensor_is_contiguous(nodes) || nodes->shape[0] < K * max_nodes || nodes->shape[0] % K != 0)
        return TIDE_FAIL("%s: nodes must be a contiguous float64 [K * cap, %d] tensor with cap >= %lld", op,
                         TIDE_BOOST_NODE_COLS, (long long)max_nodes);
    int64_t cap = nodes->shape[0] / K;
    if (check_t(op, "n_nodes", n_nodes, TIDE_INT64, 1, K, 0)) return -1;
    const int32_t *nbm = (const int32_t *)tide_elem_ptr(n_bins_non_missing);
    const uint8_t *hm = (const uint8_t *)tide_elem_ptr(has_missing);
    for (int64_t f = 0; f < d; f++)
        if (nbm[f] < 1 || nbm[f] > p->n_bins - 1)
            return TIDE_FAIL("%s: n_bins_non_missing[%lld] = %d is out of range", op, (long long)f, (int)nbm[f]);

    /* K > 1: the trees of an iteration grow in parallel, one per thread, each single-threaded
     * inside (no barriers per node); K = 1: one tree, features in parallel */
    int nthreads = tide_get_num_threads();
    int tree_par = K > 1 && nthreads > 1 ? (int)(K < nthreads ? K : nthreads) : 1;
    grower *Gs = calloc((size_t)tree_par, sizeof(grower));
    uint8_t *active = malloc((size_t)d);
    int64_t *act_list = malloc((size_t)d * sizeof(int64_t));
    int status = 0;
    if (!Gs || !active || !act_list) {
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    int64_t n_active = 0;
    for (int64_t f = 0; f < d; f++) {
        active[f] = nbm[f] > 1 || hm[f];
        if (active[f]) act_list[n_active++] = f;
    }
    for (int t = 0; t < tree_par; t++) {
        grower *G = &Gs[t];
        G->cols = (const uint8_t *)tide_elem_ptr(cols);
        G->blocks = blocks ? (const uint8_t *)tide_elem_ptr(blocks) : NULL;
        G->n = n, G->d = d, G->nb = p->n_bins, G->width = p->n_bins - 2;
        G->nbm = nbm, G->has_missing = hm, G->active = active;
        G->act_list = act_list, G->n_active = n_active;
        G->thr = (const double *)tide_elem_ptr(thresholds);
        G->p = p;
        G->max_nodes = max_nodes;
        G->threads = tree_par > 1 ? 1 : nthreads;
        G->idx = malloc((size_t)n * sizeof(uint32_t));
        G->tmp = malloc((size_t)n * sizeof(uint32_t));
        G->gh = malloc((size_t)n * 2 * sizeof(float));
        G->gh_ord = malloc((size_t)n * 2 * sizeof(float));
        G->nodes = malloc((size_t)max_nodes * sizeof(gnode));
        G->heap = malloc((size_t)max_nodes * sizeof(int64_t));
        G->fsplit = malloc((size_t)d * sizeof(split_t));
        G->row_of = malloc((size_t)max_nodes * sizeof(int64_t));
        G->stack = malloc((size_t)max_nodes * sizeof(int64_t));
        G->buf = absolute ? malloc((size_t)n * 2 * sizeof(double)) : NULL;
        if (!G->idx || !G->tmp || !G->gh || !G->gh_ord || !G->nodes || !G->heap || !G->fsplit || !G->row_of ||
            !G->stack || (absolute && !G->buf)) {
            status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
            goto done;
        }
    }
    const float *pg = (const float *)tide_elem_ptr(grad);
    const float *ph = hess ? (const float *)tide_elem_ptr(hess) : NULL;
    double *praw = (double *)tide_elem_ptr(raw);
    double *pout = (double *)tide_elem_ptr(nodes);
    int64_t *pcount = (int64_t *)tide_elem_ptr(n_nodes);
    const double *py = absolute ? (const double *)tide_elem_ptr(y) : NULL;
    const double *pw = absolute && w ? (const double *)tide_elem_ptr(w) : NULL;
    int failed = 0;
#pragma omp parallel for num_threads(tree_par) if (tree_par > 1) schedule(dynamic, 1)
    for (int64_t k = 0; k < K; k++) {
#ifdef _OPENMP
        grower *G = &Gs[omp_get_thread_num()];
#else
        grower *G = &Gs[0];
#endif
        G->g = pg + k * n;
        G->h = ph ? ph + k * n : NULL;
        int64_t rows = grow_tree(G, py, pw, praw, K, k, pout + k * cap * TIDE_BOOST_NODE_COLS);
        if (rows < 0) {
#pragma omp atomic write
            failed = 1;
        } else {
            pcount[k] = rows;
        }
    }
    if (failed) status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
done:
    for (int t = 0; Gs && t < tree_par; t++) {
        grower *G = &Gs[t];
        for (int64_t i = 0; i < G->pool_n; i++) free(G->pool[i]);
        if (G->nodes)
            for (int64_t k = 0; k < G->n_nodes; k++) free(G->nodes[k].hist);
        free(G->pool);
        free(G->idx), free(G->tmp), free(G->gh), free(G->gh_ord), free(G->nodes), free(G->heap), free(G->fsplit);
        free(G->row_of), free(G->stack), free(G->buf);
    }
    free(Gs);
    free(active);
    free(act_list);
    return status;
}
