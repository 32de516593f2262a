/* test_linalg.c — the matrix-product kernels through the public C API: matmul against a naive
 * reference over every operand layout (contiguous, transposed, wide leading dimension, strided
 * copy path), dtype, size (C loop and BLAS), batch broadcasting and vector cases; out handling,
 * error messages, and that nothing leaks. */
#include "check.h"
#include "tide/linalg.h"
#include "tide/tensor.h"

#include <string.h>

enum { CONTIG, TRANS, WIDE, STEP, NLAYOUTS };
static const char *layout_names[] = {"contig", "trans", "wide", "step"};

static uint64_t rng = 12345;
static double next_val(void) { /* multiples of 1/8 in [-2, 2]: exact float32 products and sums */
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)((int)((rng >> 33) % 33) - 16) / 8;
}

/* A rows x cols matrix holding fresh values, with the given memory layout (a view). */
static tide_tensor *matrix(int64_t rows, int64_t cols, int layout, int dtype) {
    int64_t shape[2];
    tide_tensor *base, *v = NULL;
    switch (layout) {
    case TRANS: shape[0] = cols, shape[1] = rows; break;
    case WIDE: shape[0] = rows, shape[1] = cols + 3; break;
    case STEP: shape[0] = rows, shape[1] = 2 * cols; break;
    default: shape[0] = rows, shape[1] = cols;
    }
    base = tide_tensor_empty(2, shape, dtype);
    int64_t idx[2];
    for (idx[0] = 0; idx[0] < shape[0]; idx[0]++)
        for (idx[1] = 0; idx[1] < shape[1]; idx[1]++)
            tide_tensor_set(base, idx, dtype == TIDE_FLOAT32 || dtype == TIDE_FLOAT64 ? next_val() : next_val() * 8);
    switch (layout) {
    case TRANS: v = tide_transpose(base, 0, 1); break;
    case WIDE: v = tide_narrow(base, 1, 0, cols); break;
    case STEP: v = tide_slice(base, 1, 0, 2 * cols, 2); break;
    default: v = tide_alias(base);
    }
    tide_tensor_free(base);
    return v;
}

static double get2(const tide_tensor *t, int64_t i, int64_t j) {
    int64_t idx[2] = {i, j};
    double v = 0;
    tide_tensor_get(t, idx, &v);
    return v;
}

/* max |C - A@B| over a 2-d product, the reference in double */
static double max_err(const tide_tensor *a, const tide_tensor *b, const tide_tensor *c) {
    double worst = 0;
    for (int64_t i = 0; i < a->shape[0]; i++)
        for (int64_t j = 0; j < b->shape[1]; j++) {
            double s = 0;
            for (int64_t k = 0; k < a->shape[1]; k++) s += get2(a, i, k) * get2(b, k, j);
            double e = fabs(s - get2(c, i, j));
            if (e > worst) worst = e;
        }
    return worst;
}

static void test_layouts(void) {
    int64_t sizes[2][3] = {{3, 4, 5}, {17, 23, 19}}; /* C loop, BLAS */
    int dtypes[] = {TIDE_FLOAT32, TIDE_FLOAT64, TIDE_INT64, TIDE_INT32};
    for (int s = 0; s < 2; s++)
        for (int d = 0; d < 4; d++)
            for (int la = 0; la < NLAYOUTS; la++)
                for (int lb = 0; lb < NLAYOUTS; lb++) {
                    int64_t M = sizes[s][0], K = sizes[s][1], N = sizes[s][2];
                    tide_tensor *a = matrix(M, K, la, dtypes[d]), *b = matrix(K, N, lb, dtypes[d]);
                    tide_tensor *c = tide_matmul(a, b, NULL);
                    CHECK(c && c->ndim == 2 && c->shape[0] == M && c->shape[1] == N && c->dtype == dtypes[d]);
                    double e = c ? max_err(a, b, c) : 1e9;
                    if (e != 0)
                        fprintf(stderr, "  layout a=%s b=%s dtype=%s size=%d: error %g\n", layout_names[la],
                                layout_names[lb], tide_dtype_name(dtypes[d]), s, e);
                    CHECK(e == 0);
                    tide_tensor_free(a);
                    tide_tensor_free(b);
                    tide_tensor_free(c);
                }
}

