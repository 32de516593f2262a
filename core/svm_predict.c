/* svm_predict.c — the prediction side of tide/svm.h: kernel values of query rows against the
 * support vectors in row blocks (dense x dense through dgemm, other layouts through sparse dot
 * products in parallel rows), the one-vs-one decision values, libsvm's vote, scikit-learn's
 * one-vs-rest shape and the coupled probabilities. */
#include "svm_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* a kernel block holds at most this many doubles (32 MB) */
#define BLOCK_DOUBLES (1 << 22)

static void row_norms(const svm_data *a, double *out) {
    int nth = tide_threads_for(a->x ? a->n * a->d : (a->csr->nnz + a->n));
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t i = 0; i < a->n; i++) {
        double s = 0;
        if (a->x)
            for (int64_t c = 0; c < a->d; c++) s += a->x[i * a->d + c] * a->x[i * a->d + c];
        else
            for (int64_t q = a->csr->indptr[i]; q < a->csr->indptr[i + 1]; q++) s += a->csr->data[q] * a->csr->data[q];
        out[i] = s;
    }
}

/* dot products of row i of x with every support vector -> k [nsv]; w: a zeroed [d] scratch */
static void dots_row(const svm_data *x, int64_t i, const svm_data *sv, double *k, double *w) {
    int64_t d = x->d, nsv = sv->n;
    if (x->csr && sv->x) { /* sparse query, dense SVs: the query's stored values */
        const tide_csr *c = x->csr;
        for (int64_t s = 0; s < nsv; s++) {
            const double *v = sv->x + s * d;
            double acc = 0;
            for (int64_t q = c->indptr[i]; q < c->indptr[i + 1]; q++) acc += c->data[q] * v[c->indices[q]];
            k[s] = acc;
        }
        return;
    }
    const double *xi = x->x ? x->x + i * d : w;
    if (x->csr)
        for (int64_t q = x->csr->indptr[i]; q < x->csr->indptr[i + 1]; q++) w[x->csr->indices[q]] = x->csr->data[q];
    const tide_csr *c = sv->csr; /* sparse SVs against the dense (or scattered) query */
    for (int64_t s = 0; s < nsv; s++) {
        double acc = 0;
        for (int64_t q = c->indptr[s]; q < c->indptr[s + 1]; q++) acc += c->data[q] * xi[c->indices[q]];
        k[s] = acc;
    }
    if (x->csr)
        for (int64_t q = x->csr->indptr[i]; q < x->csr->indptr[i + 1]; q++) w[x->csr->indices[q]] = 0;
}

/* K [r1 - r0, nsv] = dot products of x rows r0..r1 with the SVs */
static int kernel_block(const svm_data *x, int64_t r0, int64_t r1, const svm_data *sv, double *K) {
    int64_t m = r1 - r0, nsv = sv->n, d = x->d;
    if (x->x && sv->x) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)nsv, (int)d, 1.0, x->x + r0 * d, (int)d,
                    sv->x, (int)d, 0.0, K, (int)nsv);
    } else {
        int nth = tide_threads_for(m * (nsv + d));
        int failed = 0;
#pragma omp parallel num_threads(nth) if (nth > 1)
        {
            double *w = x->csr && sv->csr ? calloc((size_t)d, sizeof(double)) : NULL;
            if (x->csr && sv->csr && !w) {
#pragma omp atomic write
                failed = 1;
            }
#pragma omp for schedule(dynamic, 16)
            for (int64_t i = r0; i < r1; i++)
                if (!(x->csr && sv->csr && !w)) dots_row(x, i, sv, K + (i - r0) * nsv, w);
            free(w);
        }
        if (failed) return tide_fail(TIDE_ENOMEM, "svm_decision: out of memory"), -1;
    }
    return 0;
}

