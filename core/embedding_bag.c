/* embedding_bag.c — EmbeddingBag forward, backward and the fused sparse SGD step (see
 * tide/embedding.h).
 *
 * Every call first turns ids and offsets into a `bags` view: contiguous ids and a [B + 1] table
 * of 0-based bag starts, after checking every offset and every id (so nothing is written when
 * the input is bad). Forward runs bags in parallel. The SUM / MEAN backward lists each
 * (row, position) pair, sorts it by row then position, and gives every distinct row to one
 * thread, which adds that row's contributions in position order: no two threads write one row
 * and the sums do not depend on the thread count. The SGD step does the same into a scratch row
 * and then updates weight[row] once, exactly as the dense backward followed by an SGD step
 * would. MAX mode routes each column's gradient to the row that won it: parallel over columns.
 */
#include "nn_internal.h"
#include "tide/embedding.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static const char *const MODE_NAME[] = {"sum", "mean", "max"};

/* ---------------------------------------------------------------- bags */

typedef struct bags {
    int64_t n, B, V, D;
    const void *ids;        /* [n], contiguous */
    int idt;                /* its dtype: TIDE_INT64 or TIDE_INT32 */
    int64_t base;
    int64_t *start;         /* [B + 1]: bag b is positions start[b] .. start[b + 1] */
    const void *psw;        /* [n] per-sample weights, contiguous, or NULL */
    int64_t pad;            /* padding row or -1 */
    int mode;
    int64_t ws;             /* weight's row stride */
    tide_tensor *tmp_ids, *tmp_psw;
} bags;

static void bags_free(bags *g) {
    free(g->start);
    tide_tensor_free(g->tmp_ids);
    tide_tensor_free(g->tmp_psw);
    g->start = NULL;
    g->tmp_ids = g->tmp_psw = NULL;
}

static inline int64_t id_at(const bags *g, int64_t i) {
    return g->idt == TIDE_INT64 ? ((const int64_t *)g->ids)[i] : (int64_t)((const int32_t *)g->ids)[i];
}

/* The 0-based row of position i. */
static inline int64_t row_at(const bags *g, int64_t i) { return id_at(g, i) - g->base; }

static bool check_index_tensor(const char *op, const tide_tensor *t, const char *what) {
    if (!t) return TIDE_FAIL("%s: %s is NULL (freed?)", op, what), false;
    if (!t->storage) return TIDE_FAIL("%s: %s is freed", op, what), false;
    if (t->dtype != TIDE_INT64 && t->dtype != TIDE_INT32) {
        TIDE_FAIL("%s: %s must be int64 (or int32), got %s", op, what, tide_dtype_name(t->dtype));
        return false;
    }
    return true;
}

/* The offset table: start[b] = offsets[b] - base, start[B] = n, every check done. */
static bool read_offsets(const char *op, const tide_tensor *offsets, bags *g) {
    char b1[TIDE_SHAPE_BUFSZ];
    if (!check_index_tensor(op, offsets, "offsets")) return false;
    if (offsets->ndim != 1) {
        TIDE_FAIL("%s: offsets must be 1-d [bags], got shape %s", op,
                  tide_shape_str(offsets->ndim, offsets->shape, b1, sizeof b1));
        return false;
    }
    int64_t B = offsets->shape[0], n = g->n, base = g->base;
    if (B == 0 && n > 0) {
        TIDE_FAIL("%s: offsets is empty but the input has %lld ids", op, (long long)n);
        return false;
    }
    g->B = B;
    g->start = malloc(sizeof(int64_t) * (size_t)(B + 1));
    if (!g->start) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op), false;
    const char *p = tide_elem_ptr(offsets);
    int64_t s = offsets->stride[0];
    for (int64_t b = 0; b < B; b++) {
        int64_t v = offsets->dtype == TIDE_INT64 ? ((const int64_t *)p)[b * s] : ((const int32_t *)p)[b * s];
        int64_t o = v - base;
        if (b == 0 && o != 0) {
            TIDE_FAIL("%s: offsets[%lld] must be %lld (the first bag starts at the first id), got %lld", op,
                      (long long)base, (long long)base, (long long)v);
            return false;
        }
        if (b > 0 && o < g->start[b - 1]) {
            TIDE_FAIL("%s: offsets must not decrease: offsets[%lld] = %lld is below offsets[%lld] = %lld", op,
                      (long long)(b + base), (long long)v, (long long)(b - 1 + base),
                      (long long)(g->start[b - 1] + base));
            return false;
        }
        if (o > n) {
            TIDE_FAIL("%s: offsets[%lld] = %lld is past the end of the input's %lld ids", op, (long long)(b + base),
                      (long long)v, (long long)n);
            return false;
        }
        g->start[b] = o;
    }
    g->start[B] = n;
    return true;
}

