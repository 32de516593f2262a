/* tensor.c — errors, memory accounting, dtypes, storage and tensor creation. */
#include "internal.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- errors */

static _Thread_local char error_msg[512];
static _Thread_local int error_status;

int tide_fail(int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_msg, sizeof error_msg, fmt, ap);
    va_end(ap);
    error_status = status;
    return -1;
}

const char *tide_last_error(void) { return error_status ? error_msg : ""; }
int tide_last_status(void) { return error_status; }
void tide_clear_error(void) {
    error_status = 0;
    error_msg[0] = 0;
}

const char *tide_shape_str(int ndim, const int64_t *shape, char *buf, size_t len) {
    size_t n = 0;
    n += (size_t)snprintf(buf + n, len - n, "[");
    for (int i = 0; i < ndim && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, i ? ", %lld" : "%lld", (long long)shape[i]);
    if (n < len) snprintf(buf + n, len - n, "]");
    return buf;
}

/* ---------------------------------------------------------------- memory */

static tide_memory_stats stats;

const tide_memory_stats *tide_memory(void) { return &stats; }
void tide_memory_reset_peak(void) { __atomic_store_n(&stats.peak_bytes, __atomic_load_n(&stats.live_bytes, __ATOMIC_RELAXED), __ATOMIC_RELAXED); }

