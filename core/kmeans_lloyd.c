/* kmeans_lloyd.c — Lloyd's k-means iteration, tide_kmeans_lloyd (see tide/cluster.h), with the
 * semantics of scikit-learn's _kmeans_single_lloyd, accelerated with triangle-inequality bounds
 * so that most rows cost a few comparisons instead of k distances once the clusters settle.
 *
 * Each row keeps an upper bound on the distance to its centre and lower bounds on the distances
 * to the other centres: one per centre (Elkan 2003) while n x k of them fit in memory, else one
 * for all (Hamerly 2010). When the centres move by p[c], the upper bound grows by p[label] and
 * each lower bound shrinks by its centre's move (Hamerly: the largest move of another centre).
 * A row whose upper bound is below every lower bound or half-distance between centres cannot
 * change its label and is skipped; else the upper bound is tightened to the exact distance and
 * the test repeated. The remaining rows get all k distances from the same tile kernel and
 * argmin as a plain Lloyd pass (||c||^2 - 2 x.c, ties to the lowest id), so the labels are those
 * of the plain iteration; the tests carry a margin for the rounding of computed distances.
 * Centre sums are updated incrementally, by the rows that changed label (rebuilt from scratch
 * on the first iteration and after an empty cluster was refilled), per block of rows and
 * reduced in block order: the result does not depend on the thread count.
 */
#include "kmeans_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

int64_t km_elkan_limit = (int64_t)1 << 24; /* 128 MB of bounds */

/* One assignment pass. */
typedef struct lloyd {
    const kdata *D;
    const scratch *s;
    const double *w;          /* sample weights [n] or NULL */
    const double *cd, *cn;    /* centres [k, d] and their squared norms [k] */
    const double *half;       /* [k] half the distance from each centre to the nearest other one */
    const double *pair_half;  /* Elkan: [k, k] half the distance between each two centres */
    const double *move;       /* [k] how far each centre moved in the last update */
    double move_max, move_second; /* the largest move, and the largest of the other centres */
    int64_t move_arg;             /* whose move is move_max */
    const double *x_sq;       /* [n] squared row norms */
    double *upper;            /* [n] upper bound on the distance to the own centre */
    double *lower;            /* Hamerly: [n] lower bound on the distance to any other centre;
                                 Elkan: [n, k] one per centre */
    int64_t *labels;          /* [n] */
    double *delta;            /* per row block [k * d + k]: sum changes; NULL = labels only */
    int64_t *changed;         /* per row block: rows whose label changed */
    double eps;               /* relative rounding allowance of a computed squared distance */
    double cn_max;
    int64_t k;
    bool full;                /* every row from scratch (no bounds; delta gets every row) */
    bool elkan;               /* per-centre lower bounds (when n k is small enough to hold) */
} lloyd;

/* dst[0..d) += a * x_i */
static void add_row(const kdata *D, int64_t i, double a, double *dst) {
    int64_t d = D->d;
    if (D->xs) {
        for (int64_t p = D->xs->indptr[i]; p < D->xs->indptr[i + 1]; p++) dst[D->xs->indices[p]] += a * D->xs->data[p];
    } else if (D->xf) {
        const float *x = D->xf + i * d;
        for (int64_t j = 0; j < d; j++) dst[j] += a * x[j];
    } else {
        const double *x = D->xd + i * d;
        for (int64_t j = 0; j < d; j++) dst[j] += a * x[j];
    }
}

/* All k distances for cnt rows: new labels, fresh bounds, sum changes. */
static void full_rows(const lloyd *L, const int64_t *rows, int cnt, double *dots, double *delta, int64_t *changed) {
    int64_t k = L->k, kd = k * L->D->d;
    km_tile_dots(L->D, L->s, L->cd, k, rows, cnt, dots);
    for (int r = 0; r < cnt; r++) {
        int64_t i = rows[r], best = 0;
        const double *dr = dots + r * k;
        double b0 = INFINITY, s0 = INFINITY; /* the smallest and second smallest ||c||^2 - 2 x.c */
        for (int64_t c = 0; c < k; c++) {
            double v = L->cn[c] - 2 * dr[c];
            if (v < b0) {
                s0 = b0;
                b0 = v;
                best = c;
            } else if (v < s0)
                s0 = v;
        }
        double ub = b0 + L->x_sq[i], lb = s0 + L->x_sq[i];
        L->upper[i] = sqrt(ub > 0 ? ub : 0);
        if (L->elkan) {
            double *lr = L->lower + i * k;
            for (int64_t c = 0; c < k; c++) {
                double v = L->cn[c] - 2 * dr[c] + L->x_sq[i];
                lr[c] = sqrt(v > 0 ? v : 0);
            }
        } else
            L->lower[i] = k > 1 ? sqrt(lb > 0 ? lb : 0) : INFINITY;
        int64_t old = L->labels[i];
        if (best != old) {
            L->labels[i] = best;
            (*changed)++;
        }
        if (!delta) continue;
        double wi = L->w ? L->w[i] : 1.0;
        if (L->full) {
            add_row(L->D, i, wi, delta + best * L->D->d);
            delta[kd + best] += wi;
        } else if (best != old) {
            add_row(L->D, i, -wi, delta + old * L->D->d);
            delta[kd + old] -= wi;
            add_row(L->D, i, wi, delta + best * L->D->d);
            delta[kd + best] += wi;
        }
    }
}

