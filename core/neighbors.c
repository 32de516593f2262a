/* neighbors.c — brute-force k nearest neighbours: the dense search (five metrics), the argument
 * checks and dispatch of every search, class vote and target average (see tide/neighbors.h).
 *
 * The euclidean / cosine search of dense training data runs in two passes per block of query
 * rows. Pass 1 ranks every training row by a float32 GEMM score (sgemm of the centred or
 * unit-length query block [QB, d] against blocks of prep [TB, d]; OpenBLAS threads the product,
 * then our threads update one bounded max-heap of L candidates per query row). Pass 2 computes
 * the L candidates' distances exactly in float64 and keeps the k smallest. Any training row left
 * out of the shortlist scored at least the L-th candidate's score, so its exact distance is at
 * least that score minus the float32 rounding bound; when that does not clear the k-th exact
 * distance the row is searched again exactly over all training rows (rare: ties and duplicates).
 * The bound, (4 sqrt(d) + 16) float32 roundings of ||q||^2 + max ||x||^2, is several times the
 * typical (random-walk) error of a d-term float32 product, not its worst case (d roundings),
 * which would send most rows of real data to the exact search.
 * BLAS is never called inside an OpenMP region of ours.
 *
 * The other metrics compute float64 distances directly, in parallel over query rows. CSR
 * training data is searched in neighbors_sparse.c. Every heap orders (distance, training index)
 * pairs, so equal distances keep the lower index, whatever the thread count.
 */
#include "neighbors_internal.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define QB 512             /* query rows per block */
/* training rows per GEMM block: few blocks, since each ends an OpenMP region whose idle threads
 * spin while the next sgemm wants the cores */
#define TB 16384
#define HEAP_BUDGET (64 << 20) /* bytes of scratch per query block (mostly the scores S) */
#define EXTRA_CANDIDATES 16 /* shortlist length L = max(2k, k + EXTRA_CANDIDATES) */

/* ---------------------------------------------------------------- bounded max-heaps */

void knn_heap_sift_down(heap *h, int64_t i) {
    for (;;) {
        int64_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->len && pair_less(h->key[m], h->idx[m], h->key[l], h->idx[l])) m = l;
        if (r < h->len && pair_less(h->key[m], h->idx[m], h->key[r], h->idx[r])) m = r;
        if (m == i) return;
        double tk = h->key[i];
        int64_t ti = h->idx[i];
        h->key[i] = h->key[m], h->idx[i] = h->idx[m];
        h->key[m] = tk, h->idx[m] = ti;
        i = m;
    }
}

/* Sort the heap's pairs ascending in place (heap sort). */
static void heap_sort(heap *h) {
    int64_t n = h->len;
    while (h->len > 1) {
        int64_t last = h->len - 1;
        double tk = h->key[0];
        int64_t ti = h->idx[0];
        h->key[0] = h->key[last], h->idx[0] = h->idx[last];
        h->key[last] = tk, h->idx[last] = ti;
        h->len--;
        knn_heap_sift_down(h, 0);
    }
    h->len = n;
}

/* The pass-1 heap: float keys (one per query row, cap L). */
typedef struct fheap {
    float *key;
    int64_t *idx;
    int64_t len, cap;
} fheap;

static void fheap_sift_down(fheap *h, int64_t i) {
    for (;;) {
        int64_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->len && (h->key[l] > h->key[m] || (h->key[l] == h->key[m] && h->idx[l] > h->idx[m]))) m = l;
        if (r < h->len && (h->key[r] > h->key[m] || (h->key[r] == h->key[m] && h->idx[r] > h->idx[m]))) m = r;
        if (m == i) return;
        float tk = h->key[i];
        int64_t ti = h->idx[i];
        h->key[i] = h->key[m], h->idx[i] = h->idx[m];
        h->key[m] = tk, h->idx[m] = ti;
        i = m;
    }
}