static void account(int64_t delta) {
    int64_t live = __atomic_add_fetch(&stats.live_bytes, delta, __ATOMIC_RELAXED);
    int64_t peak = __atomic_load_n(&stats.peak_bytes, __ATOMIC_RELAXED);
    while (live > peak &&
           !__atomic_compare_exchange_n(&stats.peak_bytes, &peak, live, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

/* Storage header and data in one block: the header is padded to 64 bytes so data stays aligned. */
#define STORAGE_HEADER 64
_Static_assert(sizeof(tide_storage) <= STORAGE_HEADER, "storage header fits its padding");

/* Recently freed large blocks are kept for reuse: glibc returns big blocks to the OS, so every
 * fresh 16 MB result would otherwise pay thousands of page faults (a loop of 2048x2048 matmuls
 * lost 6% to them, a CNN training step ~15%: its temporaries are freed in bursts by the Lua
 * collector and their sizes recur every step). Blocks are matched by exact size; the cache
 * holds at most CACHE_SLOTS blocks and CACHE_MAX_BYTES in all; tide_memory_trim() empties it. */
#define CACHE_SLOTS 64
#define CACHE_MIN_BYTES ((size_t)256 << 10)
#define CACHE_MAX_BYTES ((size_t)256 << 20)
static struct {
    void *block;
    size_t size;
} block_cache[CACHE_SLOTS];
static size_t cache_bytes;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void *block_alloc(size_t total) {
    if (total >= CACHE_MIN_BYTES) {
        void *b = NULL;
        pthread_mutex_lock(&cache_lock);
        for (int i = 0; i < CACHE_SLOTS; i++)
            if (block_cache[i].block && block_cache[i].size == total) {
                b = block_cache[i].block;
                block_cache[i].block = NULL;
                cache_bytes -= total;
                break;
            }
        pthread_mutex_unlock(&cache_lock);
        if (b) return b;
    }
    return aligned_alloc(64, total);
}

static void block_free(void *b, size_t total) {
    if (total >= CACHE_MIN_BYTES) {
        pthread_mutex_lock(&cache_lock);
        for (int i = 0; i < CACHE_SLOTS && cache_bytes + total <= CACHE_MAX_BYTES; i++)
            if (!block_cache[i].block) {
                block_cache[i].block = b;
                block_cache[i].size = total;
                cache_bytes += total;
                b = NULL;
                break;
            }
        pthread_mutex_unlock(&cache_lock);
    }
    free(b);
}

void tide_memory_trim(void) {
    pthread_mutex_lock(&cache_lock);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        free(block_cache[i].block);
        block_cache[i].block = NULL;
    }
    cache_bytes = 0;
    pthread_mutex_unlock(&cache_lock);
}

static size_t storage_total(int64_t nbytes) { return STORAGE_HEADER + (size_t)((nbytes + 63) & ~(int64_t)63); }

static tide_storage *storage_new(int64_t nbytes) {
    size_t total = storage_total(nbytes);
    tide_storage *s = block_alloc(total);
    if (!s) return NULL;
    s->data = (char *)s + STORAGE_HEADER;
    s->nbytes = nbytes;
    s->refcount = 1;
    s->owns_data = 1;
    account(nbytes);
    __atomic_add_fetch(&stats.n_allocs, 1, __ATOMIC_RELAXED);
    return s;
}

static void storage_release(tide_storage *s) {
    if (!s) return;
    if (__atomic_sub_fetch(&s->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
    if (s->owns_data == 2) return; /* lives in a slot: its owner reclaims it */
    if (s->owns_data == 1) {
        account(-s->nbytes);
        block_free(s, storage_total(s->nbytes));
    } else
        free(s);
}

static _Thread_local tide_tensor *offered_slot;
static _Thread_local int64_t offered_space;

void tide_slot_offer(tide_tensor *slot, int64_t space) {
    offered_slot = slot;
    offered_space = space;
}

/* The storage header sits at the start of a slot's space, the data 64 bytes further on. */
#define SLOT_HEADER 64
_Static_assert(sizeof(tide_storage) <= SLOT_HEADER, "storage header fits in a slot");

static tide_tensor *tensor_struct(void) {
    tide_tensor *t = malloc(sizeof *t);
    if (t) {
        __atomic_add_fetch(&stats.live_tensors, 1, __ATOMIC_RELAXED);
        t->flags = 0;
    }
    return t;
}

void tide_tensor_free(tide_tensor *t) {
    if (!t) return;
    /* data in a slot: the slot may be gone already (collected before this finaliser ran) */
    if (!(t->flags & TIDE_TENSOR_SLOT_DATA)) storage_release(t->storage);
    t->storage = NULL;
    if (t->flags & TIDE_TENSOR_IN_SLOT) return;
    __atomic_sub_fetch(&stats.live_tensors, 1, __ATOMIC_RELAXED);
    free(t);
}

/* ---------------------------------------------------------------- dtypes */

static const size_t dtype_sizes[TIDE_NDTYPES] = {4, 8, 4, 8, 1, 1};
static const char *const dtype_names[TIDE_NDTYPES] = {"float32", "float64", "int32", "int64", "uint8", "bool"};
/* promotion rank: bool < uint8 < int32 < int64 < float32 < float64 */
static const int dtype_rank[TIDE_NDTYPES] = {4, 5, 2, 3, 1, 0};

size_t tide_dtype_size(int dtype) { return dtype >= 0 && dtype < TIDE_NDTYPES ? dtype_sizes[dtype] : 0; }
const char *tide_dtype_name(int dtype) { return dtype >= 0 && dtype < TIDE_NDTYPES ? dtype_names[dtype] : "invalid"; }
bool tide_is_float(int dtype) { return dtype == TIDE_FLOAT32 || dtype == TIDE_FLOAT64; }

int tide_promote_types(int a, int b) {
    if (a < 0 || a >= TIDE_NDTYPES || b < 0 || b >= TIDE_NDTYPES) return -1;
    return dtype_rank[a] >= dtype_rank[b] ? a : b;
}

double tide_load_as_double(const void *p, int dtype) {
    switch (dtype) {
    case TIDE_FLOAT32: return *(const float *)p;
    case TIDE_FLOAT64: return *(const double *)p;
    case TIDE_INT32: return *(const int32_t *)p;
    case TIDE_INT64: return (double)*(const int64_t *)p;
    case TIDE_UINT8: return *(const uint8_t *)p;
    case TIDE_BOOL: return *(const bool *)p;
    }
    return NAN;
}

void tide_store_from_double(void *p, int dtype, double v) {
    switch (dtype) {
    case TIDE_FLOAT32: *(float *)p = (float)v; break;
    case TIDE_FLOAT64: *(double *)p = v; break;
    case TIDE_INT32: *(int32_t *)p = (int32_t)v; break;
    case TIDE_INT64: *(int64_t *)p = (int64_t)v; break;
    case TIDE_UINT8: *(uint8_t *)p = (uint8_t)(int64_t)v; break;
    case TIDE_BOOL: *(bool *)p = v != 0; break;
    }
}

/* ---------------------------------------------------------------- shapes */

int64_t tide_shape_numel(int ndim, const int64_t *shape) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    return n;
}

void tide_contiguous_strides(int ndim, const int64_t *shape, int64_t *stride) {
    int64_t s = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        stride[i] = s;
        s *= shape[i] > 1 ? shape[i] : 1;
    }
}

bool tide_same_shape(const tide_tensor *a, const tide_tensor *b) {
    if (a->ndim != b->ndim) return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return false;
    return true;
}

int tide_check_dim(const char *op, const tide_tensor *t, int dim) {
    if (dim < 0 || dim >= t->ndim)
        return TIDE_FAIL("%s: dim %d out of range for a tensor with %d dims", op, dim + 1, t->ndim);
    return 0;
}

int tide_tensor_is_contiguous(const tide_tensor *t) {
    int64_t s = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] != 1 && t->stride[i] != s) return 0;
        s *= t->shape[i];
    }
    return 1;
}

