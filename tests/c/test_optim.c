/* test_optim.c — the fused optimizer kernels through the public C API: each update against a
 * plain scalar transcription of PyTorch 1.13's formulas (bit for bit, float32 and float64, on
 * tensors small enough for one thread and large enough for several, over several steps), the
 * gradient norm (every norm type, the same bits on 1 and 2 threads), scaling and clamping,
 * argument validation, and that nothing leaks. The PyTorch trajectories themselves are checked
 * by tests/lua/optim_spec.lua. */
#include "check.h"
#include "tide/optim.h"
#include "tide/tensor.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 99;
static double uniform(void) { /* in [-1, 1) */
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng >> 11) / 9007199254740992.0 * 2 - 1;
}

static tide_tensor *random_tensor(int64_t n, int dtype, double scale) {
    tide_tensor *t = tide_tensor_empty(1, &n, dtype);
    for (int64_t i = 0; i < n; i++) {
        double v = uniform() * scale;
        if (dtype == TIDE_FLOAT32) ((float *)tide_tensor_data_ptr(t))[i] = (float)v;
        else ((double *)tide_tensor_data_ptr(t))[i] = v;
    }
    return t;
}

static tide_tensor *zeros(int64_t n, int dtype) { return tide_tensor_zeros(1, &n, dtype); }

/* The same update written element by element as PyTorch composes it (one op per line). */
#define REF_UPDATE(T, FMA, SQRT)                                                                                       \
    static void ref_##T(int kind, T *p, const T *g, T *s0, T *s1, T *s2, int64_t n, int64_t step, const double *h,     \
                        int flags) {                                                                                   \
        for (int64_t i = 0; i < n; i++) {                                                                              \
            T gi = (flags & 1) ? -g[i] : g[i];                                                                         \
            if (kind == 0) { /* SGD: h = lr, momentum, dampening, wd; flags 2 nesterov, 4 first */                     \
                if (h[3] != 0) gi = FMA(p[i], (T)h[3], gi);                                                            \
                if (h[1] != 0) {                                                                                       \
                    s0[i] = (flags & 4) ? gi : FMA(gi, (T)(1 - h[2]), s0[i] * (T)h[1]);                                \
                    gi = (flags & 2) ? FMA(s0[i], (T)h[1], gi) : s0[i];                                                \
                }                                                                                                      \
                p[i] = FMA(gi, (T)(-h[0]), p[i]);                                                                      \
            } else if (kind == 1 || kind == 2) { /* Adam / AdamW: h = lr, b1, b2, eps, wd; flags 2 amsgrad */          \
                if (kind == 2) p[i] = p[i] * (T)(1 - h[0] * h[4]);                                                     \
                else if (h[4] != 0) gi = FMA(p[i], (T)h[4], gi);                                                       \
                s0[i] = FMA(gi, (T)(1 - h[1]), s0[i] * (T)h[1]);                                                       \
                s1[i] = FMA((T)(1 - h[2]) * gi, gi, s1[i] * (T)h[2]);                                                  \
                T v = s1[i];                                                                                           \
                if (flags & 2) {                                                                                       \
                    s2[i] = s2[i] > v ? s2[i] : v;                                                                     \
                    v = s2[i];                                                                                         \
                }                                                                                                      \
                double bc1 = 1 - pow(h[1], (double)step), bc2 = 1 - pow(h[2], (double)step);                           \
                T denom = SQRT(v) / (T)sqrt(bc2) + (T)h[3];                                                            \
                p[i] = p[i] + ((T)(-(h[0] / bc1)) * s0[i]) / denom;                                                    \
            } else if (kind == 3) { /* RMSprop: h = lr, alpha, eps, wd, momentum; flags 2 centered */                  \
                if (h[3] != 0) gi = FMA(p[i], (T)h[3], gi);                                                            \
                s0[i] = FMA((T)(1 - h[1]) * gi, gi, s0[i] * (T)h[1]);                                                  \
                T avg;                                                                                                 \
                if (flags & 2) {                                                                                       \
                    s1[i] = FMA(gi, (T)(1 - h[1]), s1[i] * (T)h[1]);                                                   \
                    avg = SQRT(FMA(-s1[i], s1[i], s0[i])) + (T)h[2];                                                   \
                } else                                                                                                 \
                    avg = SQRT(s0[i]) + (T)h[2];                                                                       \
                if (h[4] > 0) {                                                                                        \
                    T b = s2[i] * (T)h[4];                                                                             \
                    s2[i] = b + gi / avg;                                                                              \
                    p[i] = FMA(s2[i], (T)(-h[0]), p[i]);                                                               \
                } else                                                                                                 \
                    p[i] = p[i] + ((T)(-h[0]) * gi) / avg;                                                             \
            } else { /* Adagrad: h = lr, lr_decay, wd, eps */                                                          \
                if (h[2] != 0) gi = FMA(p[i], (T)h[2], gi);                                                            \
                double clr = h[0] / (1 + (double)(step - 1) * h[1]);                                                   \
                s0[i] = FMA(gi, gi, s0[i]);                                                                            \
                T sd = SQRT(s0[i]) + (T)h[3];                                                                          \
                p[i] = p[i] + ((T)(-clr) * gi) / sd;                                                                   \
            }                                                                                                          \
        }                                                                                                              \
    }
