/* tide/tensor.h — the tensor: dtypes, refcounted storage, strided views, creation.
 *
 * A tide_tensor is a view (shape, strides, offset) over a refcounted tide_storage.
 * Views share storage; freeing a tensor drops one storage reference.
 * Shapes and strides are counted in elements, dims are 0-based (the Lua layer is 1-based).
 * Every function that can fail returns NULL (or a negative status) and leaves a
 * message readable with tide_last_error(); nothing here aborts the process.
 */
#ifndef TIDE_TENSOR_H
#define TIDE_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#define TIDE_MAX_DIMS 8

typedef enum tide_dtype {
    TIDE_FLOAT32 = 0,
    TIDE_FLOAT64 = 1,
    TIDE_INT32 = 2,
    TIDE_INT64 = 3,
    TIDE_UINT8 = 4,
    TIDE_BOOL = 5,
    TIDE_NDTYPES = 6
} tide_dtype;

typedef struct tide_storage {
    void *data;         /* 64-byte aligned unless wrapping a foreign pointer */
    int64_t nbytes;
    int64_t refcount;   /* atomic */
    int32_t owns_data;  /* 1: Tide's heap; 0: foreign memory (tide_tensor_from_ptr); 2: in a result slot */
    int32_t pad_;
} tide_storage;

typedef struct tide_tensor {
    tide_storage *storage;
    int64_t offset;                 /* first element, in elements from storage->data */
    int64_t numel;
    int32_t ndim;
    int32_t dtype;                  /* tide_dtype */
    int32_t flags;                  /* TIDE_TENSOR_IN_SLOT, TIDE_TENSOR_SLOT_DATA (see tide_slot_offer) */
    int32_t reserved_;
    int64_t shape[TIDE_MAX_DIMS];
    int64_t stride[TIDE_MAX_DIMS];  /* in elements; 0 for expanded dims */
    double slot_space[];            /* only in a result slot (tide_slot_offer); heap tensors have none */
} tide_tensor;

/* Live / peak bytes of tensor storage owned by Tide (foreign pointers not counted). */
typedef struct tide_memory_stats {
    int64_t live_bytes;
    int64_t peak_bytes;
    int64_t live_tensors;
    int64_t n_allocs;
} tide_memory_stats;

/* A result slot: a tide_tensor followed by `space` bytes of slot_space, owned by the caller (the
 * Lua layer), that the next result tensor may live in. Tiny tensors then need no heap memory and
 * no finaliser: LuaJIT's collector reclaims the slot like any other object, and the slot object
 * itself is the tensor handle's pointer, so holding it keeps the tensor alive. This keeps per-op
 * overhead near the cost of the arithmetic.
 * tide_slot_offer(slot, space) offers a slot to the next tensor allocated on this thread: its
 * struct always goes there, its storage header and data too when they fit in `space`;
 * tide_slot_offer(NULL, 0) withdraws an unused offer. A tensor in a slot is released with
 * tide_tensor_free as usual, which never frees the slot itself. A tensor whose data lies in a
 * slot (the slot's own tensor or a view of it) has TIDE_TENSOR_SLOT_DATA set and never touches
 * that storage when freed: the collector may already have reclaimed the slot when a view's
 * finaliser runs. The Lua layer keeps the slot alive as long as any handle that reads its data. */
enum { TIDE_TENSOR_IN_SLOT = 1, TIDE_TENSOR_SLOT_DATA = 2, TIDE_SLOT_SPACE = 320 };
void tide_slot_offer(tide_tensor *slot, int64_t space);

/* ---- errors ---- */
const char *tide_last_error(void);
void tide_clear_error(void);
/* Status of the last failure: 0 none, 1 bad argument, 2 out of memory. */
int tide_last_status(void);

/* ---- memory ---- */
const tide_memory_stats *tide_memory(void);
void tide_memory_reset_peak(void);
void tide_memory_trim(void); /* return cached free blocks to the system */

/* ---- dtypes ---- */
size_t tide_dtype_size(int dtype);
const char *tide_dtype_name(int dtype);
/* The dtype two operands promote to (bool < uint8 < int32 < int64 < float32 < float64). */
int tide_promote_types(int a, int b);

