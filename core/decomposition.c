/* decomposition.c — SVD, symmetric eigen-decomposition, the scatter matrix, QR / LU power
 * iteration normalisers, svd_flip, seeded Gaussian draws and the MLE rank (see
 * tide/decomposition.h). LAPACK (in OpenBLAS) works column-major; a row-major [m, n] buffer is
 * the column-major [n, m] transpose, which the wrappers below use instead of copying where
 * they can: the SVD of a^T is (v, s, u), so dgesdd on the row-major data writes vt and u
 * straight into row-major outputs. */
#include "internal.h"
#include "tide/decomposition.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK, Fortran calling convention (in OpenBLAS). */
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s, double *u,
             const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork, int *iwork, int *info);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
             const int *lwork, int *iwork, const int *liwork, int *info);
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau, double *work, const int *lwork,
             int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau, double *work,
             const int *lwork, int *info);
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);

#define LAPACK_MAX 2147483647LL

static int check_out(const char *op, const char *what, const tide_tensor *t, int ndim, const int64_t *shape) {
    char want[TIDE_SHAPE_BUFSZ], got[TIDE_SHAPE_BUFSZ];
    if (!t) return TIDE_FAIL("%s: %s is NULL", op, what);
    bool same = t->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = t->shape[i] == shape[i];
    if (!same || t->dtype != TIDE_FLOAT64 || !tide_tensor_is_contiguous(t))
        return TIDE_FAIL("%s: %s must be a contiguous float64 tensor %s, got %s %s", op, what,
                         tide_shape_str(ndim, shape, want, sizeof want), tide_dtype_name(t->dtype),
                         tide_shape_str(t->ndim, t->shape, got, sizeof got));
    return 0;
}

static int check_matrix(const char *op, const tide_tensor *a) {
    if (!a) return TIDE_FAIL("%s: the matrix is NULL", op);
    if (a->ndim != 2) return TIDE_FAIL("%s: expected a 2-d matrix, got %d dims", op, a->ndim);
    if (a->dtype != TIDE_FLOAT64) return TIDE_FAIL("%s: expected float64, got %s", op, tide_dtype_name(a->dtype));
    if (a->shape[0] < 1 || a->shape[1] < 1) return TIDE_FAIL("%s: the matrix is empty", op);
    if (a->shape[0] > LAPACK_MAX || a->shape[1] > LAPACK_MAX || a->shape[0] * a->shape[1] > LAPACK_MAX * 8)
        return TIDE_FAIL("%s: the matrix is too large for LAPACK's 32-bit sizes", op);
    return 0;
}

/* a (any strides) -> contiguous row-major copy */
static double *copy_matrix(const tide_tensor *a) {
    int64_t m = a->shape[0], n = a->shape[1];
    double *p = malloc((size_t)(m * n) * sizeof(double));
    if (!p) return NULL;
    const double *src = (const double *)tide_elem_ptr(a);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) p[i * n + j] = src[i * a->stride[0] + j * a->stride[1]];
    return p;
}

static int lapack_fail(const char *op, const char *routine, int info) {
    if (info > 0) return TIDE_FAIL("%s: %s did not converge (info %d)", op, routine, info);
    return TIDE_FAIL("%s: %s rejected argument %d", op, routine, -info);
}

