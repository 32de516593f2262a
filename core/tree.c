/* tree.c — the public entry points of tide/tree.h: argument checks, the rank tables every tree
 * of a fit shares, forests (bootstrap draws, trees in parallel, out-of-bag sums), the fit
 * result tensors, and prediction (apply / predict over the flat node arrays).
 * Growing one tree is core/tree_build.c.
 */
#include "tree_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---------------------------------------------------------------- rank tables */
/* float -> uint32 with the same order (-0 and 0 are one value) */
static inline uint32_t float_key(float v) {
    uint32_t u;
    if (v == 0) v = 0;
    memcpy(&u, &v, sizeof u);
    return (u & 0x80000000u) ? ~u : u | 0x80000000u;
}

static inline float key_float(uint32_t u) {
    u = (u & 0x80000000u) ? u & 0x7FFFFFFFu : ~u;
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Sort n keys with their indices: LSD radix, 8-bit digits, skipping digits all keys share. */
static void radix_sort_keys(uint32_t *key, uint32_t *idx, uint32_t *k2, uint32_t *i2, int64_t n) {
    int64_t (*cnt)[257] = calloc(4, sizeof *cnt);
    if (!cnt) return; /* the caller checks the order afterwards */
    for (int64_t i = 0; i < n; i++)
        for (int dg = 0; dg < 4; dg++) cnt[dg][((key[i] >> (8 * dg)) & 255) + 1]++;
    uint32_t *ka = key, *ia = idx;
    for (int dg = 0; dg < 4; dg++) {
        int64_t *c = cnt[dg];
        if (c[((ka[0] >> (8 * dg)) & 255) + 1] == n) continue; /* one bucket: nothing to move */
        for (int b = 0; b < 256; b++) c[b + 1] += c[b];
        for (int64_t i = 0; i < n; i++) {
            int64_t dst = c[(ka[i] >> (8 * dg)) & 255]++;
            k2[dst] = ka[i], i2[dst] = ia[i];
        }
        uint32_t *t = ka;
        ka = k2, k2 = t;
        t = ia, ia = i2, i2 = t;
    }
    if (ka != key) {
        memcpy(key, ka, (size_t)n * sizeof *key);
        memcpy(idx, ia, (size_t)n * sizeof *idx);
    }
    free(cnt);
}

typedef struct prepared {
    tree_data D;
    void *rank;
    float *values;
    int64_t *vstart;
    int32_t *yc;
} prepared;

static void prepared_free(prepared *p) {
    free(p->rank), free(p->values), free(p->vstart), free(p->yc);
    memset(p, 0, sizeof *p);
}

/* x float32 [n, d] contiguous -> per-feature ranks and sorted distinct values. */
static int prepare(const float *x, int64_t n, int64_t d, prepared *P) {
    P->rank = malloc((size_t)(n * d) * sizeof(uint32_t));
    float *vals = malloc((size_t)(n * d) * sizeof *vals);
    int64_t *nuniq = malloc((size_t)d * sizeof *nuniq);
    P->vstart = malloc((size_t)(d + 1) * sizeof *P->vstart);
    int nth = tide_threads_for(n * d);
    if (nth > d) nth = (int)d;
    uint32_t *buf = malloc((size_t)(4 * n * (nth > 0 ? nth : 1)) * sizeof *buf);
    int status = TIDE_OK;
    if (!P->rank || !vals || !nuniq || !P->vstart || !buf) {
        status = TIDE_ENOMEM;
        goto done;
    }
    int failed = 0;
#pragma omp parallel for num_threads(nth) schedule(dynamic, 4) if (nth > 1) reduction(| : failed)
    for (int64_t f = 0; f < d; f++) {
#ifdef _OPENMP
        uint32_t *key = buf + 4 * n * (nth > 1 ? omp_get_thread_num() : 0);
#else
        uint32_t *key = buf;
#endif
        uint32_t *idx = key + n, *k2 = idx + n, *i2 = k2 + n;
        for (int64_t i = 0; i < n; i++) key[i] = float_key(x[i * d + f]), idx[i] = (uint32_t)i;
        radix_sort_keys(key, idx, k2, i2, n);
        uint32_t *rank = (uint32_t *)P->rank + f * n;
        float *v = vals + f * n;
        int64_t u = 0;
        for (int64_t i = 0; i < n; i++) {
            if (i > 0 && key[i] < key[i - 1]) failed = 1; /* the sort ran out of memory */
            if (i == 0 || key[i] != key[i - 1]) v[u++] = key_float(key[i]);
            rank[idx[i]] = (uint32_t)(u - 1);
        }
        nuniq[f] = u;
    }
    if (failed) {
        status = TIDE_ENOMEM;
        goto done;
    }
    P->vstart[0] = 0;
    for (int64_t f = 0; f < d; f++) {
        P->vstart[f + 1] = P->vstart[f] + nuniq[f];
        memmove(vals + P->vstart[f], vals + f * n, (size_t)nuniq[f] * sizeof *vals);
    }
    P->values = realloc(vals, (size_t)P->vstart[d] * sizeof *vals);
    if (!P->values) P->values = vals;
    vals = NULL;
    /* the narrowest rank width: less memory traffic in every gather */
    int64_t most = 0;
    for (int64_t f = 0; f < d; f++) most = nuniq[f] > most ? nuniq[f] : most;
    P->D.rank_bytes = most <= 256 ? 1 : most <= 65536 ? 2 : 4;
    if (P->D.rank_bytes < 4) {
        const uint32_t *wide = P->rank;
        void *narrow = malloc((size_t)(n * d) * (size_t)P->D.rank_bytes);
        if (!narrow) {
            status = TIDE_ENOMEM;
            goto done;
        }
        if (P->D.rank_bytes == 1)
            for (int64_t i = 0; i < n * d; i++) ((uint8_t *)narrow)[i] = (uint8_t)wide[i];
        else
            for (int64_t i = 0; i < n * d; i++) ((uint16_t *)narrow)[i] = (uint16_t)wide[i];
        free(P->rank);
        P->rank = narrow;
    }
done:
    free(vals), free(nuniq), free(buf);
    P->D.rank = P->rank, P->D.values = P->values, P->D.vstart = P->vstart, P->D.n = n, P->D.d = d;
    return status;
}

/* ---------------------------------------------------------------- checks */
static bool is_vector(const tide_tensor *t, int dtype, int64_t n) {
    return t && t->ndim == 1 && t->dtype == dtype && t->shape[0] == n && (n <= 1 || t->stride[0] == 1);
}

static bool contiguous(const tide_tensor *t) {
    int64_t expect = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] != 1 && t->stride[i] != expect) return false;
        expect *= t->shape[i];
    }
    return true;
}

