/* idx.c — the IDX reader (MNIST / Fashion-MNIST files), gzipped or plain, straight into a tensor.
 *
 * Layout: bytes 0-1 zero, byte 2 the type code, byte 3 the number of dims, then one big-endian
 * uint32 per dim, then the elements big-endian in row-major order. zlib's gz* functions read
 * both compressed and plain files; the data is read in chunks and converted into the tensor.
 * Sizes are checked before anything is allocated: a plain file's size must match the header
 * exactly, and a gzipped file cannot hold more than zlib's maximum ratio (1032:1) allows. */
#include "internal.h"
#include "tide/data.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define OP "read_idx"
#define CHUNK (1 << 20)

static int type_info(int code, int *dtype, int *esize, const char **name) {
    switch (code) {
    case 0x08: *dtype = TIDE_UINT8, *esize = 1, *name = "uint8"; return 1;
    case 0x09: *dtype = TIDE_INT32, *esize = 1, *name = "int8"; return 1;
    case 0x0B: *dtype = TIDE_INT32, *esize = 2, *name = "int16"; return 1;
    case 0x0C: *dtype = TIDE_INT32, *esize = 4, *name = "int32"; return 1;
    case 0x0D: *dtype = TIDE_FLOAT32, *esize = 4, *name = "float32"; return 1;
    case 0x0E: *dtype = TIDE_FLOAT64, *esize = 8, *name = "float64"; return 1;
    default: return 0;
    }
}

/* Read exactly n bytes; returns the count read (< n at end of file) or -1 on a zlib error. */
static int64_t read_full(gzFile f, void *buf, int64_t n) {
    int64_t got = 0;
    while (got < n) {
        unsigned want = (unsigned)(n - got > CHUNK ? CHUNK : n - got);
        int r = gzread(f, (char *)buf + got, want);
        if (r < 0) return -1;
        if (r == 0) break;
        got += r;
    }
    return got;
}

static int zlib_failed(gzFile f, const char *path, const char *what) {
    int code = 0;
    const char *msg = gzerror(f, &code);
    if (code == Z_BUF_ERROR) return TIDE_FAIL(OP ": %s: truncated gzip data (%s)", path, msg && *msg ? msg : "unexpected end of file");
    return TIDE_FAIL(OP ": %s: %s (%s)", path, what, msg && *msg ? msg : "read error");
}

/* Convert n big-endian elements of esize bytes at src into the tensor data at dst. */
static void convert_chunk(const unsigned char *src, int64_t n, int code, void *dst) {
    switch (code) {
    case 0x08: memcpy(dst, src, (size_t)n); break;
    case 0x09:
        for (int64_t i = 0; i < n; i++) ((int32_t *)dst)[i] = (int8_t)src[i];
        break;
    case 0x0B:
        for (int64_t i = 0; i < n; i++) ((int32_t *)dst)[i] = (int16_t)(uint16_t)((src[2 * i] << 8) | src[2 * i + 1]);
        break;
    case 0x0C:
    case 0x0D:
        for (int64_t i = 0; i < n; i++) {
            const unsigned char *p = src + 4 * i;
            uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
            memcpy((char *)dst + 4 * i, &v, 4);
        }
        break;
    case 0x0E:
        for (int64_t i = 0; i < n; i++) {
            const unsigned char *p = src + 8 * i;
            uint64_t v = 0;
            for (int k = 0; k < 8; k++) v = v << 8 | p[k];
            memcpy((char *)dst + 8 * i, &v, 8);
        }
        break;
    }
}

