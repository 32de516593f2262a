/* tide/sparse.h — compressed sparse row (CSR) matrices, the sparse input of the classical models
 * and the output of the text vectorisers. A CSR matrix of rows x cols with nnz stored values:
 *   indptr  [rows + 1] int64   row i's values are data[indptr[i] .. indptr[i + 1])
 *   indices [nnz]      int32   their column ids, 0-based, strictly increasing within a row
 *   data    [nnz]      float64 their values
 * The struct only points at memory the caller owns (tide.sparse keeps three tensors).
 * Functions return 0 (or a count >= 0) on success and -1 on failure with a message in
 * tide_last_error(); output buffers are the caller's, sized as each comment says.
 */
#ifndef TIDE_SPARSE_H
#define TIDE_SPARSE_H

#include "tide/tensor.h"

typedef struct tide_csr {
    int64_t rows, cols, nnz;
    const int64_t *indptr;
    const int32_t *indices;
    const double *data;
} tide_csr;

/* Validate the structure: indptr[0] == 0, non-decreasing, indptr[rows] == nnz, column ids in
 * [0, cols) and strictly increasing within each row. op names the caller in the message. */
int tide_csr_check(const tide_csr *x, const char *op);

/* The number of nonzero cells of a float64 [n, d] tensor (any strides). */
int64_t tide_csr_count_dense(const tide_tensor *x);

/* Dense float64 [n, d] x -> CSR arrays: indptr [n + 1], indices / data [count_dense(x)]. */
int tide_csr_from_dense(const tide_tensor *x, int64_t *indptr, int32_t *indices, double *data);

/* Coordinate triplets (row[k], col[k], val[k]), k < m, 0-based, any order -> CSR of rows x cols
 * with duplicates summed and explicit zeros kept. indptr [rows + 1], indices / data [m]; returns
 * the number of stored values (<= m). */
int64_t tide_csr_from_coo(int64_t rows, int64_t cols, int64_t m, const int64_t *row, const int64_t *col,
                          const double *val, int64_t *indptr, int32_t *indices, double *data);

/* x -> out, a contiguous float32 or float64 [rows, cols] tensor (overwritten). */
int tide_csr_to_dense(const tide_csr *x, tide_tensor *out);

/* The rows row[0..m) of x (0-based, any order, repeats allowed) as a new CSR:
 * tide_csr_rows_nnz gives its value count, tide_csr_take_rows fills indptr [m + 1] and
 * indices / data [that count]. */
int64_t tide_csr_rows_nnz(const tide_csr *x, const int64_t *row, int64_t m);
int tide_csr_take_rows(const tide_csr *x, const int64_t *row, int64_t m, int64_t *indptr, int32_t *indices,
                       double *data);

/* The transpose of x as CSR (= x in compressed sparse column form): indptr [cols + 1],
 * indices / data [nnz]. */
int tide_csr_transpose(const tide_csr *x, int64_t *indptr, int32_t *indices, double *data);

/* out [rows, k] = x [rows, cols] @ w [cols, k]; w and out contiguous float64, out overwritten. */
int tide_csr_matmul(const tide_csr *x, const tide_tensor *w, tide_tensor *out);

/* out [cols, k] = x^T @ g [rows, k]; g and out contiguous float64, out overwritten. */
int tide_csr_t_matmul(const tide_csr *x, const tide_tensor *g, tide_tensor *out);

/* out[i] = sum over row i of data^2 (rows doubles). */
int tide_csr_row_norms_sq(const tide_csr *x, double *out);

#endif
