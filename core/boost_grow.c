/* boost_grow.c — growing the trees of histogram gradient boosting (see tide/boost.h), as
 * scikit-learn 1.2's TreeGrower:
 *   - a node holds a range of the sample partition and a histogram [d, n_bins] of (sum of
 *     gradients, sum of hessians, count) (boost_hist.c); the root's is built from every sample,
 *     then for each split the smaller child's is built from its samples and the larger child's
 *     is the parent's minus it (the subtraction trick, in place in the parent's buffer);
 *   - each node's best split comes from boost_split.c (scikit-learn's gain and rules);
 *   - nodes are split best gain first (a heap ordered as Python's heapq, so ties break the
 *     same way) until max_leaf_nodes, max_depth or no positive gain;
 *   - leaf values are multiplied by the learning rate (absolute_error: the median residual).
 * The K trees of a multiclass iteration grow in parallel, one per thread; a single tree spreads
 * its histograms and split scans over features. Either way each sum runs in a fixed order, so
 * results do not depend on the thread count.
 */
#include "boost_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

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
    boost_node_split(G, nd);
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
            boost_hist_put(G, o->hist);
            o->hist = NULL;
        }
        boost_hist_put(G, node->hist);
        node->hist = NULL;
        return;
    }
    if (p->max_depth > 0 && depth == p->max_depth) {
        finalize_leaf(G, left);
        finalize_leaf(G, right);
        boost_hist_put(G, node->hist);
        node->hist = NULL;
        return;
    }
    if (n_l < p->min_samples_leaf * 2) finalize_leaf(G, left);
    if (n_r < p->min_samples_leaf * 2) finalize_leaf(G, right);
    if (!left->is_leaf || !right->is_leaf) {
        gnode *small = n_l < n_r ? left : right, *large = n_l < n_r ? right : left;
        small->hist = boost_hist_get(G);
        if (!small->hist) return;
        boost_hist_build(G, small->start, small->stop, 0, small->hist);
        if (!large->is_leaf) { /* a leaf's histogram would never be read */
            boost_hist_subtract(G, node->hist, small->hist);
            large->hist = node->hist;
            node->hist = NULL;
        }
        if (!left->is_leaf) split_and_push(G, lk);
        if (!right->is_leaf) split_and_push(G, rk);
        gnode *kids[2] = {&G->nodes[lk], &G->nodes[rk]};
        for (int c = 0; c < 2; c++)
            if (kids[c]->is_leaf) {
                boost_hist_put(G, kids[c]->hist);
                kids[c]->hist = NULL;
            }
    }
    boost_hist_put(G, G->nodes[k].hist);
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
        G->nodes[root].hist = boost_hist_get(G);
        if (!G->nodes[root].hist) return -1;
        boost_hist_build(G, 0, n, 1, G->nodes[root].hist);
        split_and_push(G, root);
    }
    while (G->heap_n > 0 && !G->failed) split_next(G);
    for (int64_t k = 0; k < G->n_nodes; k++) {
        boost_hist_put(G, G->nodes[k].hist);
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
