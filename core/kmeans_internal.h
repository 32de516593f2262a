/* kmeans_internal.h — what core/kmeans.c (seeding, assignment, distances) and
 * core/kmeans_lloyd.c (the Lloyd iteration) share; not part of the public API. */
#ifndef TIDE_KMEANS_INTERNAL_H
#define TIDE_KMEANS_INTERNAL_H

#include "internal.h"
#include "tide/cluster.h"

/* The data: dense float32 / float64 rows or CSR. */
typedef struct kdata {
    int64_t n, d;
    int dtype;          /* TIDE_FLOAT32 or TIDE_FLOAT64 (always float64 for CSR) */
    const float *xf;    /* dense float32 rows [n, d] */
    const double *xd;   /* dense float64 rows [n, d] */
    const tide_csr *xs; /* or CSR */
} kdata;

#define TILE 4 /* rows per micro-kernel call */

/* Buffers of a pass over the data with k centres. */
typedef struct scratch {
    int nthreads;
    float *cf;    /* dense float32: the centres as float32 [k, d] */
    double *ct;   /* CSR: the centres transposed [d, k] */
    double *dots; /* per thread [TILE * k] */
} scratch;

/* Validation (0 / k on success, -1 with the message set). */
int km_data_init(const char *op, const tide_tensor *x, const tide_csr *xs, kdata *D);
int64_t km_check_centers(const char *op, const kdata *D, const tide_tensor *c);
int km_check_labels(const char *op, const tide_tensor *l, int64_t n);

/* Centres as doubles cd [k, d] <-> a tensor of the data's dtype. */
void km_load_centers(const kdata *D, const tide_tensor *c, int64_t k, double *cd);
void km_store_centers(const kdata *D, const double *cd, int64_t k, tide_tensor *c);
/* cn [k] = squared norms of the centres cd [k, d] */
void km_center_norms(const double *cd, int64_t k, int64_t d, double *cn);

/* Row i as doubles out [d]; ||x_i - c||^2 computed directly for dense rows (c_sq = ||c||^2 is
 * used by CSR rows). */
void km_row_dense(const kdata *D, int64_t i, double *out);
double km_row_sqdist(const kdata *D, int64_t i, const double *c, double c_sq);

int km_scratch_init(const char *op, const kdata *D, int64_t k, scratch *s);
void km_scratch_free(scratch *s);
/* Before km_tile_dots with new centres: the float32 / transposed copies the kernels read. */
void km_prepare_centers(const kdata *D, const scratch *s, const double *cd, int64_t k);
/* dots [cnt, k] = x_r . c for the cnt <= TILE rows rows[0..cnt) and every centre */
void km_tile_dots(const kdata *D, const scratch *s, const double *cd, int64_t k, const int64_t *rows, int cnt,
                  double *dots);

/* The Lloyd iteration keeps Elkan's n x k lower bounds while n k <= this (default 2^24), else
 * Hamerly's n; a variable so tests can run both. */
extern int64_t km_elkan_limit;

/* Weighted sum of squared distances to the labelled centres (order fixed: thread-count free). */
double km_inertia(const kdata *D, const double *w, const double *cd, const double *cn, const int64_t *labels);

#endif