static int check_options(const char *op, const tide_tree_options *o, int64_t n, int64_t d) {
    bool cls = o->n_classes > 0;
    if (o->n_classes < 0 || o->n_classes == 1 || o->n_classes > INT32_MAX)
        return TIDE_FAIL("%s: n_classes must be 0 (regression) or >= 2, got %lld", op, (long long)o->n_classes);
    if (cls && o->criterion != TIDE_TREE_GINI && o->criterion != TIDE_TREE_ENTROPY)
        return TIDE_FAIL("%s: a classification tree needs criterion gini or entropy", op);
    if (!cls && o->criterion != TIDE_TREE_SQUARED_ERROR && o->criterion != TIDE_TREE_FRIEDMAN_MSE)
        return TIDE_FAIL("%s: a regression tree needs criterion squared_error or friedman_mse", op);
    if (o->splitter != TIDE_TREE_BEST && o->splitter != TIDE_TREE_RANDOM)
        return TIDE_FAIL("%s: splitter must be TIDE_TREE_BEST or TIDE_TREE_RANDOM", op);
    if (o->min_samples_split < 2) return TIDE_FAIL("%s: min_samples_split must be >= 2", op);
    if (o->min_samples_leaf < 1) return TIDE_FAIL("%s: min_samples_leaf must be >= 1", op);
    if (!(o->min_weight_fraction_leaf >= 0 && o->min_weight_fraction_leaf <= 0.5))
        return TIDE_FAIL("%s: min_weight_fraction_leaf must be in [0, 0.5]", op);
    if (o->max_features < 1 || o->max_features > d)
        return TIDE_FAIL("%s: max_features must be in [1, %lld], got %lld", op, (long long)d, (long long)o->max_features);
    if (o->max_leaf_nodes >= 0 && o->max_leaf_nodes < 2) return TIDE_FAIL("%s: max_leaf_nodes must be >= 2", op);
    if (!(o->min_impurity_decrease >= 0)) return TIDE_FAIL("%s: min_impurity_decrease must be >= 0", op);
    if (!(o->ccp_alpha >= 0) || isinf(o->ccp_alpha)) return TIDE_FAIL("%s: ccp_alpha must be finite and >= 0", op);
    if (o->n_trees < 1) return TIDE_FAIL("%s: n_trees must be >= 1", op);
    if (o->n_bootstrap < 0) return TIDE_FAIL("%s: n_bootstrap must be >= 0", op);
    if (o->oob && o->n_bootstrap == 0) return TIDE_FAIL("%s: out-of-bag estimates need bootstrap draws", op);
    if (o->balanced_subsample && (!cls || o->n_bootstrap == 0))
        return TIDE_FAIL("%s: balanced_subsample needs classification with bootstrap", op);
    return TIDE_OK;
}

