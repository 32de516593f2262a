/* elementwise.c — elementwise ops with NumPy broadcasting: op names, argument checks, PyTorch's
 * type promotion, numbers as operands, and the public entry points (unary, binary, scalar,
 * add with alpha, where, clamp, masked_fill, isclose/allclose/equal). Each op is described as a
 * tide_ew_call (row kernel from core/elementwise_kernels.c, inputs and the dtype each must have,
 * result dtype) and run by tide_ew_exec (core/elementwise_iter.c).
 */
#include "elementwise_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- names */

static const char *const unary_names[TIDE_UNARY_COUNT] = {
    "neg",   "abs",  "sqrt",  "rsqrt", "exp",   "log",   "log2", "log10",      "log1p",  "expm1",
    "sin",   "cos",  "tan",   "asin",  "acos",  "atan",  "sinh", "cosh",       "tanh",   "sigmoid",
    "relu",  "erf",  "floor", "ceil",  "round", "trunc", "sign", "reciprocal", "square", "logical_not",
    "isnan", "isinf", "isfinite", "bitwise_not"};

static const char *const binary_names[TIDE_EW_BINARY_END] = {
    "add",         "sub",        "mul",         "div",         "floor_divide", "remainder",   "pow",
    "maximum",     "minimum",    "atan2",       "eq",          "ne",           "lt",          "le",
    "gt",          "ge",         "logical_and", "logical_or",  "logical_xor",  "bitwise_and", "bitwise_or",
    "bitwise_xor", "add",        "isclose"};

const char *tide_unary_name(int op) { return op >= 0 && op < TIDE_UNARY_COUNT ? unary_names[op] : NULL; }
const char *tide_binary_name(int op) { return op >= 0 && op < TIDE_BINARY_COUNT ? binary_names[op] : NULL; }

/* Relative cost of an element, so that expensive math goes parallel sooner. */
static int unary_cost(int op) {
    switch (op) {
    case TIDE_UNARY_NEG: case TIDE_UNARY_ABS: case TIDE_UNARY_RELU: case TIDE_UNARY_SQUARE: case TIDE_UNARY_SIGN:
    case TIDE_UNARY_LOGICAL_NOT: case TIDE_UNARY_ISNAN: case TIDE_UNARY_ISINF: case TIDE_UNARY_ISFINITE:
    case TIDE_UNARY_BITWISE_NOT: case TIDE_UNARY_FLOOR: case TIDE_UNARY_CEIL: case TIDE_UNARY_ROUND:
    case TIDE_UNARY_TRUNC: case TIDE_UNARY_SQRT: case TIDE_UNARY_RSQRT: case TIDE_UNARY_RECIPROCAL:
        return 1;
    default: return 8;
    }
}
static int binary_cost(int op) {
    switch (op) {
    case TIDE_BINARY_FLOOR_DIVIDE: case TIDE_BINARY_REMAINDER: case TIDE_BINARY_POW: case TIDE_BINARY_ATAN2:
        return 8;
    default: return 1;
    }
}

/* ---------------------------------------------------------------- dtypes */

static bool is_integral(double s) { return isfinite(s) && s == trunc(s); }

/* Two tensors: a 0-dim tensor only decides when it is of a higher category (PyTorch). */
static int promote_tensors(const tide_tensor *a, const tide_tensor *b) {
    if (a->dtype == b->dtype) return a->dtype;
    if ((a->ndim == 0) != (b->ndim == 0)) {
        const tide_tensor *z = a->ndim == 0 ? a : b, *d = a->ndim == 0 ? b : a;
        if (ew_category(z->dtype) <= ew_category(d->dtype)) return d->dtype;
    }
    return tide_promote_types(a->dtype, b->dtype);
}

/* A tensor of dtype dt with a number s: integral s keeps dt (bool becomes int64), a fraction
 * makes integers float32; float tensors keep their dtype. */
