/* reduce_internal.h — helpers shared by reduce.c, scan.c and sort.c (not public): walking
 * multi-indices, coalescing dims, iterating the lines along one dim, and output slots. */
#ifndef TIDE_REDUCE_INTERNAL_H
#define TIDE_REDUCE_INTERNAL_H

#include "internal.h"

#include <math.h>

/* ---- reduction kernels (reduce_kernels.c) ----
 * Kernel ops: what a run or column kernel accumulates. c is a per-output centre (pass 2 of
 * logsumexp and var), pw the power of K_POWSUM. */
enum kop { K_SUM, K_PROD, K_MIN, K_MAX, K_NNZ, K_ABSSUM, K_SQSUM, K_POWSUM, K_ABSMAX, K_ABSMIN, K_EXPSUM, K_DEVSQ };

static inline double init_d(int k) {
    switch (k) {
    case K_PROD: return 1;
    case K_MIN: case K_ABSMIN: return INFINITY;
    case K_MAX: return -INFINITY;
    default: return 0;
    }
}

static inline int64_t init_i(int k) { return k == K_PROD ? 1 : k == K_MIN ? INT64_MAX : k == K_MAX ? INT64_MIN : 0; }

/* rowd: reduce n elements p[0], p[s], ..., p[(n-1)s] into a double; rowi: the same in int64
 * (sum, prod, min, max; wrapping). cold: acc[j] = acc[j] (op) f(p[j]) for j < C, p contiguous;
 * coli: the same in int64. Indexed by dtype. */
typedef double (*rowd_fn)(int kop, const void *p, int64_t n, int64_t s, double c, double pw);
typedef int64_t (*rowi_fn)(int kop, const void *p, int64_t n, int64_t s);
typedef void (*cold_fn)(int kop, double *restrict acc, const void *p, int64_t C, const double *restrict c, double pw);
typedef void (*coli_fn)(int kop, int64_t *restrict acc, const void *p, int64_t C);
extern const rowd_fn tide_rowd[TIDE_NDTYPES];
extern const rowi_fn tide_rowi[TIDE_NDTYPES];
extern const cold_fn tide_cold[TIDE_NDTYPES];
extern const coli_fn tide_coli[TIDE_NDTYPES];
/* contiguous sums: float32 in float lanes folded into double every 8 values per lane; four
 * runs at once (four sums); float64 with four vector accumulators */
double tide_sum_f32_contig(const float *p, int64_t n);
void tide_sum4_f32(const float *p0, const float *p1, const float *p2, const float *p3, int64_t n, double *out);
double tide_sum_f64_contig(const double *p, int64_t n);
/* acc[j] += rows[0][j] + ... + rows[nr-1][j], j < C, nr <= 8 (float32 column sums) */
void tide_colsum_f32(const float *const *rows, int nr, int64_t C, double *acc);

/* for (int64_t VAR = 0; VAR < N; VAR++) BODY on `nt` threads (a variable of that name must be in
 * scope). With one thread no OpenMP call is made at all: entering a parallel region allocates
 * a team and wakes threads even when its if() clause makes it run serially. */
#define TIDE_PARALLEL_FOR(VAR, N, ...)                                                                                 \
    do {                                                                                                               \
        if (nt > 1) {                                                                                                  \
            _Pragma("omp parallel for num_threads(nt) schedule(static)") for (int64_t VAR = 0; VAR < (N); VAR++)       \
                __VA_ARGS__                                                                                            \
        } else {                                                                                                       \
            for (int64_t VAR = 0; VAR < (N); VAR++) __VA_ARGS__                                                        \
        }                                                                                                              \
    } while (0)

/* The same with dynamic scheduling: threads take the next iteration when free, so one thread
 * delayed (by the OS, or a busy neighbour on a shared machine) does not hold up the others. */
#define TIDE_PARALLEL_FOR_DYNAMIC(VAR, N, ...)                                                                         \
    do {                                                                                                               \
        if (nt > 1) {                                                                                                  \
            _Pragma("omp parallel for num_threads(nt) schedule(dynamic, 1)") for (int64_t VAR = 0; VAR < (N); VAR++)   \
                __VA_ARGS__                                                                                            \
        } else {                                                                                                       \
            for (int64_t VAR = 0; VAR < (N); VAR++) __VA_ARGS__                                                        \
        }                                                                                                              \
    } while (0)

/* Sort dims by stride a (descending, stable; sz and b move along) and merge neighbours that
 * are contiguous in a (and in b when b is not NULL). */
void tide_sort_coalesce(int *n, int64_t *sz, int64_t *a, int64_t *b);

/* Offset of row-major linear index lin over n dims of sizes sz and strides st. */
int64_t tide_lin_offset(int64_t lin, int n, const int64_t *sz, const int64_t *st);

/* Incremental row-major walk over a multi-index, keeping the offset. */
typedef struct {
    int n;
    const int64_t *sz, *st;
    int64_t idx[TIDE_MAX_DIMS], off;
} tide_walker;

static inline void tide_walk_start(tide_walker *w, int n, const int64_t *sz, const int64_t *st, int64_t lin) {
    w->n = n;
    w->sz = sz;
    w->st = st;
    w->off = 0;
    for (int d = n - 1; d >= 0; d--) {
        int64_t q = lin ? lin / sz[d] : 0;
        w->idx[d] = lin - q * sz[d];
        w->off += w->idx[d] * st[d];
        lin = q;
    }
}

static inline void tide_walk_next(tide_walker *w) {
    for (int d = w->n - 1; d >= 0; d--) {
        w->off += w->st[d];
        if (++w->idx[d] < w->sz[d]) return;
        w->off -= w->st[d] * w->sz[d];
        w->idx[d] = 0;
    }
}

/* The lines along dim `dim` of x: `count` lines of `len` elements (input stride ins), the
 * other dims coalesced with the matching strides of a contiguous output (ostride: the output's
 * stride for each x dim, including dim itself -> outs). A 0-d x is one line of one element. */
typedef struct {
    int n;
    int64_t sz[TIDE_MAX_DIMS], in[TIDE_MAX_DIMS], out[TIDE_MAX_DIMS];
    int64_t count, len, ins, outs;
} tide_lines;

void tide_lines_init(tide_lines *L, const tide_tensor *x, int dim, const int64_t *ostride);

/* Where to compute an output of shape [nd: shape] and dtype. given NULL: a new tensor. given
 * non-NULL must match shape and dtype; it is returned when contiguous, else a contiguous
 * temporary is. NULL (with a message naming op and what) on failure. */
tide_tensor *tide_out_begin(const char *op, const char *what, tide_tensor *given, int nd, const int64_t *shape, int dtype);
/* Finish: on success (ok) copy a temporary back into given and return the result (given, or
 * the new tensor); on failure free what tide_out_begin allocated and return NULL. */
tide_tensor *tide_out_end(tide_tensor *given, tide_tensor *work, bool ok);

#endif
