/* svm_internal.h — what core/svm.c, svm_kernel.c and svm_solver.c share: the kernel over a
 * training subset, libsvm's kernel-row cache and Q matrices, and the SMO solver. Not public. */
#ifndef TIDE_SVM_INTERNAL_H
#define TIDE_SVM_INTERNAL_H

#include "internal.h"
#include "tide/sparse.h"
#include "tide/svm.h"

/* libsvm's powi: base^times by squaring (the same rounding as scikit-learn's poly kernel). */
static inline double svm_powi(double base, int times) {
    double tmp = base, ret = 1.0;
    for (int t = times; t > 0; t /= 2) {
        if (t % 2 == 1) ret *= tmp;
        tmp = tmp * tmp;
    }
    return ret;
}

/* Training rows: dense contiguous float64 [n, d] (x) or CSR (csr); exactly one is non-NULL. */
typedef struct svm_data {
    const double *x;
    const tide_csr *csr;
    int64_t n, d;
} svm_data;

/* Kernel values precomputed within two classes (multi-class SVC on dense data, where every
 * within-class value is needed by k - 1 pairs): rows i, j of the same side s have
 * K(i, j) = blk[s][local_i * n[s] + local_j]; side / local are given per row of the problem. */
typedef struct svm_blocks {
    const float *blk[2];
    int64_t n[2];
    const signed char *side;
    const int64_t *local;
} svm_blocks;

/* The kernel over l rows of a svm_data, in the solver's order (positions 0..l-1). Shrinking
 * swaps positions: dense rows are swapped in a private copy (so a row of K streams contiguous
 * memory), sparse rows through the position -> csr row map. */
typedef struct svm_kernel {
    int type, degree;
    double gamma, coef0;
    int64_t l, d;
    double *xd;         /* dense: [l, d] rows in position order (owned) */
    const tide_csr *csr;
    int64_t *row;       /* sparse: position -> csr row (owned) */
    double *sq;         /* squared norm per position (rbf), owned */
    double *scatter;    /* sparse: d doubles of scratch, zero between calls */
    int parallel;       /* may open OpenMP regions (false inside a parallel pair loop) */
    const float *blk[2]; /* svm_blocks, when given: */
    int64_t bn[2];
    signed char *side;  /* per position (owned) */
    int64_t *local;     /* per position (owned) */
    int64_t *jbuf;      /* scratch [l]: positions of the other side */
    double *dbuf;       /* scratch [l] */
} svm_kernel;

/* malloc for large streamed buffers: huge-page aligned and advised from 4 MB on; free() it */
void *svm_big_alloc(size_t bytes);

/* rows[0..l) of data -> kernel (0 ok, -1 out of memory with the message set); blocks: NULL or
 * the precomputed within-class values of these rows */
int svm_kernel_init(svm_kernel *k, const svm_data *data, const int64_t *rows, int64_t l, const tide_svm_params *p,
                    int parallel, const svm_blocks *blocks);
void svm_kernel_free(svm_kernel *k);
void svm_kernel_swap(svm_kernel *k, int64_t i, int64_t j);
/* K(i, i) and out[j - start] = K(i, j) for j in [start, end), libsvm's training formulas
 * (rbf: exp(-gamma (|x_i|^2 + |x_j|^2 - 2 x_i.x_j))) */
double svm_kernel_diag(const svm_kernel *k, int64_t i);
void svm_kernel_row(svm_kernel *k, int64_t i, int64_t start, int64_t end, double *out);

/* out [n, n] float = K over dense rows X [n, d] with squared norms sq (through dgemm; call
 * outside parallel regions); 0, or -1 when out of memory */
int svm_kernel_gram(const tide_svm_params *p, const double *X, const double *sq, int64_t n, int64_t d, float *out);

/* A CSR matrix of density above 1/4 is faster dense: *dense gets a copy (at most 512 MB, when
 * memory allows; else NULL) and data is pointed at it. The caller frees *dense. */
void svm_densify(svm_data *data, double **dense);

/* libsvm's k_function between row a of da and row b of db (prediction formula: rbf from the
 * summed squared differences) */
double svm_kfun(const svm_data *da, int64_t a, const svm_data *db, int64_t b, const tide_svm_params *p);

/* libsvm's LRU cache of Q rows: row i holds data[0, len); a budget of `size` floats. */
typedef struct svm_cache_row {
    struct svm_cache_row *prev, *next;
    float *data;
    int64_t len;
} svm_cache_row;

typedef struct svm_cache {
    int64_t l, size;
    svm_cache_row *head;
    svm_cache_row lru;
} svm_cache;

/* The Q matrix of the dual: SVC_Q (Q_ij = y_i y_j K_ij over l positions, cache swapped with
 * them) or SVR_Q (2l positions over l kernel rows, Q_ij = s_i s_j K(index_i, index_j)). */
typedef struct svm_q {
    int svr;
    svm_kernel ker;
    svm_cache cache;
    signed char *y;        /* SVC: label per position */
    signed char *sign;     /* SVR: +1 / -1 per position [2l] */
    int64_t *index;        /* SVR: kernel row per position [2l] */
    float *buf[2];         /* SVR: the two rows handed out last */
    int next;
    double *QD;            /* diagonal per position */
    double *krow;          /* scratch: one kernel row [l] */
} svm_q;

int svm_q_init_svc(svm_q *q, const svm_data *data, const int64_t *rows, const signed char *y, int64_t l,
                   const tide_svm_params *p, int parallel, const svm_blocks *blocks);
int svm_q_init_svr(svm_q *q, const svm_data *data, const int64_t *rows, int64_t l, const tide_svm_params *p,
                   int parallel);
void svm_q_free(svm_q *q);

/* The SMO solver of Fan, Chen and Lin (JMLR 2005), as libsvm: min 0.5 a'Qa + p'a subject to
 * y'a = const, 0 <= a_i <= C_i; second-order working-set selection, shrinking. alpha [l] is
 * the feasible start and receives the solution. Returns 0 when converged (|gap| < eps), 1 when
 * max_iter (>= 0) stopped it, -1 out of memory (message set). */
int svm_solve(svm_q *Q, int64_t l, const double *p, const signed char *y, double *alpha, const double *C, double eps,
              int shrinking, int64_t max_iter, double *rho, int64_t *n_iter);

#endif