void *tide_tensor_data_ptr(const tide_tensor *t) { return tide_elem_ptr(t); }

/* ---------------------------------------------------------------- creation */

tide_tensor *tide_alloc(const char *op, int ndim, const int64_t *shape, int dtype) {
    if (dtype < 0 || dtype >= TIDE_NDTYPES) {
        TIDE_FAIL("%s: unknown dtype %d", op, dtype);
        return NULL;
    }
    if (ndim < 0 || ndim > TIDE_MAX_DIMS) {
        TIDE_FAIL("%s: %d dims requested, at most %d supported", op, ndim, TIDE_MAX_DIMS);
        return NULL;
    }
    int64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) {
            char b[TIDE_SHAPE_BUFSZ];
            TIDE_FAIL("%s: negative size in shape %s", op, tide_shape_str(ndim, shape, b, sizeof b));
            return NULL;
        }
        if (shape[i] && numel > INT64_MAX / 16 / shape[i]) {
            TIDE_FAIL("%s: shape too large", op);
            return NULL;
        }
        numel *= shape[i];
    }
    int64_t nbytes = numel * (int64_t)dtype_sizes[dtype];
    tide_tensor *t;
    tide_tensor *slot = offered_slot;
    if (slot) {
        /* the offered slot holds the struct, and the data when it fits */
        offered_slot = NULL;
        t = slot;
        t->flags = TIDE_TENSOR_IN_SLOT;
        if (nbytes <= offered_space - SLOT_HEADER) {
            t->flags |= TIDE_TENSOR_SLOT_DATA;
            tide_storage *s = (tide_storage *)slot->slot_space;
            s->data = (char *)slot->slot_space + SLOT_HEADER;
            s->nbytes = nbytes;
            s->refcount = 1;
            s->owns_data = 2;
            t->storage = s;
        } else if (!(t->storage = storage_new(nbytes)))
            goto oom;
    } else {
        t = tensor_struct();
        if (!t) goto oom;
        t->storage = storage_new(nbytes);
        if (!t->storage) {
            free(t);
            __atomic_sub_fetch(&stats.live_tensors, 1, __ATOMIC_RELAXED);
            goto oom;
        }
    }
    t->offset = 0;
    t->numel = numel;
    t->ndim = ndim;
    t->dtype = dtype;
    for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
    tide_contiguous_strides(ndim, shape, t->stride);
    return t;