int tide_svd(const tide_tensor *a, tide_tensor *u, tide_tensor *s, tide_tensor *vt) {
    const char *op = "svd";
    if (check_matrix(op, a) != 0) return -1;
    int64_t m = a->shape[0], n = a->shape[1], r = m < n ? m : n;
    int64_t us[2] = {m, r}, ss[1] = {r}, vs[2] = {r, n};
    if (check_out(op, "u", u, 2, us) || check_out(op, "s", s, 1, ss) || check_out(op, "vt", vt, 2, vs)) return -1;
    double *acopy = copy_matrix(a);
    int *iwork = malloc((size_t)(8 * r) * sizeof(int));
    double *work = NULL;
    int status = 0;
    if (!acopy || !iwork) {
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    /* column-major view: a^T [n, m] = (vt^T) s (u^T), so LAPACK's U is our vt, its VT our u */
    int cm = (int)n, cn = (int)m, lda = (int)n, ldu = (int)n, ldvt = (int)r, info = 0, lwork = -1;
    double wq = 0;
    double *pu = (double *)tide_elem_ptr(vt), *pvt = (double *)tide_elem_ptr(u), *ps = (double *)tide_elem_ptr(s);
    dgesdd_("S", &cm, &cn, acopy, &lda, ps, pu, &ldu, pvt, &ldvt, &wq, &lwork, iwork, &info);
    if (info != 0) {
        status = lapack_fail(op, "dgesdd", info);
        goto done;
    }
    lwork = (int)wq;
    work = malloc((size_t)lwork * sizeof(double));
    if (!work) {
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    dgesdd_("S", &cm, &cn, acopy, &lda, ps, pu, &ldu, pvt, &ldvt, work, &lwork, iwork, &info);
    if (info != 0) status = lapack_fail(op, "dgesdd", info);
done:
    free(acopy);
    free(iwork);
    free(work);
    return status;
}

int tide_eigh(const tide_tensor *a, tide_tensor *w, tide_tensor *vt) {
    const char *op = "eigh";
    if (check_matrix(op, a) != 0) return -1;
    int64_t n = a->shape[0];
    if (a->shape[1] != n) return TIDE_FAIL("%s: expected a square matrix, got [%lld, %lld]", op, (long long)n, (long long)a->shape[1]);
    int64_t ws[1] = {n}, vs[2] = {n, n};
    if (check_out(op, "w", w, 1, ws) || check_out(op, "vt", vt, 2, vs)) return -1;
    double *acopy = copy_matrix(a), *work = NULL;
    int *iwork = NULL, status = 0;
    if (!acopy) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    /* the row-major upper triangle is LAPACK's lower one */
    int nn = (int)n, info = 0, lwork = -1, liwork = -1, iwq = 0;
    double wq = 0, *pw = (double *)tide_elem_ptr(w);
    dsyevd_("V", "L", &nn, acopy, &nn, pw, &wq, &lwork, &iwq, &liwork, &info);
    if (info != 0) {
        status = lapack_fail(op, "dsyevd", info);
        goto done;
    }
    lwork = (int)wq;
    liwork = iwq;
    work = malloc((size_t)lwork * sizeof(double));
    iwork = malloc((size_t)liwork * sizeof(int));
    if (!work || !iwork) {
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    dsyevd_("V", "L", &nn, acopy, &nn, pw, work, &lwork, iwork, &liwork, &info);
    if (info != 0) {
        status = lapack_fail(op, "dsyevd", info);
        goto done;
    }
    /* column j of the column-major result (= row j of acopy) is the eigenvector of w[j],
     * ascending: reverse both */
    double *pv = (double *)tide_elem_ptr(vt);
    for (int64_t i = 0; i < n; i++) memcpy(pv + i * n, acopy + (n - 1 - i) * n, (size_t)n * sizeof(double));
    for (int64_t i = 0; i < n / 2; i++) {
        double t = pw[i];
        pw[i] = pw[n - 1 - i];
        pw[n - 1 - i] = t;
    }
done:
    free(acopy);
    free(work);
    free(iwork);
    return status;
}

/* Rows per block of the scatter: about 4 MB of centred rows. */
static int64_t scatter_block(int64_t d) {
    int64_t b = (int64_t)(4 << 20) / (d * 8);
    return b < 64 ? 64 : b;
}

/* rows [i0, i0 + m) of x minus mean -> buf [m, d] */
static void center_rows(const tide_tensor *x, const double *mu, int64_t i0, int64_t m, double *buf) {
    int64_t d = x->shape[1];
    const void *base = tide_elem_ptr(x);
    for (int64_t i = 0; i < m; i++) {
        double *dst = buf + i * d;
        if (x->dtype == TIDE_FLOAT32) {
            const float *src = (const float *)base + (i0 + i) * d;
            for (int64_t j = 0; j < d; j++) dst[j] = (double)src[j] - mu[j];
        } else {
            const double *src = (const double *)base + (i0 + i) * d;
            for (int64_t j = 0; j < d; j++) dst[j] = src[j] - mu[j];
        }
    }
}

int tide_pca_scatter(const tide_tensor *x, const tide_tensor *mean, tide_tensor *out) {
    const char *op = "pca_scatter";
    if (!x || x->ndim != 2 || (x->dtype != TIDE_FLOAT32 && x->dtype != TIDE_FLOAT64) || !tide_tensor_is_contiguous(x))
        return TIDE_FAIL("%s: x must be a contiguous float32 or float64 tensor [n, d]", op);
    int64_t n = x->shape[0], d = x->shape[1];
    if (n < 1 || d < 1) return TIDE_FAIL("%s: x is empty", op);
    if (d > LAPACK_MAX) return TIDE_FAIL("%s: too many features for BLAS", op);
    int64_t ms[1] = {d}, os[2] = {d, d};
    if (check_out(op, "mean", mean, 1, ms) || check_out(op, "out", out, 2, os)) return -1;
    int64_t bs = scatter_block(d);
    if (bs > n) bs = n;
    double *buf = malloc((size_t)(bs * d) * sizeof(double));
    if (!buf) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    const double *mu = (const double *)tide_elem_ptr(mean);
    double *c = (double *)tide_elem_ptr(out);
    for (int64_t i0 = 0; i0 < n; i0 += bs) {
        int64_t m = i0 + bs < n ? bs : n - i0;
        center_rows(x, mu, i0, m, buf);
        /* upper triangle of out [d, d] (+)= buf^T buf, buf [m, d] */
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)m, 1.0, buf, (int)d, i0 == 0 ? 0.0 : 1.0, c,
                    (int)d);
    }
    for (int64_t i = 0; i < d; i++)
        for (int64_t j = 0; j < i; j++) c[i * d + j] = c[j * d + i];
    free(buf);
    return 0;
}

int tide_pca_project(const tide_tensor *x, const tide_tensor *mean, const tide_tensor *vt, tide_tensor *out) {
    const char *op = "pca_project";
    if (!x || x->ndim != 2 || (x->dtype != TIDE_FLOAT32 && x->dtype != TIDE_FLOAT64) || !tide_tensor_is_contiguous(x))
        return TIDE_FAIL("%s: x must be a contiguous float32 or float64 tensor [n, d]", op);
    int64_t n = x->shape[0], d = x->shape[1];
    if (n < 1 || d < 1 || d > LAPACK_MAX) return TIDE_FAIL("%s: x is empty or too wide", op);
    if (!vt || vt->ndim != 2 || vt->shape[1] != d || vt->shape[0] > LAPACK_MAX)
        return TIDE_FAIL("%s: vt must be a float64 tensor [k, %lld]", op, (long long)d);
    int64_t k = vt->shape[0];
    int64_t ms[1] = {d}, vs[2] = {k, d}, os[2] = {n, k};
    if (check_out(op, "mean", mean, 1, ms) || check_out(op, "vt", vt, 2, vs) || check_out(op, "out", out, 2, os))
        return -1;
    if (k == 0) return 0;
    int64_t bs = scatter_block(d);
    if (bs > n) bs = n;
    double *buf = malloc((size_t)(bs * d) * sizeof(double));
    if (!buf) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    const double *mu = (const double *)tide_elem_ptr(mean), *v = (const double *)tide_elem_ptr(vt);
    double *o = (double *)tide_elem_ptr(out);
    for (int64_t i0 = 0; i0 < n; i0 += bs) {
        int64_t m = i0 + bs < n ? bs : n - i0;
        center_rows(x, mu, i0, m, buf);
        /* out[i0:i0+m] [m, k] = buf [m, d] @ vt^T [d, k] */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)k, (int)d, 1.0, buf, (int)d, v, (int)d, 0.0,
                    o + i0 * k, (int)k);
    }
    free(buf);
    return 0;
}

