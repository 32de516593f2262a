/* reduce_kernels.c — the vectorised loops behind reduce.c: run kernels (one run of a
 * reduction, any stride), column kernels (a row of inputs into a vector of accumulators), the
 * contiguous float32/float64 sums (float lanes folded into double, several streams at once)
 * and float32 column sums (eight rows in float lanes, then into double). Each is
 * compiled for AVX-512, AVX2 and baseline x86-64 (TIDE_HOT) and picked at run time. */
#include "reduce_internal.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- run kernels
 * rowd: reduce n elements p[0], p[s], ..., p[(n-1)s] into a double (c: centre, pw: power).
 * rowi: the same in int64 (sum, prod, min, max). */

#define PRAGMA(x) _Pragma(#x)
static inline double ident(double v) { return v; }

#define ADD_LOOP(EXPR)                                                                                                 \
    if (s == 1) {                                                                                                      \
        _Pragma("omp simd reduction(+:a)") for (int64_t i = 0; i < n; i++) {                                           \
            double v = (double)p[i];                                                                                   \
            a += (EXPR);                                                                                               \
        }                                                                                                              \
    } else                                                                                                             \
        for (int64_t i = 0; i < n; i++) {                                                                              \
            double v = (double)p[i * s];                                                                               \
            a += (EXPR);                                                                                               \
        }

/* max (CMP >) or min (CMP <) of EXPR, NaN flagged separately so the loop vectorises */
#define EXT_LOOP(RED, CMP, EXPR)                                                                                       \
    {                                                                                                                  \
        int nan = 0;                                                                                                   \
        if (s == 1) {                                                                                                  \
            PRAGMA(omp simd reduction(RED : a) reduction(| : nan)) for (int64_t i = 0; i < n; i++) {               \
                double v = (EXPR)((double)p[i]);                                                                       \
                a = v CMP a ? v : a;                                                                                   \
                nan |= v != v;                                                                                         \
            }                                                                                                          \
        } else                                                                                                         \
            for (int64_t i = 0; i < n; i++) {                                                                          \
                double v = (EXPR)((double)p[i * s]);                                                                   \
                a = v CMP a ? v : a;                                                                                   \
                nan |= v != v;                                                                                         \
            }                                                                                                          \
        return nan ? NAN : a;                                                                                          \
    }

#define DEF_ROW(T, S)                                                                                                  \
    static TIDE_HOT double rowd_##S(int k, const void *vp, int64_t n, int64_t s, double c, double pw) {               \
        const T *p = vp;                                                                                               \
        double a = init_d(k);                                                                                          \
        switch (k) {                                                                                                   \
        case K_SUM: ADD_LOOP(v) break;                                                                                 \
        case K_NNZ: ADD_LOOP(v != 0) break;                                                                            \
        case K_ABSSUM: ADD_LOOP(fabs(v)) break;                                                                        \
        case K_SQSUM: ADD_LOOP(v * v) break;                                                                           \
        case K_POWSUM: ADD_LOOP(pow(fabs(v), pw)) break;                                                               \
        case K_EXPSUM: ADD_LOOP(exp(v - c)) break;                                                                     \
        case K_DEVSQ: ADD_LOOP((v - c) * (v - c)) break;                                                               \
        case K_PROD:                                                                                                   \
            if (s == 1) {                                                                                              \
                _Pragma("omp simd reduction(*:a)") for (int64_t i = 0; i < n; i++) a *= (double)p[i];                  \
            } else                                                                                                     \
                for (int64_t i = 0; i < n; i++) a *= (double)p[i * s];                                                 \
            break;                                                                                                     \
        case K_MAX: EXT_LOOP(max, >, ident)                                                                                \
        case K_MIN: EXT_LOOP(min, <, ident)                                                                                \
        case K_ABSMAX: EXT_LOOP(max, >, fabs)                                                                          \
        case K_ABSMIN: EXT_LOOP(min, <, fabs)                                                                          \
        }                                                                                                              \
        return a;                                                                                                      \
    }                                                                                                                  \
    static TIDE_HOT int64_t rowi_##S(int k, const void *vp, int64_t n, int64_t s) {                                   \
        const T *p = vp;                                                                                               \
        switch (k) {                                                                                                   \
        case K_SUM: {                                                                                                  \
            uint64_t a = 0;                                                                                            \
            if (s == 1) {                                                                                              \
                _Pragma("omp simd reduction(+:a)") for (int64_t i = 0; i < n; i++) a += (uint64_t)(int64_t)p[i];       \
            } else                                                                                                     \
                for (int64_t i = 0; i < n; i++) a += (uint64_t)(int64_t)p[i * s];                                      \
            return (int64_t)a;                                                                                         \
        }                                                                                                              \
        case K_PROD: {                                                                                                 \
            uint64_t a = 1;                                                                                            \
            for (int64_t i = 0; i < n; i++) a *= (uint64_t)(int64_t)p[i * s];                                          \
            return (int64_t)a;                                                                                         \
        }                                                                                                              \
        case K_MAX: {                                                                                                  \
            int64_t a = INT64_MIN;                                                                                     \
            if (s == 1) {                                                                                              \
                _Pragma("omp simd reduction(max:a)") for (int64_t i = 0; i < n; i++) {                                \
                    int64_t v = (int64_t)p[i];                                                                         \
                    a = v > a ? v : a;                                                                                 \
                }                                                                                                      \
            } else                                                                                                     \
                for (int64_t i = 0; i < n; i++) {                                                                      \
                    int64_t v = (int64_t)p[i * s];                                                                     \
                    a = v > a ? v : a;                                                                                 \
                }                                                                                                      \
            return a;                                                                                                  \
        }                                                                                                              \
        default: {                                                                                                     \
            int64_t a = INT64_MAX;                                                                                     \
            if (s == 1) {                                                                                              \
                _Pragma("omp simd reduction(min:a)") for (int64_t i = 0; i < n; i++) {                                 \
                    int64_t v = (int64_t)p[i];                                                                         \
                    a = v < a ? v : a;                                                                                 \
                }                                                                                                      \
            } else                                                                                                     \
                for (int64_t i = 0; i < n; i++) {                                                                      \
                    int64_t v = (int64_t)p[i * s];                                                                     \
                    a = v < a ? v : a;                                                                                 \
                }                                                                                                      \
            return a;                                                                                                  \
        }                                                                                                              \
        }                                                                                                              \
    }