/* the kernel's transform of one row of dot products k [nsv] (query row r) */
static void transform_row(double *k, int64_t nsv, int64_t r, const double *xx, const double *ss,
                          const tide_svm_params *p) {
    switch (p->kernel) {
    case TIDE_SVM_POLY:
        for (int64_t s = 0; s < nsv; s++) k[s] = svm_powi(p->gamma * k[s] + p->coef0, p->degree);
        break;
    case TIDE_SVM_RBF:
        for (int64_t s = 0; s < nsv; s++) {
            double d2 = xx[r] + ss[s] - 2 * k[s];
            k[s] = exp(-p->gamma * (d2 > 0 ? d2 : 0));
        }
        break;
    case TIDE_SVM_SIGMOID:
        for (int64_t s = 0; s < nsv; s++) k[s] = tanh(p->gamma * k[s] + p->coef0);
        break;
    default: break;
    }
}

int tide_svm_decision(const tide_tensor *x, const tide_csr *x_csr, const tide_tensor *sv, const tide_csr *sv_csr,
                      const tide_tensor *dual_coef, const tide_tensor *intercept, const tide_tensor *n_support,
                      const tide_svm_params *params, tide_tensor *out) {
    const char *op = "svm_decision";
    svm_data xd, sd;
    if (!params) return TIDE_FAIL("%s: params is NULL", op), -1;
    if (params->kernel < TIDE_SVM_LINEAR || params->kernel > TIDE_SVM_SIGMOID)
        return TIDE_FAIL("%s: unknown kernel %d", op, params->kernel), -1;
    if ((x == NULL) == (x_csr == NULL)) return TIDE_FAIL("%s: pass exactly one of x and x_csr", op), -1;
    if ((sv == NULL) == (sv_csr == NULL)) return TIDE_FAIL("%s: pass exactly one of sv and sv_csr", op), -1;
    if (x) {
        if (x->ndim != 2 || x->dtype != TIDE_FLOAT64 || !tide_tensor_is_contiguous(x))
            return TIDE_FAIL("%s: x must be a contiguous float64 tensor [m, d]", op), -1;
        xd = (svm_data){(const double *)tide_elem_ptr(x), NULL, x->shape[0], x->shape[1]};
    } else
        xd = (svm_data){NULL, x_csr, x_csr->rows, x_csr->cols};
    if (sv) {
        if (sv->ndim != 2 || sv->dtype != TIDE_FLOAT64 || !tide_tensor_is_contiguous(sv))
            return TIDE_FAIL("%s: sv must be a contiguous float64 tensor [nSV, d]", op), -1;
        sd = (svm_data){(const double *)tide_elem_ptr(sv), NULL, sv->shape[0], sv->shape[1]};
    } else
        sd = (svm_data){NULL, sv_csr, sv_csr->rows, sv_csr->cols};
    if (xd.d != sd.d)
        return TIDE_FAIL("%s: x has %lld features, the support vectors %lld", op, (long long)xd.d, (long long)sd.d), -1;
    if (!n_support || n_support->ndim != 1 || n_support->dtype != TIDE_INT32 || !tide_tensor_is_contiguous(n_support) ||
        n_support->shape[0] < 1)
        return TIDE_FAIL("%s: n_support must be a contiguous int32 tensor [k]", op), -1;
    int64_t k = n_support->shape[0], nsv = sd.n, P = k > 1 ? k * (k - 1) / 2 : 1, rowsd = k > 1 ? k - 1 : 1;
    const int32_t *ns = (const int32_t *)tide_elem_ptr(n_support);
    int64_t total = 0;
    for (int64_t c = 0; c < k; c++) {
        if (ns[c] < 0) return TIDE_FAIL("%s: n_support has a negative count", op), -1;
        total += ns[c];
    }
    if (total != nsv) return TIDE_FAIL("%s: n_support sums to %lld but there are %lld support vectors", op, (long long)total, (long long)nsv), -1;
    if (!dual_coef || dual_coef->ndim != 2 || dual_coef->dtype != TIDE_FLOAT64 || !tide_tensor_is_contiguous(dual_coef) ||
        dual_coef->shape[0] != rowsd || dual_coef->shape[1] != nsv)
        return TIDE_FAIL("%s: dual_coef must be a contiguous float64 tensor [%lld, %lld]", op, (long long)rowsd, (long long)nsv), -1;
    if (!intercept || intercept->ndim != 1 || intercept->dtype != TIDE_FLOAT64 || intercept->shape[0] != P ||
        !tide_tensor_is_contiguous(intercept))
        return TIDE_FAIL("%s: intercept must be a contiguous float64 tensor [%lld]", op, (long long)P), -1;
    int64_t m = xd.n;
    if (!out || out->ndim != 2 || out->dtype != TIDE_FLOAT64 || out->shape[0] != m || out->shape[1] != P ||
        !tide_tensor_is_contiguous(out))
        return TIDE_FAIL("%s: out must be a contiguous float64 tensor [%lld, %lld]", op, (long long)m, (long long)P), -1;
    if (x_csr && tide_csr_check(x_csr, op)) return -1;
    if (sv_csr && tide_csr_check(sv_csr, op)) return -1;
    double *o = (double *)tide_elem_ptr(out);
    const double *dc = (const double *)tide_elem_ptr(dual_coef), *b = (const double *)tide_elem_ptr(intercept);
    double *xdense = NULL, *sdense = NULL; /* dense copies of dense-enough CSR operands (GEMM) */
    svm_densify(&xd, &xdense);
    svm_densify(&sd, &sdense);
    if (nsv == 0) { /* no support vector: the intercepts alone */
        for (int64_t i = 0; i < m; i++)
            for (int64_t p = 0; p < P; p++) o[i * P + p] = b[p];
        free(xdense);
        free(sdense);
        return 0;
    }
    int64_t block = BLOCK_DOUBLES / nsv;
    if (block < 1) block = 1;
    if (block > m) block = m;
    double *K = malloc((size_t)(block * nsv) * sizeof(double));
    double *xx = malloc((size_t)m * sizeof(double)), *ss = malloc((size_t)nsv * sizeof(double));
    int64_t *first = malloc((size_t)k * sizeof(int64_t));
    int rc = -1;
    if (!K || !xx || !ss || !first) {
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    if (params->kernel == TIDE_SVM_RBF) {
        row_norms(&xd, xx);
        row_norms(&sd, ss);
    }
    for (int64_t c = 0, s = 0; c < k; c++) {
        first[c] = s;
        s += ns[c];
    }
    for (int64_t r0 = 0; r0 < m; r0 += block) {
        int64_t r1 = r0 + block < m ? r0 + block : m;
        if (kernel_block(&xd, r0, r1, &sd, K)) goto done;
        /* one parallel region per block: the kernel's transform, then the pairwise sums */
        int nth = tide_threads_for((r1 - r0) * nsv * (k > 2 ? k + 2 : 4));
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
        for (int64_t i = r0; i < r1; i++) {
            double *kv = K + (i - r0) * nsv;
            transform_row(kv, nsv, i, xx, ss, params);
            double *oi = o + i * P;
            if (k <= 2) { /* one problem: every SV with row 0 */
                double s = 0;
                for (int64_t t = 0; t < nsv; t++) s += dc[t] * kv[t];
                oi[0] = s + b[0];
                continue;
            }
            for (int64_t a = 0, p = 0; a < k; a++)
                for (int64_t c = a + 1; c < k; c++, p++) {
                    double s = 0;
                    const double *coef1 = dc + (c - 1) * nsv, *coef2 = dc + a * nsv;
                    for (int64_t t = first[a]; t < first[a] + ns[a]; t++) s += coef1[t] * kv[t];
                    for (int64_t t = first[c]; t < first[c] + ns[c]; t++) s += coef2[t] * kv[t];
                    oi[p] = s + b[p];
                }
        }
    }
    rc = 0;
done:
    free(K);
    free(xx);
    free(ss);
    free(first);
    free(xdense);
    free(sdense);
    return rc;
}

/* ---------------------------------------------------------------- votes and probabilities */

static int check_dec(const char *op, const tide_tensor *dec, int64_t k) {
    if (k < 2) return TIDE_FAIL("%s: n_classes must be >= 2, got %lld", op, (long long)k), -1;
    int64_t P = k == 2 ? 1 : k * (k - 1) / 2;
    if (!dec || dec->ndim != 2 || dec->dtype != TIDE_FLOAT64 || dec->shape[1] != P || !tide_tensor_is_contiguous(dec))
        return TIDE_FAIL("%s: dec must be a contiguous float64 tensor [m, %lld]", op, (long long)P), -1;
    return 0;
}

static int check_out(const char *op, const tide_tensor *out, int64_t m, int64_t cols, int dtype) {
    int ok = out && tide_tensor_is_contiguous(out) && out->dtype == dtype && out->shape[0] == m &&
             (cols < 0 ? out->ndim == 1 : out->ndim == 2 && out->shape[1] == cols);
    if (!ok) return TIDE_FAIL("%s: out must be a contiguous %s tensor with %lld rows", op, tide_dtype_name(dtype), (long long)m), -1;
    return 0;
}

int tide_svc_vote(const tide_tensor *dec, int64_t k, tide_tensor *out) {
    const char *op = "svc_vote";
    if (check_dec(op, dec, k)) return -1;
    int64_t m = dec->shape[0], P = dec->shape[1];
    if (check_out(op, out, m, -1, TIDE_INT64)) return -1;
    const double *d = (const double *)tide_elem_ptr(dec);
    int64_t *o = (int64_t *)tide_elem_ptr(out);
    if (k == 2) {
        for (int64_t i = 0; i < m; i++) o[i] = -d[i] > 0 ? 0 : 1; /* libsvm's value is -dec */
        return 0;
    }
    int nth = tide_threads_for(m * P);
    int failed = 0;
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        int64_t *vote = malloc((size_t)k * sizeof(int64_t));
        if (!vote) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int64_t i = 0; i < m; i++) {
            if (!vote) continue;
            memset(vote, 0, (size_t)k * sizeof(int64_t));
            for (int64_t a = 0, p = 0; a < k; a++)
                for (int64_t b = a + 1; b < k; b++, p++) vote[d[i * P + p] > 0 ? a : b]++;
            int64_t best = 0;
            for (int64_t c = 1; c < k; c++)
                if (vote[c] > vote[best]) best = c;
            o[i] = best;
        }
        free(vote);
    }
    if (failed) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op), -1;
    return 0;
}

