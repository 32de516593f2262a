/* test_elementwise.c — the elementwise kernels from C: broadcasting, every binary op and dtype
 * against a scalar reference computed here, the flat and strided paths agreeing (contiguous vs
 * transposed vs expanded operands, single- vs multi-threaded), scalar operands, aliasing of out,
 * where/clamp/masked_fill, and argument errors naming the op. */
#include "check.h"
#include "tide/elementwise.h"
#include "tide/tensor.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static double get1(const tide_tensor *t, int64_t i) {
    int64_t idx[TIDE_MAX_DIMS];
    for (int d = t->ndim - 1; d >= 0; d--) {
        idx[d] = i % t->shape[d];
        i /= t->shape[d];
    }
    double v = NAN;
    tide_tensor_get(t, idx, &v);
    return v;
}

static int same_values(const tide_tensor *a, const tide_tensor *b) {
    if (a->numel != b->numel || a->dtype != b->dtype) return 0;
    for (int64_t i = 0; i < a->numel; i++) {
        double x = get1(a, i), y = get1(b, i);
        if (!(x == y || (x != x && y != y))) return 0;
    }
    return 1;
}

static int has_error(const char *what) {
    int ok = strstr(tide_last_error(), what) != NULL;
    if (!ok) fprintf(stderr, "  error was '%s', expected '%s'\n", tide_last_error(), what);
    tide_clear_error();
    return ok;
}

/* deterministic values in [-4, 4] (multiples of 1/4), never 0 when nonzero is set */
static tide_tensor *filled(int nd, const int64_t *shape, int dtype, int seed, int nonzero) {
    tide_tensor *t = tide_tensor_empty(nd, shape, dtype);
    for (int64_t i = 0; i < t->numel; i++) {
        int v = (int)((i * 7 + seed * 13) % 33) - 16;
        if (nonzero && v == 0) v = 3;
        double x = dtype == TIDE_FLOAT32 || dtype == TIDE_FLOAT64 ? v / 4.0 : dtype == TIDE_UINT8 ? v + 16 : v;
        if (dtype == TIDE_BOOL) x = v > 0;
        int64_t idx[TIDE_MAX_DIMS], r = i;
        for (int d = nd - 1; d >= 0; d--) {
            idx[d] = r % shape[d];
            r /= shape[d];
        }
        tide_tensor_set(t, idx, x);
    }
    return t;
}

static void test_broadcast_shapes(void) {
    int64_t a[] = {3, 1}, b[] = {1, 4}, c[] = {4}, out[TIDE_MAX_DIMS];
    CHECK(tide_broadcast_shapes("add", 2, a, 2, b, out) == 2 && out[0] == 3 && out[1] == 4);
    int64_t d[] = {2, 3};
    CHECK(tide_broadcast_shapes("add", 2, d, 1, c, out) == -1);
    CHECK(has_error("add: shapes [2, 3] and [4] cannot broadcast"));
    int64_t e[] = {5, 1, 3}, f[] = {2, 1};
    CHECK(tide_broadcast_shapes("mul", 3, e, 2, f, out) == 3 && out[0] == 5 && out[1] == 2 && out[2] == 3);
    CHECK(tide_broadcast_shapes("x", 0, NULL, 2, d, out) == 2 && out[0] == 2 && out[1] == 3);
    int64_t z[] = {2, 0}, o[] = {1, 1};
    CHECK(tide_broadcast_shapes("x", 2, z, 2, o, out) == 2 && out[1] == 0);
}