/* ---------------------------------------------------------------- column kernels
 * cold: acc[j] = acc[j] (op) f(p[j]) for j < C, p contiguous (one row of the outer loop);
 * c[j] is the per-output centre. coli: the same in int64. */

#define COL_LOOP(EXPR)                                                                                                 \
    _Pragma("omp simd") for (int64_t j = 0; j < C; j++) {                                                              \
        double v = (double)p[j];                                                                                       \
        acc[j] += (EXPR);                                                                                              \
    }                                                                                                                  \
    return;

#define COL_EXT(CMP, EXPR)                                                                                             \
    _Pragma("omp simd") for (int64_t j = 0; j < C; j++) {                                                              \
        double v = EXPR((double)p[j]), a = acc[j];                                                                     \
        acc[j] = (v CMP a || v != v) ? v : a;                                                                          \
    }                                                                                                                  \
    return;

#define DEF_COL(T, S)                                                                                                  \
    static TIDE_HOT void cold_##S(int k, double *restrict acc, const void *vp, int64_t C, const double *restrict c,    \
                                  double pw) {                                                                         \
        const T *restrict p = vp;                                                                                      \
        switch (k) {                                                                                                   \
        case K_SUM: COL_LOOP(v)                                                                                        \
        case K_NNZ: COL_LOOP(v != 0)                                                                                   \
        case K_ABSSUM: COL_LOOP(fabs(v))                                                                               \
        case K_SQSUM: COL_LOOP(v * v)                                                                                  \
        case K_POWSUM: COL_LOOP(pow(fabs(v), pw))                                                                      \
        case K_EXPSUM: COL_LOOP(exp(v - c[j]))                                                                         \
        case K_DEVSQ: COL_LOOP((v - c[j]) * (v - c[j]))                                                                \
        case K_PROD:                                                                                                   \
            _Pragma("omp simd") for (int64_t j = 0; j < C; j++) acc[j] *= (double)p[j];                                \
            return;                                                                                                    \
        case K_MAX: COL_EXT(>, ident)                                                                                      \
        case K_MIN: COL_EXT(<, ident)                                                                                      \
        case K_ABSMAX: COL_EXT(>, fabs)                                                                                \
        case K_ABSMIN: COL_EXT(<, fabs)                                                                                \
        }                                                                                                              \
    }                                                                                                                  \
    static TIDE_HOT void coli_##S(int k, int64_t *restrict acc, const void *vp, int64_t C) {                           \
        const T *restrict p = vp;                                                                                      \
        switch (k) {                                                                                                   \
        case K_SUM:                                                                                                    \
            _Pragma("omp simd") for (int64_t j = 0; j < C; j++) acc[j] =                                               \
                (int64_t)((uint64_t)acc[j] + (uint64_t)(int64_t)p[j]);                                                 \
            return;                                                                                                    \
        case K_PROD:                                                                                                   \
            for (int64_t j = 0; j < C; j++) acc[j] = (int64_t)((uint64_t)acc[j] * (uint64_t)(int64_t)p[j]);            \
            return;                                                                                                    \
        case K_MAX:                                                                                                    \
            _Pragma("omp simd") for (int64_t j = 0; j < C; j++) {                                                      \
                int64_t v = (int64_t)p[j];                                                                             \
                acc[j] = v > acc[j] ? v : acc[j];                                                                      \
            }                                                                                                          \
            return;                                                                                                    \
        default:                                                                                                       \
            _Pragma("omp simd") for (int64_t j = 0; j < C; j++) {                                                      \
                int64_t v = (int64_t)p[j];                                                                             \
                acc[j] = v < acc[j] ? v : acc[j];                                                                      \
            }                                                                                                          \
            return;                                                                                                    \
        }                                                                                                              \
    }

