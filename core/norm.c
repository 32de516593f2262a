/* norm.c — batch_norm and layer_norm, forward and backward (see tide/norm.h).
 *
 * batch_norm sees x as [N, C, S] (S = product of the dims after C; 1 for [N, C]). Threads take
 * ranges of channels. With S > 1 a channel is N contiguous blocks of S values, walked block by
 * block (per channel: one pass for the mean, one for the variance, one to write; a channel of
 * the CNN's [64, 32, 28, 28] is 200 KB, so the later passes hit cache). With S == 1 a channel
 * is a column, so rows are walked and per-channel accumulators advance together.
 * layer_norm sees x as [R, M] rows; threads take ranges of rows; the weight and bias gradients
 * are column sums, accumulated per thread and added up at the end.
 * Statistics and gradient sums are accumulated in double for both dtypes.
 */
#include "nn_internal.h"
#include "tide/norm.h"

#include <math.h>
#include <stdlib.h>

/* ---------------------------------------------------------------- batch_norm kernels */

/* mean[c], var[c] (biased) for the channels [c0, c1) of x [N, C, S] */
#define BN_STATS(T)                                                                                                    \
    {                                                                                                                  \
        const T *x = xp;                                                                                               \
        const double M = (double)N * (double)S;                                                                        \
        if (S == 1) {                                                                                                  \
            for (int64_t c = c0; c < c1; c++) mean[c] = var[c] = 0;                                                    \
            for (int64_t n = 0; n < N; n++) {                                                                          \
                const T *r = x + n * C;                                                                                \
                for (int64_t c = c0; c < c1; c++) mean[c] += r[c];                                                     \
            }                                                                                                          \
            for (int64_t c = c0; c < c1; c++) mean[c] /= M;                                                            \
            for (int64_t n = 0; n < N; n++) {                                                                          \
                const T *r = x + n * C;                                                                                \
                for (int64_t c = c0; c < c1; c++) {                                                                    \
                    double d = r[c] - mean[c];                                                                         \
                    var[c] += d * d;                                                                                   \
                }                                                                                                      \
            }                                                                                                          \
            for (int64_t c = c0; c < c1; c++) var[c] /= M;                                                             \
            return;                                                                                                    \
        }                                                                                                              \
        for (int64_t c = c0; c < c1; c++) {                                                                            \
            double s = 0;                                                                                              \
            for (int64_t n = 0; n < N; n++) {                                                                          \
                const T *b = x + (n * C + c) * S;                                                                      \
                _Pragma("omp simd reduction(+ : s)") for (int64_t i = 0; i < S; i++) s += b[i];                       \
            }                                                                                                          \
            double mu = s / M, q = 0;                                                                                  \
            for (int64_t n = 0; n < N; n++) {                                                                          \
                const T *b = x + (n * C + c) * S;                                                                      \
                _Pragma("omp simd reduction(+ : q)") for (int64_t i = 0; i < S; i++) {                                \
                    double d = b[i] - mu;                                                                              \
                    q += d * d;                                                                                        \
                }                                                                                                      \
            }                                                                                                          \
            mean[c] = mu;                                                                                              \
            var[c] = q / M;                                                                                            \
        }                                                                                                              \
        return;                                                                                                        \
    }

static TIDE_HOT void bn_stats(int dtype, const void *xp, int64_t N, int64_t C, int64_t S, int64_t c0, int64_t c1,
                              double *mean, double *var) {
    if (dtype == TIDE_FLOAT32) BN_STATS(float)
    BN_STATS(double)
}

/* y = x * scale[c] + shift[c] for the channels [c0, c1) */
#define BN_APPLY(T)                                                                                                    \
    {                                                                                                                  \
        const T *x = xp;                                                                                               \
        T *y = yp;                                                                                                     \
        for (int64_t n = 0; n < N; n++)                                                                                \
            for (int64_t c = c0; c < c1; c++) {                                                                        \
                const T *b = x + (n * C + c) * S;                                                                      \
                T *o = y + (n * C + c) * S;                                                                            \
                const T sc = (T)scale[c], sh = (T)shift[c];                                                            \
                _Pragma("omp simd") for (int64_t i = 0; i < S; i++) o[i] = b[i] * sc + sh;                            \
            }                                                                                                          \
        return;                                                                                                        \
    }

