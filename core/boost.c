/* boost.c — losses and prediction for histogram gradient boosting (see tide/boost.h).
 * Losses as scikit-learn 1.2's _loss module: half squared error, absolute error, half
 * binomial deviance (one raw column) and half multinomial deviance with the symmetric softmax
 * link (K columns). Gradients and hessians are computed in double and stored as float32.
 * Prediction walks each tree for blocks of rows, so a tree's nodes stay in cache. */
#include "tide/boost.h"
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int check_vec(const char *op, const char *name, const tide_tensor *t, int64_t n) {
    if (!t) return TIDE_FAIL("%s: %s is NULL", op, name);
    if (t->dtype != TIDE_FLOAT64 || t->ndim != 1 || t->shape[0] != n || !tide_tensor_is_contiguous(t))
        return TIDE_FAIL("%s: %s must be a contiguous float64 tensor of %lld values", op, name, (long long)n);
    return 0;
}

static int check_loss(const char *op, int loss) {
    if (loss < TIDE_BOOST_SQUARED_ERROR || loss > TIDE_BOOST_LOG_LOSS) return TIDE_FAIL("%s: unknown loss %d", op, loss);
    return 0;
}

/* y must hold class codes 0..n_classes-1 for log_loss */
static int check_codes(const char *op, const double *y, int64_t n, int64_t n_classes) {
    for (int64_t i = 0; i < n; i++)
        if (!(y[i] >= 0 && y[i] < (double)n_classes) || y[i] != floor(y[i]))
            return TIDE_FAIL("%s: y[%lld] = %g is not a class code in [0, %lld)", op, (long long)i, y[i],
                             (long long)n_classes);
    return 0;
}

static int cmp_pair(const void *a, const void *b) {
    double x = ((const double *)a)[0], y = ((const double *)b)[0];
    return (x > y) - (x < y);
}

int tide_boost_baseline(int loss, const tide_tensor *y, const tide_tensor *w, int64_t k, double *out) {
    const char *op = "boost_baseline";
    if (check_loss(op, loss)) return -1;
    if (!y || y->ndim != 1) return TIDE_FAIL("%s: y must be a 1-d float64 tensor", op);
    int64_t n = y->shape[0];
    if (check_vec(op, "y", y, n)) return -1;
    if (w && check_vec(op, "w", w, n)) return -1;
    if (n < 1) return TIDE_FAIL("%s: y is empty", op);
    if (!out) return TIDE_FAIL("%s: out is NULL", op);
    if (k < 1 || (loss != TIDE_BOOST_LOG_LOSS && k != 1)) return TIDE_FAIL("%s: bad number of raw columns %lld", op, (long long)k);
    const double *py = (const double *)tide_elem_ptr(y);
    const double *pw = w ? (const double *)tide_elem_ptr(w) : NULL;
    double wsum = 0;
    for (int64_t i = 0; i < n; i++) wsum += pw ? pw[i] : 1.0;
    if (!(wsum > 0)) return TIDE_FAIL("%s: the sample weights sum to %g", op, wsum);
    if (loss == TIDE_BOOST_SQUARED_ERROR) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += (pw ? pw[i] : 1.0) * py[i];
        out[0] = s / wsum;
    } else if (loss == TIDE_BOOST_ABSOLUTE_ERROR) {
        double *buf = malloc((size_t)n * 2 * sizeof(double));
        if (!buf) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        for (int64_t i = 0; i < n; i++) buf[2 * i] = py[i], buf[2 * i + 1] = pw ? pw[i] : 1.0;
        qsort(buf, (size_t)n, 2 * sizeof(double), cmp_pair);
        if (!pw) {
            out[0] = n % 2 ? buf[2 * (n / 2)] : (buf[2 * (n / 2 - 1)] + buf[2 * (n / 2)]) / 2;
        } else { /* scikit-learn's _weighted_percentile(y, w, 50) */
            double target = 0.5 * wsum, cdf = 0;
            out[0] = buf[2 * (n - 1)];
            for (int64_t i = 0; i < n; i++) {
                cdf += buf[2 * i + 1];
                if (cdf >= target) {
                    out[0] = buf[2 * i];
                    break;
                }
            }
        }
        free(buf);
    } else {
        int64_t nc = k == 1 ? 2 : k;
        if (check_codes(op, py, n, nc)) return -1;
        if (k == 1) {
            double s = 0;
            for (int64_t i = 0; i < n; i++) s += (pw ? pw[i] : 1.0) * py[i];
            double p = s / wsum, eps = 10 * DBL_EPSILON;
            if (p < eps) p = eps;
            if (p > 1 - eps) p = 1 - eps;
            out[0] = log(p / (1 - p));
        } else {
            double mean_log = 0;
            for (int64_t c = 0; c < k; c++) {
                double s = 0;
                for (int64_t i = 0; i < n; i++)
                    if (py[i] == (double)c) s += pw ? pw[i] : 1.0;
                double p = s / wsum;
                if (p < DBL_EPSILON) p = DBL_EPSILON;
                if (p > 1 - DBL_EPSILON) p = 1 - DBL_EPSILON;
                out[c] = log(p);
                mean_log += out[c];
            }
            mean_log /= (double)k;
            for (int64_t c = 0; c < k; c++) out[c] -= mean_log;
        }
    }
    return 0;
}