DEF_ROW(float, f32)
DEF_ROW(double, f64)
DEF_ROW(int32_t, i32)
DEF_ROW(int64_t, i64)
DEF_ROW(uint8_t, u8)
DEF_ROW(bool, b8)
DEF_COL(float, f32)
DEF_COL(double, f64)
DEF_COL(int32_t, i32)
DEF_COL(int64_t, i64)
DEF_COL(uint8_t, u8)
DEF_COL(bool, b8)

/* Contiguous sums, the hot case (t:sum(), row sums). float32: 64 float lanes each add 8
 * values (at most 9 roundings of float32, ~5e-7 relative in the worst case, ~1e-8 typically),
 * then every 512-value block goes into double lanes: no float->double conversion per element,
 * so in-cache data sums 3-4x faster than converting each value. Long runs are read as four
 * streams, which keeps more memory requests in flight (~10% faster from DRAM than one stream).
 * float64: four vector accumulators to hide the add latency. */
typedef float v16f __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));

#define FOLD_F32(a) /* 16 float lanes -> 8 double lanes */                                                          \
    (__builtin_convertvector(__builtin_shufflevector(a, a, 0, 1, 2, 3, 4, 5, 6, 7), v8d) +                            \
     __builtin_convertvector(__builtin_shufflevector(a, a, 8, 9, 10, 11, 12, 13, 14, 15), v8d))

/* four contiguous runs of n floats -> four sums: several streams keep more memory requests
 * in flight than one (row sums read four rows at once; long runs are read as four quarters) */
TIDE_HOT void tide_sum4_f32(const float *p0, const float *p1, const float *p2, const float *p3, int64_t n,
                              double *out) {
    v8d d0 = {0}, d1 = {0}, d2 = {0}, d3 = {0};
    int64_t i = 0;
    for (; i + 128 <= n; i += 128) {
        v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (int k = 0; k < 128; k += 16) {
            v16f x0, x1, x2, x3;
            memcpy(&x0, p0 + i + k, 64);
            memcpy(&x1, p1 + i + k, 64);
            memcpy(&x2, p2 + i + k, 64);
            memcpy(&x3, p3 + i + k, 64);
            a0 += x0;
            a1 += x1;
            a2 += x2;
            a3 += x3;
        }
        d0 += FOLD_F32(a0);
        d1 += FOLD_F32(a1);
        d2 += FOLD_F32(a2);
        d3 += FOLD_F32(a3);
    }
    double t[4] = {0, 0, 0, 0};
    for (; i < n; i++) {
        t[0] += p0[i];
        t[1] += p1[i];
        t[2] += p2[i];
        t[3] += p3[i];
    }
    v8d d[4] = {d0, d1, d2, d3};
    for (int r = 0; r < 4; r++)
        out[r] = t[r] + (((d[r][0] + d[r][1]) + (d[r][2] + d[r][3])) + ((d[r][4] + d[r][5]) + (d[r][6] + d[r][7])));
}