/* Push the keys tn[j] + s[j] of training rows j0 + j, j < cnt (skipping row skip): s holds
 * -2 q.x, tn the rows' squared norms. Training rows arrive in increasing order, so an equal key
 * never displaces a kept (lower) index. Runs of 16 keys are screened against the worst kept key
 * first: after the heap fills, almost no key enters. */
static TIDE_HOT void fheap_push_run(fheap *h, const float *s, const float *tn, int64_t cnt, int64_t j0, int64_t skip) {
    int64_t j = 0;
    for (; j < cnt && h->len < h->cap; j++) { /* filling: sift up */
        if (j0 + j == skip) continue;
        float key = tn[j] + s[j];
        int64_t i = h->len++;
        while (i > 0) {
            int64_t parent = (i - 1) / 2;
            if (h->key[parent] < key || (h->key[parent] == key && h->idx[parent] < j0 + j)) {
                h->key[i] = h->key[parent], h->idx[i] = h->idx[parent];
                i = parent;
            } else
                break;
        }
        h->key[i] = key, h->idx[i] = j0 + j;
    }
    float worst = h->len > 0 ? h->key[0] : INFINITY;
    for (; j < cnt; j += 16) {
        int64_t run = cnt - j < 16 ? cnt - j : 16;
        float key[16];
        int any = 0;
        for (int64_t t = 0; t < run; t++) {
            key[t] = tn[j + t] + s[j + t];
            any |= key[t] < worst;
        }
        if (!any) continue;
        for (int64_t t = 0; t < run; t++)
            if (key[t] < worst && j0 + j + t != skip) {
                h->key[0] = key[t], h->idx[0] = j0 + j + t;
                fheap_sift_down(h, 0);
                worst = h->key[0];
            }
    }
}

/* ---------------------------------------------------------------- exact distances */

/* The metric's monotone "reduced" distance (squared euclidean, sum of p-th powers, ...) between
 * two dense float64 rows of length d; final_distance turns it into the distance. The sums are
 * vectorised (their rounding may differ from a sequential sum in the last bits). */
static TIDE_HOT double reduced_dense(const double *a, const double *b, int64_t d, int metric, double p) {
    switch (metric) {
    case TIDE_KNN_EUCLIDEAN: {
        double s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t j = 0; j < d; j++) {
            double t = a[j] - b[j];
            s += t * t;
        }
        return s;
    }
    case TIDE_KNN_MANHATTAN: {
        double s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t j = 0; j < d; j++) s += fabs(a[j] - b[j]);
        return s;
    }
    case TIDE_KNN_CHEBYSHEV: {
        double s = 0;
#pragma omp simd reduction(max : s)
        for (int64_t j = 0; j < d; j++) {
            double t = fabs(a[j] - b[j]);
            if (t > s) s = t;
        }
        return s;
    }
    case TIDE_KNN_COSINE: {
        double ab = 0, aa = 0, bb = 0;
#pragma omp simd reduction(+ : ab, aa, bb)
        for (int64_t j = 0; j < d; j++) ab += a[j] * b[j], aa += a[j] * a[j], bb += b[j] * b[j];
        double den = sqrt(aa) * sqrt(bb);
        double c = 1.0 - (den > 0 ? ab / den : 0.0);
        return c < 0 ? 0 : c > 2 ? 2 : c;
    }
    default: {
        double s = 0;
        for (int64_t j = 0; j < d; j++) s += pow(fabs(a[j] - b[j]), p);
        return s;
    }
    }
}

static double final_distance(double r, int metric, double p) {
    if (metric == TIDE_KNN_EUCLIDEAN) return sqrt(r > 0 ? r : 0);
    if (metric == TIDE_KNN_MINKOWSKI) return pow(r > 0 ? r : 0, 1.0 / p);
    return r;
}

void knn_emit_row(const search *s, heap *h, int64_t i) {
    heap_sort(h);
    for (int64_t c = 0; c < s->k; c++) {
        s->dist[i * s->k + c] = final_distance(h->key[c], s->metric, s->p);
        s->index[i * s->k + c] = h->idx[c];
    }
}