/* Hamerly: move the row's bounds with the centres; true when its label cannot change (after
 * tightening the upper bound to the exact distance if needed). */
static bool hamerly_skips(const lloyd *L, int64_t i) {
    int64_t a = L->labels[i];
    double u = L->upper[i] + L->move[a];
    double lo = L->lower[i] - (a == L->move_arg ? L->move_second : L->move_max);
    double g = sqrt(L->eps * (L->x_sq[i] + L->cn_max)); /* rounding margin */
    double m = L->half[a] > lo ? L->half[a] : lo;
    L->upper[i] = u;
    L->lower[i] = lo;
    if (u + g <= m) return true;
    u = sqrt(km_row_sqdist(L->D, i, L->cd + a * L->D->d, L->cn[a])); /* tighten */
    L->upper[i] = u;
    return u + g <= m;
}

/* Elkan: the same with one lower bound per centre, each moved by that centre's own move and
 * paired with half the distance between the two centres. */
static bool elkan_skips(const lloyd *L, int64_t i) {
    int64_t a = L->labels[i], k = L->k;
    double *lr = L->lower + i * k;
    const double *ph = L->pair_half + a * k;
    double u = L->upper[i] + L->move[a];
    double g = sqrt(L->eps * (L->x_sq[i] + L->cn_max));
    bool open = false; /* some other centre might be nearer */
    for (int64_t c = 0; c < k; c++) {
        lr[c] -= L->move[c];
        if (c != a && u + g > lr[c] && u + g > ph[c]) open = true;
    }
    L->upper[i] = u;
    if (!open) return true;
    u = sqrt(km_row_sqdist(L->D, i, L->cd + a * L->D->d, L->cn[a]));
    L->upper[i] = u;
    for (int64_t c = 0; c < k; c++)
        if (c != a && u + g > lr[c] && u + g > ph[c]) return false;
    return true;
}

/* The rows are cut into nblocks contiguous blocks, handed out dynamically (a thread slowed by
 * other processes does fewer), each with its own sum changes and count, reduced in block order
 * afterwards: the result does not depend on the schedule or the thread count. */
static void assign_pass(const lloyd *L, int nt, int64_t nblocks) {
    const kdata *D = L->D;
    int64_t n = D->n, k = L->k;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (int64_t b = 0; b < nblocks; b++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        double *dots = L->s->dots + (size_t)tid * (size_t)(TILE * k);
        double *delta = L->delta ? L->delta + (size_t)b * (size_t)(k * D->d + k) : NULL;
        int64_t *changed = L->changed + b;
        int64_t rows[TILE], i0 = n * b / nblocks, i1 = n * (b + 1) / nblocks;
        int cnt = 0;
        for (int64_t i = i0; i < i1; i++) {
            if (!L->full && (L->elkan ? elkan_skips(L, i) : hamerly_skips(L, i))) continue;
            rows[cnt++] = i;
            if (cnt == TILE) {
                full_rows(L, rows, cnt, dots, delta, changed);
                cnt = 0;
            }
        }
        if (cnt) full_rows(L, rows, cnt, dots, delta, changed);
    }
}

/* half[c] = half the distance from centre c to the nearest other centre (infinity when k = 1);
 * pair_half [k, k] (may be NULL) half the distance between every two centres. */
static void half_gaps(const double *cd, int64_t k, int64_t d, double *half, double *pair_half) {
    for (int64_t c = 0; c < k; c++) half[c] = INFINITY;
    if (pair_half) for (int64_t c = 0; c < k; c++) pair_half[c * k + c] = 0;
    for (int64_t a = 0; a < k; a++)
        for (int64_t b = a + 1; b < k; b++) {
            double s = 0;
            for (int64_t j = 0; j < d; j++) {
                double t = cd[a * d + j] - cd[b * d + j];
                s += t * t;
            }
            double h = 0.5 * sqrt(s);
            if (pair_half) pair_half[a * k + b] = pair_half[b * k + a] = h;
            if (h < half[a]) half[a] = h;
            if (h < half[b]) half[b] = h;
        }
}