int tide_svc_ovr(const tide_tensor *dec, int64_t k, tide_tensor *out) {
    const char *op = "svc_ovr";
    if (check_dec(op, dec, k)) return -1;
    if (k == 2) return TIDE_FAIL("%s: needs more than 2 classes", op), -1;
    int64_t m = dec->shape[0], P = dec->shape[1];
    if (check_out(op, out, m, k, TIDE_FLOAT64)) return -1;
    const double *d = (const double *)tide_elem_ptr(dec);
    double *o = (double *)tide_elem_ptr(out);
    int nth = tide_threads_for(m * P);
    int failed = 0;
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        double *conf = malloc((size_t)k * sizeof(double));
        if (!conf) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int64_t i = 0; i < m; i++) {
            if (!conf) continue;
            double *votes = o + i * k;
            for (int64_t c = 0; c < k; c++) votes[c] = conf[c] = 0;
            for (int64_t a = 0, p = 0; a < k; a++)
                for (int64_t b = a + 1; b < k; b++, p++) {
                    double v = d[i * P + p]; /* scikit-learn: predictions dec < 0, confidences -dec */
                    conf[a] -= -v;
                    conf[b] += -v;
                    votes[v < 0 ? b : a] += 1;
                }
            for (int64_t c = 0; c < k; c++) votes[c] += conf[c] / (3 * (fabs(conf[c]) + 1));
        }
        free(conf);
    }
    if (failed) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op), -1;
    return 0;
}

