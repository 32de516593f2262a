/* tree_build.c — growing one CART tree (see tide/tree.h), scikit-learn's algorithm:
 * depth-first (or best-first with max_leaf_nodes), at each node the features drawn in random
 * order until max_features non-constant ones were tried, the best split of each by the proxy
 * improvement, the same stopping rules and the same float32 midpoint thresholds.
 *
 * Speed: the split search works on per-feature ranks (tree_data), so a node's samples are
 * sorted by an LSD radix sort over the few rank bits that differ inside the node (one pass of
 * 256 buckets when a feature has <= 256 distinct values in the node), and the scan updates
 * gini's sum of squared class weights in O(1) per sample. Large nodes split their features
 * across threads; every candidate's result is reduced in draw order, so the tree does not
 * depend on the thread count.
 */
#include "tree_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---------------------------------------------------------------- node arrays */
void tree_nodes_free(tree_nodes *t) {
    free(t->left), free(t->right), free(t->feature), free(t->n_samples);
    free(t->threshold), free(t->impurity), free(t->weighted_n), free(t->value);
    memset(t, 0, sizeof *t);
}

static int nodes_reserve(tree_nodes *t, int64_t need) {
    if (need <= t->cap) return TIDE_OK;
    int64_t cap = t->cap ? t->cap : 64;
    while (cap < need) cap *= 2;
#define GROW(f, T, w)                                                                                                  \
    {                                                                                                                  \
        T *p = realloc(t->f, (size_t)(cap * (w)) * sizeof(T));                                                        \
        if (!p) return TIDE_ENOMEM;                                                                                    \
        t->f = p;                                                                                                      \
    }
    GROW(left, int64_t, 1) GROW(right, int64_t, 1) GROW(feature, int64_t, 1) GROW(n_samples, int64_t, 1)
    GROW(threshold, double, 1) GROW(impurity, double, 1) GROW(weighted_n, double, 1) GROW(value, double, t->k)
#undef GROW
    t->cap = cap;
    return TIDE_OK;
}

/* ---------------------------------------------------------------- the builder */
typedef struct scratch {
    uint32_t *key, *idx, *key2, *idx2; /* [m]: a feature's ranks in the node and their sort */
    double *cl;                        /* [k]: class weights left of the scan position */
    double *hist;                      /* [HIST_BINS, k]: class weights per rank (large nodes) */
    int64_t *hcount;                   /* [HIST_BINS]: samples per rank */
} scratch;

/* Large nodes of classification trees whose feature spans at most HIST_BINS ranks (8-bit data)
 * skip the sort: class weights are summed per rank and the ranks scanned in order, the same
 * candidate positions as the sorted scan. */
#define HIST_BINS 256
#define HIST_MIN_SAMPLES 1024

enum { CAND_CONSTANT = 0, CAND_NONE = 1, CAND_SPLIT = 2 };

/* depth-first trees of at least this many samples grow their small subtrees separately */
#define SUBTREE_MIN_SAMPLES 4096
/* a child pointer to deferred subtree i while the top of the tree grows */
#define DEFERRED(i) (-3 - (int64_t)(i))
#define DEFERRED_INDEX(ref) (-3 - (ref))
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

static bool is_class(const builder *b) { return b->D->k > 0; }

/* impurity of a node from its statistics (scikit-learn's formulas) */
static double impurity_of(const builder *b, const double *s, double w) {
    int crit = b->o->criterion;
    if (!is_class(b)) return s[1] / w - (s[0] / w) * (s[0] / w);
    double acc = 0;
    if (crit == TIDE_TREE_GINI) {
        for (int64_t c = 0; c < b->k; c++) acc += s[c] * s[c];
        return 1.0 - acc / (w * w);
    }
    for (int64_t c = 0; c < b->k; c++)
        if (s[c] > 0) {
            double p = s[c] / w;
            acc -= p * (log(p) / log(2.0));
        }
    return acc;
}

/* Gather the node's targets and weights into node-local arrays and sum its statistics. */
static void node_gather(builder *b, int64_t start, int64_t end) {
    const tree_data *D = b->D;
    int64_t m = end - start;
    double wn = 0;
    if (is_class(b)) {
        for (int64_t c = 0; c < b->k; c++) b->stat[c] = 0;
        for (int64_t i = 0; i < m; i++) {
            int64_t s = b->samples[start + i];
            double wi = b->w[s];
            int32_t c = D->yc[s];
            b->nyc[i] = c, b->nw[i] = wi;
            b->stat[c] += wi;
            wn += wi;
        }
    } else {
        double sum = 0, sq = 0;
        for (int64_t i = 0; i < m; i++) {
            int64_t s = b->samples[start + i];
            double wi = b->w[s], yi = D->y[s];
            b->ny[i] = yi, b->nw[i] = wi;
            sum += wi * yi, sq += wi * yi * yi, wn += wi;
        }
        b->stat[0] = sum, b->stat[1] = sq;
    }
    b->wn = wn;
}

