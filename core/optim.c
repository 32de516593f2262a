/* optim.c — fused optimizer updates (SGD, Adam, AdamW, RMSprop, Adagrad) and gradient clipping.
 *
 * Each update reads grad and the parameter's state once and writes param and state once, in
 * PyTorch 1.13's single-tensor order of operations (see tide/optim.h for the formulas). Scalars
 * are rounded to the tensor dtype first, as PyTorch's CPU kernels do; where PyTorch's vector
 * kernels fuse a multiply-add (add with alpha, addcmul) we call fma, and nothing else may be
 * fused: contraction is off in this file, so `a * b + c` rounds twice, exactly like two
 * separate PyTorch ops. The result matches PyTorch bit for bit on its vectorised path.
 */
#pragma GCC optimize("fp-contract=off")

#include "internal.h"
#include "tide/optim.h"

#include <math.h>
#include <stdlib.h>

/* Runtime dispatch: the FMA clones turn fma() into one instruction (the default clone calls
 * libm's, which is still exact). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(TIDE_NO_CLONES)
#define OPTIM_HOT __attribute__((target_clones("avx512f", "fma", "default")))
#else
#define OPTIM_HOT
#endif

/* ---------------------------------------------------------------- validation */

static bool overlaps(const tide_tensor *a, const tide_tensor *b) {
    if (a->storage != b->storage) return false;
    int64_t a0 = a->offset, a1 = a->offset + a->numel, b0 = b->offset, b1 = b->offset + b->numel;
    return a0 < b1 && b0 < a1;
}

static int check_param(const char *op, const tide_tensor *param, const tide_tensor *grad) {
    char s1[TIDE_SHAPE_BUFSZ], s2[TIDE_SHAPE_BUFSZ];
    if (param == NULL) return TIDE_FAIL("%s: param is NULL (freed?)", op);
    if (grad == NULL) return TIDE_FAIL("%s: grad is NULL", op);
    if (!tide_is_float(param->dtype))
        return TIDE_FAIL("%s: param must be float32 or float64, got %s", op, tide_dtype_name(param->dtype));
    if (grad->dtype != param->dtype)
        return TIDE_FAIL("%s: grad is %s but param is %s", op, tide_dtype_name(grad->dtype),
                         tide_dtype_name(param->dtype));
    if (!tide_same_shape(param, grad))
        return TIDE_FAIL("%s: grad has shape %s but param has shape %s", op,
                         tide_shape_str(grad->ndim, grad->shape, s1, sizeof s1),
                         tide_shape_str(param->ndim, param->shape, s2, sizeof s2));
    if (!tide_tensor_is_contiguous(param)) return TIDE_FAIL("%s: param must be contiguous", op);
    if (!tide_tensor_is_contiguous(grad)) return TIDE_FAIL("%s: grad must be contiguous", op);
    if (overlaps(param, grad)) return TIDE_FAIL("%s: grad shares memory with param", op);
    return 0;
}

/* A state tensor: required (or NULL allowed when !needed), same dtype/shape as param, contiguous,
 * not overlapping param, grad or the states checked before it. */
static int check_state(const char *op, const char *name, const tide_tensor *t, bool needed, const tide_tensor *param,
                       const tide_tensor *const *others, int n_others) {
    char s1[TIDE_SHAPE_BUFSZ], s2[TIDE_SHAPE_BUFSZ];
    if (t == NULL) return needed ? TIDE_FAIL("%s: %s is required", op, name) : 0;
    if (t->dtype != param->dtype)
        return TIDE_FAIL("%s: %s is %s but param is %s", op, name, tide_dtype_name(t->dtype),
                         tide_dtype_name(param->dtype));
    if (!tide_same_shape(t, param))
        return TIDE_FAIL("%s: %s has shape %s but param has shape %s", op, name,
                         tide_shape_str(t->ndim, t->shape, s1, sizeof s1),
                         tide_shape_str(param->ndim, param->shape, s2, sizeof s2));
    if (!tide_tensor_is_contiguous(t)) return TIDE_FAIL("%s: %s must be contiguous", op, name);
    for (int i = 0; i < n_others; i++)
        if (others[i] != NULL && overlaps(t, others[i]))
            return TIDE_FAIL("%s: %s shares memory with another argument", op, name);
    return 0;
}