static int check_fit(const char *op, const tide_tensor *x, const tide_tensor *y, const tide_tensor *sw,
                     const tide_tensor *cw, const tide_tree_fit_result *res, const tide_tree_options *o) {
    if (!x || !y || !res || !o) return TIDE_FAIL("%s: x, y, result and options are required", op);
    if (x->ndim != 2 || x->dtype != TIDE_FLOAT32 || !contiguous(x))
        return TIDE_FAIL("%s: x must be a contiguous float32 tensor [n, d]", op);
    int64_t n = x->shape[0], d = x->shape[1];
    if (n < 1 || d < 1) return TIDE_FAIL("%s: x is empty ([%lld, %lld])", op, (long long)n, (long long)d);
    if (n >= UINT32_MAX) return TIDE_FAIL("%s: too many samples (%lld)", op, (long long)n);
    if (!is_vector(y, TIDE_FLOAT64, n)) return TIDE_FAIL("%s: y must be a contiguous float64 tensor [%lld]", op, (long long)n);
    if (sw && !is_vector(sw, TIDE_FLOAT64, n))
        return TIDE_FAIL("%s: sample_weight must be a contiguous float64 tensor [%lld]", op, (long long)n);
    if (check_options(op, o, n, d) != TIDE_OK) return -1;
    if (cw && (o->n_classes == 0 || !is_vector(cw, TIDE_FLOAT64, o->n_classes)))
        return TIDE_FAIL("%s: class_weight must be a float64 tensor [n_classes] (classification only)", op);
    const float *xp = (const float *)tide_elem_ptr(x);
    for (int64_t i = 0; i < n * d; i++)
        if (!isfinite(xp[i])) return TIDE_FAIL("%s: x contains NaN or infinity", op);
    const double *yp = (const double *)tide_elem_ptr(y);
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(yp[i])) return TIDE_FAIL("%s: y contains NaN or infinity", op);
        if (o->n_classes > 0 && (yp[i] < 0 || yp[i] >= (double)o->n_classes || yp[i] != floor(yp[i])))
            return TIDE_FAIL("%s: y[%lld] = %g is not a class index in [0, %lld)", op, (long long)i, yp[i],
                             (long long)o->n_classes);
    }
    const tide_tensor *ws[2] = {sw, cw};
    for (int j = 0; j < 2; j++) {
        if (!ws[j]) continue;
        const double *p = (const double *)tide_elem_ptr(ws[j]);
        for (int64_t i = 0; i < ws[j]->shape[0]; i++)
            if (!(p[i] >= 0) || isinf(p[i]))
                return TIDE_FAIL("%s: %s must be finite and >= 0", op, j ? "class_weight" : "sample_weight");
    }
    return TIDE_OK;
}

