/* svm.c — SVC and SVR training as scikit-learn's libsvm does it (see tide/svm.h): classes
 * grouped in sorted order, one binary problem per pair of classes (solved in parallel, one pair
 * per thread), Platt scaling on 5-fold cross-validated decision values drawn with
 * scikit-learn's Mersenne twister and seed, and the prediction side: decision values through
 * GEMM, votes, the one-vs-rest shape and coupled probabilities. */
#include "svm_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- random numbers */
/* MT19937 as std::mt19937 and NumPy's legacy RandomState: the seed of the probability folds
 * is RandomState(random_state).randint(2**31 - 1), then libsvm draws bounded_rand_int (the
 * tweaked Lemire method of scikit-learn's newrand.h). */
typedef struct mt19937 {
    uint32_t s[624];
    int i;
} mt19937;

static void mt_seed(mt19937 *m, uint32_t seed) {
    m->s[0] = seed;
    for (int i = 1; i < 624; i++) m->s[i] = 1812433253u * (m->s[i - 1] ^ (m->s[i - 1] >> 30)) + (uint32_t)i;
    m->i = 624;
}

static uint32_t mt_next(mt19937 *m) {
    if (m->i >= 624) {
        for (int k = 0; k < 624; k++) {
            uint32_t y = (m->s[k] & 0x80000000u) | (m->s[(k + 1) % 624] & 0x7fffffffu);
            m->s[k] = m->s[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        m->i = 0;
    }
    uint32_t y = m->s[m->i++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
}

static uint32_t bounded_rand(mt19937 *m, uint32_t range) {
    uint32_t x = mt_next(m);
    uint64_t v = (uint64_t)x * range;
    uint32_t lo = (uint32_t)v;
    if (lo < range) {
        uint32_t t = -range;
        if (t >= range) {
            t -= range;
            if (t >= range) t %= range;
        }
        while (lo < t) {
            x = mt_next(m);
            v = (uint64_t)x * range;
            lo = (uint32_t)v;
        }
    }
    return (uint32_t)(v >> 32);
}

/* numpy.random.RandomState(seed).randint(2**31 - 1): masked rejection sampling */
static uint32_t libsvm_seed(uint64_t random_state) {
    mt19937 m;
    mt_seed(&m, (uint32_t)random_state);
    uint32_t v;
    while ((v = mt_next(&m) & 0x7fffffffu) > 2147483646u) {
    }
    return v;
}

/* ---------------------------------------------------------------- checks */

static int check_params(const char *op, const tide_svm_params *p) {
    if (!p) return TIDE_FAIL("%s: params is NULL", op), -1;
    if (p->kernel < TIDE_SVM_LINEAR || p->kernel > TIDE_SVM_SIGMOID)
        return TIDE_FAIL("%s: unknown kernel %d", op, p->kernel), -1;
    if (p->degree < 0) return TIDE_FAIL("%s: degree must be >= 0, got %d", op, p->degree), -1;
    if (!(p->gamma >= 0) || isinf(p->gamma)) return TIDE_FAIL("%s: gamma must be >= 0, got %g", op, p->gamma), -1;
    if (!isfinite(p->coef0)) return TIDE_FAIL("%s: coef0 must be finite", op), -1;
    if (!(p->C > 0) || isinf(p->C)) return TIDE_FAIL("%s: C must be > 0, got %g", op, p->C), -1;
    if (!(p->epsilon >= 0) || isinf(p->epsilon)) return TIDE_FAIL("%s: epsilon must be >= 0, got %g", op, p->epsilon), -1;
    if (!(p->tol > 0)) return TIDE_FAIL("%s: tol must be > 0, got %g", op, p->tol), -1;
    if (!(p->cache_mb > 0)) return TIDE_FAIL("%s: cache_size must be > 0, got %g", op, p->cache_mb), -1;
    if (p->max_iter < -1) return TIDE_FAIL("%s: max_iter must be -1 or >= 0, got %lld", op, (long long)p->max_iter), -1;
    return 0;
}

/* x or x_csr -> data (exactly one; dense: contiguous float64 2-d) */
static int check_data(const char *op, const char *what, const tide_tensor *x, const tide_csr *x_csr, svm_data *data) {
    if ((x == NULL) == (x_csr == NULL)) return TIDE_FAIL("%s: pass exactly one of %s and %s_csr", op, what, what), -1;
    if (x) {
        if (x->ndim != 2 || x->dtype != TIDE_FLOAT64 || !tide_tensor_is_contiguous(x))
            return TIDE_FAIL("%s: %s must be a contiguous float64 tensor [n, d]", op, what), -1;
        *data = (svm_data){(const double *)tide_elem_ptr(x), NULL, x->shape[0], x->shape[1]};
    } else {
        if (tide_csr_check(x_csr, op)) return -1;
        *data = (svm_data){NULL, x_csr, x_csr->rows, x_csr->cols};
    }
    return 0;
}

static int check_vector(const char *op, const char *what, const tide_tensor *t, int dtype, int64_t n) {
    if (!t || t->ndim != 1 || t->dtype != dtype || t->shape[0] != n || !tide_tensor_is_contiguous(t))
        return TIDE_FAIL("%s: %s must be a contiguous %s tensor [%lld]", op, what, tide_dtype_name(dtype), (long long)n),
               -1;
    return 0;
}

/* sample_weight: NULL, or float64 [n] of finite values >= 0 */
static int check_weights(const char *op, const tide_tensor *w, int64_t n) {
    if (!w) return 0;
    if (check_vector(op, "sample_weight", w, TIDE_FLOAT64, n)) return -1;
    const double *v = (const double *)tide_elem_ptr(w);
    for (int64_t i = 0; i < n; i++)
        if (!(v[i] >= 0) || isinf(v[i]))
            return TIDE_FAIL("%s: sample_weight[%lld] must be finite and >= 0, got %g", op, (long long)i, v[i]), -1;
    return 0;
}

/* A CSR matrix of density above 1/4 trains faster dense (contiguous dot products, the class
 * blocks): *dense gets a [rows, cols] copy when it takes at most 512 MB (and memory allows),
 * and data points to it. */
void svm_densify(svm_data *data, double **dense) {
    *dense = NULL;
    const tide_csr *x = data->csr;
    if (!x || (double)x->nnz * 4 < (double)x->rows * x->cols || (double)x->rows * x->cols * 8 > 512.0 * 1048576)
        return;
    size_t bytes = (size_t)(x->rows * x->cols) * sizeof(double);
    double *d = svm_big_alloc(bytes);
    if (!d) return; /* stay sparse */
    memset(d, 0, bytes);
    for (int64_t i = 0; i < x->rows; i++)
        for (int64_t q = x->indptr[i]; q < x->indptr[i + 1]; q++) d[i * x->cols + x->indices[q]] = x->data[q];
    *dense = d;
    data->x = d;
    data->csr = NULL;
}

/* K(x_i, x_i) must be finite for every row (feature values near the double range overflow a
 * linear or polynomial kernel; the solver would then make no progress) */
static int check_kernel_finite(const char *op, const svm_data *data, const tide_svm_params *p) {
    for (int64_t i = 0; i < data->n; i++) {
        double v = svm_kfun(data, i, data, i, p);
        if (!isfinite(v))
            return TIDE_FAIL("%s: the kernel of row %lld with itself is not finite (%g): the feature values are too "
                             "large for this kernel; scale the features",
                             op, (long long)i, v),
                   -1;
    }
    return 0;
}

void tide_svm_model_free(tide_svm_model *m) {
    if (!m) return;
    tide_tensor **t[] = {&m->support, &m->dual_coef, &m->intercept, &m->n_support, &m->prob_a, &m->prob_b, &m->n_iter};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        tide_tensor_free(*t[i]);
        *t[i] = NULL;
    }
}

static tide_tensor *vec(const char *op, int64_t n, int dtype) { return tide_alloc(op, 1, &n, dtype); }

/* ---------------------------------------------------------------- binary problems */

/* C-SVC on l rows (ids rows[] of data), labels y = +-1, per-row weights W: alpha [l] receives
 * alpha_i y_i (libsvm's svm_train_one). Returns the solver status (0, 1) or -1. */
static int train_binary(const svm_data *data, const int64_t *rows, const signed char *y, const double *W, int64_t l,
                        double Cp, double Cn, const tide_svm_params *p, int parallel, const svm_blocks *blocks,
                        double *alpha, double *rho, int64_t *iters) {
    double *lin = malloc((size_t)l * sizeof(double)), *C = malloc((size_t)l * sizeof(double));
    int rc = -1;
    if (!lin || !C) {
        tide_fail(TIDE_ENOMEM, "svm: out of memory");
        goto done;
    }
    for (int64_t i = 0; i < l; i++) {
        alpha[i] = 0;
        lin[i] = -1;
        C[i] = W[i] * (y[i] > 0 ? Cp : Cn);
    }
    svm_q q;
    if (svm_q_init_svc(&q, data, rows, y, l, p, parallel, blocks)) goto done;
    rc = svm_solve(&q, l, lin, y, alpha, C, p->tol, p->shrinking, p->max_iter, rho, iters);
    svm_q_free(&q);
    if (rc >= 0)
        for (int64_t i = 0; i < l; i++) alpha[i] *= y[i];
done:
    free(lin);
    free(C);
    return rc;
}

/* Platt's sigmoid fit, improved by Lin, Lin and Weng (libsvm's sigmoid_train) */
static void sigmoid_train(int64_t l, const double *dec, const signed char *labels, double *A_out, double *B_out,
                          double *t) {
    double prior1 = 0, prior0 = 0;
    for (int64_t i = 0; i < l; i++) {
        if (labels[i] > 0)
            prior1 += 1;
        else
            prior0 += 1;
    }
    const int max_iter = 100;
    const double min_step = 1e-10, sigma = 1e-12, eps = 1e-5;
    double hi = (prior1 + 1.0) / (prior1 + 2.0), lo = 1 / (prior0 + 2.0);
    double A = 0.0, B = log((prior0 + 1.0) / (prior1 + 1.0)), fval = 0.0;
    for (int64_t i = 0; i < l; i++) {
        t[i] = labels[i] > 0 ? hi : lo;
        double f = dec[i] * A + B;
        fval += f >= 0 ? t[i] * f + log(1 + exp(-f)) : (t[i] - 1) * f + log(1 + exp(f));
    }
    for (int iter = 0; iter < max_iter; iter++) {
        double h11 = sigma, h22 = sigma, h21 = 0, g1 = 0, g2 = 0;
        for (int64_t i = 0; i < l; i++) {
            double f = dec[i] * A + B, pp, qq;
            if (f >= 0) {
                pp = exp(-f) / (1.0 + exp(-f));
                qq = 1.0 / (1.0 + exp(-f));
            } else {
                pp = 1.0 / (1.0 + exp(f));
                qq = exp(f) / (1.0 + exp(f));
            }
            double d2 = pp * qq, d1 = t[i] - pp;
            h11 += dec[i] * dec[i] * d2;
            h22 += d2;
            h21 += dec[i] * d2;
            g1 += dec[i] * d1;
            g2 += d1;
        }
        if (fabs(g1) < eps && fabs(g2) < eps) break;
        double det = h11 * h22 - h21 * h21;
        double dA = -(h22 * g1 - h21 * g2) / det, dB = -(-h21 * g1 + h11 * g2) / det, gd = g1 * dA + g2 * dB;
        double step = 1;
        while (step >= min_step) {
            double nA = A + step * dA, nB = B + step * dB, nf = 0.0;
            for (int64_t i = 0; i < l; i++) {
                double f = dec[i] * nA + nB;
                nf += f >= 0 ? t[i] * f + log(1 + exp(-f)) : (t[i] - 1) * f + log(1 + exp(f));
            }
            if (nf < fval + 0.0001 * step * gd) {
                A = nA;
                B = nB;
                fval = nf;
                break;
            }
            step /= 2.0;
        }
        if (step < min_step) break;
    }
    *A_out = A;
    *B_out = B;
}

/* does fold f (of 5) of the shuffled pair leave both labels in its training part? */
static void fold_counts(const int64_t *perm, const signed char *y, int64_t l, int f, int64_t *pc, int64_t *nc) {
    int64_t begin = f * l / 5, end = (f + 1) * l / 5;
    *pc = *nc = 0;
    for (int64_t j = 0; j < l; j++) {
        if (j >= begin && j < end) continue;
        if (y[perm[j]] > 0)
            (*pc)++;
        else
            (*nc)++;
    }
}

/* One fold of the probability cross-validation: train on the rows outside fold f of perm, as
 * libsvm's nested svm_train does (labels sorted: the -1 rows first, with C = Cn; then the +1
 * rows with C = Cp), and write the decision values of the fold's rows into dec (negated back:
 * the nested model's first label is -1). Returns 0 or -1 (out of memory). */
static int cv_fold(const svm_data *data, const int64_t *rows, const signed char *y, const double *W, int64_t l,
                   double Cp, double Cn, const tide_svm_params *p, int parallel, const svm_blocks *blocks,
                   const int64_t *perm, int f, double *dec) {
    int64_t begin = f * l / 5, end = (f + 1) * l / 5, pc, nc;
    fold_counts(perm, y, l, f, &pc, &nc);
    if (pc == 0 || nc == 0) {
        double v = pc == 0 && nc == 0 ? 0 : (pc > 0 ? 1 : -1);
        for (int64_t j = begin; j < end; j++) dec[perm[j]] = v;
        return 0;
    }
    double *sw = malloc((size_t)l * sizeof(double)), *alpha = malloc((size_t)l * sizeof(double));
    int64_t *srows = malloc((size_t)l * sizeof(int64_t)), *slocal = malloc((size_t)l * sizeof(int64_t));
    signed char *sy = malloc((size_t)l), *sside = malloc((size_t)l);
    int rc = -1;
    if (!sw || !alpha || !srows || !slocal || !sy || !sside) {
        tide_fail(TIDE_ENOMEM, "svm: out of memory");
        goto done;
    }
    int64_t k = 0;
    for (int pass = 0; pass < 2; pass++) /* the -1 rows, then the +1 rows, in fold order */
        for (int64_t j = 0; j < l; j++) {
            if (j >= begin && j < end) continue;
            int64_t r = perm[j];
            if ((pass == 0) != (y[r] < 0)) continue;
            srows[k] = rows[r];
            if (blocks) {
                sside[k] = blocks->side[r];
                slocal[k] = blocks->local[r];
            }
            sy[k] = pass == 0 ? +1 : -1;
            sw[k] = W[r];
            k++;
        }
    double rho;
    int64_t it;
    svm_blocks fb;
    if (blocks) {
        fb = *blocks;
        fb.side = sside;
        fb.local = slocal;
    }
    if (train_binary(data, srows, sy, sw, k, Cn, Cp, p, parallel, blocks ? &fb : NULL, alpha, &rho, &it) < 0) goto done;
    for (int64_t j = begin; j < end; j++) {
        int64_t r = perm[j];
        double sum = 0;
        for (int64_t q = 0; q < k; q++)
            if (alpha[q] != 0) sum += alpha[q] * svm_kfun(data, rows[r], data, srows[q], p);
        dec[r] = -(sum - rho);
    }
    rc = 0;
done:
    free(sw);
    free(alpha);
    free(srows);
    free(slocal);
    free(sy);
    free(sside);
    return rc;
}

/* probA / probB of one pair (libsvm's svm_binary_svc_probability) with the fold order perm [l].
 * Outside the parallel pair loop (parallel set), the five folds are trained in parallel; the
 * folds are independent, so the result does not depend on the thread count. */
static int pair_probability(const svm_data *data, const int64_t *rows, const signed char *y, const double *W,
                            int64_t l, double Cp, double Cn, const tide_svm_params *p, int parallel,
                            const svm_blocks *blocks, const int64_t *perm, double *A, double *B) {
    double *dec = malloc((size_t)l * sizeof(double)), *t = malloc((size_t)l * sizeof(double));
    int rc = -1;
    if (!dec || !t) {
        tide_fail(TIDE_ENOMEM, "svm: out of memory");
        goto done;
    }
    int nth = parallel ? tide_get_num_threads() : 1;
    if (nth > 5) nth = 5;
    if (l * data->d < TIDE_PARALLEL_GRAIN) nth = 1;
    int failed = 0;
    tide_svm_params fp = *p; /* the folds running at once share the cache budget */
    fp.cache_mb = p->cache_mb / nth;
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(dynamic, 1)
    for (int f = 0; f < 5; f++)
        if (cv_fold(data, rows, y, W, l, Cp, Cn, &fp, nth == 1 && parallel, blocks, perm, f, dec)) {
#pragma omp atomic write
            failed = 1;
        }
    if (failed) {
        if (tide_last_status() == 0) tide_fail(TIDE_ENOMEM, "svm: out of memory");
        goto done;
    }
    sigmoid_train(l, dec, y, A, B, t);
    rc = 0;
done:
    free(dec);
    free(t);
    return rc;
}

/* ---------------------------------------------------------------- SVC */

typedef struct pair_job {
    int64_t a, b, l;
    int64_t *rows;      /* original row ids: class a then class b */
    signed char *y, *side;
    int64_t *local;     /* side (0: class a) and index within the class, for the class blocks */
    double *W, *alpha;
    int64_t *perm;      /* probability fold order, or NULL */
    double rho, prob_a, prob_b;
    int64_t iters;
    int status;
} pair_job;

int tide_svc_fit(const tide_tensor *x, const tide_csr *x_csr, const tide_tensor *y, int64_t n_classes,
                 const tide_tensor *sample_weight, const tide_tensor *class_weight, const tide_svm_params *params,
                 tide_svm_model *out) {
    const char *op = "svc_fit";
    svm_data data;
    if (!out) return TIDE_FAIL("%s: out is NULL", op), -1;
    memset(out, 0, sizeof *out);
    if (check_params(op, params) || check_data(op, "x", x, x_csr, &data)) return -1;
    int64_t n = data.n, k = n_classes;
    if (n < 1 || data.d < 1) return TIDE_FAIL("%s: x must have rows and columns", op), -1;
    if (k < 2) return TIDE_FAIL("%s: n_classes must be >= 2, got %lld", op, (long long)k), -1;
    if (check_vector(op, "y", y, TIDE_INT64, n)) return -1;
    if (check_weights(op, sample_weight, n)) return -1;
    if (class_weight && check_vector(op, "class_weight", class_weight, TIDE_FLOAT64, k)) return -1;
    const int64_t *yc = (const int64_t *)tide_elem_ptr(y);
    const double *sw = sample_weight ? (const double *)tide_elem_ptr(sample_weight) : NULL;
    const double *cw = class_weight ? (const double *)tide_elem_ptr(class_weight) : NULL;
    for (int64_t i = 0; i < n; i++)
        if (yc[i] < 0 || yc[i] >= k)
            return TIDE_FAIL("%s: y[%lld] = %lld is not a class code in [0, %lld)", op, (long long)i,
                             (long long)yc[i], (long long)k),
                   -1;
    if (cw)
        for (int64_t c = 0; c < k; c++)
            if (!(cw[c] >= 0) || isinf(cw[c]))
                return TIDE_FAIL("%s: class_weight[%lld] must be >= 0 and finite, got %g", op, (long long)c, cw[c]), -1;

    if (check_kernel_finite(op, &data, params)) return -1;
    double *dense = NULL;
    svm_densify(&data, &dense);
    int64_t P = k * (k - 1) / 2, *count = calloc((size_t)k, sizeof(int64_t)), *start = malloc((size_t)k * sizeof(int64_t));
    int64_t *grouped = malloc((size_t)n * sizeof(int64_t));
    pair_job *jobs = calloc((size_t)P, sizeof(pair_job));
    char *nonzero = calloc((size_t)n, 1);
    float **blocks = NULL; /* [k] within-class kernel values, or NULL */
    int rc = -1;
    if (!count || !start || !grouped || !jobs || !nonzero) {
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    /* rows of positive weight grouped by class (libsvm's remove_zero_weight + svm_group_classes) */
    for (int64_t i = 0; i < n; i++)
        if (!sw || sw[i] > 0) count[yc[i]]++;
    int64_t l = 0;
    for (int64_t c = 0; c < k; c++) {
        if (count[c] == 0) {
            TIDE_FAIL("%s: class %lld has no sample with positive weight", op, (long long)c);
            goto done;
        }
        start[c] = l;
        l += count[c];
    }
    {
        int64_t *fill = malloc((size_t)k * sizeof(int64_t));
        if (!fill) {
            tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
            goto done;
        }
        memcpy(fill, start, (size_t)k * sizeof(int64_t));
        for (int64_t i = 0; i < n; i++)
            if (!sw || sw[i] > 0) grouped[fill[yc[i]]++] = i;
        free(fill);
    }
    /* kernel values within each class, shared by the k - 1 pairs of the class: precomputed by
     * GEMM when they take at most 80% of the cache budget (dense data, more than two classes);
     * the row caches share the rest. On 20,000 Fashion-MNIST rows that costs 25% less CPU than
     * rows alone, though their caches are smaller. */
    double block_mb = 0;
    for (int64_t c = 0; c < k; c++) block_mb += (double)count[c] * count[c] * sizeof(float) / 1048576.0;
    if (data.x && k > 2 && block_mb <= params->cache_mb * 0.8) {
        blocks = calloc((size_t)k, sizeof(float *));
        if (!blocks) {
            tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
            goto done;
        }
        for (int64_t c = 0; c < k; c++) {
            int64_t nc = count[c], d = data.d;
            double *xc = malloc((size_t)(nc * d) * sizeof(double)), *sq = malloc((size_t)nc * sizeof(double));
            blocks[c] = svm_big_alloc((size_t)(nc * nc) * sizeof(float));
            int bad = !xc || !sq || !blocks[c];
            if (!bad) {
                for (int64_t t = 0; t < nc; t++) {
                    const double *src = data.x + grouped[start[c] + t] * d;
                    double s2 = 0;
                    for (int64_t q = 0; q < d; q++) s2 += src[q] * src[q];
                    memcpy(xc + t * d, src, (size_t)d * sizeof(double));
                    sq[t] = s2;
                }
                bad = svm_kernel_gram(params, xc, sq, nc, d, blocks[c]) != 0;
            }
            free(xc);
            free(sq);
            if (bad) {
                tide_fail(TIDE_ENOMEM, "%s: out of memory for the within-class kernel blocks", op);
                goto done;
            }
        }
    } else
        block_mb = 0;
    /* the binary problems, and (sequentially: the draws are one stream) their fold orders */
    mt19937 mt;
    uint32_t seed32 = libsvm_seed(params->seed);
    mt_seed(&mt, seed32);
    for (int64_t a = 0, p = 0; a < k; a++)
        for (int64_t b = a + 1; b < k; b++, p++) {
            pair_job *J = &jobs[p];
            J->a = a;
            J->b = b;
            J->l = count[a] + count[b];
            J->rows = malloc((size_t)J->l * sizeof(int64_t));
            J->y = malloc((size_t)J->l);
            J->W = malloc((size_t)J->l * sizeof(double));
            J->alpha = malloc((size_t)J->l * sizeof(double));
            if (params->probability) J->perm = malloc((size_t)J->l * sizeof(int64_t));
            if (blocks) {
                J->side = malloc((size_t)J->l);
                J->local = malloc((size_t)J->l * sizeof(int64_t));
            }
            if (!J->rows || !J->y || !J->W || !J->alpha || (params->probability && !J->perm) ||
                (blocks && (!J->side || !J->local))) {
                tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
                goto done;
            }
            for (int64_t t = 0; t < J->l; t++) {
                int64_t r = t < count[a] ? grouped[start[a] + t] : grouped[start[b] + t - count[a]];
                J->rows[t] = r;
                J->y[t] = t < count[a] ? +1 : -1;
                J->W[t] = sw ? sw[r] : 1.0;
                if (blocks) {
                    J->side[t] = t < count[a] ? 0 : 1;
                    J->local[t] = t < count[a] ? t : t - count[a];
                }
            }
            if (params->probability) {
                for (int64_t t = 0; t < J->l; t++) J->perm[t] = t;
                for (int64_t t = 0; t < J->l; t++) {
                    int64_t j = t + bounded_rand(&mt, (uint32_t)(J->l - t));
                    int64_t v = J->perm[t];
                    J->perm[t] = J->perm[j];
                    J->perm[j] = v;
                }
                /* each fold model is trained by a nested svm_train, which seeds the stream again */
                for (int f = 0; f < 5; f++) {
                    int64_t pc, nc;
                    fold_counts(J->perm, J->y, J->l, f, &pc, &nc);
                    if (pc > 0 && nc > 0) {
                        mt_seed(&mt, seed32);
                        break;
                    }
                }
            }
        }
    int nth = P > 1 ? tide_get_num_threads() : 1;
    if (nth > P) nth = (int)P;
    tide_svm_params local = *params;
    local.cache_mb = (params->cache_mb - block_mb) / nth;
    int failed = 0;
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(dynamic, 1)
    for (int64_t p = 0; p < P; p++) {
        pair_job *J = &jobs[p];
        double Cp = params->C * (cw ? cw[J->a] : 1), Cn = params->C * (cw ? cw[J->b] : 1);
        int inner = nth == 1;
        svm_blocks jb = {{NULL, NULL}, {count[J->a], count[J->b]}, J->side, J->local};
        if (blocks) {
            jb.blk[0] = blocks[J->a];
            jb.blk[1] = blocks[J->b];
        }
        const svm_blocks *pb = blocks ? &jb : NULL;
        if (params->probability && pair_probability(&data, J->rows, J->y, J->W, J->l, Cp, Cn, &local, inner, pb,
                                                    J->perm, &J->prob_a, &J->prob_b)) {
            J->status = -1;
        } else {
            J->status = train_binary(&data, J->rows, J->y, J->W, J->l, Cp, Cn, &local, inner, pb, J->alpha, &J->rho,
                                     &J->iters);
        }
        if (J->status < 0) {
#pragma omp atomic write
            failed = 1;
        }
    }
    if (failed) {
        if (tide_last_status() == 0) tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }

    /* support vectors: rows with a nonzero coefficient in any pair, in grouped order */
    int status = 0;
    for (int64_t p = 0; p < P; p++) {
        pair_job *J = &jobs[p];
        status |= J->status;
        for (int64_t t = 0; t < J->l; t++)
            if (fabs(J->alpha[t]) > 0) nonzero[J->rows[t]] = 1;
    }
    out->n_support = vec(op, k, TIDE_INT32);
    int32_t *nsv = out->n_support ? (int32_t *)tide_elem_ptr(out->n_support) : NULL;
    int64_t total = 0;
    int64_t *nz_start = start; /* reused: first SV of each class */
    if (!nsv) goto done;
    for (int64_t c = 0; c < k; c++) {
        int64_t m = 0;
        for (int64_t t = 0; t < count[c]; t++) m += nonzero[grouped[start[c] + t]];
        nsv[c] = (int32_t)m;
    }
    for (int64_t c = 0; c < k; c++) {
        nz_start[c] = total;
        total += nsv[c];
    }
    int64_t dshape[2] = {k - 1, total};
    out->support = vec(op, total, TIDE_INT64);
    out->dual_coef = tide_alloc(op, 2, dshape, TIDE_FLOAT64);
    out->intercept = vec(op, P, TIDE_FLOAT64);
    out->n_iter = vec(op, P, TIDE_INT32);
    out->prob_a = vec(op, params->probability ? P : 0, TIDE_FLOAT64);
    out->prob_b = vec(op, params->probability ? P : 0, TIDE_FLOAT64);
    if (!out->support || !out->dual_coef || !out->intercept || !out->n_iter || !out->prob_a || !out->prob_b) goto done;
    int64_t *sup = (int64_t *)tide_elem_ptr(out->support);
    double *dc = (double *)tide_elem_ptr(out->dual_coef);
    memset(dc, 0, (size_t)((k - 1) * total) * sizeof(double));
    for (int64_t g = 0, q = 0; g < l; g++)
        if (nonzero[grouped[g]]) sup[q++] = grouped[g];
    for (int64_t p = 0; p < P; p++) {
        pair_job *J = &jobs[p];
        int64_t a = J->a, b = J->b, q = nz_start[a];
        for (int64_t t = 0; t < count[a]; t++)
            if (nonzero[J->rows[t]]) dc[(b - 1) * total + q++] = J->alpha[t];
        q = nz_start[b];
        for (int64_t t = count[a]; t < J->l; t++)
            if (nonzero[J->rows[t]]) dc[a * total + q++] = J->alpha[t];
        ((double *)tide_elem_ptr(out->intercept))[p] = -J->rho;
        ((int32_t *)tide_elem_ptr(out->n_iter))[p] = (int32_t)(J->iters > INT32_MAX ? INT32_MAX : J->iters);
        if (params->probability) {
            ((double *)tide_elem_ptr(out->prob_a))[p] = J->prob_a;
            ((double *)tide_elem_ptr(out->prob_b))[p] = J->prob_b;
        }
    }
    rc = status ? 1 : 0;
done:
    if (rc < 0) tide_svm_model_free(out);
    if (jobs)
        for (int64_t p = 0; p < P; p++) {
            free(jobs[p].rows);
            free(jobs[p].y);
            free(jobs[p].W);
            free(jobs[p].alpha);
            free(jobs[p].perm);
            free(jobs[p].side);
            free(jobs[p].local);
        }
    if (blocks)
        for (int64_t c = 0; c < k; c++) free(blocks[c]);
    free(blocks);
    free(dense);
    free(jobs);
    free(count);
    free(start);
    free(grouped);
    free(nonzero);
    return rc;
}

/* ---------------------------------------------------------------- SVR */

int tide_svr_fit(const tide_tensor *x, const tide_csr *x_csr, const tide_tensor *y, const tide_tensor *sample_weight,
                 const tide_svm_params *params, tide_svm_model *out) {
    const char *op = "svr_fit";
    svm_data data;
    if (!out) return TIDE_FAIL("%s: out is NULL", op), -1;
    memset(out, 0, sizeof *out);
    if (check_params(op, params) || check_data(op, "x", x, x_csr, &data)) return -1;
    int64_t n = data.n;
    if (n < 1 || data.d < 1) return TIDE_FAIL("%s: x must have rows and columns", op), -1;
    if (check_vector(op, "y", y, TIDE_FLOAT64, n)) return -1;
    if (check_weights(op, sample_weight, n)) return -1;
    const double *yv = (const double *)tide_elem_ptr(y);
    const double *sw = sample_weight ? (const double *)tide_elem_ptr(sample_weight) : NULL;
    int64_t l = 0;
    for (int64_t i = 0; i < n; i++) l += !sw || sw[i] > 0;
    if (l == 0) return TIDE_FAIL("%s: every sample has zero weight", op), -1;
    if (check_kernel_finite(op, &data, params)) return -1;
    double *dense = NULL;
    svm_densify(&data, &dense);
    int64_t *rows = malloc((size_t)l * sizeof(int64_t));
    double *alpha2 = malloc((size_t)(2 * l) * sizeof(double)), *lin = malloc((size_t)(2 * l) * sizeof(double));
    double *C = malloc((size_t)(2 * l) * sizeof(double));
    signed char *y2 = malloc((size_t)(2 * l));
    int rc = -1;
    svm_q q;
    memset(&q, 0, sizeof q);
    if (!rows || !alpha2 || !lin || !C || !y2) {
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    for (int64_t i = 0, t = 0; i < n; i++)
        if (!sw || sw[i] > 0) rows[t++] = i;
    for (int64_t i = 0; i < l; i++) {
        double w = sw ? sw[rows[i]] : 1.0, target = yv[rows[i]];
        alpha2[i] = alpha2[i + l] = 0;
        lin[i] = params->epsilon - target;
        lin[i + l] = params->epsilon + target;
        y2[i] = 1;
        y2[i + l] = -1;
        C[i] = C[i + l] = w * params->C;
    }
    if (svm_q_init_svr(&q, &data, rows, l, params, 1)) goto done;
    double rho;
    int64_t iters;
    int status = svm_solve(&q, 2 * l, lin, y2, alpha2, C, params->tol, params->shrinking, params->max_iter, &rho, &iters);
    if (status < 0) goto done;
    int64_t nsv = 0;
    for (int64_t i = 0; i < l; i++) {
        alpha2[i] -= alpha2[i + l]; /* alpha_i = alpha+_i - alpha-_i */
        nsv += fabs(alpha2[i]) > 0;
    }
    int64_t dshape[2] = {1, nsv};
    out->support = vec(op, nsv, TIDE_INT64);
    out->dual_coef = tide_alloc(op, 2, dshape, TIDE_FLOAT64);
    out->intercept = vec(op, 1, TIDE_FLOAT64);
    out->n_support = vec(op, 1, TIDE_INT32);
    out->n_iter = vec(op, 1, TIDE_INT32);
    out->prob_a = vec(op, 0, TIDE_FLOAT64);
    out->prob_b = vec(op, 0, TIDE_FLOAT64);
    if (!out->support || !out->dual_coef || !out->intercept || !out->n_support || !out->n_iter || !out->prob_a ||
        !out->prob_b)
        goto done;
    int64_t *sup = (int64_t *)tide_elem_ptr(out->support);
    double *dc = (double *)tide_elem_ptr(out->dual_coef);
    for (int64_t i = 0, t = 0; i < l; i++)
        if (fabs(alpha2[i]) > 0) {
            sup[t] = rows[i];
            dc[t++] = alpha2[i];
        }
    ((double *)tide_elem_ptr(out->intercept))[0] = -rho;
    ((int32_t *)tide_elem_ptr(out->n_support))[0] = (int32_t)nsv;
    ((int32_t *)tide_elem_ptr(out->n_iter))[0] = (int32_t)(iters > INT32_MAX ? INT32_MAX : iters);
    rc = status;
done:
    svm_q_free(&q);
    if (rc < 0) tide_svm_model_free(out);
    free(rows);
    free(alpha2);
    free(lin);
    free(C);
    free(y2);
    free(dense);
    return rc;
}
