/* data_loader.c — the batch loader: seeded shuffling, batch assembly into two reused buffer sets,
 * and the background prefetch thread.
 *
 * A loader's data set is a list of columns (tensors whose first dim is the row, or PNG files).
 * Batch b of an epoch holds the rows order[b * B .. b * B + B - 1], mapped through `index` (a
 * Subset). Filling a batch gathers each column's rows into buffer set b % 2: IMAGE columns are
 * converted to float32 [C, H, W] (uint8 scaled to [0, 1]) and sent through their transforms,
 * LABEL columns widened to int64, ROWS columns copied as they are.
 *
 * With prefetch one worker thread (pthreads) fills batch b + 1 while the caller uses batch b. The
 * worker touches only the loader's own memory and the columns' data, calls no Lua, no OpenMP and
 * no BLAS, and allocates no tensor memory once its scratch has grown to the largest image: PNG
 * files are read into a reused byte buffer and decoded (tide_png_decode) into a reused image
 * (libpng's row pointers aside). Failures in the worker are kept with the batch and raised by
 * tide_loader_next on the caller's thread. Without prefetch the caller's thread fills the same
 * buffers with the same code, so both paths give identical batches. */
#include "data_internal.h"
#include "tide/io.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define OP "DataLoader"
#define MAX_COLUMNS 16
#define ERR_LEN 512

enum { SRC_TENSOR, SRC_PNG };
enum { SLOT_IDLE, SLOT_FILLING, SLOT_READY, SLOT_FAILED };

typedef struct column {
    int kind, source;
    tide_tensor *data;             /* SRC_TENSOR: contiguous source, first dim = rows */
    int64_t row_elems;             /* elements per source row */
    char **paths;                  /* SRC_PNG: one file per row */
    int64_t npaths;
    int mode;                      /* SRC_PNG: TIDE_IMAGE_GRAY / RGB */
    tide_tensor *decoded;          /* SRC_PNG: uint8 [H, W, C] the decoder writes into (reused) */
    int64_t c, h, w;               /* IMAGE: geometry before the transforms */
    int u8_image;                  /* IMAGE from a uint8 tensor: convert [H, W, C] -> [C, H, W] / 255 */
    tide_transforms *tf;           /* IMAGE: may be NULL */
    int has_resize;                /* the transforms fix the output size whatever the input's */
    int out_ndim, out_dtype;       /* one sample of the batch */
    int64_t out_shape[TIDE_MAX_DIMS];
    int64_t out_elems;
    tide_tensor *buf[2];           /* [rows, out_shape...], allocated by the first epoch */
} column;

struct tide_loader {
    int64_t n, batch, nrows, nbatches;
    int64_t *index; /* n entries or NULL */
    int shuffle, drop_last, prefetch;
    uint64_t seed;
    int ncols;
    column cols[MAX_COLUMNS];
    int64_t *order; /* n entries: this epoch's sample order */
    int64_t epoch, next_batch;
    int started;
    /* scratch of whoever fills a batch (one fill runs at a time) */
    float *img, *tfs;
    int64_t img_cap, tfs_cap;
    unsigned char *file; /* a PNG file's bytes */
    int64_t file_cap;
    /* the worker */
    pthread_t thread;
    int thread_started, stop;
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    int64_t job; /* batch to fill, -1 when none */
    int slot_state[2];
    int64_t slot_batch[2];
    char slot_err[2][ERR_LEN];
};

/* ---------------------------------------------------------------- PNG */

tide_tensor *tide_image_load(const char *path, int mode) {
    if (!path) {
        TIDE_FAIL("image_load: expected a path");
        return NULL;
    }
    if (mode != TIDE_IMAGE_GRAY && mode != TIDE_IMAGE_RGB) {
        TIDE_FAIL("image_load: mode must be gray (1) or rgb (3), got %d", mode);
        return NULL;
    }
    tide_tensor *png = tide_png_read(path, NULL, mode, 8);
    if (!png) return NULL;
    tide_tensor *r = tide_image_to_float(png, NULL, 0);
    tide_tensor_free(png);
    return r;
}

