/* activation.c — activations and dropout, forward and backward (see tide/activation.h).
 *
 * Every kernel is one pass over memory: pointwise ones read x (or the saved output) and write y;
 * backward ones read the upstream gradient and what was saved and write (or add into) grad_in.
 * softmax / log_softmax view the tensor as [outer, D, inner] and reduce along D: rows (inner
 * == 1) are handled one at a time, other layouts in tiles of TILE positions of inner so the
 * running max and sum stay in registers. Work is split across threads above the parallel grain.
 * float32 uses a vectorisable exp (tide_fast_expf) and tanh (nn_tanhf); float64 uses libm.
 */
#include "nn_internal.h"
#include "tide/activation.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { ACT_RELU, ACT_LEAKY, ACT_ELU, ACT_GELU, ACT_GELU_TANH, ACT_SIGMOID, ACT_TANH, ACT_DROPOUT };
static const char *const act_names[] = {"relu", "leaky_relu", "elu", "gelu", "gelu", "sigmoid", "tanh", "dropout"};
/* relative cost per element, for the threading threshold */
static const int act_cost[] = {1, 1, 6, 12, 12, 6, 8, 1};

#define SQRT1_2 0.70710678118654752440
#define INV_SQRT_2PI 0.39894228040143267794
#define GELU_BETA 0.79788456080286535588 /* sqrt(2 / pi) */
#define GELU_KAPPA 0.044715

static inline float gelu_tanh_f(float v) {
    float inner = (float)GELU_BETA * (v + (float)GELU_KAPPA * v * v * v);
    return 0.5f * v * (1.0f + nn_tanhf(inner));
}
static inline double gelu_tanh_d(double v) {
    double inner = GELU_BETA * (v + GELU_KAPPA * v * v * v);
    return 0.5 * v * (1.0 + tanh(inner));
}
/* d/dx of the tanh form (as PyTorch computes it) */
static inline float gelu_tanh_grad_f(float v) {
    float x2 = v * v;
    float t = nn_tanhf((float)GELU_BETA * (v + (float)GELU_KAPPA * x2 * v));
    return 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * (float)GELU_BETA * (1.0f + 3.0f * (float)GELU_KAPPA * x2);
}
static inline double gelu_tanh_grad_d(double v) {
    double x2 = v * v;
    double t = tanh(GELU_BETA * (v + GELU_KAPPA * x2 * v));
    return 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * GELU_BETA * (1.0 + 3.0 * GELU_KAPPA * x2);
}

/* ---------------------------------------------------------------- pointwise kernels */

/* y[i] = EXPR(v = x[i]) for i in [0, n) */
#define FWD_LOOP(T, EXPR)                                                                                              \
    {                                                                                                                  \
        const T *x = xp;                                                                                               \
        T *y = yp;                                                                                                     \
        _Pragma("omp simd") for (int64_t i = 0; i < n; i++) {                                                          \
            const T v = x[i];                                                                                          \
            y[i] = (EXPR);                                                                                             \
        }                                                                                                              \
        return;                                                                                                        \
    }

/* x [n] -> y [n] for one activation */
static TIDE_HOT void fwd_f32(int act, const void *xp, void *yp, int64_t n, double param) {
    const float a = (float)param;
    switch (act) {
    case ACT_RELU: FWD_LOOP(float, v < 0 ? 0.0f : v)
    case ACT_LEAKY: FWD_LOOP(float, v > 0 ? v : v * a)
    case ACT_ELU: FWD_LOOP(float, v > 0 ? v : a * (tide_fast_expf(v) - 1.0f))
    case ACT_GELU: FWD_LOOP(float, 0.5f * v * (1.0f + erff(v * (float)SQRT1_2)))
    case ACT_GELU_TANH: FWD_LOOP(float, gelu_tanh_f(v))
    case ACT_SIGMOID: FWD_LOOP(float, 1.0f / (1.0f + tide_fast_expf(-v)))
    case ACT_TANH: FWD_LOOP(float, nn_tanhf(v))
    }
}