#pragma GCC optimize("fp-contract=off")
REF_UPDATE(float, fmaf, sqrtf)
REF_UPDATE(double, fma, sqrt)

static bool same_bits(const tide_tensor *a, const tide_tensor *b) {
    return memcmp(tide_tensor_data_ptr(a), tide_tensor_data_ptr(b), (size_t)a->numel * tide_dtype_size(a->dtype)) == 0;
}

static void *ptr(tide_tensor *t) { return t ? tide_tensor_data_ptr(t) : NULL; }

/* Run `steps` updates of one kernel configuration with the library and the reference. */
static void run_case(int kind, int dtype, int64_t n, const double *h, int flags) {
    tide_tensor *p = random_tensor(n, dtype, 1), *q = tide_clone(p), *p0 = tide_clone(p);
    tide_tensor *s[3], *r[3];
    for (int k = 0; k < 3; k++) {
        s[k] = zeros(n, dtype);
        if (kind == 4 && k == 0) tide_fill_(s[k], 0.1); /* Adagrad's initial sum */
        r[k] = tide_clone(s[k]);
    }
    bool ok = true;
    for (int64_t step = 1; step <= 4; step++) {
        tide_tensor *g = random_tensor(n, dtype, step == 3 ? 3 : 0.5);
        int rc = -1;
        switch (kind) {
        case 0:
            rc = tide_sgd_step(p, g, s[0], h[0], h[1], h[2], h[3], flags & 2 ? 1 : 0, flags & 1, step == 1);
            break;
        case 1:
        case 2:
            rc = (kind == 1 ? tide_adam_step : tide_adamw_step)(p, g, s[0], s[1], s[2], step, h[0], h[1], h[2], h[3],
                                                                h[4], flags & 2 ? 1 : 0, flags & 1);
            break;
        case 3: rc = tide_rmsprop_step(p, g, s[0], s[1], s[2], h[0], h[1], h[2], h[3], h[4], flags & 2 ? 1 : 0, flags & 1); break;
        default: rc = tide_adagrad_step(p, g, s[0], step, h[0], h[1], h[2], h[3], flags & 1);
        }
        CHECK(rc == 0);
        if (rc != 0) fprintf(stderr, "  %s\n", tide_last_error());
        int rflags = flags | (kind == 0 && step == 1 ? 4 : 0);
        if (dtype == TIDE_FLOAT32)
            ref_float(kind, ptr(q), ptr(g), ptr(r[0]), ptr(r[1]), ptr(r[2]), n, step, h, rflags);
        else
            ref_double(kind, ptr(q), ptr(g), ptr(r[0]), ptr(r[1]), ptr(r[2]), n, step, h, rflags);
        ok = ok && same_bits(p, q) && same_bits(s[0], r[0]) && same_bits(s[1], r[1]) && same_bits(s[2], r[2]);
        tide_tensor_free(g);
    }
    if (!ok) fprintf(stderr, "  kernel %d dtype %d n %lld flags %d differs from the reference\n", kind, dtype,
                     (long long)n, flags);
    CHECK(ok);
    CHECK(!same_bits(p, p0)); /* it moved */
    tide_tensor_free(p), tide_tensor_free(q), tide_tensor_free(p0);
    for (int k = 0; k < 3; k++) tide_tensor_free(s[k]), tide_tensor_free(r[k]);
}