static int check_finite(const char *op, const char *name, double v, bool nonneg) {
    if (!isfinite(v)) return TIDE_FAIL("%s: %s must be finite, got %g", op, name, v);
    if (nonneg && v < 0) return TIDE_FAIL("%s: %s must be >= 0, got %g", op, name, v);
    return 0;
}

/* ---------------------------------------------------------------- splitting across threads */

typedef void (*range_fn)(const void *args, int64_t i0, int64_t i1);

/* fn over [0, n) in up to one block per thread; blocks are multiples of 64 elements so every
 * thread runs whole vectors. `cost`: work per element relative to SGD's (measured: two threads
 * pay off from ~32k elements for SGD, ~8k for Adam, RMSprop and Adagrad). */
static void run_split(int64_t n, int64_t cost, range_fn fn, const void *args) {
    int nth = tide_threads_for(n * cost);
    if (nth <= 1) {
        fn(args, 0, n);
        return;
    }
    int64_t block = ((n + nth - 1) / nth + 63) & ~(int64_t)63;
#pragma omp parallel for num_threads(nth) schedule(static)
    for (int t = 0; t < nth; t++) {
        int64_t i0 = t * block, i1 = i0 + block < n ? i0 + block : n;
        if (i0 < i1) fn(args, i0, i1);
    }
}

/* Data pointers of one update: p param, g grad, s0..s2 state tensors (NULL when unused). */
typedef struct update {
    void *p;
    const void *g;
    void *s0, *s1, *s2;
    double c[8]; /* the update's scalars, already derived (see each kernel) */
    int flags;
} update;

enum { F_MAXIMIZE = 1, F_WD = 2, F_MOMENTUM = 4, F_NESTEROV = 8, F_INIT = 16, F_AMSGRAD = 32, F_DECOUPLED = 64,
       F_CENTERED = 128 };

/* Instantiate `NAME##_f32` and `NAME##_f64` range kernels from BODY(T, FMA, SQRT). */
#define DEFINE_KERNELS(NAME, BODY)                                                                                     \
    static OPTIM_HOT void NAME##_f32(const void *args, int64_t i0, int64_t i1) { BODY(float, fmaf, sqrtf) }            \
    static OPTIM_HOT void NAME##_f64(const void *args, int64_t i0, int64_t i1) { BODY(double, fma, sqrt) }

/* NaN-propagating maximum, as torch.maximum. */
#define MAX_NAN(a, b) ((a) != (a) ? (a) : (b) != (b) ? (b) : (a) > (b) ? (a) : (b))

/* ---------------------------------------------------------------- SGD */

/* p, g, buf [n]; c: lr, momentum, dampening, weight_decay */
#define SGD_BODY(T, FMA, SQRT)                                                                                         \
    const update *u = args;                                                                                            \
    T *p = u->p, *buf = u->s0;                                                                                         \
    const T *g = u->g;                                                                                                 \
    const T nlr = (T)(-u->c[0]), mom = (T)u->c[1], damp1 = (T)(1 - u->c[2]), wd = (T)u->c[3];                          \
    const int maximize = u->flags & F_MAXIMIZE, use_wd = u->flags & F_WD;                                              \
    if (!(u->flags & F_MOMENTUM)) {                                                                                    \
        _Pragma("omp simd") for (int64_t i = i0; i < i1; i++) {                                                        \
            T d = maximize ? -g[i] : g[i];                                                                             \
            d = use_wd ? FMA(p[i], wd, d) : d;                                                                         \
            p[i] = FMA(d, nlr, p[i]);                                                                                  \
        }                                                                                                              \
        return;                                                                                                        \
    }                                                                                                                  \
    const int init = u->flags & F_INIT, nesterov = u->flags & F_NESTEROV;                                              \
    _Pragma("omp simd") for (int64_t i = i0; i < i1; i++) {                                                            \
        T d = maximize ? -g[i] : g[i];                                                                                 \
        d = use_wd ? FMA(p[i], wd, d) : d;                                                                             \
        T b = init ? d : FMA(d, damp1, buf[i] * mom);                                                                  \
        buf[i] = b;                                                                                                    \
        d = nesterov ? FMA(b, mom, d) : b;                                                                             \
        p[i] = FMA(d, nlr, p[i]);                                                                                      \
    }

DEFINE_KERNELS(sgd, SGD_BODY)