/* ---------------------------------------------------------------- fit */
void tide_tree_fit_result_free(tide_tree_fit_result *r) {
    if (!r) return;
    tide_tensor **f[] = {&r->offsets, &r->children_left, &r->children_right, &r->feature, &r->threshold,
                         &r->value, &r->impurity, &r->n_node_samples, &r->weighted_n_node_samples,
                         &r->max_depth, &r->importances, &r->oob_sum, &r->oob_count};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (*f[i]) tide_tensor_free(*f[i]);
        *f[i] = NULL;
    }
}

#define BOOTSTRAP_STREAM 0xB0075712A9ull

/* Tree t's bootstrap: cnt[i] = times sample i was drawn (n_bootstrap uniform draws). */
static void bootstrap_counts(uint64_t tree_key, int64_t n, int64_t draws, int32_t *cnt) {
    for (int64_t i = 0; i < n; i++) cnt[i] = 0;
    uint64_t key = tree_key ^ BOOTSTRAP_STREAM;
    for (int64_t j = 0; j < draws; j++) cnt[tree_below(tree_hash(key, (uint64_t)j), (uint64_t)n)]++;
}

/* The leaf of row xr in the tree whose arrays start at the given pointers */
static inline int64_t tree_leaf(const float *xr, int64_t xs, const int64_t *left, const int64_t *right,
                                const int64_t *feat, const double *thr) {
    int64_t node = 0;
    while (left[node] != TREE_LEAF) node = (double)xr[feat[node] * xs] <= thr[node] ? left[node] : right[node];
    return node;
}

/* Weights of tree t into w [n]: base weights times bootstrap counts (and balanced_subsample). */
static void tree_weights(const tide_tree_options *o, const double *base, const int32_t *yc, int64_t n, uint64_t tree_key,
                         int32_t *cnt, double *cls_w, double *w) {
    if (o->n_bootstrap == 0) {
        memcpy(w, base, (size_t)n * sizeof *w);
        return;
    }
    bootstrap_counts(tree_key, n, o->n_bootstrap, cnt);
    for (int64_t i = 0; i < n; i++) w[i] = base[i] * cnt[i];
    if (!o->balanced_subsample) return;
    int64_t k = o->n_classes, present = 0;
    for (int64_t c = 0; c < k; c++) cls_w[c] = 0;
    for (int64_t i = 0; i < n; i++) cls_w[yc[i]] += cnt[i];
    for (int64_t c = 0; c < k; c++) present += cls_w[c] > 0;
    for (int64_t c = 0; c < k; c++)
        cls_w[c] = cls_w[c] > 0 ? (double)o->n_bootstrap / ((double)present * cls_w[c]) : 0;
    for (int64_t i = 0; i < n; i++) w[i] *= cls_w[yc[i]];
}

