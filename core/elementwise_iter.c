/* elementwise_iter.c — the engine behind core/elementwise.c: NumPy broadcasting of shapes, and
 * running an elementwise op (a tide_ew_call) over the broadcast shape.
 *
 * tide_ew_exec takes one of two paths:
 *  - flat: every input already has its kernel dtype and is either contiguous with the result's
 *    shape or a single element (a scalar, stride 0), and out (if any) is contiguous with the
 *    result dtype. One kernel call over numel elements; no setup, no heap use besides the
 *    result, threads only past TIDE_PARALLEL_GRAIN. This is the path tiny ops take.
 *  - general: inputs of another dtype are converted first (tide_cast), then an N-d iterator
 *    walks the broadcast shape (stride 0 on broadcast dims, adjacent dims merged where every
 *    operand is contiguous across them) calling the kernel once per innermost row; work is
 *    split across threads as ranges of the flattened index. When out has another dtype than
 *    the result or partially overlaps an input, the result goes through a temporary.
 * Large results that no input shares are written with streaming stores (see EW_STREAM_BYTES).
 */
#include "elementwise_internal.h"

#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---------------------------------------------------------------- broadcasting */

int tide_broadcast_shapes(const char *op, int na, const int64_t *sa, int nb, const int64_t *sb, int64_t *out_shape) {
    if (!op) op = "broadcast";
    int nd = na > nb ? na : nb;
    if (na < 0 || nb < 0 || nd > TIDE_MAX_DIMS) return TIDE_FAIL("%s: bad number of dims (%d and %d)", op, na, nb);
    int64_t r[TIDE_MAX_DIMS];
    for (int i = 0; i < nd; i++) {
        int ia = i - (nd - na), ib = i - (nd - nb);
        int64_t da = ia >= 0 ? sa[ia] : 1, db = ib >= 0 ? sb[ib] : 1;
        if (da == db || db == 1) r[i] = da;
        else if (da == 1) r[i] = db;
        else {
            char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
            return TIDE_FAIL("%s: shapes %s and %s cannot broadcast", op, tide_shape_str(na, sa, b1, sizeof b1),
                             tide_shape_str(nb, sb, b2, sizeof b2));
        }
    }
    memcpy(out_shape, r, sizeof(int64_t) * (size_t)nd);
    return nd;
}

/* ---------------------------------------------------------------- iteration */

#define EW_MAXOPS 4

/* The broadcast shape after merging dims, and each operand's strides (elements) over it. */
typedef struct ew_plan {
    int nops, ndim;
    int64_t numel;
    int64_t shape[TIDE_MAX_DIMS];
    int64_t stride[EW_MAXOPS][TIDE_MAX_DIMS];
    char *base[EW_MAXOPS];
    int64_t esize[EW_MAXOPS];
} ew_plan;

/* Stride of operand t along dim d of an nd-dim broadcast shape (0 where t is broadcast). */
static int64_t bstride(const tide_tensor *t, int nd, int d) {
    int j = d - (nd - t->ndim);
    return j >= 0 && t->shape[j] != 1 ? t->stride[j] : 0;
}

static void plan_build(ew_plan *pl, int nd, const int64_t *shape, int nops, const tide_tensor *const *t) {
    pl->nops = nops;
    pl->numel = tide_shape_numel(nd, shape);
    int k = 0;
    for (int d = 0; d < nd; d++) {
        if (shape[d] == 1) continue;
        if (k > 0) {
            bool merge = true;
            for (int o = 0; o < nops; o++)
                if (pl->stride[o][k - 1] != bstride(t[o], nd, d) * shape[d]) merge = false;
            if (merge) {
                pl->shape[k - 1] *= shape[d];
                for (int o = 0; o < nops; o++) pl->stride[o][k - 1] = bstride(t[o], nd, d);
                continue;
            }
        }
        pl->shape[k] = shape[d];
        for (int o = 0; o < nops; o++) pl->stride[o][k] = bstride(t[o], nd, d);
        k++;
    }
    if (k == 0) {
        pl->shape[0] = 1;
        for (int o = 0; o < nops; o++) pl->stride[o][0] = 0;
        k = 1;
    }
    pl->ndim = k;
    for (int o = 0; o < nops; o++) {
        pl->esize[o] = ew_esize[t[o]->dtype];
        pl->base[o] = ew_data(t[o]);
    }
}

/* A large result that no input shares is written with non-temporal stores (the kernels'
 * CLOOP): that skips reading every output line before writing it, a third less memory traffic
 * for a + b. Only past EW_STREAM_BYTES, so that results that fit in the last-level cache stay
 * there for the next op. */
#define EW_STREAM_BYTES ((int64_t)16 << 20)

