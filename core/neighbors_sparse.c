/* neighbors_sparse.c — the k-NN search of CSR training data (see tide/neighbors.h): euclidean and
 * cosine distances through the transposed training data (each query row touches only the stored
 * values of its own columns), the other metrics by walking every stored value against a dense
 * copy of the query row. Both run in parallel over query rows, one (distance, index) heap each;
 * equal distances keep the lower training index.
 */
#include "neighbors_internal.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* CSR training data, euclidean or cosine: the dot products of a query row with every training row
 * through the transposed training data (one pass over the columns the query uses), then
 *   euclidean  ||q||^2 + ||x||^2 - 2 q.x   (clipped at 0; float64, as scikit-learn computes it)
 *   cosine     1 - q.x / (|q| |x|)
 * for every training row. A query row costs the stored values of its columns plus n, instead of
 * every stored value of the training data. */
int knn_search_sparse_index(const char *op, const search *s) {
    const tide_csr *x = s->xs;
    int64_t n = s->n, d = s->d, k = s->k;
    bool cosine = s->metric == TIDE_KNN_COSINE;
    int64_t *colptr = malloc((size_t)(d + 1) * sizeof(int64_t));
    int32_t *rowidx = malloc((size_t)(x->nnz > 0 ? x->nnz : 1) * sizeof(int32_t));
    double *vals = malloc((size_t)(x->nnz > 0 ? x->nnz : 1) * sizeof(double));
    double *xx = malloc((size_t)n * sizeof(double));
    int nth = tide_threads_for(s->m * (n + x->nnz / (d > 0 ? d : 1)));
    if (nth < 1) nth = 1;
    /* per thread: heap [k] keys and indices, dot [n], touched [n], mark [n]; 8-byte aligned */
    size_t per = ((size_t)k * 16 + (size_t)n * 13 + 7) / 8 * 8;
    char *scratch = malloc(per * (size_t)nth);
    int status = 0;
    if (!colptr || !rowidx || !vals || !xx || !scratch)
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    else if (tide_csr_transpose(x, colptr, rowidx, vals))
        status = -1;
    if (status) {
        free(colptr), free(rowidx), free(vals), free(xx), free(scratch);
        return status;
    }
    for (int64_t j = 0; j < n; j++) {
        double t = 0;
        for (int64_t e = x->indptr[j]; e < x->indptr[j + 1]; e++) t += x->data[e] * x->data[e];
        xx[j] = cosine ? sqrt(t) : t;
    }
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        char *mine = scratch + per * (size_t)omp_get_thread_num();
        heap h = {(double *)mine, (int64_t *)(mine + (size_t)k * 8), 0, k};
        double *dot = (double *)(mine + (size_t)k * 16);      /* [n], zero between query rows */
        int32_t *touched = (int32_t *)(dot + n);              /* [nt] rows the query row reached */
        char *mark = (char *)(touched + n);                   /* [n] 1 for the touched rows */
        memset(dot, 0, (size_t)n * 8);
        memset(mark, 0, (size_t)n);
#pragma omp for schedule(dynamic, 16)
        for (int64_t i = 0; i < s->m; i++) {
            int64_t nt = 0;
            double qq = 0;
            /* the query's nonzeros: CSR entries, or the nonzero cells of a dense row */
            int64_t e0 = s->qd ? 0 : s->qs->indptr[i], e1 = s->qd ? d : s->qs->indptr[i + 1];
            for (int64_t e = e0; e < e1; e++) {
                int64_t j = s->qd ? e : s->qs->indices[e];
                double v = s->qd ? s->qd[i * d + e] : s->qs->data[e];
                if (v == 0) continue;
                qq += v * v;
                for (int64_t c = colptr[j]; c < colptr[j + 1]; c++) {
                    int32_t r = rowidx[c];
                    if (!mark[r]) mark[r] = 1, touched[nt++] = r;
                    dot[r] += v * vals[c];
                }
            }
            double qnorm = sqrt(qq);
            h.len = 0;
            for (int64_t j = 0; j < n; j++) {
                if (s->exclude_self && j == i) continue;
                double r;
                if (cosine) {
                    double den = qnorm * xx[j];
                    r = 1.0 - (den > 0 ? dot[j] / den : 0.0);
                    r = r < 0 ? 0 : r > 2 ? 2 : r;
                } else {
                    r = qq + xx[j] - 2.0 * dot[j];
                    if (r < 0) r = 0;
                }
                if (h.len < h.cap || pair_less(r, j, h.key[0], h.idx[0])) heap_push(&h, r, j);
            }
            knn_emit_row(s, &h, i);
            for (int64_t t = 0; t < nt; t++) dot[touched[t]] = 0, mark[touched[t]] = 0;
        }
    }
    free(colptr), free(rowidx), free(vals), free(xx), free(scratch);
    return 0;
}

