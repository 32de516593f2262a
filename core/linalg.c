/* linalg.c — matrix products: matmul (dot / gemv / batched gemm with broadcast batch dims), mm,
 * bmm, mv, dot, outer, addmm. float32/float64 go to OpenBLAS (sgemm/dgemm, sgemv/dgemv,
 * sdot/ddot) without copying any operand whose layout BLAS can describe (a trans flag plus a
 * leading dimension); integer dtypes use a C loop. Batches are looped over sequentially: BLAS
 * threads inside each call, and is never called from inside an OpenMP region of ours.
 */
#include "internal.h"
#include "tide/linalg.h"

#include <cblas.h>
#include <limits.h>
#include <string.h>

/* The product ops share one validating driver; the enum names which rules apply. */
typedef enum linalg_op { OP_MATMUL, OP_MM, OP_BMM, OP_MV, OP_DOT, OP_OUTER, OP_ADDMM } linalg_op;
static const char *const op_names[] = {"matmul", "mm", "bmm", "mv", "dot", "outer", "addmm"};

/* Work (M*N*K) below which a plain loop beats the fixed cost of a BLAS call. */
#define SMALL_GEMM_WORK 512

/* One matrix operand seen as [batch..., rows, cols] with strides in elements. */
typedef struct operand {
    const char *p;                   /* element (0, 0) of batch 0 */
    int64_t rows, cols, rs, cs;      /* matrix dims and strides */
    int64_t bstride[TIDE_MAX_DIMS];  /* stride per output batch dim; 0 where broadcast */
    int trans;                       /* BLAS view: 0 row-major [rows, cols], 1 transposed [cols, rows] */
    int64_t ld;                      /* BLAS leading dimension */
} operand;

static int64_t max1(int64_t x) { return x > 1 ? x : 1; }

/* How BLAS sees a strided rows x cols matrix: sets trans/ld and returns true, or false when no
 * (trans, ld) pair describes the layout and a contiguous copy is needed. */
static bool blas_layout(operand *o) {
    int64_t r = o->rows, c = o->cols;
    if ((o->cs == 1 || c <= 1) && (r <= 1 || o->rs >= max1(c))) {
        o->trans = 0;
        o->ld = r <= 1 ? max1(c) : o->rs;
    } else if ((o->rs == 1 || r <= 1) && (c <= 1 || o->cs >= max1(r))) {
        o->trans = 1;
        o->ld = c <= 1 ? max1(r) : o->cs;
    } else
        return false;
    return o->ld <= INT_MAX;
}

/* ---------------------------------------------------------------- kernels */

/* C rows [i0, i1) of C [M, N] (contiguous) = A [M, K] @ B [K, N] with arbitrary strides, for
 * every dtype but bool. Integers accumulate in the unsigned type of the same width: wrapping,
 * no undefined overflow. */
#define LOOP_GEMM(T, UT)                                                                                               \
    {                                                                                                                  \
        const T *A = (const T *)a;                                                                                     \
        const T *B = (const T *)b;                                                                                     \
        for (int64_t i = i0; i < i1; i++) {                                                                            \
            UT *c = (UT *)C + i * N;                                                                                   \
            for (int64_t j = 0; j < N; j++) c[j] = 0;                                                                  \
            for (int64_t k = 0; k < K; k++) {                                                                          \
                UT av = (UT)A[i * ars + k * acs];                                                                      \
                const T *brow = B + k * brs;                                                                           \
                if (bcs == 1)                                                                                          \
                    for (int64_t j = 0; j < N; j++) c[j] += av * (UT)brow[j];                                          \
                else                                                                                                   \
                    for (int64_t j = 0; j < N; j++) c[j] += av * (UT)brow[j * bcs];                                    \
            }                                                                                                          \
        }                                                                                                              \
        return;                                                                                                        \
    }