/* ---------------------------------------------------------------- sorting by rank */
/* Sort key[0..m) (ranks in [kmin, kmax]) with idx alongside; stable LSD radix on key - kmin. */
static void sort_ranks(scratch *s, int64_t m, uint32_t kmin, uint32_t kmax) {
    uint32_t *key = s->key, *idx = s->idx;
    if (m <= 32) {
        for (int64_t i = 1; i < m; i++) {
            uint32_t kv = key[i], iv = idx[i];
            int64_t j = i - 1;
            while (j >= 0 && key[j] > kv) key[j + 1] = key[j], idx[j + 1] = idx[j], j--;
            key[j + 1] = kv, idx[j + 1] = iv;
        }
        return;
    }
    uint32_t range = kmax - kmin;
    uint32_t *k2 = s->key2, *i2 = s->idx2;
    for (int shift = 0; shift < 32 && (range >> shift) != 0; shift += 8) {
        uint32_t nb = (range >> shift) < 255 ? (range >> shift) + 1 : 256; /* buckets in use */
        uint32_t cnt[257];
        memset(cnt, 0, (nb + 1) * sizeof *cnt);
        for (int64_t i = 0; i < m; i++) cnt[(((key[i] - kmin) >> shift) & 255) + 1]++;
        for (uint32_t c = 0; c < nb; c++) cnt[c + 1] += cnt[c];
        for (int64_t i = 0; i < m; i++) {
            uint32_t dst = cnt[((key[i] - kmin) >> shift) & 255]++;
            k2[dst] = key[i], i2[dst] = idx[i];
        }
        uint32_t *t = key;
        key = k2, k2 = t;
        t = idx, idx = i2, i2 = t;
    }
    if (key != s->key) { /* an odd number of passes: the result is in the second buffers */
        memcpy(s->key, key, (size_t)m * sizeof *key);
        memcpy(s->idx, idx, (size_t)m * sizeof *idx);
    }
}

/* ---------------------------------------------------------------- evaluating one feature */
/* scikit-learn's threshold between two neighbouring values lo < hi */
static double midpoint(float lo, float hi) {
    double t = (double)lo / 2.0 + (double)hi / 2.0;
    if (t == (double)hi || isinf(t)) t = lo;
    return t;
}

/* The best split among the boundaries between the node's distinct ranks in [kmin, kmax] of one
 * feature, from per-rank class weights (classification, large nodes): s->key holds the ranks. */
static void hist_scan_class(const builder *b, scratch *s, int64_t m, const float *vals, uint32_t kmin, uint32_t kmax,
                            double *best, uint32_t *lo, uint32_t *hi) {
    int64_t k = b->k, nb = (int64_t)(kmax - kmin) + 1, msl = b->o->min_samples_leaf;
    double *h = s->hist, *cl = s->cl, mwl = b->min_weight_leaf, wn = b->wn, wl = 0, sql = 0, sqr = 0;
    const double *node = b->stat;
    bool gini = b->o->criterion == TIDE_TREE_GINI;
    int64_t *cnt = s->hcount;
    memset(h, 0, (size_t)(nb * k) * sizeof *h);
    memset(cnt, 0, (size_t)nb * sizeof *cnt);
    for (int64_t i = 0; i < m; i++) {
        uint32_t r = s->key[i] - kmin;
        h[r * k + b->nyc[i]] += b->nw[i];
        cnt[r]++;
    }
    for (int64_t j = 0; j < k; j++) cl[j] = 0, sqr += node[j] * node[j];
    int64_t nl = 0, prev = -1;
    for (int64_t r = 0; r < nb; r++) {
        if (cnt[r] == 0) continue;
        if (prev >= 0) { /* the split: ranks before r go left */
            if (m - nl < msl) break;
            double wr = wn - wl;
            if (nl >= msl && wl >= mwl && wr >= mwl && !(vals[kmin + r] <= vals[kmin + prev] + TREE_FEATURE_THRESHOLD)) {
                double proxy = 0;
                if (gini)
                    proxy = sql / wl + sqr / wr;
                else
                    for (int64_t j = 0; j < k; j++) {
                        double a = cl[j], rr = node[j] - a;
                        if (a > 0) proxy += a * log(a / wl);
                        if (rr > 0) proxy += rr * log(rr / wr);
                    }
                if (proxy > *best) *best = proxy, *lo = kmin + (uint32_t)prev, *hi = kmin + (uint32_t)r;
            }
        }
        const double *hr = h + r * k;
        for (int64_t j = 0; j < k; j++) {
            double w = hr[j];
            if (w == 0) continue;
            double cy = cl[j];
            sql += w * (2 * cy + w);
            sqr += w * (w - 2 * (node[j] - cy));
            cl[j] = cy + w;
            wl += w;
        }
        nl += cnt[r];
        prev = r;
    }
}

/* The best split of the node [start, start + m) on feature f (splitter "best").
 * key/idx hold the node's ranks sorted; the scan moves samples left one by one and scores each
 * position between two distinct values. */