/* ---- creation ---- */
tide_tensor *tide_tensor_empty(int ndim, const int64_t *shape, int dtype);
tide_tensor *tide_tensor_zeros(int ndim, const int64_t *shape, int dtype);
tide_tensor *tide_tensor_full(int ndim, const int64_t *shape, int dtype, double value);
/* Wrap caller memory without copying; strides NULL means contiguous. The caller keeps it alive. */
tide_tensor *tide_tensor_from_ptr(void *data, int ndim, const int64_t *shape, const int64_t *stride, int dtype);
tide_tensor *tide_arange(double start, double end, double step, int dtype);
tide_tensor *tide_linspace(double start, double end, int64_t steps, int dtype);
tide_tensor *tide_eye(int64_t n, int64_t m, int dtype);
void tide_tensor_free(tide_tensor *t);

/* ---- element access (index is 0-based, one per dim) ---- */
int tide_tensor_get(const tide_tensor *t, const int64_t *index, double *value);
int tide_tensor_set(tide_tensor *t, const int64_t *index, double value);
void *tide_tensor_data_ptr(const tide_tensor *t); /* address of the first element */
int tide_tensor_is_contiguous(const tide_tensor *t);

/* ---- views (share storage, no copy) ---- */
tide_tensor *tide_view(const tide_tensor *t, int ndim, const int64_t *shape);        /* -1 infers one dim; fails if not viewable */
tide_tensor *tide_reshape(const tide_tensor *t, int ndim, const int64_t *shape);     /* view when possible, else copy */
tide_tensor *tide_permute(const tide_tensor *t, const int32_t *dims);
tide_tensor *tide_transpose(const tide_tensor *t, int dim0, int dim1);
tide_tensor *tide_narrow(const tide_tensor *t, int dim, int64_t start, int64_t length);
tide_tensor *tide_slice(const tide_tensor *t, int dim, int64_t start, int64_t stop, int64_t step);
tide_tensor *tide_select(const tide_tensor *t, int dim, int64_t index);
tide_tensor *tide_squeeze(const tide_tensor *t, int dim);                             /* dim -1: all size-1 dims */
tide_tensor *tide_unsqueeze(const tide_tensor *t, int dim);
tide_tensor *tide_expand(const tide_tensor *t, int ndim, const int64_t *shape);      /* -1 keeps a size */
tide_tensor *tide_flatten(const tide_tensor *t, int start_dim, int end_dim);
tide_tensor *tide_alias(const tide_tensor *t);                                        /* a second handle to the same view */

/* ---- copies ---- */
tide_tensor *tide_contiguous(const tide_tensor *t);  /* new handle; shares storage if already contiguous */
tide_tensor *tide_clone(const tide_tensor *t);       /* always a fresh contiguous copy */
tide_tensor *tide_cast(const tide_tensor *t, int dtype);
/* dst <- src, broadcasting src to dst's shape and converting dtype. Returns 0 or -1. */
int tide_copy_(tide_tensor *dst, const tide_tensor *src);
int tide_fill_(tide_tensor *t, double value);

/* ---- random (a seedable generator, reproducible across runs and thread counts) ---- */
void tide_manual_seed(uint64_t seed);
uint64_t tide_initial_seed(void);
/* The generator state (seed, counter): get and restore it to replay a run from a checkpoint. */
void tide_rng_get_state(uint64_t *seed, uint64_t *counter);
void tide_rng_set_state(uint64_t seed, uint64_t counter);
/* For kernels that draw their own numbers: reserve n draws from the stream and get the bits
 * of draw `counter` (first + i); deterministic for a seed, any thread may compute any draw. */
uint64_t tide_rng_reserve(int64_t n);
uint64_t tide_rng_bits(uint64_t counter);
int tide_rand_(tide_tensor *t, double low, double high);      /* uniform [low, high) */
int tide_randn_(tide_tensor *t, double mean, double std);      /* normal */
int tide_randint_(tide_tensor *t, int64_t low, int64_t high);  /* integers in [low, high) */

/* ---- threads ---- */
void tide_set_num_threads(int n); /* Tide's kernels and OpenBLAS; n <= 0 means all cores */
int tide_get_num_threads(void);

/* ---- build information ---- */
const char *tide_version(void);

#endif