static TIDE_HOT void bn_apply(int dtype, const void *xp, void *yp, int64_t N, int64_t C, int64_t S, int64_t c0,
                              int64_t c1, const double *scale, const double *shift) {
    if (dtype == TIDE_FLOAT32) BN_APPLY(float)
    BN_APPLY(double)
}

/* sg[c] = sum g, sgx[c] = sum g * (x - mean[c]) for the channels [c0, c1) */
#define BN_GRAD_SUMS(T)                                                                                                \
    {                                                                                                                  \
        const T *x = xp, *g = gp;                                                                                      \
        for (int64_t c = c0; c < c1; c++) sg[c] = sgx[c] = 0;                                                          \
        for (int64_t n = 0; n < N; n++)                                                                                \
            for (int64_t c = c0; c < c1; c++) {                                                                        \
                const T *b = x + (n * C + c) * S, *gb = g + (n * C + c) * S;                                           \
                const double mu = mean[c];                                                                             \
                double a = 0, q = 0;                                                                                   \
                _Pragma("omp simd reduction(+ : a, q)") for (int64_t i = 0; i < S; i++) {                             \
                    a += gb[i];                                                                                        \
                    q += gb[i] * (b[i] - mu);                                                                          \
                }                                                                                                      \
                sg[c] += a;                                                                                            \
                sgx[c] += q;                                                                                           \
            }                                                                                                          \
        return;                                                                                                        \
    }

static TIDE_HOT void bn_grad_sums(int dtype, const void *gp, const void *xp, int64_t N, int64_t C, int64_t S,
                                  int64_t c0, int64_t c1, const double *mean, double *sg, double *sgx) {
    if (dtype == TIDE_FLOAT32) BN_GRAD_SUMS(float)
    BN_GRAD_SUMS(double)
}

/* gi (+)= a[c] * g + b[c] * (x - mean[c]) + k[c] for the channels [c0, c1) */
#define BN_GRAD_IN(T)                                                                                                  \
    {                                                                                                                  \
        const T *x = xp, *g = gp;                                                                                      \
        T *gi = gip;                                                                                                   \
        for (int64_t n = 0; n < N; n++)                                                                                \
            for (int64_t c = c0; c < c1; c++) {                                                                        \
                const int64_t off = (n * C + c) * S;                                                                   \
                const T ca = (T)a[c], cb = (T)b[c], ck = (T)k[c], cm = (T)mean[c];                                     \
                if (acc)                                                                                               \
                    _Pragma("omp simd") for (int64_t i = 0; i < S; i++) gi[off + i] += ca * g[off + i] + cb * (x[off + i] - cm) + ck; \
                else                                                                                                   \
                    _Pragma("omp simd") for (int64_t i = 0; i < S; i++) gi[off + i] = ca * g[off + i] + cb * (x[off + i] - cm) + ck;  \
            }                                                                                                          \
        return;                                                                                                        \
    }

static TIDE_HOT void bn_grad_in(int dtype, const void *gp, const void *xp, void *gip, int64_t N, int64_t C, int64_t S,
                                int64_t c0, int64_t c1, const double *mean, const double *a, const double *b, const double *k,
                                int acc) {
    if (dtype == TIDE_FLOAT32) BN_GRAD_IN(float)
    BN_GRAD_IN(double)
}

/* ---------------------------------------------------------------- batch_norm entry points */

/* A [C] buffer the kernel writes (running stats, saved stats, parameter gradients), or NULL. */
static bool bn_check_out_vec(const char *op, const tide_tensor *t, int64_t C, int dtype, const char *what) {
    int64_t shape[1] = {C};
    return !t || nn_check_buffer(op, t, 1, shape, dtype, what);
}

static void store_vec(tide_tensor *t, const double *v, int64_t n) {
    if (!t) return;
    if (t->dtype == TIDE_FLOAT32)
        for (int64_t i = 0; i < n; i++) ((float *)tide_elem_ptr(t))[i] = (float)v[i];
    else
        memcpy(tide_elem_ptr(t), v, (size_t)n * sizeof(double));
}