/* Run elements [start, end) of the flattened broadcast shape, one innermost row at a time. */
static void plan_range(const ew_plan *pl, tide_ew_row fn, const tide_ew_args *k, int64_t start, int64_t end) {
    const int nd = pl->ndim, no = pl->nops;
    const int64_t inner = pl->shape[nd - 1];
    int64_t idx[TIDE_MAX_DIMS], s[EW_MAXOPS];
    char *ptr[EW_MAXOPS];
    int64_t r = start;
    for (int d = nd - 1; d >= 0; d--) {
        idx[d] = r % pl->shape[d];
        r /= pl->shape[d];
    }
    for (int o = 0; o < no; o++) s[o] = pl->stride[o][nd - 1];
    while (start < end) {
        int64_t len = inner - idx[nd - 1];
        if (len > end - start) len = end - start;
        for (int o = 0; o < no; o++) {
            int64_t off = 0;
            for (int d = 0; d < nd; d++) off += idx[d] * pl->stride[o][d];
            ptr[o] = pl->base[o] + off * pl->esize[o];
        }
        fn(k, ptr, s, len);
        start += len;
        idx[nd - 1] = 0;
        for (int d = nd - 2; d >= 0; d--) {
            if (++idx[d] < pl->shape[d]) break;
            idx[d] = 0;
        }
    }
}

/* The calling thread's share [a, b) of n elements inside a parallel region: equal chunks,
 * 64-element aligned so threads never write the same cache line. */
static void thread_share(int64_t n, int64_t *a, int64_t *b) {
#ifdef _OPENMP
    int t = omp_get_thread_num(), T = omp_get_num_threads();
#else
    int t = 0, T = 1;
#endif
    int64_t chunk = ((n + T - 1) / T + 63) & ~(int64_t)63;
    *a = t * chunk;
    *b = *a + chunk < n ? *a + chunk : n;
}

static void plan_run(const ew_plan *pl, tide_ew_row fn, const tide_ew_args *k, int cost) {
    const int64_t n = pl->numel;
    int nt = n * cost >= TIDE_PARALLEL_GRAIN ? tide_threads_for(n * cost) : 1;
    if (nt <= 1) {
        plan_range(pl, fn, k, 0, n);
        return;
    }
#pragma omp parallel num_threads(nt)
    {
        int64_t a, b;
        thread_share(n, &a, &b);
        if (a < b) plan_range(pl, fn, k, a, b);
    }
}

/* One kernel call over n elements of flat operands (stride 1, or 0 for a single element). */
static void run_flat(tide_ew_row fn, const tide_ew_args *k, int nops, char *const *ptr, const int64_t *s,
                     const int64_t *es, int64_t n, int cost) {
    int nt = n * cost >= TIDE_PARALLEL_GRAIN ? tide_threads_for(n * cost) : 1;
    if (nt <= 1) {
        fn(k, ptr, s, n);
        return;
    }
#pragma omp parallel num_threads(nt)
    {
        int64_t a, b;
        thread_share(n, &a, &b);
        if (a < b) {
            char *p[EW_MAXOPS];
            for (int o = 0; o < nops; o++) p[o] = ptr[o] + a * s[o] * es[o];
            fn(k, p, s, b - a);
        }
    }
}

/* ---------------------------------------------------------------- memory overlap */

/* Byte range [lo, hi) that a view touches inside its storage. */
static void byte_range(const tide_tensor *t, int64_t *lo, int64_t *hi) {
    int64_t es = ew_esize[t->dtype], a = t->offset, b = t->offset;
    for (int d = 0; d < t->ndim; d++) {
        if (t->shape[d] == 0) {
            *lo = *hi = 0;
            return;
        }
        int64_t ext = t->stride[d] * (t->shape[d] - 1);
        if (ext < 0) a += ext;
        else b += ext;
    }
    *lo = a * es;
    *hi = (b + 1) * es;
}

/* Does writing out while reading `in` (broadcast to shape) need a temporary? Only when they share
 * memory without being the very same elements in the same order. */
static bool conflicts(const tide_tensor *out, const tide_tensor *in, int nd, const int64_t *shape) {
    if (out->storage != in->storage) return false;
    int64_t lo1, hi1, lo2, hi2;
    byte_range(out, &lo1, &hi1);
    byte_range(in, &lo2, &hi2);
    if (hi1 <= lo2 || hi2 <= lo1) return false;
    if (out->offset != in->offset || ew_esize[out->dtype] != ew_esize[in->dtype]) return true;
    for (int d = 0; d < nd; d++)
        if (shape[d] != 1 && bstride(in, nd, d) != out->stride[d]) return true;
    return false;
}

/* ---------------------------------------------------------------- execution */