static TIDE_HOT void loop_rows(int dtype, const char *a, int64_t ars, int64_t acs, const char *b, int64_t brs,
                               int64_t bcs, char *C, int64_t N, int64_t K, int64_t i0, int64_t i1) {
    switch (dtype) {
    case TIDE_FLOAT32: LOOP_GEMM(float, float)
    case TIDE_FLOAT64: LOOP_GEMM(double, double)
    case TIDE_INT32: LOOP_GEMM(int32_t, uint32_t)
    case TIDE_INT64: LOOP_GEMM(int64_t, uint64_t)
    case TIDE_UINT8: LOOP_GEMM(uint8_t, uint8_t)
    default: return;
    }
}

/* Tiny float products: C [M, N] = A @ B as plain dot products (no vector set-up to amortise). */
#define SMALL_GEMM(T)                                                                                                  \
    {                                                                                                                  \
        const T *A = (const T *)a, *B = (const T *)b;                                                                  \
        T *c = (T *)C;                                                                                                 \
        for (int64_t i = 0; i < M; i++)                                                                                \
            for (int64_t j = 0; j < N; j++) {                                                                          \
                T acc = 0;                                                                                             \
                for (int64_t k = 0; k < K; k++) acc += A[i * ars + k * acs] * B[k * brs + j * bcs];                    \
                c[i * N + j] = acc;                                                                                    \
            }                                                                                                          \
        return;                                                                                                        \
    }

static void small_gemm(int dtype, const char *a, int64_t ars, int64_t acs, const char *b, int64_t brs, int64_t bcs,
                       char *C, int64_t M, int64_t N, int64_t K) {
    if (dtype == TIDE_FLOAT32) SMALL_GEMM(float)
    SMALL_GEMM(double)
}

/* The loop product over all M rows; large ones split into row blocks across threads. */
static void loop_gemm(int dtype, const char *a, int64_t ars, int64_t acs, const char *b, int64_t brs, int64_t bcs,
                      char *C, int64_t M, int64_t N, int64_t K) {
    int nth = M > 1 ? tide_threads_for(M * N * K / 8) : 1;
    if (nth <= 1) {
        loop_rows(dtype, a, ars, acs, b, brs, bcs, C, N, K, 0, M);
        return;
    }
    int64_t block = (M + nth - 1) / nth;
#pragma omp parallel for num_threads(nth)
    for (int64_t i0 = 0; i0 < M; i0 += block)
        loop_rows(dtype, a, ars, acs, b, brs, bcs, C, N, K, i0, i0 + block < M ? i0 + block : M);
}

/* One float product C [M, N] (row stride N) = alpha * A @ B + beta * C through BLAS; picks dot
 * or gemv when M or N is 1. A and B have had blas_layout applied. */
#define BLAS_CALLS(T, PRE)                                                                                             \
    {                                                                                                                  \
        const T *pa = (const T *)a->p + aoff, *pb = (const T *)b->p + boff;                                           \
        T *pc = (T *)C;                                                                                                \
        T al = (T)alpha, be = (T)beta;                                                                                 \
        if (M == 1 && N == 1) {                                                                                        \
            T d = cblas_##PRE##dot((int)K, pa, (int)(a->trans ? a->ld : 1), pb, (int)(b->trans ? 1 : b->ld));         \
            pc[0] = be == 0 ? al * d : al * d + be * pc[0];                                                            \
        } else if (M == 1) { /* y [N] = op(B)^T x */                                                                  \
            int incx = (int)(a->trans ? a->ld : 1);                                                                    \
            if (!b->trans)                                                                                             \
                cblas_##PRE##gemv(CblasRowMajor, CblasTrans, (int)K, (int)N, al, pb, (int)b->ld, pa, incx, be, pc, 1); \
            else                                                                                                       \
                cblas_##PRE##gemv(CblasRowMajor, CblasNoTrans, (int)N, (int)K, al, pb, (int)b->ld, pa, incx, be, pc, 1); \
        } else if (N == 1) { /* y [M] = op(A) x */                                                                     \
            int incx = (int)(b->trans ? 1 : b->ld);                                                                    \
            if (!a->trans)                                                                                             \
                cblas_##PRE##gemv(CblasRowMajor, CblasNoTrans, (int)M, (int)K, al, pa, (int)a->ld, pb, incx, be, pc, 1); \
            else                                                                                                       \
                cblas_##PRE##gemv(CblasRowMajor, CblasTrans, (int)K, (int)M, al, pa, (int)a->ld, pb, incx, be, pc, 1); \
        } else                                                                                                         \
            cblas_##PRE##gemm(CblasRowMajor, a->trans ? CblasTrans : CblasNoTrans, b->trans ? CblasTrans : CblasNoTrans, \
                              (int)M, (int)N, (int)K, al, pa, (int)a->ld, pb, (int)b->ld, be, pc, (int)N);            \
        return;                                                                                                        \
    }