static cand best_split_feature(const builder *b, scratch *s, int64_t start, int64_t m, int64_t f) {
    const tree_data *D = b->D;
    const float *vals = D->values + D->vstart[f];
    cand c = {CAND_CONSTANT, -INFINITY, 0, 0};
    uint32_t kmin, kmax;
    tree_gather_ranks(D, f, b->samples + start, m, s->key, &kmin, &kmax);
    if (vals[kmax] <= vals[kmin] + TREE_FEATURE_THRESHOLD) return c;
    c.status = CAND_NONE;
    if (is_class(b) && m >= HIST_MIN_SAMPLES && kmax - kmin < HIST_BINS) {
        double best = -INFINITY;
        uint32_t lo = 0, hi = 0;
        hist_scan_class(b, s, m, vals, kmin, kmax, &best, &lo, &hi);
        if (best > -INFINITY) {
            c.status = CAND_SPLIT, c.proxy = best, c.r_lo = lo;
            c.threshold = midpoint(vals[lo], vals[hi]);
        }
        return c;
    }
    for (int64_t i = 0; i < m; i++) s->idx[i] = (uint32_t)i;
    sort_ranks(s, m, kmin, kmax);
    const uint32_t *key = s->key, *idx = s->idx;
    int64_t msl = b->o->min_samples_leaf;
    double mwl = b->min_weight_leaf, wn = b->wn, wl = 0, wr = wn, best = -INFINITY;
    uint32_t lo = 0, hi = 0;
    if (is_class(b)) {
        int64_t k = b->k;
        double *cl = s->cl;
        const double *node = b->stat;
        bool gini = b->o->criterion == TIDE_TREE_GINI;
        double sql = 0, sqr = 0;
        for (int64_t j = 0; j < k; j++) cl[j] = 0, sqr += node[j] * node[j];
        for (int64_t p = 0; p + 1 < m; p++) {
            uint32_t i = idx[p];
            int32_t y = b->nyc[i];
            double wi = b->nw[i], cy = cl[y], ry = node[y] - cy;
            sql += wi * (2 * cy + wi);
            sqr += wi * (wi - 2 * ry);
            cl[y] = cy + wi;
            wl += wi, wr -= wi;
            if (key[p + 1] == key[p]) continue;
            int64_t pos = p + 1;
            if (pos < msl) continue;
            if (m - pos < msl) break;
            if (wl < mwl || wr < mwl) continue;
            if (vals[key[p + 1]] <= vals[key[p]] + TREE_FEATURE_THRESHOLD) continue;
            double proxy;
            if (gini)
                proxy = sql / wl + sqr / wr;
            else { /* -(wl H_l + wr H_r), natural log: the same order as scikit-learn's log2 */
                proxy = 0;
                for (int64_t j = 0; j < k; j++) {
                    double a = cl[j], r = node[j] - a;
                    if (a > 0) proxy += a * log(a / wl);
                    if (r > 0) proxy += r * log(r / wr);
                }
            }
            if (proxy > best) best = proxy, lo = key[p], hi = key[p + 1];
        }
    } else {
        bool friedman = b->o->criterion == TIDE_TREE_FRIEDMAN_MSE;
        double suml = 0, total = b->stat[0];
        for (int64_t p = 0; p + 1 < m; p++) {
            uint32_t i = idx[p];
            double wi = b->nw[i];
            suml += wi * b->ny[i];
            wl += wi, wr -= wi;
            if (key[p + 1] == key[p]) continue;
            int64_t pos = p + 1;
            if (pos < msl) continue;
            if (m - pos < msl) break;
            if (wl < mwl || wr < mwl) continue;
            if (vals[key[p + 1]] <= vals[key[p]] + TREE_FEATURE_THRESHOLD) continue;
            double sumr = total - suml, proxy;
            if (friedman) {
                double diff = wr * suml - wl * sumr;
                proxy = diff * diff / (wl * wr);
            } else
                proxy = suml * suml / wl + sumr * sumr / wr;
            if (proxy > best) best = proxy, lo = key[p], hi = key[p + 1];
        }
    }
    if (best > -INFINITY) {
        c.status = CAND_SPLIT, c.proxy = best, c.r_lo = lo;
        c.threshold = midpoint(vals[lo], vals[hi]);
    }
    return c;
}

/* One random threshold on feature f (splitter "random", extra trees): uniform between the
 * node's smallest and largest value, scored like the best splitter's candidates. */