/* Wu, Lin and Weng's method 2 (libsvm's multiclass_probability): r [k, k] pairwise -> p [k];
 * Q [k, k], Qp [k] scratch */
static void couple(int64_t k, const double *r, double *p, double *Q, double *Qp) {
    int64_t max_iter = k > 100 ? k : 100;
    double eps = 0.005 / k;
    for (int64_t t = 0; t < k; t++) {
        p[t] = 1.0 / k;
        Q[t * k + t] = 0;
        for (int64_t j = 0; j < t; j++) {
            Q[t * k + t] += r[j * k + t] * r[j * k + t];
            Q[t * k + j] = Q[j * k + t];
        }
        for (int64_t j = t + 1; j < k; j++) {
            Q[t * k + t] += r[j * k + t] * r[j * k + t];
            Q[t * k + j] = -r[j * k + t] * r[t * k + j];
        }
    }
    for (int64_t iter = 0; iter < max_iter; iter++) {
        double pQp = 0;
        for (int64_t t = 0; t < k; t++) {
            Qp[t] = 0;
            for (int64_t j = 0; j < k; j++) Qp[t] += Q[t * k + j] * p[j];
            pQp += p[t] * Qp[t];
        }
        double max_error = 0;
        for (int64_t t = 0; t < k; t++) {
            double e = fabs(Qp[t] - pQp);
            if (e > max_error) max_error = e;
        }
        if (max_error < eps) break;
        for (int64_t t = 0; t < k; t++) {
            double diff = (-Qp[t] + pQp) / Q[t * k + t];
            p[t] += diff;
            pQp = (pQp + diff * (diff * Q[t * k + t] + 2 * Qp[t])) / (1 + diff) / (1 + diff);
            for (int64_t j = 0; j < k; j++) {
                Qp[j] = (Qp[j] + diff * Q[t * k + j]) / (1 + diff);
                p[j] /= (1 + diff);
            }
        }
    }
}