/* The bag of position i (start is sorted): the last b with start[b] <= i. */
static int64_t bag_of(const bags *g, int64_t i) {
    int64_t lo = 0, hi = g->B - 1;
    while (lo < hi) {
        int64_t mid = (lo + hi + 1) / 2;
        if (g->start[mid] <= i)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* ids, offsets, per-sample weights and weight checked and read into g (bags_free it). */
static bool bags_open(const char *op, const tide_tensor *ids, const tide_tensor *offsets, const tide_tensor *psw,
                      const tide_tensor *weight, const tide_embedding_bag_params *p, bags *g) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    memset(g, 0, sizeof *g);
    if (!p) return TIDE_FAIL("%s: params is NULL", op), false;
    if (p->mode < TIDE_BAG_SUM || p->mode > TIDE_BAG_MAX)
        return TIDE_FAIL("%s: mode must be 0 (sum), 1 (mean) or 2 (max), got %d", op, p->mode), false;
    if (p->base != 0 && p->base != 1) return TIDE_FAIL("%s: base must be 0 or 1, got %d", op, p->base), false;
    if (!nn_check_float(op, weight, "weight")) return false;
    if (weight->ndim != 2) {
        TIDE_FAIL("%s: weight must be 2-d [num_embeddings, embedding_dim], got shape %s", op,
                  tide_shape_str(weight->ndim, weight->shape, b1, sizeof b1));
        return false;
    }
    g->V = weight->shape[0], g->D = weight->shape[1];
    if (g->D > 1 && weight->stride[1] != 1) return TIDE_FAIL("%s: weight's rows must be contiguous", op), false;
    g->ws = weight->stride[0];
    if (p->padding_idx < -1 || p->padding_idx >= g->V) {
        TIDE_FAIL("%s: padding_idx %lld is out of range for %lld embeddings", op, (long long)p->padding_idx,
                  (long long)g->V);
        return false;
    }
    g->pad = p->padding_idx, g->mode = p->mode, g->base = p->base;
    if (!check_index_tensor(op, ids, "input")) return false;
    if (ids->ndim == 1) {
        if (!offsets) return TIDE_FAIL("%s: a 1-d input needs offsets (the start of each bag)", op), false;
        g->n = ids->shape[0];
        if (!read_offsets(op, offsets, g)) return false;
    } else if (ids->ndim == 2) {
        if (offsets) {
            TIDE_FAIL("%s: offsets must be nil for a 2-d input [bags, ids per bag], got shape %s", op,
                      tide_shape_str(ids->ndim, ids->shape, b1, sizeof b1));
            return false;
        }
        int64_t B = ids->shape[0], L = ids->shape[1];
        g->n = B * L, g->B = B;
        g->start = malloc(sizeof(int64_t) * (size_t)(B + 1));
        if (!g->start) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op), false;
        for (int64_t b = 0; b <= B; b++) g->start[b] = b * L;
    } else {
        TIDE_FAIL("%s: input must be 1-d [ids] with offsets or 2-d [bags, ids per bag], got shape %s", op,
                  tide_shape_str(ids->ndim, ids->shape, b1, sizeof b1));
        return false;
    }
    g->idt = ids->dtype;
    if (!(g->ids = nn_data(ids, &g->tmp_ids))) return false;
    if (psw) {
        if (p->mode != TIDE_BAG_SUM) {
            TIDE_FAIL("%s: per_sample_weights are only supported for mode 'sum', got mode '%s'", op,
                      MODE_NAME[p->mode]);
            return false;
        }
        if (!psw->storage) return TIDE_FAIL("%s: per_sample_weights is freed", op), false;
        if (!tide_same_shape(psw, ids)) {
            TIDE_FAIL("%s: per_sample_weights has shape %s, expected the input's %s", op,
                      tide_shape_str(psw->ndim, psw->shape, b1, sizeof b1),
                      tide_shape_str(ids->ndim, ids->shape, b2, sizeof b2));
            return false;
        }
        if (psw->dtype != weight->dtype) {
            TIDE_FAIL("%s: per_sample_weights is %s, weight is %s", op, tide_dtype_name(psw->dtype),
                      tide_dtype_name(weight->dtype));
            return false;
        }
        if (!(g->psw = nn_data(psw, &g->tmp_psw))) return false;
    }
    for (int64_t i = 0; i < g->n; i++) {
        int64_t r = row_at(g, i);
        if (r < 0 || r >= g->V) {
            const char *from = g->base ? " (ids count from 1)" : "";
            if (ids->ndim == 1) {
                int64_t b = bag_of(g, i);
                TIDE_FAIL("%s: input[%lld] = %lld (bag %lld, position %lld) is out of range for %lld embeddings%s", op,
                          (long long)(i + g->base), (long long)id_at(g, i), (long long)(b + g->base),
                          (long long)(i - g->start[b] + g->base), (long long)g->V, from);
            } else {
                TIDE_FAIL("%s: input%s = %lld is out of range for %lld embeddings%s", op,
                          nn_index_str(2, ids->shape, i, g->base, b1, sizeof b1), (long long)id_at(g, i),
                          (long long)g->V, from);
            }
            return false;
        }
    }
    return true;
}

