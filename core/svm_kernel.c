/* svm_kernel.c — kernel values for SVM training: the kernel over a training subset in the
 * solver's (shrinking-permuted) order, one row of K at a time, and libsvm's k_function for
 * single pairs. Rows of K are parallel over their entries when the kernel may use OpenMP. */
#include "svm_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A buffer the kernel streams through once per row of K: from 4 MB on, 2 MB aligned and
 * advised to transparent huge pages (NumPy does the same for its arrays; with 4 KB pages the
 * TLB misses of a pass over X cost as much as the arithmetic). Release with free(). */
void *svm_big_alloc(size_t bytes) {
    const size_t huge = (size_t)2 << 20;
    if (bytes < 2 * huge) return malloc(bytes ? bytes : 1);
    void *p = NULL;
    size_t rounded = (bytes + huge - 1) / huge * huge;
    if (posix_memalign(&p, huge, rounded) != 0) return malloc(bytes);
#ifdef MADV_HUGEPAGE
    madvise(p, rounded, MADV_HUGEPAGE);
#endif
    return p;
}

/* a . b with four independent vector accumulators: one accumulator would wait on the
 * multiply-add latency at every step (the loop then runs at a quarter of its load rate) */
typedef double v8d __attribute__((vector_size(64)));

static inline double dot_dense(const double *a, const double *b, int64_t d) {
    v8d s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    int64_t t = 0;
    for (; t + 32 <= d; t += 32) {
        v8d a0, a1, a2, a3, b0, b1, b2, b3;
        memcpy(&a0, a + t, sizeof a0);
        memcpy(&a1, a + t + 8, sizeof a1);
        memcpy(&a2, a + t + 16, sizeof a2);
        memcpy(&a3, a + t + 24, sizeof a3);
        memcpy(&b0, b + t, sizeof b0);
        memcpy(&b1, b + t + 8, sizeof b1);
        memcpy(&b2, b + t + 16, sizeof b2);
        memcpy(&b3, b + t + 24, sizeof b3);
        s0 += a0 * b0;
        s1 += a1 * b1;
        s2 += a2 * b2;
        s3 += a3 * b3;
    }
    for (; t + 8 <= d; t += 8) {
        v8d a0, b0;
        memcpy(&a0, a + t, sizeof a0);
        memcpy(&b0, b + t, sizeof b0);
        s0 += a0 * b0;
    }
    v8d v = (s0 + s1) + (s2 + s3);
    double s = ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
    for (; t < d; t++) s += a[t] * b[t];
    return s;
}

/* sparse row r of x dotted with the dense vector w [d] */
static inline double dot_csr_dense(const tide_csr *x, int64_t r, const double *w) {
    double s = 0;
    for (int64_t q = x->indptr[r]; q < x->indptr[r + 1]; q++) s += x->data[q] * w[x->indices[q]];
    return s;
}

/* the kernel from a dot product and (rbf) the two squared norms */
static inline double kernel_from_dot(const svm_kernel *k, double dot, double sqi, double sqj) {
    switch (k->type) {
    case TIDE_SVM_POLY: return svm_powi(k->gamma * dot + k->coef0, k->degree);
    case TIDE_SVM_RBF: return exp(-k->gamma * (sqi + sqj - 2 * dot));
    case TIDE_SVM_SIGMOID: return tanh(k->gamma * dot + k->coef0);
    default: return dot;
    }
}

int svm_kernel_init(svm_kernel *k, const svm_data *data, const int64_t *rows, int64_t l, const tide_svm_params *p,
                    int parallel, const svm_blocks *blocks) {
    memset(k, 0, sizeof *k);
    k->type = p->kernel;
    k->degree = p->degree;
    k->gamma = p->gamma;
    k->coef0 = p->coef0;
    k->l = l;
    k->d = data->d;
    k->parallel = parallel;
    int64_t d = data->d;
    size_t ln = (size_t)(l > 0 ? l : 1);
    k->sq = malloc(ln * sizeof(double));
    if (!k->sq) goto oom;
    if (blocks && data->x) {
        k->side = malloc(ln);
        k->local = malloc(ln * sizeof(int64_t));
        k->jbuf = malloc(ln * sizeof(int64_t));
        k->dbuf = malloc(ln * sizeof(double));
        if (!k->side || !k->local || !k->jbuf || !k->dbuf) goto oom;
        memcpy(k->side, blocks->side, (size_t)l);
        memcpy(k->local, blocks->local, (size_t)l * sizeof(int64_t));
        for (int s = 0; s < 2; s++) {
            k->blk[s] = blocks->blk[s];
            k->bn[s] = blocks->n[s];
        }
    }
    if (data->x) {
        k->xd = svm_big_alloc((size_t)(l * d) * sizeof(double));
        if (!k->xd) goto oom;
        for (int64_t i = 0; i < l; i++) {
            memcpy(k->xd + i * d, data->x + rows[i] * d, (size_t)d * sizeof(double));
            k->sq[i] = dot_dense(k->xd + i * d, k->xd + i * d, d);
        }
    } else {
        k->csr = data->csr;
        k->row = malloc((size_t)(l > 0 ? l : 1) * sizeof(int64_t));
        k->scatter = calloc((size_t)(d > 0 ? d : 1), sizeof(double));
        if (!k->row || !k->scatter) goto oom;
        for (int64_t i = 0; i < l; i++) {
            int64_t r = rows[i];
            k->row[i] = r;
            double s = 0;
            for (int64_t q = data->csr->indptr[r]; q < data->csr->indptr[r + 1]; q++)
                s += data->csr->data[q] * data->csr->data[q];
            k->sq[i] = s;
        }
    }
    return 0;
oom:
    svm_kernel_free(k);
    tide_fail(TIDE_ENOMEM, "svm: out of memory for the kernel of %lld rows", (long long)l);
    return -1;
}