static int promote_scalar(int dt, double s) {
    if (tide_is_float(dt)) return dt;
    if (!is_integral(s)) return TIDE_FLOAT32;
    return dt == TIDE_BOOL ? TIDE_INT64 : dt;
}

static bool is_comparison(int op) { return op >= TIDE_BINARY_EQ && op <= TIDE_BINARY_GE; }

/* Comparing an integer tensor with a number: compare exactly, whatever the number's range. */
static int compare_dtype(int dt, double s) {
    static const double lo[TIDE_NDTYPES] = {0, 0, -2147483648.0, -9.2233720368547758e18, 0, 0};
    static const double hi[TIDE_NDTYPES] = {0, 0, 2147483647.0, 9.2233720368547758e18, 255, 1};
    if (!is_integral(s)) return TIDE_FLOAT64;
    if (dt != TIDE_BOOL && s >= lo[dt] && s <= hi[dt] && s < 9.2233720368547758e18) return dt;
    return s >= -9.2233720368547758e18 && s < 9.2233720368547758e18 ? TIDE_INT64 : TIDE_FLOAT64;
}

/* Compute dtype (inputs are converted to it) and result dtype of binary op on operand dtypes
 * da, db (db < 0 for a number) that promote to pd. */
static int binary_types(const char *name, int op, int da, int db, int pd, int *ct, int *rt) {
    *ct = *rt = pd;
    switch (op) {
    case TIDE_BINARY_SUB:
        if (da == TIDE_BOOL || db == TIDE_BOOL)
            return TIDE_FAIL("%s: subtracting bool tensors is not supported (use logical_xor or logical_not)", name);
        break;
    case TIDE_BINARY_DIV:
    case TIDE_BINARY_ATAN2:
        if (!tide_is_float(pd)) *ct = *rt = TIDE_FLOAT32;
        break;
    case TIDE_BINARY_FLOOR_DIVIDE:
    case TIDE_BINARY_REMAINDER:
    case TIDE_BINARY_POW:
        if (pd == TIDE_BOOL) return TIDE_FAIL("%s: not supported for bool tensors", name);
        break;
    case TIDE_BINARY_EQ: case TIDE_BINARY_NE: case TIDE_BINARY_LT: case TIDE_BINARY_LE: case TIDE_BINARY_GT:
    case TIDE_BINARY_GE: case TIDE_BINARY_LOGICAL_AND: case TIDE_BINARY_LOGICAL_OR: case TIDE_BINARY_LOGICAL_XOR:
        *rt = TIDE_BOOL;
        break;
    case TIDE_BINARY_BITWISE_AND:
    case TIDE_BINARY_BITWISE_OR:
    case TIDE_BINARY_BITWISE_XOR:
        if (tide_is_float(pd))
            return TIDE_FAIL("%s: not supported for %s operands (integers and bool only)", name, tide_dtype_name(pd));
        break;
    case TIDE_EW_ISCLOSE:
        if (!tide_is_float(pd)) *ct = TIDE_FLOAT64;
        *rt = TIDE_BOOL;
        break;
    }
    return 0;
}

/* Compute and result dtype of unary op on input dtype dt. */
static int unary_types(const char *name, int op, int dt, int *ct, int *rt) {
    *ct = *rt = dt;
    switch (op) {
    case TIDE_UNARY_NEG:
        if (dt == TIDE_BOOL) return TIDE_FAIL("%s: not supported for bool tensors (use logical_not)", name);
        break;
    case TIDE_UNARY_ABS:
    case TIDE_UNARY_RELU:
        if (dt == TIDE_BOOL) return TIDE_FAIL("%s: not supported for bool tensors", name);
        break;
    case TIDE_UNARY_SQUARE:
        if (dt == TIDE_BOOL) *ct = *rt = TIDE_INT64;
        break;
    case TIDE_UNARY_FLOOR: case TIDE_UNARY_CEIL: case TIDE_UNARY_ROUND: case TIDE_UNARY_TRUNC:
        if (dt == TIDE_BOOL) return TIDE_FAIL("%s: not supported for bool tensors", name);
        break;
    case TIDE_UNARY_SIGN:
        break;
    case TIDE_UNARY_LOGICAL_NOT: case TIDE_UNARY_ISNAN: case TIDE_UNARY_ISINF: case TIDE_UNARY_ISFINITE:
        *rt = TIDE_BOOL;
        break;
    case TIDE_UNARY_BITWISE_NOT:
        if (tide_is_float(dt))
            return TIDE_FAIL("%s: not supported for %s tensors (integers and bool only)", name, tide_dtype_name(dt));
        break;
    default: /* float math */
        if (!tide_is_float(dt)) *ct = *rt = TIDE_FLOAT32;
    }
    return 0;
}