/* Scalar reference of the arithmetic ops on doubles (integers exact in this value range). */
static double ref_binary(int op, double x, double y, int dtype) {
    int isf = dtype == TIDE_FLOAT32 || dtype == TIDE_FLOAT64;
    switch (op) {
    case TIDE_BINARY_ADD: return dtype == TIDE_BOOL ? (x || y) : x + y;
    case TIDE_BINARY_SUB: return x - y;
    case TIDE_BINARY_MUL: return dtype == TIDE_BOOL ? (x && y) : x * y;
    case TIDE_BINARY_MAXIMUM: return x > y ? x : y;
    case TIDE_BINARY_MINIMUM: return x < y ? x : y;
    case TIDE_BINARY_EQ: return x == y;
    case TIDE_BINARY_LT: return x < y;
    case TIDE_BINARY_GE: return x >= y;
    case TIDE_BINARY_FLOOR_DIVIDE: return y == 0 ? 0 : floor(x / y);
    case TIDE_BINARY_REMAINDER: {
        if (y == 0) return 0;
        double r = x - floor(x / y) * y;
        return isf ? r : (double)(int64_t)r;
    }
    case TIDE_BINARY_LOGICAL_AND: return (x != 0) && (y != 0);
    }
    return NAN;
}

/* Every dtype x op over broadcast shapes [3, 1] with [1, 4], with uint8 wrapping applied. */
static void test_binary_dtypes(void) {
    static const int ops[] = {TIDE_BINARY_ADD,      TIDE_BINARY_SUB,         TIDE_BINARY_MUL, TIDE_BINARY_MAXIMUM,
                              TIDE_BINARY_MINIMUM,  TIDE_BINARY_EQ,          TIDE_BINARY_LT,  TIDE_BINARY_GE,
                              TIDE_BINARY_FLOOR_DIVIDE, TIDE_BINARY_REMAINDER, TIDE_BINARY_LOGICAL_AND};
    int64_t sa[] = {3, 1}, sb[] = {1, 4};
    for (int dt = 0; dt < TIDE_NDTYPES; dt++) {
        tide_tensor *a = filled(2, sa, dt, 1, 0), *b = filled(2, sb, dt, 2, 1);
        for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
            int op = ops[k];
            tide_tensor *r = tide_binary(op, a, b, NULL);
            int expect_error = dt == TIDE_BOOL && (op == TIDE_BINARY_SUB || op == TIDE_BINARY_FLOOR_DIVIDE ||
                                                   op == TIDE_BINARY_REMAINDER);
            if (expect_error) {
                CHECK(r == NULL);
                CHECK(has_error(tide_binary_name(op)));
                continue;
            }
            CHECK(r != NULL);
            if (!r) continue;
            CHECK(r->ndim == 2 && r->shape[0] == 3 && r->shape[1] == 4);
            int bad = 0;
            for (int64_t i = 0; i < 12; i++) {
                double x = get1(a, i / 4), y = get1(b, i % 4), want = ref_binary(op, x, y, dt);
                if (dt == TIDE_UINT8 && op != TIDE_BINARY_EQ && op != TIDE_BINARY_LT && op != TIDE_BINARY_GE &&
                    op != TIDE_BINARY_LOGICAL_AND)
                    want = (double)(uint8_t)(int64_t)want;
                if (dt == TIDE_BOOL && op == TIDE_BINARY_MAXIMUM) want = x || y;
                if (dt == TIDE_BOOL && op == TIDE_BINARY_MINIMUM) want = x && y;
                if (get1(r, i) != want) bad++;
            }
            if (bad) fprintf(stderr, "  %s on %s: %d wrong\n", tide_binary_name(op), tide_dtype_name(dt), bad);
            CHECK(bad == 0);
            tide_tensor_free(r);
        }
        tide_tensor_free(a);
        tide_tensor_free(b);
    }
}

/* The strided iterator (transposed, expanded, sliced operands; mixed dtypes) gives what the flat
 * path gives on contiguous copies, for every op; large sizes also exercise the threads. */
