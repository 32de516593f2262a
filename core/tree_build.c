/* tree_build.c — growing one CART tree (see tide/tree.h) as scikit-learn does: depth-first with
 * the left child first (node ids in pre-order), or best-first when max_leaf_nodes is set; the
 * same stopping rules (max_depth, min_samples_split / leaf, min_weight_leaf, pure nodes,
 * min_impurity_decrease), then the normalised feature importances. The split of each node is
 * core/tree_split.c.
 *
 * Speed: a large depth-first tree grows its top (nodes of more than m/32 samples, whose features
 * are searched across threads) first, then the subtrees below it, one per thread at a time with
 * no per-node synchronisation, and stitches them back in pre-order. Which nodes start a subtree
 * depends on the data only, and each subtree draws from its own stream, so the tree is the same
 * for any thread count.
 */
#include "tree_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* depth-first trees of at least this many samples grow their small subtrees separately */
#define SUBTREE_MIN_SAMPLES 4096
/* a child pointer to deferred subtree i while the top of the tree grows */
#define DEFERRED(i) (-3 - (int64_t)(i))
#define DEFERRED_INDEX(ref) (-3 - (ref))

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

/* Create the node for samples [r->start, r->end): its statistics, value, leaf test and split
 * (samples partitioned at r->pos). Fills r->node, r->is_leaf, r->pos, r->improvement. */
static int add_node(builder *b, rec *r) {
    const tide_tree_options *o = b->o;
    int64_t start = r->start, end = r->end, m = end - start;
    tree_node_gather(b, start, end);
    double wn = b->wn, impurity = tree_impurity(b, b->stat, wn);
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
        tree_find_split(b, start, end, impurity, &sp);
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
    if (tree_is_class(b))
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
        s->hist = malloc((size_t)(HIST_BINS * (k > 2 ? k : 2)) * sizeof *s->hist);
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
    int64_t d = b->D->d, *order = malloc((size_t)l->count * sizeof *order);
    if (!order) return TIDE_ENOMEM;
    for (int64_t i = 0; i < l->count; i++) { /* largest first (stable): the threads finish together */
        int64_t j = i, size = l->items[i].end - l->items[i].start;
        while (j > 0 && l->items[order[j - 1]].end - l->items[order[j - 1]].start < size) order[j] = order[j - 1], j--;
        order[j] = i;
    }
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1) if (nth > 1) reduction(| : failed)
    for (int64_t oi = 0; oi < l->count; oi++) {
        int64_t i = order[oi];
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
    free(order);
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
    /* Large depth-first trees: the nodes of > m/32 samples are grown first (their features
     * split across threads), the subtrees below them afterwards, one per thread at a time. The
     * rule depends on the data only, so the tree is the same for any thread count. */
    b.defer_at_most = o->max_leaf_nodes < 0 && m >= SUBTREE_MIN_SAMPLES ? m / 32 : 0;
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
    if (status == TIDE_OK && o->ccp_alpha > 0) status = tree_prune(out, o->ccp_alpha);
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