/* ---------------------------------------------------------------- scalars as 0-dim operands */

/* A number as a 0-dim tensor on the stack, stored in the compute dtype (never freed or shared). */
typedef struct ew_scalar {
    tide_storage st;
    tide_tensor t;
    union {
        float f;
        double d;
        int32_t i32;
        int64_t i;
        uint8_t u8;
        bool b;
    } buf;
} ew_scalar;

static int64_t saturate_i64(double v) {
    if (v != v) return 0;
    if (v >= 9.2233720368547758e18) return INT64_MAX;
    if (v <= -9.2233720368547758e18) return INT64_MIN;
    return (int64_t)v;
}

/* Integral values out of an integer type's range wrap, as PyTorch casts scalars. */
static void scalar_init(ew_scalar *sc, int dt, double v) {
    sc->st.data = &sc->buf;
    sc->st.nbytes = sizeof sc->buf;
    sc->st.refcount = 1;
    sc->st.owns_data = 0;
    sc->t.storage = &sc->st;
    sc->t.offset = 0;
    sc->t.numel = 1;
    sc->t.ndim = 0;
    sc->t.dtype = dt;
    switch (dt) {
    case TIDE_FLOAT32: sc->buf.f = (float)v; break;
    case TIDE_FLOAT64: sc->buf.d = v; break;
    case TIDE_INT32: sc->buf.i32 = (int32_t)saturate_i64(v); break;
    case TIDE_INT64: sc->buf.i = saturate_i64(v); break;
    case TIDE_UINT8: sc->buf.u8 = (uint8_t)saturate_i64(v); break;
    case TIDE_BOOL: sc->buf.b = v != 0; break;
    }
}

/* Broadcast shape of a and b: points at a's shape when equal (the common case), else fills buf. */
static int broadcast2(const char *name, const tide_tensor *a, const tide_tensor *b, int64_t *buf,
                      const int64_t **shape) {
    if (ew_same_dims(a->ndim, a->shape, b)) {
        *shape = a->shape;
        return a->ndim;
    }
    *shape = buf;
    return tide_broadcast_shapes(name, a->ndim, a->shape, b->ndim, b->shape, buf);
}

/* ---------------------------------------------------------------- unary */