static void test_paths_agree(void) {
    for (int big = 0; big <= 1; big++) {
        int64_t n = big ? 700 : 7, m = big ? 300 : 5;
        int64_t s[] = {n, m}, st[] = {m, n};
        tide_tensor *a = filled(2, s, TIDE_FLOAT32, 3, 0);
        tide_tensor *bt0 = filled(2, st, TIDE_FLOAT32, 4, 1);
        tide_tensor *b = tide_transpose(bt0, 0, 1); /* [n, m], strides (1, n) */
        tide_tensor *bc = tide_clone(b);
        int64_t one[] = {1, m};
        tide_tensor *row = filled(2, one, TIDE_FLOAT64, 5, 1);
        tide_tensor *rowx = tide_expand(row, 2, s); /* stride 0 */
        tide_tensor *rowc = tide_clone(rowx);
        for (int op = 0; op < TIDE_BINARY_COUNT; op++) {
            if (op >= TIDE_BINARY_BITWISE_AND) continue;
            tide_tensor *r1 = tide_binary(op, a, b, NULL), *r2 = tide_binary(op, a, bc, NULL);
            CHECK(r1 && r2 && same_values(r1, r2));
            tide_tensor *r3 = tide_binary(op, b, rowx, NULL), *r4 = tide_binary(op, bc, rowc, NULL);
            tide_tensor *r5 = tide_binary(op, b, row, NULL);
            CHECK(r3 && r4 && r5 && same_values(r3, r4) && same_values(r3, r5));
            tide_tensor_free(r1);
            tide_tensor_free(r2);
            tide_tensor_free(r3);
            tide_tensor_free(r4);
            tide_tensor_free(r5);
        }
        for (int op = 0; op < TIDE_UNARY_COUNT; op++) {
            if (op == TIDE_UNARY_BITWISE_NOT) continue;
            tide_tensor *r1 = tide_unary(op, b, NULL), *r2 = tide_unary(op, bc, NULL);
            CHECK(r1 && r2 && same_values(r1, r2));
            tide_tensor_free(r1);
            tide_tensor_free(r2);
        }
        /* one thread and all threads give the same bits */
        int nt = tide_get_num_threads();
        tide_set_num_threads(1);
        tide_tensor *s1 = tide_unary(TIDE_UNARY_EXP, b, NULL), *s2 = tide_binary(TIDE_BINARY_ATAN2, a, b, NULL);
        tide_set_num_threads(2);
        tide_tensor *p1 = tide_unary(TIDE_UNARY_EXP, b, NULL), *p2 = tide_binary(TIDE_BINARY_ATAN2, a, b, NULL);
        tide_set_num_threads(nt);
        CHECK(same_values(s1, p1) && same_values(s2, p2));
        tide_tensor_free(s1);
        tide_tensor_free(s2);
        tide_tensor_free(p1);
        tide_tensor_free(p2);
        tide_tensor_free(a);
        tide_tensor_free(bt0);
        tide_tensor_free(b);
        tide_tensor_free(bc);
        tide_tensor_free(row);
        tide_tensor_free(rowx);
        tide_tensor_free(rowc);
    }
}