/* Exact search of one dense query row q over all dense training rows into h (cap k). */
static void exact_row_dense(const double *q, const double *train, int64_t n, int64_t d, int metric, double p,
                            int64_t skip, heap *h) {
    h->len = 0;
    for (int64_t j = 0; j < n; j++)
        if (j != skip) {
            double r = reduced_dense(q, train + j * d, d, metric, p);
            if (h->len < h->cap || pair_less(r, j, h->key[0], h->idx[0])) heap_push(h, r, j);
        }
}

/* ---------------------------------------------------------------- argument checks */

static int check_matrix(const char *op, const char *what, const tide_tensor *t, int dtype, int64_t rows,
                        int64_t cols) {
    if (!t) return TIDE_FAIL("%s: %s is NULL", op, what);
    if (t->dtype != dtype || t->ndim != 2 || !tide_tensor_is_contiguous(t))
        return TIDE_FAIL("%s: %s must be a contiguous 2-d %s tensor", op, what, dtype == TIDE_FLOAT64 ? "float64"
                                                                                  : dtype == TIDE_INT64 ? "int64"
                                                                                                        : "float32");
    if ((rows >= 0 && t->shape[0] != rows) || (cols >= 0 && t->shape[1] != cols))
        return TIDE_FAIL("%s: %s has shape [%lld, %lld], expected [%lld, %lld]", op, what, (long long)t->shape[0],
                         (long long)t->shape[1], (long long)(rows >= 0 ? rows : t->shape[0]),
                         (long long)(cols >= 0 ? cols : t->shape[1]));
    return 0;
}

static int check_vector(const char *op, const char *what, const tide_tensor *t, int dtype, int64_t n) {
    if (!t) return TIDE_FAIL("%s: %s is NULL", op, what);
    if (t->dtype != dtype || t->ndim != 1 || !tide_tensor_is_contiguous(t))
        return TIDE_FAIL("%s: %s must be a contiguous 1-d %s tensor", op, what,
                         dtype == TIDE_FLOAT64 ? "float64" : "int64");
    if (t->shape[0] != n)
        return TIDE_FAIL("%s: %s has %lld values, expected %lld", op, what, (long long)t->shape[0], (long long)n);
    return 0;
}

static bool valid_metric(int metric) { return metric >= TIDE_KNN_EUCLIDEAN && metric <= TIDE_KNN_CHEBYSHEV; }

/* ---------------------------------------------------------------- prepare */

tide_tensor *tide_knn_prepare(const tide_tensor *train, int metric) {
    const char *op = "knn_prepare";
    if (check_matrix(op, "train", train, TIDE_FLOAT64, -1, -1)) return NULL;
    if (metric != TIDE_KNN_EUCLIDEAN && metric != TIDE_KNN_COSINE)
        return TIDE_FAIL("%s: only the euclidean and cosine metrics use a prepared matrix", op), NULL;
    int64_t n = train->shape[0], d = train->shape[1];
    if (n < 1 || d < 1) return TIDE_FAIL("%s: train is empty", op), NULL;
    int64_t shape[2] = {n + 1, d + 1};
    tide_tensor *prep = tide_alloc(op, 2, shape, TIDE_FLOAT32);
    if (!prep) return NULL;
    const double *x = (const double *)tide_elem_ptr(train);
    float *out = (float *)tide_elem_ptr(prep);
    float *center = out + n * (d + 1);
    for (int64_t j = 0; j <= d; j++) center[j] = 0;
    if (metric == TIDE_KNN_EUCLIDEAN) { /* column means, in double */
        double *mean = calloc((size_t)d, sizeof(double));
        if (!mean) return tide_tensor_free(prep), tide_fail(TIDE_ENOMEM, "%s: out of memory", op), NULL;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < d; j++) mean[j] += x[i * d + j];
        for (int64_t j = 0; j < d; j++) center[j] = (float)(mean[j] / (double)n);
        free(mean);
    }
    double maxnorm = 0;
    int nth = tide_threads_for(n * d);
