/* tree_split.c — the split search of one tree node (see tide/tree.h, core/tree_build.c):
 * scikit-learn's rules — features drawn in random order until max_features were tried (known
 * constant ones count but cost nothing), the best threshold of each by the proxy improvement
 * (or one random threshold with splitter "random"), float32 midpoints, min_samples_leaf /
 * min_weight_leaf on both sides — then the partition of the node's samples.
 *
 * Speed: the search works on per-feature ranks (tree_data). A node's samples are sorted by an
 * LSD radix sort over the rank bits that differ inside the node (one pass of <= 256 buckets for
 * 8-bit data), or, in large nodes with <= 256 ranks, not sorted at all: class weights (or
 * weight and weighted target) are summed per rank. The scan updates gini's sum of squared class weights in O(1) per
 * sample. Large nodes split their features across threads; candidates are reduced in draw order,
 * so the result does not depend on the thread count.
 */
#include "tree_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* large nodes whose feature spans <= HIST_BINS ranks sum per rank (no sort) */
#define HIST_MIN_SAMPLES 1024

/* impurity of a node from its statistics (scikit-learn's formulas) */
double tree_impurity(const builder *b, const double *s, double w) {
    int crit = b->o->criterion;
    if (!tree_is_class(b)) return s[1] / w - (s[0] / w) * (s[0] / w);
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
void tree_node_gather(builder *b, int64_t start, int64_t end) {
    const tree_data *D = b->D;
    int64_t m = end - start;
    double wn = 0;
    if (tree_is_class(b)) {
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

/* The same for regression: per-rank sums of weight and weight * target (hist [nb, 2]). */
static void hist_scan_reg(const builder *b, scratch *s, int64_t m, const float *vals, uint32_t kmin, uint32_t kmax,
                          double *best, uint32_t *lo, uint32_t *hi) {
    int64_t nb = (int64_t)(kmax - kmin) + 1, msl = b->o->min_samples_leaf;
    double *h = s->hist, mwl = b->min_weight_leaf, wn = b->wn, total = b->stat[0], wl = 0, suml = 0;
    bool friedman = b->o->criterion == TIDE_TREE_FRIEDMAN_MSE;
    int64_t *cnt = s->hcount;
    memset(h, 0, (size_t)(nb * 2) * sizeof *h);
    memset(cnt, 0, (size_t)nb * sizeof *cnt);
    for (int64_t i = 0; i < m; i++) {
        uint32_t r = s->key[i] - kmin;
        h[2 * r] += b->nw[i];
        h[2 * r + 1] += b->nw[i] * b->ny[i];
        cnt[r]++;
    }
    int64_t nl = 0, prev = -1;
    for (int64_t r = 0; r < nb; r++) {
        if (cnt[r] == 0) continue;
        if (prev >= 0) {
            if (m - nl < msl) break;
            double wr = wn - wl;
            if (nl >= msl && wl >= mwl && wr >= mwl && !(vals[kmin + r] <= vals[kmin + prev] + TREE_FEATURE_THRESHOLD)) {
                double sumr = total - suml, proxy;
                if (friedman) {
                    double diff = wr * suml - wl * sumr;
                    proxy = diff * diff / (wl * wr);
                } else
                    proxy = suml * suml / wl + sumr * sumr / wr;
                if (proxy > *best) *best = proxy, *lo = kmin + (uint32_t)prev, *hi = kmin + (uint32_t)r;
            }
        }
        wl += h[2 * r], suml += h[2 * r + 1];
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
    if (m >= HIST_MIN_SAMPLES && kmax - kmin < HIST_BINS) {
        double best = -INFINITY;
        uint32_t lo = 0, hi = 0;
        if (tree_is_class(b))
            hist_scan_class(b, s, m, vals, kmin, kmax, &best, &lo, &hi);
        else
            hist_scan_reg(b, s, m, vals, kmin, kmax, &best, &lo, &hi);
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
    if (tree_is_class(b)) {
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
    if (tree_is_class(b)) {
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
    if (tree_is_class(b)) {
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
void tree_find_split(builder *b, int64_t start, int64_t end, double impurity, split *out) {
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
    int64_t k = tree_is_class(b) ? b->k : 2;
    for (int64_t c = 0; c < k; c++) ls[c] = 0;
    for (int64_t i = start; i < p; i++) {
        int64_t s = b->samples[i];
        double wi = b->w[s];
        wl += wi;
        if (tree_is_class(b))
            ls[D->yc[s]] += wi;
        else
            ls[0] += wi * D->y[s], ls[1] += wi * D->y[s] * D->y[s];
    }
    double wn = b->wn, wr = wn - wl, improvement;
    if (!tree_is_class(b) && b->o->criterion == TIDE_TREE_FRIEDMAN_MSE) {
        double diff = wr * ls[0] - wl * (b->stat[0] - ls[0]);
        improvement = diff * diff / (wl * wr * wn);
    } else {
        double il = tree_impurity(b, ls, wl), ir;
        if (tree_is_class(b)) {
            for (int64_t c = 0; c < k; c++) ls[c] = b->stat[c] - ls[c]; /* now the right side */
            ir = tree_impurity(b, ls, wr);
        } else {
            rs[0] = b->stat[0] - ls[0], rs[1] = b->stat[1] - ls[1];
            ir = tree_impurity(b, rs, wr);
        }
        improvement = (wn / b->w_total) * (impurity - (wr / wn) * ir - (wl / wn) * il);
    }
    out->found = 1, out->feature = f, out->pos = p;
    out->threshold = b->cands[best].threshold, out->improvement = improvement;
}