static void test_scalars(void) {
    int64_t s[] = {4};
    tide_tensor *i = filled(1, s, TIDE_INT32, 1, 0);
    tide_tensor *r = tide_binary_scalar(TIDE_BINARY_ADD, i, 2, 0, NULL);
    CHECK(r && r->dtype == TIDE_INT32 && get1(r, 0) == get1(i, 0) + 2);
    tide_tensor_free(r);
    r = tide_binary_scalar(TIDE_BINARY_MUL, i, 0.5, 0, NULL);
    CHECK(r && r->dtype == TIDE_FLOAT32 && get1(r, 1) == get1(i, 1) * 0.5);
    tide_tensor_free(r);
    r = tide_binary_scalar(TIDE_BINARY_SUB, i, 10, 1, NULL); /* 10 - i */
    CHECK(r && get1(r, 2) == 10 - get1(i, 2));
    tide_tensor_free(r);
    r = tide_binary_scalar(TIDE_BINARY_POW, i, 2, 0, NULL);
    CHECK(r && r->dtype == TIDE_INT32 && get1(r, 3) == get1(i, 3) * get1(i, 3));
    tide_tensor_free(r);
    CHECK(tide_binary_scalar(TIDE_BINARY_POW, i, -1, 0, NULL) == NULL && has_error("pow: integers to negative"));
    tide_tensor *b = tide_tensor_full(1, s, TIDE_BOOL, 1);
    r = tide_binary_scalar(TIDE_BINARY_ADD, b, 1, 0, NULL);
    CHECK(r && r->dtype == TIDE_INT64 && get1(r, 0) == 2);
    tide_tensor_free(r);
    tide_tensor *u = tide_tensor_full(1, s, TIDE_UINT8, 200);
    r = tide_binary_scalar(TIDE_BINARY_LT, u, 300, 0, NULL); /* exact, not 300 wrapped to 44 */
    CHECK(r && r->dtype == TIDE_BOOL && get1(r, 0) == 1);
    tide_tensor_free(r);
    r = tide_binary_scalar(TIDE_BINARY_ADD, u, 100, 0, NULL); /* wraps like PyTorch */
    CHECK(r && get1(r, 0) == 44);
    tide_tensor_free(r);
    tide_tensor_free(u);
    tide_tensor_free(b);
    tide_tensor_free(i);
}

static void test_out_and_aliasing(void) {
    int64_t s[] = {2, 3}, s3[] = {3}, bad[] = {3, 2};
    tide_tensor *a = filled(2, s, TIDE_FLOAT32, 1, 0), *v = filled(1, s3, TIDE_FLOAT32, 2, 0);
    tide_tensor *ref = tide_binary(TIDE_BINARY_ADD, a, v, NULL);
    /* out of a wider dtype */
    tide_tensor *o64 = tide_tensor_empty(2, s, TIDE_FLOAT64);
    CHECK(tide_binary(TIDE_BINARY_ADD, a, v, o64) == o64);
    for (int64_t k = 0; k < 6; k++) CHECK(get1(o64, k) == get1(ref, k));
    /* in place */
    tide_tensor *c = tide_clone(a);
    CHECK(tide_binary(TIDE_BINARY_ADD, c, v, c) == c && same_values(c, ref));
    /* errors: shape, dtype, in-place broadcast, expanded out */
    tide_tensor *ob = tide_tensor_empty(2, bad, TIDE_FLOAT32);
    CHECK(tide_binary(TIDE_BINARY_ADD, a, v, ob) == NULL && has_error("add: out has shape [3, 2], expected [2, 3]"));
    tide_tensor *oi = tide_tensor_empty(2, s, TIDE_INT32);
    CHECK(tide_binary(TIDE_BINARY_ADD, a, v, oi) == NULL &&
          has_error("add: result dtype float32 cannot be cast to the out dtype int32"));
    CHECK(tide_binary(TIDE_BINARY_ADD, v, a, v) == NULL && has_error("add_: the operands broadcast to shape [2, 3]"));
    tide_tensor *ox = tide_expand(v, 2, s);
    CHECK(tide_binary(TIDE_BINARY_ADD, a, v, ox) == NULL && has_error("add: out has overlapping elements"));
    /* comparison result (bool) into an int64 out is allowed */
    tide_tensor *ol = tide_tensor_empty(2, s, TIDE_INT64);
    CHECK(tide_binary(TIDE_BINARY_GT, a, v, ol) == ol);
    /* out shifted by one element over the input */
    int64_t s5[] = {5};
    tide_tensor *x = tide_arange(0, 5, 1, TIDE_FLOAT32);
    tide_tensor *lo = tide_narrow(x, 0, 0, 4), *hi = tide_narrow(x, 0, 1, 4);
    CHECK(tide_binary_scalar(TIDE_BINARY_ADD, lo, 10, 0, hi) == hi);
    CHECK(get1(x, 0) == 0 && get1(x, 1) == 10 && get1(x, 2) == 11 && get1(x, 4) == 13);
    (void)s5;
    tide_tensor_free(lo);
    tide_tensor_free(hi);
    tide_tensor_free(x);
    tide_tensor_free(ol);
    tide_tensor_free(ox);
    tide_tensor_free(oi);
    tide_tensor_free(ob);
    tide_tensor_free(c);
    tide_tensor_free(o64);
    tide_tensor_free(ref);
    tide_tensor_free(a);
    tide_tensor_free(v);
}

