/* tide/data.h — data loading: the IDX reader (MNIST's format), image transforms on float32
 * images and batches, and the batch loader with its background prefetch thread.
 *
 * Images are float32 [C, H, W] (one image) or [N, C, H, W] (a batch), values usually in [0, 1].
 * Every function returns NULL or a nonzero status on failure and leaves a message readable with
 * tide_last_error(); nothing here aborts the process. Dims and indices are 0-based.
 */
#ifndef TIDE_DATA_H
#define TIDE_DATA_H

#include "tide/tensor.h"

/* ---- IDX files (yann.lecun.com/exdb/mnist format), gzipped or not ----
 * Header: two zero bytes, a type code, the number of dims, then each dim as a big-endian uint32;
 * then the data, big-endian, row-major. Type codes: 0x08 uint8 -> uint8, 0x09 int8 -> int32,
 * 0x0B int16 -> int32, 0x0C int32 -> int32, 0x0D float32 -> float32, 0x0E float64 -> float64.
 * A truncated file, a wrong magic, an unknown type or dims that do not match the file's size
 * fail with a message naming the file. */
tide_tensor *tide_idx_read(const char *path);

/* ---- image conversion ----
 * uint8 [H, W] / [H, W, C] (batched = 0) or [N, H, W] / [N, H, W, C] (batched = 1) -> float32
 * [C, H, W] / [N, C, H, W] scaled to [0, 1] (v / 255). float32 / float64 inputs are already
 * [C, H, W] / [N, C, H, W] and only cast to float32. `out` NULL allocates the result. */
tide_tensor *tide_image_to_float(const tide_tensor *x, tide_tensor *out, int batched);

/* ---- transforms: a pipeline of image ops applied to each image in turn ----
 * Random ops draw from a generator keyed by (seed, image position in the batch), so a seed gives
 * the same result on every run and thread count. The pipeline copies nothing it is given. */
typedef struct tide_transforms tide_transforms;
tide_transforms *tide_transforms_new(void);
void tide_transforms_free(tide_transforms *tf);
/* (x - mean[c]) / std[c]; n values per channel, or n = 1 for all channels; std must be > 0 */
int tide_transforms_add_normalize(tide_transforms *tf, int64_t n, const double *mean, const double *std);
/* zero-pad (top, left, bottom, right), then crop h x w at a random place (h = w = 0: the input's
 * size, so the image is shifted within its padding) */
int tide_transforms_add_random_crop(tide_transforms *tf, int64_t h, int64_t w, const int64_t *padding);
/* crop h x w at the centre (torchvision's rounding: top = round((H - h) / 2)) */
int tide_transforms_add_center_crop(tide_transforms *tf, int64_t h, int64_t w);
/* mirror left-right with probability p */
int tide_transforms_add_hflip(tide_transforms *tf, double p);
/* mirror top-bottom with probability p */
int tide_transforms_add_vflip(tide_transforms *tf, double p);
/* bilinear resize to h x w, align_corners = false, no antialiasing (as F.interpolate) */
int tide_transforms_add_resize(tide_transforms *tf, int64_t h, int64_t w);
/* append every op of src */
int tide_transforms_append(tide_transforms *tf, const tide_transforms *src);
int64_t tide_transforms_count(const tide_transforms *tf);
/* Shape [C, H, W] of the result for a c x h x w input (out3); fails when the pipeline cannot take
 * such an image (a crop larger than the padded image, a Normalize with another channel count). */
int tide_transforms_output_shape(const tide_transforms *tf, int64_t c, int64_t h, int64_t w, int64_t *out3);
/* Apply to a float32 / float64 image [C, H, W] or batch [N, C, H, W]; the result is float32 with
 * the pipeline's output shape (in `out` when given). */
tide_tensor *tide_transforms_apply(const tide_transforms *tf, const tide_tensor *x, tide_tensor *out, uint64_t seed);