#pragma omp parallel for num_threads(nth) if (nth > 1) reduction(max : maxnorm)
    for (int64_t i = 0; i < n; i++) {
        const double *xi = x + i * d;
        float *row = out + i * (d + 1);
        if (metric == TIDE_KNN_EUCLIDEAN) {
            float s = 0;
            for (int64_t j = 0; j < d; j++) {
                float v = (float)(xi[j] - (double)center[j]);
                row[j] = v;
                s += v * v;
            }
            row[d] = s;
            if (s > maxnorm) maxnorm = s;
            if (!isfinite(s)) maxnorm = INFINITY;
        } else {
            double s = 0;
            for (int64_t j = 0; j < d; j++) s += xi[j] * xi[j];
            double inv = s > 0 ? 1.0 / sqrt(s) : 0.0;
            for (int64_t j = 0; j < d; j++) row[j] = (float)(xi[j] * inv);
            row[d] = 1.0f; /* score 1 - 2 q.x: a zero row (q.x = 0) ranks at distance 1 */
        }
    }
    center[d] = metric == TIDE_KNN_EUCLIDEAN ? (float)maxnorm : 1.0f;
    return prep;
}

/* ---------------------------------------------------------------- the search */

/* Rows [i0, i0 + cnt) of a CSR matrix scattered into buf [cnt, d] (zeroed first). */
static void densify_rows(const tide_csr *x, int64_t i0, int64_t cnt, int64_t d, double *buf) {
    memset(buf, 0, (size_t)(cnt * d) * sizeof(double));
    for (int64_t r = 0; r < cnt; r++)
        for (int64_t e = x->indptr[i0 + r]; e < x->indptr[i0 + r + 1]; e++) buf[r * d + x->indices[e]] = x->data[e];
}

/* Exact search of dense query rows [i0, i0 + cnt) (q: their rows) over dense training data. */
static void exact_block_dense(const search *s, const double *q, int64_t i0, int64_t cnt, double *hk, int64_t *hi) {
    int nth = tide_threads_for(cnt * s->n * s->d / 4);
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(dynamic, 1)
    for (int64_t r = 0; r < cnt; r++) {
        heap h = {hk + r * s->k, hi + r * s->k, 0, s->k};
        int64_t i = i0 + r;
        exact_row_dense(q + r * s->d, s->xd, s->n, s->d, s->metric, s->p, s->exclude_self ? i : -1, &h);
        knn_emit_row(s, &h, i);
    }
}

/* Scratch of one query block (qb rows) of the dense search. */
typedef struct block_scratch {
    double *qbuf;     /* [qb, d] densified CSR query rows (NULL for dense queries) */
    double *hk;       /* [qb, k] exact heaps: keys */
    int64_t *hi;      /* [qb, k] exact heaps: training rows */
    double *qn;       /* [qb] squared norm of each centred (or raw, cosine) query row */
    float *qf;        /* [qb, d] the float32 query block */
    float *S;         /* [qb, ts] GEMM scores: -2 q.x */
    float *tn;        /* [ts] the squared norms of the current training block */
    int64_t ts;       /* training rows per GEMM block: min(TB, n) */
    float *fk;        /* [qb, L] shortlist heaps: scores */
    int64_t *fi;      /* [qb, L] shortlist heaps: training rows */
    int64_t *flen;    /* [qb] shortlist lengths */
    char *redo;       /* [qb] rows the float32 bound could not settle */
} block_scratch;

/* Pass 1 and 2 of the GEMM path over query rows [i0, i0 + cnt), whose float64 rows are q.
 * Sets redo[r] for rows that need the exact search; the others are written to dist / index. */
