/* elementwise_kernels.c — the typed row loops behind core/elementwise.c.
 *
 * Each kernel processes one row of n elements with per-operand strides (in elements). The
 * contiguous case (all strides 1) and the tensor-with-scalar case (one input stride 0) are plain
 * loops marked `omp simd` so they vectorise (the output may be exactly one of the inputs, which
 * keeps them free of loop-carried dependencies; partial overlaps are resolved by the caller).
 * TIDE_HOT compiles each kernel for AVX-512, AVX2 and baseline x86-64, chosen at load time.
 * Signed integer arithmetic wraps (computed in unsigned), as in PyTorch and NumPy. Arithmetic
 * and float math can write large results with non-temporal stores (CLOOP).
 */
#include "elementwise_internal.h"

#include <math.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Tide never unmasks floating-point exceptions, so the kernels may assume FP operations do not
 * trap: that lets the compiler turn the selects of tide_fast_expf, clamp, maximum, ... into
 * blends and vectorise them on AVX2 too (AVX-512 masks them anyway). */
#pragma GCC optimize("no-trapping-math")

#include "fast_expf.h" /* after the pragma: compiled with the kernels' options */

/* ---------------------------------------------------------------- loop shapes */

/* Non-temporal store of one 64-byte line (dst 64-byte aligned): the line goes to memory without
 * first being read into the cache. Baseline SSE2, so every target clone has it. */
static inline void stream_line(void *dst, const void *src) {
#if defined(__SSE2__)
    const __m128i *s = (const __m128i *)src;
    __m128i *d = (__m128i *)dst;
    _mm_stream_si128(d, _mm_load_si128(s));
    _mm_stream_si128(d + 1, _mm_load_si128(s + 1));
    _mm_stream_si128(d + 2, _mm_load_si128(s + 2));
    _mm_stream_si128(d + 3, _mm_load_si128(s + 3));
#else
    memcpy(dst, src, 64);
#endif
}

static inline void stream_fence(void) {
#if defined(__SSE2__)
    _mm_sfence();
#endif
}

/* Contiguous output: out[i] = EXPR for i in [0, n), LD(i) declaring x (and y) for index i.
 * When S and k->stream (a large result no input shares, see core/elementwise.c), whole 64-byte
 * lines of out are computed into a local line and streamed to memory. */
#define CLOOP(R, LD, EXPR, S)                                                                                          \
    {                                                                                                                  \
        int64_t i0 = 0;                                                                                                \
        if (S && k->stream && n >= 256 && (uintptr_t)o % sizeof(R) == 0) {                                            \
            enum { L = 64 / sizeof(R) };                                                                               \
            const int64_t head = (int64_t)(((64 - ((uintptr_t)o & 63)) & 63) / sizeof(R));                             \
            for (int64_t i = 0; i < head; i++) {                                                                       \
                LD(i);                                                                                                 \
                o[i] = (R)(EXPR);                                                                                      \
            }                                                                                                          \
            for (i0 = head; i0 + L <= n; i0 += L) {                                                                    \
                _Alignas(64) R line[L];                                                                                \
                _Pragma("omp simd") for (int64_t j = 0; j < L; j++) {                                                  \
                    LD(i0 + j);                                                                                        \
                    line[j] = (R)(EXPR);                                                                               \
                }                                                                                                      \
                stream_line(o + i0, line);                                                                             \
            }                                                                                                          \
            stream_fence();                                                                                            \
        }                                                                                                              \
        _Pragma("omp simd") for (int64_t i = i0; i < n; i++) {                                                         \
            LD(i);                                                                                                     \
            o[i] = (R)(EXPR);                                                                                          \
        }                                                                                                              \
    }

#define LD_A(I) const ew_t x = a[I]
#define LD_AB(I) const ew_t x = a[I], y = b[I]
#define LD_B(I) const ew_t y = b[I]