/* grad_output [B, D] of weight's dtype, contiguous data (a copy in *tmp when it is not). */
static const void *grad_data(const char *op, const tide_tensor *go, const bags *g, int dtype, tide_tensor **tmp) {
    int64_t shape[2] = {g->B, g->D};
    *tmp = NULL;
    if (!nn_check_shape(op, go, 2, shape, dtype, "grad_output")) return NULL;
    return nn_data(go, tmp);
}

static const int64_t *max_data(const char *op, const tide_tensor *mi, const bags *g, tide_tensor **tmp) {
    int64_t shape[2] = {g->B, g->D};
    *tmp = NULL;
    if (!mi) return TIDE_FAIL("%s: mode 'max' needs the max_indices of the forward", op), NULL;
    if (!nn_check_shape(op, mi, 2, shape, TIDE_INT64, "max_indices")) return NULL;
    const int64_t *d = nn_data(mi, tmp);
    if (!d) return NULL;
    for (int64_t k = 0; k < g->B * g->D; k++) {
        if (d[k] < -1 || d[k] >= g->V) {
            TIDE_FAIL("%s: max_indices holds %lld, out of range for %lld embeddings", op, (long long)d[k],
                      (long long)g->V);
            tide_tensor_free(*tmp);
            *tmp = NULL;
            return NULL;
        }
    }
    return d;
}

/* ---------------------------------------------------------------- row kernels */

/* The loops over one row's D values, vectorised, with hardware FMA where the CPU has it:
 * fma/fmaf round once whichever clone runs, so results do not depend on the clone. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(TIDE_NO_CLONES)
#define ROW_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), noinline))
#else
#define ROW_HOT
#endif

#define DEFINE_ROW_KERNELS(T, SFX, FMA)                                                                                \
    /* o += x */                                                                                                       \
    static ROW_HOT void row_add_##SFX(T *restrict o, const T *restrict x, int64_t D) {                                 \
        _Pragma("omp simd") for (int64_t d = 0; d < D; d++) o[d] += x[d];                                              \
    }                                                                                                                  \
    /* o = fma(s, x, o) */                                                                                             \
    static ROW_HOT void row_axpy_##SFX(T *restrict o, const T *restrict x, T s, int64_t D) {                           \
        _Pragma("omp simd") for (int64_t d = 0; d < D; d++) o[d] = FMA(s, x[d], o[d]);                                 \
    }                                                                                                                  \
    /* o = max(o, x) keeping the first maximum; m records x's row r where it wins */                                   \
    static ROW_HOT void row_max_##SFX(T *restrict o, int64_t *restrict m, const T *restrict x, int64_t r, int64_t D) { \
        if (m) {                                                                                                       \
            for (int64_t d = 0; d < D; d++)                                                                            \
                if (x[d] > o[d]) o[d] = x[d], m[d] = r;                                                                \
        } else {                                                                                                       \
            _Pragma("omp simd") for (int64_t d = 0; d < D; d++) o[d] = x[d] > o[d] ? x[d] : o[d];                      \
        }                                                                                                              \
    }                                                                                                                  \
    static ROW_HOT T row_dot_##SFX(const T *restrict a, const T *restrict b, int64_t D) {                              \
        T s = 0;                                                                                                       \
        _Pragma("omp simd reduction(+ : s)") for (int64_t d = 0; d < D; d++) s += a[d] * b[d];                        \
        return s;                                                                                                      \
    }