static void gemm_block(const search *s, const double *q, int64_t i0, int64_t cnt, int64_t L, block_scratch *b) {
    int64_t n = s->n, d = s->d, k = s->k, ld = d + 1;
    const float *prep = s->prep, *center = prep + n * ld;
    bool euclid = s->metric == TIDE_KNN_EUCLIDEAN;
    int nth = tide_threads_for(cnt * d);
    /* the query block centred (euclidean) or scaled to unit length (cosine), in float32 */
#pragma omp parallel for num_threads(nth) if (nth > 1)
    for (int64_t r = 0; r < cnt; r++) {
        const double *qr = q + r * d;
        float *out = b->qf + r * d;
        double sq = 0;
        if (euclid) {
            for (int64_t j = 0; j < d; j++) {
                double v = qr[j] - (double)center[j];
                out[j] = (float)v;
                sq += v * v;
            }
        } else {
            for (int64_t j = 0; j < d; j++) sq += qr[j] * qr[j];
            double inv = sq > 0 ? 1.0 / sqrt(sq) : 0.0;
            for (int64_t j = 0; j < d; j++) out[j] = (float)(qr[j] * inv);
        }
        b->qn[r] = sq;
        b->flen[r] = 0;
    }
    /* pass 1: S [cnt, tb] = -2 qf [cnt, d] @ prep[j0 .. j0 + tb, 0 .. d)^T, then each row's score
     * ||x_j||^2 - 2 q.x_j (euclidean; ||q - x||^2 minus ||q||^2) or 1 - 2 q.x_j (cosine: the norm
     * column holds 1; ranks as 1 - q.x) enters its shortlist */
    int64_t ts = b->ts;
    for (int64_t j0 = 0; j0 < n; j0 += ts) {
        int64_t tb = n - j0 < ts ? n - j0 : ts;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)cnt, (int)tb, (int)d, -2.0f, b->qf, (int)d,
                    prep + j0 * ld, (int)ld, 0.0f, b->S, (int)ts);
        for (int64_t c = 0; c < tb; c++) b->tn[c] = prep[(j0 + c) * ld + d]; /* the norm column, contiguous */
        int nt = tide_threads_for(cnt * tb);
#pragma omp parallel for num_threads(nt) if (nt > 1)
        for (int64_t r = 0; r < cnt; r++) {
            fheap h = {b->fk + r * L, b->fi + r * L, b->flen[r], L};
            fheap_push_run(&h, b->S + r * ts, b->tn, tb, j0, s->exclude_self ? i0 + r : -1);
            b->flen[r] = h.len;
        }
    }
    /* pass 2: exact distances of the shortlist. A row outside it scored >= the shortlist's worst
     * score w; its reduced distance is >= w + ||q||^2 - bound (euclidean) or (1 + w) / 2 -
     * bound (cosine), bound = the float32 error of a d-term product of rows of those norms. */
    double u = FLT_EPSILON * 0.5 * (4.0 * sqrt((double)d) + 16.0);
    double maxtn = euclid ? (double)center[d] : 1.0;
    int64_t avail = n - (s->exclude_self ? 1 : 0);
    int nt = tide_threads_for(cnt * L * d);
#pragma omp parallel for num_threads(nt) if (nt > 1)
    for (int64_t r = 0; r < cnt; r++) {
        int64_t len = b->flen[r];
        const float *key = b->fk + r * L;
        const int64_t *idx = b->fi + r * L;
        heap h = {b->hk + r * k, b->hi + r * k, 0, k};
        for (int64_t c = 0; c < len; c++)
            heap_push(&h, reduced_dense(q + r * d, s->xd + idx[c] * d, d, s->metric, s->p), idx[c]);
        b->redo[r] = 0;
        if (len < avail) {
            double w = (double)key[0]; /* the heap root: the worst shortlisted score */
            double lower = euclid ? w + b->qn[r] - u * (b->qn[r] + maxtn) - FLT_EPSILON * fabs(w)
                                  : 0.5 * (1.0 + w) - 2.0 * u;
            if (!(lower > h.key[0])) b->redo[r] = 1;
        }
        if (!b->redo[r]) knn_emit_row(s, &h, i0 + r);
    }
}