int tide_sgd_step(tide_tensor *param, const tide_tensor *grad, tide_tensor *momentum_buffer, double lr,
                  double momentum, double dampening, double weight_decay, int nesterov, int maximize,
                  int init_buffer) {
    const char *op = "sgd_step";
    if (check_param(op, param, grad)) return -1;
    const tide_tensor *others[] = {param, grad};
    if (momentum != 0 && check_state(op, "momentum_buffer", momentum_buffer, true, param, others, 2)) return -1;
    if (check_finite(op, "lr", lr, true) || check_finite(op, "momentum", momentum, true) ||
        check_finite(op, "dampening", dampening, false) || check_finite(op, "weight_decay", weight_decay, true))
        return -1;
    if (nesterov && (momentum <= 0 || dampening != 0))
        return TIDE_FAIL("%s: Nesterov momentum requires a momentum and zero dampening", op);
    update u = {tide_elem_ptr(param), tide_elem_ptr(grad), NULL, NULL, NULL, {lr, momentum, dampening, weight_decay}, 0};
    u.flags = (maximize ? F_MAXIMIZE : 0) | (weight_decay != 0 ? F_WD : 0);
    if (momentum != 0) {
        u.s0 = tide_elem_ptr(momentum_buffer);
        u.flags |= F_MOMENTUM | (nesterov ? F_NESTEROV : 0) | (init_buffer ? F_INIT : 0);
    }
    run_split(param->numel, 1, param->dtype == TIDE_FLOAT32 ? sgd_f32 : sgd_f64, &u);
    return 0;
}

/* ---------------------------------------------------------------- Adam / AdamW */

/* p, g, m = exp_avg, v = exp_avg_sq, vmax [n];
 * c: beta1, 1 - beta1, beta2, 1 - beta2, weight_decay (Adam) or 1 - lr*wd (AdamW),
 *    sqrt(1 - beta2^step), -lr / (1 - beta1^step), eps */
#define ADAM_LOOP(T, FMA, SQRT, DECOUPLED, AMSGRAD)                                                                    \
    _Pragma("omp simd") for (int64_t i = i0; i < i1; i++) {                                                            \
        T gi = maximize ? -g[i] : g[i];                                                                                \
        T pi = DECOUPLED ? p[i] * wd : p[i];                                                                           \
        if (!DECOUPLED) gi = use_wd ? FMA(pi, wd, gi) : gi;                                                            \
        T mi = FMA(gi, omb1, m[i] * b1);                                                                               \
        T vi = FMA(omb2 * gi, gi, v[i] * b2);                                                                          \
        m[i] = mi;                                                                                                     \
        v[i] = vi;                                                                                                     \
        if (AMSGRAD) {                                                                                                 \
            T mx = vmax[i];                                                                                            \
            vi = MAX_NAN(mx, vi);                                                                                      \
            vmax[i] = vi;                                                                                              \
        }                                                                                                              \
        T denom = SQRT(vi) / bc2_sqrt + eps;                                                                           \
        p[i] = pi + (neg_step_size * mi) / denom;                                                                      \
    }

#define ADAM_BODY(T, FMA, SQRT, DECOUPLED)                                                                             \
    const update *u = args;                                                                                            \
    T *p = u->p, *m = u->s0, *v = u->s1, *vmax = u->s2;                                                                \
    const T *g = u->g;                                                                                                 \
    const T b1 = (T)u->c[0], omb1 = (T)u->c[1], b2 = (T)u->c[2], omb2 = (T)u->c[3], wd = (T)u->c[4];                   \
    const T bc2_sqrt = (T)u->c[5], neg_step_size = (T)u->c[6], eps = (T)u->c[7];                                       \
    const int maximize = u->flags & F_MAXIMIZE, use_wd = u->flags & F_WD;                                              \
    if (u->flags & F_AMSGRAD) {                                                                                        \
        ADAM_LOOP(T, FMA, SQRT, DECOUPLED, 1)                                                                          \
    } else {                                                                                                           \
        ADAM_LOOP(T, FMA, SQRT, DECOUPLED, 0)                                                                          \
    }

#define ADAM_L2_BODY(T, FMA, SQRT) ADAM_BODY(T, FMA, SQRT, 0)
#define ADAMW_BODY(T, FMA, SQRT) ADAM_BODY(T, FMA, SQRT, 1)
DEFINE_KERNELS(adam, ADAM_L2_BODY)
DEFINE_KERNELS(adamw, ADAMW_BODY)