/* The whole file into *buf (grown as needed); returns its length or -1 with err set. */
static int64_t slurp(const char *path, unsigned char **buf, int64_t *cap, char *err) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, ERR_LEN, "ImageFolder: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    int64_t len = 0;
    for (;;) {
        if (len == *cap) {
            int64_t ncap = *cap ? 2 * *cap : 64 * 1024;
            unsigned char *p = realloc(*buf, (size_t)ncap);
            if (!p) {
                fclose(f);
                snprintf(err, ERR_LEN, "ImageFolder: %s: out of memory", path);
                return -1;
            }
            *buf = p, *cap = ncap;
        }
        size_t got = fread(*buf + len, 1, (size_t)(*cap - len), f);
        len += (int64_t)got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, ERR_LEN, "ImageFolder: cannot read %s", path);
        return -1;
    }
    return len;
}

/* Width and height from a PNG's IHDR (the first chunk); 0 when the bytes do not start like a PNG. */
static int png_size(const unsigned char *p, int64_t len, int64_t *h, int64_t *w) {
    static const unsigned char sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    if (len < 24 || memcmp(p, sig, 8) != 0 || memcmp(p + 12, "IHDR", 4) != 0) return 0;
    *w = (int64_t)((uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19]);
    *h = (int64_t)((uint32_t)p[20] << 24 | (uint32_t)p[21] << 16 | (uint32_t)p[22] << 8 | p[23]);
    return 1;
}

/* ---------------------------------------------------------------- creation */

tide_loader *tide_loader_new(int64_t n, const int64_t *index, int64_t batch_size, int shuffle, int drop_last,
                             uint64_t seed, int prefetch) {
    if (n < 0) {
        TIDE_FAIL(OP ": the data set size must be >= 0, got %lld", (long long)n);
        return NULL;
    }
    if (batch_size < 1) {
        TIDE_FAIL(OP ": batch_size must be a positive integer, got %lld", (long long)batch_size);
        return NULL;
    }
    int64_t nrows = index ? 0 : n;
    for (int64_t i = 0; index && i < n; i++) {
        if (index[i] < 0) {
            TIDE_FAIL(OP ": sample index %lld is negative", (long long)i + 1);
            return NULL;
        }
        if (index[i] + 1 > nrows) nrows = index[i] + 1;
    }
    tide_loader *l = calloc(1, sizeof *l);
    if (!l) {
        tide_fail(TIDE_ENOMEM, OP ": out of memory");
        return NULL;
    }
    l->n = n, l->batch = batch_size, l->nrows = nrows;
    l->shuffle = shuffle != 0, l->drop_last = drop_last != 0, l->prefetch = prefetch != 0, l->seed = seed;
    l->nbatches = drop_last ? n / batch_size : (n + batch_size - 1) / batch_size;
    l->order = malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    if (index) l->index = malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    if (!l->order || (index && !l->index)) {
        free(l->order), free(l->index), free(l);
        tide_fail(TIDE_ENOMEM, OP ": out of memory");
        return NULL;
    }
    if (index) memcpy(l->index, index, (size_t)n * sizeof(int64_t));
    for (int64_t i = 0; i < n; i++) l->order[i] = i;
    l->job = -1;
    l->slot_batch[0] = l->slot_batch[1] = -1;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->wake, NULL);
    pthread_cond_init(&l->done, NULL);
    return l;
}

/* Wait until the worker has no job (callers hold no lock). */
static void wait_idle(tide_loader *l) {
    if (!l->thread_started) return;
    pthread_mutex_lock(&l->mu);
    while (l->job >= 0) pthread_cond_wait(&l->done, &l->mu);
    pthread_mutex_unlock(&l->mu);
}