static void test_updates(void) {
    const double sgd[][4] = {{0.1, 0, 0, 0}, {0.1, 0.9, 0, 0.01}, {0.05, 0.8, 0.3, 0}};
    const double adam[][5] = {{1e-3, 0.9, 0.999, 1e-8, 0}, {0.01, 0.8, 0.99, 1e-6, 0.1}};
    const double rms[][5] = {{0.01, 0.99, 1e-8, 0, 0}, {0.01, 0.9, 1e-6, 0.01, 0.9}};
    const double ada[][4] = {{0.1, 0, 0, 1e-10}, {0.1, 0.05, 0.01, 1e-8}};
    const int64_t sizes[] = {1, 19, 100003};
    for (int d = 0; d < 2; d++)
        for (int z = 0; z < 3; z++) {
            int dt = d ? TIDE_FLOAT64 : TIDE_FLOAT32;
            int64_t n = sizes[z];
            for (int c = 0; c < 3; c++) {
                run_case(0, dt, n, sgd[c], 0);
                run_case(0, dt, n, sgd[c], 1);
            }
            run_case(0, dt, n, sgd[1], 2); /* Nesterov */
            for (int c = 0; c < 2; c++)
                for (int f = 0; f < 4; f++) {
                    run_case(1, dt, n, adam[c], f);
                    run_case(2, dt, n, adam[c], f);
                    run_case(3, dt, n, rms[c], f);
                    run_case(4, dt, n, ada[c], f & 1);
                }
        }
}

static void test_same_bits_on_any_thread_count(void) {
    int64_t n = 250001;
    tide_tensor *p0 = random_tensor(n, TIDE_FLOAT32, 1), *g = random_tensor(n, TIDE_FLOAT32, 1);
    tide_tensor *res[2];
    for (int t = 0; t < 2; t++) {
        tide_set_num_threads(t + 1);
        tide_tensor *p = tide_clone(p0), *m = zeros(n, TIDE_FLOAT32), *v = zeros(n, TIDE_FLOAT32);
        for (int step = 1; step <= 3; step++)
            CHECK(tide_adam_step(p, g, m, v, NULL, step, 0.01, 0.9, 0.999, 1e-8, 0.01, 0, 0) == 0);
        res[t] = p;
        tide_tensor_free(m), tide_tensor_free(v);
    }
    CHECK(same_bits(res[0], res[1]));
    tide_tensor_free(res[0]), tide_tensor_free(res[1]), tide_tensor_free(p0), tide_tensor_free(g);
    tide_set_num_threads(2);
}