static int adam_common(const char *op, bool decoupled, tide_tensor *param, const tide_tensor *grad,
                       tide_tensor *exp_avg, tide_tensor *exp_avg_sq, tide_tensor *max_exp_avg_sq, int64_t step,
                       double lr, double beta1, double beta2, double eps, double weight_decay, int amsgrad,
                       int maximize) {
    if (check_param(op, param, grad)) return -1;
    const tide_tensor *others[] = {param, grad, exp_avg, exp_avg_sq};
    if (check_state(op, "exp_avg", exp_avg, true, param, others, 2) ||
        check_state(op, "exp_avg_sq", exp_avg_sq, true, param, others, 3))
        return -1;
    if (amsgrad && check_state(op, "max_exp_avg_sq", max_exp_avg_sq, true, param, others, 4)) return -1;
    if (check_finite(op, "lr", lr, true) || check_finite(op, "eps", eps, true) ||
        check_finite(op, "weight_decay", weight_decay, true))
        return -1;
    if (!(beta1 >= 0 && beta1 < 1)) return TIDE_FAIL("%s: beta1 must be in [0, 1), got %g", op, beta1);
    if (!(beta2 >= 0 && beta2 < 1)) return TIDE_FAIL("%s: beta2 must be in [0, 1), got %g", op, beta2);
    if (step < 1) return TIDE_FAIL("%s: step must be >= 1, got %lld", op, (long long)step);
    double bc1 = 1 - pow(beta1, (double)step), bc2 = 1 - pow(beta2, (double)step);
    update u = {tide_elem_ptr(param), tide_elem_ptr(grad), tide_elem_ptr(exp_avg), tide_elem_ptr(exp_avg_sq), NULL,
                {beta1, 1 - beta1, beta2, 1 - beta2, decoupled ? 1 - lr * weight_decay : weight_decay, sqrt(bc2),
                 -(lr / bc1), eps},
                0};
    if (amsgrad) u.s2 = tide_elem_ptr(max_exp_avg_sq);
    u.flags = (maximize ? F_MAXIMIZE : 0) | (amsgrad ? F_AMSGRAD : 0) |
              (decoupled ? F_DECOUPLED : weight_decay != 0 ? F_WD : 0);
    range_fn fn = decoupled ? (param->dtype == TIDE_FLOAT32 ? adamw_f32 : adamw_f64)
                            : (param->dtype == TIDE_FLOAT32 ? adam_f32 : adam_f64);
    run_split(param->numel, 4, fn, &u);
    return 0;
}

int tide_adam_step(tide_tensor *param, const tide_tensor *grad, tide_tensor *exp_avg, tide_tensor *exp_avg_sq,
                   tide_tensor *max_exp_avg_sq, int64_t step, double lr, double beta1, double beta2, double eps,
                   double weight_decay, int amsgrad, int maximize) {
    return adam_common("adam_step", false, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2,
                       eps, weight_decay, amsgrad, maximize);
}

int tide_adamw_step(tide_tensor *param, const tide_tensor *grad, tide_tensor *exp_avg, tide_tensor *exp_avg_sq,
                    tide_tensor *max_exp_avg_sq, int64_t step, double lr, double beta1, double beta2, double eps,
                    double weight_decay, int amsgrad, int maximize) {
    return adam_common("adamw_step", true, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2,
                       eps, weight_decay, amsgrad, maximize);
}

/* ---------------------------------------------------------------- RMSprop */

/* p, g, sq = square_avg, ga = grad_avg, buf [n]; c: -lr, alpha, 1 - alpha, eps, weight_decay, momentum */
#define RMSPROP_LOOP(T, FMA, SQRT, CENTERED, MOMENTUM)                                                                 \
    _Pragma("omp simd") for (int64_t i = i0; i < i1; i++) {                                                            \
        T gi = maximize ? -g[i] : g[i];                                                                                \
        T pi = p[i];                                                                                                   \
        gi = use_wd ? FMA(pi, wd, gi) : gi;                                                                            \
        T si = FMA(oma * gi, gi, sq[i] * alpha);                                                                       \
        sq[i] = si;                                                                                                    \
        T avg;                                                                                                         \
        if (CENTERED) {                                                                                                \
            T gai = FMA(gi, oma, ga[i] * alpha);                                                                       \
            ga[i] = gai;                                                                                               \
            avg = SQRT(FMA(-gai, gai, si)) + eps;                                                                      \
        } else                                                                                                         \
            avg = SQRT(si) + eps;                                                                                      \
        if (MOMENTUM) {                                                                                                \
            T b = buf[i] * mom + gi / avg;                                                                             \
            buf[i] = b;                                                                                                \
            p[i] = FMA(b, nlr, pi);                                                                                    \
        } else                                                                                                         \
            p[i] = pi + (nlr * gi) / avg;                                                                              \
    }