void tide_loader_free(tide_loader *l) {
    if (!l) return;
    if (l->thread_started) {
        pthread_mutex_lock(&l->mu);
        l->stop = 1;
        pthread_cond_broadcast(&l->wake);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->thread, NULL);
    }
    for (int j = 0; j < l->ncols; j++) {
        column *c = &l->cols[j];
        tide_tensor_free(c->data);
        for (int64_t i = 0; i < c->npaths; i++) free(c->paths[i]);
        free(c->paths);
        tide_transforms_free(c->tf);
        tide_tensor_free(c->decoded);
        tide_tensor_free(c->buf[0]);
        tide_tensor_free(c->buf[1]);
    }
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->wake);
    pthread_cond_destroy(&l->done);
    free(l->img), free(l->tfs), free(l->file);
    free(l->order), free(l->index);
    free(l);
}

static int check_addable(tide_loader *l, const char *what) {
    if (!l) return TIDE_FAIL(OP ": no loader given");
    if (l->started) return TIDE_FAIL(OP ": cannot add %s after the first epoch has started", what);
    if (l->ncols == MAX_COLUMNS) return TIDE_FAIL(OP ": at most %d columns (tensors per sample)", MAX_COLUMNS);
    return 0;
}

int tide_loader_add_tensor(tide_loader *l, const tide_tensor *t, int kind) {
    if (check_addable(l, "a tensor")) return -1;
    char sb[TIDE_SHAPE_BUFSZ];
    int col = l->ncols + 1;
    if (!t) return TIDE_FAIL(OP ": tensor %d is NULL (freed?)", col);
    if (t->ndim < 1) return TIDE_FAIL(OP ": tensor %d is 0-d; its first dim must index the samples", col);
    if (t->shape[0] < l->nrows)
        return TIDE_FAIL(OP ": tensor %d has %lld rows, the data set needs %lld", col, (long long)t->shape[0],
                         (long long)l->nrows);
    column c;
    memset(&c, 0, sizeof c);
    c.kind = kind, c.source = SRC_TENSOR;
    c.row_elems = t->shape[0] ? t->numel / t->shape[0] : tide_shape_numel(t->ndim - 1, t->shape + 1);
    switch (kind) {
    case TIDE_COLUMN_ROWS:
        c.out_ndim = t->ndim - 1, c.out_dtype = t->dtype;
        for (int d = 1; d < t->ndim; d++) c.out_shape[d - 1] = t->shape[d];
        break;
    case TIDE_COLUMN_LABEL:
        if (t->ndim != 1 || !(t->dtype == TIDE_INT64 || t->dtype == TIDE_INT32 || t->dtype == TIDE_UINT8))
            return TIDE_FAIL(OP ": labels (tensor %d) must be a 1-d integer tensor, got a %s tensor of shape %s", col,
                             tide_dtype_name(t->dtype), tide_shape_str(t->ndim, t->shape, sb, sizeof sb));
        c.out_ndim = 0, c.out_dtype = TIDE_INT64;
        break;
    case TIDE_COLUMN_IMAGE:
        if (t->dtype == TIDE_UINT8 && (t->ndim == 3 || t->ndim == 4)) {
            c.u8_image = 1;
            c.h = t->shape[1], c.w = t->shape[2], c.c = t->ndim == 4 ? t->shape[3] : 1;
        } else if ((t->dtype == TIDE_FLOAT32 || t->dtype == TIDE_FLOAT64) && t->ndim == 4) {
            c.c = t->shape[1], c.h = t->shape[2], c.w = t->shape[3];
        } else {
            return TIDE_FAIL(OP ": images (tensor %d) must be uint8 [N, H, W] or [N, H, W, C], or float [N, C, H, W]; "
                             "got a %s tensor of shape %s",
                             col, tide_dtype_name(t->dtype), tide_shape_str(t->ndim, t->shape, sb, sizeof sb));
        }
        if (c.c < 1 || c.h < 1 || c.w < 1)
            return TIDE_FAIL(OP ": images (tensor %d) are empty: shape %s", col,
                             tide_shape_str(t->ndim, t->shape, sb, sizeof sb));
        c.out_ndim = 3, c.out_dtype = TIDE_FLOAT32;
        c.out_shape[0] = c.c, c.out_shape[1] = c.h, c.out_shape[2] = c.w;
        break;
    default: return TIDE_FAIL(OP ": unknown column kind %d", kind);
    }
    c.out_elems = tide_shape_numel(c.out_ndim, c.out_shape);
    /* float64 images are cast once here, so the worker only ever reads float32 or uint8 */
    c.data = (kind == TIDE_COLUMN_IMAGE && t->dtype == TIDE_FLOAT64) ? tide_cast(t, TIDE_FLOAT32) : tide_contiguous(t);
    if (!c.data) return -1;
    l->cols[l->ncols++] = c;
    return 0;
}