/* Concatenate the trees into the result tensors. */
static int collect(const char *op, tree_nodes *trees, int64_t T, int64_t d, const double *imp, tide_tree_fit_result *r) {
    int64_t N = 0, k = trees[0].k;
    for (int64_t t = 0; t < T; t++) N += trees[t].count;
    int64_t s1[1] = {T + 1}, sN[1] = {N}, sNk[2] = {N, k}, sT[1] = {T}, sTd[2] = {T, d};
    r->offsets = tide_alloc(op, 1, s1, TIDE_INT64);
    r->children_left = tide_alloc(op, 1, sN, TIDE_INT64);
    r->children_right = tide_alloc(op, 1, sN, TIDE_INT64);
    r->feature = tide_alloc(op, 1, sN, TIDE_INT64);
    r->threshold = tide_alloc(op, 1, sN, TIDE_FLOAT64);
    r->value = tide_alloc(op, 2, sNk, TIDE_FLOAT64);
    r->impurity = tide_alloc(op, 1, sN, TIDE_FLOAT64);
    r->n_node_samples = tide_alloc(op, 1, sN, TIDE_INT64);
    r->weighted_n_node_samples = tide_alloc(op, 1, sN, TIDE_FLOAT64);
    r->max_depth = tide_alloc(op, 1, sT, TIDE_INT64);
    r->importances = tide_alloc(op, 2, sTd, TIDE_FLOAT64);
    if (!r->offsets || !r->children_left || !r->children_right || !r->feature || !r->threshold || !r->value ||
        !r->impurity || !r->n_node_samples || !r->weighted_n_node_samples || !r->max_depth || !r->importances)
        return -1;
    int64_t *off = (int64_t *)tide_elem_ptr(r->offsets), *md = (int64_t *)tide_elem_ptr(r->max_depth);
    int64_t pos = 0;
    for (int64_t t = 0; t < T; t++) {
        const tree_nodes *tr = &trees[t];
        size_t c = (size_t)tr->count;
        off[t] = pos;
        md[t] = tr->max_depth;
        memcpy((int64_t *)tide_elem_ptr(r->children_left) + pos, tr->left, c * sizeof(int64_t));
        memcpy((int64_t *)tide_elem_ptr(r->children_right) + pos, tr->right, c * sizeof(int64_t));
        memcpy((int64_t *)tide_elem_ptr(r->feature) + pos, tr->feature, c * sizeof(int64_t));
        memcpy((double *)tide_elem_ptr(r->threshold) + pos, tr->threshold, c * sizeof(double));
        memcpy((double *)tide_elem_ptr(r->value) + pos * k, tr->value, c * (size_t)k * sizeof(double));
        memcpy((double *)tide_elem_ptr(r->impurity) + pos, tr->impurity, c * sizeof(double));
        memcpy((int64_t *)tide_elem_ptr(r->n_node_samples) + pos, tr->n_samples, c * sizeof(int64_t));
        memcpy((double *)tide_elem_ptr(r->weighted_n_node_samples) + pos, tr->weighted_n, c * sizeof(double));
        pos += tr->count;
    }
    off[T] = pos;
    memcpy(tide_elem_ptr(r->importances), imp, (size_t)(T * d) * sizeof(double));
    return 0;
}