static void test_norms(void) {
    int64_t n2 = 2, n3 = 3;
    tide_tensor *a = tide_tensor_empty(1, &n2, TIDE_FLOAT32), *b = tide_tensor_empty(1, &n3, TIDE_FLOAT64);
    float *pa = tide_tensor_data_ptr(a);
    double *pb = tide_tensor_data_ptr(b);
    pa[0] = 3, pa[1] = 0, pb[0] = -4, pb[1] = 0, pb[2] = 12;
    tide_tensor *list[] = {a, b};
    double t = 0;
    CHECK(tide_grad_norm(list, 2, 2, &t) == 0 && t == 13);
    CHECK(tide_grad_norm(list, 2, 1, &t) == 0 && t == 19);
    CHECK(tide_grad_norm(list, 2, INFINITY, &t) == 0 && t == 12);
    CHECK(tide_grad_norm(list, 2, 0, &t) == 0 && t == 3);
    CHECK(tide_grad_norm(list, 2, 3, &t) == 0);
    CHECK_NEAR(t, cbrt(27.0 + 64 + 1728), 1e-12);
    CHECK(tide_grad_norm(list, 0, 2, &t) == 0 && t == 0);
    CHECK(tide_grads_scale_(list, 2, 0.5) == 0);
    CHECK(pa[0] == 1.5f && pb[0] == -2 && pb[2] == 6);
    CHECK(tide_grads_clamp_(list, 2, 2) == 0);
    CHECK(pa[0] == 1.5f && pb[0] == -2 && pb[2] == 2);
    pb[1] = NAN;
    CHECK(tide_grad_norm(list, 2, INFINITY, &t) == 0 && isnan(t));
    CHECK(tide_grad_norm(list, 2, 2, &t) == 0 && isnan(t));
    CHECK(tide_grads_clamp_(list, 2, 1) == 0 && isnan(pb[1]) && pb[2] == 1);

    /* a long gradient: blocks summed in a fixed order, whatever the thread count */
    tide_tensor *big = random_tensor(1000003, TIDE_FLOAT32, 1);
    tide_tensor *one[] = {big};
    double t1, t2, ref = 0;
    for (int64_t i = 0; i < big->numel; i++) ref += pow(fabs((double)((float *)tide_tensor_data_ptr(big))[i]), 2);
    for (int p = 0; p < 3; p++) {
        double nt = p == 0 ? 2 : p == 1 ? 1.5 : INFINITY;
        tide_set_num_threads(1);
        CHECK(tide_grad_norm(one, 1, nt, &t1) == 0);
        tide_set_num_threads(2);
        CHECK(tide_grad_norm(one, 1, nt, &t2) == 0);
        CHECK(t1 == t2);
    }
    CHECK(tide_grad_norm(one, 1, 2, &t1) == 0);
    CHECK_NEAR(t1, sqrt(ref), 1e-9 * sqrt(ref));
    tide_tensor_free(a), tide_tensor_free(b), tide_tensor_free(big);
}

static bool fails_with(int rc, const char *text) {
    bool ok = rc == -1 && strstr(tide_last_error(), text) != NULL;
    if (!ok) fprintf(stderr, "  expected an error containing '%s', got rc %d: '%s'\n", text, rc, tide_last_error());
    tide_clear_error();
    return ok;
}