/* Clusters left empty by an assignment take the points farthest from their own (old) centre,
 * the farthest first, as scikit-learn's _relocate_empty_clusters_dense: the point's weighted
 * row moves from its cluster's sum to the empty cluster's (its label stays). sums [k, d],
 * wsum [k]. Returns the number of clusters refilled, or -1 when out of memory. */
static int64_t relocate_empty(const kdata *D, const double *w, const double *cd_old, const double *cn_old,
                              const int64_t *labels, int64_t k, double *sums, double *wsum) {
    int64_t n_empty = 0, n = D->n, d = D->d, moved = 0;
    for (int64_t c = 0; c < k; c++) n_empty += wsum[c] == 0;
    if (n_empty == 0) return 0;
    double *far = malloc((size_t)n * sizeof(double));
    double *row = malloc((size_t)d * sizeof(double));
    if (!far || !row) {
        free(far);
        free(row);
        return -1;
    }
    int nt = tide_threads_for(n * d);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t i = 0; i < n; i++) far[i] = km_row_sqdist(D, i, cd_old + labels[i] * d, cn_old[labels[i]]);
    for (int64_t c = 0; c < k; c++) {
        if (wsum[c] != 0) continue;
        int64_t pick = -1;
        for (int64_t i = 0; i < n; i++)
            if (far[i] >= 0 && (pick < 0 || far[i] > far[pick])) pick = i;
        if (pick < 0) break;
        far[pick] = -1; /* taken */
        double wi = w ? w[pick] : 1.0;
        int64_t old = labels[pick];
        km_row_dense(D, pick, row);
        for (int64_t j = 0; j < d; j++) {
            sums[old * d + j] -= wi * row[j];
            sums[c * d + j] = wi * row[j];
        }
        wsum[c] = wi;
        wsum[old] -= wi;
        moved++;
    }
    free(far);
    free(row);
    return moved;
}