tide_tensor *tide_unary(int op, const tide_tensor *a, tide_tensor *out) {
    if (op < 0 || op >= TIDE_UNARY_COUNT) {
        TIDE_FAIL("unary: unknown op %d", op);
        return NULL;
    }
    const char *name = unary_names[op];
    if (!a) {
        TIDE_FAIL("%s: tensor is NULL (freed?)", name);
        return NULL;
    }
    int ct, rt;
    if (unary_types(name, op, a->dtype, &ct, &rt)) return NULL;
    tide_ew_call c = {.name = name, .fn = tide_ew_unary_row, .k = {.op = op, .dtype = ct}, .nin = 1, .in = {a},
                 .in_dtype = {ct}, .rt = rt, .cost = unary_cost(op), .self = a};
    if (!tide_is_float(ct)) {
        bool identity = op == TIDE_UNARY_FLOOR || op == TIDE_UNARY_CEIL || op == TIDE_UNARY_ROUND || op == TIDE_UNARY_TRUNC ||
                        (op == TIDE_UNARY_ABS && ct == TIDE_UINT8);
        bool constant = op == TIDE_UNARY_ISNAN || op == TIDE_UNARY_ISINF || op == TIDE_UNARY_ISFINITE;
        if (identity || constant) { /* integers are whole and finite: a copy or a fill */
            if (out && tide_ew_check_out(&c, out, a->ndim, a->shape)) return NULL;
            tide_tensor *r = out ? out : tide_alloc(name, a->ndim, a->shape, rt);
            if (!r) return NULL;
            int st = identity ? (r == a ? 0 : tide_copy_(r, a)) : tide_fill_(r, op == TIDE_UNARY_ISFINITE);
            if (st) {
                if (r != out) tide_tensor_free(r);
                return NULL;
            }
            return r;
        }
    }
    return tide_ew_exec(&c, out, a->ndim, a->shape);
}

/* ---------------------------------------------------------------- binary */

static const char *binary_check(int op, const tide_tensor *a, const tide_tensor *b) {
    if (op < 0 || op >= TIDE_EW_BINARY_END) {
        TIDE_FAIL("binary: unknown op %d", op);
        return NULL;
    }
    const char *name = binary_names[op];
    if (!a || !b) {
        TIDE_FAIL("%s: tensor is NULL (freed?)", name);
        return NULL;
    }
    return name;
}

static tide_tensor *binary_impl(int op, const tide_tensor *a, const tide_tensor *b, tide_tensor *out, double p0,
                                double p1, int flag) {
    const char *name = binary_check(op, a, b);
    if (!name) return NULL;
    int ct, rt;
    if (binary_types(name, op, a->dtype, b->dtype, promote_tensors(a, b), &ct, &rt)) return NULL;
    int64_t buf[TIDE_MAX_DIMS];
    const int64_t *shape;
    int nd = broadcast2(name, a, b, buf, &shape);
    if (nd < 0) return NULL;
    tide_ew_call c = {.name = name, .fn = tide_ew_binary_row, .k = {.op = op, .dtype = ct, .p0 = p0, .p1 = p1, .flag = flag},
                 .nin = 2, .in = {a, b}, .in_dtype = {ct, ct}, .rt = rt, .cost = binary_cost(op), .self = a};
    return tide_ew_exec(&c, out, nd, shape);
}

tide_tensor *tide_binary(int op, const tide_tensor *a, const tide_tensor *b, tide_tensor *out) {
    if (op < 0 || op >= TIDE_BINARY_COUNT) {
        TIDE_FAIL("binary: unknown op %d", op);
        return NULL;
    }
    return binary_impl(op, a, b, out, 0, 0, 0);
}

tide_tensor *tide_binary_scalar(int op, const tide_tensor *a, double s, int scalar_first, tide_tensor *out) {
    if (op < 0 || op >= TIDE_BINARY_COUNT) {
        TIDE_FAIL("binary: unknown op %d", op);
        return NULL;
    }
    const char *name = binary_names[op];
    if (!a) {
        TIDE_FAIL("%s: tensor is NULL (freed?)", name);
        return NULL;
    }
    int pd = is_comparison(op) && !tide_is_float(a->dtype) ? compare_dtype(a->dtype, s) : promote_scalar(a->dtype, s);
    int ct, rt;
    if (binary_types(name, op, a->dtype, -1, pd, &ct, &rt)) return NULL;
    tide_ew_call c = {.name = name, .fn = tide_ew_binary_row, .k = {.op = op, .dtype = ct}, .nin = 2, .rt = rt,
                 .cost = binary_cost(op), .self = a};
    if (op == TIDE_BINARY_POW && !scalar_first) {
        if (!tide_is_float(ct) && s < 0) {
            TIDE_FAIL("pow: integers to negative integer powers are not allowed");
            return NULL;
        }
        if (s == 2) { /* t^2: a multiply, not a call to pow per element */
            c.fn = tide_ew_unary_row;
            c.k.op = TIDE_UNARY_SQUARE;
            c.nin = 1;
            c.in[0] = a;
            c.in_dtype[0] = ct;
            c.cost = 1;
            return tide_ew_exec(&c, out, a->ndim, a->shape);
        }
    }
    ew_scalar sc;
    scalar_init(&sc, ct, s);
    c.in[0] = scalar_first ? &sc.t : a;
    c.in[1] = scalar_first ? a : &sc.t;
    c.in_dtype[0] = c.in_dtype[1] = ct;
    return tide_ew_exec(&c, out, a->ndim, a->shape);
}

