/* sparse.c — CSR matrices (tide/sparse.h): checks, conversions, row selection, transpose and
 * products with dense matrices. Products are parallel over output rows (x @ w) or output
 * columns (x^T @ g), so every sum is taken in the same order whatever the thread count. */
#include "tide/sparse.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static int check_ptr(const tide_csr *x, const char *op) {
    if (!x) return TIDE_FAIL("%s: matrix is NULL", op);
    if (x->rows < 0 || x->cols < 0 || x->nnz < 0) return TIDE_FAIL("%s: negative CSR size", op);
    if (x->cols > INT32_MAX) return TIDE_FAIL("%s: %lld columns exceed the int32 column ids", op, (long long)x->cols);
    if (!x->indptr || (x->nnz > 0 && (!x->indices || !x->data))) return TIDE_FAIL("%s: CSR arrays are NULL", op);
    return 0;
}

int tide_csr_check(const tide_csr *x, const char *op) {
    if (!op) op = "csr";
    if (check_ptr(x, op)) return -1;
    if (x->indptr[0] != 0) return TIDE_FAIL("%s: indptr[1] must be 0, got %lld", op, (long long)x->indptr[0]);
    if (x->indptr[x->rows] != x->nnz)
        return TIDE_FAIL("%s: indptr ends at %lld but there are %lld values", op, (long long)x->indptr[x->rows],
                         (long long)x->nnz);
    for (int64_t i = 0; i < x->rows; i++) {
        int64_t b = x->indptr[i], e = x->indptr[i + 1];
        if (e < b || e > x->nnz) return TIDE_FAIL("%s: indptr decreases or overruns at row %lld", op, (long long)i + 1);
        for (int64_t p = b; p < e; p++) {
            int32_t c = x->indices[p];
            if (c < 0 || c >= x->cols)
                return TIDE_FAIL("%s: row %lld has column id %d outside [0, %lld)", op, (long long)i + 1, (int)c,
                                 (long long)x->cols);
            if (p > b && c <= x->indices[p - 1])
                return TIDE_FAIL("%s: row %lld: column ids must be strictly increasing", op, (long long)i + 1);
        }
    }
    return 0;
}

static int check_dense2(const tide_tensor *t, const char *op, const char *what) {
    if (!t) return TIDE_FAIL("%s: %s is NULL", op, what);
    if (t->dtype != TIDE_FLOAT64) return TIDE_FAIL("%s: %s must be float64", op, what);
    if (t->ndim != 2) return TIDE_FAIL("%s: %s must be 2-d, got %d dims", op, what, (int)t->ndim);
    return 0;
}

/* row-major contiguous, ignoring the strides of size-1 dims (a [d, 1] transpose is contiguous) */
static int is_contig2(const tide_tensor *t) {
    if (t->ndim != 2) return 0;
    int64_t expect = 1;
    for (int d = 1; d >= 0; d--) {
        if (t->shape[d] != 1 && t->stride[d] != expect) return 0;
        expect *= t->shape[d];
    }
    return 1;
}

int64_t tide_csr_count_dense(const tide_tensor *x) {
    if (check_dense2(x, "csr_from_dense", "x")) return -1;
    const double *p = (const double *)tide_elem_ptr(x);
    int64_t n = x->shape[0], d = x->shape[1], count = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++) count += p[i * x->stride[0] + j * x->stride[1]] != 0.0;
    return count;
}

int tide_csr_from_dense(const tide_tensor *x, int64_t *indptr, int32_t *indices, double *data) {
    if (check_dense2(x, "csr_from_dense", "x")) return -1;
    if (x->shape[1] > INT32_MAX) return TIDE_FAIL("csr_from_dense: too many columns for int32 column ids");
    if (!indptr || (!indices && x->numel > 0) || (!data && x->numel > 0)) return TIDE_FAIL("csr_from_dense: output is NULL");
    const double *p = (const double *)tide_elem_ptr(x);
    int64_t n = x->shape[0], d = x->shape[1], k = 0;
    indptr[0] = 0;
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < d; j++) {
            double v = p[i * x->stride[0] + j * x->stride[1]];
            if (v != 0.0) {
                indices[k] = (int32_t)j;
                data[k++] = v;
            }
        }
        indptr[i + 1] = k;
    }
    return 0;
}

typedef struct {
    int64_t col;
    double val;
} coo_entry;

static int cmp_col(const void *a, const void *b) {
    int64_t x = ((const coo_entry *)a)->col, y = ((const coo_entry *)b)->col;
    return (x > y) - (x < y);
}