static void test_vectors_and_batches(void) {
    /* [K] . [K] -> 0-d, with strided vectors on the BLAS dot path */
    int64_t K = 700;
    tide_tensor *m = matrix(K, 2, CONTIG, TIDE_FLOAT64);
    tide_tensor *x = tide_select(m, 1, 0), *y = tide_select(m, 1, 1);
    tide_tensor *d = tide_matmul(x, y, NULL);
    double ref = 0, got = NAN;
    for (int64_t k = 0; k < K; k++) ref += get2(m, k, 0) * get2(m, k, 1);
    CHECK(d && d->ndim == 0);
    if (d) tide_tensor_get(d, NULL, &got);
    CHECK(got == ref);
    /* [M, K] @ [K] and [K] @ [K, N] on gemv, both with transposed matrices */
    tide_tensor *A = matrix(40, 30, TRANS, TIDE_FLOAT32), *B = matrix(30, 40, TRANS, TIDE_FLOAT32);
    tide_tensor *vm_base = matrix(30, 2, CONTIG, TIDE_FLOAT32), *v = tide_select(vm_base, 1, 1); /* stride 2 */
    tide_tensor *mv = tide_matmul(A, v, NULL), *vm = tide_matmul(v, B, NULL);
    CHECK(mv && mv->ndim == 1 && mv->shape[0] == 40 && vm && vm->ndim == 1 && vm->shape[0] == 40);
    tide_tensor *vcol = tide_reshape(v, 2, (int64_t[]){30, 1}), *mvc = tide_reshape(mv, 2, (int64_t[]){40, 1});
    CHECK(max_err(A, vcol, mvc) == 0);
    tide_tensor *vrow = tide_reshape(v, 2, (int64_t[]){1, 30}), *vmr = tide_reshape(vm, 2, (int64_t[]){1, 40});
    CHECK(max_err(vrow, B, vmr) == 0);
    /* batched with broadcast: [2, 1, M, K] @ [3, K, N] -> [2, 3, M, N]; each batch checked */
    int64_t sa[4] = {2, 1, 9, 11}, sb[3] = {3, 11, 8};
    tide_tensor *ba = tide_tensor_empty(4, sa, TIDE_FLOAT32), *bb = tide_tensor_empty(3, sb, TIDE_FLOAT32);
    tide_rand_(ba, -1, 1);
    tide_rand_(bb, -1, 1);
    tide_tensor *bc = tide_matmul(ba, bb, NULL);
    CHECK(bc && bc->ndim == 4 && bc->shape[0] == 2 && bc->shape[1] == 3 && bc->shape[2] == 9 && bc->shape[3] == 8);
    for (int i = 0; bc && i < 2; i++)
        for (int j = 0; j < 3; j++) {
            tide_tensor *ai = tide_select(ba, 0, i), *a2 = tide_select(ai, 0, 0), *b2 = tide_select(bb, 0, j);
            tide_tensor *ci = tide_select(bc, 0, i), *c2 = tide_select(ci, 0, j);
            CHECK(max_err(a2, b2, c2) < 1e-5);
            tide_tensor_free(ai), tide_tensor_free(a2), tide_tensor_free(b2), tide_tensor_free(ci), tide_tensor_free(c2);
        }
    /* folded batch: [4, M, K] @ [K, N] equals four separate products */
    int64_t sf[3] = {4, 9, 11};
    tide_tensor *fa = tide_tensor_empty(3, sf, TIDE_FLOAT64), *fb = matrix(11, 8, TRANS, TIDE_FLOAT64);
    tide_rand_(fa, -1, 1);
    tide_tensor *fc = tide_matmul(fa, fb, NULL);
    for (int i = 0; fc && i < 4; i++) {
        tide_tensor *a2 = tide_select(fa, 0, i), *c2 = tide_select(fc, 0, i);
        CHECK(max_err(a2, fb, c2) < 1e-12);
        tide_tensor_free(a2), tide_tensor_free(c2);
    }
    tide_tensor *all[] = {m, x, y, d, A, B, vm_base, v, mv, vm, vcol, mvc, vrow, vmr, ba, bb, bc, fa, fb, fc};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) tide_tensor_free(all[i]);
}