/* Channel ranges for nt threads: thread t takes [C * t / nt, C * (t + 1) / nt). */
static int bn_threads(int64_t N, int64_t C, int64_t S, int cost) {
    int nt = nn_threads(N * C * S, cost);
    return (int64_t)nt > C ? (int)C : nt;
}

tide_tensor *tide_batch_norm_forward(const tide_tensor *x, const tide_tensor *weight, const tide_tensor *bias,
                                     tide_tensor *running_mean, tide_tensor *running_var, tide_tensor *out,
                                     tide_tensor *save_mean, tide_tensor *save_invstd, int training, double momentum,
                                     double eps) {
    const char *op = "batch_norm";
    char b[TIDE_SHAPE_BUFSZ];
    if (!nn_check_nc(op, x)) return NULL;
    const int dt = x->dtype;
    const int64_t N = x->shape[0], C = x->shape[1], S = tide_shape_numel(x->ndim - 2, x->shape + 2);
    if (!nn_check_vector(op, weight, C, dt, "weight") || !nn_check_vector(op, bias, C, dt, "bias") ||
        !bn_check_out_vec(op, running_mean, C, dt, "running_mean") ||
        !bn_check_out_vec(op, running_var, C, dt, "running_var") ||
        !bn_check_out_vec(op, save_mean, C, dt, "save_mean") || !bn_check_out_vec(op, save_invstd, C, dt, "save_invstd"))
        return NULL;
    if (!(eps >= 0)) {
        TIDE_FAIL("%s: eps must be >= 0, got %g", op, eps);
        return NULL;
    }
    if (training) {
        if (N * S <= 1) {
            TIDE_FAIL("%s: expected more than 1 value per channel when training, got input of shape %s", op,
                      tide_shape_str(x->ndim, x->shape, b, sizeof b));
            return NULL;
        }
        if ((running_mean == NULL) != (running_var == NULL)) {
            TIDE_FAIL("%s: running_mean and running_var must be given together", op);
            return NULL;
        }
        if (!isfinite(momentum)) {
            TIDE_FAIL("%s: momentum must be a finite number, got %g", op, momentum);
            return NULL;
        }
    } else if (!running_mean || !running_var) {
        TIDE_FAIL("%s: running_mean and running_var are required in evaluation mode (training = false)", op);
        return NULL;
    }
    tide_tensor *res = nn_result(op, out, x->ndim, x->shape, dt);
    if (!res) return NULL;
    tide_tensor *tmp = NULL;
    double *buf = malloc(sizeof(double) * (size_t)(4 * C + 1));
    const void *xd = buf ? nn_data(x, &tmp) : NULL;
    if (!xd) {
        if (!buf) tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        free(buf);
        if (res != out) tide_tensor_free(res);
        return NULL;
    }
    double *mean = buf, *var = buf + C, *scale = buf + 2 * C, *shift = buf + 3 * C;
    if (training) {
        int nt = bn_threads(N, C, S, 2);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (int t = 0; t < nt; t++) bn_stats(dt, xd, N, C, S, C * t / nt, C * (t + 1) / nt, mean, var);
    } else {
        for (int64_t c = 0; c < C; c++) {
            mean[c] = nn_vec_at(running_mean, c);
            var[c] = nn_vec_at(running_var, c);
        }
    }
    for (int64_t c = 0; c < C; c++) {
        double invstd = 1 / sqrt(var[c] + eps);
        double w = weight ? nn_vec_at(weight, c) : 1, bb = bias ? nn_vec_at(bias, c) : 0;
        scale[c] = invstd * w;
        shift[c] = bb - mean[c] * scale[c];
    }
    if (x->numel) {
        int nt = bn_threads(N, C, S, 1);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (int t = 0; t < nt; t++)
            bn_apply(dt, xd, tide_elem_ptr(res), N, C, S, C * t / nt, C * (t + 1) / nt, scale, shift);
    }
    store_vec(save_mean, mean, C);
    if (save_invstd)
        for (int64_t c = 0; c < C; c++) {
            double v = 1 / sqrt(var[c] + eps);
            tide_store_from_double((char *)tide_elem_ptr(save_invstd) + c * (int64_t)tide_dtype_size(dt), dt, v);
        }
    if (training && running_mean) {
        const double M = (double)N * (double)S, unbias = M / (M - 1);
        for (int64_t c = 0; c < C; c++) {
            double rm = nn_vec_at(running_mean, c), rv = nn_vec_at(running_var, c);
            size_t off = (size_t)c * tide_dtype_size(dt);
            tide_store_from_double((char *)tide_elem_ptr(running_mean) + off, dt, (1 - momentum) * rm + momentum * mean[c]);
            tide_store_from_double((char *)tide_elem_ptr(running_var) + off, dt,
                                   (1 - momentum) * rv + momentum * var[c] * unbias);
        }
    }
    free(buf);
    tide_tensor_free(tmp);
    return res;
}