int64_t tide_csr_from_coo(int64_t rows, int64_t cols, int64_t m, const int64_t *row, const int64_t *col,
                          const double *val, int64_t *indptr, int32_t *indices, double *data) {
    const char *op = "csr_from_coo";
    if (rows < 0 || cols < 0 || m < 0) return TIDE_FAIL("%s: negative size", op);
    if (cols > INT32_MAX) return TIDE_FAIL("%s: %lld columns exceed the int32 column ids", op, (long long)cols);
    if (!indptr || (m > 0 && (!row || !col || !val || !indices || !data))) return TIDE_FAIL("%s: NULL array", op);
    for (int64_t k = 0; k < m; k++) {
        if (row[k] < 0 || row[k] >= rows)
            return TIDE_FAIL("%s: entry %lld has row %lld outside [1, %lld]", op, (long long)k + 1, (long long)row[k] + 1,
                             (long long)rows);
        if (col[k] < 0 || col[k] >= cols)
            return TIDE_FAIL("%s: entry %lld has column %lld outside [1, %lld]", op, (long long)k + 1,
                             (long long)col[k] + 1, (long long)cols);
    }
    /* counting sort by row, then sort each row by column and sum duplicates */
    coo_entry *buf = malloc((size_t)(m > 0 ? m : 1) * sizeof *buf);
    int64_t *next = calloc((size_t)rows + 1, sizeof *next);
    if (!buf || !next) {
        free(buf);
        free(next);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
    for (int64_t k = 0; k < m; k++) next[row[k] + 1]++;
    for (int64_t i = 0; i < rows; i++) next[i + 1] += next[i];
    for (int64_t k = 0; k < m; k++) {
        int64_t at = next[row[k]]++;
        buf[at].col = col[k];
        buf[at].val = val[k];
    }
    int64_t out = 0, start = 0;
    indptr[0] = 0;
    for (int64_t i = 0; i < rows; i++) {
        int64_t end = next[i]; /* after the fill, next[i] is where row i ends */
        qsort(buf + start, (size_t)(end - start), sizeof *buf, cmp_col);
        for (int64_t p = start; p < end; p++) {
            if (out > indptr[i] && indices[out - 1] == (int32_t)buf[p].col) {
                data[out - 1] += buf[p].val;
            } else {
                indices[out] = (int32_t)buf[p].col;
                data[out++] = buf[p].val;
            }
        }
        indptr[i + 1] = out;
        start = end;
    }
    free(buf);
    free(next);
    return out;
}

int tide_csr_to_dense(const tide_csr *x, tide_tensor *out) {
    const char *op = "csr_to_dense";
    if (check_ptr(x, op)) return -1;
    if (!out || out->ndim != 2 || out->shape[0] != x->rows || out->shape[1] != x->cols || !is_contig2(out))
        return TIDE_FAIL("%s: out must be a contiguous [%lld, %lld] tensor", op, (long long)x->rows, (long long)x->cols);
    if (out->dtype != TIDE_FLOAT64 && out->dtype != TIDE_FLOAT32) return TIDE_FAIL("%s: out must be float32 or float64", op);
    int64_t d = x->cols;
    if (out->dtype == TIDE_FLOAT64) {
        double *o = (double *)tide_elem_ptr(out);
        memset(o, 0, (size_t)(x->rows * d) * sizeof *o);
        for (int64_t i = 0; i < x->rows; i++)
            for (int64_t p = x->indptr[i]; p < x->indptr[i + 1]; p++) o[i * d + x->indices[p]] = x->data[p];
    } else {
        float *o = (float *)tide_elem_ptr(out);
        memset(o, 0, (size_t)(x->rows * d) * sizeof *o);
        for (int64_t i = 0; i < x->rows; i++)
            for (int64_t p = x->indptr[i]; p < x->indptr[i + 1]; p++) o[i * d + x->indices[p]] = (float)x->data[p];
    }
    return 0;
}

int64_t tide_csr_rows_nnz(const tide_csr *x, const int64_t *row, int64_t m) {
    const char *op = "csr_rows";
    if (check_ptr(x, op)) return -1;
    if (m < 0 || (m > 0 && !row)) return TIDE_FAIL("%s: bad row list", op);
    int64_t total = 0;
    for (int64_t k = 0; k < m; k++) {
        if (row[k] < 0 || row[k] >= x->rows)
            return TIDE_FAIL("%s: row %lld is outside [1, %lld]", op, (long long)row[k] + 1, (long long)x->rows);
        total += x->indptr[row[k] + 1] - x->indptr[row[k]];
    }
    return total;
}

int tide_csr_take_rows(const tide_csr *x, const int64_t *row, int64_t m, int64_t *indptr, int32_t *indices,
                       double *data) {
    if (tide_csr_rows_nnz(x, row, m) < 0) return -1;
    if (!indptr) return TIDE_FAIL("csr_rows: output is NULL");
    indptr[0] = 0;
    for (int64_t k = 0; k < m; k++) {
        int64_t b = x->indptr[row[k]], len = x->indptr[row[k] + 1] - b;
        if (len > 0) {
            memcpy(indices + indptr[k], x->indices + b, (size_t)len * sizeof *indices);
            memcpy(data + indptr[k], x->data + b, (size_t)len * sizeof *data);
        }
        indptr[k + 1] = indptr[k] + len;
    }
    return 0;
}

int tide_csr_transpose(const tide_csr *x, int64_t *indptr, int32_t *indices, double *data) {
    const char *op = "csr_transpose";
    if (check_ptr(x, op)) return -1;
    if (x->rows > INT32_MAX) return TIDE_FAIL("%s: %lld rows exceed the int32 column ids of the transpose", op, (long long)x->rows);
    if (!indptr || (x->nnz > 0 && (!indices || !data))) return TIDE_FAIL("%s: output is NULL", op);
    memset(indptr, 0, (size_t)(x->cols + 1) * sizeof *indptr);
    for (int64_t p = 0; p < x->nnz; p++) indptr[x->indices[p] + 1]++;
    for (int64_t j = 0; j < x->cols; j++) indptr[j + 1] += indptr[j];
    int64_t *fill = malloc((size_t)(x->cols > 0 ? x->cols : 1) * sizeof *fill);
    if (!fill) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    memcpy(fill, indptr, (size_t)x->cols * sizeof *fill);
    for (int64_t i = 0; i < x->rows; i++) /* rows in order: each column's row ids come out sorted */
        for (int64_t p = x->indptr[i]; p < x->indptr[i + 1]; p++) {
            int64_t at = fill[x->indices[p]]++;
            indices[at] = (int32_t)i;
            data[at] = x->data[p];
        }
    free(fill);
    return 0;
}

static int check_product(const tide_csr *x, const tide_tensor *a, int64_t a_rows, const tide_tensor *out,
                         int64_t out_rows, const char *op) {
    if (check_ptr(x, op) || check_dense2(a, op, "the dense operand") || check_dense2(out, op, "out")) return -1;
    if (!is_contig2(a) || !is_contig2(out)) return TIDE_FAIL("%s: dense operands must be contiguous", op);
    if (a->shape[0] != a_rows)
        return TIDE_FAIL("%s: the dense operand has %lld rows, expected %lld", op, (long long)a->shape[0], (long long)a_rows);
    if (out->shape[0] != out_rows || out->shape[1] != a->shape[1])
        return TIDE_FAIL("%s: out must be [%lld, %lld]", op, (long long)out_rows, (long long)a->shape[1]);
    return 0;
}

int tide_csr_matmul(const tide_csr *x, const tide_tensor *w, tide_tensor *out) {
    if (check_product(x, w, x->cols, out, x->rows, "csr_matmul")) return -1;
    const double *W = (const double *)tide_elem_ptr(w);
    double *O = (double *)tide_elem_ptr(out);
    int64_t k = w->shape[1];
    int nt = tide_threads_for(x->nnz * k);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (int64_t i = 0; i < x->rows; i++) {
        double *o = O + i * k;
        for (int64_t c = 0; c < k; c++) o[c] = 0.0;
        for (int64_t p = x->indptr[i]; p < x->indptr[i + 1]; p++) {
            const double *wr = W + (int64_t)x->indices[p] * k;
            double v = x->data[p];
            for (int64_t c = 0; c < k; c++) o[c] += v * wr[c];
        }
    }
    return 0;
}

int tide_csr_t_matmul(const tide_csr *x, const tide_tensor *g, tide_tensor *out) {
    if (check_product(x, g, x->rows, out, x->cols, "csr_t_matmul")) return -1;
    const double *G = (const double *)tide_elem_ptr(g);
    double *O = (double *)tide_elem_ptr(out);
    int64_t k = g->shape[1];
    memset(O, 0, (size_t)(x->cols * k) * sizeof *O);
    /* split the k output columns among threads: each owns a block and sums rows in order */
    int nt = tide_threads_for(x->nnz * k);
    if (nt > k) nt = (int)k;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        int t = 0, T = 1;
#ifdef _OPENMP
        t = omp_get_thread_num();
        T = omp_get_num_threads();
#endif
        int64_t c0 = k * t / T, c1 = k * (t + 1) / T;
        for (int64_t i = 0; i < x->rows; i++) {
            const double *gr = G + i * k;
            for (int64_t p = x->indptr[i]; p < x->indptr[i + 1]; p++) {
                double *o = O + (int64_t)x->indices[p] * k;
                double v = x->data[p];
                for (int64_t c = c0; c < c1; c++) o[c] += v * gr[c];
            }
        }
    }
    return 0;
}

int tide_csr_row_norms_sq(const tide_csr *x, double *out) {
    if (check_ptr(x, "csr_row_norms")) return -1;
    if (!out) return TIDE_FAIL("csr_row_norms: out is NULL");
    for (int64_t i = 0; i < x->rows; i++) {
        double s = 0.0;
        for (int64_t p = x->indptr[i]; p < x->indptr[i + 1]; p++) s += x->data[p] * x->data[p];
        out[i] = s;
    }
    return 0;
}