static void test_out_and_ops(void) {
    tide_tensor *a = matrix(20, 30, CONTIG, TIDE_FLOAT32), *b = matrix(30, 25, CONTIG, TIDE_FLOAT32);
    /* out given: filled and returned; a transposed (non-contiguous) out goes through a temporary */
    int64_t sh[2] = {25, 20};
    tide_tensor *big = tide_tensor_zeros(2, sh, TIDE_FLOAT32), *out = tide_transpose(big, 0, 1);
    CHECK(tide_matmul(a, b, out) == out);
    CHECK(max_err(a, b, out) == 0);
    CHECK(tide_mm(a, b, out) == out);
    /* addmm: beta * c + alpha * a @ b */
    tide_tensor *c = matrix(20, 25, CONTIG, TIDE_FLOAT32), *r = tide_addmm(c, a, b, NULL, 0.5, 2);
    tide_tensor *p = tide_matmul(a, b, NULL);
    double worst = 0;
    for (int i = 0; i < 20; i++)
        for (int j = 0; j < 25; j++) {
            double e = fabs(get2(r, i, j) - (0.5 * get2(c, i, j) + 2 * get2(p, i, j)));
            if (e > worst) worst = e;
        }
    CHECK(worst == 0);
    /* outer */
    tide_tensor *x = tide_arange(1, 4, 1, TIDE_INT64), *y = tide_arange(1, 3, 1, TIDE_FLOAT32);
    tide_tensor *o = tide_outer(x, y, NULL);
    CHECK(o && o->dtype == TIDE_FLOAT32 && get2(o, 2, 1) == 6 && get2(o, 0, 0) == 1);
    /* uint8 wraps like NumPy: 200 * 2 = 400 -> 144 */
    int64_t s1[2] = {1, 1};
    tide_tensor *u1 = tide_tensor_full(2, s1, TIDE_UINT8, 200), *u2 = tide_tensor_full(2, s1, TIDE_UINT8, 2);
    tide_tensor *u = tide_matmul(u1, u2, NULL);
    CHECK(u && u->dtype == TIDE_UINT8 && get2(u, 0, 0) == 144);
    tide_tensor *all[] = {a, b, big, out, c, r, p, x, y, o, u1, u2, u};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) tide_tensor_free(all[i]);
}

static void test_errors(void) {
    int64_t s23[2] = {2, 3}, s45[2] = {4, 5}, s3 = 3;
    tide_tensor *a = tide_tensor_zeros(2, s23, TIDE_FLOAT32), *b = tide_tensor_zeros(2, s45, TIDE_FLOAT32);
    tide_tensor *v = tide_tensor_zeros(1, &s3, TIDE_BOOL), *z = tide_tensor_zeros(0, NULL, TIDE_FLOAT32);
    CHECK(tide_matmul(a, b, NULL) == NULL);
    CHECK(strcmp(tide_last_error(), "matmul: shapes [2, 3] and [4, 5] do not match (3 vs 4)") == 0);
    CHECK(tide_matmul(a, z, NULL) == NULL && strstr(tide_last_error(), "matmul: argument 2 is 0-d"));
    CHECK(tide_matmul(v, v, NULL) == NULL && strstr(tide_last_error(), "matmul: bool"));
    CHECK(tide_matmul(NULL, a, NULL) == NULL && strstr(tide_last_error(), "matmul: argument 1 is NULL"));
    CHECK(tide_mm(a, a, NULL) == NULL && strstr(tide_last_error(), "mm: shapes [2, 3] and [2, 3]"));
    CHECK(tide_matmul(a, a, a) == NULL && strstr(tide_last_error(), "matmul: shapes"));
    int64_t s32[2] = {3, 2};
    tide_tensor *c = tide_tensor_zeros(2, s32, TIDE_FLOAT32);
    CHECK(tide_matmul(a, c, b) == NULL && strstr(tide_last_error(), "matmul: out has shape [4, 5], expected [2, 2]"));
    tide_clear_error();
    tide_tensor_free(a), tide_tensor_free(b), tide_tensor_free(v), tide_tensor_free(z), tide_tensor_free(c);
}

int main(void) {
    int64_t live = tide_memory()->live_tensors;
    tide_set_num_threads(2);
    test_layouts();
    test_vectors_and_batches();
    test_out_and_ops();
    test_errors();
    CHECK(tide_memory()->live_tensors == live); /* every temporary was released */
    return check_report("test_linalg");
}
