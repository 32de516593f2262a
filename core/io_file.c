/* io_file.c — files for the tensor formats: atomic writes, reads with size checks, zlib / gzip
 * inflation, a zip central-directory reader (.npz) and raw element decoding into tensors.
 *
 * Every size and offset read from a file is checked against the file's real size before use;
 * nothing here keeps state between calls (the temp-name counter aside, which is atomic), so
 * every function may run on any thread. */
#define _GNU_SOURCE /* strerror_r returning char * */
#include "internal.h"
#include "tide/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define OPNAME(op, dflt) ((op) && *(op) ? (op) : (dflt))
#define IO_CHUNK ((int64_t)1 << 30) /* largest single read / write / zlib step */

static const char *errstr(int e, char *buf, size_t len) { return strerror_r(e, buf, len); }

/* Open path for reading and get its size; fails unless it is a regular file. Returns the fd. */
static int open_regular(const char *path, const char *op, int64_t *size) {
    char eb[128];
    if (!path || !*path) return TIDE_FAIL("%s: expected a file path", op);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return TIDE_FAIL("%s: %s: no such file", op, path);
        return TIDE_FAIL("%s: %s: cannot open (%s)", op, path, errstr(errno, eb, sizeof eb));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return TIDE_FAIL("%s: %s: cannot stat (%s)", op, path, errstr(e, eb, sizeof eb));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return TIDE_FAIL("%s: %s: %s", op, path, S_ISDIR(st.st_mode) ? "is a folder, not a file" : "not a regular file");
    }
    *size = (int64_t)st.st_size;
    return fd;
}

/* pread exactly len bytes at offset; returns bytes read (< len at end of file) or -1. */
static int64_t pread_full(int fd, void *buf, int64_t len, int64_t offset) {
    int64_t got = 0;
    while (got < len) {
        int64_t want = len - got > IO_CHUNK ? IO_CHUNK : len - got;
        ssize_t r = pread(fd, (char *)buf + got, (size_t)want, (off_t)(offset + got));
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) break;
        got += r;
    }
    return got;
}

static int read_range_fd(int fd, int64_t size, const char *path, int64_t offset, int64_t len, void *buf,
                         const char *op) {
    char eb[128];
    if (offset < 0 || len < 0) return TIDE_FAIL("%s: %s: negative offset or length", op, path);
    if (offset > size || len > size - offset)
        return TIDE_FAIL("%s: %s: truncated: needs bytes %lld..%lld but the file has %lld bytes", op, path,
                         (long long)offset, (long long)offset + (long long)len, (long long)size);
    int64_t got = pread_full(fd, buf, len, offset);
    if (got < 0) return TIDE_FAIL("%s: %s: read error (%s)", op, path, errstr(errno, eb, sizeof eb));
    if (got < len)
        return TIDE_FAIL("%s: %s: truncated: the file ended at byte %lld while reading %lld bytes at %lld", op, path,
                         (long long)(offset + got), (long long)len, (long long)offset);
    return 0;
}

int64_t tide_file_size(const char *path, const char *op) {
    int64_t size;
    int fd = open_regular(path, OPNAME(op, "file_size"), &size);
    if (fd < 0) return -1;
    close(fd);
    return size;
}

int tide_file_read_range(const char *path, int64_t offset, int64_t len, void *buf, const char *op) {
    op = OPNAME(op, "read_file");
    if (!buf && len > 0) return TIDE_FAIL("%s: expected a buffer", op);
    int64_t size;
    int fd = open_regular(path, op, &size);
    if (fd < 0) return -1;
    int st = read_range_fd(fd, size, path, offset, len, buf, op);
    close(fd);
    return st;
}

tide_tensor *tide_file_read(const char *path, int64_t max_bytes, const char *op) {
    op = OPNAME(op, "read_file");
    int64_t size;
    int fd = open_regular(path, op, &size);
    if (fd < 0) return NULL;
    if (max_bytes > 0 && size > max_bytes) {
        close(fd);
        TIDE_FAIL("%s: %s: file has %lld bytes, more than the limit of %lld", op, path, (long long)size,
                  (long long)max_bytes);
        return NULL;
    }
    tide_tensor *t = tide_alloc(op, 1, &size, TIDE_UINT8);
    if (t && read_range_fd(fd, size, path, 0, size, tide_tensor_data_ptr(t), op) != 0) {
        tide_tensor_free(t);
        t = NULL;
    }
    close(fd);
    return t;
}

/* ---------------------------------------------------------------- atomic writes */

static int write_full(int fd, const void *buf, int64_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, (size_t)(len > IO_CHUNK ? IO_CHUNK : len));
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w, len -= w;
    }
    return 0;
}