void svm_kernel_free(svm_kernel *k) {
    free(k->xd);
    free(k->row);
    free(k->sq);
    free(k->scatter);
    free(k->side);
    free(k->local);
    free(k->jbuf);
    free(k->dbuf);
    k->xd = NULL;
    k->row = NULL;
    k->sq = NULL;
    k->scatter = NULL;
    k->side = NULL;
    k->local = NULL;
    k->jbuf = NULL;
    k->dbuf = NULL;
}

void svm_kernel_swap(svm_kernel *k, int64_t i, int64_t j) {
    if (i == j) return;
    double t = k->sq[i];
    k->sq[i] = k->sq[j];
    k->sq[j] = t;
    if (k->side) {
        signed char s = k->side[i];
        k->side[i] = k->side[j];
        k->side[j] = s;
        int64_t q = k->local[i];
        k->local[i] = k->local[j];
        k->local[j] = q;
    }
    if (k->xd) {
        double *a = k->xd + i * k->d, *b = k->xd + j * k->d;
        for (int64_t c = 0; c < k->d; c++) {
            double v = a[c];
            a[c] = b[c];
            b[c] = v;
        }
    } else {
        int64_t r = k->row[i];
        k->row[i] = k->row[j];
        k->row[j] = r;
    }
}

double svm_kernel_diag(const svm_kernel *k, int64_t i) {
    double dot;
    if (k->xd)
        dot = dot_dense(k->xd + i * k->d, k->xd + i * k->d, k->d);
    else
        dot = k->sq[i];
    return kernel_from_dot(k, dot, k->sq[i], k->sq[i]);
}

/* out[t] = K(i, js[t]) (js NULL: js[t] = j0 + t) for t < m over the dense rows: one vectorised
 * dot product per row (blocking four rows per pass measured slower: more concurrent streams
 * through memory for no fewer bytes) */
static TIDE_HOT void dense_dots(const svm_kernel *k, int64_t i, int64_t j0, const int64_t *js, int64_t m, double *out) {
    int64_t d = k->d;
    const double *xi = k->xd + i * d, *X = k->xd;
    double sqi = k->sq[i];
    for (int64_t t = 0; t < m; t++) {
        int64_t j = js ? js[t] : j0 + t;
        out[t] = kernel_from_dot(k, dot_dense(xi, X + j * d, d), sqi, k->sq[j]);
    }
}

/* out[j - start] = K(i, j), j in [start, end). Dense: each entry a dot product of two
 * contiguous rows (d doubles), or a lookup in the within-class block; sparse: row i is
 * scattered into a dense [d] buffer once and each row j costs its stored values. */
void svm_kernel_row(svm_kernel *k, int64_t i, int64_t start, int64_t end, double *out) {
    int64_t n = end - start;
    if (n <= 0) return;
    int64_t d = k->d;
    double sqi = k->sq[i];
    if (k->side) { /* same side: the block; the other side: dot products */
        int si = k->side[i];
        const float *bi = k->blk[si] + k->local[i] * k->bn[si];
        int64_t m = 0;
        for (int64_t j = start; j < end; j++) {
            if (k->side[j] == si)
                out[j - start] = bi[k->local[j]];
            else
                k->jbuf[m++] = j;
        }
        dense_dots(k, i, 0, k->jbuf, m, k->dbuf);
        for (int64_t t = 0; t < m; t++) out[k->jbuf[t] - start] = k->dbuf[t];
        return;
    }
    if (k->xd) {
        int nth = k->parallel ? tide_threads_for(n * d) : 1;
        if (nth <= 1) {
            dense_dots(k, i, start, NULL, n, out);
            return;
        }
        int64_t chunk = (n + nth - 1) / nth;
#pragma omp parallel for num_threads(nth) schedule(static)
        for (int64_t j0 = start; j0 < end; j0 += chunk)
            dense_dots(k, i, j0, NULL, (j0 + chunk < end ? j0 + chunk : end) - j0, out + (j0 - start));
        return;
    }
    const tide_csr *x = k->csr;
    double *w = k->scatter;
    int64_t ri = k->row[i];
    for (int64_t q = x->indptr[ri]; q < x->indptr[ri + 1]; q++) w[x->indices[q]] = x->data[q];
    int64_t work = n * (x->rows > 0 ? x->nnz / x->rows + 1 : 1);
    int nth = k->parallel ? tide_threads_for(work) : 1;
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t j = start; j < end; j++)
        out[j - start] = kernel_from_dot(k, dot_csr_dense(x, k->row[j], w), sqi, k->sq[j]);
    for (int64_t q = x->indptr[ri]; q < x->indptr[ri + 1]; q++) w[x->indices[q]] = 0;
}