int tide_loader_add_png_files(tide_loader *l, int64_t nfiles, const char *const *paths, int mode, int64_t h, int64_t w) {
    if (check_addable(l, "files")) return -1;
    if (nfiles < l->nrows)
        return TIDE_FAIL(OP ": %lld files, the data set needs %lld", (long long)nfiles, (long long)l->nrows);
    if (mode != TIDE_IMAGE_GRAY && mode != TIDE_IMAGE_RGB)
        return TIDE_FAIL(OP ": image mode must be gray (1) or rgb (3), got %d", mode);
    if (h < 1 || w < 1) return TIDE_FAIL(OP ": image size must be positive, got %lldx%lld", (long long)h, (long long)w);
    column c;
    memset(&c, 0, sizeof c);
    c.kind = TIDE_COLUMN_IMAGE, c.source = SRC_PNG, c.mode = mode;
    c.c = mode, c.h = h, c.w = w;
    c.out_ndim = 3, c.out_dtype = TIDE_FLOAT32;
    c.out_shape[0] = c.c, c.out_shape[1] = h, c.out_shape[2] = w;
    c.out_elems = c.c * h * w;
    c.paths = calloc((size_t)(nfiles > 0 ? nfiles : 1), sizeof(char *));
    if (!c.paths) return tide_fail(TIDE_ENOMEM, OP ": out of memory");
    c.npaths = nfiles;
    for (int64_t i = 0; i < nfiles; i++) {
        if (!paths[i]) {
            for (int64_t k = 0; k < i; k++) free(c.paths[k]);
            free(c.paths);
            return TIDE_FAIL(OP ": file name %lld is missing", (long long)i + 1);
        }
        c.paths[i] = strdup(paths[i]);
        if (!c.paths[i]) {
            for (int64_t k = 0; k < i; k++) free(c.paths[k]);
            free(c.paths);
            return tide_fail(TIDE_ENOMEM, OP ": out of memory");
        }
    }
    l->cols[l->ncols++] = c;
    return 0;
}

int tide_loader_set_transforms(tide_loader *l, int col, const tide_transforms *tf) {
    if (!l) return TIDE_FAIL(OP ": no loader given");
    if (l->started) return TIDE_FAIL(OP ": cannot set transforms after the first epoch has started");
    if (col < 0 || col >= l->ncols) return TIDE_FAIL(OP ": no column %d (the data set has %d)", col + 1, l->ncols);
    column *c = &l->cols[col];
    if (c->kind != TIDE_COLUMN_IMAGE)
        return TIDE_FAIL(OP ": transforms apply to images; column %d holds %s", col + 1,
                         c->kind == TIDE_COLUMN_LABEL ? "labels" : "plain rows");
    int64_t o3[3];
    if (tf && tide_transforms_output_shape(tf, c->c, c->h, c->w, o3)) return -1;
    tide_transforms *copy = NULL;
    if (tf) {
        copy = tide_transforms_new();
        if (!copy || tide_transforms_append(copy, tf)) {
            tide_transforms_free(copy);
            return -1;
        }
    }
    tide_transforms_free(c->tf);
    c->tf = copy;
    c->has_resize = 0;
    for (int64_t i = 0; copy && i < copy->n; i++)
        if (copy->ops[i].kind == TF_RESIZE) c->has_resize = 1;
    if (copy) {
        c->out_shape[0] = o3[0], c->out_shape[1] = o3[1], c->out_shape[2] = o3[2];
    } else {
        c->out_shape[0] = c->c, c->out_shape[1] = c->h, c->out_shape[2] = c->w;
    }
    c->out_elems = tide_shape_numel(3, c->out_shape);
    return 0;
}