int tide_file_write(const char *path, int n, const void *const *bufs, const int64_t *lens, const char *op) {
    char eb[128];
    op = OPNAME(op, "write_file");
    if (!path || !*path) return TIDE_FAIL("%s: expected a file path", op);
    if (n < 0 || (n > 0 && (!bufs || !lens))) return TIDE_FAIL("%s: %s: expected n buffers and lengths", op, path);
    for (int i = 0; i < n; i++)
        if (lens[i] < 0 || (lens[i] > 0 && !bufs[i])) return TIDE_FAIL("%s: %s: buffer %d is invalid", op, path, i);
    size_t plen = strlen(path);
    if (path[plen - 1] == '/') return TIDE_FAIL("%s: %s: is a folder name, not a file", op, path);
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) : 0;
    const char *base = slash ? slash + 1 : path;
    char *dir = malloc(dlen + 2), *tmp = malloc(plen + 64);
    if (!dir || !tmp) {
        free(dir), free(tmp);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
    if (slash) {
        memcpy(dir, path, dlen);
        dir[dlen] = 0;
        if (dlen == 0) strcpy(dir, "/");
    } else
        strcpy(dir, ".");

    /* the temp file: ".<name>.tmp-<pid>-<n>" beside the target, so rename() stays in one filesystem */
    static int64_t counter;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        long long k = (long long)__atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
        /* at most 100 characters of the name: the temp name must stay within NAME_MAX */
        snprintf(tmp, plen + 64, "%.*s%s.%.100s.tmp-%ld-%lld", (int)(slash ? dlen : 0), path, slash ? "/" : "", base,
                 (long)getpid(), k);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        int e = errno;
        TIDE_FAIL("%s: %s: cannot create a file in folder %s (%s)", op, path, dir, errstr(e, eb, sizeof eb));
        free(dir), free(tmp);
        return -1;
    }
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (write_full(fd, bufs[i], lens[i]) != 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            TIDE_FAIL("%s: %s: write failed after %lld bytes (%s); the previous file, if any, is unchanged", op, path,
                      (long long)total, errstr(e, eb, sizeof eb));
            free(dir), free(tmp);
            return -1;
        }
        total += lens[i];
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        TIDE_FAIL("%s: %s: cannot flush the file to disk (%s); the previous file, if any, is unchanged", op, path,
                  errstr(e, eb, sizeof eb));
        free(dir), free(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        TIDE_FAIL("%s: %s: cannot replace the file (%s)", op, path, errstr(e, eb, sizeof eb));
        free(dir), free(tmp);
        return -1;
    }
    /* make the rename itself durable; some filesystems cannot fsync a folder (EINVAL): not an error */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir), free(tmp);
    return 0;
}

/* ---------------------------------------------------------------- zlib */

static int window_bits(int format) {
    switch (format) {
    case TIDE_ZLIB_RAW: return -15;
    case TIDE_ZLIB_ZLIB: return 15;
    case TIDE_ZLIB_GZIP: return 31;
    case TIDE_ZLIB_AUTO: return 47;
    default: return 0;
    }
}

/* Inflate into a buffer that grows (grow != 0) or is fixed at *cap bytes. Concatenated gzip
 * members are inflated one after another. Returns bytes produced, or -1 with a message. */