oom:
    tide_fail(TIDE_ENOMEM, "%s: out of memory allocating %lld elements of %s", op, (long long)numel,
              dtype_names[dtype]);
    return NULL;
}

tide_tensor *tide_out_or_alloc(const char *op, tide_tensor *out, int ndim, const int64_t *shape, int dtype) {
    char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
    if (!out) return tide_alloc(op, ndim, shape, dtype);
    if (out->ndim != ndim || memcmp(out->shape, shape, sizeof(int64_t) * (size_t)ndim)) {
        TIDE_FAIL("%s: out has shape %s, expected %s", op, tide_shape_str(out->ndim, out->shape, b1, sizeof b1),
                  tide_shape_str(ndim, shape, b2, sizeof b2));
        return NULL;
    }
    if (out->dtype != dtype) {
        TIDE_FAIL("%s: out has dtype %s, expected %s", op, tide_dtype_name(out->dtype), tide_dtype_name(dtype));
        return NULL;
    }
    return out;
}

tide_tensor *tide_alloc_like(const char *op, const tide_tensor *t, int dtype) {
    return tide_alloc(op, t->ndim, t->shape, dtype);
}

tide_tensor *tide_tensor_empty(int ndim, const int64_t *shape, int dtype) {
    return tide_alloc("empty", ndim, shape, dtype);
}

tide_tensor *tide_tensor_zeros(int ndim, const int64_t *shape, int dtype) {
    tide_tensor *t = tide_alloc("zeros", ndim, shape, dtype);
    if (t) memset(t->storage->data, 0, (size_t)t->storage->nbytes);
    return t;
}

tide_tensor *tide_tensor_full(int ndim, const int64_t *shape, int dtype, double value) {
    tide_tensor *t = tide_alloc("full", ndim, shape, dtype);
    if (t) tide_fill_(t, value);
    return t;
}

tide_tensor *tide_tensor_from_ptr(void *data, int ndim, const int64_t *shape, const int64_t *stride, int dtype) {
    if (!data) {
        TIDE_FAIL("from_ptr: data pointer is NULL");
        return NULL;
    }
    if (dtype < 0 || dtype >= TIDE_NDTYPES) {
        TIDE_FAIL("from_ptr: unknown dtype %d", dtype);
        return NULL;
    }
    if (ndim < 0 || ndim > TIDE_MAX_DIMS) {
        TIDE_FAIL("from_ptr: %d dims requested, at most %d supported", ndim, TIDE_MAX_DIMS);
        return NULL;
    }
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0) {
            TIDE_FAIL("from_ptr: negative size at dim %d", i + 1);
            return NULL;
        }
    tide_tensor *t = tensor_struct();
    tide_storage *s = malloc(sizeof *s);
    if (!t || !s) {
        free(s);
        if (t) tide_tensor_free(t);
        tide_fail(TIDE_ENOMEM, "from_ptr: out of memory");
        return NULL;
    }
    s->data = data;
    s->nbytes = 0; /* unknown extent: foreign memory */
    s->refcount = 1;
    s->owns_data = 0;
    t->storage = s;
    t->offset = 0;
    t->ndim = ndim;
    t->dtype = dtype;
    t->numel = tide_shape_numel(ndim, shape);
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = shape[i];
    }
    if (stride)
        for (int i = 0; i < ndim; i++) t->stride[i] = stride[i];
    else
        tide_contiguous_strides(ndim, shape, t->stride);
    return t;
}