#define RMSPROP_BODY(T, FMA, SQRT)                                                                                     \
    const update *u = args;                                                                                            \
    T *p = u->p, *sq = u->s0, *ga = u->s1, *buf = u->s2;                                                               \
    const T *g = u->g;                                                                                                 \
    const T nlr = (T)u->c[0], alpha = (T)u->c[1], oma = (T)u->c[2], eps = (T)u->c[3], wd = (T)u->c[4];                 \
    const T mom = (T)u->c[5];                                                                                          \
    const int maximize = u->flags & F_MAXIMIZE, use_wd = u->flags & F_WD;                                              \
    switch (u->flags & (F_CENTERED | F_MOMENTUM)) {                                                                    \
    case 0: RMSPROP_LOOP(T, FMA, SQRT, 0, 0) break;                                                                    \
    case F_CENTERED: RMSPROP_LOOP(T, FMA, SQRT, 1, 0) break;                                                           \
    case F_MOMENTUM: RMSPROP_LOOP(T, FMA, SQRT, 0, 1) break;                                                           \
    default: RMSPROP_LOOP(T, FMA, SQRT, 1, 1) break;                                                                   \
    }

DEFINE_KERNELS(rmsprop, RMSPROP_BODY)

int tide_rmsprop_step(tide_tensor *param, const tide_tensor *grad, tide_tensor *square_avg, tide_tensor *grad_avg,
                      tide_tensor *momentum_buffer, double lr, double alpha, double eps, double weight_decay,
                      double momentum, int centered, int maximize) {
    const char *op = "rmsprop_step";
    if (check_param(op, param, grad)) return -1;
    const tide_tensor *others[] = {param, grad, square_avg, grad_avg};
    if (check_state(op, "square_avg", square_avg, true, param, others, 2)) return -1;
    if (centered && check_state(op, "grad_avg", grad_avg, true, param, others, 3)) return -1;
    if (momentum > 0 && check_state(op, "momentum_buffer", momentum_buffer, true, param, others, centered ? 4 : 3))
        return -1;
    if (check_finite(op, "lr", lr, true) || check_finite(op, "alpha", alpha, true) ||
        check_finite(op, "eps", eps, true) ||
        check_finite(op, "weight_decay", weight_decay, true) || check_finite(op, "momentum", momentum, true))
        return -1;
    update u = {tide_elem_ptr(param), tide_elem_ptr(grad), tide_elem_ptr(square_avg), NULL, NULL,
                {-lr, alpha, 1 - alpha, eps, weight_decay, momentum}, 0};
    u.flags = (maximize ? F_MAXIMIZE : 0) | (weight_decay != 0 ? F_WD : 0);
    if (centered) u.s1 = tide_elem_ptr(grad_avg), u.flags |= F_CENTERED;
    if (momentum > 0) u.s2 = tide_elem_ptr(momentum_buffer), u.flags |= F_MOMENTUM;
    run_split(param->numel, 4, param->dtype == TIDE_FLOAT32 ? rmsprop_f32 : rmsprop_f64, &u);
    return 0;
}

/* ---------------------------------------------------------------- Adagrad */

/* p, g, s = state_sum [n]; c: -clr, eps, weight_decay */
#define ADAGRAD_BODY(T, FMA, SQRT)                                                                                     \
    const update *u = args;                                                                                            \
    T *p = u->p, *s = u->s0;                                                                                           \
    const T *g = u->g;                                                                                                 \
    const T nclr = (T)u->c[0], eps = (T)u->c[1], wd = (T)u->c[2];                                                      \
    const int maximize = u->flags & F_MAXIMIZE, use_wd = u->flags & F_WD;                                              \
    _Pragma("omp simd") for (int64_t i = i0; i < i1; i++) {                                                            \
        T gi = maximize ? -g[i] : g[i];                                                                                \
        T pi = p[i];                                                                                                   \
        gi = use_wd ? FMA(pi, wd, gi) : gi;                                                                            \
        T si = FMA(gi, gi, s[i]);                                                                                      \
        s[i] = si;                                                                                                     \
        p[i] = pi + (nclr * gi) / (SQRT(si) + eps);                                                                    \
    }