/* Out-of-bag sums: each tree predicts the samples it did not draw (its normalised leaf value). */
static int oob_sums(const char *op, const float *x, int64_t n, int64_t d, const tide_tree_options *o,
                    const tree_nodes *trees, tide_tree_fit_result *r) {
    int64_t k = trees[0].k, snk[2] = {n, k}, sn[1] = {n};
    r->oob_sum = tide_alloc(op, 2, snk, TIDE_FLOAT64);
    r->oob_count = tide_alloc(op, 1, sn, TIDE_INT64);
    int32_t *cnt = malloc((size_t)n * sizeof *cnt);
    if (!r->oob_sum || !r->oob_count || !cnt) {
        free(cnt);
        return cnt ? -1 : tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
    double *sum = (double *)tide_elem_ptr(r->oob_sum);
    int64_t *count = (int64_t *)tide_elem_ptr(r->oob_count);
    memset(sum, 0, (size_t)(n * k) * sizeof *sum);
    memset(count, 0, (size_t)n * sizeof *count);
    for (int64_t t = 0; t < o->n_trees; t++) {
        const tree_nodes *tr = &trees[t];
        bootstrap_counts(tree_hash(o->seed, (uint64_t)t), n, o->n_bootstrap, cnt);
        int nth = tide_threads_for(n * 16);
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
        for (int64_t i = 0; i < n; i++) {
            if (cnt[i] != 0) continue;
            int64_t leaf = tree_leaf(x + i * d, 1, tr->left, tr->right, tr->feature, tr->threshold);
            const double *v = tr->value + leaf * k;
            double norm = 1;
            if (o->n_classes > 0) {
                norm = 0;
                for (int64_t c = 0; c < k; c++) norm += v[c];
                if (norm == 0) norm = 1;
            }
            for (int64_t c = 0; c < k; c++) sum[i * k + c] += v[c] / norm;
            count[i]++;
        }
    }
    free(cnt);
    return 0;
}

int tide_tree_fit(const tide_tensor *x, const tide_tensor *y, const tide_tensor *sample_weight,
                  const tide_tensor *class_weight, tide_tree_fit_result *result, const tide_tree_options *opts) {
    const char *op = "tree_fit";
    if (check_fit(op, x, y, sample_weight, class_weight, result, opts) != TIDE_OK) return -1;
    memset(result, 0, sizeof *result);
    const tide_tree_options *o = opts;
    int64_t n = x->shape[0], d = x->shape[1], T = o->n_trees, k = o->n_classes;
    const float *xp = (const float *)tide_elem_ptr(x);
    const double *yp = (const double *)tide_elem_ptr(y);
    const double *sw = sample_weight ? (const double *)tide_elem_ptr(sample_weight) : NULL;
    const double *cw = class_weight ? (const double *)tide_elem_ptr(class_weight) : NULL;

    prepared P = {0};
    int status = prepare(xp, n, d, &P);
    int nth = T > 1 ? tide_get_num_threads() : 1;
    if (nth > T) nth = (int)T;
    tree_nodes *trees = calloc((size_t)T, sizeof *trees);
    double *imp = malloc((size_t)(T * d) * sizeof *imp);
    double *base = malloc((size_t)n * sizeof *base);
    double *wbuf = malloc((size_t)(n * nth) * sizeof *wbuf);
    int32_t *cbuf = malloc((size_t)(n * nth) * sizeof *cbuf);
    double *clsbuf = malloc((size_t)((k > 0 ? k : 1) * nth) * sizeof *clsbuf);
    int *tstatus = calloc((size_t)T, sizeof *tstatus);
    if (k > 0) P.yc = malloc((size_t)n * sizeof *P.yc);
    if (status == TIDE_OK && (!trees || !imp || !base || !wbuf || !cbuf || !clsbuf || !tstatus || (k > 0 && !P.yc)))
        status = TIDE_ENOMEM;
    if (status != TIDE_OK) {
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    P.D.k = k, P.D.y = yp, P.D.yc = P.yc;
    for (int64_t i = 0; i < n; i++) {
        if (k > 0) P.yc[i] = (int32_t)yp[i];
        base[i] = (sw ? sw[i] : 1.0) * (cw ? cw[(int64_t)yp[i]] : 1.0);
    }
    int inner_parallel = T == 1 && tide_get_num_threads() > 1;
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1) if (nth > 1)
    for (int64_t t = 0; t < T; t++) {
#ifdef _OPENMP
        int th = nth > 1 ? omp_get_thread_num() : 0;
#else
        int th = 0;
#endif
        uint64_t key = tree_hash(o->seed, (uint64_t)t);
        double *w = wbuf + th * n;
        tree_weights(o, base, P.yc, n, key, cbuf + th * n, clsbuf + th * (k > 0 ? k : 1), w);
        tstatus[t] = tree_grow(&P.D, w, o, key, inner_parallel, &trees[t], imp + t * d);
    }
    for (int64_t t = 0; t < T && status == TIDE_OK; t++) {
        if (tstatus[t] == TIDE_ENOMEM) status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        else if (tstatus[t] != TIDE_OK)
            status = TIDE_FAIL("%s: every sample of tree %lld has weight 0 (check sample_weight and class_weight)", op,
                               (long long)t);
    }
    if (status == TIDE_OK) status = collect(op, trees, T, d, imp, result);
    if (status == TIDE_OK && o->oob) status = oob_sums(op, xp, n, d, o, trees, result);
    if (status != TIDE_OK) tide_tree_fit_result_free(result);
done:
    if (trees)
        for (int64_t t = 0; t < T; t++) tree_nodes_free(&trees[t]);
    free(trees), free(imp), free(base), free(wbuf), free(cbuf), free(clsbuf), free(tstatus);
    prepared_free(&P);
    return status == TIDE_OK ? 0 : -1;
}

/* ---------------------------------------------------------------- prediction */
typedef struct forest_view {
    int64_t T, N, k;
    const int64_t *off, *left, *right, *feat;
    const double *thr, *value;
} forest_view;

/* Check a (possibly loaded) forest before walking it: children point forward inside their tree,
 * so every walk ends at a leaf; features exist in x. */
static int check_forest(const char *op, const tide_forest *f, int64_t d, forest_view *v) {
    if (!f || !f->offsets || !f->children_left || !f->children_right || !f->feature || !f->threshold || !f->value)
        return TIDE_FAIL("%s: the forest's arrays are missing", op);
    const tide_tensor *o = f->offsets;
    if (o->ndim != 1 || o->dtype != TIDE_INT64 || o->shape[0] < 2 || !contiguous(o))
        return TIDE_FAIL("%s: offsets must be a contiguous int64 tensor [T + 1] with T >= 1", op);
    int64_t T = o->shape[0] - 1;
    const int64_t *off = (const int64_t *)tide_elem_ptr(o);
    int64_t N = off[T];
    if (off[0] != 0) return TIDE_FAIL("%s: offsets must start at 0", op);
    for (int64_t t = 0; t < T; t++)
        if (off[t + 1] <= off[t]) return TIDE_FAIL("%s: tree %lld has no nodes", op, (long long)t);
    if (!is_vector(f->children_left, TIDE_INT64, N) || !is_vector(f->children_right, TIDE_INT64, N) ||
        !is_vector(f->feature, TIDE_INT64, N) || !is_vector(f->threshold, TIDE_FLOAT64, N))
        return TIDE_FAIL("%s: children_left, children_right, feature (int64) and threshold (float64) must be "
                         "contiguous [%lld]", op, (long long)N);
    const tide_tensor *val = f->value;
    if (val->ndim != 2 || val->dtype != TIDE_FLOAT64 || val->shape[0] != N || val->shape[1] < 1 || !contiguous(val))
        return TIDE_FAIL("%s: value must be a contiguous float64 tensor [%lld, k]", op, (long long)N);
    v->T = T, v->N = N, v->k = val->shape[1], v->off = off;
    v->left = (const int64_t *)tide_elem_ptr(f->children_left);
    v->right = (const int64_t *)tide_elem_ptr(f->children_right);
    v->feat = (const int64_t *)tide_elem_ptr(f->feature);
    v->thr = (const double *)tide_elem_ptr(f->threshold);
    v->value = (const double *)tide_elem_ptr(val);
    for (int64_t t = 0; t < T; t++) {
        int64_t size = off[t + 1] - off[t];
        for (int64_t i = 0; i < size; i++) {
            int64_t g = off[t] + i, l = v->left[g], r = v->right[g];
            if (l == TREE_LEAF && r == TREE_LEAF) continue;
            if (l <= i || l >= size || r <= i || r >= size)
                return TIDE_FAIL("%s: tree %lld node %lld has children (%lld, %lld) outside (%lld, %lld)", op,
                                 (long long)t, (long long)i, (long long)l, (long long)r, (long long)i, (long long)size);
            if (v->feat[g] < 0 || v->feat[g] >= d)
                return TIDE_FAIL("%s: tree %lld node %lld splits on feature %lld, but x has %lld features", op,
                                 (long long)t, (long long)i, (long long)v->feat[g], (long long)d);
        }
    }
    return TIDE_OK;
}

static int check_x(const char *op, const tide_tensor *x) {
    if (!x || x->ndim != 2 || x->dtype != TIDE_FLOAT32)
        return TIDE_FAIL("%s: x must be a float32 tensor [n, d]", op);
    return TIDE_OK;
}

tide_tensor *tide_forest_apply(const tide_tensor *x, const tide_forest *forest, tide_tensor *out) {
    const char *op = "forest_apply";
    forest_view v;
    if (check_x(op, x) != TIDE_OK || check_forest(op, forest, x->shape[1], &v) != TIDE_OK) return NULL;
    int64_t n = x->shape[0], shape[2] = {n, v.T};
    tide_tensor *res = tide_out_or_alloc(op, out, 2, shape, TIDE_INT64);
    if (!res) return NULL;
    const float *xp = (const float *)tide_elem_ptr(x);
    int64_t s0 = x->stride[0], s1 = x->stride[1], r0 = res->stride[0], r1 = res->stride[1];
    int64_t *rp = (int64_t *)tide_elem_ptr(res);
    int nth = tide_threads_for(n * v.T * 16);
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t i = 0; i < n; i++)
        for (int64_t t = 0; t < v.T; t++) {
            int64_t o = v.off[t];
            rp[i * r0 + t * r1] = tree_leaf(xp + i * s0, s1, v.left + o, v.right + o, v.feat + o, v.thr + o);
        }
    return res;
}