int tide_kmeans_lloyd(const tide_tensor *x, const tide_csr *xs, const double *sample_weight, tide_tensor *centers,
                      tide_tensor *labels, double *inertia, int64_t *n_iter, int64_t max_iter, double tol) {
    const char *op = "kmeans_lloyd";
    kdata D;
    if (km_data_init(op, x, xs, &D) != 0) return -1;
    int64_t k = km_check_centers(op, &D, centers);
    if (k < 0) return -1;
    if (km_check_labels(op, labels, D.n) != 0) return -1;
    if (max_iter < 1) return TIDE_FAIL("%s: max_iter must be >= 1, got %lld", op, (long long)max_iter);
    if (!(tol >= 0)) return TIDE_FAIL("%s: tol must be >= 0", op);
    int64_t n = D.n, d = D.d, kd = k * d;
    scratch s;
    if (km_scratch_init(op, &D, k, &s) != 0) return -1;
    int T = s.nthreads;
    double *cd = malloc((size_t)kd * sizeof(double)), *cd_new = malloc((size_t)kd * sizeof(double));
    /* Elkan's bounds while n x k of them fit in km_elkan_limit values, Hamerly's single bound beyond */
    bool elkan = k > 1 && n * k <= km_elkan_limit;
    int64_t nlow = elkan ? n * k : n;
    double *kbuf = malloc((size_t)(3 * k + (elkan ? k * k : 0)) * sizeof(double));
    double *sums = malloc((size_t)(kd + k) * sizeof(double));
    /* row blocks: up to 64 (fewer when their sums would pass 64 MB), at least one per thread */
    int64_t NB = ((int64_t)64 << 20) / (8 * (kd + k));
    if (NB > 64) NB = 64;
    if (NB > n) NB = n;
    if (NB < T) NB = T;
    double *delta = malloc((size_t)NB * (size_t)(kd + k) * sizeof(double));
    double *nbuf = malloc((size_t)(2 * n + nlow) * sizeof(double));
    int64_t *changed = malloc((size_t)NB * sizeof(int64_t));
    int64_t *lab = (int64_t *)tide_elem_ptr(labels);
    int status = 0;
    if (!cd || !cd_new || !kbuf || !sums || !delta || !nbuf || !changed) {
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    double *cn = kbuf, *half = kbuf + k, *move = kbuf + 2 * k, *pair_half = elkan ? kbuf + 3 * k : NULL;
    double *x_sq = nbuf, *upper = nbuf + n, *lower = nbuf + 2 * n;
    if (tide_kmeans_row_norms(x, xs, x_sq) != 0) {
        status = -1;
        goto done;
    }
    km_load_centers(&D, centers, k, cd);
    for (int64_t i = 0; i < n; i++) lab[i] = -1;
    for (int64_t c = 0; c < k; c++) move[c] = 0;
    /* float32 tiles accumulate in float32: a wider margin for their distances */
    double eps = D.xf ? 64.0 * FLT_EPSILON * sqrt((double)d) : 64.0 * DBL_EPSILON;
    lloyd L = {.D = &D, .s = &s, .w = sample_weight, .cn = cn, .half = half, .move = move, .x_sq = x_sq,
               .upper = upper, .lower = lower, .labels = lab, .changed = changed, .eps = eps, .k = k, .full = true,
               .elkan = elkan, .pair_half = pair_half};
    int64_t per_row = D.xs ? 1 + D.xs->nnz / n : d;
    int nt = tide_threads_for(n * per_row * (1 + k / 4));
    if (nt > T) nt = T;
    bool strict = false;
    int64_t it = 0;
    while (it < max_iter) {
        it++;
        km_center_norms(cd, k, d, cn);
        L.cn_max = 0;
        for (int64_t c = 0; c < k; c++) L.cn_max = cn[c] > L.cn_max ? cn[c] : L.cn_max;
        half_gaps(cd, k, d, half, pair_half);
        km_prepare_centers(&D, &s, cd, k);
        L.cd = cd;
        L.delta = delta;
        memset(delta, 0, (size_t)NB * (size_t)(kd + k) * sizeof(double));
        memset(changed, 0, (size_t)NB * sizeof(int64_t));
        assign_pass(&L, nt, NB);
        if (L.full) memset(sums, 0, (size_t)(kd + k) * sizeof(double));
        int64_t n_changed = 0;
        for (int64_t b = 0; b < NB; b++) { /* reduce in block order */
            const double *src = delta + (size_t)b * (size_t)(kd + k);
            for (int64_t m = 0; m < kd + k; m++) sums[m] += src[m];
            n_changed += changed[b];
        }
        double *wsum = sums + kd;
        int64_t refilled = relocate_empty(&D, sample_weight, cd, cn, lab, k, sums, wsum);
        if (refilled < 0) {
            status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
            goto done;
        }
        double shift = 0;
        for (int64_t c = 0; c < k; c++) {
            double mc = 0;
            for (int64_t j = 0; j < d; j++) {
                double v = wsum[c] > 0 ? sums[c * d + j] / wsum[c] : cd[c * d + j];
                double t = v - cd[c * d + j];
                mc += t * t;
                cd_new[c * d + j] = v;
            }
            move[c] = sqrt(mc);
            shift += mc;
        }
        double *tmp = cd;
        cd = cd_new;
        cd_new = tmp;
        L.move_max = L.move_second = 0;
        L.move_arg = -1;
        for (int64_t c = 0; c < k; c++) {
            if (move[c] > L.move_max) {
                L.move_second = L.move_max;
                L.move_max = move[c];
                L.move_arg = c;
            } else if (move[c] > L.move_second)
                L.move_second = move[c];
        }
        /* a refilled cluster leaves sums that no longer follow the labels: rebuild next time */
        L.full = refilled > 0;
        if (n_changed == 0) {
            strict = true;
            break;
        }
        if (shift <= tol) break;
    }
    km_center_norms(cd, k, d, cn);
    if (!strict) { /* labels for the final centres */
        L.cn_max = 0;
        for (int64_t c = 0; c < k; c++) L.cn_max = cn[c] > L.cn_max ? cn[c] : L.cn_max;
        half_gaps(cd, k, d, half, pair_half);
        km_prepare_centers(&D, &s, cd, k);
        L.cd = cd;
        L.delta = NULL;
        memset(changed, 0, (size_t)NB * sizeof(int64_t));
        assign_pass(&L, nt, NB);
    }
    if (inertia) *inertia = km_inertia(&D, sample_weight, cd, cn, lab);
    if (n_iter) *n_iter = it;
    km_store_centers(&D, cd, k, centers);
done:
    km_scratch_free(&s);
    free(cd);
    free(cd_new);
    free(kbuf);
    free(sums);
    free(delta);
    free(nbuf);
    free(changed);
    return status;
}