DEFINE_ROW_KERNELS(float, f32, fmaf)
DEFINE_ROW_KERNELS(double, f64, fma)

/* ---------------------------------------------------------------- forward */

#define DEFINE_FORWARD(T, SFX)                                                                                          \
    static void forward_##SFX(const bags *g, const T *w, T *out, int64_t *mi, int nt) {                                \
        const int64_t D = g->D, ws = g->ws;                                                                            \
        const T *psw = g->psw;                                                                                         \
        _Pragma("omp parallel for num_threads(nt) if (nt > 1) schedule(static)") for (int64_t b = 0; b < g->B; b++) { \
            T *o = out + b * D;                                                                                        \
            int64_t *m = mi ? mi + b * D : NULL;                                                                       \
            int64_t cnt = 0;                                                                                           \
            memset(o, 0, sizeof(T) * (size_t)D);                                                                       \
            for (int64_t i = g->start[b]; i < g->start[b + 1]; i++) {                                                  \
                int64_t r = row_at(g, i);                                                                              \
                if (r == g->pad) continue;                                                                             \
                const T *wr = w + r * ws;                                                                              \
                if (g->mode == TIDE_BAG_MAX && cnt == 0) {                                                             \
                    memcpy(o, wr, sizeof(T) * (size_t)D);                                                              \
                    if (m)                                                                                             \
                        for (int64_t d = 0; d < D; d++) m[d] = r;                                                      \
                } else if (g->mode == TIDE_BAG_MAX) {                                                                  \
                    row_max_##SFX(o, m, wr, r, D);                                                                     \
                } else if (psw) {                                                                                      \
                    row_axpy_##SFX(o, wr, psw[i], D);                                                                  \
                } else {                                                                                               \
                    row_add_##SFX(o, wr, D);                                                                           \
                }                                                                                                      \
                cnt++;                                                                                                 \
            }                                                                                                          \
            if (g->mode == TIDE_BAG_MEAN && cnt > 1)                                                                   \
                for (int64_t d = 0; d < D; d++) o[d] /= (T)cnt;                                                        \
            if (m && cnt == 0)                                                                                         \
                for (int64_t d = 0; d < D; d++) m[d] = -1;                                                             \
        }                                                                                                              \
    }
DEFINE_FORWARD(float, f32)
DEFINE_FORWARD(double, f64)

tide_tensor *tide_embedding_bag_forward(const tide_tensor *ids, const tide_tensor *offsets,
                                        const tide_tensor *per_sample_weights, tide_tensor *out,
                                        tide_tensor **max_indices, const tide_tensor *weight,
                                        const tide_embedding_bag_params *p) {
    const char *op = "embedding_bag";
    bags g;
    if (max_indices) *max_indices = NULL;
    if (!bags_open(op, ids, offsets, per_sample_weights, weight, p, &g)) {
        bags_free(&g);
        return NULL;
    }
    int64_t shape[2] = {g.B, g.D};
    tide_tensor *y = nn_result(op, out, 2, shape, weight->dtype);
    tide_tensor *mi = NULL;
    if (y && max_indices && g.mode == TIDE_BAG_MAX) {
        mi = tide_alloc(op, 2, shape, TIDE_INT64);
        if (!mi) {
            if (y != out) tide_tensor_free(y);
            y = NULL;
        }
    }
    if (!y) {
        bags_free(&g);
        return NULL;
    }
    int nt = tide_threads_for(g.n * g.D + g.B * g.D);
    int64_t *mp = mi ? (int64_t *)tide_elem_ptr(mi) : NULL;
    if (weight->dtype == TIDE_FLOAT32)
        forward_f32(&g, (const float *)tide_elem_ptr(weight), (float *)tide_elem_ptr(y), mp, nt);
    else
        forward_f64(&g, (const double *)tide_elem_ptr(weight), (double *)tide_elem_ptr(y), mp, nt);
    bags_free(&g);
    if (max_indices) *max_indices = mi;
    return y;
}

/* ---------------------------------------------------------------- sorted contributions */