tide_tensor *tide_add_scaled(const tide_tensor *a, const tide_tensor *b, tide_tensor *out, double alpha) {
    if (!binary_check(TIDE_BINARY_ADD, a, b)) return NULL;
    if (alpha == 1) return binary_impl(TIDE_BINARY_ADD, a, b, out, 0, 0, 0);
    if (alpha != alpha) {
        TIDE_FAIL("add: alpha must be a number, got nan");
        return NULL;
    }
    if (!tide_is_float(promote_tensors(a, b)) && !is_integral(alpha)) {
        TIDE_FAIL("add: alpha must be an integer for integer tensors, got %g", alpha);
        return NULL;
    }
    return binary_impl(TIDE_EW_ADD_SCALED, a, b, out, alpha, 0, 0);
}

/* ---------------------------------------------------------------- where, clamp, masked_fill */

tide_tensor *tide_where_scalar(const tide_tensor *cond, const tide_tensor *a, const tide_tensor *b, tide_tensor *out,
                               double sa, double sb) {
    if (!cond) {
        TIDE_FAIL("where: condition tensor is NULL (freed?)");
        return NULL;
    }
    int vt;
    if (a && b) vt = promote_tensors(a, b);
    else if (a) vt = promote_scalar(a->dtype, sb);
    else if (b) vt = promote_scalar(b->dtype, sa);
    else vt = is_integral(sa) && is_integral(sb) ? TIDE_INT64 : TIDE_FLOAT32;
    ew_scalar xa, xb;
    if (!a) {
        scalar_init(&xa, vt, sa);
        a = &xa.t;
    }
    if (!b) {
        scalar_init(&xb, vt, sb);
        b = &xb.t;
    }
    int64_t s1[TIDE_MAX_DIMS], s2[TIDE_MAX_DIMS];
    int nd = tide_broadcast_shapes("where", cond->ndim, cond->shape, a->ndim, a->shape, s1);
    if (nd < 0) return NULL;
    nd = tide_broadcast_shapes("where", nd, s1, b->ndim, b->shape, s2);
    if (nd < 0) return NULL;
    tide_ew_call c = {.name = "where", .fn = tide_ew_where_row, .k = {.dtype = vt}, .nin = 3, .in = {cond, a, b},
                 .in_dtype = {TIDE_BOOL, vt, vt}, .rt = vt, .cost = 1, .self = NULL};
    return tide_ew_exec(&c, out, nd, s2);
}

tide_tensor *tide_where(const tide_tensor *cond, const tide_tensor *a, const tide_tensor *b, tide_tensor *out) {
    if (!a || !b) {
        TIDE_FAIL("where: tensor is NULL (freed?)");
        return NULL;
    }
    return tide_where_scalar(cond, a, b, out, 0, 0);
}