/* Dense training data: blocks of query rows through the GEMM path or the exact loops. */
static int search_dense(const char *op, const search *s) {
    int64_t d = s->d, k = s->k, n = s->n;
    int64_t avail = n - (s->exclude_self ? 1 : 0);
    int64_t L = 2 * k > k + EXTRA_CANDIDATES ? 2 * k : k + EXTRA_CANDIDATES;
    if (L > avail) L = avail;
    bool gemm = s->prep != NULL;
    if (gemm && !(s->prep[n * (d + 1) + d] < 1e30f)) gemm = false; /* float32 would overflow */
    int64_t ts = n < TB ? n : TB;
    /* bytes per query row of the block's scratch (see block_scratch) */
    int64_t per_row = k * 16 + (s->qd ? 0 : d * 8) + (gemm ? 8 + d * 4 + ts * 4 + L * 12 + 8 + 1 : 0);
    int64_t qb = HEAP_BUDGET / per_row;
    if (qb > QB) qb = QB;
    if (qb > s->m) qb = s->m;
    if (qb < 1) qb = 1;
    size_t bytes = (size_t)(qb * per_row) + (size_t)ts * 4 + 64;
    char *scratch = malloc(bytes);
    if (!scratch) return tide_fail(TIDE_ENOMEM, "%s: out of memory (%zu bytes of scratch)", op, bytes);
    block_scratch b = {0};
    b.ts = ts;
    char *p = scratch; /* 8-byte members first, then 4-byte, then 1-byte */
    b.hk = (double *)p, p += (size_t)(qb * k) * 8;
    b.hi = (int64_t *)p, p += (size_t)(qb * k) * 8;
    if (!s->qd) b.qbuf = (double *)p, p += (size_t)(qb * d) * 8;
    if (gemm) {
        b.qn = (double *)p, p += (size_t)qb * 8;
        b.fi = (int64_t *)p, p += (size_t)(qb * L) * 8;
        b.flen = (int64_t *)p, p += (size_t)qb * 8;
        b.qf = (float *)p, p += (size_t)(qb * d) * 4;
        b.S = (float *)p, p += (size_t)(qb * ts) * 4;
        b.tn = (float *)p, p += (size_t)ts * 4;
        b.fk = (float *)p, p += (size_t)(qb * L) * 4;
        b.redo = p;
    }
    for (int64_t i0 = 0; i0 < s->m; i0 += qb) {
        int64_t cnt = s->m - i0 < qb ? s->m - i0 : qb;
        const double *q;
        if (s->qd)
            q = s->qd + i0 * d;
        else {
            densify_rows(s->qs, i0, cnt, d, b.qbuf);
            q = b.qbuf;
        }
        if (!gemm) {
            exact_block_dense(s, q, i0, cnt, b.hk, b.hi);
            continue;
        }
        gemm_block(s, q, i0, cnt, L, &b);
        /* rows the float32 bound could not settle: exact search over every training row */
        int64_t nredo = 0;
        for (int64_t r = 0; r < cnt; r++) nredo += b.redo[r];
        if (nredo == 0) continue;
        int nth = tide_threads_for(nredo * n * d / 4);
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(dynamic, 1)
        for (int64_t r = 0; r < cnt; r++) {
            if (!b.redo[r]) continue;
            heap h = {b.hk + r * k, b.hi + r * k, 0, k};
            exact_row_dense(q + r * d, s->xd, n, d, s->metric, s->p, s->exclude_self ? i0 + r : -1, &h);
            knn_emit_row(s, &h, i0 + r);
        }
    }
    free(scratch);
    return 0;
}