/* One id's contribution: row r gets scale(pos) * grad_output[bag]. */
typedef struct contrib {
    int64_t row, pos, bag;
} contrib;

/* Sort a[0..m) by row, stably (LSD radix sort, 8 bits a pass over the bits rows < V need);
 * tmp has room for m entries. */
static void sort_by_row(contrib *a, contrib *tmp, int64_t m, int64_t V) {
    int bits = 0;
    while (bits < 63 && ((int64_t)1 << bits) < V) bits++;
    contrib *src = a, *dst = tmp;
    for (int shift = 0; shift < bits; shift += 8) {
        int64_t count[257] = {0};
        for (int64_t k = 0; k < m; k++) count[((src[k].row >> shift) & 255) + 1]++;
        for (int c = 0; c < 256; c++) count[c + 1] += count[c];
        for (int64_t k = 0; k < m; k++) dst[count[(src[k].row >> shift) & 255]++] = src[k];
        contrib *t = src;
        src = dst, dst = t;
    }
    if (src != a) memcpy(a, src, sizeof(contrib) * (size_t)m);
}

/* The contributions of g (padding left out) sorted by row, in position order within a row, the bag sizes (MEAN) and the
 * group starts: group k is list[group[k] .. group[k + 1]), one row. NULL list on failure. */
typedef struct sorted {
    contrib *list;
    int64_t m;         /* contributions */
    int64_t *group;    /* [ngroups + 1] */
    int64_t ngroups;
    int64_t *count;    /* [B] ids per bag, padding excluded */
} sorted;

static void sorted_free(sorted *s) {
    free(s->list);
    free(s->group);
    free(s->count);
}

static bool sorted_build(const char *op, const bags *g, sorted *s) {
    memset(s, 0, sizeof *s);
    s->list = malloc(sizeof(contrib) * (size_t)(g->n ? g->n : 1));
    contrib *tmp = malloc(sizeof(contrib) * (size_t)(g->n ? g->n : 1));
    s->group = malloc(sizeof(int64_t) * (size_t)(g->n + 1));
    s->count = calloc((size_t)(g->B ? g->B : 1), sizeof(int64_t));
    if (!s->list || !tmp || !s->group || !s->count) {
        free(tmp);
        sorted_free(s);
        memset(s, 0, sizeof *s);
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        return false;
    }
    for (int64_t b = 0; b < g->B; b++) {
        for (int64_t i = g->start[b]; i < g->start[b + 1]; i++) {
            int64_t r = row_at(g, i);
            if (r == g->pad) continue;
            s->list[s->m++] = (contrib){r, i, b};
            s->count[b]++;
        }
    }
    sort_by_row(s->list, tmp, s->m, g->V);
    free(tmp);
    for (int64_t k = 0; k < s->m; k++)
        if (k == 0 || s->list[k].row != s->list[k - 1].row) s->group[s->ngroups++] = k;
    s->group[s->ngroups] = s->m;
    return true;
}

/* A contribution is row_axpy(acc, grad_output[bag], scale) in backward and SGD alike, so both
 * round the same. The scale of position i in bag b: SUM psw[i] (or 1), MEAN 1 / count[b]. */