/* common checks of raw [n, K], y [n], w; returns K or -1 */
static int64_t check_raw(const char *op, int loss, const tide_tensor *raw, const tide_tensor *y, const tide_tensor *w) {
    if (check_loss(op, loss)) return -1;
    if (!raw || raw->dtype != TIDE_FLOAT64 || raw->ndim != 2 || !tide_tensor_is_contiguous(raw))
        return TIDE_FAIL("%s: raw must be a contiguous float64 [n, K] tensor", op);
    int64_t n = raw->shape[0], K = raw->shape[1];
    if (K < 1 || (loss != TIDE_BOOST_LOG_LOSS && K != 1)) return TIDE_FAIL("%s: raw has %lld columns", op, (long long)K);
    if (check_vec(op, "y", y, n)) return -1;
    if (w && check_vec(op, "w", w, n)) return -1;
    if (loss == TIDE_BOOST_LOG_LOSS && check_codes(op, (const double *)tide_elem_ptr(y), n, K == 1 ? 2 : K)) return -1;
    return K;
}

int tide_boost_gradients(int loss, const tide_tensor *raw, const tide_tensor *y, const tide_tensor *w,
                         tide_tensor *grad, tide_tensor *hess) {
    const char *op = "boost_gradients";
    int64_t K = check_raw(op, loss, raw, y, w);
    if (K < 0) return -1;
    int64_t n = raw->shape[0];
    if (!grad || grad->dtype != TIDE_FLOAT32 || grad->ndim != 2 || grad->shape[0] != K || grad->shape[1] != n ||
        !tide_tensor_is_contiguous(grad))
        return TIDE_FAIL("%s: grad must be a contiguous float32 [%lld, %lld] tensor", op, (long long)K, (long long)n);
    if (hess && (hess->dtype != TIDE_FLOAT32 || hess->ndim != 2 || hess->shape[0] != K || hess->shape[1] != n ||
                 !tide_tensor_is_contiguous(hess)))
        return TIDE_FAIL("%s: hess must be a contiguous float32 [%lld, %lld] tensor", op, (long long)K, (long long)n);
    if (!hess && (loss == TIDE_BOOST_LOG_LOSS || w))
        return TIDE_FAIL("%s: hess is needed for log_loss and with sample weights", op);
    const double *r = (const double *)tide_elem_ptr(raw), *py = (const double *)tide_elem_ptr(y);
    const double *pw = w ? (const double *)tide_elem_ptr(w) : NULL;
    float *g = (float *)tide_elem_ptr(grad), *h = hess ? (float *)tide_elem_ptr(hess) : NULL;
    int nth = tide_threads_for(n * K * 8);
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        double wi = pw ? pw[i] : 1.0;
        if (loss == TIDE_BOOST_SQUARED_ERROR || loss == TIDE_BOOST_ABSOLUTE_ERROR) {
            double gi = loss == TIDE_BOOST_SQUARED_ERROR ? r[i] - py[i] : (r[i] > py[i] ? 1.0 : -1.0);
            g[i] = (float)(wi * gi);
            if (h) h[i] = (float)wi;
        } else if (K == 1) {
            double x = r[i], p, hh;
            if (x >= 0) {
                double e = exp(-x);
                p = 1 / (1 + e), hh = e / ((1 + e) * (1 + e));
            } else {
                double e = exp(x);
                p = e / (1 + e), hh = e / ((1 + e) * (1 + e));
            }
            g[i] = (float)(wi * (p - py[i]));
            h[i] = (float)(wi * hh);
        } else {
            const double *ri = r + i * K;
            double mx = ri[0], sum = 0;
            for (int64_t k = 1; k < K; k++)
                if (ri[k] > mx) mx = ri[k];
            for (int64_t k = 0; k < K; k++) sum += exp(ri[k] - mx);
            int64_t yi = (int64_t)py[i];
            for (int64_t k = 0; k < K; k++) {
                double p = exp(ri[k] - mx) / sum;
                g[k * n + i] = (float)(wi * (p - (k == yi ? 1.0 : 0.0)));
                h[k * n + i] = (float)(wi * p * (1 - p));
            }
        }
    }
    return 0;
}