DEFINE_KERNELS(adagrad, ADAGRAD_BODY)

int tide_adagrad_step(tide_tensor *param, const tide_tensor *grad, tide_tensor *state_sum, int64_t step, double lr,
                      double lr_decay, double weight_decay, double eps, int maximize) {
    const char *op = "adagrad_step";
    if (check_param(op, param, grad)) return -1;
    const tide_tensor *others[] = {param, grad};
    if (check_state(op, "state_sum", state_sum, true, param, others, 2)) return -1;
    if (check_finite(op, "lr", lr, true) || check_finite(op, "lr_decay", lr_decay, true) ||
        check_finite(op, "weight_decay", weight_decay, true) || check_finite(op, "eps", eps, true))
        return -1;
    if (step < 1) return TIDE_FAIL("%s: step must be >= 1, got %lld", op, (long long)step);
    double clr = lr / (1 + (double)(step - 1) * lr_decay);
    update u = {tide_elem_ptr(param), tide_elem_ptr(grad), tide_elem_ptr(state_sum), NULL, NULL,
                {-clr, eps, weight_decay}, 0};
    u.flags = (maximize ? F_MAXIMIZE : 0) | (weight_decay != 0 ? F_WD : 0);
    run_split(param->numel, 4, param->dtype == TIDE_FLOAT32 ? adagrad_f32 : adagrad_f64, &u);
    return 0;
}

/* ---------------------------------------------------------------- gradient norm and clipping */

enum { NORM_P, NORM_2, NORM_1, NORM_0, NORM_INF };

/* Partial norm of x[0, n): sum |x|^p (or sum x^2, sum |x|, nonzero count), or max |x| for inf,
 * in double. A NaN makes the max NaN, as in PyTorch. */
#define NORM_CHUNK(T)                                                                                                  \
    static OPTIM_HOT double norm_chunk_##T(const T *x, int64_t n, int kind, double p) {                                \
        double acc = 0;                                                                                                \
        switch (kind) {                                                                                                \
        case NORM_2:                                                                                                   \
            _Pragma("omp simd reduction(+ : acc)") for (int64_t i = 0; i < n; i++) acc += (double)x[i] * x[i];         \
            return acc;                                                                                                \
        case NORM_1:                                                                                                   \
            _Pragma("omp simd reduction(+ : acc)") for (int64_t i = 0; i < n; i++) acc += fabs((double)x[i]);          \
            return acc;                                                                                                \
        case NORM_0:                                                                                                   \
            for (int64_t i = 0; i < n; i++) acc += x[i] != 0;                                                          \
            return acc;                                                                                                \
        case NORM_INF: {                                                                                               \
            bool nan = false;                                                                                          \
            for (int64_t i = 0; i < n; i++) {                                                                          \
                double a = fabs((double)x[i]);                                                                         \
                nan |= a != a;                                                                                         \
                acc = a > acc ? a : acc;                                                                               \
            }                                                                                                          \
            return nan ? NAN : acc;                                                                                    \
        }                                                                                                              \
        default:                                                                                                       \
            for (int64_t i = 0; i < n; i++) acc += pow(fabs((double)x[i]), p);                                         \
            return acc;                                                                                                \
        }                                                                                                              \
    }
NORM_CHUNK(float)
NORM_CHUNK(double)

/* Elements per partial sum: the partials are combined in order, so the norm does not depend on
 * the number of threads. */
#define NORM_BLOCK 16384

static double combine(int kind, double a, double b) {
    if (kind != NORM_INF) return a + b;
    if (a != a || b != b) return NAN;
    return a > b ? a : b;
}

static int check_grads(const char *op, tide_tensor *const *grads, int n) {
    if (n < 0) return TIDE_FAIL("%s: negative tensor count %d", op, n);
    if (n > 0 && grads == NULL) return TIDE_FAIL("%s: tensor list is NULL", op);
    for (int i = 0; i < n; i++) {
        const tide_tensor *g = grads[i];
        if (g == NULL) return TIDE_FAIL("%s: tensor %d is NULL", op, i);
        if (!tide_is_float(g->dtype))
            return TIDE_FAIL("%s: tensor %d must be float32 or float64, got %s", op, i, tide_dtype_name(g->dtype));
        if (!tide_tensor_is_contiguous(g)) return TIDE_FAIL("%s: tensor %d must be contiguous", op, i);
    }
    return 0;
}