static int64_t inflate_into(const unsigned char *src, int64_t src_len, unsigned char **dst, int64_t *cap, int grow,
                            int64_t max_bytes, int format, const char *op, const char *what) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, window_bits(format)) != Z_OK) return tide_fail(TIDE_ENOMEM, "%s: %s: out of memory", op, what);
    int64_t in_pos = 0, out_pos = 0;
    unsigned char dummy;
    int ret;
    for (;;) {
        if (zs.avail_in == 0 && in_pos < src_len) {
            int64_t k = src_len - in_pos > IO_CHUNK ? IO_CHUNK : src_len - in_pos;
            zs.next_in = (unsigned char *)src + in_pos, zs.avail_in = (uInt)k;
            in_pos += k;
        }
        if (grow && out_pos == *cap) {
            if (max_bytes > 0 && out_pos >= max_bytes) {
                inflateEnd(&zs);
                return TIDE_FAIL("%s: %s: inflates to more than the limit of %lld bytes", op, what, (long long)max_bytes);
            }
            int64_t ncap = *cap < 65536 ? 65536 : *cap * 2;
            if (max_bytes > 0 && ncap > max_bytes) ncap = max_bytes;
            unsigned char *p = realloc(*dst, (size_t)ncap);
            if (!p) {
                inflateEnd(&zs);
                return tide_fail(TIDE_ENOMEM, "%s: %s: out of memory inflating %lld bytes", op, what, (long long)ncap);
            }
            *dst = p, *cap = ncap;
        }
        int64_t room = *cap - out_pos;
        if (room > IO_CHUNK) room = IO_CHUNK;
        zs.next_out = room > 0 ? *dst + out_pos : &dummy;
        zs.avail_out = (uInt)room;
        ret = inflate(&zs, Z_NO_FLUSH);
        out_pos += room - zs.avail_out;
        if (ret == Z_STREAM_END) {
            /* another gzip member follows: keep going */
            int64_t left = (int64_t)zs.avail_in + (src_len - in_pos);
            const unsigned char *nx = zs.next_in;
            if (format != TIDE_ZLIB_RAW && format != TIDE_ZLIB_ZLIB && left >= 2 && zs.avail_in >= 2 && nx[0] == 0x1f &&
                nx[1] == 0x8b) {
                inflateReset(&zs);
                continue;
            }
            if (left > 0) {
                inflateEnd(&zs);
                return TIDE_FAIL("%s: %s: %lld unexpected bytes after the compressed data", op, what, (long long)left);
            }
            break;
        }
        if (ret == Z_OK) continue;
        if (ret == Z_BUF_ERROR && zs.avail_out == 0 && (grow || out_pos < *cap)) continue;
        const char *msg = zs.msg;
        int input_done = zs.avail_in == 0 && in_pos == src_len;
        inflateEnd(&zs);
        if (ret == Z_BUF_ERROR && input_done) return TIDE_FAIL("%s: %s: truncated compressed data", op, what);
        if (ret == Z_BUF_ERROR)
            return TIDE_FAIL("%s: %s: inflates to more than the expected %lld bytes", op, what, (long long)*cap);
        if (ret == Z_MEM_ERROR) return tide_fail(TIDE_ENOMEM, "%s: %s: out of memory", op, what);
        return TIDE_FAIL("%s: %s: corrupt compressed data (%s)", op, what, msg ? msg : "zlib error");
    }
    inflateEnd(&zs);
    return out_pos;
}

int tide_inflate(const void *src, int64_t src_len, void *dst, int64_t dst_len, int format, const char *op) {
    op = OPNAME(op, "inflate");
    if (!window_bits(format)) return TIDE_FAIL("%s: unknown format %d", op, format);
    if (src_len < 0 || dst_len < 0 || (!src && src_len) || (!dst && dst_len))
        return TIDE_FAIL("%s: invalid buffers", op);
    unsigned char *d = dst;
    int64_t cap = dst_len;
    int64_t got = inflate_into(src, src_len, &d, &cap, 0, 0, format, op, "stream");
    if (got < 0) return -1;
    if (got != dst_len)
        return TIDE_FAIL("%s: stream: inflates to %lld bytes, expected %lld", op, (long long)got, (long long)dst_len);
    return 0;
}

tide_tensor *tide_deflate(const void *src, int64_t src_len, int format, int level) {
    if (format != TIDE_ZLIB_RAW && format != TIDE_ZLIB_ZLIB && format != TIDE_ZLIB_GZIP) {
        TIDE_FAIL("deflate: format must be raw (0), zlib (1) or gzip (2), got %d", format);
        return NULL;
    }
    if (level < -1 || level > 9 || src_len < 0 || (!src && src_len)) {
        TIDE_FAIL("deflate: invalid level %d or buffer", level);
        return NULL;
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, window_bits(format), 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        tide_fail(TIDE_ENOMEM, "deflate: out of memory");
        return NULL;
    }
    /* one bound for the whole input (deflateBound takes uLong: 64-bit here) */
    int64_t cap = (int64_t)deflateBound(&zs, (uLong)src_len) + 64;
    unsigned char *buf = malloc((size_t)cap);
    if (!buf) {
        deflateEnd(&zs);
        tide_fail(TIDE_ENOMEM, "deflate: out of memory");
        return NULL;
    }
    int64_t in_pos = 0, out_pos = 0;
    int ret;
    do {
        if (zs.avail_in == 0 && in_pos < src_len) {
            int64_t k = src_len - in_pos > IO_CHUNK ? IO_CHUNK : src_len - in_pos;
            zs.next_in = (unsigned char *)src + in_pos, zs.avail_in = (uInt)k, in_pos += k;
        }
        int64_t room = cap - out_pos > IO_CHUNK ? IO_CHUNK : cap - out_pos;
        zs.next_out = buf + out_pos, zs.avail_out = (uInt)room;
        ret = deflate(&zs, in_pos == src_len && zs.avail_in == 0 ? Z_FINISH : Z_NO_FLUSH);
        out_pos += room - zs.avail_out;
    } while (ret == Z_OK || (ret == Z_BUF_ERROR && out_pos < cap));
    deflateEnd(&zs);
    tide_tensor *t = NULL;
    if (ret != Z_STREAM_END)
        TIDE_FAIL("deflate: zlib error %d", ret);
    else if ((t = tide_alloc("deflate", 1, &out_pos, TIDE_UINT8)))
        memcpy(tide_tensor_data_ptr(t), buf, (size_t)out_pos);
    free(buf);
    return t;
}