tide_tensor *tide_clamp(const tide_tensor *a, tide_tensor *out, double lo, double hi) {
    if (!a) {
        TIDE_FAIL("clamp: tensor is NULL (freed?)");
        return NULL;
    }
    if (lo > hi) {
        TIDE_FAIL("clamp: lower bound %g is greater than upper bound %g", lo, hi);
        return NULL;
    }
    int ct = a->dtype;
    if (lo == lo) ct = promote_scalar(ct, lo);
    if (hi == hi) ct = promote_scalar(ct, hi);
    tide_ew_call c = {.name = "clamp", .fn = tide_ew_clamp_row, .k = {.dtype = ct, .p0 = lo, .p1 = hi}, .nin = 1,
                 .in = {a}, .in_dtype = {ct}, .rt = ct, .cost = 1, .self = a};
    return tide_ew_exec(&c, out, a->ndim, a->shape);
}

tide_tensor *tide_masked_fill(const tide_tensor *a, const tide_tensor *mask, tide_tensor *out, double value) {
    if (!a || !mask) {
        TIDE_FAIL("masked_fill: tensor is NULL (freed?)");
        return NULL;
    }
    if (mask->dtype != TIDE_BOOL && mask->dtype != TIDE_UINT8) {
        TIDE_FAIL("masked_fill: mask must be a bool tensor, got %s", tide_dtype_name(mask->dtype));
        return NULL;
    }
    int64_t shape[TIDE_MAX_DIMS];
    int nd = tide_broadcast_shapes("masked_fill", mask->ndim, mask->shape, a->ndim, a->shape, shape);
    if (nd < 0 || !ew_same_dims(nd, shape, a)) {
        char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
        TIDE_FAIL("masked_fill: mask of shape %s does not broadcast to the tensor's shape %s",
                  tide_shape_str(mask->ndim, mask->shape, b1, sizeof b1), tide_shape_str(a->ndim, a->shape, b2, sizeof b2));
        return NULL;
    }
    ew_scalar v;
    scalar_init(&v, a->dtype, value);
    tide_ew_call c = {.name = "masked_fill", .fn = tide_ew_where_row, .k = {.dtype = a->dtype}, .nin = 3,
                 .in = {mask, &v.t, a}, .in_dtype = {TIDE_BOOL, a->dtype, a->dtype}, .rt = a->dtype, .cost = 1,
                 .self = a};
    return tide_ew_exec(&c, out, a->ndim, a->shape);
}

/* ---------------------------------------------------------------- comparisons of whole tensors */

tide_tensor *tide_isclose(const tide_tensor *a, const tide_tensor *b, tide_tensor *out, double rtol, double atol,
                          int equal_nan) {
    if (!(rtol >= 0) || !(atol >= 0)) {
        TIDE_FAIL("isclose: rtol and atol must be non-negative, got %g and %g", rtol, atol);
        return NULL;
    }
    return binary_impl(TIDE_EW_ISCLOSE, a, b, out, rtol, atol, equal_nan);
}

/* 1 when every element of a fresh contiguous bool tensor is true; frees it. */
static int all_true(tide_tensor *r) {
    if (!r) return -1;
    const bool *p = (const bool *)ew_data(r);
    int ok = 1;
    for (int64_t i = 0; i < r->numel; i++)
        if (!p[i]) {
            ok = 0;
            break;
        }
    tide_tensor_free(r);
    return ok;
}

int tide_allclose(const tide_tensor *a, const tide_tensor *b, double rtol, double atol, int equal_nan) {
    tide_tensor *r = tide_isclose(a, b, NULL, rtol, atol, equal_nan);
    if (r) return all_true(r);
    /* name the caller's op in the message */
    const char *msg = tide_last_error();
    if (!strncmp(msg, "isclose", 7)) {
        char m[512];
        snprintf(m, sizeof m, "allclose%s", msg + 7);
        tide_fail(tide_last_status(), "%s", m);
    }
    return -1;
}

int tide_equal(const tide_tensor *a, const tide_tensor *b) {
    if (!a || !b) return TIDE_FAIL("equal: tensor is NULL (freed?)");
    if (!tide_same_shape(a, b)) return 0;
    return all_true(tide_binary(TIDE_BINARY_EQ, a, b, NULL));
}