tide_tensor *tide_arange(double start, double end, double step, int dtype) {
    if (step == 0 || isnan(step) || isnan(start) || isnan(end)) {
        TIDE_FAIL("arange: step must be a non-zero number");
        return NULL;
    }
    if ((step > 0 && end < start) || (step < 0 && end > start)) {
        TIDE_FAIL("arange: step %g goes away from end (start %g, end %g)", step, start, end);
        return NULL;
    }
    double nd = ceil((end - start) / step);
    if (!(nd < 1e15)) {
        TIDE_FAIL("arange: too many elements");
        return NULL;
    }
    int64_t n = (int64_t)nd;
    tide_tensor *t = tide_alloc("arange", 1, &n, dtype);
    if (!t) return NULL;
    char *p = t->storage->data;
    size_t es = dtype_sizes[dtype];
    for (int64_t i = 0; i < n; i++) tide_store_from_double(p + i * es, dtype, start + (double)i * step);
    return t;
}

tide_tensor *tide_linspace(double start, double end, int64_t steps, int dtype) {
    if (steps < 0) {
        TIDE_FAIL("linspace: steps must be >= 0, got %lld", (long long)steps);
        return NULL;
    }
    tide_tensor *t = tide_alloc("linspace", 1, &steps, dtype);
    if (!t) return NULL;
    char *p = t->storage->data;
    size_t es = dtype_sizes[dtype];
    double step = steps > 1 ? (end - start) / (double)(steps - 1) : 0;
    /* symmetric evaluation as NumPy does: the last value is exactly `end` */
    for (int64_t i = 0; i < steps; i++) {
        double v = i < steps / 2 ? start + step * (double)i : end - step * (double)(steps - 1 - i);
        tide_store_from_double(p + i * es, dtype, v);
    }
    return t;
}

tide_tensor *tide_eye(int64_t n, int64_t m, int dtype) {
    if (m < 0) m = n;
    int64_t shape[2] = {n, m};
    tide_tensor *t = tide_alloc("eye", 2, shape, dtype);
    if (!t) return NULL;
    memset(t->storage->data, 0, (size_t)t->storage->nbytes);
    size_t es = dtype_sizes[dtype];
    for (int64_t i = 0; i < n && i < m; i++) tide_store_from_double((char *)t->storage->data + (i * m + i) * es, dtype, 1);
    return t;
}

/* ---------------------------------------------------------------- element access */

static int element_offset(const char *op, const tide_tensor *t, const int64_t *index, int64_t *off) {
    int64_t o = t->offset;
    for (int i = 0; i < t->ndim; i++) {
        if (index[i] < 0 || index[i] >= t->shape[i])
            return TIDE_FAIL("%s: index %lld out of range for dim %d of size %lld", op, (long long)index[i] + 1, i + 1,
                             (long long)t->shape[i]);
        o += index[i] * t->stride[i];
    }
    *off = o;
    return 0;
}

int tide_tensor_get(const tide_tensor *t, const int64_t *index, double *value) {
    int64_t o;
    if (element_offset("get", t, index, &o)) return -1;
    *value = tide_load_as_double((char *)t->storage->data + o * (int64_t)dtype_sizes[t->dtype], t->dtype);
    return 0;
}

int tide_tensor_set(tide_tensor *t, const int64_t *index, double value) {
    int64_t o;
    if (element_offset("set", t, index, &o)) return -1;
    tide_store_from_double((char *)t->storage->data + o * (int64_t)dtype_sizes[t->dtype], t->dtype, value);
    return 0;
}

/* ---------------------------------------------------------------- views: internal constructor */

/* A new tensor struct sharing t's storage (one more reference). */
tide_tensor *tide_share(const tide_tensor *t);
tide_tensor *tide_share(const tide_tensor *t) {
    tide_tensor *v = tensor_struct();
    if (!v) {
        tide_fail(TIDE_ENOMEM, "view: out of memory");
        return NULL;
    }
    *v = *t;
    v->flags = t->flags & TIDE_TENSOR_SLOT_DATA; /* a view of slot data leaves the storage alone */
    __atomic_add_fetch(&t->storage->refcount, 1, __ATOMIC_RELAXED);
    return v;
}

const char *tide_version(void) {
#ifdef TIDE_VERSION
    return TIDE_VERSION;
#else
    return "0.0.0";
#endif
}