static void blas_product(int dtype, const operand *a, int64_t aoff, const operand *b, int64_t boff, char *C,
                         int64_t M, int64_t N, int64_t K, double alpha, double beta) {
    if (dtype == TIDE_FLOAT32) BLAS_CALLS(float, s)
    BLAS_CALLS(double, d)
}

/* C [batch..., M, N] (contiguous) = alpha * A @ B + beta * C over every batch index. Integer
 * dtypes (and tiny float products) use the loop, which needs alpha == 1 and beta == 0. M, N, K
 * are all > 0 here. */
static void batched_product(int dtype, int nb, const int64_t *bshape, const operand *a, const operand *b, char *C,
                            int64_t M, int64_t N, int64_t K, double alpha, double beta) {
    size_t es = tide_dtype_size(dtype);
    bool use_blas = tide_is_float(dtype) && (M * N * K > SMALL_GEMM_WORK || alpha != 1 || beta != 0);
    int64_t idx[TIDE_MAX_DIMS] = {0};
    int64_t nbatch = tide_shape_numel(nb, bshape);
    for (int64_t n = 0; n < nbatch; n++) {
        int64_t aoff = 0, boff = 0;
        for (int d = 0; d < nb; d++) {
            aoff += idx[d] * a->bstride[d];
            boff += idx[d] * b->bstride[d];
        }
        char *c = C + (size_t)(n * M * N) * es;
        if (use_blas)
            blas_product(dtype, a, aoff, b, boff, c, M, N, K, alpha, beta);
        else if (tide_is_float(dtype))
            small_gemm(dtype, a->p + aoff * (int64_t)es, a->rs, a->cs, b->p + boff * (int64_t)es, b->rs, b->cs, c, M,
                       N, K);
        else
            loop_gemm(dtype, a->p + aoff * (int64_t)es, a->rs, a->cs, b->p + boff * (int64_t)es, b->rs, b->cs, c, M, N,
                      K);
        tide_next_index(nb, bshape, idx);
    }
}

/* When b is the same matrix for every batch and a's batches are evenly spaced rows, the whole
 * batch is one [batch*M, K] @ [K, N] product (the common Linear-layer case). */
static bool fold_batches(int nb, const int64_t *bshape, operand *a, const operand *b, int64_t *M) {
    if (nb == 0) return false;
    for (int d = 0; d < nb; d++)
        if (bshape[d] != 1 && b->bstride[d] != 0) return false;
    int64_t total = tide_shape_numel(nb, bshape);
    if (total <= 1) return false;
    int inner = nb - 1;
    while (bshape[inner] == 1) inner--;
    int64_t step = *M > 1 ? a->rs : a->bstride[inner];
    int64_t expect = *M * step;
    for (int d = nb - 1; d >= 0; d--) {
        if (bshape[d] == 1) continue;
        if (a->bstride[d] != expect) return false;
        expect *= bshape[d];
    }
    operand f = *a;
    f.rows = *M * total;
    f.rs = step;
    if (f.rows > INT_MAX) return false;
    if (!blas_layout(&f) || f.trans) return false;
    *a = f;
    *M = f.rows;
    return true;
}

