/* preprocess_factorize.c — distinct values of a string column for the encoders of
 * tide.preprocess (see tide/preprocess.h): one hash pass, no per-cell work in Lua. */
#include "tide/preprocess.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(const uint8_t *p, int64_t len) {
    uint64_t h = 1469598103934665603ULL;
    for (int64_t i = 0; i < len; i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static int is_vector(const tide_tensor *t, int dtype) {
    return t && t->ndim == 1 && t->dtype == dtype && tide_tensor_is_contiguous(t);
}

int64_t tide_preprocess_factorize_strings(const tide_tensor *offsets, const tide_tensor *bytes, const tide_tensor *missing,
                                          tide_tensor *codes, tide_tensor *first) {
    const char *op = "factorize_strings";
    if (!is_vector(offsets, TIDE_INT64) || offsets->shape[0] < 1) return TIDE_FAIL("%s: offsets must be a contiguous int64 [n + 1] tensor", op);
    if (!is_vector(bytes, TIDE_UINT8)) return TIDE_FAIL("%s: bytes must be a contiguous uint8 tensor", op);
    int64_t n = offsets->shape[0] - 1;
    if (missing && (!is_vector(missing, TIDE_BOOL) || missing->shape[0] != n)) return TIDE_FAIL("%s: missing must be a contiguous bool [n] tensor", op);
    if (!is_vector(codes, TIDE_INT64) || codes->shape[0] != n || !is_vector(first, TIDE_INT64) || first->shape[0] != n)
        return TIDE_FAIL("%s: codes and first must be contiguous int64 [n] tensors", op);
    const int64_t *off = (const int64_t *)tide_elem_ptr(offsets);
    const uint8_t *b = (const uint8_t *)tide_elem_ptr(bytes);
    const bool *miss = missing ? (const bool *)tide_elem_ptr(missing) : NULL;
    int64_t *pc = (int64_t *)tide_elem_ptr(codes), *pf = (int64_t *)tide_elem_ptr(first);
    int64_t nb = bytes->shape[0];
    for (int64_t i = 0; i < n; i++)
        if (off[i] < 0 || off[i] > off[i + 1] || off[i + 1] > nb) return TIDE_FAIL("%s: offsets[%lld] is out of order or past the bytes", op, (long long)i);
    int64_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    int64_t *slots = malloc((size_t)cap * sizeof(int64_t)); /* code in the slot, -1 empty */
    if (!slots) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    memset(slots, 0xff, (size_t)cap * sizeof(int64_t));
    int64_t count = 0;
    for (int64_t i = 0; i < n; i++) {
        if (miss && miss[i]) { pc[i] = -1; continue; }
        const uint8_t *s = b + off[i];
        int64_t len = off[i + 1] - off[i];
        uint64_t h = fnv1a(s, len);
        int64_t at = (int64_t)(h & (uint64_t)(cap - 1));
        for (;;) {
            int64_t c = slots[at];
            if (c < 0) {
                slots[at] = count;
                pf[count] = i;
                pc[i] = count++;
                break;
            }
            int64_t r = pf[c];
            if (off[r + 1] - off[r] == len && memcmp(b + off[r], s, (size_t)len) == 0) {
                pc[i] = c;
                break;
            }
            at = (at + 1) & (cap - 1);
        }
    }
    free(slots);
    return count;
}

int64_t tide_preprocess_factorize_doubles(const tide_tensor *x, tide_tensor *codes, tide_tensor *first) {
    const char *op = "factorize_doubles";
    if (!is_vector(x, TIDE_FLOAT64)) return TIDE_FAIL("%s: x must be a contiguous float64 [n] tensor", op);
    int64_t n = x->shape[0];
    if (!is_vector(codes, TIDE_INT64) || codes->shape[0] != n || !is_vector(first, TIDE_INT64) || first->shape[0] != n)
        return TIDE_FAIL("%s: codes and first must be contiguous int64 [n] tensors", op);
    const double *px = (const double *)tide_elem_ptr(x);
    int64_t *pc = (int64_t *)tide_elem_ptr(codes), *pf = (int64_t *)tide_elem_ptr(first);
    int64_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    int64_t *slots = malloc((size_t)cap * sizeof(int64_t));
    if (!slots) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    memset(slots, 0xff, (size_t)cap * sizeof(int64_t));
    int64_t count = 0;
    for (int64_t i = 0; i < n; i++) {
        double v = px[i];
        if (v != v) { pc[i] = -1; continue; }
        if (v == 0) v = 0; /* -0 -> 0 */
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        uint64_t h = fnv1a((const uint8_t *)&bits, sizeof bits);
        int64_t at = (int64_t)(h & (uint64_t)(cap - 1));
        for (;;) {
            int64_t c = slots[at];
            if (c < 0) {
                slots[at] = count;
                pf[count] = i;
                pc[i] = count++;
                break;
            }
            if (px[pf[c]] == v) { pc[i] = c; break; }
            at = (at + 1) & (cap - 1);
        }
    }
    free(slots);
    return count;
}