int tide_knn_search(const tide_tensor *query, const tide_csr *query_csr, const tide_tensor *train,
                    const tide_csr *train_csr, const tide_tensor *prep, tide_tensor *dist, tide_tensor *index,
                    int64_t k, int metric, double p, int exclude_self) {
    const char *op = "knn_search";
    if (!valid_metric(metric)) return TIDE_FAIL("%s: unknown metric id %d", op, metric);
    if ((query == NULL) == (query_csr == NULL)) return TIDE_FAIL("%s: pass exactly one of query and query_csr", op);
    if ((train == NULL) == (train_csr == NULL)) return TIDE_FAIL("%s: pass exactly one of train and train_csr", op);
    int64_t m, n, d;
    if (train) {
        if (check_matrix(op, "train", train, TIDE_FLOAT64, -1, -1)) return -1;
        n = train->shape[0], d = train->shape[1];
    } else {
        if (tide_csr_check(train_csr, op)) return -1;
        n = train_csr->rows, d = train_csr->cols;
    }
    if (query) {
        if (check_matrix(op, "query", query, TIDE_FLOAT64, -1, d)) return -1;
        m = query->shape[0];
    } else {
        if (tide_csr_check(query_csr, op)) return -1;
        if (query_csr->cols != d)
            return TIDE_FAIL("%s: query has %lld columns, train has %lld", op, (long long)query_csr->cols,
                             (long long)d);
        m = query_csr->rows;
    }
    if (n < 1 || d < 1) return TIDE_FAIL("%s: the training data is empty", op);
    if (exclude_self && m != n) return TIDE_FAIL("%s: exclude_self needs the query to be the training data", op);
    int64_t avail = n - (exclude_self ? 1 : 0);
    if (k < 1 || k > avail)
        return TIDE_FAIL("%s: k must be in [1, %lld] (%lld training rows%s), got %lld", op, (long long)avail,
                         (long long)n, exclude_self ? ", excluding the query row itself" : "", (long long)k);
    if (metric == TIDE_KNN_MINKOWSKI && !(p > 0 && isfinite(p))) return TIDE_FAIL("%s: p must be > 0, got %g", op, p);
    if (train_csr && metric == TIDE_KNN_CHEBYSHEV)
        return TIDE_FAIL("%s: the chebyshev metric does not accept sparse training data", op);
    if (check_matrix(op, "dist", dist, TIDE_FLOAT64, m, k) || check_matrix(op, "index", index, TIDE_INT64, m, k))
        return -1;
    if (prep) {
        if (!train || (metric != TIDE_KNN_EUCLIDEAN && metric != TIDE_KNN_COSINE))
            return TIDE_FAIL("%s: prep is for dense training data and the euclidean or cosine metric", op);
        if (check_matrix(op, "prep", prep, TIDE_FLOAT32, n + 1, d + 1)) return -1;
    }
    if (d > INT32_MAX || m > INT32_MAX) return TIDE_FAIL("%s: the data is too large for BLAS (int32 sizes)", op);
    if (m == 0) return 0;
    search s = {query ? (const double *)tide_elem_ptr(query) : NULL,
                query_csr,
                train ? (const double *)tide_elem_ptr(train) : NULL,
                train_csr,
                prep ? (const float *)tide_elem_ptr(prep) : NULL,
                (double *)tide_elem_ptr(dist),
                (int64_t *)tide_elem_ptr(index),
                m, n, d, k, metric, exclude_self != 0, p};
    if (train) return search_dense(op, &s);
    if ((metric == TIDE_KNN_EUCLIDEAN || metric == TIDE_KNN_COSINE) && n <= INT32_MAX)
        return knn_search_sparse_index(op, &s);
    return knn_search_sparse_scan(op, &s);
}

/* ---------------------------------------------------------------- vote and average */

/* Weights of row i's k neighbours into w: 1, or 1 / dist with the zero-distance rule. */
static void row_weights(const double *dist, int64_t i, int64_t k, int distance_weights, double *w) {
    if (!distance_weights) {
        for (int64_t c = 0; c < k; c++) w[c] = 1;
        return;
    }
    bool zero = false;
    for (int64_t c = 0; c < k; c++) zero |= dist[i * k + c] == 0;
    for (int64_t c = 0; c < k; c++) w[c] = zero ? (dist[i * k + c] == 0 ? 1.0 : 0.0) : 1.0 / dist[i * k + c];
}