#define DEFINE_ROWS(T, SFX, FMA)                                                                                       \
    static inline T scale_##SFX(const bags *g, const sorted *s, const contrib *c) {                                    \
        if (g->mode == TIDE_BAG_MEAN) return (T)1 / (T)s->count[c->bag];                                               \
        return g->psw ? ((const T *)g->psw)[c->pos] : (T)1;                                                            \
    }                                                                                                                  \
    /* grad_weight rows (contiguous [V, D]) += the sorted contributions */                                             \
    static void backward_rows_##SFX(const bags *g, const sorted *s, const T *go, T *gw, int nt) {                      \
        const int64_t D = g->D;                                                                                        \
        _Pragma("omp parallel for num_threads(nt) if (nt > 1) schedule(static)") for (int64_t k = 0; k < s->ngroups;   \
                                                                                      k++) {                           \
            for (int64_t j = s->group[k]; j < s->group[k + 1]; j++) {                                                  \
                const contrib *c = &s->list[j];                                                                        \
                row_axpy_##SFX(gw + c->row * D, go + c->bag * D, scale_##SFX(g, s, c), D);                                  \
            }                                                                                                          \
        }                                                                                                              \
    }                                                                                                                  \
    /* weight[row] = fma(sum of the row's contributions, -lr, weight[row]), each row once; scratch holds D values     \
     * per thread */                                                                                                   \
    static void sgd_rows_##SFX(const bags *g, const sorted *s, const T *go, T *w, double lr, T *scratch, int nt) {     \
        const int64_t D = g->D, ws = g->ws;                                                                            \
        const T nlr = (T)(-lr);                                                                                        \
        _Pragma("omp parallel num_threads(nt) if (nt > 1)") {                                                          \
            T *acc = scratch + (int64_t)thread_id() * D;                                                               \
            _Pragma("omp for schedule(static)") for (int64_t k = 0; k < s->ngroups; k++) {                             \
                for (int64_t d = 0; d < D; d++) acc[d] = 0;                                                            \
                for (int64_t j = s->group[k]; j < s->group[k + 1]; j++) {                                              \
                    const contrib *c = &s->list[j];                                                                    \
                    row_axpy_##SFX(acc, go + c->bag * D, scale_##SFX(g, s, c), D);                                          \
                }                                                                                                      \
                T *wr = w + s->list[s->group[k]].row * ws;                                                             \
                row_axpy_##SFX(wr, acc, nlr, D);                                                                       \
            }                                                                                                          \
        }                                                                                                              \
    }                                                                                                                  \
    /* MAX: out[max row of (b, d), d] op= grad_output[b, d], parallel over column blocks */                            \
    static void max_rows_##SFX(const bags *g, const int64_t *mi, const T *go, T *w, int64_t ws, double lr, int sgd,     \
                               int nt) {                                                                               \
        const int64_t D = g->D, B = g->B;                                                                              \
        const T nlr = (T)(-lr);                                                                                        \
        int64_t blocks = nt > D ? D : nt;                                                                              \
        _Pragma("omp parallel for num_threads(nt) if (nt > 1) schedule(static)") for (int64_t t = 0; t < blocks;      \
                                                                                      t++) {                           \
            int64_t d0 = D * t / blocks, d1 = D * (t + 1) / blocks;                                                    \
            for (int64_t b = 0; b < B; b++) {                                                                          \
                for (int64_t d = d0; d < d1; d++) {                                                                    \
                    int64_t r = mi[b * D + d];                                                                         \
                    if (r < 0) continue;                                                                               \
                    T *x = w + r * ws + d;                                                                             \
                    *x = sgd ? FMA(go[b * D + d], nlr, *x) : *x + go[b * D + d];                                       \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
    }                                                                                                                  \
    /* grad_psw[i] += <grad_output[bag of i], weight[row of i]> */                                                    \
    static void psw_grad_##SFX(const bags *g, const T *go, const T *w, T *gp, int nt) {                                \
        const int64_t D = g->D, ws = g->ws;                                                                            \
        _Pragma("omp parallel for num_threads(nt) if (nt > 1) schedule(static)") for (int64_t b = 0; b < g->B; b++) { \
            for (int64_t i = g->start[b]; i < g->start[b + 1]; i++) {                                                  \
                int64_t r = row_at(g, i);                                                                              \
                if (r == g->pad) continue;                                                                             \
                const T *wr = w + r * ws, *gr = go + b * D;                                                            \
                gp[i] += row_dot_##SFX(gr, wr, D);                                                                     \
            }                                                                                                          \
        }                                                                                                              \
    }

static inline int thread_id(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

DEFINE_ROWS(float, f32, fmaf)
DEFINE_ROWS(double, f64, fma)

/* ---------------------------------------------------------------- backward and SGD */

int tide_embedding_bag_backward(const tide_tensor *ids, const tide_tensor *offsets,
                                const tide_tensor *per_sample_weights, const tide_tensor *max_indices,
                                const tide_tensor *grad_output, tide_tensor *grad_weight,
                                tide_tensor *grad_per_sample_weights, const tide_tensor *weight,
                                const tide_embedding_bag_params *p) {
    const char *op = "embedding_bag_backward";
    bags g;
    tide_tensor *tmp_go = NULL, *tmp_mi = NULL;
    sorted s = {0};
    int status = -1;
    if (!bags_open(op, ids, offsets, per_sample_weights, weight, p, &g)) goto done;
    int dt = weight->dtype;
    const void *go = grad_data(op, grad_output, &g, dt, &tmp_go);
    if (!go) goto done;
    int64_t wshape[2] = {g.V, g.D};
    if (grad_weight && !nn_check_buffer(op, grad_weight, 2, wshape, dt, "grad_weight")) goto done;
    if (grad_per_sample_weights) {
        if (!per_sample_weights) {
            TIDE_FAIL("%s: grad_per_sample_weights needs per_sample_weights", op);
            goto done;
        }
        if (!nn_check_buffer(op, grad_per_sample_weights, ids->ndim, ids->shape, dt, "grad_per_sample_weights"))
            goto done;
    }
    const int64_t *mi = NULL;
    if (grad_weight && g.mode == TIDE_BAG_MAX && !(mi = max_data(op, max_indices, &g, &tmp_mi))) goto done;
    if (grad_weight && g.mode != TIDE_BAG_MAX && !sorted_build(op, &g, &s)) goto done;
    int nt = tide_threads_for(g.n * g.D + g.B * g.D);
    if (grad_weight) {
        void *gw = tide_elem_ptr(grad_weight);
        if (g.mode == TIDE_BAG_MAX) {
            if (dt == TIDE_FLOAT32)
                max_rows_f32(&g, mi, go, gw, g.D, 0, 0, nt);
            else
                max_rows_f64(&g, mi, go, gw, g.D, 0, 0, nt);
        } else if (dt == TIDE_FLOAT32) {
            backward_rows_f32(&g, &s, go, gw, nt);
        } else {
            backward_rows_f64(&g, &s, go, gw, nt);
        }
    }
    if (grad_per_sample_weights) {
        void *gp = tide_elem_ptr(grad_per_sample_weights);
        if (dt == TIDE_FLOAT32)
            psw_grad_f32(&g, go, (const float *)tide_elem_ptr(weight), gp, nt);
        else
            psw_grad_f64(&g, go, (const double *)tide_elem_ptr(weight), gp, nt);
    }
    status = 0;
done:
    sorted_free(&s);
    tide_tensor_free(tmp_go);
    tide_tensor_free(tmp_mi);
    bags_free(&g);
    return status;
}

int tide_embedding_bag_sgd_(const tide_tensor *ids, const tide_tensor *offsets,
                            const tide_tensor *per_sample_weights, const tide_tensor *max_indices,
                            const tide_tensor *grad_output, tide_tensor *weight, double lr,
                            const tide_embedding_bag_params *p) {
    const char *op = "embedding_bag_sgd_";
    bags g;
    tide_tensor *tmp_go = NULL, *tmp_mi = NULL;
    sorted s = {0};
    void *scratch = NULL;
    int status = -1;
    if (!bags_open(op, ids, offsets, per_sample_weights, weight, p, &g)) goto done;
    if (!isfinite(lr)) {
        TIDE_FAIL("%s: lr must be a finite number, got %g", op, lr);
        goto done;
    }
    int dt = weight->dtype;
    const void *go = grad_data(op, grad_output, &g, dt, &tmp_go);
    if (!go) goto done;
    if (nn_overlap(grad_output, weight)) {
        TIDE_FAIL("%s: grad_output shares memory with weight", op);
        goto done;
    }
    int nt = tide_threads_for(g.n * g.D + g.B * g.D);
    void *w = tide_elem_ptr(weight);
    if (g.mode == TIDE_BAG_MAX) {
        const int64_t *mi = max_data(op, max_indices, &g, &tmp_mi);
        if (!mi) goto done;
        if (dt == TIDE_FLOAT32)
            max_rows_f32(&g, mi, go, w, g.ws, lr, 1, nt);
        else
            max_rows_f64(&g, mi, go, w, g.ws, lr, 1, nt);
        status = 0;
        goto done;
    }
    if (!sorted_build(op, &g, &s)) goto done;
    scratch = malloc((size_t)tide_dtype_size(dt) * (size_t)(g.D * nt + 1));
    if (!scratch) {
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    if (dt == TIDE_FLOAT32)
        sgd_rows_f32(&g, &s, go, w, lr, scratch, nt);
    else
        sgd_rows_f64(&g, &s, go, w, lr, scratch, nt);
    status = 0;
done:
    free(scratch);
    sorted_free(&s);
    tide_tensor_free(tmp_go);
    tide_tensor_free(tmp_mi);
    bags_free(&g);
    return status;
}