/* log(1 + exp(x)) without overflow */
static double log1pexp(double x) {
    if (x <= -37) return exp(x);
    if (x <= 18) return log1p(exp(x));
    if (x <= 33.3) return x + exp(-x);
    return x;
}

int tide_boost_loss(int loss, const tide_tensor *raw, const tide_tensor *y, const tide_tensor *w, double *out) {
    const char *op = "boost_loss";
    int64_t K = check_raw(op, loss, raw, y, w);
    if (K < 0) return -1;
    if (!out) return TIDE_FAIL("%s: out is NULL", op);
    int64_t n = raw->shape[0];
    if (n < 1) return TIDE_FAIL("%s: no samples", op);
    const double *r = (const double *)tide_elem_ptr(raw), *py = (const double *)tide_elem_ptr(y);
    const double *pw = w ? (const double *)tide_elem_ptr(w) : NULL;
    double s = 0, ws = 0;
    for (int64_t i = 0; i < n; i++) {
        double wi = pw ? pw[i] : 1.0, li;
        if (loss == TIDE_BOOST_SQUARED_ERROR) {
            li = 0.5 * (r[i] - py[i]) * (r[i] - py[i]);
        } else if (loss == TIDE_BOOST_ABSOLUTE_ERROR) {
            li = fabs(py[i] - r[i]);
        } else if (K == 1) {
            li = log1pexp(r[i]) - py[i] * r[i];
        } else {
            const double *ri = r + i * K;
            double mx = ri[0], sum = 0;
            for (int64_t k = 1; k < K; k++)
                if (ri[k] > mx) mx = ri[k];
            for (int64_t k = 0; k < K; k++) sum += exp(ri[k] - mx);
            li = log(sum) + mx - ri[(int64_t)py[i]];
        }
        s += wi * li;
        ws += wi;
    }
    if (!(ws > 0)) return TIDE_FAIL("%s: the sample weights sum to %g", op, ws);
    *out = s / ws;
    return 0;
}

/* ---------------------------------------------------------------- prediction */

typedef struct {
    double thr, value;
    int32_t feat, left, right; /* children: absolute rows of the compact array */
    uint8_t leaf, missing_left, bin, pad_;
} pnode;

/* nodes of trees [begin, end) -> compact, validated (children after their parent, features
 * < d); *roots gets each tree's first compact row */