/* ---------------------------------------------------------------- the driver */

static bool check_inputs(const char *op, const tide_tensor *a, const tide_tensor *b) {
    const tide_tensor *ts[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        if (!ts[i]) {
            TIDE_FAIL("%s: argument %d is NULL (freed tensor?)", op, i + 1);
            return false;
        }
        if (ts[i]->dtype == TIDE_BOOL) {
            TIDE_FAIL("%s: bool tensors are not supported (argument %d); convert to a number dtype first", op, i + 1);
            return false;
        }
    }
    return true;
}


/* The operand for tensor t seen as [batch..., rows, cols]: `vec` says t is 1-d and plays a row
 * (as left operand) or a column (as right operand). Batch strides align to the right. */
static void make_operand(operand *o, const tide_tensor *t, bool left, int nb) {
    memset(o, 0, sizeof *o);
    o->p = tide_elem_ptr(t);
    int nd = t->ndim;
    if (nd == 1) {
        if (left) {
            o->rows = 1, o->cols = t->shape[0], o->rs = t->shape[0], o->cs = t->stride[0];
        } else {
            o->rows = t->shape[0], o->cols = 1, o->rs = t->stride[0], o->cs = 1;
        }
        return;
    }
    o->rows = t->shape[nd - 2], o->cols = t->shape[nd - 1];
    o->rs = t->stride[nd - 2], o->cs = t->stride[nd - 1];
    int tb = nd - 2;
    for (int d = 0; d < nb; d++) {
        int j = d - (nb - tb);
        o->bstride[d] = (j < 0 || t->shape[j] == 1) ? 0 : t->stride[j];
    }
}

static bool overlaps(const tide_tensor *out, const tide_tensor *t) { return t && out->storage == t->storage; }