static void test_errors(void) {
    int64_t n = 4, n5 = 5, sh[2] = {2, 2};
    tide_tensor *p = zeros(n, TIDE_FLOAT32), *g = zeros(n, TIDE_FLOAT32), *m = zeros(n, TIDE_FLOAT32);
    tide_tensor *v = zeros(n, TIDE_FLOAT32), *g5 = zeros(n5, TIDE_FLOAT32), *g64 = zeros(n, TIDE_FLOAT64);
    tide_tensor *pi = tide_tensor_zeros(1, &n, TIDE_INT32), *sq = tide_tensor_zeros(2, sh, TIDE_FLOAT32);
    tide_tensor *tr = tide_transpose(sq, 0, 1), *p2 = tide_tensor_zeros(2, sh, TIDE_FLOAT32);
    tide_tensor *half = tide_narrow(p, 0, 0, 2);
    CHECK(fails_with(tide_sgd_step(NULL, g, NULL, 0.1, 0, 0, 0, 0, 0, 0), "sgd_step: param is NULL"));
    CHECK(fails_with(tide_sgd_step(p, g5, NULL, 0.1, 0, 0, 0, 0, 0, 0), "sgd_step: grad has shape [5] but param has shape [4]"));
    CHECK(fails_with(tide_sgd_step(p, g64, NULL, 0.1, 0, 0, 0, 0, 0, 0), "sgd_step: grad is float64 but param is float32"));
    CHECK(fails_with(tide_sgd_step(pi, pi, NULL, 0.1, 0, 0, 0, 0, 0, 0), "sgd_step: param must be float32 or float64, got int32"));
    CHECK(fails_with(tide_sgd_step(p, g, NULL, 0.1, 0.9, 0, 0, 0, 0, 0), "sgd_step: momentum_buffer is required"));
    CHECK(fails_with(tide_sgd_step(p, g, NULL, -1, 0, 0, 0, 0, 0, 0), "sgd_step: lr must be >= 0, got -1"));
    CHECK(fails_with(tide_sgd_step(p, g, m, 0.1, 0.9, 0.1, 0, 1, 0, 0), "Nesterov momentum requires"));
    CHECK(fails_with(tide_sgd_step(p, g, NULL, NAN, 0, 0, 0, 0, 0, 0), "sgd_step: lr must be finite"));
    CHECK(fails_with(tide_sgd_step(p2, tr, NULL, 0.1, 0, 0, 0, 0, 0, 0), "sgd_step: grad must be contiguous"));
    CHECK(fails_with(tide_sgd_step(p, p, NULL, 0.1, 0, 0, 0, 0, 0, 0), "grad shares memory with param"));
    CHECK(fails_with(tide_sgd_step(half, g5, NULL, 0.1, 0, 0, 0, 0, 0, 0), "grad has shape"));
    CHECK(fails_with(tide_adam_step(p, g, m, m, NULL, 1, 0.1, 0.9, 0.999, 1e-8, 0, 0, 0), "exp_avg_sq shares memory"));
    CHECK(fails_with(tide_adam_step(p, g, m, v, NULL, 1, 0.1, 1.0, 0.999, 1e-8, 0, 0, 0), "adam_step: beta1 must be in [0, 1)"));
    CHECK(fails_with(tide_adamw_step(p, g, m, v, NULL, 1, 0.1, 0.9, -0.1, 1e-8, 0, 0, 0), "adamw_step: beta2"));
    CHECK(fails_with(tide_adam_step(p, g, m, v, NULL, 0, 0.1, 0.9, 0.999, 1e-8, 0, 0, 0), "step must be >= 1, got 0"));
    CHECK(fails_with(tide_adam_step(p, g, m, v, NULL, 1, 0.1, 0.9, 0.999, 1e-8, 0, 1, 0), "max_exp_avg_sq is required"));
    CHECK(fails_with(tide_adam_step(p, g, m, g5, NULL, 1, 0.1, 0.9, 0.999, 1e-8, 0, 0, 0), "exp_avg_sq has shape [5]"));
    CHECK(fails_with(tide_rmsprop_step(p, g, m, NULL, NULL, 0.1, 0.99, 1e-8, 0, 0, 1, 0), "grad_avg is required"));
    CHECK(fails_with(tide_rmsprop_step(p, g, m, v, NULL, 0.1, 0.99, 1e-8, 0, 0.5, 1, 0), "momentum_buffer is required"));
    CHECK(fails_with(tide_rmsprop_step(p, g, g64, NULL, NULL, 0.1, 0.99, 1e-8, 0, 0, 0, 0), "square_avg is float64"));
    CHECK(fails_with(tide_adagrad_step(p, g, m, 1, 0.1, -1, 0, 1e-10, 0), "adagrad_step: lr_decay must be >= 0"));
    CHECK(fails_with(tide_adagrad_step(p, g, NULL, 1, 0.1, 0, 0, 1e-10, 0), "state_sum is required"));
    tide_tensor *list[] = {p, pi};
    double t;
    CHECK(fails_with(tide_grad_norm(list, 2, 2, &t), "grad_norm: tensor 1 must be float32 or float64"));
    CHECK(fails_with(tide_grad_norm(list, 1, -1, &t), "grad_norm: norm_type must be >= 0"));
    CHECK(fails_with(tide_grad_norm(list, 1, NAN, &t), "norm_type"));
    CHECK(fails_with(tide_grad_norm(list, 1, 2, NULL), "total_norm is NULL"));
    tide_tensor *nc[] = {tr};
    CHECK(fails_with(tide_grads_scale_(nc, 1, 2), "tensor 0 must be contiguous"));
    CHECK(fails_with(tide_grads_clamp_(list, 1, -1), "clip_grad_value: clip_value must be >= 0"));
    CHECK(fails_with(tide_grads_scale_(NULL, 1, 1), "tensor list is NULL"));
    tide_tensor *all[] = {p, g, m, v, g5, g64, pi, sq, tr, p2, half};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) tide_tensor_free(all[i]);
}

int main(void) {
    int64_t live = tide_memory()->live_tensors;
    tide_set_num_threads(2);
    test_updates();
    test_same_bits_on_any_thread_count();
    test_norms();
    test_errors();
    CHECK(tide_memory()->live_tensors == live); /* every temporary was released */
    return check_report("test_optim");
}