int64_t tide_forest_decision_path(const tide_tensor *x, const tide_forest *forest, int64_t *indptr, int32_t *indices,
                                  int64_t cap) {
    const char *op = "forest_decision_path";
    forest_view v;
    if (check_x(op, x) != TIDE_OK || check_forest(op, forest, x->shape[1], &v) != TIDE_OK) return -1;
    if (!indptr) return TIDE_FAIL("%s: indptr is required", op);
    if (v.N > INT32_MAX) return TIDE_FAIL("%s: the forest has more than 2^31 nodes", op);
    int64_t n = x->shape[0], s0 = x->stride[0], s1 = x->stride[1], total = 0;
    const float *xp = (const float *)tide_elem_ptr(x);
    indptr[0] = 0;
    for (int64_t i = 0; i < n; i++) { /* rows in order: the count is the CSR position */
        const float *xr = xp + i * s0;
        for (int64_t t = 0; t < v.T; t++) {
            int64_t o = v.off[t], node = 0;
            for (;;) {
                if (indices) {
                    if (total >= cap) return TIDE_FAIL("%s: indices has room for %lld values, more are needed", op,
                                                       (long long)cap);
                    indices[total] = (int32_t)(o + node);
                }
                total++;
                if (v.left[o + node] == TREE_LEAF) break;
                node = (double)xr[v.feat[o + node] * s1] <= v.thr[o + node] ? v.left[o + node] : v.right[o + node];
            }
        }
        indptr[i + 1] = total;
    }
    return total;
}

