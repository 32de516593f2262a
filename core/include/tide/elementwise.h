/* tide/elementwise.h — elementwise ops with NumPy broadcasting: unary math, binary arithmetic
 * and comparisons (tensor-tensor and tensor-scalar), where, clamp, masked_fill, equal/allclose.
 *
 * Broadcasting follows NumPy: shapes are aligned on the right and a dim of size 1 (or a missing
 * leading dim) stretches to the other operand's size.
 * Type promotion follows PyTorch: bool < uint8 < int32 < int64 < float32 < float64; a 0-dim
 * tensor only decides the dtype when it is of a higher category (bool < integer < float) than
 * the dimensioned operand; a scalar keeps the tensor's dtype when it is integral (a bool tensor
 * with an integral scalar gives int64) and gives float32 for an integer tensor otherwise.
 * Float-only math (exp, div, atan2, ...) on integer input computes in float32.
 *
 * `out`: NULL allocates the result; otherwise out must have the broadcast shape and a dtype the
 * result can be cast to in PyTorch's sense (no float -> integer, no non-bool -> bool); out may be
 * an input (in-place) and is returned. Every function returns NULL on failure and leaves a
 * message naming the op (tide_last_error()).
 */
#ifndef TIDE_ELEMENTWISE_H
#define TIDE_ELEMENTWISE_H

#include "tide/tensor.h"

typedef enum tide_unary_op {
    TIDE_UNARY_NEG = 0,
    TIDE_UNARY_ABS,
    TIDE_UNARY_SQRT,
    TIDE_UNARY_RSQRT,
    TIDE_UNARY_EXP,
    TIDE_UNARY_LOG,
    TIDE_UNARY_LOG2,
    TIDE_UNARY_LOG10,
    TIDE_UNARY_LOG1P,
    TIDE_UNARY_EXPM1,
    TIDE_UNARY_SIN,
    TIDE_UNARY_COS,
    TIDE_UNARY_TAN,
    TIDE_UNARY_ASIN,
    TIDE_UNARY_ACOS,
    TIDE_UNARY_ATAN,
    TIDE_UNARY_SINH,
    TIDE_UNARY_COSH,
    TIDE_UNARY_TANH,
    TIDE_UNARY_SIGMOID,
    TIDE_UNARY_RELU,
    TIDE_UNARY_ERF,
    TIDE_UNARY_FLOOR,
    TIDE_UNARY_CEIL,
    TIDE_UNARY_ROUND, /* half to even, like NumPy */
    TIDE_UNARY_TRUNC,
    TIDE_UNARY_SIGN, /* NaN stays NaN, like NumPy */
    TIDE_UNARY_RECIPROCAL,
    TIDE_UNARY_SQUARE,
    TIDE_UNARY_LOGICAL_NOT, /* -> bool */
    TIDE_UNARY_ISNAN,       /* -> bool */
    TIDE_UNARY_ISINF,       /* -> bool */
    TIDE_UNARY_ISFINITE,    /* -> bool */
    TIDE_UNARY_BITWISE_NOT, /* integers and bool only */
    TIDE_UNARY_COUNT
} tide_unary_op;

typedef enum tide_binary_op {
    TIDE_BINARY_ADD = 0,
    TIDE_BINARY_SUB,
    TIDE_BINARY_MUL,
    TIDE_BINARY_DIV,          /* true division: integers -> float32 */
    TIDE_BINARY_FLOOR_DIVIDE, /* floor(a / b); integer x // 0 gives 0 like NumPy */
    TIDE_BINARY_REMAINDER,    /* sign of b, like Python and NumPy; integer x % 0 gives 0 */
    TIDE_BINARY_POW,
    TIDE_BINARY_MAXIMUM, /* NaN propagates, like NumPy */
    TIDE_BINARY_MINIMUM,
    TIDE_BINARY_ATAN2,
    TIDE_BINARY_EQ, /* comparisons and logical ops -> bool */
    TIDE_BINARY_NE,
    TIDE_BINARY_LT,
    TIDE_BINARY_LE,
    TIDE_BINARY_GT,
    TIDE_BINARY_GE,
    TIDE_BINARY_LOGICAL_AND,
    TIDE_BINARY_LOGICAL_OR,
    TIDE_BINARY_LOGICAL_XOR,
    TIDE_BINARY_BITWISE_AND, /* integers and bool only */
    TIDE_BINARY_BITWISE_OR,
    TIDE_BINARY_BITWISE_XOR,
    TIDE_BINARY_COUNT
} tide_binary_op;

/* Name of an op ("exp", "add"), or NULL for an unknown op. */
const char *tide_unary_name(int op);
const char *tide_binary_name(int op);

/* NumPy broadcasting of two shapes into out_shape (room for TIDE_MAX_DIMS); returns its ndim,
 * or -1 with the message "<op>: shapes [2, 3] and [4] cannot broadcast". */
int tide_broadcast_shapes(const char *op, int na, const int64_t *sa, int nb, const int64_t *sb, int64_t *out_shape);

/* out = op(a), same shape as a. */
tide_tensor *tide_unary(int op, const tide_tensor *a, tide_tensor *out);

/* out = op(a, b), broadcast shape. */
tide_tensor *tide_binary(int op, const tide_tensor *a, const tide_tensor *b, tide_tensor *out);

/* out = op(a, s), or op(s, a) when scalar_first (for 2 - t, 2 / t); shape of a. */
tide_tensor *tide_binary_scalar(int op, const tide_tensor *a, double s, int scalar_first, tide_tensor *out);

/* out = a + alpha * b (PyTorch add(a, b, alpha=)); sub is alpha = -1. A non-integral alpha with
 * integer tensors is an error. */
tide_tensor *tide_add_scaled(const tide_tensor *a, const tide_tensor *b, tide_tensor *out, double alpha);

/* out = cond ? a : b, elementwise, broadcasting all three; cond is true where nonzero.
 * a and b promote like a binary op. */
tide_tensor *tide_where(const tide_tensor *cond, const tide_tensor *a, const tide_tensor *b, tide_tensor *out);
/* As tide_where with a scalar in place of a (a == NULL: use sa) and/or b (b == NULL: use sb). */
tide_tensor *tide_where_scalar(const tide_tensor *cond, const tide_tensor *a, const tide_tensor *b, tide_tensor *out,
                               double sa, double sb);

/* out = min(max(a, lo), hi); a NaN bound means no bound; NaN elements stay NaN; lo > hi is an
 * error. An integer tensor with a non-integral bound gives float32. */
tide_tensor *tide_clamp(const tide_tensor *a, tide_tensor *out, double lo, double hi);

/* out = mask ? value : a; mask (bool or uint8) broadcasts to a's shape; result has a's dtype.
 * out == a fills in place. */
tide_tensor *tide_masked_fill(const tide_tensor *a, const tide_tensor *mask, tide_tensor *out, double value);

/* out = |a - b| <= atol + rtol * |b| (or a == b, or both NaN when equal_nan), broadcast, bool. */
tide_tensor *tide_isclose(const tide_tensor *a, const tide_tensor *b, tide_tensor *out, double rtol, double atol,
                          int equal_nan);
/* 1 when every element is close (see tide_isclose), 0 when not, -1 on error. */
int tide_allclose(const tide_tensor *a, const tide_tensor *b, double rtol, double atol, int equal_nan);
/* 1 when a and b have the same shape and equal values (after promotion), 0 when not, -1 on error. */
int tide_equal(const tide_tensor *a, const tide_tensor *b);

#endif
