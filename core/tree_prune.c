/* tree_prune.c — minimal cost-complexity pruning (scikit-learn's ccp_alpha and
 * cost_complexity_pruning_path): repeatedly collapse the internal node whose subtree buys the
 * least impurity per extra leaf (the weakest link, effective alpha
 * (R(node) - R(subtree)) / (leaves - 1), R = weighted impurity / total weight), while that alpha
 * is <= ccp_alpha. Shapes: a tree of N nodes in scikit-learn's arrays (0-based children, -1 at
 * leaves, parents before children).
 */
#include "tree_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The pruning loop over one tree. keep [N] receives 1 for the nodes left, leaf [N] 1 for the
 * nodes that end as leaves. With alphas / imps (both [N]) the path is recorded: the alpha of
 * each step (0 first) and the total leaf impurity after it; returns the path length, or -1 when
 * out of memory. */
static int64_t ccp_run(int64_t N, const int64_t *left, const int64_t *right, const double *wn, const double *imp,
                       double ccp_alpha, uint8_t *keep, uint8_t *leaf, double *alphas, double *imps) {
    int64_t *parent = malloc((size_t)N * sizeof *parent), *n_leaves = malloc((size_t)N * sizeof *n_leaves);
    int64_t *stack = malloc((size_t)N * sizeof *stack);
    double *r_node = malloc((size_t)N * sizeof *r_node), *r_branch = malloc((size_t)N * sizeof *r_branch);
    uint8_t *cand = malloc((size_t)N);
    int64_t count = -1;
    if (!parent || !n_leaves || !stack || !r_node || !r_branch || !cand) goto done;
    double total = wn[0];
    for (int64_t i = 0; i < N; i++) parent[i] = -1;
    for (int64_t i = 0; i < N; i++) {
        if (left[i] != TREE_LEAF) parent[left[i]] = i, parent[right[i]] = i;
        r_node[i] = wn[i] * imp[i] / total;
        r_branch[i] = 0, n_leaves[i] = 0;
        keep[i] = 1;
        leaf[i] = left[i] == TREE_LEAF;
        cand[i] = !leaf[i];
    }
    for (int64_t i = 0; i < N; i++) { /* every leaf adds itself to its ancestors */
        if (!leaf[i]) continue;
        for (int64_t a = i; a >= 0; a = parent[a]) r_branch[a] += r_node[i], n_leaves[a]++;
    }
    count = 0;
    if (alphas) alphas[count] = 0, imps[count] = r_branch[0], count++;
    while (cand[0]) {
        double best = INFINITY;
        int64_t weakest = -1;
        for (int64_t i = 0; i < N; i++) {
            if (!cand[i]) continue;
            double a = (r_node[i] - r_branch[i]) / (double)(n_leaves[i] - 1);
            if (a < best) best = a, weakest = i;
        }
        if (weakest < 0 || ccp_alpha < best) break;
        int64_t sp = 0; /* drop the weakest link's descendants */
        stack[sp++] = weakest;
        while (sp > 0) {
            int64_t i = stack[--sp];
            if (!keep[i]) continue;
            cand[i] = 0, leaf[i] = 0, keep[i] = 0;
            if (left[i] != TREE_LEAF) stack[sp++] = left[i], stack[sp++] = right[i];
        }
        keep[weakest] = 1, leaf[weakest] = 1;
        int64_t pruned_leaves = n_leaves[weakest] - 1;
        double r_diff = r_node[weakest] - r_branch[weakest];
        n_leaves[weakest] = 0; /* as scikit-learn: only differences bubble up from here */
        r_branch[weakest] = r_node[weakest];
        for (int64_t a = parent[weakest]; a >= 0; a = parent[a]) n_leaves[a] -= pruned_leaves, r_branch[a] += r_diff;
        if (alphas) alphas[count] = best, imps[count] = r_branch[0], count++;
    }
done:
    free(parent), free(n_leaves), free(stack), free(r_node), free(r_branch), free(cand);
    return count;
}