int64_t tide_loader_num_batches(const tide_loader *l) { return l ? l->nbatches : 0; }
int tide_loader_num_columns(const tide_loader *l) { return l ? l->ncols : 0; }

/* ---------------------------------------------------------------- filling a batch */

/* Make sure *buf holds at least n floats (grows only; the worker's one allocation site). */
static int reserve_floats(float **buf, int64_t *cap, int64_t n) {
    if (n <= *cap) return 0;
    float *p = realloc(*buf, (size_t)n * sizeof(float));
    if (!p) return -1;
    *buf = p, *cap = n;
    return 0;
}

static uint64_t batch_seed(const tide_loader *l, int64_t b) {
    return tide_mix64(tide_mix64(l->seed ^ ((uint64_t)l->epoch * 0xA0761D6478BD642Full)) + (uint64_t)b);
}

/* One image of an IMAGE column (row r) into dst (out_elems floats). err gets a message on failure. */
static int fill_image(tide_loader *l, column *c, int64_t r, float *dst, uint64_t seed, char *err) {
    const float *src;
    int64_t ic = c->c, ih = c->h, iw = c->w;
    if (c->source == SRC_TENSOR) {
        if (c->u8_image) {
            const uint8_t *s = (const uint8_t *)tide_tensor_data_ptr(c->data) + r * c->row_elems;
            if (!c->tf) {
                tide_u8_hwc_to_chw(s, ih, iw, ic, dst);
                return 0;
            }
            if (reserve_floats(&l->img, &l->img_cap, c->row_elems)) goto nomem;
            tide_u8_hwc_to_chw(s, ih, iw, ic, l->img);
            src = l->img;
        } else {
            src = (const float *)tide_tensor_data_ptr(c->data) + r * c->row_elems;
            if (!c->tf) {
                memcpy(dst, src, (size_t)c->row_elems * sizeof(float));
                return 0;
            }
        }
    } else {
        const char *path = c->paths[r];
        int64_t len = slurp(path, &l->file, &l->file_cap, err);
        if (len < 0) return -1;
        if (png_size(l->file, len, &ih, &iw)) {
            if (!c->has_resize && (ih != c->h || iw != c->w)) {
                snprintf(err, ERR_LEN,
                         "ImageFolder: %s is %lldx%lld, expected %lldx%lld like the first image (images of different "
                         "sizes need a Resize transform)",
                         path, (long long)ih, (long long)iw, (long long)c->h, (long long)c->w);
                return -1;
            }
            if (ih < 1 || iw < 1 || ih > (1 << 20) || iw > (1 << 20)) {
                snprintf(err, ERR_LEN, "read_png: %s: corrupt PNG (a %lldx%lld image)", path, (long long)ih, (long long)iw);
                return -1;
            }
            if (!c->decoded || c->decoded->shape[0] != ih || c->decoded->shape[1] != iw) { /* only when sizes vary */
                int64_t shape[3] = {ih, iw, ic};
                tide_tensor_free(c->decoded);
                c->decoded = tide_tensor_empty(3, shape, TIDE_UINT8);
                if (!c->decoded) goto nomem;
            }
        }
        /* not a PNG at all: the decoder says so */
        tide_tensor *png = tide_png_decode(l->file, len, path, c->decoded, c->mode, 8);
        if (!png) {
            snprintf(err, ERR_LEN, "%s", tide_last_error());
            tide_clear_error();
            return -1;
        }
        if (png != c->decoded) { /* the header was not where png_size looked: keep what the decoder made */
            tide_tensor_free(c->decoded);
            c->decoded = png;
        }
        ih = png->shape[0], iw = png->shape[1];
        if (!c->has_resize && (ih != c->h || iw != c->w)) {
            snprintf(err, ERR_LEN, "ImageFolder: %s is %lldx%lld, expected %lldx%lld like the first image", path,
                     (long long)ih, (long long)iw, (long long)c->h, (long long)c->w);
            return -1;
        }
        if (c->has_resize) {
            int64_t o3[3];
            if (tide_transforms_output_shape(c->tf, ic, ih, iw, o3) || o3[1] != c->out_shape[1] ||
                o3[2] != c->out_shape[2]) {
                snprintf(err, ERR_LEN, "ImageFolder: %s (%lldx%lld): %s", path, (long long)ih, (long long)iw,
                         tide_last_error()[0] ? tide_last_error() : "the transforms give another size");
                tide_clear_error();
                return -1;
            }
        }
        float *to = dst;
        if (c->tf) {
            if (reserve_floats(&l->img, &l->img_cap, ic * ih * iw)) goto nomem;
            to = l->img;
        }
        tide_u8_hwc_to_chw(tide_tensor_data_ptr(png), ih, iw, ic, to);
        if (!c->tf) return 0;
        src = l->img;
    }
    int64_t need = tide_transforms_scratch(c->tf, ic, ih, iw);
    if (need < 0) {
        snprintf(err, ERR_LEN, "%s", tide_last_error());
        tide_clear_error();
        return -1;
    }
    if (reserve_floats(&l->tfs, &l->tfs_cap, need + 2)) goto nomem;
    tide_transforms_run(c->tf, src, ic, ih, iw, dst, l->tfs, seed);
    return 0;
nomem:
    snprintf(err, ERR_LEN, OP ": out of memory for an image's scratch");
    return -1;
}