/* out[i] = EXPR with x = a[i] (type T), result type R; S: may stream */
#define UN_LOOPX(T, R, EXPR, S)                                                                                        \
    {                                                                                                                  \
        typedef T ew_t;                                                                                                \
        R *o = (R *)p[0];                                                                                              \
        const T *a = (const T *)p[1];                                                                                  \
        const int64_t so = s[0], sa = s[1];                                                                            \
        if (so == 1 && sa == 1) {                                                                                      \
            CLOOP(R, LD_A, EXPR, S)                                                                                    \
        } else {                                                                                                       \
            for (int64_t i = 0; i < n; i++) {                                                                          \
                const T x = a[i * sa];                                                                                 \
                o[i * so] = (R)(EXPR);                                                                                 \
            }                                                                                                          \
        }                                                                                                              \
        return;                                                                                                        \
    }
#define UN_LOOP(T, R, EXPR) UN_LOOPX(T, R, EXPR, 0)
#define UN_LOOP_S(T, R, EXPR) UN_LOOPX(T, R, EXPR, 1)

/* out[i] = EXPR with x = a[i], y = b[i] (type T), result type R; S: may stream */
#define BIN_LOOPX(T, R, EXPR, S)                                                                                       \
    {                                                                                                                  \
        typedef T ew_t;                                                                                                \
        R *o = (R *)p[0];                                                                                              \
        const T *a = (const T *)p[1], *b = (const T *)p[2];                                                            \
        const int64_t so = s[0], sa = s[1], sb = s[2];                                                                 \
        if (so == 1 && sa == 1 && sb == 1) {                                                                           \
            CLOOP(R, LD_AB, EXPR, S)                                                                                   \
        } else if (so == 1 && sa == 1 && sb == 0) {                                                                    \
            const T y = b[0];                                                                                          \
            CLOOP(R, LD_A, EXPR, S)                                                                                    \
        } else if (so == 1 && sa == 0 && sb == 1) {                                                                    \
            const T x = a[0];                                                                                          \
            CLOOP(R, LD_B, EXPR, S)                                                                                    \
        } else {                                                                                                       \
            for (int64_t i = 0; i < n; i++) {                                                                          \
                const T x = a[i * sa], y = b[i * sb];                                                                  \
                o[i * so] = (R)(EXPR);                                                                                 \
            }                                                                                                          \
        }                                                                                                              \
        return;                                                                                                        \
    }
#define BIN_LOOP(T, R, EXPR) BIN_LOOPX(T, R, EXPR, 0)
#define BIN_LOOP_S(T, R, EXPR) BIN_LOOPX(T, R, EXPR, 1)

/* Case lists: F = the two floats, I = the three integers, B = bool. EXPR sees x (and y). */
#define UN_F(EXPR32, EXPR64)                                                                                           \
    case TIDE_FLOAT32: UN_LOOP(float, float, EXPR32)                                                                   \
    case TIDE_FLOAT64: UN_LOOP(double, double, EXPR64)
/* _S: memory-bound ops, which stream large results (CLOOP); compute-bound math does not gain */
#define UN_F_S(EXPR32, EXPR64)                                                                                         \
    case TIDE_FLOAT32: UN_LOOP_S(float, float, EXPR32)                                                                 \
    case TIDE_FLOAT64: UN_LOOP_S(double, double, EXPR64)
/* float input, bool result */
#define UN_F_BOOL(EXPR32, EXPR64)                                                                                      \
    case TIDE_FLOAT32: UN_LOOP(float, bool, EXPR32)                                                                    \
    case TIDE_FLOAT64: UN_LOOP(double, bool, EXPR64)
#define BIN_F(EXPR32, EXPR64)                                                                                          \
    case TIDE_FLOAT32: BIN_LOOP(float, float, EXPR32)                                                                  \
    case TIDE_FLOAT64: BIN_LOOP(double, double, EXPR64)
#define BIN_F_S(EXPR32, EXPR64)                                                                                        \
    case TIDE_FLOAT32: BIN_LOOP_S(float, float, EXPR32)                                                                \
    case TIDE_FLOAT64: BIN_LOOP_S(double, double, EXPR64)