static void test_where_clamp_fill(void) {
    int64_t s[] = {2, 3}, s3[] = {3}, s2[] = {2};
    tide_tensor *a = filled(2, s, TIDE_FLOAT32, 1, 0), *cond = filled(1, s3, TIDE_BOOL, 3, 0);
    tide_tensor *w = tide_where_scalar(cond, a, NULL, NULL, 0, -100);
    CHECK(w && w->dtype == TIDE_FLOAT32);
    for (int64_t i = 0; w && i < 6; i++) CHECK(get1(w, i) == (get1(cond, i % 3) ? get1(a, i) : -100));
    tide_tensor *c2 = tide_tensor_full(1, s2, TIDE_BOOL, 1);
    CHECK(tide_where(c2, a, a, NULL) == NULL && has_error("where: shapes [2] and [2, 3] cannot broadcast"));
    tide_tensor *k = tide_clamp(a, NULL, -1, NAN);
    for (int64_t i = 0; k && i < 6; i++) CHECK(get1(k, i) == fmax(get1(a, i), -1));
    CHECK(tide_clamp(a, NULL, 1, -1) == NULL && has_error("clamp: lower bound 1 is greater than upper bound -1"));
    tide_tensor *m = tide_clone(a);
    CHECK(tide_masked_fill(m, cond, m, 9) == m);
    for (int64_t i = 0; i < 6; i++) CHECK(get1(m, i) == (get1(cond, i % 3) ? 9 : get1(a, i)));
    CHECK(tide_masked_fill(a, c2, NULL, 0) == NULL && has_error("masked_fill: mask of shape [2] does not broadcast"));
    CHECK(tide_masked_fill(a, a, NULL, 0) == NULL && has_error("masked_fill: mask must be a bool tensor"));
    CHECK(tide_equal(a, a) == 1 && tide_equal(a, m) == 0 && tide_allclose(a, a, 0, 0, 0) == 1);
    tide_tensor_free(m);
    tide_tensor_free(k);
    tide_tensor_free(c2);
    tide_tensor_free(w);
    tide_tensor_free(a);
    tide_tensor_free(cond);
}

/* Results past 16 MB are written with streaming stores: check them, with an output that is not
 * 64-byte aligned, against the same ops on small slices (which take the ordinary stores). */