static TIDE_HOT void fwd_f64(int act, const void *xp, void *yp, int64_t n, double a) {
    switch (act) {
    case ACT_RELU: FWD_LOOP(double, v < 0 ? 0.0 : v)
    case ACT_LEAKY: FWD_LOOP(double, v > 0 ? v : v * a)
    case ACT_ELU: FWD_LOOP(double, v > 0 ? v : a * expm1(v))
    case ACT_GELU: FWD_LOOP(double, 0.5 * v * (1.0 + erf(v * SQRT1_2)))
    case ACT_GELU_TANH: FWD_LOOP(double, gelu_tanh_d(v))
    case ACT_SIGMOID: FWD_LOOP(double, 1.0 / (1.0 + exp(-v)))
    case ACT_TANH: FWD_LOOP(double, tanh(v))
    }
}

/* gi[i] (+)= EXPR(gg = g[i], v = s[i], w = s2[i]) */
#define BWD_LOOP(T, EXPR)                                                                                              \
    {                                                                                                                  \
        const T *g = gp, *s = sp, *s2 = s2p;                                                                           \
        T *gi = gip;                                                                                                   \
        (void)s2;                                                                                                      \
        if (acc) {                                                                                                     \
            _Pragma("omp simd") for (int64_t i = 0; i < n; i++) {                                                      \
                const T gg = g[i], v = s[i];                                                                           \
                gi[i] += (EXPR);                                                                                       \
            }                                                                                                          \
        } else {                                                                                                       \
            _Pragma("omp simd") for (int64_t i = 0; i < n; i++) {                                                      \
                const T gg = g[i], v = s[i];                                                                           \
                gi[i] = (EXPR);                                                                                        \
            }                                                                                                          \
        }                                                                                                              \
        return;                                                                                                        \
    }

/* dropout: gi[i] (+)= m[i] ? g[i] * a : 0 with the bool mask m = s (a = 1 / (1 - p)) */
#define DROPOUT_BWD_LOOP(T)                                                                                            \
    {                                                                                                                  \
        const T *g = gp;                                                                                               \
        const bool *m = sp;                                                                                            \
        T *gi = gip;                                                                                                   \
        if (acc)                                                                                                       \
            _Pragma("omp simd") for (int64_t i = 0; i < n; i++) gi[i] += m[i] ? g[i] * a : (T)0;                       \
        else                                                                                                           \
            _Pragma("omp simd") for (int64_t i = 0; i < n; i++) gi[i] = m[i] ? g[i] * a : (T)0;                        \
        return;                                                                                                        \
    }

/* g [n], s [n] (saved input or output; dropout: the bool mask), s2 [n] (elu: the output) -> gi [n] */
static TIDE_HOT void bwd_f32(int act, const void *gp, const void *sp, const void *s2p, void *gip, int64_t n,
                             double param, int acc) {
    const float a = (float)param;
    if (act == ACT_DROPOUT) DROPOUT_BWD_LOOP(float)
    switch (act) {
    case ACT_RELU: BWD_LOOP(float, v > 0 ? gg : 0.0f)
    case ACT_LEAKY: BWD_LOOP(float, v > 0 ? gg : gg * a)
    case ACT_ELU: BWD_LOOP(float, v > 0 ? gg : gg * (s2[i] + a))
    case ACT_GELU:
        BWD_LOOP(float, gg * (0.5f * (1.0f + erff(v * (float)SQRT1_2)) +
                              v * tide_fast_expf(-0.5f * v * v) * (float)INV_SQRT_2PI))
    case ACT_GELU_TANH: BWD_LOOP(float, gg * gelu_tanh_grad_f(v))
    case ACT_SIGMOID: BWD_LOOP(float, gg * v * (1.0f - v))
    case ACT_TANH: BWD_LOOP(float, gg * (1.0f - v * v))
    }
}

static TIDE_HOT void bwd_f64(int act, const void *gp, const void *sp, const void *s2p, void *gip, int64_t n,
                             double a, int acc) {
    if (act == ACT_DROPOUT) DROPOUT_BWD_LOOP(double)
    switch (act) {
    case ACT_RELU: BWD_LOOP(double, v > 0 ? gg : 0.0)
    case ACT_LEAKY: BWD_LOOP(double, v > 0 ? gg : gg * a)
    case ACT_ELU: BWD_LOOP(double, v > 0 ? gg : gg * (s2[i] + a))
    case ACT_GELU: BWD_LOOP(double, gg * (0.5 * (1.0 + erf(v * SQRT1_2)) + v * exp(-0.5 * v * v) * INV_SQRT_2PI))
    case ACT_GELU_TANH: BWD_LOOP(double, gg * gelu_tanh_grad_d(v))
    case ACT_SIGMOID: BWD_LOOP(double, gg * v * (1.0 - v))
    case ACT_TANH: BWD_LOOP(double, gg * (1.0 - v * v))
    }
}