static cand random_split_feature(const builder *b, scratch *s, int64_t start, int64_t m, int64_t f, uint64_t bits) {
    const tree_data *D = b->D;
    const float *vals = D->values + D->vstart[f];
    const uint32_t *rank = s->key; /* node-local */
    cand c = {CAND_CONSTANT, -INFINITY, 0, 0};
    uint32_t kmin, kmax;
    tree_gather_ranks(D, f, b->samples + start, m, s->key, &kmin, &kmax);
    if (vals[kmax] <= vals[kmin] + TREE_FEATURE_THRESHOLD) return c;
    c.status = CAND_NONE;
    double vmin = vals[kmin], vmax = vals[kmax];
    double t = (vmax - vmin) * tree_unit(bits) + vmin;
    if (t == vmax) t = vmin;
    uint32_t a = kmin, z = kmax; /* the last rank with value <= t: vals[a] <= t < vals[z] */
    while (z - a > 1) {
        uint32_t mid = a + (z - a) / 2;
        if ((double)vals[mid] <= t) a = mid; else z = mid;
    }
    int64_t nl = 0;
    double wl = 0, wn = b->wn;
    if (is_class(b)) {
        double *cl = s->cl;
        for (int64_t j = 0; j < b->k; j++) cl[j] = 0;
        for (int64_t i = 0; i < m; i++)
            if (rank[i] <= a) cl[b->nyc[i]] += b->nw[i], wl += b->nw[i], nl++;
    } else {
        double suml = 0;
        for (int64_t i = 0; i < m; i++)
            if (rank[i] <= a) suml += b->nw[i] * b->ny[i], wl += b->nw[i], nl++;
        s->cl[0] = suml;
    }
    double wr = wn - wl, mwl = b->min_weight_leaf;
    if (nl < b->o->min_samples_leaf || m - nl < b->o->min_samples_leaf || wl < mwl || wr < mwl) return c;
    double proxy = 0;
    if (is_class(b)) {
        for (int64_t j = 0; j < b->k; j++) {
            double l = s->cl[j], r = b->stat[j] - l;
            if (b->o->criterion == TIDE_TREE_GINI)
                proxy += l * l / wl + r * r / wr;
            else {
                if (l > 0) proxy += l * log(l / wl);
                if (r > 0) proxy += r * log(r / wr);
            }
        }
    } else {
        double suml = s->cl[0], sumr = b->stat[0] - suml;
        if (b->o->criterion == TIDE_TREE_FRIEDMAN_MSE) {
            double diff = wr * suml - wl * sumr;
            proxy = diff * diff / (wl * wr);
        } else
            proxy = suml * suml / wl + sumr * sumr / wr;
    }
    c.status = CAND_SPLIT, c.proxy = proxy, c.r_lo = a, c.threshold = t;
    return c;
}

/* ---------------------------------------------------------------- splitting a node */
typedef struct split {
    int found;
    int64_t feature, pos;
    double threshold, improvement;
} split;

/* Score the candidates perm[from .. to) into cands[], across threads when the node is large. */
static void evaluate(builder *b, int64_t start, int64_t m, int64_t from, int64_t to, uint64_t node_key) {
    int random = b->o->splitter == TIDE_TREE_RANDOM;
    int nth = b->nthreads > 1 && to - from > 1 ? tide_threads_for(m * (to - from)) : 1;
    if (nth > b->nthreads) nth = b->nthreads;
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1) if (nth > 1)
    for (int64_t j = from; j < to; j++) {
#ifdef _OPENMP
        scratch *s = &b->sc[nth > 1 ? omp_get_thread_num() : 0];
#else
        scratch *s = &b->sc[0];
#endif
        int64_t f = b->perm[j];
        if (b->cur[f]) { /* constant in an ancestor, hence here */
            b->cands[j].status = CAND_CONSTANT;
            continue;
        }
        b->cands[j] = random ? random_split_feature(b, s, start, m, f, tree_hash(node_key, (uint64_t)f))
                             : best_split_feature(b, s, start, m, f);
    }
}

/* Find the node's split with scikit-learn's rule: draw max_features features without replacement
 * (features known to be constant count as drawn but cost nothing), and if all of them were
 * constant keep drawing until one is not. Keep the best proxy (the first drawn on ties). */