static void test_streaming(void) {
    int64_t n = (5 << 20) + 3, n1 = n + 1;
    tide_tensor *a = tide_tensor_empty(1, &n, TIDE_FLOAT32), *b = tide_tensor_empty(1, &n, TIDE_FLOAT32);
    tide_rand_(a, -3, 3);
    tide_rand_(b, -3, 3);
    tide_tensor *big = tide_tensor_zeros(1, &n1, TIDE_FLOAT32);
    tide_tensor *o = tide_narrow(big, 0, 1, n); /* 4 bytes past a 64-byte boundary */
    for (int op = TIDE_BINARY_ADD; op <= TIDE_BINARY_MINIMUM; op++) {
        if (op == TIDE_BINARY_FLOOR_DIVIDE || op == TIDE_BINARY_REMAINDER || op == TIDE_BINARY_POW) continue;
        CHECK(tide_binary(op, a, b, o) == o);
        tide_tensor *r = tide_binary(op, a, b, NULL); /* fresh, aligned */
        int bad = 0;
        for (int64_t at = 0; at < n; at += n / 7) {
            int64_t len = at + 1000 < n ? 1000 : n - at;
            tide_tensor *sa = tide_narrow(a, 0, at, len), *sb = tide_narrow(b, 0, at, len);
            tide_tensor *so = tide_narrow(o, 0, at, len), *sr = tide_narrow(r, 0, at, len);
            tide_tensor *ref = tide_binary(op, sa, sb, NULL);
            bad += !same_values(ref, so) + !same_values(ref, sr);
            tide_tensor_free(sa);
            tide_tensor_free(sb);
            tide_tensor_free(so);
            tide_tensor_free(sr);
            tide_tensor_free(ref);
        }
        CHECK(bad == 0);
        tide_tensor_free(r);
    }
    CHECK(get1(big, 0) == 0); /* the element before the output was not touched */
    tide_tensor *e = tide_unary(TIDE_UNARY_EXP, a, o), *c = tide_clamp(a, NULL, -1, 1);
    tide_tensor *s1 = tide_binary_scalar(TIDE_BINARY_MUL, a, 3, 0, NULL);
    int bad = 0;
    for (int64_t i = 0; i < n; i += 9973) {
        float x = *((float *)tide_tensor_data_ptr(a) + i);
        bad += get1(e, i) != (double)(float)get1(o, i) || get1(c, i) != (x < -1 ? -1 : x > 1 ? 1 : x) ||
               get1(s1, i) != (double)(x * 3.0f);
        bad += fabs(get1(e, i) - exp(x)) > 2e-6 * exp(x);
    }
    bad += get1(s1, n - 1) != (double)(*((float *)tide_tensor_data_ptr(a) + n - 1) * 3.0f);
    CHECK(bad == 0);
    tide_tensor_free(s1);
    tide_tensor_free(c);
    tide_tensor_free(o);
    tide_tensor_free(big);
    tide_tensor_free(a);
    tide_tensor_free(b);
}

static void test_bad_arguments(void) {
    int64_t s[] = {2};
    tide_tensor *a = tide_tensor_zeros(1, s, TIDE_FLOAT32);
    CHECK(tide_unary(TIDE_UNARY_COUNT, a, NULL) == NULL && has_error("unary: unknown op"));
    CHECK(tide_binary(-1, a, a, NULL) == NULL && has_error("binary: unknown op -1"));
    CHECK(tide_binary(TIDE_BINARY_MUL, a, NULL, NULL) == NULL && has_error("mul: tensor is NULL"));
    CHECK(tide_unary(TIDE_UNARY_EXP, NULL, NULL) == NULL && has_error("exp: tensor is NULL"));
    CHECK(tide_binary(TIDE_BINARY_BITWISE_OR, a, a, NULL) == NULL && has_error("bitwise_or: not supported for float32"));
    CHECK(tide_unary(TIDE_UNARY_BITWISE_NOT, a, NULL) == NULL && has_error("bitwise_not: not supported for float32"));
    CHECK(tide_where(NULL, a, a, NULL) == NULL && has_error("where: condition tensor is NULL"));
    CHECK(tide_clamp(NULL, NULL, 0, 1) == NULL && has_error("clamp: tensor is NULL"));
    CHECK(tide_equal(a, NULL) == -1 && has_error("equal: tensor is NULL"));
    CHECK(tide_isclose(a, a, NULL, -1, 0, 0) == NULL && has_error("isclose: rtol and atol must be non-negative"));
    CHECK(tide_unary_name(TIDE_UNARY_SIGMOID) && !strcmp(tide_unary_name(TIDE_UNARY_SIGMOID), "sigmoid"));
    CHECK(tide_binary_name(99) == NULL);
    tide_tensor_free(a);
}

int main(void) {
    test_broadcast_shapes();
    test_binary_dtypes();
    test_paths_agree();
    test_scalars();
    test_out_and_aliasing();
    test_where_clamp_fill();
    test_streaming();
    test_bad_arguments();
    CHECK(tide_memory()->live_tensors == 0);
    return check_report("test_elementwise");
}