/* Split [0, n) into nt pieces whose starts are multiples of 16 elements (whole cache lines). */
static inline int64_t piece_start(int64_t n, int nt, int t) {
    if (t >= nt) return n;
    int64_t s = (n * t / nt) & ~(int64_t)15;
    return s < n ? s : n;
}

static void run_forward(int act, int dtype, const void *x, void *y, int64_t n, double param) {
    size_t es = tide_dtype_size(dtype);
    int nt = nn_threads(n, act_cost[act]);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int t = 0; t < nt; t++) {
        int64_t i0 = piece_start(n, nt, t), i1 = piece_start(n, nt, t + 1);
        const char *xs = (const char *)x + i0 * (int64_t)es;
        char *ys = (char *)y + i0 * (int64_t)es;
        if (dtype == TIDE_FLOAT32)
            fwd_f32(act, xs, ys, i1 - i0, param);
        else
            fwd_f64(act, xs, ys, i1 - i0, param);
    }
}

static void run_backward(int act, int dtype, const void *g, const void *s, const void *s2, void *gi, int64_t n,
                         double param, int acc) {
    int64_t es = (int64_t)tide_dtype_size(dtype);
    int64_t ss = act == ACT_DROPOUT ? 1 : es; /* the mask is one byte per element */
    int nt = nn_threads(n, act_cost[act]);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int t = 0; t < nt; t++) {
        int64_t i0 = piece_start(n, nt, t), i1 = piece_start(n, nt, t + 1);
        const char *gs = (const char *)g + i0 * es, *sv = (const char *)s + i0 * ss;
        const char *s2v = s2 ? (const char *)s2 + i0 * es : NULL;
        char *gis = (char *)gi + i0 * es;
        if (dtype == TIDE_FLOAT32)
            bwd_f32(act, gs, sv, s2v, gis, i1 - i0, param, acc);
        else
            bwd_f64(act, gs, sv, s2v, gis, i1 - i0, param, acc);
    }
}

/* ---------------------------------------------------------------- pointwise entry points */

/* The result of a forward op shaped like x (out, or a new tensor) with x's contiguous data in *xd
 * (a copy left in *tmp, NULL when none was made); NULL, nothing kept, on failure. */
static tide_tensor *result_like(const char *op, const tide_tensor *x, tide_tensor *out, const void **xd,
                                tide_tensor **tmp) {
    tide_tensor *res = nn_result(op, out, x->ndim, x->shape, x->dtype);
    if (!res) return NULL;
    *xd = nn_data(x, tmp);
    if (!*xd) {
        if (res != out) tide_tensor_free(res);
        return NULL;
    }
    return res;
}

static tide_tensor *pointwise_forward(int act, const tide_tensor *x, tide_tensor *out, double param) {
    const char *op = act_names[act];
    if (!nn_check_float(op, x, "input")) return NULL;
    tide_tensor *tmp;
    const void *xd;
    tide_tensor *res = result_like(op, x, out, &xd, &tmp);
    if (!res) return NULL;
    run_forward(act, x->dtype, xd, tide_elem_ptr(res), x->numel, param);
    tide_tensor_free(tmp);
    return res;
}

/* grad_out and the saved tensor(s) s (and s2) of one shape -> grad_in */
static int pointwise_backward(int act, const tide_tensor *g, const tide_tensor *s, const char *s_name,
                              const tide_tensor *s2, const char *s2_name, tide_tensor *gi, double param, int acc) {
    const char *op = act_names[act];
    char bop[48];
    snprintf(bop, sizeof bop, "%s backward", op);
    if (!nn_check_float(bop, g, "grad_out")) return -1;
    if (act == ACT_DROPOUT) {
        char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
        if (!s) return TIDE_FAIL("%s: mask is NULL (freed?)", bop);
        if (s->dtype != TIDE_BOOL) return TIDE_FAIL("%s: mask must be bool, got %s", bop, tide_dtype_name(s->dtype));
        if (!tide_same_shape(s, g))
            return TIDE_FAIL("%s: mask has shape %s, expected %s", bop, tide_shape_str(s->ndim, s->shape, b1, sizeof b1),
                             tide_shape_str(g->ndim, g->shape, b2, sizeof b2));
    } else if (!nn_check_like(bop, s, g, s_name))
        return -1;
    if (s2_name && !nn_check_like(bop, s2, g, s2_name)) return -1;
    if (!nn_check_buffer(bop, gi, g->ndim, g->shape, g->dtype, "grad_in")) return -1;
    tide_tensor *t1 = NULL, *t2 = NULL, *t3 = NULL;
    const void *gd = nn_data(g, &t1), *sd = gd ? nn_data(s, &t2) : NULL, *s2d = NULL;
    int st = -1;
    if (!gd || !sd) goto done;
    if (s2_name && !(s2d = nn_data(s2, &t3))) goto done;
    run_backward(act, g->dtype, gd, sd, s2d, tide_elem_ptr(gi), g->numel, param, acc != 0);
    st = 0;
done:
    tide_tensor_free(t1);
    tide_tensor_free(t2);
    tide_tensor_free(t3);
    return st;
}