static void find_split(builder *b, int64_t start, int64_t end, double impurity, split *out) {
    const tree_data *D = b->D;
    int64_t d = D->d, m = end - start, mf = b->o->max_features, next = 0, visited = 0, nonconst = 0, best = -1;
    uint64_t node_key = tree_hash(b->seed, b->node_counter++), draw = 0;
    for (int64_t f = 0; f < d; f++) b->perm[f] = f;
    while (next < d && (visited < mf || nonconst == 0)) {
        int64_t batch = visited < mf ? mf - visited : 4; /* past max_features: until one is not constant */
        if (batch > d - next) batch = d - next;
        for (int64_t j = next; j < next + batch; j++) { /* Fisher-Yates, one draw at a time */
            int64_t r = j + (int64_t)tree_below(tree_hash(node_key ^ 0xD1B54A32D192ED03ull, draw++), (uint64_t)(d - j));
            int64_t t = b->perm[j];
            b->perm[j] = b->perm[r], b->perm[r] = t;
        }
        evaluate(b, start, m, next, next + batch, node_key);
        for (int64_t j = next; j < next + batch; j++) {
            if (visited >= mf && nonconst > 0) break;
            visited++;
            if (b->cands[j].status == CAND_CONSTANT) {
                b->cur[b->perm[j]] = 1;
                continue;
            }
            nonconst++;
            if (b->cands[j].status == CAND_SPLIT && (best < 0 || b->cands[j].proxy > b->cands[best].proxy)) best = j;
        }
        next += batch;
    }
    out->found = 0;
    if (best < 0) return;
    int64_t f = b->perm[best];
    uint32_t r_lo = b->cands[best].r_lo;
    /* partition (stable): rank <= r_lo to the left */
    uint32_t *key = b->sc[0].key, kmin, kmax;
    tree_gather_ranks(D, f, b->samples + start, m, key, &kmin, &kmax);
    memcpy(b->tmp, b->samples + start, (size_t)m * sizeof *b->tmp);
    int64_t p = start, q = 0;
    for (int64_t i = 0; i < m; i++) {
        if (key[i] <= r_lo)
            b->samples[p++] = b->tmp[i];
        else
            b->tmp[q++] = b->tmp[i];
    }
    memcpy(b->samples + p, b->tmp, (size_t)q * sizeof *b->tmp);
    /* the children's impurities from the left statistics (right = node - left) */
    double wl = 0, *ls = b->lstat, rs[3];
    int64_t k = is_class(b) ? b->k : 2;
    for (int64_t c = 0; c < k; c++) ls[c] = 0;
    for (int64_t i = start; i < p; i++) {
        int64_t s = b->samples[i];
        double wi = b->w[s];
        wl += wi;
        if (is_class(b))
            ls[D->yc[s]] += wi;
        else
            ls[0] += wi * D->y[s], ls[1] += wi * D->y[s] * D->y[s];
    }
    double wn = b->wn, wr = wn - wl, improvement;
    if (!is_class(b) && b->o->criterion == TIDE_TREE_FRIEDMAN_MSE) {
        double diff = wr * ls[0] - wl * (b->stat[0] - ls[0]);
        improvement = diff * diff / (wl * wr * wn);
    } else {
        double il = impurity_of(b, ls, wl), ir;
        if (is_class(b)) {
            for (int64_t c = 0; c < k; c++) ls[c] = b->stat[c] - ls[c]; /* now the right side */
            ir = impurity_of(b, ls, wr);
        } else {
            rs[0] = b->stat[0] - ls[0], rs[1] = b->stat[1] - ls[1];
            ir = impurity_of(b, rs, wr);
        }
        improvement = (wn / b->w_total) * (impurity - (wr / wn) * ir - (wl / wn) * il);
    }
    out->found = 1, out->feature = f, out->pos = p;
    out->threshold = b->cands[best].threshold, out->improvement = improvement;
}

/* A frontier entry of the growth loops */
struct rec {
    int64_t start, end, depth, parent, node, pos;
    int is_left, is_leaf;
    double improvement;
};

/* Create the node for samples [r->start, r->end): its statistics, value, leaf test and split
 * (samples partitioned at r->pos). Fills r->node, r->is_leaf, r->pos, r->improvement. */
static int add_node(builder *b, rec *r) {
    const tide_tree_options *o = b->o;
    int64_t start = r->start, end = r->end, m = end - start;
    node_gather(b, start, end);
    double wn = b->wn, impurity = impurity_of(b, b->stat, wn);
    int is_leaf = (o->max_depth >= 0 && r->depth >= o->max_depth) || m < o->min_samples_split ||
                  m < 2 * o->min_samples_leaf || wn < 2 * b->min_weight_leaf || impurity <= TREE_EPSILON;
    split sp = {0, TREE_UNDEFINED, end, TREE_UNDEFINED, 0};
    int64_t d = b->D->d;
    if (r->parent >= 0)
        memcpy(b->cur, b->constant + r->parent * d, (size_t)d);
    else if (b->root_constant)
        memcpy(b->cur, b->root_constant, (size_t)d);
    else
        memset(b->cur, 0, (size_t)d);
    if (!is_leaf) {
        find_split(b, start, end, impurity, &sp);
        is_leaf = !sp.found || sp.pos >= end || sp.improvement + TREE_EPSILON < o->min_impurity_decrease;
    }
    tree_nodes *t = b->t;
    if (nodes_reserve(t, t->count + 1) != TIDE_OK) return TIDE_ENOMEM;
    if (t->count >= b->constant_cap) {
        int64_t cap = b->constant_cap ? 2 * b->constant_cap : 64;
        uint8_t *p = realloc(b->constant, (size_t)(cap * d));
        if (!p) return TIDE_ENOMEM;
        b->constant = p, b->constant_cap = cap;
    }
    int64_t id = t->count++;
    memcpy(b->constant + id * d, b->cur, (size_t)d);
    if (r->parent >= 0) {
        if (r->is_left) t->left[r->parent] = id;
        else t->right[r->parent] = id;
    }
    t->left[id] = t->right[id] = TREE_LEAF;
    t->feature[id] = is_leaf ? TREE_UNDEFINED : sp.feature;
    t->threshold[id] = is_leaf ? TREE_UNDEFINED : sp.threshold;
    t->impurity[id] = impurity;
    t->n_samples[id] = m;
    t->weighted_n[id] = wn;
    double *v = t->value + id * t->k;
    if (is_class(b))
        for (int64_t c = 0; c < b->k; c++) v[c] = b->stat[c];
    else
        v[0] = b->stat[0] / wn;
    r->node = id, r->is_leaf = is_leaf;
    r->pos = is_leaf ? end : sp.pos;
    r->improvement = is_leaf ? 0 : sp.improvement;
    if (r->depth > t->max_depth) t->max_depth = r->depth;
    return TIDE_OK;
}