TIDE_HOT double tide_sum_f32_contig(const float *p, int64_t n) {
    v8d d = {0};
    int64_t i = 0;
    double head = 0;
    if (n >= 32768) {
        int64_t q = (n / 4) & ~(int64_t)127;
        double o[4];
        tide_sum4_f32(p, p + q, p + 2 * q, p + 3 * q, q, o);
        head = (o[0] + o[1]) + (o[2] + o[3]);
        i = 4 * q;
    }
    for (; i + 512 <= n; i += 512) {
        v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (int k = 0; k < 512; k += 64) {
            v16f x0, x1, x2, x3;
            memcpy(&x0, p + i + k, 64);
            memcpy(&x1, p + i + k + 16, 64);
            memcpy(&x2, p + i + k + 32, 64);
            memcpy(&x3, p + i + k + 48, 64);
            a0 += x0;
            a1 += x1;
            a2 += x2;
            a3 += x3;
        }
        v16f a = (a0 + a1) + (a2 + a3);
        d += FOLD_F32(a);
    }
    double t = 0;
    for (; i < n; i++) t += p[i];
    return head + t + (((d[0] + d[1]) + (d[2] + d[3])) + ((d[4] + d[5]) + (d[6] + d[7])));
}

/* acc[j] += rows[0][j] + ... + rows[nr-1][j] for j < C, nr <= 8: the rows are added in float
 * lanes (at most 8 values each, as in the sums above), then once into the double accumulators,
 * instead of converting and accumulating every row (column sums of float32 matrices) */
TIDE_HOT void tide_colsum_f32(const float *const *rows, int nr, int64_t C, double *acc) {
    int64_t j = 0;
    for (; j + 16 <= C; j += 16) {
        v16f a;
        memcpy(&a, rows[0] + j, 64);
        for (int k = 1; k < nr; k++) {
            v16f x;
            memcpy(&x, rows[k] + j, 64);
            a += x;
        }
        v8d lo, hi;
        memcpy(&lo, acc + j, 64);
        memcpy(&hi, acc + j + 8, 64);
        lo += __builtin_convertvector(__builtin_shufflevector(a, a, 0, 1, 2, 3, 4, 5, 6, 7), v8d);
        hi += __builtin_convertvector(__builtin_shufflevector(a, a, 8, 9, 10, 11, 12, 13, 14, 15), v8d);
        memcpy(acc + j, &lo, 64);
        memcpy(acc + j + 8, &hi, 64);
    }
    for (; j < C; j++) {
        float a = rows[0][j];
        for (int k = 1; k < nr; k++) a += rows[k][j];
        acc[j] += a;
    }
}

TIDE_HOT double tide_sum_f64_contig(const double *p, int64_t n) {
    v8d a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        v8d x0, x1, x2, x3;
        memcpy(&x0, p + i, 64);
        memcpy(&x1, p + i + 8, 64);
        memcpy(&x2, p + i + 16, 64);
        memcpy(&x3, p + i + 24, 64);
        a0 += x0;
        a1 += x1;
        a2 += x2;
        a3 += x3;
    }
    v8d a = (a0 + a1) + (a2 + a3);
    double t = 0;
    for (; i < n; i++) t += p[i];
    return t + (((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])));
}

const rowd_fn tide_rowd[TIDE_NDTYPES] = {rowd_f32, rowd_f64, rowd_i32, rowd_i64, rowd_u8, rowd_b8};
const rowi_fn tide_rowi[TIDE_NDTYPES] = {rowi_f32, rowi_f64, rowi_i32, rowi_i64, rowi_u8, rowi_b8};
const cold_fn tide_cold[TIDE_NDTYPES] = {cold_f32, cold_f64, cold_i32, cold_i64, cold_u8, cold_b8};
const coli_fn tide_coli[TIDE_NDTYPES] = {coli_f32, coli_f64, coli_i32, coli_i64, coli_u8, coli_b8};

/* NumPy's pairwise summation (add.reduce over a contiguous double array, numpy/core/src/umath/
 * loops_utils.h.src): eight accumulators in blocks of up to 128, halves above. Same order, same
 * rounding, for the kernels that must reproduce NumPy's sums bit for bit. */
double tide_pairwise_sum(const double *a, int64_t n) {
    if (n < 8) {
        double r = 0.;
        for (int64_t i = 0; i < n; i++) r += a[i];
        return r;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++) r[j] = a[j];
        int64_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    int64_t n2 = n / 2;
    n2 -= n2 % 8;
    return tide_pairwise_sum(a, n2) + tide_pairwise_sum(a + n2, n - n2);
}