tide_tensor *tide_file_read_gunzip(const char *path, int64_t max_bytes, const char *op) {
    op = OPNAME(op, "read_gzip");
    tide_tensor *raw = tide_file_read(path, 0, op);
    if (!raw) return NULL;
    const unsigned char *p = tide_tensor_data_ptr(raw);
    int64_t n = raw->numel;
    if (n < 2 || p[0] != 0x1f || p[1] != 0x8b) { /* not gzipped: the file as it is */
        if (max_bytes > 0 && n > max_bytes) {
            TIDE_FAIL("%s: %s: file has %lld bytes, more than the limit of %lld", op, path, (long long)n,
                      (long long)max_bytes);
            tide_tensor_free(raw);
            return NULL;
        }
        return raw;
    }
    /* the gzip trailer holds the (last member's) size mod 2^32: a good first guess */
    int64_t cap = n >= 18 ? (int64_t)((uint32_t)p[n - 4] | (uint32_t)p[n - 3] << 8 | (uint32_t)p[n - 2] << 16 |
                                      (uint32_t)p[n - 1] << 24) + 1
                          : 0;
    if (cap > 1032 * n + 1) cap = 1032 * n + 1; /* a corrupt trailer: deflate cannot expand more */
    if (max_bytes > 0 && cap > max_bytes) cap = max_bytes;
    unsigned char *buf = cap > 0 ? malloc((size_t)cap) : NULL;
    if (!buf) cap = 0;
    int64_t got = inflate_into(p, n, &buf, &cap, 1, max_bytes, TIDE_ZLIB_GZIP, op, path);
    tide_tensor_free(raw);
    tide_tensor *t = NULL;
    if (got >= 0 && (t = tide_alloc(op, 1, &got, TIDE_UINT8))) memcpy(tide_tensor_data_ptr(t), buf, (size_t)got);
    free(buf);
    return t;
}

uint32_t tide_crc32(uint32_t crc, const void *data, int64_t n) {
    const unsigned char *p = data;
    while (n > 0) {
        int64_t k = n > IO_CHUNK ? IO_CHUNK : n;
        crc = (uint32_t)crc32(crc, p, (uInt)k);
        p += k, n -= k;
    }
    return crc;
}

/* ---------------------------------------------------------------- zip (read only) */

typedef struct zip_entry {
    char *name;
    int64_t csize, usize, local_offset;
    uint32_t crc;
    int method, flags;
} zip_entry;

struct tide_zip {
    char *path;
    char op[48];
    int64_t n, cd_offset, file_size;
    zip_entry *e;
};