tide_tensor *tide_relu_forward(const tide_tensor *x, tide_tensor *out) { return pointwise_forward(ACT_RELU, x, out, 0); }

int tide_relu_backward(const tide_tensor *grad_out, const tide_tensor *out, tide_tensor *grad_in, int accumulate) {
    return pointwise_backward(ACT_RELU, grad_out, out, "out", NULL, NULL, grad_in, 0, accumulate);
}

tide_tensor *tide_leaky_relu_forward(const tide_tensor *x, tide_tensor *out, double slope) {
    if (!isfinite(slope)) {
        TIDE_FAIL("leaky_relu: negative_slope must be finite, got %g", slope);
        return NULL;
    }
    return pointwise_forward(ACT_LEAKY, x, out, slope);
}

int tide_leaky_relu_backward(const tide_tensor *grad_out, const tide_tensor *x, tide_tensor *grad_in, double slope,
                             int accumulate) {
    return pointwise_backward(ACT_LEAKY, grad_out, x, "input", NULL, NULL, grad_in, slope, accumulate);
}

tide_tensor *tide_elu_forward(const tide_tensor *x, tide_tensor *out, double alpha) {
    if (!isfinite(alpha)) {
        TIDE_FAIL("elu: alpha must be finite, got %g", alpha);
        return NULL;
    }
    return pointwise_forward(ACT_ELU, x, out, alpha);
}

int tide_elu_backward(const tide_tensor *grad_out, const tide_tensor *x, const tide_tensor *out, tide_tensor *grad_in,
                      double alpha, int accumulate) {
    return pointwise_backward(ACT_ELU, grad_out, x, "input", out, "out", grad_in, alpha, accumulate);
}

tide_tensor *tide_gelu_forward(const tide_tensor *x, tide_tensor *out, int approximate) {
    if (approximate != 0 && approximate != 1) {
        TIDE_FAIL("gelu: approximate must be 0 (erf) or 1 (tanh), got %d", approximate);
        return NULL;
    }
    return pointwise_forward(approximate ? ACT_GELU_TANH : ACT_GELU, x, out, 0);
}

int tide_gelu_backward(const tide_tensor *grad_out, const tide_tensor *x, tide_tensor *grad_in, int approximate,
                       int accumulate) {
    if (approximate != 0 && approximate != 1)
        return TIDE_FAIL("gelu backward: approximate must be 0 (erf) or 1 (tanh), got %d", approximate);
    return pointwise_backward(approximate ? ACT_GELU_TANH : ACT_GELU, grad_out, x, "input", NULL, NULL, grad_in, 0,
                              accumulate);
}

tide_tensor *tide_sigmoid_forward(const tide_tensor *x, tide_tensor *out) {
    return pointwise_forward(ACT_SIGMOID, x, out, 0);
}

int tide_sigmoid_backward(const tide_tensor *grad_out, const tide_tensor *out, tide_tensor *grad_in, int accumulate) {
    return pointwise_backward(ACT_SIGMOID, grad_out, out, "out", NULL, NULL, grad_in, 0, accumulate);
}

tide_tensor *tide_tanh_forward(const tide_tensor *x, tide_tensor *out) { return pointwise_forward(ACT_TANH, x, out, 0); }

int tide_tanh_backward(const tide_tensor *grad_out, const tide_tensor *out, tide_tensor *grad_in, int accumulate) {
    return pointwise_backward(ACT_TANH, grad_out, out, "out", NULL, NULL, grad_in, 0, accumulate);
}

