/* elementwise_internal.h — what the parts of the elementwise family share: core/elementwise.c
 * (op entry points, type promotion), core/elementwise_iter.c (broadcast iteration, tide_ew_exec)
 * and core/elementwise_kernels.c (the typed row loops). Not a public header. */
#ifndef TIDE_ELEMENTWISE_INTERNAL_H
#define TIDE_ELEMENTWISE_INTERNAL_H

#include "internal.h"
#include "tide/elementwise.h"

#define TIDE_EW_HIDDEN __attribute__((visibility("hidden")))

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

/* An elementwise op ready to run: the kernel, its arguments, and the inputs with the dtype the
 * kernel expects for each (inputs of another dtype are converted first). */
typedef struct tide_ew_call {
    const char *name; /* op name for messages */
    tide_ew_row fn;
    tide_ew_args k;
    int nin;
    const tide_tensor *in[3];
    int in_dtype[3];
    int rt;                  /* result dtype */
    int cost;                /* relative cost per element, for the threading threshold */
    const tide_tensor *self; /* the tensor an in-place call writes into, for messages */
} tide_ew_call;

/* Run c over the broadcast shape (nd, shape) into out (checked with tide_ew_check_out), or into a
 * new tensor when out is NULL. Returns the result, or NULL with a message naming c->name. */
TIDE_EW_HIDDEN tide_tensor *tide_ew_exec(const tide_ew_call *c, tide_tensor *out, int nd, const int64_t *shape);
/* 0 when out can take c's result of shape (nd, shape), else -1 with a message. */
TIDE_EW_HIDDEN int tide_ew_check_out(const tide_ew_call *c, const tide_tensor *out, int nd, const int64_t *shape);

/* dtype categories: bool 0, integers 1, floats 2. Promotion compares them; out= may not go
 * down a category (PyTorch's canCast: no float -> integer or bool, no integer -> bool). */
static inline int ew_category(int dt) { return dt == TIDE_BOOL ? 0 : dt == TIDE_FLOAT32 || dt == TIDE_FLOAT64 ? 2 : 1; }
static inline bool ew_can_cast(int from, int to) { return ew_category(from) <= ew_category(to); }

/* Inline forms of the tensor helpers: the tiny-tensor path cannot afford calls through the PLT
 * for every dtype size or contiguity test. */
static const int64_t ew_esize[TIDE_NDTYPES] = {4, 8, 4, 8, 1, 1};

static inline char *ew_data(const tide_tensor *t) {
    return (char *)t->storage->data + t->offset * ew_esize[t->dtype];
}

static inline bool ew_is_contiguous(const tide_tensor *t) {
    int64_t s = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] != 1 && t->stride[i] != s) return false;
        s *= t->shape[i];
    }
    return true;
}

static inline bool ew_same_dims(int nd, const int64_t *shape, const tide_tensor *t) {
    if (t->ndim != nd) return false;
    for (int i = 0; i < nd; i++)
        if (t->shape[i] != shape[i]) return false;
    return true;
}

/* out[i] = op(a[i]); p = {out, a} */
TIDE_EW_HIDDEN void tide_ew_unary_row(const tide_ew_args *k, char *const *p, const int64_t *s, int64_t n);
/* out[i] = op(a[i], b[i]); p = {out, a, b} */
TIDE_EW_HIDDEN void tide_ew_binary_row(const tide_ew_args *k, char *const *p, const int64_t *s, int64_t n);
/* out[i] = min(max(a[i], p0), p1); p = {out, a} */
TIDE_EW_HIDDEN void tide_ew_clamp_row(const tide_ew_args *k, char *const *p, const int64_t *s, int64_t n);
/* out[i] = cond[i] ? a[i] : b[i]; p = {out, cond (bool), a, b}, all but cond of k->dtype */
TIDE_EW_HIDDEN void tide_ew_where_row(const tide_ew_args *k, char *const *p, const int64_t *s, int64_t n);

#endif