/* integers with wrapping arithmetic: EXPR is written over unsigned operands ux, uy of type U */
#define BIN_I_WRAP(EXPR)                                                                                               \
    case TIDE_INT32: BIN_LOOP_S(int32_t, int32_t, ({ uint32_t ux = (uint32_t)x, uy = (uint32_t)y; (int32_t)(EXPR); }))   \
    case TIDE_INT64: BIN_LOOP_S(int64_t, int64_t, ({ uint64_t ux = (uint64_t)x, uy = (uint64_t)y; (int64_t)(EXPR); }))   \
    case TIDE_UINT8: BIN_LOOP_S(uint8_t, uint8_t, ({ uint32_t ux = x, uy = y; (uint8_t)(EXPR); }))
/* every dtype, result R, same expression */
#define BIN_ALL(R, EXPR)                                                                                               \
    case TIDE_FLOAT32: BIN_LOOP(float, R, EXPR)                                                                        \
    case TIDE_FLOAT64: BIN_LOOP(double, R, EXPR)                                                                       \
    case TIDE_INT32: BIN_LOOP(int32_t, R, EXPR)                                                                        \
    case TIDE_INT64: BIN_LOOP(int64_t, R, EXPR)                                                                        \
    case TIDE_UINT8: BIN_LOOP(uint8_t, R, EXPR)                                                                        \
    case TIDE_BOOL: BIN_LOOP(bool, R, EXPR)
#define BIN_INTS_SAME(EXPR)                                                                                            \
    case TIDE_INT32: BIN_LOOP(int32_t, int32_t, EXPR)                                                                  \
    case TIDE_INT64: BIN_LOOP(int64_t, int64_t, EXPR)                                                                  \
    case TIDE_UINT8: BIN_LOOP(uint8_t, uint8_t, EXPR)
#define UN_INTS_SAME(EXPR)                                                                                             \
    case TIDE_INT32: UN_LOOP(int32_t, int32_t, EXPR)                                                                   \
    case TIDE_INT64: UN_LOOP(int64_t, int64_t, EXPR)                                                                   \
    case TIDE_UINT8: UN_LOOP(uint8_t, uint8_t, EXPR)
#define UN_ALL(R, EXPR)                                                                                                \
    case TIDE_FLOAT32: UN_LOOP(float, R, EXPR)                                                                         \
    case TIDE_FLOAT64: UN_LOOP(double, R, EXPR)                                                                        \
    case TIDE_INT32: UN_LOOP(int32_t, R, EXPR)                                                                         \
    case TIDE_INT64: UN_LOOP(int64_t, R, EXPR)                                                                         \
    case TIDE_UINT8: UN_LOOP(uint8_t, R, EXPR)                                                                         \
    case TIDE_BOOL: UN_LOOP(bool, R, EXPR)

/* ---------------------------------------------------------------- scalar helpers */

static inline float sigmoidf_(float x) { return 1.0f / (1.0f + tide_fast_expf(-x)); }
static inline double sigmoid_(double x) { return 1.0 / (1.0 + exp(-x)); }

/* NumPy's float floor division and remainder (npy_divmod): consistent with each other. */
#define FLOORDIV_F(T, FMOD, FLOOR, COPYSIGN)                                                                           \
    static inline T floordiv_##T(T a, T b) {                                                                           \
        if (b == 0) return a / b;                                                                                      \
        T mod = FMOD(a, b);                                                                                            \
        T div = (a - mod) / b;                                                                                         \
        if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;                                                              \
        if (div != 0) {                                                                                                \
            T f = FLOOR(div);                                                                                          \
            if (div - f > (T)0.5) f += 1;                                                                              \
            return f;                                                                                                  \
        }                                                                                                              \
        return COPYSIGN((T)0, a / b);                                                                                  \
    }                                                                                                                  \
    static inline T remainder_##T(T a, T b) {                                                                          \
        T mod = FMOD(a, b);                                                                                            \
        if (b == 0) return mod;                                                                                        \
        if (mod != 0) {                                                                                                \
            if ((b < 0) != (mod < 0)) mod += b;                                                                        \
        } else {                                                                                                       \
            mod = COPYSIGN((T)0, b);                                                                                   \
        }                                                                                                              \
        return mod;                                                                                                    \
    }