/* ---------------------------------------------------------------- k_function */

/* sum over the merged stored columns of two sparse rows: dot (sqdiff = 0) or |a - b|^2 */
static double csr_pair(const tide_csr *x, int64_t a, const tide_csr *y, int64_t b, int sqdiff) {
    int64_t p = x->indptr[a], pe = x->indptr[a + 1], q = y->indptr[b], qe = y->indptr[b + 1];
    double s = 0;
    while (p < pe && q < qe) {
        if (x->indices[p] == y->indices[q]) {
            double u = x->data[p++], v = y->data[q++];
            s += sqdiff ? (u - v) * (u - v) : u * v;
        } else if (x->indices[p] > y->indices[q]) {
            if (sqdiff) s += y->data[q] * y->data[q];
            q++;
        } else {
            if (sqdiff) s += x->data[p] * x->data[p];
            p++;
        }
    }
    if (sqdiff) {
        for (; p < pe; p++) s += x->data[p] * x->data[p];
        for (; q < qe; q++) s += y->data[q] * y->data[q];
    }
    return s;
}

/* a sparse row against a dense row */
static double mixed_pair(const tide_csr *x, int64_t a, const double *v, int64_t d, int sqdiff) {
    double s = 0;
    if (!sqdiff) {
        for (int64_t p = x->indptr[a]; p < x->indptr[a + 1]; p++) s += x->data[p] * v[x->indices[p]];
        return s;
    }
    int64_t p = x->indptr[a], pe = x->indptr[a + 1];
    for (int64_t c = 0; c < d; c++) {
        double u = (p < pe && x->indices[p] == c) ? x->data[p++] : 0;
        s += (u - v[c]) * (u - v[c]);
    }
    return s;
}

double svm_kfun(const svm_data *da, int64_t a, const svm_data *db, int64_t b, const tide_svm_params *p) {
    int rbf = p->kernel == TIDE_SVM_RBF;
    int64_t d = da->d;
    double s;
    if (da->x && db->x) {
        const double *u = da->x + a * d, *v = db->x + b * d;
        s = 0;
        if (rbf)
            for (int64_t c = 0; c < d; c++) s += (u[c] - v[c]) * (u[c] - v[c]);
        else
            for (int64_t c = 0; c < d; c++) s += u[c] * v[c];
    } else if (da->csr && db->csr)
        s = csr_pair(da->csr, a, db->csr, b, rbf);
    else if (da->csr)
        s = mixed_pair(da->csr, a, db->x + b * d, d, rbf);
    else
        s = mixed_pair(db->csr, b, da->x + a * d, d, rbf);
    switch (p->kernel) {
    case TIDE_SVM_POLY: return svm_powi(p->gamma * s + p->coef0, p->degree);
    case TIDE_SVM_RBF: return exp(-p->gamma * s);
    case TIDE_SVM_SIGMOID: return tanh(p->gamma * s + p->coef0);
    default: return s;
    }
}

/* out [n, n] (float) = K over the dense rows X [n, d] with squared norms sq [n]: one dgemm per
 * block of rows (called outside any parallel region: BLAS threads itself), then the kernel's
 * transform, serial: an OpenMP region between BLAS calls would leave our idle workers spinning
 * against OpenBLAS's threads. Returns 0, or -1 when out of memory. */
int svm_kernel_gram(const tide_svm_params *p, const double *X, const double *sq, int64_t n, int64_t d, float *out) {
    int64_t rows = ((int64_t)1 << 21) / (n > 0 ? n : 1);
    if (rows < 1) rows = 1;
    if (rows > n) rows = n;
    double *tmp = malloc((size_t)(rows * n > 0 ? rows * n : 1) * sizeof(double));
    if (!tmp) return -1;
    svm_kernel k = {0};
    k.type = p->kernel;
    k.degree = p->degree;
    k.gamma = p->gamma;
    k.coef0 = p->coef0;
    for (int64_t r0 = 0; r0 < n; r0 += rows) {
        int64_t m = r0 + rows < n ? rows : n - r0;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)d, 1.0, X + r0 * d, (int)d, X, (int)d,
                    0.0, tmp, (int)n);
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++)
                out[(r0 + i) * n + j] = (float)kernel_from_dot(&k, tmp[i * n + j], sq[r0 + i], sq[j]);
    }
    free(tmp);
    return 0;
}
