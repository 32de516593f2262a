/* tide/io.h — files: atomic writes, reads with size checks, zlib / gzip inflation, a zip reader
 * (.npz), raw element decoding into tensors (safetensors, NumPy .npy), and PNG images.
 *
 * The Lua layer (lua/tide/io.lua) parses the small headers of the tensor formats and calls these
 * functions for everything that touches bulk data, which goes straight into tensor memory.
 * Every function validates its arguments and every size and offset it reads from a file before
 * using it; on failure it returns NULL / -1 and leaves a message naming the operation, the file
 * and the problem in tide_last_error() (thread-local). Nothing here aborts the process, and no
 * function keeps global state: all of them may run on any thread at the same time.
 * `op` arguments name the operation in messages ("load_safetensors"); NULL gives a default.
 */
#ifndef TIDE_IO_H
#define TIDE_IO_H

#include "tide/tensor.h"

/* ---- files ---- */

/* Size in bytes of the regular file at path; -1 when it is missing or not a regular file. */
int64_t tide_file_size(const char *path, const char *op);
/* Read exactly len bytes at byte offset of path into buf; fails (naming the file and both
 * sizes) when the file ends before offset + len. */
int tide_file_read_range(const char *path, int64_t offset, int64_t len, void *buf, const char *op);
/* The whole file as a new uint8 tensor [size]; max_bytes > 0 rejects larger files. */
tide_tensor *tide_file_read(const char *path, int64_t max_bytes, const char *op);
/* Write n buffers (bufs[i], lens[i] bytes) one after another to path, atomically: a temp file
 * in the same folder is created, written, fsync'ed and renamed over path, then the folder is
 * fsync'ed. On any failure the temp file is removed and an existing file at path is untouched. */
int tide_file_write(const char *path, int n, const void *const *bufs, const int64_t *lens, const char *op);

/* ---- compression (zlib) ---- */
enum { TIDE_ZLIB_RAW = 0, TIDE_ZLIB_ZLIB = 1, TIDE_ZLIB_GZIP = 2, TIDE_ZLIB_AUTO = 3 };
/* Inflate src (raw deflate, zlib, gzip, or AUTO: zlib or gzip by their headers) into dst; fails
 * unless the stream is complete and holds exactly dst_len bytes. */
int tide_inflate(const void *src, int64_t src_len, void *dst, int64_t dst_len, int format, const char *op);
/* Compress src into a new uint8 tensor (format RAW, ZLIB or GZIP; level 0..9, -1 default). */
tide_tensor *tide_deflate(const void *src, int64_t src_len, int format, int level);
/* A whole file as a uint8 tensor, gunzipped when it starts with the gzip magic (concatenated
 * members too), as it is otherwise; max_bytes > 0 bounds the inflated size. */
tide_tensor *tide_file_read_gunzip(const char *path, int64_t max_bytes, const char *op);
/* zlib's CRC-32 of n bytes, continuing from crc (start with 0). */
uint32_t tide_crc32(uint32_t crc, const void *data, int64_t n);

/* ---- zip archives, read only (NumPy's .npz) ----
 * The central directory is read and validated at open (zip64 included); members are stored or
 * deflated, and each read checks the local header, the sizes and the CRC-32. */
typedef struct tide_zip tide_zip;
tide_zip *tide_zip_open(const char *path, const char *op);
void tide_zip_close(tide_zip *z);
int64_t tide_zip_count(const tide_zip *z);
const char *tide_zip_name(const tide_zip *z, int64_t i); /* NULL when i is out of range */
int64_t tide_zip_member_size(const tide_zip *z, int64_t i); /* uncompressed bytes; -1 out of range */
/* Member i's bytes as a new uint8 tensor [size]. */
tide_tensor *tide_zip_read(const tide_zip *z, int64_t i);

/* ---- raw elements of file formats, decoded into tensors ----
 * Element types as files store them; reading converts to the destination's dtype: same type is
 * a copy (byte-swapped for big-endian data), F16 / BF16 widen to float32 / float64, smaller or
 * unsigned integers widen to int32 / int64, BOOL bytes become 0 / 1 (any nonzero byte is true).
 * A conversion that can change values (float to int, int64 to int32, ...) is refused. */
enum {
    TIDE_RAW_F32 = 0, TIDE_RAW_F64 = 1, TIDE_RAW_I32 = 2, TIDE_RAW_I64 = 3, TIDE_RAW_U8 = 4,
    TIDE_RAW_BOOL = 5, TIDE_RAW_I8 = 6, TIDE_RAW_I16 = 7, TIDE_RAW_U16 = 8, TIDE_RAW_U32 = 9,
    TIDE_RAW_F16 = 10, TIDE_RAW_BF16 = 11, TIDE_RAW_NTYPES = 12
};
int tide_raw_size(int raw); /* bytes per element; -1 for an unknown type */
/* Fill dst (contiguous) with dst->numel elements of type raw read from path at byte offset. */
int tide_file_read_raw(const char *path, int64_t offset, tide_tensor *dst, int raw, int big_endian, const char *op);
/* The same from memory: bytes is a uint8 tensor (contiguous), elements start at offset. */
int tide_bytes_read_raw(const tide_tensor *bytes, int64_t offset, tide_tensor *dst, int raw, int big_endian,
                        const char *op);

/* ---- PNG (libpng) ----
 * Reading gives [H, W, C] with C as stored: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA; palettes
 * expand to RGB, and a tRNS chunk adds an alpha channel (gray -> 2, RGB / palette -> 4); bit
 * depths 1, 2, 4 scale to 0..255. `channels` 1..4 converts instead (gray from colour is the
 * ITU-R 601 luma PIL uses, L = (19595 R + 38470 G + 7471 B + 32768) >> 16; alpha is dropped
 * or added as fully opaque); 0 keeps the stored channels. `depth` 0 keeps the stored depth:
 * 8-bit files give uint8, 16-bit files int32 0..65535; 8 gives uint8 (16-bit values scaled with
 * rounding, v * 255 / 65535), 16 gives int32 0..65535 (8-bit values times 257).
 * `out` NULL allocates the result, else it must have the result's shape and dtype.
 * A file that is not a PNG, truncated, or corrupt (CRC, zlib, header) is an error naming it. */
tide_tensor *tide_png_read(const char *path, tide_tensor *out, int channels, int depth);
/* Decode a PNG held in memory; `name` is used in messages. */
tide_tensor *tide_png_decode(const void *data, int64_t len, const char *name, tide_tensor *out, int channels,
                             int depth);
/* Header facts without decoding: info[0..6] = H, W, channels as read_png gives them, bit depth,
 * PNG colour type, interlaced (0 / 1), has tRNS (0 / 1). */
int tide_png_info(const char *path, int64_t *info);
/* Encode [H, W] or [H, W, C] (C = 1..4: gray, gray + alpha, RGB, RGBA): uint8 as 8-bit;
 * float32 / float64 in [0, 1] as 8-bit (v * 255 + 0.5, clamped, as torchvision's save_image);
 * int32 / int64 in 0..65535 as 16-bit. level: zlib level 0..9, -1 for libpng's default. */
tide_tensor *tide_png_encode(const tide_tensor *img, int level); /* uint8 [file bytes] */
int tide_png_write(const char *path, const tide_tensor *img, int level); /* atomic */

#endif