int tide_batch_norm_backward(const tide_tensor *grad_out, const tide_tensor *x, const tide_tensor *weight,
                             const tide_tensor *save_mean, const tide_tensor *save_invstd, tide_tensor *grad_in,
                             tide_tensor *grad_weight, tide_tensor *grad_bias, int training, int accumulate) {
    const char *op = "batch_norm backward";
    if (!nn_check_nc(op, x) || !nn_check_like(op, grad_out, x, "grad_out")) return -1;
    const int dt = x->dtype;
    const int64_t N = x->shape[0], C = x->shape[1], S = tide_shape_numel(x->ndim - 2, x->shape + 2);
    if (!save_mean || !save_invstd) return TIDE_FAIL("%s: save_mean and save_invstd are required", op);
    if (!nn_check_vector(op, weight, C, dt, "weight") || !nn_check_vector(op, save_mean, C, dt, "save_mean") ||
        !nn_check_vector(op, save_invstd, C, dt, "save_invstd") ||
        !bn_check_out_vec(op, grad_weight, C, dt, "grad_weight") || !bn_check_out_vec(op, grad_bias, C, dt, "grad_bias"))
        return -1;
    if (grad_in && !nn_check_buffer(op, grad_in, x->ndim, x->shape, dt, "grad_in")) return -1;
    tide_tensor *tx = NULL, *tg = NULL;
    double *buf = malloc(sizeof(double) * (size_t)(6 * C + 1));
    const void *xd = buf ? nn_data(x, &tx) : NULL, *gd = xd ? nn_data(grad_out, &tg) : NULL;
    if (!gd) {
        if (!buf) tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        free(buf);
        tide_tensor_free(tx);
        return -1;
    }
    double *mean = buf, *sg = buf + C, *sgx = buf + 2 * C, *a = buf + 3 * C, *b = buf + 4 * C, *k = buf + 5 * C;
    for (int64_t c = 0; c < C; c++) mean[c] = nn_vec_at(save_mean, c);
    bool need_sums = training || grad_weight || grad_bias;
    if (need_sums) {
        int nt = bn_threads(N, C, S, 2);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (int t = 0; t < nt; t++) bn_grad_sums(dt, gd, xd, N, C, S, C * t / nt, C * (t + 1) / nt, mean, sg, sgx);
    }
    const double M = (double)N * (double)S;
    for (int64_t c = 0; c < C; c++) {
        double is = nn_vec_at(save_invstd, c), w = weight ? nn_vec_at(weight, c) : 1;
        if (grad_weight || grad_bias) {
            size_t off = (size_t)c * tide_dtype_size(dt);
            if (grad_weight) {
                char *p = (char *)tide_elem_ptr(grad_weight) + off;
                tide_store_from_double(p, dt, (accumulate ? tide_load_as_double(p, dt) : 0) + sgx[c] * is);
            }
            if (grad_bias) {
                char *p = (char *)tide_elem_ptr(grad_bias) + off;
                tide_store_from_double(p, dt, (accumulate ? tide_load_as_double(p, dt) : 0) + sg[c]);
            }
        }
        /* training: gi = w is (g - sg / M - (x - mean) is^2 sgx / M); evaluation: gi = w is g */
        a[c] = w * is;
        if (training) {
            b[c] = -w * is * is * is * sgx[c] / M;
            k[c] = -w * is * sg[c] / M;
        } else {
            b[c] = k[c] = 0;
        }
    }
    if (grad_in && x->numel) {
        int nt = bn_threads(N, C, S, 1);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (int t = 0; t < nt; t++)
            bn_grad_in(dt, gd, xd, tide_elem_ptr(grad_in), N, C, S, C * t / nt, C * (t + 1) / nt, mean, a, b,
                       k, accumulate != 0);
    }
    free(buf);
    tide_tensor_free(tx);
    tide_tensor_free(tg);
    return 0;
}