int tide_grad_norm(tide_tensor *const *grads, int n, double norm_type, double *total_norm) {
    const char *op = "grad_norm";
    if (check_grads(op, grads, n)) return -1;
    if (total_norm == NULL) return TIDE_FAIL("%s: total_norm is NULL", op);
    if (!(norm_type >= 0)) return TIDE_FAIL("%s: norm_type must be >= 0 or inf, got %g", op, norm_type);
    int kind = norm_type == INFINITY ? NORM_INF
               : norm_type == 2      ? NORM_2
               : norm_type == 1      ? NORM_1
               : norm_type == 0      ? NORM_0
                                     : NORM_P;
    double total = 0;
    for (int k = 0; k < n; k++) {
        const tide_tensor *g = grads[k];
        int64_t len = g->numel, nblocks = (len + NORM_BLOCK - 1) / NORM_BLOCK;
        const char *x = tide_elem_ptr(g);
        size_t es = tide_dtype_size(g->dtype);
        bool f32 = g->dtype == TIDE_FLOAT32;
        if (nblocks <= 1) {
            double part = f32 ? norm_chunk_float((const float *)x, len, kind, norm_type)
                              : norm_chunk_double((const double *)x, len, kind, norm_type);
            total = combine(kind, total, part);
            continue;
        }
        double *parts = malloc((size_t)nblocks * sizeof *parts);
        if (parts == NULL) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        int nth = tide_threads_for(kind == NORM_P ? len * 16 : len);
#pragma omp parallel for num_threads(nth) schedule(static)
        for (int64_t b = 0; b < nblocks; b++) {
            int64_t i0 = b * NORM_BLOCK, m = len - i0 < NORM_BLOCK ? len - i0 : NORM_BLOCK;
            const char *xb = x + i0 * (int64_t)es;
            parts[b] = f32 ? norm_chunk_float((const float *)xb, m, kind, norm_type)
                           : norm_chunk_double((const double *)xb, m, kind, norm_type);
        }
        for (int64_t b = 0; b < nblocks; b++) total = combine(kind, total, parts[b]);
        free(parts);
    }
    switch (kind) {
    case NORM_2: *total_norm = sqrt(total); break;
    case NORM_1: case NORM_0: case NORM_INF: *total_norm = total; break;
    default: *total_norm = pow(total, 1 / norm_type);
    }
    return 0;
}

/* x [n] *= s, or x clamped to [-s, s] (clamp != 0) */
#define SCALE_BODY(T, FMA, SQRT)                                                                                       \
    const update *u = args;                                                                                            \
    T *x = u->p;                                                                                                       \
    const T s = (T)u->c[0];                                                                                            \
    if (u->flags) {                                                                                                    \
        _Pragma("omp simd") for (int64_t i = i0; i < i1; i++) {                                                        \
            T v = x[i];                                                                                                \
            x[i] = v > s ? s : v < -s ? -s : v;                                                                        \
        }                                                                                                              \
    } else {                                                                                                           \
        _Pragma("omp simd") for (int64_t i = i0; i < i1; i++) x[i] = x[i] * s;                                         \
    }

DEFINE_KERNELS(scale, SCALE_BODY)

static int map_grads(const char *op, tide_tensor *const *grads, int n, double s, int clamp) {
    if (check_grads(op, grads, n)) return -1;
    if (s != s) return TIDE_FAIL("%s: the value is NaN", op);
    if (clamp && s < 0) return TIDE_FAIL("%s: clip_value must be >= 0, got %g", op, s);
    for (int k = 0; k < n; k++) {
        update u = {tide_elem_ptr(grads[k]), NULL, NULL, NULL, NULL, {s}, clamp};
        run_split(grads[k]->numel, 1, grads[k]->dtype == TIDE_FLOAT32 ? scale_f32 : scale_f64, &u);
    }
    return 0;
}

int tide_grads_scale_(tide_tensor *const *grads, int n, double scale) {
    return map_grads("grads_scale_", grads, n, scale, 0);
}

int tide_grads_clamp_(tide_tensor *const *grads, int n, double clip_value) {
    return map_grads("clip_grad_value", grads, n, clip_value, 1);
}