/* ---------------------------------------------------------------- softmax / log_softmax */

/* Positions of inner handled together when the reduced dim is not the last. */
#define TILE 64

/* One row of D contiguous elements (inner == 1). */
#define SOFTMAX_ROW(T, EXP, LOG)                                                                                       \
    {                                                                                                                  \
        const T *x = xp;                                                                                               \
        T *y = yp;                                                                                                     \
        T m = -INFINITY;                                                                                               \
        _Pragma("omp simd reduction(max : m)") for (int64_t d = 0; d < D; d++) m = x[d] > m ? x[d] : m;               \
        T s = 0;                                                                                                       \
        if (lg) {                                                                                                      \
            _Pragma("omp simd reduction(+ : s)") for (int64_t d = 0; d < D; d++) s += EXP(x[d] - m);                  \
            T lse = m + LOG(s);                                                                                        \
            _Pragma("omp simd") for (int64_t d = 0; d < D; d++) y[d] = x[d] - lse;                                    \
        } else {                                                                                                       \
            _Pragma("omp simd reduction(+ : s)") for (int64_t d = 0; d < D; d++) {                                    \
                T e = EXP(x[d] - m);                                                                                   \
                y[d] = e;                                                                                              \
                s += e;                                                                                                \
            }                                                                                                          \
            T r = 1 / s;                                                                                               \
            _Pragma("omp simd") for (int64_t d = 0; d < D; d++) y[d] *= r;                                            \
        }                                                                                                              \
        return;                                                                                                        \
    }