static uint32_t le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const unsigned char *p) { return le16(p) | le16(p + 2) << 16; }
static uint64_t le64(const unsigned char *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

void tide_zip_close(tide_zip *z) {
    if (!z) return;
    for (int64_t i = 0; i < z->n; i++) free(z->e[i].name);
    free(z->e);
    free(z->path);
    free(z);
}

#define ZIP_FAIL(...) (TIDE_FAIL(__VA_ARGS__), tide_zip_close(z), (tide_zip *)NULL)

/* One central-directory record at cd[pos..]; returns its length or -1. */
static int64_t zip_parse_entry(tide_zip *z, const unsigned char *cd, int64_t cd_len, int64_t pos, zip_entry *e) {
    const char *op = z->op, *path = z->path;
    if (cd_len - pos < 46 || le32(cd + pos) != 0x02014b50)
        return TIDE_FAIL("%s: %s: corrupt zip central directory (bad record at offset %lld)", op, path, (long long)pos);
    const unsigned char *r = cd + pos;
    int64_t nlen = le16(r + 28), xlen = le16(r + 30), clen = le16(r + 32);
    if (46 + nlen + xlen + clen > cd_len - pos)
        return TIDE_FAIL("%s: %s: corrupt zip central directory (record overruns it)", op, path);
    e->flags = (int)le16(r + 8), e->method = (int)le16(r + 10);
    e->crc = le32(r + 16);
    e->csize = le32(r + 20), e->usize = le32(r + 24), e->local_offset = le32(r + 42);
    if (memchr(r + 46, 0, (size_t)nlen)) return TIDE_FAIL("%s: %s: corrupt zip member name", op, path);
    /* zip64: the extra field holds 64-bit values for the fields set to 0xFFFFFFFF, in this order */
    int need_u = e->usize == 0xFFFFFFFF, need_c = e->csize == 0xFFFFFFFF, need_o = e->local_offset == 0xFFFFFFFF;
    const unsigned char *x = r + 46 + nlen, *xend = x + xlen;
    while (xend - x >= 4) {
        uint32_t id = le16(x), sz = le16(x + 2);
        if (sz > (uint32_t)(xend - x - 4)) return TIDE_FAIL("%s: %s: corrupt zip extra field", op, path);
        if (id == 0x0001) {
            const unsigned char *v = x + 4, *vend = v + sz;
            if (need_u) { if (vend - v < 8) goto bad64; e->usize = (int64_t)le64(v), v += 8, need_u = 0; }
            if (need_c) { if (vend - v < 8) goto bad64; e->csize = (int64_t)le64(v), v += 8, need_c = 0; }
            if (need_o) { if (vend - v < 8) goto bad64; e->local_offset = (int64_t)le64(v), v += 8, need_o = 0; }
        }
        x += 4 + sz;
    }
    if (need_u || need_c || need_o) goto bad64;
    if (e->usize < 0 || e->csize < 0 || e->local_offset < 0 || e->local_offset >= z->cd_offset)
        return TIDE_FAIL("%s: %s: corrupt zip central directory (sizes or offsets out of range)", op, path);
    if (!(e->name = malloc((size_t)nlen + 1))) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    memcpy(e->name, r + 46, (size_t)nlen);
    e->name[nlen] = 0;
    return 46 + nlen + xlen + clen;
bad64:
    return TIDE_FAIL("%s: %s: corrupt zip64 extra field", op, path);
}

tide_zip *tide_zip_open(const char *path, const char *op) {
    op = OPNAME(op, "zip_open");
    tide_zip *z = calloc(1, sizeof *z);
    if (!z || !path || !(z->path = strdup(path))) {
        free(z);
        TIDE_FAIL("%s: expected a file path", op);
        return NULL;
    }
    snprintf(z->op, sizeof z->op, "%s", op);
    int64_t size;
    int fd = open_regular(path, op, &size);
    if (fd < 0) return tide_zip_close(z), NULL;
    z->file_size = size;
    /* the end-of-central-directory record: the last 22 bytes plus a comment of up to 65535 */
    int64_t tail_len = size < 22 + 65535 + 20 ? size : 22 + 65535 + 20;
    unsigned char *tail = malloc((size_t)tail_len + 1);
    if (!tail) {
        close(fd);
        return ZIP_FAIL("%s: out of memory", op);
    }
    if (tail_len < 22 || read_range_fd(fd, size, path, size - tail_len, tail_len, tail, op) != 0) {
        if (tail_len < 22) TIDE_FAIL("%s: %s: not a zip file (only %lld bytes)", op, path, (long long)size);
        free(tail), close(fd);
        return tide_zip_close(z), NULL;
    }
    int64_t eocd = -1;
    for (int64_t i = tail_len - 22; i >= 0; i--)
        if (le32(tail + i) == 0x06054b50 && i + 22 + (int64_t)le16(tail + i + 20) <= tail_len) {
            eocd = i;
            break;
        }
    if (eocd < 0) {
        free(tail), close(fd);
        return ZIP_FAIL("%s: %s: not a zip file (no end of central directory record; truncated?)", op, path);
    }
    const unsigned char *r = tail + eocd;
    int64_t eocd_at = size - tail_len + eocd;
    int64_t n = le16(r + 10), cd_size = le32(r + 12), cd_off = le32(r + 16);
    int64_t limit = eocd_at; /* the central directory ends before this */
    if (le16(r + 4) != 0 || le16(r + 6) != 0 || le16(r + 8) != le16(r + 10)) {
        free(tail), close(fd);
        return ZIP_FAIL("%s: %s: multi-part zip archives are not supported", op, path);
    }
    if (n == 0xFFFF || cd_size == 0xFFFFFFFF || cd_off == 0xFFFFFFFF) { /* zip64 */
        unsigned char loc[20], z64[56];
        if (eocd_at < 20 || read_range_fd(fd, size, path, eocd_at - 20, 20, loc, op) != 0 || le32(loc) != 0x07064b50) {
            free(tail), close(fd);
            return ZIP_FAIL("%s: %s: corrupt zip64 archive (no locator)", op, path);
        }
        int64_t at = (int64_t)le64(loc + 8);
        if (at < 0 || at > eocd_at - 20 - 56 || read_range_fd(fd, size, path, at, 56, z64, op) != 0 ||
            le32(z64) != 0x06064b50) {
            free(tail), close(fd);
            return ZIP_FAIL("%s: %s: corrupt zip64 end of central directory", op, path);
        }
        n = (int64_t)le64(z64 + 32), cd_size = (int64_t)le64(z64 + 40), cd_off = (int64_t)le64(z64 + 48);
        limit = at;
    }
    free(tail);
    if (n < 0 || cd_size < 0 || cd_off < 0 || cd_off > limit || cd_size > limit - cd_off || n > cd_size / 46 + 1) {
        close(fd);
        return ZIP_FAIL("%s: %s: corrupt zip archive (central directory at %lld, %lld bytes, %lld entries does not fit "
                        "a %lld-byte file)", op, path, (long long)cd_off, (long long)cd_size, (long long)n,
                        (long long)size);
    }
    z->cd_offset = cd_off;
    unsigned char *cd = malloc((size_t)cd_size + 1);
    z->e = calloc((size_t)n + 1, sizeof *z->e);
    if (!cd || !z->e) {
        free(cd), close(fd);
        return ZIP_FAIL("%s: out of memory", op);
    }
    int st = read_range_fd(fd, size, path, cd_off, cd_size, cd, op);
    close(fd);
    if (st != 0) {
        free(cd);
        return tide_zip_close(z), NULL;
    }
    int64_t pos = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t len = zip_parse_entry(z, cd, cd_size, pos, &z->e[i]);
        if (len < 0) {
            free(cd);
            return tide_zip_close(z), NULL;
        }
        z->n = i + 1, pos += len;
    }
    free(cd);
    return z;
}