FLOORDIV_F(float, fmodf, floorf, copysignf)
FLOORDIV_F(double, fmod, floor, copysign)

/* Integer floor division and remainder with Python signs; x // 0 and x % 0 give 0 as in NumPy,
 * and MIN // -1 wraps to MIN. Computed in int64 (exact for every integer dtype). */
static inline int64_t floordiv_i(int64_t a, int64_t b) {
    if (b == 0) return 0;
    if (b == -1) return (int64_t)(0 - (uint64_t)a);
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}
static inline int64_t remainder_i(int64_t a, int64_t b) {
    if (b == 0 || b == -1) return 0;
    int64_t r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

/* Integer power by squaring, wrapping; negative exponents give 1/b^e truncated (0 unless |b| = 1). */
static inline int64_t pow_i(int64_t b, int64_t e) {
    if (e < 0) return b == 1 ? 1 : b == -1 ? ((e & 1) ? -1 : 1) : 0;
    uint64_t r = 1, x = (uint64_t)b;
    while (e) {
        if (e & 1) r *= x;
        x *= x;
        e >>= 1;
    }
    return (int64_t)r;
}

/* maximum / minimum that propagate NaN (as NumPy's) */
#define MAXF(x, y) (((x) > (y) || (x) != (x)) ? (x) : (y))
#define MINF(x, y) (((x) < (y) || (x) != (x)) ? (x) : (y))
#define MAXI(x, y) ((x) > (y) ? (x) : (y))
#define MINI(x, y) ((x) < (y) ? (x) : (y))
/* sign that keeps NaN (and the sign of zero) */
#define SIGNF(T, x) ((x) > 0 ? (T)1 : (x) < 0 ? (T)-1 : (x))

/* ---------------------------------------------------------------- unary */

/* out = op(a): a [n] (stride s[1]) -> out [n] (stride s[0]); k->dtype is a's dtype. */
TIDE_HOT void tide_ew_unary_row(const tide_ew_args *k, char *const *p, const int64_t *s, int64_t n) {
    const int dt = k->dtype;
    switch (k->op) {
    case TIDE_UNARY_NEG:
        switch (dt) {
            UN_F_S(-x, -x)
        case TIDE_INT32: UN_LOOP(int32_t, int32_t, (int32_t)(0u - (uint32_t)x))
        case TIDE_INT64: UN_LOOP(int64_t, int64_t, (int64_t)(0u - (uint64_t)x))
        case TIDE_UINT8: UN_LOOP(uint8_t, uint8_t, -x)
        }
        return;
    case TIDE_UNARY_ABS:
        switch (dt) {
            UN_F_S(fabsf(x), fabs(x))
        case TIDE_INT32: UN_LOOP(int32_t, int32_t, x < 0 ? (int32_t)(0u - (uint32_t)x) : x)
        case TIDE_INT64: UN_LOOP(int64_t, int64_t, x < 0 ? (int64_t)(0u - (uint64_t)x) : x)
        case TIDE_UINT8: UN_LOOP(uint8_t, uint8_t, x)
        }
        return;
    case TIDE_UNARY_SQRT: switch (dt) { UN_F_S(sqrtf(x), sqrt(x)) } return;
    case TIDE_UNARY_RSQRT: switch (dt) { UN_F_S(1.0f / sqrtf(x), 1.0 / sqrt(x)) } return;
    case TIDE_UNARY_EXP: switch (dt) { UN_F(tide_fast_expf(x), exp(x)) } return;
    case TIDE_UNARY_LOG: switch (dt) { UN_F(logf(x), log(x)) } return;
    case TIDE_UNARY_LOG2: switch (dt) { UN_F(log2f(x), log2(x)) } return;
    case TIDE_UNARY_LOG10: switch (dt) { UN_F(log10f(x), log10(x)) } return;
    case TIDE_UNARY_LOG1P: switch (dt) { UN_F(log1pf(x), log1p(x)) } return;
    case TIDE_UNARY_EXPM1: switch (dt) { UN_F(expm1f(x), expm1(x)) } return;
    case TIDE_UNARY_SIN: switch (dt) { UN_F(sinf(x), sin(x)) } return;
    case TIDE_UNARY_COS: switch (dt) { UN_F(cosf(x), cos(x)) } return;
    case TIDE_UNARY_TAN: switch (dt) { UN_F(tanf(x), tan(x)) } return;
    case TIDE_UNARY_ASIN: switch (dt) { UN_F(asinf(x), asin(x)) } return;
    case TIDE_UNARY_ACOS: switch (dt) { UN_F(acosf(x), acos(x)) } return;
    case TIDE_UNARY_ATAN: switch (dt) { UN_F(atanf(x), atan(x)) } return;
    case TIDE_UNARY_SINH: switch (dt) { UN_F(sinhf(x), sinh(x)) } return;
    case TIDE_UNARY_COSH: switch (dt) { UN_F(coshf(x), cosh(x)) } return;
    case TIDE_UNARY_TANH: switch (dt) { UN_F(tanhf(x), tanh(x)) } return;
    case TIDE_UNARY_SIGMOID: switch (dt) { UN_F(sigmoidf_(x), sigmoid_(x)) } return;
    case TIDE_UNARY_ERF: switch (dt) { UN_F(erff(x), erf(x)) } return;
    case TIDE_UNARY_RECIPROCAL: switch (dt) { UN_F_S(1.0f / x, 1.0 / x) } return;
    case TIDE_UNARY_RELU:
        switch (dt) {
            UN_F_S(x < 0 ? 0.0f : x, x < 0 ? 0.0 : x) /* NaN stays NaN */
        case TIDE_INT32: UN_LOOP(int32_t, int32_t, x < 0 ? 0 : x)
        case TIDE_INT64: UN_LOOP(int64_t, int64_t, x < 0 ? 0 : x)
        case TIDE_UINT8: UN_LOOP(uint8_t, uint8_t, x)
        }
        return;
    /* rounding: integers are already whole (the caller copies them) */
    case TIDE_UNARY_FLOOR: switch (dt) { UN_F_S(floorf(x), floor(x)) } return;
    case TIDE_UNARY_CEIL: switch (dt) { UN_F_S(ceilf(x), ceil(x)) } return;
    case TIDE_UNARY_ROUND: switch (dt) { UN_F_S(rintf(x), rint(x)) } return; /* half to even */
    case TIDE_UNARY_TRUNC: switch (dt) { UN_F_S(truncf(x), trunc(x)) } return;
    case TIDE_UNARY_SIGN:
        switch (dt) {
            UN_F_S(SIGNF(float, x), SIGNF(double, x))
        case TIDE_INT32: UN_LOOP(int32_t, int32_t, (x > 0) - (x < 0))
        case TIDE_INT64: UN_LOOP(int64_t, int64_t, (x > 0) - (x < 0))
        case TIDE_UINT8: UN_LOOP(uint8_t, uint8_t, x > 0)
        case TIDE_BOOL: UN_LOOP(bool, bool, x)
        }
        return;
    case TIDE_UNARY_SQUARE:
        switch (dt) {
            UN_F_S(x * x, x * x)
        case TIDE_INT32: UN_LOOP(int32_t, int32_t, (int32_t)((uint32_t)x * (uint32_t)x))
        case TIDE_INT64: UN_LOOP(int64_t, int64_t, (int64_t)((uint64_t)x * (uint64_t)x))
        case TIDE_UINT8: UN_LOOP(uint8_t, uint8_t, x * x)
        }
        return;
    case TIDE_UNARY_LOGICAL_NOT: switch (dt) { UN_ALL(bool, !x) } return;
    case TIDE_UNARY_ISNAN: switch (dt) { UN_F_BOOL(x != x, x != x) } return;
    case TIDE_UNARY_ISINF: switch (dt) { UN_F_BOOL(fabsf(x) == INFINITY, fabs(x) == INFINITY) } return;
    case TIDE_UNARY_ISFINITE: switch (dt) { UN_F_BOOL(fabsf(x) < INFINITY, fabs(x) < INFINITY) } return;
    case TIDE_UNARY_BITWISE_NOT:
        switch (dt) {
            UN_INTS_SAME(~x)
        case TIDE_BOOL: UN_LOOP(bool, bool, !x)
        }
        return;
    }
}

/* ---------------------------------------------------------------- binary */

/* out = op(a, b): a, b [n] of k->dtype (strides s[1], s[2], 0 for a broadcast scalar) -> out [n]
 * (stride s[0]) of the op's result dtype (k->dtype, or bool for comparisons and logical ops). */
TIDE_HOT void tide_ew_binary_row(const tide_ew_args *k, char *const *p, const int64_t *s, int64_t n) {
    const int dt = k->dtype;
    switch (k->op) {
    case TIDE_BINARY_ADD:
        switch (dt) {
            BIN_F_S(x + y, x + y)
            BIN_I_WRAP(ux + uy)
        case TIDE_BOOL: BIN_LOOP(bool, bool, x | y)
        }
        return;
    case TIDE_BINARY_SUB:
        switch (dt) {
            BIN_F_S(x - y, x - y)
            BIN_I_WRAP(ux - uy)
        }
        return;
    case TIDE_BINARY_MUL:
        switch (dt) {
            BIN_F_S(x * y, x * y)
            BIN_I_WRAP(ux * uy)
        case TIDE_BOOL: BIN_LOOP(bool, bool, x & y)
        }
        return;
    case TIDE_BINARY_DIV: switch (dt) { BIN_F_S(x / y, x / y) } return;
    case TIDE_BINARY_FLOOR_DIVIDE:
        switch (dt) {
        case TIDE_FLOAT32: BIN_LOOP(float, float, floordiv_float(x, y))
        case TIDE_FLOAT64: BIN_LOOP(double, double, floordiv_double(x, y))
            BIN_INTS_SAME(floordiv_i(x, y))
        }
        return;
    case TIDE_BINARY_REMAINDER:
        switch (dt) {
        case TIDE_FLOAT32: BIN_LOOP(float, float, remainder_float(x, y))
        case TIDE_FLOAT64: BIN_LOOP(double, double, remainder_double(x, y))
            BIN_INTS_SAME(remainder_i(x, y))
        }
        return;
    case TIDE_BINARY_POW:
        switch (dt) {
            BIN_F(powf(x, y), pow(x, y))
            BIN_INTS_SAME(pow_i(x, y))
        }
        return;
    case TIDE_BINARY_MAXIMUM:
        switch (dt) {
            BIN_F_S(MAXF(x, y), MAXF(x, y))
            BIN_INTS_SAME(MAXI(x, y))
        case TIDE_BOOL: BIN_LOOP(bool, bool, x | y)
        }
        return;
    case TIDE_BINARY_MINIMUM:
        switch (dt) {
            BIN_F_S(MINF(x, y), MINF(x, y))
            BIN_INTS_SAME(MINI(x, y))
        case TIDE_BOOL: BIN_LOOP(bool, bool, x & y)
        }
        return;
    case TIDE_BINARY_ATAN2: switch (dt) { BIN_F(atan2f(x, y), atan2(x, y)) } return;
    case TIDE_BINARY_EQ: switch (dt) { BIN_ALL(bool, x == y) } return;
    case TIDE_BINARY_NE: switch (dt) { BIN_ALL(bool, x != y) } return;
    case TIDE_BINARY_LT: switch (dt) { BIN_ALL(bool, x < y) } return;
    case TIDE_BINARY_LE: switch (dt) { BIN_ALL(bool, x <= y) } return;
    case TIDE_BINARY_GT: switch (dt) { BIN_ALL(bool, x > y) } return;
    case TIDE_BINARY_GE: switch (dt) { BIN_ALL(bool, x >= y) } return;
    case TIDE_BINARY_LOGICAL_AND: switch (dt) { BIN_ALL(bool, (x != 0) & (y != 0)) } return;
    case TIDE_BINARY_LOGICAL_OR: switch (dt) { BIN_ALL(bool, (x != 0) | (y != 0)) } return;
    case TIDE_BINARY_LOGICAL_XOR: switch (dt) { BIN_ALL(bool, (x != 0) ^ (y != 0)) } return;
    case TIDE_BINARY_BITWISE_AND:
        switch (dt) {
            BIN_INTS_SAME(x & y)
        case TIDE_BOOL: BIN_LOOP(bool, bool, x & y)
        }
        return;
    case TIDE_BINARY_BITWISE_OR:
        switch (dt) {
            BIN_INTS_SAME(x | y)
        case TIDE_BOOL: BIN_LOOP(bool, bool, x | y)
        }
        return;
    case TIDE_BINARY_BITWISE_XOR:
        switch (dt) {
            BIN_INTS_SAME(x ^ y)
        case TIDE_BOOL: BIN_LOOP(bool, bool, x ^ y)
        }
        return;
    case TIDE_EW_ADD_SCALED: {
        /* alpha is integral for integer dtypes (checked by the caller) */
        const float af = (float)k->p0;
        const double ad = k->p0;
        const int64_t ai = isfinite(k->p0) && fabs(k->p0) < 9.2e18 ? (int64_t)k->p0 : 0;
        switch (dt) {
            BIN_F_S(x + af * y, x + ad * y)
        case TIDE_INT32: BIN_LOOP(int32_t, int32_t, (int32_t)((uint32_t)x + (uint32_t)ai * (uint32_t)y))
        case TIDE_INT64: BIN_LOOP(int64_t, int64_t, (int64_t)((uint64_t)x + (uint64_t)ai * (uint64_t)y))
        case TIDE_UINT8: BIN_LOOP(uint8_t, uint8_t, (uint8_t)(x + (uint32_t)ai * y))
        case TIDE_BOOL: BIN_LOOP(bool, bool, x | (ai != 0 && y))
        }
        return;
    }
    case TIDE_EW_ISCLOSE: {
        const bool eqnan = k->flag != 0;
        const float rf = (float)k->p0, af = (float)k->p1;
        const double rd = k->p0, ad = k->p1;
        switch (dt) {
        case TIDE_FLOAT32:
            BIN_LOOP(float, bool, x == y || (eqnan && x != x && y != y) || fabsf(x - y) <= af + rf * fabsf(y))
        case TIDE_FLOAT64:
            BIN_LOOP(double, bool, x == y || (eqnan && x != x && y != y) || fabs(x - y) <= ad + rd * fabs(y))
        }
        return;
    }
    }
}

/* ---------------------------------------------------------------- clamp */

/* Saturating conversion of a bound to an integer type's range; NaN gives `none`. */
static int64_t bound_i(double v, double lo, double hi, int64_t none) {
    if (v != v) return none;
    if (v <= lo) return (int64_t)lo;
    if (v >= hi) return hi >= 9.2e18 ? INT64_MAX : (int64_t)hi;
    return (int64_t)v;
}

/* out = min(max(a, lo), hi): a [n] -> out [n], both of k->dtype; bounds k->p0, k->p1 (NaN: none). */
TIDE_HOT void tide_ew_clamp_row(const tide_ew_args *k, char *const *p, const int64_t *s, int64_t n) {
    const double lo = k->p0, hi = k->p1;
    switch (k->dtype) {
    case TIDE_FLOAT32: {
        const float l = lo != lo ? -INFINITY : (float)lo, h = hi != hi ? INFINITY : (float)hi;
        UN_LOOP_S(float, float, x < l ? l : (x > h ? h : x))
    }
    case TIDE_FLOAT64: {
        const double l = lo != lo ? -INFINITY : lo, h = hi != hi ? INFINITY : hi;
        UN_LOOP_S(double, double, x < l ? l : (x > h ? h : x))
    }
    case TIDE_INT32: {
        const int32_t l = (int32_t)bound_i(lo, INT32_MIN, INT32_MAX, INT32_MIN);
        const int32_t h = (int32_t)bound_i(hi, INT32_MIN, INT32_MAX, INT32_MAX);
        UN_LOOP(int32_t, int32_t, x < l ? l : (x > h ? h : x))
    }
    case TIDE_INT64: {
        const int64_t l = bound_i(lo, -9.2233720368547758e18, 9.2233720368547758e18, INT64_MIN);
        const int64_t h = bound_i(hi, -9.2233720368547758e18, 9.2233720368547758e18, INT64_MAX);
        UN_LOOP(int64_t, int64_t, x < l ? l : (x > h ? h : x))
    }
    case TIDE_UINT8: {
        const uint8_t l = (uint8_t)bound_i(lo, 0, 255, 0), h = (uint8_t)bound_i(hi, 0, 255, 255);
        UN_LOOP(uint8_t, uint8_t, x < l ? l : (x > h ? h : x))
    }
    case TIDE_BOOL: {
        const bool l = lo == lo && lo > 0, h = !(hi == hi && hi < 1);
        UN_LOOP(bool, bool, (x | l) & h)
    }
    }
}

/* ---------------------------------------------------------------- where */

/* out = c ? a : b moved as raw elements of W bits */
#define WHERE_LOOP(W)                                                                                                  \
    {                                                                                                                  \
        W *o = (W *)p[0];                                                                                              \
        const bool *c = (const bool *)p[1];                                                                            \
        const W *a = (const W *)p[2], *b = (const W *)p[3];                                                            \
        const int64_t so = s[0], sc = s[1], sa = s[2], sb = s[3];                                                      \
        if (so == 1 && sc == 1 && sa == 1 && sb == 1) {                                                                \
            _Pragma("omp simd") for (int64_t i = 0; i < n; i++) {                                                      \
                const W x = a[i], y = b[i];                                                                            \
                o[i] = c[i] ? x : y;                                                                                   \
            }                                                                                                          \
        } else if (so == 1 && sc == 1 && sa == 0 && sb == 1) {                                                         \
            const W x = a[0];                                                                                          \
            _Pragma("omp simd") for (int64_t i = 0; i < n; i++) {                                                      \
                const W y = b[i];                                                                                      \
                o[i] = c[i] ? x : y;                                                                                   \
            }                                                                                                          \
        } else if (so == 1 && sc == 1 && sa == 1 && sb == 0) {                                                         \
            const W y = b[0];                                                                                          \
            _Pragma("omp simd") for (int64_t i = 0; i < n; i++) {                                                      \
                const W x = a[i];                                                                                      \
                o[i] = c[i] ? x : y;                                                                                   \
            }                                                                                                          \
        } else {                                                                                                       \
            for (int64_t i = 0; i < n; i++) o[i * so] = c[i * sc] ? a[i * sa] : b[i * sb];                             \
        }                                                                                                              \
        return;                                                                                                        \
    }

/* out = cond ? a : b: cond [n] bool, a, b, out [n] of k->dtype (only its size matters). */
TIDE_HOT void tide_ew_where_row(const tide_ew_args *k, char *const *p, const int64_t *s, int64_t n) {
    switch (tide_dtype_size(k->dtype)) {
    case 1: WHERE_LOOP(uint8_t)
    case 4: WHERE_LOOP(uint32_t)
    case 8: WHERE_LOOP(uint64_t)
    }
}