/* Fill batch b into buffer set `slot`; err gets the message on failure. */
static int fill_batch(tide_loader *l, int64_t b, int slot, char *err) {
    int64_t first = b * l->batch, rows = l->n - first < l->batch ? l->n - first : l->batch;
    uint64_t seed = batch_seed(l, b);
    for (int j = 0; j < l->ncols; j++) {
        column *c = &l->cols[j];
        char *out = (char *)tide_tensor_data_ptr(c->buf[slot]);
        size_t esize = tide_dtype_size(c->out_dtype);
        for (int64_t i = 0; i < rows; i++) {
            int64_t pos = l->order[first + i];
            int64_t r = l->index ? l->index[pos] : pos;
            char *dst = out + (size_t)(i * c->out_elems) * esize;
            if (c->kind == TIDE_COLUMN_IMAGE) {
                if (fill_image(l, c, r, (float *)dst, tide_image_seed(seed, i), err)) return -1;
            } else if (c->kind == TIDE_COLUMN_LABEL) {
                const char *s = (const char *)tide_tensor_data_ptr(c->data);
                int64_t v = c->data->dtype == TIDE_INT64   ? ((const int64_t *)s)[r]
                            : c->data->dtype == TIDE_INT32 ? ((const int32_t *)s)[r]
                                                           : ((const uint8_t *)s)[r];
                memcpy(dst, &v, sizeof v);
            } else {
                const char *s = (const char *)tide_tensor_data_ptr(c->data) + (size_t)(r * c->row_elems) * esize;
                memcpy(dst, s, (size_t)c->row_elems * esize);
            }
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- the worker */

static void *worker_main(void *arg) {
    tide_loader *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        while (!l->stop && l->job < 0) pthread_cond_wait(&l->wake, &l->mu);
        if (l->stop) break;
        int64_t b = l->job;
        int slot = (int)(b % 2);
        pthread_mutex_unlock(&l->mu);
        char err[ERR_LEN] = "";
        int st = fill_batch(l, b, slot, err);
        pthread_mutex_lock(&l->mu);
        if (st) memcpy(l->slot_err[slot], err, ERR_LEN);
        l->slot_state[slot] = st ? SLOT_FAILED : SLOT_READY;
        l->job = -1;
        pthread_cond_broadcast(&l->done);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

static int submit(tide_loader *l, int64_t b) {
    int slot = (int)(b % 2);
    if (!l->thread_started) {
        if (pthread_create(&l->thread, NULL, worker_main, l) != 0) return TIDE_FAIL(OP ": cannot start the prefetch thread");
        l->thread_started = 1;
    }
    pthread_mutex_lock(&l->mu);
    while (l->job >= 0) pthread_cond_wait(&l->done, &l->mu);
    l->slot_state[slot] = SLOT_FILLING;
    l->slot_batch[slot] = b;
    l->job = b;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->mu);
    return 0;
}

/* ---------------------------------------------------------------- epochs */

int tide_data_shuffle(int64_t n, uint64_t seed, int64_t epoch, int64_t *order) {
    if (n < 0 || (n > 0 && !order)) return TIDE_FAIL("shuffle: expected n >= 0 and an output array");
    for (int64_t i = 0; i < n; i++) order[i] = i;
    if (epoch < 0) return 0; /* no shuffle */
    uint64_t state = tide_mix64(seed ^ 0x5851F42D4C957F2Dull) ^ tide_mix64((uint64_t)epoch);
    for (int64_t i = n - 1; i > 0; i--) {
        uint64_t r = tide_mix64(state += 0x9E3779B97F4A7C15ull);
        int64_t j = (int64_t)(((unsigned __int128)r * (uint64_t)(i + 1)) >> 64);
        int64_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    return 0;
}

static int alloc_buffers(tide_loader *l) {
    int64_t rows = l->n < l->batch ? l->n : l->batch;
    for (int j = 0; j < l->ncols; j++) {
        column *c = &l->cols[j];
        int64_t shape[TIDE_MAX_DIMS + 1];
        shape[0] = rows;
        for (int d = 0; d < c->out_ndim; d++) shape[d + 1] = c->out_shape[d];
        if (c->out_ndim + 1 > TIDE_MAX_DIMS) return TIDE_FAIL(OP ": column %d has too many dims", j + 1);
        for (int s = 0; s < 2; s++) {
            c->buf[s] = tide_alloc(OP, c->out_ndim + 1, shape, c->out_dtype);
            if (!c->buf[s]) return -1;
        }
    }
    return 0;
}

int tide_loader_start_epoch(tide_loader *l, int64_t epoch) {
    if (!l) return TIDE_FAIL(OP ": no loader given");
    if (l->ncols == 0) return TIDE_FAIL(OP ": the data set has no columns");
    wait_idle(l); /* an abandoned epoch's prefetch may still be running */
    if (!l->started) {
        if (alloc_buffers(l)) {
            for (int j = 0; j < l->ncols; j++) {
                tide_tensor_free(l->cols[j].buf[0]), tide_tensor_free(l->cols[j].buf[1]);
                l->cols[j].buf[0] = l->cols[j].buf[1] = NULL;
            }
            return -1;
        }
        l->started = 1;
    }
    l->epoch = epoch;
    tide_data_shuffle(l->n, l->shuffle ? l->seed : 0, l->shuffle ? epoch : -1, l->order);
    l->next_batch = 0;
    l->slot_state[0] = l->slot_state[1] = SLOT_IDLE;
    l->slot_batch[0] = l->slot_batch[1] = -1;
    if (l->prefetch && l->nbatches > 0) return submit(l, 0);
    return 0;
}

int tide_loader_next(tide_loader *l, tide_tensor **out) {
    if (!l || !out) return TIDE_FAIL(OP ": no loader given");
    if (!l->started) return TIDE_FAIL(OP ": no epoch started");
    int64_t b = l->next_batch;
    if (b >= l->nbatches) return 0;
    int slot = (int)(b % 2);
    if (l->prefetch) {
        pthread_mutex_lock(&l->mu);
        while (l->slot_batch[slot] == b && l->slot_state[slot] == SLOT_FILLING) pthread_cond_wait(&l->done, &l->mu);
        int state = l->slot_state[slot];
        pthread_mutex_unlock(&l->mu);
        if (l->slot_batch[slot] != b || state == SLOT_IDLE) return TIDE_FAIL(OP ": internal error: batch %lld was not prefetched", (long long)b + 1);
        if (state == SLOT_FAILED) {
            l->next_batch = l->nbatches; /* the epoch ends here */
            return TIDE_FAIL("%s", l->slot_err[slot]);
        }
        if (b + 1 < l->nbatches && submit(l, b + 1)) return -1;
    } else {
        char err[ERR_LEN] = "";
        if (fill_batch(l, b, slot, err)) {
            l->next_batch = l->nbatches;
            return TIDE_FAIL("%s", err);
        }
    }
    int64_t rows = l->n - b * l->batch < l->batch ? l->n - b * l->batch : l->batch;
    for (int j = 0; j < l->ncols; j++) {
        out[j] = tide_narrow(l->cols[j].buf[slot], 0, 0, rows);
        if (!out[j]) {
            for (int k = 0; k < j; k++) tide_tensor_free(out[k]);
            return -1;
        }
    }
    l->next_batch = b + 1;
    return 1;
}

int64_t tide_loader_batch_rows(const tide_loader *l, int64_t b, int64_t *rows, int64_t cap) {
    if (!l || b < 0 || b >= l->nbatches) return TIDE_FAIL(OP ": no batch %lld", (long long)b + 1);
    int64_t first = b * l->batch, n = l->n - first < l->batch ? l->n - first : l->batch;
    for (int64_t i = 0; i < n && i < cap; i++) {
        int64_t pos = l->order[first + i];
        rows[i] = l->index ? l->index[pos] : pos;
    }
    return n;
}

/* ---------------------------------------------------------------- helpers for the Lua layer */

int64_t tide_dir_list(const char *path, char *buf, int64_t cap) {
    if (!path) return TIDE_FAIL("list_dir: expected a path");
    DIR *d = opendir(path);
    if (!d) return TIDE_FAIL("list_dir: cannot open %s: %s", path, strerror(errno));
    int64_t need = 0;
    struct dirent *e;
    char full[4096];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char type = '?';
        if (e->d_type == DT_DIR) type = 'd';
        else if (e->d_type == DT_REG) type = 'f';
        else if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) { /* follow links, ask the file system */
            struct stat st;
            snprintf(full, sizeof full, "%s/%s", path, e->d_name);
            if (stat(full, &st) == 0) type = S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : '?';
        }
        int64_t len = (int64_t)strlen(e->d_name);
        if (buf && need + len + 2 <= cap) {
            memcpy(buf + need, e->d_name, (size_t)len + 1);
            buf[need + len + 1] = type;
        }
        need += len + 2;
    }
    closedir(d);
    return need;
}

int tide_labels_check(const tide_tensor *y, int64_t low, int64_t high, int64_t *bad_position) {
    if (!y || y->ndim != 1) return TIDE_FAIL("labels: expected a 1-d tensor");
    for (int64_t i = 0; i < y->shape[0]; i++) {
        double v = 0;
        int64_t idx = i;
        tide_tensor_get(y, &idx, &v);
        if (!(v >= (double)low && v <= (double)high) || v != (double)(int64_t)v) {
            if (bad_position) *bad_position = i;
            return 1;
        }
    }
    return 0;
}