/* Depth-first growth (scikit-learn's DepthFirstTreeBuilder): the left child is built first,
 * so node ids are in pre-order. */
static int grow_depth_first(builder *b, rec root) {
    int64_t cap = 64, top = 0;
    rec *stack = malloc((size_t)cap * sizeof *stack);
    if (!stack) return TIDE_ENOMEM;
    stack[top++] = root;
    int status = TIDE_OK;
    while (top > 0) {
        rec r = stack[--top];
        if (r.parent >= 0 && r.end - r.start <= b->defer_at_most) { /* a subtree for later */
            rec_list *l = b->deferred;
            if (l->count == l->cap) {
                int64_t nc = l->cap ? 2 * l->cap : 32;
                rec *p = realloc(l->items, (size_t)nc * sizeof *p);
                if (!p) { status = TIDE_ENOMEM; break; }
                l->items = p, l->cap = nc;
            }
            if (r.is_left) b->t->left[r.parent] = DEFERRED(l->count);
            else b->t->right[r.parent] = DEFERRED(l->count);
            l->items[l->count++] = r;
            continue;
        }
        if ((status = add_node(b, &r)) != TIDE_OK) break;
        if (r.is_leaf) continue;
        if (top + 2 > cap) {
            rec *p = realloc(stack, (size_t)(cap * 2) * sizeof *stack);
            if (!p) { status = TIDE_ENOMEM; break; }
            stack = p, cap *= 2;
        }
        stack[top++] = (rec){r.pos, r.end, r.depth + 1, r.node, 0, 0, 0, 0, 0};
        stack[top++] = (rec){r.start, r.pos, r.depth + 1, r.node, 0, 0, 1, 0, 0};
    }
    free(stack);
    return status;
}

/* max-heap on improvement (ties: the older node first) */
static bool heap_before(const rec *a, const rec *b) {
    return a->improvement > b->improvement || (a->improvement == b->improvement && a->node < b->node);
}

static void heap_push(rec *h, int64_t *n, rec r) {
    int64_t i = (*n)++;
    while (i > 0 && heap_before(&r, &h[(i - 1) / 2])) h[i] = h[(i - 1) / 2], i = (i - 1) / 2;
    h[i] = r;
}

static rec heap_pop(rec *h, int64_t *n) {
    rec top = h[0], last = h[--(*n)];
    int64_t i = 0;
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && heap_before(&h[c + 1], &h[c])) c++;
        if (!heap_before(&h[c], &last)) break;
        h[i] = h[c], i = c;
    }
    h[i] = last;
    return top;
}

/* Best-first growth (scikit-learn's BestFirstTreeBuilder, used when max_leaf_nodes is set):
 * the frontier node with the largest improvement is expanded next, max_leaf_nodes - 1 times. */
static int grow_best_first(builder *b) {
    int64_t max_split = b->o->max_leaf_nodes - 1, n = 0;
    rec *heap = malloc((size_t)(2 * b->o->max_leaf_nodes + 2) * sizeof *heap);
    if (!heap) return TIDE_ENOMEM;
    rec root = {0, b->m, 0, -1, 0, 0, 0, 0, 0};
    int status = add_node(b, &root);
    if (status == TIDE_OK) heap_push(heap, &n, root);
    while (status == TIDE_OK && n > 0) {
        rec r = heap_pop(heap, &n);
        tree_nodes *t = b->t;
        if (r.is_leaf || max_split <= 0) {
            t->left[r.node] = t->right[r.node] = TREE_LEAF;
            t->feature[r.node] = TREE_UNDEFINED;
            t->threshold[r.node] = TREE_UNDEFINED;
            continue;
        }
        max_split--;
        rec l = {r.start, r.pos, r.depth + 1, r.node, 0, 0, 1, 0, 0};
        rec rr = {r.pos, r.end, r.depth + 1, r.node, 0, 0, 0, 0, 0};
        if ((status = add_node(b, &l)) != TIDE_OK || (status = add_node(b, &rr)) != TIDE_OK) break;
        heap_push(heap, &n, l);
        heap_push(heap, &n, rr);
    }
    free(heap);
    return status;
}

/* Normalised impurity decrease per feature (scikit-learn's compute_feature_importances). */
static void importances(const tree_nodes *t, int64_t d, double *imp) {
    for (int64_t f = 0; f < d; f++) imp[f] = 0;
    for (int64_t i = 0; i < t->count; i++) {
        if (t->left[i] == TREE_LEAF) continue;
        int64_t l = t->left[i], r = t->right[i];
        imp[t->feature[i]] += t->weighted_n[i] * t->impurity[i] - t->weighted_n[l] * t->impurity[l] -
                              t->weighted_n[r] * t->impurity[r];
    }
    double total = 0;
    for (int64_t f = 0; f < d; f++) total += imp[f] /= t->weighted_n[0];
    if (total > 0)
        for (int64_t f = 0; f < d; f++) imp[f] /= total;
}