int64_t tide_zip_count(const tide_zip *z) { return z ? z->n : 0; }
const char *tide_zip_name(const tide_zip *z, int64_t i) { return z && i >= 0 && i < z->n ? z->e[i].name : NULL; }
int64_t tide_zip_member_size(const tide_zip *z, int64_t i) { return z && i >= 0 && i < z->n ? z->e[i].usize : -1; }

tide_tensor *tide_zip_read(const tide_zip *z, int64_t i) {
    if (!z || i < 0 || i >= z->n) {
        TIDE_FAIL("zip_read: member %lld out of range", (long long)i);
        return NULL;
    }
    const zip_entry *e = &z->e[i];
    const char *op = z->op, *path = z->path;
    char what[600];
    snprintf(what, sizeof what, "%s: member %s", path, e->name);
    if (e->flags & 1) {
        TIDE_FAIL("%s: %s: encrypted members are not supported", op, what);
        return NULL;
    }
    if (e->method != 0 && e->method != 8) {
        TIDE_FAIL("%s: %s: compression method %d is not supported (only stored and deflated)", op, what, e->method);
        return NULL;
    }
    if ((e->method == 0 && e->csize != e->usize) || (e->method == 8 && e->usize / 1032 > e->csize + 1)) {
        TIDE_FAIL("%s: %s: corrupt sizes (%lld bytes compressed, %lld uncompressed)", op, what, (long long)e->csize,
                  (long long)e->usize);
        return NULL;
    }
    unsigned char lh[30];
    if (tide_file_read_range(path, e->local_offset, 30, lh, op) != 0) return NULL;
    if (le32(lh) != 0x04034b50) {
        TIDE_FAIL("%s: %s: corrupt zip archive (bad local header at offset %lld)", op, what, (long long)e->local_offset);
        return NULL;
    }
    int64_t data_at = e->local_offset + 30 + le16(lh + 26) + le16(lh + 28);
    if (data_at > z->cd_offset || e->csize > z->cd_offset - data_at) {
        TIDE_FAIL("%s: %s: corrupt zip archive (data at %lld, %lld bytes, runs into the central directory at %lld)", op,
                  what, (long long)data_at, (long long)e->csize, (long long)z->cd_offset);
        return NULL;
    }
    int64_t usize = e->usize;
    tide_tensor *t = tide_alloc(op, 1, &usize, TIDE_UINT8);
    if (!t) return NULL;
    unsigned char *out = tide_tensor_data_ptr(t);
    int st;
    if (e->method == 0) {
        st = tide_file_read_range(path, data_at, e->csize, out, op);
    } else {
        unsigned char *comp = malloc((size_t)e->csize + 1);
        if (!comp) {
            tide_tensor_free(t);
            tide_fail(TIDE_ENOMEM, "%s: %s: out of memory", op, what);
            return NULL;
        }
        st = tide_file_read_range(path, data_at, e->csize, comp, op);
        if (st == 0) {
            unsigned char *o = out;
            int64_t cap = usize;
            int64_t got = inflate_into(comp, e->csize, &o, &cap, 0, 0, TIDE_ZLIB_RAW, op, what);
            if (got >= 0 && got != usize)
                got = TIDE_FAIL("%s: %s: inflates to %lld bytes, the directory says %lld", op, what, (long long)got,
                                (long long)usize);
            st = got < 0 ? -1 : 0;
        }
        free(comp);
    }
    if (st == 0 && tide_crc32(0, out, usize) != e->crc)
        st = TIDE_FAIL("%s: %s: CRC-32 mismatch (corrupt data)", op, what);
    if (st != 0) {
        tide_tensor_free(t);
        return NULL;
    }
    return t;
}