static pnode *compact_trees(const char *op, const tide_tensor *nodes, const tide_tensor *offsets, int64_t begin,
                            int64_t end, int64_t d, int64_t **roots) {
    if (!nodes || nodes->dtype != TIDE_FLOAT64 || nodes->ndim != 2 || nodes->shape[1] != TIDE_BOOST_NODE_COLS ||
        !tide_tensor_is_contiguous(nodes)) {
        TIDE_FAIL("%s: nodes must be a contiguous float64 [N, %d] tensor", op, TIDE_BOOST_NODE_COLS);
        return NULL;
    }
    if (!offsets || offsets->dtype != TIDE_INT64 || offsets->ndim != 1 || offsets->shape[0] < 1 ||
        !tide_tensor_is_contiguous(offsets)) {
        TIDE_FAIL("%s: tree_offsets must be a contiguous int64 [T + 1] tensor", op);
        return NULL;
    }
    int64_t T = offsets->shape[0] - 1, N = nodes->shape[0];
    if (begin < 0 || end < begin || end > T) {
        TIDE_FAIL("%s: trees [%lld, %lld) out of range for %lld trees", op, (long long)begin, (long long)end, (long long)T);
        return NULL;
    }
    const int64_t *off = (const int64_t *)tide_elem_ptr(offsets);
    for (int64_t t = begin; t < end; t++)
        if (off[t] < 0 || off[t + 1] <= off[t] || off[t + 1] > N) {
            TIDE_FAIL("%s: tree_offsets are not increasing within [0, %lld]", op, (long long)N);
            return NULL;
        }
    int64_t first = end > begin ? off[begin] : 0, count = end > begin ? off[end] - first : 0;
    pnode *pn = malloc((size_t)(count > 0 ? count : 1) * sizeof(pnode));
    int64_t *rt = malloc((size_t)(end - begin + 1) * sizeof(int64_t));
    if (!pn || !rt) {
        free(pn), free(rt);
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        return NULL;
    }
    const double *src = (const double *)tide_elem_ptr(nodes);
    for (int64_t t = begin; t < end; t++) {
        int64_t size = off[t + 1] - off[t];
        rt[t - begin] = off[t] - first;
        for (int64_t r = 0; r < size; r++) {
            const double *s = src + (off[t] + r) * TIDE_BOOST_NODE_COLS;
            pnode *q = pn + (off[t] - first) + r;
            q->value = s[0];
            q->leaf = s[9] != 0;
            q->thr = s[3];
            q->missing_left = s[4] != 0;
            q->bin = (uint8_t)(s[10] >= 0 && s[10] <= 255 ? s[10] : 0);
            q->feat = q->left = q->right = 0;
            if (q->leaf) continue;
            if (!(s[2] >= 0 && s[2] < (double)d) || !(s[5] > r && s[5] < size) || !(s[6] > r && s[6] < size)) {
                TIDE_FAIL("%s: tree %lld node %lld is malformed (feature %g of %lld, children %g and %g of %lld rows)", op,
                          (long long)t, (long long)r, s[2], (long long)d, s[5], s[6], (long long)size);
                free(pn), free(rt);
                return NULL;
            }
            q->feat = (int32_t)s[2];
            q->left = (int32_t)((off[t] - first) + (int64_t)s[5]);
            q->right = (int32_t)((off[t] - first) + (int64_t)s[6]);
        }
    }
    *roots = rt;
    return pn;
}

static int check_out_raw(const char *op, const tide_tensor *raw, int64_t n) {
    if (!raw || raw->dtype != TIDE_FLOAT64 || raw->ndim != 2 || raw->shape[0] != n || raw->shape[1] < 1 ||
        !tide_tensor_is_contiguous(raw))
        return TIDE_FAIL("%s: raw must be a contiguous float64 [%lld, K] tensor", op, (long long)n);
    return 0;
}

#define PREDICT_BLOCK 64