static double sigmoid_predict(double dec, double A, double B) {
    double f = dec * A + B;
    return f >= 0 ? exp(-f) / (1.0 + exp(-f)) : 1.0 / (1 + exp(f));
}

int tide_svc_proba(const tide_tensor *dec, const tide_tensor *prob_a, const tide_tensor *prob_b, int64_t k,
                   tide_tensor *out) {
    const char *op = "svc_proba";
    if (check_dec(op, dec, k)) return -1;
    int64_t m = dec->shape[0], P = k * (k - 1) / 2;
    const tide_tensor *ab[2] = {prob_a, prob_b};
    for (int q = 0; q < 2; q++)
        if (!ab[q] || ab[q]->ndim != 1 || ab[q]->dtype != TIDE_FLOAT64 || ab[q]->shape[0] != P ||
            !tide_tensor_is_contiguous(ab[q]))
            return TIDE_FAIL("%s: prob_a and prob_b must be contiguous float64 tensors [%lld]", op, (long long)P), -1;
    if (check_out(op, out, m, k, TIDE_FLOAT64)) return -1;
    const double *d = (const double *)tide_elem_ptr(dec), *A = (const double *)tide_elem_ptr(prob_a);
    const double *B = (const double *)tide_elem_ptr(prob_b);
    double *o = (double *)tide_elem_ptr(out);
    int64_t cols = dec->shape[1];
    int nth = tide_threads_for(m * k * k * 8);
    int failed = 0;
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        double *r = malloc((size_t)(2 * k * k + k) * sizeof(double));
        if (!r) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int64_t i = 0; i < m; i++) {
            if (!r) continue;
            for (int64_t a = 0, p = 0; a < k; a++)
                for (int64_t b = a + 1; b < k; b++, p++) {
                    double v = k == 2 ? -d[i * cols] : d[i * cols + p]; /* libsvm's orientation */
                    double pr = sigmoid_predict(v, A[p], B[p]);
                    pr = fmin(fmax(pr, 1e-7), 1 - 1e-7);
                    r[a * k + b] = pr;
                    r[b * k + a] = 1 - pr;
                }
            couple(k, r, o + i * k, r + k * k, r + 2 * k * k);
        }
        free(r);
    }
    if (failed) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op), -1;
    return 0;
}