/* ---------------------------------------------------------------- layer_norm kernels */

/* rows [r0, r1) of x [R, M]: y = (x - mean) * rstd * w + b; mean / rstd saved per row */
#define LN_FWD(T)                                                                                                      \
    {                                                                                                                  \
        const T *x = xp, *w = wp, *b = bp;                                                                             \
        T *y = yp, *sm = smp, *sr = srp;                                                                               \
        for (int64_t r = r0; r < r1; r++) {                                                                            \
            const T *xr = x + r * M;                                                                                   \
            T *yr = y + r * M;                                                                                         \
            double s = 0, q = 0;                                                                                       \
            _Pragma("omp simd reduction(+ : s)") for (int64_t j = 0; j < M; j++) s += xr[j];                          \
            const double mu = s / (double)M;                                                                           \
            _Pragma("omp simd reduction(+ : q)") for (int64_t j = 0; j < M; j++) {                                    \
                double d = xr[j] - mu;                                                                                 \
                q += d * d;                                                                                            \
            }                                                                                                          \
            const double rstd = 1 / sqrt(q / (double)M + eps);                                                         \
            const T tm = (T)mu, tr = (T)rstd;                                                                          \
            if (w && b)                                                                                                \
                _Pragma("omp simd") for (int64_t j = 0; j < M; j++) yr[j] = (xr[j] - tm) * tr * w[j] + b[j];          \
            else if (w)                                                                                                \
                _Pragma("omp simd") for (int64_t j = 0; j < M; j++) yr[j] = (xr[j] - tm) * tr * w[j];                 \
            else if (b)                                                                                                \
                _Pragma("omp simd") for (int64_t j = 0; j < M; j++) yr[j] = (xr[j] - tm) * tr + b[j];                 \
            else                                                                                                       \
                _Pragma("omp simd") for (int64_t j = 0; j < M; j++) yr[j] = (xr[j] - tm) * tr;                        \
            if (sm) sm[r] = tm;                                                                                        \
            if (sr) sr[r] = tr;                                                                                        \
        }                                                                                                              \
        return;                                                                                                        \
    }

static TIDE_HOT void ln_forward_rows(int dtype, const void *xp, const void *wp, const void *bp, void *yp, void *smp,
                                     void *srp, int64_t M, int64_t r0, int64_t r1, double eps) {
    if (dtype == TIDE_FLOAT32) LN_FWD(float)
    LN_FWD(double)
}