/* Buffers for splitting nodes of at most cap samples (b->D, k, nthreads set). */
static int builder_alloc(builder *b, int64_t cap) {
    int64_t d = b->D->d, k = b->k;
    b->tmp = malloc((size_t)cap * sizeof *b->tmp);
    b->nyc = malloc((size_t)cap * sizeof *b->nyc);
    b->ny = malloc((size_t)cap * sizeof *b->ny);
    b->nw = malloc((size_t)cap * sizeof *b->nw);
    b->stat = malloc((size_t)(k + 2) * sizeof *b->stat);
    b->lstat = malloc((size_t)(k + 2) * sizeof *b->lstat);
    b->cands = malloc((size_t)d * sizeof *b->cands);
    b->perm = malloc((size_t)d * sizeof *b->perm);
    b->sc = calloc((size_t)b->nthreads, sizeof *b->sc);
    b->cur = malloc((size_t)d);
    if (!b->tmp || !b->nyc || !b->ny || !b->nw || !b->stat || !b->lstat || !b->cands || !b->perm || !b->sc || !b->cur)
        return TIDE_ENOMEM;
    for (int th = 0; th < b->nthreads; th++) {
        scratch *s = &b->sc[th];
        s->key = malloc((size_t)cap * sizeof *s->key);
        s->idx = malloc((size_t)cap * sizeof *s->idx);
        s->key2 = malloc((size_t)cap * sizeof *s->key2);
        s->idx2 = malloc((size_t)cap * sizeof *s->idx2);
        s->cl = malloc((size_t)(k + 2) * sizeof *s->cl);
        s->hist = malloc((size_t)(HIST_BINS * k) * sizeof *s->hist);
        s->hcount = malloc(HIST_BINS * sizeof *s->hcount);
        if (!s->key || !s->idx || !s->key2 || !s->idx2 || !s->cl || !s->hist || !s->hcount) return TIDE_ENOMEM;
    }
    return TIDE_OK;
}

static void builder_release(builder *b) {
    if (b->sc)
        for (int th = 0; th < b->nthreads; th++) {
            scratch *s = &b->sc[th];
            free(s->key), free(s->idx), free(s->key2), free(s->idx2), free(s->cl), free(s->hist), free(s->hcount);
        }
    free(b->sc), free(b->tmp), free(b->nyc), free(b->ny), free(b->nw), free(b->stat), free(b->lstat);
    free(b->cands), free(b->perm), free(b->cur), free(b->constant);
    b->sc = NULL, b->tmp = NULL, b->nyc = NULL, b->ny = NULL, b->nw = NULL, b->stat = b->lstat = NULL;
    b->cands = NULL, b->perm = NULL, b->cur = b->constant = NULL;
}

/* Grow the deferred subtrees (in parallel when b may use threads), each with its own random
 * stream (from the tree's seed and the subtree's index: the same for any thread count). */
static int grow_subtrees(builder *b, tree_nodes *subs) {
    const rec_list *l = b->deferred;
    int nth = b->nthreads < l->count ? b->nthreads : (int)l->count, failed = 0;
    int64_t d = b->D->d;
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1) if (nth > 1) reduction(| : failed)
    for (int64_t i = 0; i < l->count; i++) {
        rec r = l->items[i];
        builder sb = *b;
        sb.nthreads = 1, sb.sc = NULL, sb.tmp = NULL, sb.nyc = NULL, sb.ny = NULL, sb.nw = NULL;
        sb.stat = sb.lstat = NULL, sb.cands = NULL, sb.perm = NULL, sb.cur = sb.constant = NULL;
        sb.constant_cap = 0, sb.node_counter = 0, sb.defer_at_most = 0;
        sb.seed = tree_hash(b->seed ^ 0x5B7EE5ull, (uint64_t)i);
        sb.root_constant = b->constant + r.parent * d;
        memset(&subs[i], 0, sizeof subs[i]);
        subs[i].k = b->k;
        sb.t = &subs[i];
        r.parent = -1;
        int st = builder_alloc(&sb, r.end - r.start);
        if (st == TIDE_OK) st = grow_depth_first(&sb, r);
        builder_release(&sb);
        failed |= st != TIDE_OK;
    }
    return failed ? TIDE_ENOMEM : TIDE_OK;
}

/* The top of the tree (b->t) and its deferred subtrees -> one tree in pre-order (scikit-learn's
 * numbering: a subtree's nodes, already in pre-order, are copied as one block). */