/* A tile of w <= TILE positions of inner: x[d * inner + j] for d < D, j < w. */
#define SOFTMAX_TILE(T, EXP, LOG)                                                                                      \
    {                                                                                                                  \
        const T *x = xp;                                                                                               \
        T *y = yp;                                                                                                     \
        T m[TILE], s[TILE];                                                                                            \
        for (int64_t j = 0; j < w; j++) m[j] = -INFINITY, s[j] = 0;                                                    \
        for (int64_t d = 0; d < D; d++) {                                                                              \
            const T *xr = x + d * inner;                                                                               \
            _Pragma("omp simd") for (int64_t j = 0; j < w; j++) m[j] = xr[j] > m[j] ? xr[j] : m[j];                   \
        }                                                                                                              \
        for (int64_t d = 0; d < D; d++) {                                                                              \
            const T *xr = x + d * inner;                                                                               \
            T *yr = y + d * inner;                                                                                     \
            if (lg) {                                                                                                  \
                _Pragma("omp simd") for (int64_t j = 0; j < w; j++) s[j] += EXP(xr[j] - m[j]);                        \
            } else {                                                                                                   \
                _Pragma("omp simd") for (int64_t j = 0; j < w; j++) {                                                 \
                    T e = EXP(xr[j] - m[j]);                                                                           \
                    yr[j] = e;                                                                                         \
                    s[j] += e;                                                                                         \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
        for (int64_t j = 0; j < w; j++) s[j] = lg ? m[j] + LOG(s[j]) : 1 / s[j];                                       \
        for (int64_t d = 0; d < D; d++) {                                                                              \
            const T *xr = x + d * inner;                                                                               \
            T *yr = y + d * inner;                                                                                     \
            if (lg)                                                                                                    \
                _Pragma("omp simd") for (int64_t j = 0; j < w; j++) yr[j] = xr[j] - s[j];                             \
            else                                                                                                       \
                _Pragma("omp simd") for (int64_t j = 0; j < w; j++) yr[j] *= s[j];                                    \
        }                                                                                                              \
        return;                                                                                                        \
    }

static TIDE_HOT void softmax_row_f32(bool lg, const void *xp, void *yp, int64_t D) SOFTMAX_ROW(float, tide_fast_expf, logf)
static TIDE_HOT void softmax_row_f64(bool lg, const void *xp, void *yp, int64_t D) SOFTMAX_ROW(double, exp, log)
static TIDE_HOT void softmax_tile_f32(bool lg, const void *xp, void *yp, int64_t D, int64_t inner, int64_t w)
    SOFTMAX_TILE(float, tide_fast_expf, logf)
static TIDE_HOT void softmax_tile_f64(bool lg, const void *xp, void *yp, int64_t D, int64_t inner, int64_t w)
    SOFTMAX_TILE(double, exp, log)

/* Backward of one row: softmax gi = y (g - sum(g y)); log_softmax gi = g - exp(y) sum(g). */
#define SOFTMAX_BWD_ROW(T, EXP)                                                                                        \
    {                                                                                                                  \
        const T *g = gp, *y = yp;                                                                                      \
        T *gi = gip;                                                                                                   \
        T s = 0;                                                                                                       \
        if (lg) {                                                                                                      \
            _Pragma("omp simd reduction(+ : s)") for (int64_t d = 0; d < D; d++) s += g[d];                           \
            if (acc)                                                                                                   \
                _Pragma("omp simd") for (int64_t d = 0; d < D; d++) gi[d] += g[d] - EXP(y[d]) * s;                    \
            else                                                                                                       \
                _Pragma("omp simd") for (int64_t d = 0; d < D; d++) gi[d] = g[d] - EXP(y[d]) * s;                     \
        } else {                                                                                                       \
            _Pragma("omp simd reduction(+ : s)") for (int64_t d = 0; d < D; d++) s += g[d] * y[d];                    \
            if (acc)                                                                                                   \
                _Pragma("omp simd") for (int64_t d = 0; d < D; d++) gi[d] += y[d] * (g[d] - s);                       \
            else                                                                                                       \
                _Pragma("omp simd") for (int64_t d = 0; d < D; d++) gi[d] = y[d] * (g[d] - s);                        \
        }                                                                                                              \
        return;                                                                                                        \
    }

#define SOFTMAX_BWD_TILE(T, EXP)                                                                                       \
    {                                                                                                                  \
        const T *g = gp, *y = yp;                                                                                      \
        T *gi = gip;                                                                                                   \
        T s[TILE];                                                                                                     \
        for (int64_t j = 0; j < w; j++) s[j] = 0;                                                                      \
        for (int64_t d = 0; d < D; d++) {                                                                              \
            const T *gr = g + d * inner, *yr = y + d * inner;                                                          \
            if (lg)                                                                                                    \
                _Pragma("omp simd") for (int64_t j = 0; j < w; j++) s[j] += gr[j];                                    \
            else                                                                                                       \
                _Pragma("omp simd") for (int64_t j = 0; j < w; j++) s[j] += gr[j] * yr[j];                            \
        }                                                                                                              \
        for (int64_t d = 0; d < D; d++) {                                                                              \
            const T *gr = g + d * inner, *yr = y + d * inner;                                                          \
            T *o = gi + d * inner;                                                                                     \
            if (lg)                                                                                                    \
                _Pragma("omp simd") for (int64_t j = 0; j < w; j++) o[j] = (acc ? o[j] : 0) + gr[j] - EXP(yr[j]) * s[j]; \
            else                                                                                                       \
                _Pragma("omp simd") for (int64_t j = 0; j < w; j++) o[j] = (acc ? o[j] : 0) + yr[j] * (gr[j] - s[j]);   \
        }                                                                                                              \
        return;                                                                                                        \
    }

static TIDE_HOT void softmax_bwd_row_f32(bool lg, const void *gp, const void *yp, void *gip, int64_t D, int acc)
    SOFTMAX_BWD_ROW(float, tide_fast_expf)
static TIDE_HOT void softmax_bwd_row_f64(bool lg, const void *gp, const void *yp, void *gip, int64_t D, int acc)
    SOFTMAX_BWD_ROW(double, exp)
static TIDE_HOT void softmax_bwd_tile_f32(bool lg, const void *gp, const void *yp, void *gip, int64_t D, int64_t inner,
                                          int64_t w, int acc) SOFTMAX_BWD_TILE(float, tide_fast_expf)
static TIDE_HOT void softmax_bwd_tile_f64(bool lg, const void *gp, const void *yp, void *gip, int64_t D, int64_t inner,
                                          int64_t w, int acc) SOFTMAX_BWD_TILE(double, exp)

/* [outer, D, inner] views of one contiguous shape split at dim */
static void split_dims(const tide_tensor *t, int dim, int64_t *outer, int64_t *D, int64_t *inner) {
    *outer = tide_shape_numel(dim, t->shape);
    *D = t->ndim ? t->shape[dim] : 1;
    *inner = t->ndim ? tide_shape_numel(t->ndim - dim - 1, t->shape + dim + 1) : 1;
}

/* Forward over all rows / tiles. g, gi NULL: forward x -> y; else backward (g, y) -> gi. */
static void run_softmax(bool lg, int dtype, const void *x, void *y, const void *g, void *gi, int64_t outer, int64_t D,
                        int64_t inner, int acc) {
    int64_t es = (int64_t)tide_dtype_size(dtype);
    bool f32 = dtype == TIDE_FLOAT32;
    int nt = nn_threads(outer * D * inner, 8);
    if (inner == 1) {
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (int64_t o = 0; o < outer; o++) {
            int64_t off = o * D * es;
            if (!g)
                f32 ? softmax_row_f32(lg, (const char *)x + off, (char *)y + off, D)
                    : softmax_row_f64(lg, (const char *)x + off, (char *)y + off, D);
            else
                f32 ? softmax_bwd_row_f32(lg, (const char *)g + off, (const char *)y + off, (char *)gi + off, D, acc)
                    : softmax_bwd_row_f64(lg, (const char *)g + off, (const char *)y + off, (char *)gi + off, D, acc);
        }
        return;
    }
    int64_t ntiles = (inner + TILE - 1) / TILE;
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t k = 0; k < outer * ntiles; k++) {
        int64_t o = k / ntiles, j0 = (k % ntiles) * TILE;
        int64_t w = inner - j0 < TILE ? inner - j0 : TILE;
        int64_t off = (o * D * inner + j0) * es;
        if (!g)
            f32 ? softmax_tile_f32(lg, (const char *)x + off, (char *)y + off, D, inner, w)
                : softmax_tile_f64(lg, (const char *)x + off, (char *)y + off, D, inner, w);
        else
            f32 ? softmax_bwd_tile_f32(lg, (const char *)g + off, (const char *)y + off, (char *)gi + off, D, inner, w,
                                       acc)
                : softmax_bwd_tile_f64(lg, (const char *)g + off, (const char *)y + off, (char *)gi + off, D, inner, w,
                                       acc);
    }
}

static bool check_softmax_dim(const char *op, const tide_tensor *t, int dim) {
    int nd = t->ndim ? t->ndim : 1; /* a 0-d tensor is a row of one */
    if (dim < 0 || dim >= nd) {
        TIDE_FAIL("%s: dim %d out of range for a tensor with %d dims", op, dim + 1, t->ndim);
        return false;
    }
    return true;
}

static tide_tensor *softmax_forward(bool lg, const tide_tensor *x, tide_tensor *out, int dim) {
    const char *op = lg ? "log_softmax" : "softmax";
    if (!nn_check_float(op, x, "input") || !check_softmax_dim(op, x, dim)) return NULL;
    /* in place (out == x) is safe: each element is read before it is written at the same index */
    tide_tensor *tmp;
    const void *xd;
    tide_tensor *res = result_like(op, x, out, &xd, &tmp);
    if (!res) return NULL;
    int64_t outer, D, inner;
    split_dims(x, dim, &outer, &D, &inner);
    if (x->numel) run_softmax(lg, x->dtype, xd, tide_elem_ptr(res), NULL, NULL, outer, D, inner, 0);
    tide_tensor_free(tmp);
    return res;
}

static int softmax_backward(bool lg, const tide_tensor *g, const tide_tensor *y, tide_tensor *gi, int dim, int acc) {
    const char *op = lg ? "log_softmax backward" : "softmax backward";
    if (!nn_check_float(op, g, "grad_out") || !nn_check_like(op, y, g, "out") || !check_softmax_dim(op, g, dim))
        return -1;
    if (!nn_check_buffer(op, gi, g->ndim, g->shape, g->dtype, "grad_in")) return -1;
    tide_tensor *t1 = NULL, *t2 = NULL;
    const void *gd = nn_data(g, &t1), *yd = gd ? nn_data(y, &t2) : NULL;
    if (!gd || !yd) {
        tide_tensor_free(t1);
        return -1;
    }
    /* grad_in may be grad_out or out itself: every element is read before it is written */
    int64_t outer, D, inner;
    split_dims(g, dim, &outer, &D, &inner);
    if (g->numel) run_softmax(lg, g->dtype, NULL, (void *)yd, gd, tide_elem_ptr(gi), outer, D, inner, acc != 0);
    tide_tensor_free(t1);
    tide_tensor_free(t2);
    return 0;
}

tide_tensor *tide_softmax_forward(const tide_tensor *x, tide_tensor *out, int dim) {
    return softmax_forward(false, x, out, dim);
}
int tide_softmax_backward(const tide_tensor *grad_out, const tide_tensor *out, tide_tensor *grad_in, int dim,
                          int accumulate) {
    return softmax_backward(false, grad_out, out, grad_in, dim, accumulate);
}
tide_tensor *tide_log_softmax_forward(const tide_tensor *x, tide_tensor *out, int dim) {
    return softmax_forward(true, x, out, dim);
}
int tide_log_softmax_backward(const tide_tensor *grad_out, const tide_tensor *out, tide_tensor *grad_in, int dim,
                              int accumulate) {
    return softmax_backward(true, grad_out, out, grad_in, dim, accumulate);
}

/* ---------------------------------------------------------------- dropout */

/* y = x * (u >= p ? scale : 0), mask = u >= p, for n contiguous elements; u may be y itself */
#define DROPOUT_LOOP(T)                                                                                                \
    {                                                                                                                  \
        const T *x = xp, *u = up;                                                                                      \
        T *y = yp;                                                                                                     \
        const T pp = (T)p, sc = (T)scale;                                                                              \
        _Pragma("omp simd") for (int64_t i = 0; i < n; i++) {                                                          \
            bool keep = u[i] >= pp;                                                                                    \
            m[i] = keep;                                                                                               \
            y[i] = x[i] * (keep ? sc : (T)0);                                                                          \
        }                                                                                                              \
        return;                                                                                                        \
    }

static TIDE_HOT void dropout_rows(int dtype, const void *xp, const void *up, void *yp, bool *m, int64_t n, double p,
                                  double scale) {
    if (dtype == TIDE_FLOAT32) DROPOUT_LOOP(float)
    DROPOUT_LOOP(double)
}

tide_tensor *tide_dropout_forward(const tide_tensor *x, tide_tensor *out, tide_tensor *mask, double p) {
    if (!nn_check_float("dropout", x, "input")) return NULL;
    if (!(p >= 0 && p <= 1)) {
        TIDE_FAIL("dropout: probability p must be in [0, 1], got %g", p);
        return NULL;
    }
    if (!nn_check_buffer("dropout", mask, x->ndim, x->shape, TIDE_BOOL, "mask")) return NULL;
    tide_tensor *res = nn_result("dropout", out, x->ndim, x->shape, x->dtype);
    if (!res) return NULL;
    tide_tensor *tx = NULL, *tu = NULL;
    const void *xd = nn_data(x, &tx);
    if (!xd) goto fail;
    /* the uniform draws go into the result itself unless it holds the input */
    tide_tensor *u = res;
    if (nn_overlap(res, x) && !tx && !(u = tu = tide_alloc("dropout", x->ndim, x->shape, x->dtype))) goto fail;
    if (p > 0 && p < 1) {
        if (tide_rand_(u, 0, 1)) goto fail;
    } else if (x->numel) {
        tide_fill_(u, p == 0 ? 1 : -1); /* keep everything / nothing */
    }
    double scale = p < 1 ? 1 / (1 - p) : 0;
    int64_t n = x->numel, es = (int64_t)tide_dtype_size(x->dtype);
    const char *ud = tide_elem_ptr(u);
    char *yd = tide_elem_ptr(res);
    bool *md = (bool *)tide_elem_ptr(mask);
    int nt = nn_threads(n, 2);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int t = 0; t < nt; t++) {
        int64_t i0 = piece_start(n, nt, t), i1 = piece_start(n, nt, t + 1);
        dropout_rows(x->dtype, (const char *)xd + i0 * es, ud + i0 * es, yd + i0 * es, md + i0, i1 - i0, p, scale);
    }
    tide_tensor_free(tx);
    tide_tensor_free(tu);
    return res;
fail:
    tide_tensor_free(tx);
    tide_tensor_free(tu);
    if (res != out) tide_tensor_free(res);
    return NULL;
}

int tide_dropout_backward(const tide_tensor *grad_out, const tide_tensor *mask, tide_tensor *grad_in, double p,
                          int accumulate) {
    if (!(p >= 0 && p <= 1)) return TIDE_FAIL("dropout backward: probability p must be in [0, 1], got %g", p);
    return pointwise_backward(ACT_DROPOUT, grad_out, mask, "mask", NULL, NULL, grad_in, p < 1 ? 1 / (1 - p) : 0,
                              accumulate);
}