/* rows [r0, r1): gi (+)= rstd (g w - mean(g w) - xhat mean(g w xhat)); pw[j] += g xhat, pb[j] += g */
#define LN_BWD(T)                                                                                                      \
    {                                                                                                                  \
        const T *x = xp, *g = gp, *w = wp, *sm = smp, *sr = srp;                                                       \
        T *gi = gip;                                                                                                   \
        for (int64_t r = r0; r < r1; r++) {                                                                            \
            const T *xr = x + r * M, *gr = g + r * M;                                                                  \
            const double mu = sm[r], rs = sr[r];                                                                       \
            double a = 0, bsum = 0;                                                                                    \
            _Pragma("omp simd reduction(+ : a, bsum)") for (int64_t j = 0; j < M; j++) {                              \
                double gw = w ? (double)gr[j] * w[j] : (double)gr[j];                                                  \
                a += gw;                                                                                               \
                bsum += gw * (xr[j] - mu) * rs;                                                                        \
            }                                                                                                          \
            if (pw || pb)                                                                                              \
                for (int64_t j = 0; j < M; j++) {                                                                      \
                    if (pw) pw[j] += (double)gr[j] * (xr[j] - mu) * rs;                                                \
                    if (pb) pb[j] += gr[j];                                                                            \
                }                                                                                                      \
            if (gi) {                                                                                                  \
                T *o = gi + r * M;                                                                                     \
                const T ca = (T)(a / (double)M), cb = (T)(bsum / (double)M), tm = (T)mu, tr = (T)rs;                   \
                _Pragma("omp simd") for (int64_t j = 0; j < M; j++) {                                                 \
                    T gw = w ? gr[j] * w[j] : gr[j];                                                                   \
                    T v = tr * (gw - ca - (xr[j] - tm) * tr * cb);                                                     \
                    o[j] = acc ? o[j] + v : v;                                                                         \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
        return;                                                                                                        \
    }

static TIDE_HOT void ln_backward_rows(int dtype, const void *gp, const void *xp, const void *wp, const void *smp,
                                      const void *srp, void *gip, double *pw, double *pb, int64_t M, int64_t r0,
                                      int64_t r1, int acc) {
    if (dtype == TIDE_FLOAT32) LN_BWD(float)
    LN_BWD(double)
}

/* ---------------------------------------------------------------- layer_norm entry points */

/* weight / bias of layer_norm: the input's trailing nd dims S and dtype, or NULL */
static bool ln_check_param(const char *op, const tide_tensor *t, const tide_tensor *x, int nd, const char *what) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    if (!t) return true;
    const int64_t *S = x->shape + x->ndim - nd;
    if (t->ndim != nd || memcmp(t->shape, S, sizeof(int64_t) * (size_t)nd)) {
        TIDE_FAIL("%s: %s has shape %s, expected %s (the input's trailing dims)", op, what,
                  tide_shape_str(t->ndim, t->shape, b1, sizeof b1), tide_shape_str(nd, S, b2, sizeof b2));
        return false;
    }
    if (t->dtype != x->dtype) {
        TIDE_FAIL("%s: %s is %s, the input %s", op, what, tide_dtype_name(t->dtype), tide_dtype_name(x->dtype));
        return false;
    }
    return true;
}

/* Checks shared by forward and backward: x [*, S] with S the trailing nd dims; sets R and M. */
static bool ln_check(const char *op, const tide_tensor *x, int nd, const tide_tensor *weight, int64_t *R, int64_t *M) {
    if (!nn_check_float(op, x, "input")) return false;
    if (nd < 1 || nd > x->ndim) {
        TIDE_FAIL("%s: normalized_shape has %d dims, the input %d (it must name 1 to %d trailing dims)", op, nd, x->ndim,
                  x->ndim);
        return false;
    }
    if (!ln_check_param(op, weight, x, nd, "weight")) return false;
    *M = tide_shape_numel(nd, x->shape + x->ndim - nd);
    *R = tide_shape_numel(x->ndim - nd, x->shape);
    return true;
}

/* A contiguous buffer of n elements of dtype (any shape), or NULL. */
static bool ln_check_rows_buf(const char *op, const tide_tensor *t, int64_t n, int dtype, const char *what) {
    if (!t) return true;
    if (t->numel != n || t->dtype != dtype || !tide_tensor_is_contiguous(t)) {
        TIDE_FAIL("%s: %s must be a contiguous %s tensor of %lld elements", op, what, tide_dtype_name(dtype),
                  (long long)n);
        return false;
    }
    return true;
}

tide_tensor *tide_layer_norm_forward(const tide_tensor *x, const tide_tensor *weight, const tide_tensor *bias,
                                     tide_tensor *out, tide_tensor *save_mean, tide_tensor *save_rstd,
                                     int normalized_ndim, double eps) {
    const char *op = "layer_norm";
    int64_t R, M;
    if (!ln_check(op, x, normalized_ndim, weight, &R, &M)) return NULL;
    if (!ln_check_param(op, bias, x, normalized_ndim, "bias")) return NULL;
    if (!ln_check_rows_buf(op, save_mean, R, x->dtype, "save_mean") ||
        !ln_check_rows_buf(op, save_rstd, R, x->dtype, "save_rstd"))
        return NULL;
    if (!(eps >= 0)) {
        TIDE_FAIL("%s: eps must be >= 0, got %g", op, eps);
        return NULL;
    }
    tide_tensor *res = nn_result(op, out, x->ndim, x->shape, x->dtype);
    if (!res) return NULL;
    tide_tensor *tx = NULL, *tw = NULL, *tb = NULL;
    const void *xd = nn_data(x, &tx);
    const void *wd = xd && weight ? nn_data(weight, &tw) : NULL;
    const void *bd = xd && bias ? nn_data(bias, &tb) : NULL;
    if (!xd || (weight && !wd) || (bias && !bd)) {
        tide_tensor_free(tx);
        tide_tensor_free(tw);
        tide_tensor_free(tb);
        if (res != out) tide_tensor_free(res);
        return NULL;
    }
    void *sm = save_mean ? tide_elem_ptr(save_mean) : NULL, *sr = save_rstd ? tide_elem_ptr(save_rstd) : NULL;
    int nt = nn_threads(R * M, 3);
    if (nt > R) nt = (int)R;
    if (R > 0) {
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (int t = 0; t < nt; t++)
            ln_forward_rows(x->dtype, xd, wd, bd, tide_elem_ptr(res), sm, sr, M, R * t / nt, R * (t + 1) / nt, eps);
    }
    tide_tensor_free(tx);
    tide_tensor_free(tw);
    tide_tensor_free(tb);
    return res;
}

int tide_layer_norm_backward(const tide_tensor *grad_out, const tide_tensor *x, const tide_tensor *weight,
                             const tide_tensor *save_mean, const tide_tensor *save_rstd, tide_tensor *grad_in,
                             tide_tensor *grad_weight, tide_tensor *grad_bias, int normalized_ndim, int accumulate) {
    const char *op = "layer_norm backward";
    int64_t R, M;
    if (!ln_check(op, x, normalized_ndim, weight, &R, &M) || !nn_check_like(op, grad_out, x, "grad_out")) return -1;
    if (!save_mean || !save_rstd) return TIDE_FAIL("%s: save_mean and save_rstd are required", op);
    if (!ln_check_rows_buf(op, save_mean, R, x->dtype, "save_mean") ||
        !ln_check_rows_buf(op, save_rstd, R, x->dtype, "save_rstd"))
        return -1;
    const int64_t *S = x->shape + x->ndim - normalized_ndim;
    if (grad_in && !nn_check_buffer(op, grad_in, x->ndim, x->shape, x->dtype, "grad_in")) return -1;
    if (grad_weight && !nn_check_buffer(op, grad_weight, normalized_ndim, S, x->dtype, "grad_weight")) return -1;
    if (grad_bias && !nn_check_buffer(op, grad_bias, normalized_ndim, S, x->dtype, "grad_bias")) return -1;
    int nt = nn_threads(R * M, 4);
    if (nt > R) nt = R > 0 ? (int)R : 1;
    bool part = grad_weight || grad_bias;
    double *parts = part ? calloc((size_t)(2 * nt * M + 1), sizeof(double)) : NULL;
    if (part && !parts) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    tide_tensor *tx = NULL, *tg = NULL, *tw = NULL;
    const void *xd = nn_data(x, &tx), *gd = xd ? nn_data(grad_out, &tg) : NULL;
    const void *wd = gd && weight ? nn_data(weight, &tw) : NULL;
    if (!xd || !gd || (weight && !wd)) {
        tide_tensor_free(tx);
        tide_tensor_free(tg);
        free(parts);
        return -1;
    }
    void *gid = grad_in ? tide_elem_ptr(grad_in) : NULL;
    if (R > 0) {
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (int t = 0; t < nt; t++)
            ln_backward_rows(x->dtype, gd, xd, wd, tide_elem_ptr(save_mean), tide_elem_ptr(save_rstd), gid,
                             grad_weight ? parts + 2 * t * M : NULL, grad_bias ? parts + (2 * t + 1) * M : NULL, M,
                             R * t / nt, R * (t + 1) / nt, accumulate != 0);
    }
    size_t es = tide_dtype_size(x->dtype);
    for (int which = 0; which < 2; which++) {
        tide_tensor *dst = which == 0 ? grad_weight : grad_bias;
        if (!dst) continue;
        for (int64_t j = 0; j < M; j++) {
            double s = 0;
            for (int t = 0; t < nt; t++) s += parts[(2 * t + which) * M + j];
            char *p = (char *)tide_elem_ptr(dst) + j * (int64_t)es;
            tide_store_from_double(p, x->dtype, (accumulate ? tide_load_as_double(p, x->dtype) : 0) + s);
        }
    }
    free(parts);
    tide_tensor_free(tx);
    tide_tensor_free(tg);
    tide_tensor_free(tw);
    return 0;
}