int tide_ew_check_out(const tide_ew_call *c, const tide_tensor *out, int nd, const int64_t *shape) {
    if (!ew_same_dims(nd, shape, out)) {
        char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
        if (out == c->self)
            return TIDE_FAIL("%s_: the operands broadcast to shape %s, which does not fit the in-place tensor of "
                             "shape %s",
                             c->name, tide_shape_str(nd, shape, b1, sizeof b1),
                             tide_shape_str(out->ndim, out->shape, b2, sizeof b2));
        return TIDE_FAIL("%s: out has shape %s, expected %s", c->name, tide_shape_str(out->ndim, out->shape, b2, sizeof b2),
                         tide_shape_str(nd, shape, b1, sizeof b1));
    }
    if (!ew_can_cast(c->rt, out->dtype))
        return TIDE_FAIL("%s%s: result dtype %s cannot be cast to the %s dtype %s", c->name, out == c->self ? "_" : "",
                         tide_dtype_name(c->rt), out == c->self ? "in-place tensor's" : "out", tide_dtype_name(out->dtype));
    for (int d = 0; d < out->ndim; d++)
        if (out->stride[d] == 0 && out->shape[d] > 1)
            return TIDE_FAIL("%s: out has overlapping elements (an expanded view, dim %d); write into a copy", c->name,
                             d + 1);
    return 0;
}

/* Stream the result to memory when it is large and shares no memory with an input. */
static bool should_stream(const tide_ew_call *c, const tide_tensor *dst, int64_t numel) {
    if (numel * ew_esize[dst->dtype] < EW_STREAM_BYTES) return false;
    for (int i = 0; i < c->nin; i++)
        if (c->in[i]->storage == dst->storage) return false;
    return true;
}

/* Run c over the broadcast shape (nd, shape) into out, or into a new tensor when out is NULL. */
tide_tensor *tide_ew_exec(const tide_ew_call *c, tide_tensor *out, int nd, const int64_t *shape) {
    if (out && tide_ew_check_out(c, out, nd, shape)) return NULL;

    /* flat path */
    bool flat = !out || (out->dtype == c->rt && ew_is_contiguous(out));
    int64_t s[EW_MAXOPS], es[EW_MAXOPS];
    for (int i = 0; i < c->nin && flat; i++) {
        const tide_tensor *t = c->in[i];
        if (t->dtype != c->in_dtype[i]) flat = false;
        else if (t->numel == 1 && t->ndim <= nd) s[i + 1] = 0;
        else if (ew_same_dims(nd, shape, t) && ew_is_contiguous(t)) s[i + 1] = 1;
        else flat = false;
        if (flat && out && out->storage == t->storage && conflicts(out, t, nd, shape)) flat = false;
    }
    if (flat) {
        tide_tensor *r = out ? out : tide_alloc(c->name, nd, shape, c->rt);
        if (!r) return NULL;
        if (r->numel == 0) return r;
        char *p[EW_MAXOPS];
        p[0] = ew_data(r);
        s[0] = 1;
        es[0] = ew_esize[c->rt];
        for (int i = 0; i < c->nin; i++) {
            p[i + 1] = ew_data(c->in[i]);
            es[i + 1] = ew_esize[c->in_dtype[i]];
        }
        tide_ew_args k = c->k;
        k.stream = should_stream(c, r, r->numel);
        run_flat(c->fn, &k, c->nin + 1, p, s, es, r->numel, c->cost);
        return r;
    }

    /* general path */
    tide_tensor *res = out ? out : tide_alloc(c->name, nd, shape, c->rt);
    if (!res) return NULL;
    if (res->numel == 0) return res;
    tide_tensor *casts[3] = {NULL, NULL, NULL}, *tmp = NULL;
    const tide_tensor *ops[EW_MAXOPS];
    for (int i = 0; i < c->nin; i++) {
        ops[i + 1] = c->in[i];
        if (c->in[i]->dtype != c->in_dtype[i]) {
            casts[i] = tide_cast(c->in[i], c->in_dtype[i]);
            if (!casts[i]) goto fail;
            ops[i + 1] = casts[i];
        }
    }
    ops[0] = res;
    if (out) {
        bool need_tmp = out->dtype != c->rt;
        for (int i = 0; i < c->nin && !need_tmp; i++) need_tmp = conflicts(out, ops[i + 1], nd, shape);
        if (need_tmp) {
            tmp = tide_alloc(c->name, nd, shape, c->rt);
            if (!tmp) goto fail;
            ops[0] = tmp;
        }
    }
    ew_plan pl;
    plan_build(&pl, nd, shape, c->nin + 1, ops);
    tide_ew_args k = c->k;
    k.stream = should_stream(c, ops[0], pl.numel);
    plan_run(&pl, c->fn, &k, c->cost);
    if (tmp && tide_copy_(out, tmp)) goto fail;
    tide_tensor_free(tmp);
    for (int i = 0; i < 3; i++) tide_tensor_free(casts[i]);
    return res;
fail:
    tide_tensor_free(tmp);
    for (int i = 0; i < 3; i++) tide_tensor_free(casts[i]);
    if (res != out) tide_tensor_free(res);
    return NULL;
}