/* a @ b into out (or a new tensor), under the rules of `op`; c/alpha/beta are used by addmm. */
static tide_tensor *product(linalg_op op, const tide_tensor *c, const tide_tensor *a, const tide_tensor *b,
                            tide_tensor *out, double beta, double alpha) {
    const char *name = op_names[op];
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ], b3[TIDE_SHAPE_BUFSZ];
    if (!check_inputs(name, a, b)) return NULL;
    if (op == OP_ADDMM && !c) {
        TIDE_FAIL("addmm: input tensor is NULL (freed tensor?)");
        return NULL;
    }
    if (op == OP_ADDMM && c->dtype == TIDE_BOOL) {
        TIDE_FAIL("addmm: bool tensors are not supported (input); convert to a number dtype first");
        return NULL;
    }
    /* rank rules */
    int need_a = 0, need_b = 0;
    switch (op) {
    case OP_MM: case OP_ADDMM: need_a = 2, need_b = 2; break;
    case OP_BMM: need_a = 3, need_b = 3; break;
    case OP_MV: need_a = 2, need_b = 1; break;
    case OP_DOT: need_a = 1, need_b = 1; break;
    default: break;
    }
    if (op == OP_MATMUL) {
        for (int i = 0; i < 2; i++)
            if ((i ? b : a)->ndim == 0) {
                TIDE_FAIL("matmul: argument %d is 0-d; both arguments need at least 1 dim (use mul for scalars)", i + 1);
                return NULL;
            }
    } else if (a->ndim != need_a || b->ndim != need_b) {
        TIDE_FAIL("%s: expected %d-d and %d-d tensors, got shapes %s and %s", name, need_a, need_b,
                  tide_shape_str(a->ndim, a->shape, b1, sizeof b1), tide_shape_str(b->ndim, b->shape, b2, sizeof b2));
        return NULL;
    }
    /* contracted dims and batch broadcast */
    int64_t K = a->shape[a->ndim - 1];
    int64_t Kb = b->ndim == 1 ? b->shape[0] : b->shape[b->ndim - 2];
    if (K != Kb) {
        TIDE_FAIL("%s: shapes %s and %s do not match (%lld vs %lld)", name, tide_shape_str(a->ndim, a->shape, b1, sizeof b1),
                  tide_shape_str(b->ndim, b->shape, b2, sizeof b2), (long long)K, (long long)Kb);
        return NULL;
    }
    int64_t M = a->ndim == 1 ? 1 : a->shape[a->ndim - 2];
    int64_t N = b->ndim == 1 ? 1 : b->shape[b->ndim - 1];
    int na = a->ndim > 2 ? a->ndim - 2 : 0, nbb = b->ndim > 2 ? b->ndim - 2 : 0;
    int nb = na > nbb ? na : nbb;
    int64_t bshape[TIDE_MAX_DIMS];
    for (int d = 0; d < nb; d++) {
        int ja = d - (nb - na), jb = d - (nb - nbb);
        int64_t sa = ja >= 0 ? a->shape[ja] : 1, sb = jb >= 0 ? b->shape[jb] : 1;
        if (op == OP_BMM && sa != sb) {
            TIDE_FAIL("bmm: batch sizes differ (%lld vs %lld); use matmul to broadcast", (long long)sa, (long long)sb);
            return NULL;
        }
        if (sa != sb && sa != 1 && sb != 1) {
            TIDE_FAIL("%s: batch dims of shapes %s and %s cannot broadcast (%lld vs %lld)", name,
                      tide_shape_str(a->ndim, a->shape, b1, sizeof b1), tide_shape_str(b->ndim, b->shape, b2, sizeof b2),
                      (long long)sa, (long long)sb);
            return NULL;
        }
        bshape[d] = sa == 1 ? sb : sa;
    }
    if (tide_is_float(a->dtype) || tide_is_float(b->dtype)) {
        if (M > INT_MAX || N > INT_MAX || K > INT_MAX) {
            TIDE_FAIL("%s: a matrix dim exceeds BLAS's 32-bit limit", name);
            return NULL;
        }
    }
    int dtype = tide_promote_types(a->dtype, b->dtype);
    if (op == OP_ADDMM) dtype = tide_promote_types(dtype, c->dtype);
    /* result shape */
    int64_t rshape[TIDE_MAX_DIMS];
    int rnd = 0;
    for (int d = 0; d < nb; d++) rshape[rnd++] = bshape[d];
    if (a->ndim > 1) rshape[rnd++] = M;
    if (b->ndim > 1) rshape[rnd++] = N;
    if (op == OP_ADDMM) {
        int64_t mn[2] = {M, N};
        bool ok = c->ndim <= 2;
        for (int i = 0; ok && i < c->ndim; i++) {
            int64_t s = c->shape[c->ndim - 1 - i];
            if (s != 1 && s != mn[1 - i]) ok = false;
        }
        if (!ok) {
            TIDE_FAIL("addmm: input of shape %s does not broadcast to the product's shape %s",
                      tide_shape_str(c->ndim, c->shape, b1, sizeof b1), tide_shape_str(2, mn, b3, sizeof b3));
            return NULL;
        }
    }
    tide_tensor *res = tide_out_or_alloc(name, out, rnd, rshape, dtype);
    if (!res) return NULL;
    /* temporaries: casts, contiguous copies, and a contiguous result when out cannot take BLAS output */
    tide_tensor *ta = NULL, *tb = NULL, *tr = NULL, *tp = NULL;
    tide_tensor *target = res;
    bool ok = false;
    if (out && (!tide_tensor_is_contiguous(out) || overlaps(out, a) || overlaps(out, b))) {
        target = tr = tide_alloc(name, rnd, rshape, dtype);
        if (!tr) goto done;
    }
    if (op == OP_ADDMM && beta != 0 && target != c && tide_copy_(target, c)) goto done;
    if (target->numel == 0) {
        ok = true;
        goto done;
    }
    if (K == 0) { /* empty sum: zeros, or beta * c for addmm */
        if (op != OP_ADDMM || beta == 0) {
            memset(tide_elem_ptr(target), 0, (size_t)target->numel * tide_dtype_size(dtype));
        } else {
            char *p = tide_elem_ptr(target);
            size_t es = tide_dtype_size(dtype);
            for (int64_t i = 0; i < target->numel; i++)
                tide_store_from_double(p + i * es, dtype, beta * tide_load_as_double(p + i * es, dtype));
        }
        ok = true;
        goto done;
    }
    if (a->dtype != dtype && !(a = ta = tide_cast(a, dtype))) goto done;
    if (b->dtype != dtype && !(b = tb = tide_cast(b, dtype))) goto done;
    operand oa, ob;
    make_operand(&oa, a, true, nb);
    make_operand(&ob, b, false, nb);
    if (tide_is_float(dtype)) {
        if (!blas_layout(&oa)) {
            tide_tensor *t = tide_contiguous(a);
            if (!t) goto done;
            if (ta) tide_tensor_free(ta);
            a = ta = t;
            make_operand(&oa, a, true, nb);
            blas_layout(&oa);
        }
        if (!blas_layout(&ob)) {
            tide_tensor *t = tide_contiguous(b);
            if (!t) goto done;
            if (tb) tide_tensor_free(tb);
            b = tb = t;
            make_operand(&ob, b, false, nb);
            blas_layout(&ob);
        }
        if (fold_batches(nb, bshape, &oa, &ob, &M)) nb = 0;
        batched_product(dtype, nb, bshape, &oa, &ob, tide_elem_ptr(target), M, N, K, op == OP_ADDMM ? alpha : 1,
                        op == OP_ADDMM ? beta : 0);
    } else if (op != OP_ADDMM) {
        batched_product(dtype, nb, bshape, &oa, &ob, tide_elem_ptr(target), M, N, K, 1, 0);
    } else { /* integer addmm: the product, then beta * c + alpha * product */
        tp = tide_alloc(name, rnd, rshape, dtype);
        if (!tp) goto done;
        batched_product(dtype, nb, bshape, &oa, &ob, tide_elem_ptr(tp), M, N, K, 1, 0);
        char *p = tide_elem_ptr(target), *q = tide_elem_ptr(tp);
        size_t es = tide_dtype_size(dtype);
        for (int64_t i = 0; i < target->numel; i++) {
            double v = alpha * tide_load_as_double(q + i * es, dtype);
            if (beta != 0) v += beta * tide_load_as_double(p + i * es, dtype);
            tide_store_from_double(p + i * es, dtype, v);
        }
    }
    ok = true;