static int stitch(const builder *b, const tree_nodes *subs, tree_nodes *out) {
    const tree_nodes *top = b->t;
    int64_t total = top->count, k = b->k;
    for (int64_t i = 0; i < b->deferred->count; i++) total += subs[i].count;
    memset(out, 0, sizeof *out);
    out->k = k;
    if (nodes_reserve(out, total) != TIDE_OK) return TIDE_ENOMEM;
    typedef struct item { int64_t ref, parent; int is_left; } item; /* ref >= 0: top node; else DEFERRED */
    item *stack = malloc((size_t)(top->count + 2) * sizeof *stack);
    if (!stack) return TIDE_ENOMEM;
    int64_t sp = 0, next = 0;
    out->max_depth = top->max_depth;
    stack[sp++] = (item){0, -1, 0};
    while (sp > 0) {
        item it = stack[--sp];
        int64_t id = next;
        if (it.parent >= 0) {
            if (it.is_left) out->left[it.parent] = id;
            else out->right[it.parent] = id;
        }
        if (it.ref >= 0) {
            int64_t i = it.ref;
            out->left[id] = out->right[id] = TREE_LEAF;
            out->feature[id] = top->feature[i], out->threshold[id] = top->threshold[i];
            out->impurity[id] = top->impurity[i], out->n_samples[id] = top->n_samples[i];
            out->weighted_n[id] = top->weighted_n[i];
            memcpy(out->value + id * k, top->value + i * k, (size_t)k * sizeof(double));
            next++;
            if (top->left[i] != TREE_LEAF) {
                stack[sp++] = (item){top->right[i], id, 0};
                stack[sp++] = (item){top->left[i], id, 1};
            }
        } else {
            const tree_nodes *sub = &subs[DEFERRED_INDEX(it.ref)];
            for (int64_t j = 0; j < sub->count; j++) {
                int64_t g = id + j;
                out->left[g] = sub->left[j] == TREE_LEAF ? TREE_LEAF : sub->left[j] + id;
                out->right[g] = sub->right[j] == TREE_LEAF ? TREE_LEAF : sub->right[j] + id;
                out->feature[g] = sub->feature[j], out->threshold[g] = sub->threshold[j];
                out->impurity[g] = sub->impurity[j], out->n_samples[g] = sub->n_samples[j];
                out->weighted_n[g] = sub->weighted_n[j];
            }
            memcpy(out->value + id * k, sub->value, (size_t)(sub->count * k) * sizeof(double));
            next += sub->count;
            if (sub->max_depth > out->max_depth) out->max_depth = sub->max_depth;
        }
    }
    free(stack);
    out->count = next;
    return TIDE_OK;
}

int tree_grow(const tree_data *D, const double *w, const tide_tree_options *o, uint64_t seed, int parallel,
              tree_nodes *out, double *importance) {
    builder b = {0};
    int64_t n = D->n, d = D->d, m = 0, k = D->k > 0 ? D->k : 1;
    for (int64_t i = 0; i < n; i++) m += w[i] > 0;
    if (m == 0) return TIDE_EARG;
    b.D = D, b.o = o, b.w = w, b.m = m, b.k = k, b.seed = seed;
#ifdef _OPENMP
    b.nthreads = parallel ? tide_get_num_threads() : 1;
#else
    b.nthreads = 1;
#endif
    rec_list deferred = {0};
    tree_nodes top = {0}, *subs = NULL;
    top.k = k;
    b.t = &top, b.deferred = &deferred;
    /* Large depth-first trees: the nodes of > m/16 samples are grown first (their features
     * split across threads), the subtrees below them afterwards, one per thread at a time. The
     * rule depends on the data only, so the tree is the same for any thread count. */
    b.defer_at_most = o->max_leaf_nodes < 0 && m >= SUBTREE_MIN_SAMPLES ? m / 16 : 0;
    int status = TIDE_ENOMEM;
    b.samples = malloc((size_t)m * sizeof *b.samples);
    if (!b.samples || builder_alloc(&b, m) != TIDE_OK) goto done;
    double wt = 0;
    for (int64_t i = 0, j = 0; i < n; i++)
        if (w[i] > 0) b.samples[j++] = i, wt += w[i];
    b.w_total = wt;
    b.min_weight_leaf = o->min_weight_fraction_leaf * wt;
    memset(out, 0, sizeof *out);
    out->k = k;
    rec root = {0, m, 0, -1, 0, 0, 0, 0, 0};
    status = o->max_leaf_nodes >= 0 ? grow_best_first(&b) : grow_depth_first(&b, root);
    if (status == TIDE_OK && deferred.count > 0) {
        /* the top's split buffers are not needed any more: free them before the subtrees' */
        uint8_t *constant = b.constant;
        b.constant = NULL;
        builder_release(&b);
        b.constant = constant;
        subs = calloc((size_t)deferred.count, sizeof *subs);
        status = subs ? grow_subtrees(&b, subs) : TIDE_ENOMEM;
        if (status == TIDE_OK) status = stitch(&b, subs, out);
    } else if (status == TIDE_OK) {
        *out = top;
        memset(&top, 0, sizeof top);
    }
    if (status == TIDE_OK) importances(out, d, importance);
done:
    if (subs)
        for (int64_t i = 0; i < deferred.count; i++) tree_nodes_free(&subs[i]);
    free(subs), free(deferred.items);
    tree_nodes_free(&top);
    builder_release(&b);
    free(b.samples);
    return status;
}