static int check_neighbours(const char *op, const tide_tensor *index, const tide_tensor *dist, int distance_weights,
                            int64_t n) {
    if (check_matrix(op, "index", index, TIDE_INT64, -1, -1)) return -1;
    int64_t m = index->shape[0], k = index->shape[1];
    if (k < 1) return TIDE_FAIL("%s: index has no columns", op);
    if (distance_weights && check_matrix(op, "dist", dist, TIDE_FLOAT64, m, k)) return -1;
    const int64_t *ip = (const int64_t *)tide_elem_ptr(index);
    for (int64_t e = 0; e < m * k; e++)
        if (ip[e] < 0 || ip[e] >= n)
            return TIDE_FAIL("%s: index holds %lld, outside [0, %lld)", op, (long long)ip[e], (long long)n);
    if (distance_weights) {
        const double *dp = (const double *)tide_elem_ptr(dist);
        for (int64_t e = 0; e < m * k; e++)
            if (!(dp[e] >= 0)) return TIDE_FAIL("%s: dist holds a negative or NaN distance", op);
    }
    return 0;
}

int tide_knn_vote(const tide_tensor *index, const tide_tensor *dist, const tide_tensor *codes, tide_tensor *proba,
                  int distance_weights) {
    const char *op = "knn_vote";
    if (!codes || codes->dtype != TIDE_INT64 || codes->ndim != 1 || !tide_tensor_is_contiguous(codes))
        return TIDE_FAIL("%s: codes must be a contiguous 1-d int64 tensor", op);
    int64_t n = codes->shape[0];
    if (check_neighbours(op, index, dist, distance_weights, n)) return -1;
    int64_t m = index->shape[0], k = index->shape[1];
    if (check_matrix(op, "proba", proba, TIDE_FLOAT64, m, -1)) return -1;
    int64_t nc = proba->shape[1];
    const int64_t *cp = (const int64_t *)tide_elem_ptr(codes);
    for (int64_t j = 0; j < n; j++)
        if (cp[j] < 0 || cp[j] >= nc)
            return TIDE_FAIL("%s: codes holds %lld, outside [0, %lld)", op, (long long)cp[j], (long long)nc);
    const int64_t *ip = (const int64_t *)tide_elem_ptr(index);
    const double *dp = distance_weights ? (const double *)tide_elem_ptr(dist) : NULL;
    double *out = (double *)tide_elem_ptr(proba);
    double *w = malloc((size_t)k * sizeof(double));
    if (!w) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    for (int64_t i = 0; i < m; i++) {
        double *row = out + i * nc;
        for (int64_t c = 0; c < nc; c++) row[c] = 0;
        row_weights(dp, i, k, distance_weights, w);
        for (int64_t c = 0; c < k; c++) row[cp[ip[i * k + c]]] += w[c];
        double total = 0;
        for (int64_t c = 0; c < nc; c++) total += row[c];
        if (total == 0) total = 1;
        for (int64_t c = 0; c < nc; c++) row[c] /= total;
    }
    free(w);
    return 0;
}

int tide_knn_average(const tide_tensor *index, const tide_tensor *dist, const tide_tensor *y, tide_tensor *out,
                     int distance_weights) {
    const char *op = "knn_average";
    if (!y || y->dtype != TIDE_FLOAT64 || y->ndim != 1 || !tide_tensor_is_contiguous(y))
        return TIDE_FAIL("%s: y must be a contiguous 1-d float64 tensor", op);
    if (check_neighbours(op, index, dist, distance_weights, y->shape[0])) return -1;
    int64_t m = index->shape[0], k = index->shape[1];
    if (check_vector(op, "out", out, TIDE_FLOAT64, m)) return -1;
    const int64_t *ip = (const int64_t *)tide_elem_ptr(index);
    const double *dp = distance_weights ? (const double *)tide_elem_ptr(dist) : NULL;
    const double *yp = (const double *)tide_elem_ptr(y);
    double *op_ = (double *)tide_elem_ptr(out);
    double *w = malloc((size_t)k * sizeof(double));
    if (!w) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    for (int64_t i = 0; i < m; i++) {
        row_weights(dp, i, k, distance_weights, w);
        double num = 0, den = 0;
        for (int64_t c = 0; c < k; c++) num += w[c] * yp[ip[i * k + c]], den += w[c];
        op_[i] = distance_weights ? num / den : num / (double)k;
    }
    free(w);
    return 0;
}