done:
    if (ok && tr && tide_copy_(res, tr)) ok = false;
    tide_tensor_free(ta);
    tide_tensor_free(tb);
    tide_tensor_free(tr);
    tide_tensor_free(tp);
    if (!ok) {
        if (res != out) tide_tensor_free(res);
        return NULL;
    }
    return res;
}

tide_tensor *tide_matmul(const tide_tensor *a, const tide_tensor *b, tide_tensor *out) {
    return product(OP_MATMUL, NULL, a, b, out, 0, 1);
}
tide_tensor *tide_mm(const tide_tensor *a, const tide_tensor *b, tide_tensor *out) {
    return product(OP_MM, NULL, a, b, out, 0, 1);
}
tide_tensor *tide_bmm(const tide_tensor *a, const tide_tensor *b, tide_tensor *out) {
    return product(OP_BMM, NULL, a, b, out, 0, 1);
}
tide_tensor *tide_mv(const tide_tensor *a, const tide_tensor *v, tide_tensor *out) {
    return product(OP_MV, NULL, a, v, out, 0, 1);
}
tide_tensor *tide_dot(const tide_tensor *a, const tide_tensor *b, tide_tensor *out) {
    return product(OP_DOT, NULL, a, b, out, 0, 1);
}
tide_tensor *tide_addmm(const tide_tensor *c, const tide_tensor *a, const tide_tensor *b, tide_tensor *out, double beta,
                        double alpha) {
    return product(OP_ADDMM, c, a, b, out, beta, alpha);
}