tide_tensor *tide_idx_read(const char *path) {
    if (!path || !*path) {
        TIDE_FAIL(OP ": expected a file name");
        return NULL;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        TIDE_FAIL(OP ": cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        TIDE_FAIL(OP ": %s is a directory, not an IDX file", path);
        return NULL;
    }
    gzFile f = gzopen(path, "rb");
    if (!f) {
        TIDE_FAIL(OP ": cannot open %s: %s", path, errno ? strerror(errno) : "out of memory");
        return NULL;
    }
    gzbuffer(f, 256 * 1024);
    tide_tensor *t = NULL;
    unsigned char *chunk = NULL;
    unsigned char head[4 + 4 * 255];

    int64_t got = read_full(f, head, 4);
    if (got < 0) {
        zlib_failed(f, path, "not a readable gzip file");
        goto done;
    }
    if (got < 4) {
        TIDE_FAIL(OP ": %s: truncated: the file has %lld bytes, an IDX header needs at least 4", path, (long long)got);
        goto done;
    }
    int compressed = !gzdirect(f);
    if (head[0] != 0 || head[1] != 0) {
        TIDE_FAIL(OP ": %s: not an IDX file (magic bytes %02x %02x %02x %02x; IDX starts with 00 00, a type code and "
                     "the number of dims)",
                  path, head[0], head[1], head[2], head[3]);
        goto done;
    }
    int code = head[2], ndim = head[3], dtype, esize;
    const char *tname;
    if (!type_info(code, &dtype, &esize, &tname)) {
        TIDE_FAIL(OP ": %s: unknown IDX type code 0x%02X (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)", path, code);
        goto done;
    }
    if (ndim > TIDE_MAX_DIMS) {
        TIDE_FAIL(OP ": %s: %d dims, at most %d are supported", path, ndim, TIDE_MAX_DIMS);
        goto done;
    }
    got = read_full(f, head + 4, 4 * ndim);
    if (got < 0) {
        zlib_failed(f, path, "corrupt gzip data");
        goto done;
    }
    if (got < 4 * ndim) {
        TIDE_FAIL(OP ": %s: truncated: the header declares %d dims but the file ends inside it", path, ndim);
        goto done;
    }
    int64_t shape[TIDE_MAX_DIMS], numel = 1;
    for (int d = 0; d < ndim; d++) {
        const unsigned char *p = head + 4 + 4 * d;
        shape[d] = (int64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
        if (shape[d] != 0 && numel > (INT64_C(1) << 50) / shape[d]) {
            TIDE_FAIL(OP ": %s: dims too large", path);
            goto done;
        }
        numel *= shape[d];
    }
    int64_t header = 4 + 4 * (int64_t)ndim, payload = numel * esize;
    char sbuf[TIDE_SHAPE_BUFSZ];
    tide_shape_str(ndim, shape, sbuf, sizeof sbuf);
    if (!compressed && (int64_t)st.st_size != header + payload) {
        TIDE_FAIL(OP ": %s: dims %s of %s need %lld bytes of data, the file has %lld%s", path, sbuf, tname,
                  (long long)payload, (long long)(st.st_size - header),
                  (int64_t)st.st_size < header + payload ? " (truncated?)" : "");
        goto done;
    }
    if (compressed && payload > 1032 * (int64_t)st.st_size + 1024) {
        TIDE_FAIL(OP ": %s: dims %s of %s need %lld bytes of data, more than a %lld-byte gzip file can hold", path, sbuf,
                  tname, (long long)payload, (long long)st.st_size);
        goto done;
    }
    t = tide_alloc(OP, ndim, shape, dtype);
    if (!t) goto done;
    chunk = malloc(CHUNK);
    if (!chunk) {
        tide_fail(TIDE_ENOMEM, OP ": out of memory");
        goto fail;
    }
    int64_t per_chunk = CHUNK / esize, osize = (int64_t)tide_dtype_size(dtype);
    char *dst = tide_elem_ptr(t);
    for (int64_t done_n = 0; done_n < numel;) {
        int64_t n = numel - done_n < per_chunk ? numel - done_n : per_chunk;
        got = read_full(f, chunk, n * esize);
        if (got < 0) {
            zlib_failed(f, path, "corrupt gzip data");
            goto fail;
        }
        if (got < n * esize) {
            TIDE_FAIL(OP ": %s: truncated: dims %s of %s need %lld bytes of data, the file ends after %lld", path, sbuf,
                      tname, (long long)payload, (long long)(done_n * esize + got));
            goto fail;
        }
        convert_chunk(chunk, n, code, dst + done_n * osize);
        done_n += n;
    }
    /* nothing may follow the data */
    got = read_full(f, chunk, 1);
    if (got < 0) {
        zlib_failed(f, path, "corrupt gzip data after the elements");
        goto fail;
    }
    if (got > 0) {
        int64_t extra = 1;
        for (;;) {
            int64_t r = read_full(f, chunk, CHUNK);
            if (r <= 0) break;
            extra += r;
        }
        TIDE_FAIL(OP ": %s: dims %s of %s need %lld bytes of data, the file has %lld more", path, sbuf, tname,
                  (long long)payload, (long long)extra);
        goto fail;
    }
    goto done;
fail:
    tide_tensor_free(t);
    t = NULL;
done:
    free(chunk);
    gzclose(f);
    return t;
}