/* ---------------------------------------------------------------- raw elements */

static const int raw_sizes[TIDE_RAW_NTYPES] = {4, 8, 4, 8, 1, 1, 1, 2, 2, 4, 2, 2};
static const char *raw_names[TIDE_RAW_NTYPES] = {"F32", "F64", "I32", "I64", "U8", "BOOL",
                                                 "I8",  "I16", "U16", "U32", "F16", "BF16"};
/* raw type -> the dtype with the same bytes (-1: none) */
static const int raw_native[TIDE_RAW_NTYPES] = {TIDE_FLOAT32, TIDE_FLOAT64, TIDE_INT32, TIDE_INT64,
                                                TIDE_UINT8,   TIDE_BOOL,    -1, -1, -1, -1, -1, -1};

int tide_raw_size(int raw) { return raw >= 0 && raw < TIDE_RAW_NTYPES ? raw_sizes[raw] : -1; }

/* Conversions that keep every value: bit d of allowed[raw] set for dtype d. */
#define D(x) (1 << (x))
static const int raw_allowed[TIDE_RAW_NTYPES] = {
    D(TIDE_FLOAT32) | D(TIDE_FLOAT64),                                                  /* F32 */
    D(TIDE_FLOAT64),                                                                    /* F64 */
    D(TIDE_INT32) | D(TIDE_INT64) | D(TIDE_FLOAT64),                                    /* I32 */
    D(TIDE_INT64),                                                                      /* I64 */
    D(TIDE_UINT8) | D(TIDE_INT32) | D(TIDE_INT64) | D(TIDE_FLOAT32) | D(TIDE_FLOAT64), /* U8 */
    D(TIDE_BOOL),                                                                       /* BOOL */
    D(TIDE_INT32) | D(TIDE_INT64) | D(TIDE_FLOAT32) | D(TIDE_FLOAT64),                  /* I8 */
    D(TIDE_INT32) | D(TIDE_INT64) | D(TIDE_FLOAT32) | D(TIDE_FLOAT64),                  /* I16 */
    D(TIDE_INT32) | D(TIDE_INT64) | D(TIDE_FLOAT32) | D(TIDE_FLOAT64),                  /* U16 */
    D(TIDE_INT64) | D(TIDE_FLOAT64),                                                    /* U32 */
    D(TIDE_FLOAT32) | D(TIDE_FLOAT64),                                                  /* F16 */
    D(TIDE_FLOAT32) | D(TIDE_FLOAT64),                                                  /* BF16 */
};
#undef D

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff, bits;
    if (e == 0) { /* zero or subnormal: m * 2^-24 */
        float f = (float)m * 0x1p-24f;
        return sign ? -f : f;
    }
    bits = e == 31 ? sign | 0x7f800000u | m << 13 : sign | (e + 112) << 23 | m << 13;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Load element i of raw type at src (byte-swapped when swap) as an integer or a float. */
static inline uint64_t load_bits(const unsigned char *p, int size, int swap) {
    uint64_t v = 0;
    if (!swap)
        for (int k = size - 1; k >= 0; k--) v = v << 8 | p[k];
    else
        for (int k = 0; k < size; k++) v = v << 8 | p[k];
    return v;
}

/* Convert n elements at src into dst (element index starts at dst_index) of dtype. */
static void decode_elements(const unsigned char *src, int64_t n, int raw, int swap, void *dst, int64_t dst_index,
                            int dtype) {
    int size = raw_sizes[raw];
    int is_float = raw == TIDE_RAW_F32 || raw == TIDE_RAW_F64 || raw == TIDE_RAW_F16 || raw == TIDE_RAW_BF16;
    for (int64_t i = 0; i < n; i++) {
        uint64_t b = load_bits(src + i * size, size, swap);
        double dv = 0;
        int64_t iv = 0;
        switch (raw) {
        case TIDE_RAW_F32: { uint32_t u = (uint32_t)b; float f; memcpy(&f, &u, 4); dv = f; break; }
        case TIDE_RAW_F64: memcpy(&dv, &b, 8); break;
        case TIDE_RAW_F16: dv = half_to_float((uint16_t)b); break;
        case TIDE_RAW_BF16: { uint32_t u = (uint32_t)b << 16; float f; memcpy(&f, &u, 4); dv = f; break; }
        case TIDE_RAW_I32: iv = (int32_t)(uint32_t)b; break;
        case TIDE_RAW_I64: iv = (int64_t)b; break;
        case TIDE_RAW_I8: iv = (int8_t)(uint8_t)b; break;
        case TIDE_RAW_I16: iv = (int16_t)(uint16_t)b; break;
        case TIDE_RAW_BOOL: iv = b != 0; break;
        default: iv = (int64_t)b; /* U8, U16, U32 */
        }
        int64_t j = dst_index + i;
        switch (dtype) {
        case TIDE_FLOAT32: ((float *)dst)[j] = is_float ? (float)dv : (float)iv; break;
        case TIDE_FLOAT64: ((double *)dst)[j] = is_float ? dv : (double)iv; break;
        case TIDE_INT32: ((int32_t *)dst)[j] = (int32_t)iv; break;
        case TIDE_INT64: ((int64_t *)dst)[j] = iv; break;
        case TIDE_UINT8: ((uint8_t *)dst)[j] = (uint8_t)iv; break;
        case TIDE_BOOL: ((uint8_t *)dst)[j] = iv != 0; break; /* bytes of a C bool: 0 / 1 */
        }
    }
}