/* ---------------------------------------------------------------- outer */

/* out [M, N] = a [M] x b [N] with any strides; integer products wrap (unsigned arithmetic). */
#define OUTER_LOOP(T, UT)                                                                                              \
    {                                                                                                                  \
        const T *x = (const T *)tide_elem_ptr(a), *y = (const T *)tide_elem_ptr(b);                                   \
        T *o = (T *)tide_elem_ptr(out);                                                                                \
        for (int64_t i = 0; i < M; i++) {                                                                              \
            UT xi = (UT)x[i * as];                                                                                     \
            T *row = o + i * ors;                                                                                      \
            if (bs == 1 && ocs == 1)                                                                                   \
                for (int64_t j = 0; j < N; j++) row[j] = (T)(xi * (UT)y[j]);                                           \
            else                                                                                                       \
                for (int64_t j = 0; j < N; j++) row[j * ocs] = (T)(xi * (UT)y[j * bs]);                                \
        }                                                                                                              \
        return;                                                                                                        \
    }

static TIDE_HOT void outer_kernel(const tide_tensor *a, const tide_tensor *b, tide_tensor *out) {
    int64_t M = a->shape[0], N = b->shape[0], as = a->stride[0], bs = b->stride[0];
    int64_t ors = out->stride[0], ocs = out->stride[1];
    switch (out->dtype) {
    case TIDE_FLOAT32: OUTER_LOOP(float, float)
    case TIDE_FLOAT64: OUTER_LOOP(double, double)
    case TIDE_INT32: OUTER_LOOP(int32_t, uint32_t)
    case TIDE_INT64: OUTER_LOOP(int64_t, uint64_t)
    case TIDE_UINT8: OUTER_LOOP(uint8_t, uint32_t)
    default: return;
    }
}

tide_tensor *tide_outer(const tide_tensor *a, const tide_tensor *b, tide_tensor *out) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    if (!check_inputs("outer", a, b)) return NULL;
    if (a->ndim != 1 || b->ndim != 1) {
        TIDE_FAIL("outer: expected two 1-d tensors, got shapes %s and %s", tide_shape_str(a->ndim, a->shape, b1, sizeof b1),
                  tide_shape_str(b->ndim, b->shape, b2, sizeof b2));
        return NULL;
    }
    int dtype = tide_promote_types(a->dtype, b->dtype);
    int64_t shape[2] = {a->shape[0], b->shape[0]};
    tide_tensor *res = tide_out_or_alloc("outer", out, 2, shape, dtype);
    if (!res) return NULL;
    tide_tensor *ta = NULL, *tb = NULL, *tr = NULL, *target = res;
    bool ok = false;
    if (out && (overlaps(out, a) || overlaps(out, b)) && !(target = tr = tide_alloc("outer", 2, shape, dtype))) goto done;
    if (a->dtype != dtype && !(a = ta = tide_cast(a, dtype))) goto done;
    if (b->dtype != dtype && !(b = tb = tide_cast(b, dtype))) goto done;
    if (target->numel) outer_kernel(a, b, target);
    ok = !tr || tide_copy_(res, tr) == 0;
done:
    tide_tensor_free(ta);
    tide_tensor_free(tb);
    tide_tensor_free(tr);
    if (!ok) {
        if (res != out) tide_tensor_free(res);
        return NULL;
    }
    return res;
}
