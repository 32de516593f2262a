/* boost_split.c — split finding of histogram gradient boosting's tree growing (see
 * boost_grow.c), as scikit-learn 1.2's Splitter: each feature's bins scanned left to right
 * (missing values right) and, when the feature had missing values, right to left (missing
 * values left); gain = loss(node) - loss(left) - loss(right) with loss = sum_gradient * value,
 * value = -sum_gradient / (sum_hessian + l2 + 1e-15); min_samples_leaf and
 * min_hessian_to_split bound each side; the first best feature wins. No fused multiply-add in
 * the gains, so they round as scikit-learn's and near-ties break the same way. */
#include "boost_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

void boost_node_split(grower *G, gnode *nd) {
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