tide_tensor *tide_forest_predict(const tide_tensor *x, const tide_forest *forest, int normalize, tide_tensor *out) {
    const char *op = "forest_predict";
    forest_view v;
    if (check_x(op, x) != TIDE_OK || check_forest(op, forest, x->shape[1], &v) != TIDE_OK) return NULL;
    int64_t n = x->shape[0], k = v.k, shape[2] = {n, k};
    tide_tensor *res = tide_out_or_alloc(op, out, 2, shape, TIDE_FLOAT64);
    if (!res) return NULL;
    if (!contiguous(res)) {
        if (res != out) tide_tensor_free(res);
        TIDE_FAIL("%s: out must be contiguous", op);
        return NULL;
    }
    const float *xp = (const float *)tide_elem_ptr(x);
    int64_t s0 = x->stride[0], s1 = x->stride[1];
    double *rp = (double *)tide_elem_ptr(res);
    int nth = tide_threads_for(n * v.T * 16);
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        double *acc = rp + i * k;
        for (int64_t c = 0; c < k; c++) acc[c] = 0;
        for (int64_t t = 0; t < v.T; t++) {
            int64_t o = v.off[t];
            int64_t leaf = tree_leaf(xp + i * s0, s1, v.left + o, v.right + o, v.feat + o, v.thr + o);
            const double *val = v.value + (o + leaf) * k;
            double norm = 1;
            if (normalize) {
                norm = 0;
                for (int64_t c = 0; c < k; c++) norm += val[c];
                if (norm == 0) norm = 1;
            }
            for (int64_t c = 0; c < k; c++) acc[c] += val[c] / norm;
        }
        for (int64_t c = 0; c < k; c++) acc[c] /= (double)v.T;
    }
    return res;
}