static int check_tall(const char *op, const tide_tensor *a) {
    if (check_matrix(op, a) != 0) return -1;
    if (!tide_tensor_is_contiguous(a)) return TIDE_FAIL("%s: the matrix must be contiguous", op);
    if (a->shape[0] < a->shape[1])
        return TIDE_FAIL("%s: expected at least as many rows as columns, got [%lld, %lld]", op, (long long)a->shape[0],
                         (long long)a->shape[1]);
    return 0;
}

/* row-major [m, k] <-> column-major [m, k] (a transpose of the buffer) */
static void to_colmajor(const double *src, int64_t m, int64_t k, double *dst) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < k; j++) dst[j * m + i] = src[i * k + j];
}
static void to_rowmajor(const double *src, int64_t m, int64_t k, double *dst) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < k; j++) dst[i * k + j] = src[j * m + i];
}

int tide_orthonormalize(tide_tensor *a) {
    const char *op = "orthonormalize";
    if (check_tall(op, a) != 0) return -1;
    int64_t m = a->shape[0], k = a->shape[1];
    double *p = (double *)tide_elem_ptr(a);
    double *cm = malloc((size_t)(m * k) * sizeof(double)), *tau = malloc((size_t)k * sizeof(double)), *work = NULL;
    int status = 0;
    if (!cm || !tau) {
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    to_colmajor(p, m, k, cm);
    int im = (int)m, ik = (int)k, info = 0, lwork = -1;
    double wq = 0, wq2 = 0;
    dgeqrf_(&im, &ik, cm, &im, tau, &wq, &lwork, &info);
    if (info == 0) dorgqr_(&im, &ik, &ik, cm, &im, tau, &wq2, &lwork, &info);
    if (info != 0) {
        status = lapack_fail(op, "dgeqrf", info);
        goto done;
    }
    lwork = (int)(wq > wq2 ? wq : wq2);
    if (lwork < 1) lwork = 1;
    work = malloc((size_t)lwork * sizeof(double));
    if (!work) {
        status = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        goto done;
    }
    dgeqrf_(&im, &ik, cm, &im, tau, work, &lwork, &info);
    if (info != 0) {
        status = lapack_fail(op, "dgeqrf", info);
        goto done;
    }
    dorgqr_(&im, &ik, &ik, cm, &im, tau, work, &lwork, &info);
    if (info != 0) {
        status = lapack_fail(op, "dorgqr", info);
        goto done;
    }
    to_rowmajor(cm, m, k, p);
done:
    free(cm);
    free(tau);
    free(work);
    return status;
}

int tide_lu_normalize(tide_tensor *a) {
    const char *op = "lu_normalize";
    if (check_tall(op, a) != 0) return -1;
    int64_t m = a->shape[0], k = a->shape[1];
    double *p = (double *)tide_elem_ptr(a);
    double *cm = malloc((size_t)(m * k) * sizeof(double));
    int *ipiv = malloc((size_t)k * sizeof(int));
    if (!cm || !ipiv) {
        free(cm);
        free(ipiv);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
    to_colmajor(p, m, k, cm);
    int im = (int)m, ik = (int)k, info = 0;
    dgetrf_(&im, &ik, cm, &im, ipiv, &info);
    /* info > 0: an exactly zero pivot; L is still defined (scipy returns it too) */
    if (info < 0) {
        free(cm);
        free(ipiv);
        return lapack_fail(op, "dgetrf", info);
    }
    /* L: unit lower trapezoidal part, row-major */
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < k; j++) p[i * k + j] = j < i ? cm[j * m + i] : (j == i ? 1.0 : 0.0);
    /* a = P L U with P = S_1 ... S_k (the interchanges): P L applies S_k first */
    for (int64_t i = k - 1; i >= 0; i--) {
        int64_t r = ipiv[i] - 1;
        if (r == i) continue;
        for (int64_t j = 0; j < k; j++) {
            double t = p[i * k + j];
            p[i * k + j] = p[r * k + j];
            p[r * k + j] = t;
        }
    }
    free(cm);
    free(ipiv);
    return 0;
}

int tide_svd_flip(tide_tensor *u, tide_tensor *vt, int u_based) {
    const char *op = "svd_flip";
    if (!vt || vt->ndim != 2 || vt->dtype != TIDE_FLOAT64 || !tide_tensor_is_contiguous(vt))
        return TIDE_FAIL("%s: vt must be a contiguous float64 tensor [k, n]", op);
    int64_t k = vt->shape[0], n = vt->shape[1], m = 0;
    if (u) {
        if (u->ndim != 2 || u->dtype != TIDE_FLOAT64 || !tide_tensor_is_contiguous(u) || u->shape[1] > k)
            return TIDE_FAIL("%s: u must be a contiguous float64 tensor [m, k] with k <= %lld", op, (long long)k);
        m = u->shape[0];
        k = u->shape[1];
    } else if (u_based)
        return TIDE_FAIL("%s: u is needed for the u-based decision", op);
    int64_t ku = u ? u->shape[1] : k;
    double *pu = u ? (double *)tide_elem_ptr(u) : NULL, *pv = (double *)tide_elem_ptr(vt);
    for (int64_t j = 0; j < k; j++) {
        double best = -1, sign = 1;
        if (u_based) {
            for (int64_t i = 0; i < m; i++) {
                double v = fabs(pu[i * ku + j]);
                if (v > best) best = v, sign = pu[i * ku + j] < 0 ? -1 : 1;
            }
        } else {
            for (int64_t i = 0; i < n; i++) {
                double v = fabs(pv[j * n + i]);
                if (v > best) best = v, sign = pv[j * n + i] < 0 ? -1 : 1;
            }
        }
        if (sign > 0) continue;
        for (int64_t i = 0; i < m; i++) pu[i * ku + j] = -pu[i * ku + j];
        for (int64_t i = 0; i < n; i++) pv[j * n + i] = -pv[j * n + i];
    }
    return 0;
}

static uint64_t hash_bits(uint64_t seed, uint64_t ctr) {
    uint64_t z = seed * 0x9E3779B97F4A7C15ull + ctr * 0xD1B54A32D192ED03ull + 0x2545F4914F6CDD1Dull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int tide_gaussian_fill(tide_tensor *out, uint64_t seed) {
    const char *op = "gaussian_fill";
    if (!out || out->dtype != TIDE_FLOAT64 || !tide_tensor_is_contiguous(out))
        return TIDE_FAIL("%s: out must be a contiguous float64 tensor", op);
    double *p = (double *)tide_elem_ptr(out);
    int64_t n = out->numel;
    int nt = tide_threads_for(n * 8);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t i = 0; i < (n + 1) / 2; i++) { /* Box-Muller: one pair per counter */
        double u1 = 1.0 - (double)(hash_bits(seed, 2 * (uint64_t)i) >> 11) * 0x1.0p-53; /* (0, 1] */
        double u2 = (double)(hash_bits(seed, 2 * (uint64_t)i + 1) >> 11) * 0x1.0p-53;
        double r = sqrt(-2.0 * log(u1)), th = 2.0 * M_PI * u2;
        p[2 * i] = r * cos(th);
        if (2 * i + 1 < n) p[2 * i + 1] = r * sin(th);
    }
    return 0;
}

/* Minka's log-likelihood of rank `rank` for the spectrum (scikit-learn's _assess_dimension). */
static double assess_dimension(const double *spectrum, int64_t d, int64_t rank, double n) {
    const double eps = 1e-15;
    if (spectrum[rank - 1] < eps) return -INFINITY;
    double pu = -(double)rank * log(2.0);
    for (int64_t i = 1; i <= rank; i++)
        pu += lgamma((double)(d - i + 1) / 2.0) - log(M_PI) * (double)(d - i + 1) / 2.0;
    double pl = 0;
    for (int64_t i = 0; i < rank; i++) pl += log(spectrum[i]);
    pl = -pl * n / 2.0;
    double rest = 0;
    for (int64_t i = rank; i < d; i++) rest += spectrum[i];
    double v = rest / (double)(d - rank);
    if (v < eps) v = eps;
    double pv = -log(v) * n * (double)(d - rank) / 2.0;
    double m = (double)d * rank - rank * (rank + 1.0) / 2.0;
    double pp = log(2.0 * M_PI) * (m + rank) / 2.0;
    double pa = 0;
    for (int64_t i = 0; i < rank; i++)
        for (int64_t j = i + 1; j < d; j++) {
            double sj = j < rank ? spectrum[j] : v;
            pa += log((spectrum[i] - spectrum[j]) * (1.0 / sj - 1.0 / spectrum[i])) + log(n);
        }
    return pu + pl + pv + pp - pa / 2.0 - rank * log(n) / 2.0;
}

int64_t tide_pca_mle_rank(const double *spectrum, int64_t d, int64_t n_samples) {
    if (!spectrum || d < 1 || n_samples < 1) {
        TIDE_FAIL("pca_mle_rank: expected a spectrum of d >= 1 values and n_samples >= 1");
        return -1;
    }
    int64_t best = 0;
    double best_ll = -INFINITY;
    for (int64_t rank = 1; rank < d; rank++) {
        double ll = assess_dimension(spectrum, d, rank, (double)n_samples);
        if (ll > best_ll) best_ll = ll, best = rank; /* NaN never wins; ties keep the first */
    }
    return best;
}