int tide_boost_predict(const tide_tensor *x, const tide_tensor *nodes, const tide_tensor *tree_offsets,
                       int64_t tree_begin, int64_t tree_end, tide_tensor *raw) {
    const char *op = "boost_predict";
    if (!x || x->dtype != TIDE_FLOAT64 || x->ndim != 2) return TIDE_FAIL("%s: x must be a float64 [n, d] tensor", op);
    int64_t n = x->shape[0], d = x->shape[1];
    if (check_out_raw(op, raw, n)) return -1;
    int64_t *roots = NULL;
    pnode *pn = compact_trees(op, nodes, tree_offsets, tree_begin, tree_end, d, &roots);
    if (!pn) return -1;
    int64_t K = raw->shape[1], s0 = x->stride[0], s1 = x->stride[1];
    const double *px = (const double *)tide_elem_ptr(x);
    double *pr = (double *)tide_elem_ptr(raw);
    int64_t nblocks = (n + PREDICT_BLOCK - 1) / PREDICT_BLOCK;
    int nth = tide_threads_for(n * (tree_end - tree_begin) * 8);
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(dynamic, 1)
    for (int64_t blk = 0; blk < nblocks; blk++) {
        int64_t i0 = blk * PREDICT_BLOCK, i1 = i0 + PREDICT_BLOCK < n ? i0 + PREDICT_BLOCK : n;
        for (int64_t t = tree_begin; t < tree_end; t++) {
            const pnode *tree = pn + roots[t - tree_begin];
            int64_t col = t % K;
            for (int64_t i = i0; i < i1; i++) {
                const double *row = px + i * s0;
                const pnode *q = tree;
                while (!q->leaf) {
                    double v = row[q->feat * s1];
                    int left = isnan(v) ? q->missing_left : v <= q->thr;
                    q = pn + (left ? q->left : q->right);
                }
                pr[i * K + col] += q->value;
            }
        }
    }
    free(pn), free(roots);
    return 0;
}

int tide_boost_predict_binned(const tide_tensor *binned, const tide_tensor *nodes, const tide_tensor *tree_offsets,
                              int64_t tree_begin, int64_t tree_end, int64_t missing_bin, tide_tensor *raw) {
    const char *op = "boost_predict_binned";
    if (!binned || binned->dtype != TIDE_UINT8 || binned->ndim != 2 || !tide_tensor_is_contiguous(binned))
        return TIDE_FAIL("%s: binned must be a contiguous uint8 [d, n] tensor (tide_boost_bin_map)", op);
    int64_t d = binned->shape[0], n = binned->shape[1];
    if (check_out_raw(op, raw, n)) return -1;
    int64_t *roots = NULL;
    pnode *pn = compact_trees(op, nodes, tree_offsets, tree_begin, tree_end, d, &roots);
    if (!pn) return -1;
    int64_t K = raw->shape[1];
    const uint8_t *pb = (const uint8_t *)tide_elem_ptr(binned);
    double *pr = (double *)tide_elem_ptr(raw);
    int64_t nblocks = (n + PREDICT_BLOCK - 1) / PREDICT_BLOCK;
    int nth = tide_threads_for(n * (tree_end - tree_begin) * 8);
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(dynamic, 1)
    for (int64_t blk = 0; blk < nblocks; blk++) {
        int64_t i0 = blk * PREDICT_BLOCK, i1 = i0 + PREDICT_BLOCK < n ? i0 + PREDICT_BLOCK : n;
        for (int64_t t = tree_begin; t < tree_end; t++) {
            const pnode *tree = pn + roots[t - tree_begin];
            int64_t col = t % K;
            for (int64_t i = i0; i < i1; i++) {
                const pnode *q = tree;
                while (!q->leaf) {
                    int b = pb[(int64_t)q->feat * n + i];
                    int left = b == missing_bin ? q->missing_left : b <= q->bin;
                    q = pn + (left ? q->left : q->right);
                }
                pr[i * K + col] += q->value;
            }
        }
    }
    free(pn), free(roots);
    return 0;
}