/* ---- the batch loader ----
 * Batches of a data set made of columns: tensors whose first dim is the sample (a TensorDataset)
 * or PNG files (an ImageFolder). Batches are assembled into two buffer sets owned by the loader
 * and reused every batch; with prefetch a worker thread (plain C: no OpenMP, no BLAS, never Lua)
 * assembles batch k + 1 while the caller works on batch k. A batch's tensors are views of a
 * buffer: valid until the batch after the next one is requested.
 * Column kinds: */
enum {
    TIDE_COLUMN_ROWS = 0,  /* rows copied as they are: batch [B, ...] of the tensor's dtype */
    TIDE_COLUMN_IMAGE = 1, /* uint8 [N, H, W] / [N, H, W, C] scaled to float32 [B, C, H, W] in [0, 1];
                              float32 / float64 [N, C, H, W] cast to float32; then the transforms */
    TIDE_COLUMN_LABEL = 2  /* 1-d integer tensor -> int64 [B] */
};
enum { TIDE_IMAGE_GRAY = 1, TIDE_IMAGE_RGB = 3 };
typedef struct tide_loader tide_loader;

/* n samples; index (n entries, may be NULL for 0..n-1) maps a sample to the row of the columns;
 * batch_size >= 1; seed keys the shuffle and the random transforms. */
tide_loader *tide_loader_new(int64_t n, const int64_t *index, int64_t batch_size, int shuffle, int drop_last,
                             uint64_t seed, int prefetch);
void tide_loader_free(tide_loader *l);
/* A tensor column (first dim = rows, at least as many as the largest index); kept alive by the
 * loader. Non-contiguous tensors are copied once. */
int tide_loader_add_tensor(tide_loader *l, const tide_tensor *t, int kind);
/* An image column decoded from PNG files (paths[r] is row r), converted to `mode` channels; every
 * image must be h x w unless the transforms start with a Resize. */
int tide_loader_add_png_files(tide_loader *l, int64_t nfiles, const char *const *paths, int mode, int64_t h, int64_t w);
/* Transforms for an IMAGE column (copied; the caller may free tf afterwards). */
int tide_loader_set_transforms(tide_loader *l, int column, const tide_transforms *tf);
int64_t tide_loader_num_batches(const tide_loader *l);
int tide_loader_num_columns(const tide_loader *l);
/* Begin an epoch (the shuffle order of epoch e is a function of seed and e); with prefetch the
 * worker starts on batch 0 at once. An epoch left unfinished is abandoned. */
int tide_loader_start_epoch(tide_loader *l, int64_t epoch);
/* The next batch: one new tensor per column in out[]. Returns 1, 0 at the end of the epoch, or
 * -1 (a worker error such as a corrupt PNG is reported here, for the batch it broke). */
int tide_loader_next(tide_loader *l, tide_tensor **out);
/* Rows (0-based, into the columns) of batch b of the current epoch: writes at most cap. */
int64_t tide_loader_batch_rows(const tide_loader *l, int64_t b, int64_t *rows, int64_t cap);

/* The loader's shuffle: order (n entries) <- a permutation of 0..n-1, a function of (seed, epoch)
 * only (Fisher-Yates from a splitmix64 stream). */
int tide_data_shuffle(int64_t n, uint64_t seed, int64_t epoch, int64_t *order);
/* A PNG file as float32 [C, H, W] in [0, 1], C = mode (TIDE_IMAGE_GRAY or TIDE_IMAGE_RGB); decoded
 * by tide_png_read (tide/io.h). */
tide_tensor *tide_image_load(const char *path, int mode);

/* ---- helpers for the Lua layer ----
 * Entries of a directory (not . or ..), as NUL-terminated names one after another in buf, each
 * followed by a type byte: 'd' directory, 'f' regular file, '?' other. Returns the bytes
 * needed; call again with a larger buffer if that exceeds cap. -1 on error. */
int64_t tide_dir_list(const char *path, char *buf, int64_t cap);
/* Check 1-d integer labels lie in [low, high]; on failure writes the first bad position. */
int tide_labels_check(const tide_tensor *y, int64_t low, int64_t high, int64_t *bad_position);

#endif