/* In place on data already holding the raw bytes of the native dtype: swap and / or normalise bools. */
static void fix_native(void *data, int64_t n, int raw, int swap) {
    unsigned char *p = data;
    int size = raw_sizes[raw];
    if (raw == TIDE_RAW_BOOL) {
        for (int64_t i = 0; i < n; i++) p[i] = p[i] != 0;
        return;
    }
    if (!swap || size == 1) return;
    for (int64_t i = 0; i < n; i++, p += size)
        for (int a = 0, b = size - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b], p[b] = t;
        }
}

static int check_raw_dst(const tide_tensor *dst, int raw, const char *op) {
    if (raw < 0 || raw >= TIDE_RAW_NTYPES) return TIDE_FAIL("%s: unknown raw element type %d", op, raw);
    if (!dst) return TIDE_FAIL("%s: expected a destination tensor", op);
    if (!tide_tensor_is_contiguous(dst)) return TIDE_FAIL("%s: the destination tensor must be contiguous", op);
    if (!(raw_allowed[raw] >> dst->dtype & 1))
        return TIDE_FAIL("%s: cannot read %s elements into a %s tensor without changing values", op, raw_names[raw],
                         tide_dtype_name(dst->dtype));
    return 0;
}

int tide_bytes_read_raw(const tide_tensor *bytes, int64_t offset, tide_tensor *dst, int raw, int big_endian,
                        const char *op) {
    op = OPNAME(op, "read_raw");
    if (check_raw_dst(dst, raw, op) != 0) return -1;
    if (!bytes || bytes->dtype != TIDE_UINT8 || !tide_tensor_is_contiguous(bytes))
        return TIDE_FAIL("%s: the source must be a contiguous uint8 tensor", op);
    int64_t n = dst->numel, need = n * raw_sizes[raw];
    if (offset < 0 || offset > bytes->numel || need > bytes->numel - offset)
        return TIDE_FAIL("%s: truncated data: %lld elements of %s need %lld bytes at offset %lld, but only %lld bytes "
                         "are there", op, (long long)n, raw_names[raw], (long long)need, (long long)offset,
                         (long long)(bytes->numel - offset > 0 ? bytes->numel - offset : 0));
    const unsigned char *src = (const unsigned char *)tide_tensor_data_ptr(bytes) + offset;
    void *out = tide_tensor_data_ptr(dst);
    if (raw_native[raw] == dst->dtype) {
        if (need) memcpy(out, src, (size_t)need);
        fix_native(out, n, raw, big_endian);
    } else
        decode_elements(src, n, raw, big_endian, out, 0, dst->dtype);
    return 0;
}

int tide_file_read_raw(const char *path, int64_t offset, tide_tensor *dst, int raw, int big_endian, const char *op) {
    op = OPNAME(op, "read_raw");
    if (check_raw_dst(dst, raw, op) != 0) return -1;
    int64_t size;
    int fd = open_regular(path, op, &size);
    if (fd < 0) return -1;
    int64_t n = dst->numel, need = n * raw_sizes[raw];
    void *out = tide_tensor_data_ptr(dst);
    int st = 0;
    if (raw_native[raw] == dst->dtype) { /* straight into the tensor's memory */
        st = read_range_fd(fd, size, path, offset, need, out, op);
        if (st == 0) fix_native(out, n, raw, big_endian);
    } else if (offset < 0 || offset > size || need > size - offset) {
        st = read_range_fd(fd, size, path, offset, need, NULL, op); /* the truncation message */
    } else {
        enum { STAGE = 1 << 16 };
        unsigned char *buf = malloc((size_t)STAGE * 8);
        if (!buf) st = tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        for (int64_t done = 0; st == 0 && done < n;) {
            int64_t k = n - done < STAGE ? n - done : STAGE;
            st = read_range_fd(fd, size, path, offset + done * raw_sizes[raw], k * raw_sizes[raw], buf, op);
            if (st == 0) decode_elements(buf, k, raw, big_endian, out, done, dst->dtype);
            done += k;
        }
        free(buf);
    }
    close(fd);
    return st;
}
