/* elementwise_internal.h — what core/elementwise.c (dispatch, broadcasting, iteration) and
 * core/elementwise_kernels.c (the typed row loops) share. Not a public header. */
#ifndef TIDE_ELEMENTWISE_INTERNAL_H
#define TIDE_ELEMENTWISE_INTERNAL_H

#include "internal.h"
#include "tide/elementwise.h"

/* Binary ops that only the C side uses, numbered after the public ones. */
enum {
    TIDE_EW_ADD_SCALED = TIDE_BINARY_COUNT, /* x + p0 * y */
    TIDE_EW_ISCLOSE,                        /* |x - y| <= p1 + p0 * |y| (flag: equal_nan) -> bool */
    TIDE_EW_BINARY_END
};

/* What a row kernel needs besides the data: the op, the dtype of its inputs, parameters. */
typedef struct tide_ew_args {
    int op;
    int dtype;     /* dtype of the inputs (the compute dtype); for where: the value dtype */
    double p0, p1; /* alpha; clamp bounds (NaN: none); rtol, atol */
    int flag;      /* isclose: equal_nan */
    int stream;    /* write contiguous output with non-temporal stores (large, unshared results) */
} tide_ew_args;

/* A row kernel processes n elements: p[0] is the output, p[1..] the inputs, s[] their strides
 * in elements (0 for a broadcast operand). */
typedef void (*tide_ew_row)(const tide_ew_args *k, char *const *p, const int64_t *s, int64_t n);

/* out[i] = op(a[i]); p = {out, a} */
void tide_ew_unary_row(const tide_ew_args *k, char *const *p, const int64_t *s, int64_t n);
/* out[i] = op(a[i], b[i]); p = {out, a, b} */
void tide_ew_binary_row(const tide_ew_args *k, char *const *p, const int64_t *s, int64_t n);
/* out[i] = min(max(a[i], p0), p1); p = {out, a} */
void tide_ew_clamp_row(const tide_ew_args *k, char *const *p, const int64_t *s, int64_t n);
/* out[i] = cond[i] ? a[i] : b[i]; p = {out, cond (bool), a, b}, all but cond of k->dtype */
void tide_ew_where_row(const tide_ew_args *k, char *const *p, const int64_t *s, int64_t n);

#endif