int tree_prune(tree_nodes *t, double ccp_alpha) {
    int64_t N = t->count, k = t->k;
    uint8_t *keep = malloc((size_t)N), *leaf = malloc((size_t)N);
    int64_t *newid = malloc((size_t)N * sizeof *newid), *depth = malloc((size_t)N * sizeof *depth);
    int status = TIDE_ENOMEM;
    if (!keep || !leaf || !newid || !depth) goto done;
    if (ccp_run(N, t->left, t->right, t->weighted_n, t->impurity, ccp_alpha, keep, leaf, NULL, NULL) < 0) goto done;
    /* the kept nodes in their old (pre-order) order are the pruned tree in pre-order */
    int64_t m = 0;
    for (int64_t i = 0; i < N; i++) newid[i] = keep[i] ? m++ : -1;
    t->max_depth = 0;
    depth[0] = 0;
    for (int64_t i = 0; i < N; i++) {
        if (!keep[i]) continue;
        int64_t j = newid[i];
        if (depth[i] > t->max_depth) t->max_depth = depth[i];
        if (leaf[i]) {
            t->left[j] = t->right[j] = TREE_LEAF;
            t->feature[j] = TREE_UNDEFINED;
            t->threshold[j] = TREE_UNDEFINED;
        } else {
            depth[t->left[i]] = depth[t->right[i]] = depth[i] + 1; /* children come later */
            t->left[j] = newid[t->left[i]], t->right[j] = newid[t->right[i]];
            t->feature[j] = t->feature[i], t->threshold[j] = t->threshold[i];
        }
        t->impurity[j] = t->impurity[i], t->n_samples[j] = t->n_samples[i], t->weighted_n[j] = t->weighted_n[i];
        memmove(t->value + j * k, t->value + i * k, (size_t)k * sizeof(double));
    }
    t->count = m;
    status = TIDE_OK;
done:
    free(keep), free(leaf), free(newid), free(depth);
    return status;
}

int64_t tide_tree_pruning_path(const tide_tensor *children_left, const tide_tensor *children_right,
                               const tide_tensor *weighted_n_node_samples, const tide_tensor *impurity,
                               tide_tensor *alphas, tide_tensor *impurities) {
    const char *op = "tree_pruning_path";
    const tide_tensor *in[4] = {children_left, children_right, weighted_n_node_samples, impurity};
    const tide_tensor *outs[2] = {alphas, impurities};
    for (int i = 0; i < 4; i++)
        if (!in[i] || in[i]->ndim != 1 || (in[i]->shape[0] > 1 && in[i]->stride[0] != 1))
            return TIDE_FAIL("%s: the tree's arrays must be contiguous 1-d tensors", op);
    int64_t N = children_left->shape[0];
    if (N < 1) return TIDE_FAIL("%s: the tree has no nodes", op);
    if (children_left->dtype != TIDE_INT64 || children_right->dtype != TIDE_INT64 ||
        weighted_n_node_samples->dtype != TIDE_FLOAT64 || impurity->dtype != TIDE_FLOAT64)
        return TIDE_FAIL("%s: children must be int64, weighted_n_node_samples and impurity float64", op);
    for (int i = 1; i < 4; i++)
        if (in[i]->shape[0] != N) return TIDE_FAIL("%s: the tree's arrays differ in length", op);
    for (int i = 0; i < 2; i++)
        if (!outs[i] || outs[i]->ndim != 1 || outs[i]->dtype != TIDE_FLOAT64 || outs[i]->shape[0] != N ||
            (N > 1 && outs[i]->stride[0] != 1))
            return TIDE_FAIL("%s: alphas and impurities must be contiguous float64 tensors [%lld]", op, (long long)N);
    const int64_t *l = tide_tensor_data_ptr(children_left), *r = tide_tensor_data_ptr(children_right);
    for (int64_t i = 0; i < N; i++) {
        if (l[i] == TREE_LEAF && r[i] == TREE_LEAF) continue;
        if (l[i] <= i || l[i] >= N || r[i] <= i || r[i] >= N)
            return TIDE_FAIL("%s: node %lld has children (%lld, %lld) outside (%lld, %lld)", op, (long long)i,
                             (long long)l[i], (long long)r[i], (long long)i, (long long)N);
    }
    const double *wn = tide_tensor_data_ptr(weighted_n_node_samples);
    if (!(wn[0] > 0)) return TIDE_FAIL("%s: the root has no weight", op);
    uint8_t *keep = malloc((size_t)N), *leaf = malloc((size_t)N);
    int64_t count = -1;
    if (keep && leaf)
        count = ccp_run(N, l, r, wn, tide_tensor_data_ptr(impurity), INFINITY, keep, leaf,
                        tide_tensor_data_ptr(alphas), tide_tensor_data_ptr(impurities));
    free(keep), free(leaf);
    if (count < 0) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    return count;
}
