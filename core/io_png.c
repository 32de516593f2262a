/* io_png.c — PNG reading and writing through libpng's low-level API.
 *
 * libpng reports errors by longjmp; every setjmp lives in the function that calls libpng, and
 * the state a longjmp must not lose sits in a struct owned by the caller of that function, so
 * an error unwinds only libpng's own frames and returns a message. No state is shared between
 * calls: decoding may run on several threads at once (the data loader's prefetch thread does).
 *
 * Reading: the file's bytes are read whole, checked for the PNG signature, then decoded with
 * libpng's expansions (palette -> RGB, tRNS -> alpha, 1/2/4-bit gray -> 8-bit, 16-bit kept in
 * host order or scaled to 8), rows going straight into the result when no conversion follows. */
#include "internal.h"
#include "tide/io.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RD_OP "read_png"
#define WR_OP "write_png"

/* ---------------------------------------------------------------- reading */

typedef struct png_reader {
    const unsigned char *data;
    size_t len, pos;
    const char *name;
    int truncated, in_image; /* where an unexpected end of file happened */
    char msg[200];
    /* owned resources, released by the caller whatever happens */
    png_structp png;
    png_infop info;
    unsigned char *buf;
    png_bytep *rows;
    tide_tensor *result;
} png_reader;

static void rd_error(png_structp png, png_const_charp msg) {
    png_reader *r = png_get_error_ptr(png);
    snprintf(r->msg, sizeof r->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void rd_warning(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

static void rd_read(png_structp png, png_bytep out, size_t len) {
    png_reader *r = png_get_io_ptr(png);
    if (len > r->len - r->pos) {
        r->truncated = 1;
        png_error(png, "unexpected end of file");
    }
    memcpy(out, r->data + r->pos, len);
    r->pos += len;
}

static void release(png_reader *r) {
    if (r->png) png_destroy_read_struct(&r->png, r->info ? &r->info : NULL, NULL);
    free(r->buf);
    free(r->rows);
    r->png = NULL, r->info = NULL, r->buf = NULL, r->rows = NULL;
}

/* Header facts (after png_read_info): channels as decoded with tRNS expanded. */
static int stored_channels(png_structp png, png_infop info) {
    int ct = png_get_color_type(png, info), trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    switch (ct) {
    case PNG_COLOR_TYPE_GRAY: return trns ? 2 : 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return trns ? 4 : 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return trns ? 4 : 3; /* palette */
    }
}

/* Convert decoded pixels (c0 channels, 8- or 16-bit host order) to c channels of dtype at dst.
 * Gray from colour is PIL's ITU-R 601 luma; an added alpha is opaque. */
static void convert_pixels(const unsigned char *src, int64_t npix, int c0, int wide, int shift16, void *dst, int c,
                           int dtype) {
    const uint16_t *s16 = (const uint16_t *)src;
    uint32_t maxv = dtype == TIDE_UINT8 ? 255 : 65535;
    for (int64_t i = 0; i < npix; i++) {
        uint32_t v[4] = {0, 0, 0, 0};
        for (int k = 0; k < c0; k++) {
            uint32_t x = wide ? s16[i * c0 + k] : src[i * c0 + k];
            v[k] = shift16 ? x * 257 : x; /* 8-bit values asked for as 16-bit */
        }
        uint32_t g, a;
        if (c0 <= 2) {
            g = v[0], a = c0 == 2 ? v[1] : maxv;
        } else {
            g = (uint32_t)(((uint64_t)v[0] * 19595 + (uint64_t)v[1] * 38470 + (uint64_t)v[2] * 7471 + 0x8000) >> 16);
            a = c0 == 4 ? v[3] : maxv;
        }
        uint32_t o[4];
        switch (c) {
        case 1: o[0] = g; break;
        case 2: o[0] = g, o[1] = a; break;
        case 3:
            if (c0 >= 3) o[0] = v[0], o[1] = v[1], o[2] = v[2];
            else o[0] = o[1] = o[2] = g;
            break;
        default:
            if (c0 >= 3) o[0] = v[0], o[1] = v[1], o[2] = v[2];
            else o[0] = o[1] = o[2] = g;
            o[3] = a;
        }
        if (dtype == TIDE_UINT8)
            for (int k = 0; k < c; k++) ((uint8_t *)dst)[i * c + k] = (uint8_t)o[k];
        else
            for (int k = 0; k < c; k++) ((int32_t *)dst)[i * c + k] = (int32_t)o[k];
    }
}

/* The decoding itself: every libpng call after setjmp; resources go into r for the caller. */
static int decode(png_reader *r, tide_tensor *out, int channels, int depth, int64_t *info_only) {
    r->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, r, rd_error, rd_warning);
    if (!r->png || !(r->info = png_create_info_struct(r->png)))
        return tide_fail(TIDE_ENOMEM, RD_OP ": %s: out of memory", r->name);
    if (setjmp(png_jmpbuf(r->png))) {
        if (r->truncated)
            return TIDE_FAIL(RD_OP ": %s: truncated (the file ends in the %s)", r->name,
                             r->in_image ? "image data" : "header");
        return TIDE_FAIL(RD_OP ": %s: corrupt PNG (%s)", r->name, r->msg);
    }
    png_set_read_fn(r->png, r, rd_read);
    png_read_info(r->png, r->info);
    png_uint_32 w, h;
    int bd, ct, il;
    png_get_IHDR(r->png, r->info, &w, &h, &bd, &ct, &il, NULL, NULL);
    int c0 = stored_channels(r->png, r->info);
    if (info_only) {
        int64_t v[7] = {h, w, c0, bd, ct, il != PNG_INTERLACE_NONE, png_get_valid(r->png, r->info, PNG_INFO_tRNS) != 0};
        memcpy(info_only, v, sizeof v);
        return 0;
    }
    /* deflate expands at most 1032:1: a header claiming more pixels than the file can hold is corrupt */
    int samples = ct == PNG_COLOR_TYPE_PALETTE ? 1 : png_get_channels(r->png, r->info);
    double raw_bytes = (double)h * (1.0 + ((double)w * samples * bd + 7) / 8);
    if (raw_bytes > 1032.0 * (double)r->len + 4096)
        return TIDE_FAIL(RD_OP ": %s: corrupt PNG (a %ux%u image cannot fit in %zu bytes)", r->name, (unsigned)w,
                         (unsigned)h, r->len);

    int wide = bd == 16 && depth != 8;
    int shift16 = bd != 16 && depth == 16;
    int c = channels ? channels : c0;
    int dtype = (bd == 16 && depth != 8) || depth == 16 ? TIDE_INT32 : TIDE_UINT8;
    if (ct == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(r->png);
    if (ct == PNG_COLOR_TYPE_GRAY && bd < 8) png_set_expand_gray_1_2_4_to_8(r->png);
    if (png_get_valid(r->png, r->info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(r->png);
    if (bd == 16) {
        if (depth == 8)
            png_set_scale_16(r->png);
        else if (!(*(const unsigned char *)&(uint16_t){1}))
            ; /* big-endian host: libpng's order is already the host's */
        else
            png_set_swap(r->png);
    }
    png_set_interlace_handling(r->png);
    png_read_update_info(r->png, r->info);
    size_t rowbytes = png_get_rowbytes(r->png, r->info);
    if (rowbytes != (size_t)w * c0 * (wide ? 2 : 1))
        return TIDE_FAIL(RD_OP ": %s: unexpected decoded row size %zu", r->name, rowbytes);

    int64_t shape[3] = {h, w, c};
    tide_tensor *t = tide_out_or_alloc(RD_OP, out, 3, shape, dtype);
    if (!t) return -1;
    if (t != out) r->result = t;
    int direct = !wide && !shift16 && c == c0 && dtype == TIDE_UINT8 && tide_tensor_is_contiguous(t);
    unsigned char *base;
    if (direct) {
        base = tide_tensor_data_ptr(t);
    } else {
        if (!(r->buf = malloc(rowbytes * h + 1))) return tide_fail(TIDE_ENOMEM, RD_OP ": %s: out of memory", r->name);
        base = r->buf;
    }
    if (!(r->rows = malloc(sizeof(png_bytep) * (h + 1)))) return tide_fail(TIDE_ENOMEM, RD_OP ": %s: out of memory", r->name);
    for (png_uint_32 y = 0; y < h; y++) r->rows[y] = base + (size_t)y * rowbytes;
    r->in_image = 1;
    png_read_image(r->png, r->rows);
    png_read_end(r->png, NULL); /* the rest of the file: CRCs up to IEND */
    if (!direct) {
        if (tide_tensor_is_contiguous(t)) {
            convert_pixels(base, (int64_t)h * w, c0, wide, shift16, tide_tensor_data_ptr(t), c, dtype);
        } else { /* a strided out: convert into a fresh tensor, then copy */
            tide_tensor *tmp = tide_alloc(RD_OP, 3, shape, dtype);
            if (!tmp) return -1;
            convert_pixels(base, (int64_t)h * w, c0, wide, shift16, tide_tensor_data_ptr(tmp), c, dtype);
            int st = tide_copy_(t, tmp);
            tide_tensor_free(tmp);
            if (st != 0) return -1;
        }
    }
    return 0;
}

static int check_options(const char *name, int channels, int depth) {
    if (channels < 0 || channels > 4)
        return TIDE_FAIL(RD_OP ": %s: channels must be 0 (as stored) or 1..4, got %d", name, channels);
    if (depth != 0 && depth != 8 && depth != 16)
        return TIDE_FAIL(RD_OP ": %s: depth must be 0 (as stored), 8 or 16, got %d", name, depth);
    return 0;
}

/* Decode (or only read the header into info_only); returns 0 or -1, the tensor in *result. */
static int decode_buffer(const void *data, int64_t len, const char *name, tide_tensor *out, int channels, int depth,
                         int64_t *info_only, tide_tensor **result) {
    if (len < 8 || png_sig_cmp((png_const_bytep)data, 0, 8)) return TIDE_FAIL(RD_OP ": %s: not a PNG file", name);
    png_reader r;
    memset(&r, 0, sizeof r);
    r.data = data, r.len = (size_t)len, r.name = name;
    int st = decode(&r, out, channels, depth, info_only);
    release(&r);
    if (st != 0) {
        if (r.result) tide_tensor_free(r.result);
        return -1;
    }
    if (result) *result = r.result ? r.result : out;
    return 0;
}

tide_tensor *tide_png_decode(const void *data, int64_t len, const char *name, tide_tensor *out, int channels,
                             int depth) {
    if (!name) name = "<memory>";
    if (check_options(name, channels, depth) != 0) return NULL;
    if (!data || len < 0) {
        TIDE_FAIL(RD_OP ": %s: expected a buffer", name);
        return NULL;
    }
    tide_tensor *t = NULL;
    return decode_buffer(data, len, name, out, channels, depth, NULL, &t) == 0 ? t : NULL;
}

tide_tensor *tide_png_read(const char *path, tide_tensor *out, int channels, int depth) {
    if (!path || !*path) {
        TIDE_FAIL(RD_OP ": expected a file path");
        return NULL;
    }
    if (check_options(path, channels, depth) != 0) return NULL;
    tide_tensor *bytes = tide_file_read(path, 0, RD_OP);
    if (!bytes) return NULL;
    tide_tensor *t = NULL;
    decode_buffer(tide_tensor_data_ptr(bytes), bytes->numel, path, out, channels, depth, NULL, &t);
    tide_tensor_free(bytes);
    return t;
}

int tide_png_info(const char *path, int64_t *info) {
    if (!path || !*path || !info) return TIDE_FAIL(RD_OP ": expected a file path and an info array");
    tide_tensor *bytes = tide_file_read(path, 0, RD_OP);
    if (!bytes) return -1;
    int st = decode_buffer(tide_tensor_data_ptr(bytes), bytes->numel, path, NULL, 0, 0, info, NULL);
    tide_tensor_free(bytes);
    return st;
}

/* ---------------------------------------------------------------- writing */

typedef struct png_writer {
    unsigned char *data;
    size_t len, cap;
    char msg[200];
    png_structp png;
    png_infop info;
    unsigned char *pix;
    png_bytep *rows;
} png_writer;

static void wr_error(png_structp png, png_const_charp msg) {
    png_writer *w = png_get_error_ptr(png);
    snprintf(w->msg, sizeof w->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void wr_write(png_structp png, png_bytep p, size_t n) {
    png_writer *w = png_get_io_ptr(png);
    if (n > w->cap - w->len) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap - w->len < n) cap *= 2;
        unsigned char *d = realloc(w->data, cap);
        if (!d) png_error(png, "out of memory");
        w->data = d, w->cap = cap;
    }
    memcpy(w->data + w->len, p, n);
    w->len += n;
}

static void wr_flush(png_structp png) { (void)png; }

/* Pixels of img (contiguous) as 8-bit or 16-bit (host order) samples; checks value ranges. */
static int pack_pixels(const tide_tensor *img, unsigned char *dst, int wide) {
    int64_t n = img->numel;
    const void *p = tide_tensor_data_ptr(img);
    switch (img->dtype) {
    case TIDE_UINT8: memcpy(dst, p, (size_t)n); return 0;
    case TIDE_FLOAT32:
    case TIDE_FLOAT64:
        for (int64_t i = 0; i < n; i++) {
            double v = img->dtype == TIDE_FLOAT32 ? ((const float *)p)[i] : ((const double *)p)[i];
            v = v * 255 + 0.5;
            dst[i] = v >= 255 ? 255 : v > 0 ? (unsigned char)v : 0; /* NaN -> 0 */
        }
        return 0;
    default:
        for (int64_t i = 0; i < n; i++) {
            int64_t v = img->dtype == TIDE_INT32 ? ((const int32_t *)p)[i] : ((const int64_t *)p)[i];
            if (v < 0 || v > 65535)
                return TIDE_FAIL(WR_OP ": a 16-bit image needs values in 0..65535, element %lld is %lld", (long long)i,
                                 (long long)v);
            ((uint16_t *)dst)[i] = (uint16_t)v;
        }
        (void)wide;
        return 0;
    }
}

static int encode(png_writer *w, const tide_tensor *img, int level) {
    int64_t h = img->shape[0], wd = img->shape[1], c = img->ndim == 3 ? img->shape[2] : 1;
    int wide = img->dtype == TIDE_INT32 || img->dtype == TIDE_INT64;
    if (!(w->pix = malloc((size_t)(img->numel * (wide ? 2 : 1)) + 1)) ||
        !(w->rows = malloc(sizeof(png_bytep) * (size_t)(h + 1))))
        return tide_fail(TIDE_ENOMEM, WR_OP ": out of memory");
    if (pack_pixels(img, w->pix, wide) != 0) return -1;
    w->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, w, wr_error, rd_warning);
    if (!w->png || !(w->info = png_create_info_struct(w->png))) return tide_fail(TIDE_ENOMEM, WR_OP ": out of memory");
    if (setjmp(png_jmpbuf(w->png))) return TIDE_FAIL(WR_OP ": %s", w->msg);
    png_set_write_fn(w->png, w, wr_write, wr_flush);
    static const int types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                 PNG_COLOR_TYPE_RGB_ALPHA};
    png_set_IHDR(w->png, w->info, (png_uint_32)wd, (png_uint_32)h, wide ? 16 : 8, types[c], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (level >= 0) png_set_compression_level(w->png, level);
    png_write_info(w->png, w->info);
    if (wide && *(const unsigned char *)&(uint16_t){1}) png_set_swap(w->png); /* little-endian host */
    size_t rowbytes = (size_t)(wd * c * (wide ? 2 : 1));
    for (int64_t y = 0; y < h; y++) w->rows[y] = w->pix + (size_t)y * rowbytes;
    png_write_image(w->png, w->rows);
    png_write_end(w->png, NULL);
    return 0;
}

/* The encoded bytes in a malloc'd buffer (*len bytes), or NULL. */
static unsigned char *encode_buffer(const tide_tensor *img, int level, size_t *len) {
    char sb[TIDE_SHAPE_BUFSZ];
    if (!img) {
        TIDE_FAIL(WR_OP ": expected an image tensor");
        return NULL;
    }
    if (img->ndim != 2 && img->ndim != 3) {
        TIDE_FAIL(WR_OP ": expected an image [H, W] or [H, W, C], got shape %s",
                  tide_shape_str(img->ndim, img->shape, sb, sizeof sb));
        return NULL;
    }
    if (img->ndim == 3 && (img->shape[2] < 1 || img->shape[2] > 4)) {
        TIDE_FAIL(WR_OP ": an image [H, W, C] needs C = 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA), got %lld",
                  (long long)img->shape[2]);
        return NULL;
    }
    if (img->shape[0] < 1 || img->shape[1] < 1 || img->shape[0] > 0x7fffffff || img->shape[1] > 0x7fffffff) {
        TIDE_FAIL(WR_OP ": image size %s is not storable in a PNG (1..2^31-1 pixels per side)",
                  tide_shape_str(img->ndim, img->shape, sb, sizeof sb));
        return NULL;
    }
    if (img->dtype == TIDE_BOOL) {
        TIDE_FAIL(WR_OP ": expected uint8, float32 / float64 in [0, 1] or int32 / int64 in 0..65535, got bool");
        return NULL;
    }
    if (level < -1 || level > 9) {
        TIDE_FAIL(WR_OP ": compression level must be -1 (default) or 0..9, got %d", level);
        return NULL;
    }
    tide_tensor *src = tide_contiguous(img);
    if (!src) return NULL;
    png_writer w;
    memset(&w, 0, sizeof w);
    int st = encode(&w, src, level);
    if (w.png) png_destroy_write_struct(&w.png, w.info ? &w.info : NULL);
    free(w.pix);
    free(w.rows);
    tide_tensor_free(src);
    if (st != 0) {
        free(w.data);
        return NULL;
    }
    *len = w.len;
    return w.data;
}

tide_tensor *tide_png_encode(const tide_tensor *img, int level) {
    size_t len;
    unsigned char *data = encode_buffer(img, level, &len);
    if (!data) return NULL;
    int64_t n = (int64_t)len;
    tide_tensor *t = tide_alloc(WR_OP, 1, &n, TIDE_UINT8);
    if (t) memcpy(tide_tensor_data_ptr(t), data, len);
    free(data);
    return t;
}

int tide_png_write(const char *path, const tide_tensor *img, int level) {
    if (!path || !*path) return TIDE_FAIL(WR_OP ": expected a file path");
    size_t len;
    unsigned char *data = encode_buffer(img, level, &len);
    if (!data) return -1;
    const void *bufs[1] = {data};
    int64_t lens[1] = {(int64_t)len};
    int st = tide_file_write(path, 1, bufs, lens, WR_OP);
    free(data);
    return st;
}