/* CSR training data: exact distances, one query row at a time scattered into a dense vector.
 * With v the dense query row and x a sparse training row:
 *   euclidean  ||v||^2 + sum_{j in x} ((v_j - x_j)^2 - v_j^2)
 *   manhattan  sum |v| + sum_{j in x} (|v_j - x_j| - |v_j|)      (minkowski: p-th powers)
 *   cosine     1 - v.x / (|v| |x|) */
int knn_search_sparse_scan(const char *op, const search *s) {
    const tide_csr *x = s->xs;
    int64_t n = s->n, d = s->d, k = s->k;
    int metric = s->metric;
    double p = s->p;
    double *xnorm = NULL;
    if (metric == TIDE_KNN_COSINE) {
        xnorm = malloc((size_t)n * sizeof(double));
        if (!xnorm) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        for (int64_t j = 0; j < n; j++) {
            double t = 0;
            for (int64_t e = x->indptr[j]; e < x->indptr[j + 1]; e++) t += x->data[e] * x->data[e];
            xnorm[j] = sqrt(t);
        }
    }
    int nth = tide_threads_for(s->m * (x->nnz + n));
    if (nth < 1) nth = 1;
    size_t per = (size_t)d * 8 + (size_t)k * 16;
    char *scratch = malloc(per * (size_t)nth);
    if (!scratch) {
        free(xnorm);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        int t = omp_get_thread_num();
        char *mine = scratch + per * (size_t)t;
        double *v = (double *)mine;
        heap h = {(double *)(mine + (size_t)d * 8), (int64_t *)(mine + (size_t)d * 8 + (size_t)k * 8), 0, k};
        memset(v, 0, (size_t)d * 8);
#pragma omp for schedule(dynamic, 16)
        for (int64_t i = 0; i < s->m; i++) {
            const double *q = v;
            if (s->qd)
                q = s->qd + i * d;
            else
                for (int64_t e = s->qs->indptr[i]; e < s->qs->indptr[i + 1]; e++) v[s->qs->indices[e]] = s->qs->data[e];
            double base = 0, qq = 0;
            if (s->qd || metric != TIDE_KNN_COSINE) {
                /* whole-row sums over the dense query vector (sparse queries: their values only) */
                if (s->qd)
                    for (int64_t j = 0; j < d; j++) {
                        double a = fabs(q[j]);
                        qq += a * a;
                        base += metric == TIDE_KNN_EUCLIDEAN ? a * a : metric == TIDE_KNN_MANHATTAN ? a : pow(a, p);
                    }
                else
                    for (int64_t e = s->qs->indptr[i]; e < s->qs->indptr[i + 1]; e++) {
                        double a = fabs(s->qs->data[e]);
                        qq += a * a;
                        base += metric == TIDE_KNN_EUCLIDEAN ? a * a : metric == TIDE_KNN_MANHATTAN ? a : pow(a, p);
                    }
            } else
                for (int64_t e = s->qs->indptr[i]; e < s->qs->indptr[i + 1]; e++) qq += s->qs->data[e] * s->qs->data[e];
            double qnorm = sqrt(qq);
            h.len = 0;
            for (int64_t j = 0; j < n; j++) {
                if (s->exclude_self && j == i) continue;
                double r = 0;
                const int32_t *col = x->indices + x->indptr[j];
                const double *val = x->data + x->indptr[j];
                int64_t cnt = x->indptr[j + 1] - x->indptr[j];
                switch (metric) {
                case TIDE_KNN_EUCLIDEAN:
                    r = base;
                    for (int64_t e = 0; e < cnt; e++) {
                        double a = q[col[e]], t = a - val[e];
                        r += t * t - a * a;
                    }
                    if (r < 0) r = 0;
                    break;
                case TIDE_KNN_MANHATTAN:
                    r = base;
                    for (int64_t e = 0; e < cnt; e++) {
                        double a = q[col[e]];
                        r += fabs(a - val[e]) - fabs(a);
                    }
                    if (r < 0) r = 0;
                    break;
                case TIDE_KNN_COSINE: {
                    double dot = 0;
                    for (int64_t e = 0; e < cnt; e++) dot += q[col[e]] * val[e];
                    double den = qnorm * xnorm[j];
                    r = 1.0 - (den > 0 ? dot / den : 0.0);
                    r = r < 0 ? 0 : r > 2 ? 2 : r;
                    break;
                }
                default:
                    r = base;
                    for (int64_t e = 0; e < cnt; e++) {
                        double a = q[col[e]];
                        r += pow(fabs(a - val[e]), p) - pow(fabs(a), p);
                    }
                    if (r < 0) r = 0;
                    break;
                }
                if (h.len < h.cap || pair_less(r, j, h.key[0], h.idx[0])) heap_push(&h, r, j);
            }
            knn_emit_row(s, &h, i);
            if (!s->qd)
                for (int64_t e = s->qs->indptr[i]; e < s->qs->indptr[i + 1]; e++) v[s->qs->indices[e]] = 0;
        }
    }
    free(scratch);
    free(xnorm);
    return 0;
}
