/* linear_model_internal.h — argument checks and small vector kernels shared by linear_model.c
 * (least squares, ridge, elastic net) and linear_model_svm.c (LinearSVC). Not public. */
#ifndef TIDE_LINEAR_MODEL_INTERNAL_H
#define TIDE_LINEAR_MODEL_INTERNAL_H

#include "internal.h"
#include "tide/linear_model.h"

/* Exactly one of X (contiguous float64 [n, d]) and Xs (a valid CSR); sets *n, *d. */
int lm_check_X(const char *op, const tide_tensor *X, const tide_csr *Xs, int64_t *n, int64_t *d);
/* t a contiguous tensor of dtype with numel elements (NULL allowed when optional). */
int lm_check_vec(const char *op, const char *what, const tide_tensor *t, int dtype, int64_t numel, bool optional);

static inline double *lm_f64(const tide_tensor *t) { return t ? (double *)tide_elem_ptr(t) : NULL; }

/* a . b over n doubles; four partial sums so the loop vectorises. */
static inline double lm_dot(const double *a, const double *b, int64_t n) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

/* y += a x over n doubles */
static inline void lm_axpy(double a, const double *x, double *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

/* splitmix64 of (seed, stream, counter): the per-model random streams (independent of threads). */
static inline uint64_t lm_rand(uint64_t seed, uint64_t stream, uint64_t counter) {
    uint64_t z = seed * 0xD1B54A32D192ED03ull + stream * 0x9E3779B97F4A7C15ull + counter * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A uniform integer in [0, m), m > 0 (Lemire's multiply-shift; the bias is below 2^-32). */
static inline int64_t lm_below(uint64_t r, int64_t m) {
    return (int64_t)(((unsigned __int128)r * (uint64_t)m) >> 64);
}

#endif
