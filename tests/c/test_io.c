/* test_io.c — core/io_file.c and core/io_png.c through the public C API: atomic writes (and a
 * write that fails half-way, through RLIMIT_FSIZE, leaving the old file and no temp file), reads
 * with size checks, zlib round trips and corrupt streams, the zip reader on NumPy's .npz files
 * (every truncation, every flipped byte), raw element decoding (F16, BF16, big endian, bools),
 * PNG round trips of every layout and dtype, every truncation and byte flip of a PNG (an error,
 * never a crash: run it under the sanitizer build), and decoding on several threads at once. */
#include "check.h"
#include "tide/io.h"
#include "tide/tensor.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static const char *tmp_path(const char *name) {
    static char buf[4][512];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, 512, "%s/%s", dir, name);
    return b;
}

static int has_error(const char *needle) {
    const char *m = tide_last_error();
    int ok = strstr(m, needle) != NULL;
    if (!ok) fprintf(stderr, "  message '%s' lacks '%s'\n", m, needle);
    tide_clear_error();
    return ok;
}

static int write_bytes(const char *path, const void *data, int64_t n) {
    const void *bufs[1] = {data};
    int64_t lens[1] = {n};
    return tide_file_write(path, 1, bufs, lens, "test");
}

/* A plain (not atomic, no fsync) write for the fuzz loops. */
static void put_file(const char *path, const void *data, int64_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    if (n > 0) fwrite(data, 1, (size_t)n, f);
    fclose(f);
}

/* Files in dir whose name contains needle. */
static int count_files(const char *needle) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, needle)) n++;
    if (d) closedir(d);
    return n;
}

/* ---------------------------------------------------------------- files */

static void test_atomic_write(void) {
    const char *p = tmp_path("a.bin");
    const void *bufs[3] = {"head", "", "tail!"};
    int64_t lens[3] = {4, 0, 5};
    CHECK(tide_file_write(p, 3, bufs, lens, "test") == 0);
    CHECK(tide_file_size(p, NULL) == 9);
    char got[16] = {0};
    CHECK(tide_file_read_range(p, 0, 9, got, NULL) == 0 && memcmp(got, "headtail!", 9) == 0);
    CHECK(tide_file_read_range(p, 4, 5, got, NULL) == 0 && memcmp(got, "tail!", 5) == 0);
    /* overwrite */
    CHECK(write_bytes(p, "new", 3) == 0 && tide_file_size(p, NULL) == 3);
    CHECK(count_files(".tmp-") == 0);
    /* permissions follow the umask like any new file (not mkstemp's 0600) */
    struct stat st;
    mode_t um = umask(0);
    umask(um);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == (0666 & ~um));

    /* a write that fails half-way (the file size limit, as a full disk would): the old file stays,
     * and the temp file is gone */
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 1000;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    static char big[5000];
    memset(big, 'x', sizeof big);
    int st_big = write_bytes(p, big, sizeof big);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    CHECK(st_big == -1 && has_error("write failed after"));
    CHECK(tide_file_size(p, NULL) == 3);
    memset(got, 0, sizeof got);
    CHECK(tide_file_read_range(p, 0, 3, got, NULL) == 0 && memcmp(got, "new", 3) == 0);
    CHECK(count_files(".tmp-") == 0);

    /* unwritable places */
    CHECK(write_bytes(tmp_path("no/such/folder/x.bin"), "x", 1) == -1 && has_error("cannot create a file in folder"));
    CHECK(write_bytes(tmp_path("a.bin/x.bin"), "x", 1) == -1 && has_error("Not a directory"));
    CHECK(mkdir(tmp_path("sub"), 0755) == 0);
    CHECK(write_bytes(tmp_path("sub"), "x", 1) == -1 && has_error("cannot replace the file"));
    CHECK(write_bytes(tmp_path("sub/"), "x", 1) == -1 && has_error("is a folder name"));
    char longname[250];
    memset(longname, 'n', 240);
    longname[240] = 0;
    CHECK(write_bytes(tmp_path(longname), "long", 4) == 0 && tide_file_size(tmp_path(longname), NULL) == 4);
    CHECK(count_files(".tmp-") == 0);
    CHECK(tide_file_write("", 0, NULL, NULL, "test") == -1 && has_error("expected a file path"));
    int64_t neg = -1;
    const void *nb[1] = {"x"};
    CHECK(tide_file_write(p, 1, nb, &neg, "test") == -1 && has_error("invalid"));
}

static void test_reads(void) {
    const char *p = tmp_path("r.bin");
    write_bytes(p, "0123456789", 10);
    char buf[32];
    CHECK(tide_file_read_range(p, 5, 6, buf, "load_x") == -1 && has_error("load_x: "));
    CHECK(tide_file_read_range(p, 11, 0, buf, NULL) == -1 && has_error("truncated"));
    CHECK(tide_file_read_range(p, 10, 0, buf, NULL) == 0);
    CHECK(tide_file_read_range(p, -1, 2, buf, NULL) == -1 && has_error("negative"));
    CHECK(tide_file_size(tmp_path("missing.bin"), "load_y") == -1 && has_error("load_y: ") );
    CHECK(tide_file_size(tmp_path("missing.bin"), NULL) == -1 && has_error("no such file"));
    CHECK(tide_file_size(dir, NULL) == -1 && has_error("is a folder"));
    tide_tensor *t = tide_file_read(p, 0, NULL);
    CHECK(t && t->numel == 10 && t->dtype == TIDE_UINT8 && memcmp(tide_tensor_data_ptr(t), "0123456789", 10) == 0);
    tide_tensor_free(t);
    CHECK(tide_file_read(p, 5, NULL) == NULL && has_error("more than the limit"));
}

/* ---------------------------------------------------------------- zlib */

static void test_zlib(void) {
    enum { N = 100000 };
    unsigned char *src = malloc(N), *dst = malloc(N + 10);
    for (int i = 0; i < N; i++) src[i] = (unsigned char)((i * 7) % 251 ^ (i >> 9));
    for (int fmt = TIDE_ZLIB_RAW; fmt <= TIDE_ZLIB_GZIP; fmt++) {
        tide_tensor *z = tide_deflate(src, N, fmt, 6);
        CHECK(z != NULL);
        if (!z) continue;
        const unsigned char *zp = tide_tensor_data_ptr(z);
        int64_t zn = z->numel;
        memset(dst, 0, N);
        CHECK(tide_inflate(zp, zn, dst, N, fmt, NULL) == 0 && memcmp(src, dst, N) == 0);
        if (fmt != TIDE_ZLIB_RAW) CHECK(tide_inflate(zp, zn, dst, N, TIDE_ZLIB_AUTO, NULL) == 0);
        CHECK(tide_inflate(zp, zn, dst, N - 1, fmt, NULL) == -1 && has_error("more than the expected"));
        CHECK(tide_inflate(zp, zn, dst, N + 10, fmt, NULL) == -1 && has_error("inflates to 100000 bytes"));
        /* every truncation is an error */
        int bad = 0;
        for (int64_t cut = 0; cut < zn; cut += (cut < 64 ? 1 : 97))
            if (tide_inflate(zp, cut, dst, N, fmt, NULL) == 0) bad++;
        tide_clear_error();
        CHECK(bad == 0);
        /* a flipped byte inside the compressed data never crashes; with a checksum (zlib, gzip) it is
         * always an error */
        int undetected = 0;
        unsigned char *copy = malloc(zn > 0 ? (size_t)zn : 1); /* the guard keeps GCC's size-range warning quiet */
        for (int64_t i = 0; i < zn; i += 13) {
            memcpy(copy, zp, (size_t)zn);
            copy[i] ^= 0x5a;
            if (tide_inflate(copy, zn, dst, N, fmt, NULL) == 0) undetected++;
        }
        tide_clear_error();
        if (fmt != TIDE_ZLIB_RAW) CHECK(undetected == 0);
        free(copy);
        tide_tensor_free(z);
    }
    /* concatenated gzip members, as `cat a.gz b.gz` makes; a file that is not gzipped is read as is */
    tide_tensor *a = tide_deflate("hello ", 6, TIDE_ZLIB_GZIP, 9), *b = tide_deflate("world", 5, TIDE_ZLIB_GZIP, 1);
    const void *bufs[2] = {tide_tensor_data_ptr(a), tide_tensor_data_ptr(b)};
    int64_t lens[2] = {a->numel, b->numel};
    CHECK(tide_file_write(tmp_path("hw.gz"), 2, bufs, lens, NULL) == 0);
    tide_tensor *g = tide_file_read_gunzip(tmp_path("hw.gz"), 0, NULL);
    CHECK(g && g->numel == 11 && memcmp(tide_tensor_data_ptr(g), "hello world", 11) == 0);
    tide_tensor_free(g);
    CHECK(tide_file_read_gunzip(tmp_path("hw.gz"), 8, NULL) == NULL && has_error("limit"));
    write_bytes(tmp_path("plain.txt"), "plain", 5);
    g = tide_file_read_gunzip(tmp_path("plain.txt"), 0, NULL);
    CHECK(g && g->numel == 5);
    tide_tensor_free(g);
    /* a truncated .gz file */
    CHECK(tide_file_write(tmp_path("cut.gz"), 1, bufs, (int64_t[]){a->numel - 3}, NULL) == 0);
    CHECK(tide_file_read_gunzip(tmp_path("cut.gz"), 0, "read_idx") == NULL && has_error("read_idx: "));
    CHECK(tide_crc32(0, "123456789", 9) == 0xCBF43926u);
    tide_tensor_free(a);
    tide_tensor_free(b);
    CHECK(tide_deflate(src, N, 7, 6) == NULL && has_error("format"));
    free(src);
    free(dst);
}

/* ---------------------------------------------------------------- zip */

static const char *fixture(const char *name) {
    static char buf[512];
    const char *root = getenv("TIDE_FIXTURES");
    snprintf(buf, sizeof buf, "%s/io/%s", root ? root : "tests/fixtures", name);
    return buf;
}

/* Open and read every member; 0 when all of it worked. */
static int read_all(const char *path, int64_t *members) {
    tide_zip *z = tide_zip_open(path, "load_npz");
    if (!z) return -1;
    int st = 0;
    for (int64_t i = 0; i < tide_zip_count(z) && st == 0; i++) {
        tide_tensor *t = tide_zip_read(z, i);
        if (!t) st = -1;
        else if (t->numel < 10 || memcmp(tide_tensor_data_ptr(t), "\x93NUMPY", 6) != 0) st = -2;
        tide_tensor_free(t);
    }
    if (members) *members = tide_zip_count(z);
    tide_zip_close(z);
    return st;
}

static void test_zip(void) {
    const char *names[3] = {"stored.npz", "deflated.npz", "zip64.npz"};
    for (int k = 0; k < 3; k++) {
        int64_t n = 0;
        CHECK(read_all(fixture(names[k]), &n) == 0 && n == 5);
    }
    tide_zip *z = tide_zip_open(fixture("deflated.npz"), NULL);
    int found = 0;
    for (int64_t i = 0; z && i < tide_zip_count(z); i++) found += strcmp(tide_zip_name(z, i), "weights.npy") == 0;
    CHECK(found == 1 && tide_zip_name(z, 99) == NULL && tide_zip_member_size(z, -1) == -1);
    CHECK(tide_zip_read(z, 5) == NULL && has_error("out of range"));
    tide_zip_close(z);
    CHECK(tide_zip_open(fixture("f4.npy"), "load_npz") == NULL && has_error("not a zip file"));
    CHECK(tide_zip_open(tmp_path("none.npz"), "load_npz") == NULL && has_error("no such file"));

    /* every truncation and every flipped byte of each archive: errors or (flips of unchecked
     * fields) success, never a crash; truncations always fail */
    for (int k = 0; k < 3; k++) {
        tide_tensor *whole = tide_file_read(fixture(names[k]), 0, NULL);
        const unsigned char *p = tide_tensor_data_ptr(whole);
        int64_t n = whole->numel;
        const char *cut = tmp_path("cut.npz");
        int cut_ok = 0, flips_ok = 0, flips = 0;
        for (int64_t len = 0; len < n; len++) {
            put_file(cut, p, len);
            if (read_all(cut, NULL) == 0) cut_ok++;
        }
        unsigned char *copy = malloc((size_t)n);
        for (int64_t i = 0; i < n; i++) {
            memcpy(copy, p, (size_t)n);
            copy[i] ^= 0xff;
            put_file(cut, copy, n);
            flips++;
            if (read_all(cut, NULL) == 0) flips_ok++;
        }
        tide_clear_error();
        free(copy);
        CHECK(cut_ok == 0);
        printf("  %s: %lld truncations all failed; %d of %d flipped bytes still read (unchecked fields)\n", names[k],
               (long long)n, flips_ok, flips);
        tide_tensor_free(whole);
    }
}

/* ---------------------------------------------------------------- raw elements */

static tide_tensor *bytes_tensor(const void *data, int64_t n) {
    tide_tensor *t = tide_tensor_empty(1, &n, TIDE_UINT8);
    memcpy(tide_tensor_data_ptr(t), data, (size_t)n);
    return t;
}

static void test_raw(void) {
    /* F16: 1, -2, 65504, smallest subnormal, -0, inf, NaN */
    const uint16_t h[7] = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0x7E00};
    tide_tensor *b = bytes_tensor(h, sizeof h);
    int64_t n = 7;
    tide_tensor *f = tide_tensor_empty(1, &n, TIDE_FLOAT32);
    CHECK(tide_bytes_read_raw(b, 0, f, TIDE_RAW_F16, 0, NULL) == 0);
    const float *fv = tide_tensor_data_ptr(f);
    CHECK(fv[0] == 1 && fv[1] == -2 && fv[2] == 65504 && fv[3] == 0x1p-24f && fv[4] == 0 && signbit(fv[4]) &&
          isinf(fv[5]) && isnan(fv[6]));
    tide_tensor_free(f);
    tide_tensor_free(b);
    /* BF16 -> float64; big-endian I32 -> int64; bool bytes */
    const uint16_t bf[2] = {0x3F80, 0xC049}; /* 1.0, -3.140625 */
    b = bytes_tensor(bf, 4);
    n = 2;
    tide_tensor *d = tide_tensor_empty(1, &n, TIDE_FLOAT64);
    CHECK(tide_bytes_read_raw(b, 0, d, TIDE_RAW_BF16, 0, NULL) == 0);
    CHECK(((double *)tide_tensor_data_ptr(d))[0] == 1 && ((double *)tide_tensor_data_ptr(d))[1] == -3.140625);
    tide_tensor_free(d);
    tide_tensor_free(b);
    const unsigned char be[8] = {0xFF, 0xFF, 0xFF, 0xFE, 0x00, 0x01, 0x00, 0x00};
    b = bytes_tensor(be, 8);
    tide_tensor *l = tide_tensor_empty(1, &n, TIDE_INT64), *i32 = tide_tensor_empty(1, &n, TIDE_INT32);
    CHECK(tide_bytes_read_raw(b, 0, l, TIDE_RAW_I32, 1, NULL) == 0);
    CHECK(((int64_t *)tide_tensor_data_ptr(l))[0] == -2 && ((int64_t *)tide_tensor_data_ptr(l))[1] == 65536);
    CHECK(tide_bytes_read_raw(b, 0, i32, TIDE_RAW_I32, 1, NULL) == 0);
    CHECK(((int32_t *)tide_tensor_data_ptr(i32))[0] == -2 && ((int32_t *)tide_tensor_data_ptr(i32))[1] == 65536);
    /* lossy or unknown conversions are refused; short data is an error */
    CHECK(tide_bytes_read_raw(b, 0, i32, TIDE_RAW_I64, 0, "load_npy") == -1 && has_error("without changing values"));
    CHECK(tide_bytes_read_raw(b, 0, i32, 99, 0, NULL) == -1 && has_error("unknown raw"));
    CHECK(tide_bytes_read_raw(b, 4, i32, TIDE_RAW_I32, 0, NULL) == -1 && has_error("truncated"));
    CHECK(tide_bytes_read_raw(b, -1, i32, TIDE_RAW_U8, 0, NULL) == -1 && has_error("truncated"));
    tide_tensor_free(l);
    tide_tensor_free(i32);
    tide_tensor_free(b);
    const unsigned char bools[3] = {0, 7, 1};
    b = bytes_tensor(bools, 3);
    n = 3;
    tide_tensor *bo = tide_tensor_empty(1, &n, TIDE_BOOL);
    CHECK(tide_bytes_read_raw(b, 0, bo, TIDE_RAW_BOOL, 0, NULL) == 0);
    const unsigned char *bv = tide_tensor_data_ptr(bo);
    CHECK(bv[0] == 0 && bv[1] == 1 && bv[2] == 1);
    /* the same from a file, at an offset, converting (U16 -> int32, big endian) and not */
    const unsigned char file[9] = {'x', 0x12, 0x34, 0xFF, 0xFF, 0x00, 0x02, 0, 0};
    write_bytes(tmp_path("raw.bin"), file, 9);
    tide_tensor *w = tide_tensor_empty(1, &n, TIDE_INT32);
    CHECK(tide_file_read_raw(tmp_path("raw.bin"), 1, w, TIDE_RAW_U16, 1, NULL) == 0);
    const int32_t *wv = tide_tensor_data_ptr(w);
    CHECK(wv[0] == 0x1234 && wv[1] == 65535 && wv[2] == 2);
    CHECK(tide_file_read_raw(tmp_path("raw.bin"), 4, w, TIDE_RAW_U16, 1, "load_npy") == -1 && has_error("truncated"));
    CHECK(tide_file_read_raw(tmp_path("raw.bin"), 0, bo, TIDE_RAW_BOOL, 0, NULL) == 0 && bv[0] == 1 && bv[1] == 1);
    tide_tensor_free(w);
    tide_tensor_free(bo);
    tide_tensor_free(b);
    CHECK(tide_raw_size(TIDE_RAW_F64) == 8 && tide_raw_size(TIDE_RAW_BF16) == 2 && tide_raw_size(-1) == -1);
}

/* ---------------------------------------------------------------- PNG */

static tide_tensor *image(int64_t h, int64_t w, int64_t c, int dtype, int seed) {
    int64_t shape[3] = {h, w, c};
    tide_tensor *t = tide_tensor_empty(c ? 3 : 2, shape, dtype);
    int64_t n = t->numel;
    for (int64_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)(i * 2654435761u + (uint32_t)seed * 40503u);
        switch (dtype) {
        case TIDE_UINT8: ((uint8_t *)tide_tensor_data_ptr(t))[i] = (uint8_t)(v >> 13); break;
        case TIDE_INT32: ((int32_t *)tide_tensor_data_ptr(t))[i] = (int32_t)(v >> 16); break;
        case TIDE_FLOAT32: ((float *)tide_tensor_data_ptr(t))[i] = (float)((v >> 13) & 255) / 255.0f; break;
        }
    }
    return t;
}

static int same_bytes(const tide_tensor *a, const tide_tensor *b) {
    return a->numel == b->numel && a->dtype == b->dtype &&
           memcmp(tide_tensor_data_ptr(a), tide_tensor_data_ptr(b), (size_t)a->numel * tide_dtype_size(a->dtype)) == 0;
}

static void test_png_roundtrip(void) {
    for (int c = 0; c <= 4; c++)
        for (int wide = 0; wide < 2; wide++) {
            tide_tensor *img = image(13, 17, c, wide ? TIDE_INT32 : TIDE_UINT8, c + 10 * wide);
            const char *p = tmp_path("rt.png");
            CHECK(tide_png_write(p, img, c == 2 ? 0 : -1) == 0);
            tide_tensor *back = tide_png_read(p, NULL, 0, 0);
            CHECK(back && back->ndim == 3 && back->shape[0] == 13 && back->shape[1] == 17 &&
                  back->shape[2] == (c ? c : 1));
            CHECK(back && back->numel == img->numel && back->dtype == img->dtype &&
                  memcmp(tide_tensor_data_ptr(back), tide_tensor_data_ptr(img),
                         (size_t)img->numel * tide_dtype_size(img->dtype)) == 0);
            int64_t info[7];
            CHECK(tide_png_info(p, info) == 0 && info[0] == 13 && info[1] == 17 && info[2] == (c ? c : 1) &&
                  info[3] == (wide ? 16 : 8) && info[5] == 0 && info[6] == 0);
            tide_tensor_free(back);
            tide_tensor_free(img);
        }
    /* float in [0, 1] -> 8 bit, rounded and clamped */
    int64_t shape[2] = {1, 5};
    tide_tensor *f = tide_tensor_empty(2, shape, TIDE_FLOAT64);
    double *fv = tide_tensor_data_ptr(f);
    fv[0] = 0, fv[1] = 1, fv[2] = 0.5, fv[3] = -3, fv[4] = 7;
    tide_tensor *enc = tide_png_encode(f, 9);
    CHECK(enc != NULL);
    tide_tensor *dec = tide_png_decode(tide_tensor_data_ptr(enc), enc->numel, "mem", NULL, 0, 0);
    const uint8_t *dv = tide_tensor_data_ptr(dec);
    CHECK(dec && dv[0] == 0 && dv[1] == 255 && dv[2] == 128 && dv[3] == 0 && dv[4] == 255);
    tide_tensor_free(dec);
    /* modes and depths */
    dec = tide_png_decode(tide_tensor_data_ptr(enc), enc->numel, "mem", NULL, 4, 16);
    CHECK(dec && dec->shape[2] == 4 && dec->dtype == TIDE_INT32 && ((int32_t *)tide_tensor_data_ptr(dec))[4] == 65535 &&
          ((int32_t *)tide_tensor_data_ptr(dec))[3] == 65535 && ((int32_t *)tide_tensor_data_ptr(dec))[8] == 128 * 257);
    tide_tensor_free(dec);
    /* into a given out: right shape, wrong shape, strided */
    int64_t oshape[3] = {1, 5, 3};
    tide_tensor *out = tide_tensor_zeros(3, oshape, TIDE_UINT8);
    CHECK(tide_png_decode(tide_tensor_data_ptr(enc), enc->numel, "mem", out, 3, 0) == out);
    CHECK(((uint8_t *)tide_tensor_data_ptr(out))[5] == 255 && ((uint8_t *)tide_tensor_data_ptr(out))[6] == 128);
    CHECK(tide_png_decode(tide_tensor_data_ptr(enc), enc->numel, "mem", out, 1, 0) == NULL && has_error("out has shape"));
    tide_tensor *t = tide_transpose(out, 0, 1); /* [5, 1, 3] strided view */
    int64_t pshape[3] = {5, 1, 3};
    tide_tensor *perm = tide_tensor_zeros(3, pshape, TIDE_UINT8);
    tide_tensor *strided = tide_transpose(perm, 0, 1); /* [1, 5, 3], not contiguous */
    CHECK(tide_png_decode(tide_tensor_data_ptr(enc), enc->numel, "mem", strided, 3, 0) == strided);
    CHECK(((uint8_t *)tide_tensor_data_ptr(perm))[3] == 255); /* pixel 1 of the image, channel 0 */
    tide_tensor_free(strided), tide_tensor_free(perm), tide_tensor_free(t), tide_tensor_free(out);
    tide_tensor_free(enc);
    tide_tensor_free(f);
    /* bad images and options */
    int64_t bad_shape[3] = {2, 2, 5};
    tide_tensor *bad = tide_tensor_zeros(3, bad_shape, TIDE_UINT8);
    CHECK(tide_png_write(tmp_path("bad.png"), bad, -1) == -1 && has_error("C = 1 (gray)"));
    tide_tensor_free(bad);
    int64_t empty_shape[2] = {0, 3};
    bad = tide_tensor_zeros(2, empty_shape, TIDE_UINT8);
    CHECK(tide_png_write(tmp_path("bad.png"), bad, -1) == -1 && has_error("not storable"));
    tide_tensor_free(bad);
    int64_t s1[2] = {1, 2};
    bad = tide_tensor_full(2, s1, TIDE_INT32, 70000);
    CHECK(tide_png_write(tmp_path("bad.png"), bad, -1) == -1 && has_error("0..65535"));
    tide_tensor_free(bad);
    bad = tide_tensor_zeros(2, s1, TIDE_BOOL);
    CHECK(tide_png_write(tmp_path("bad.png"), bad, -1) == -1 && has_error("got bool"));
    CHECK(tide_png_write(tmp_path("bad.png"), bad, 12) == -1 && tide_last_status());
    tide_clear_error();
    tide_tensor_free(bad);
    CHECK(count_files("bad.png") == 0);
    CHECK(tide_png_read(tmp_path("missing.png"), NULL, 0, 0) == NULL && has_error("read_png: ") );
    CHECK(tide_png_read(fixture("f4.npy"), NULL, 0, 0) == NULL && has_error("not a PNG file"));
    CHECK(tide_png_read(fixture("rgb8.png"), NULL, 5, 0) == NULL && has_error("channels"));
    CHECK(tide_png_read(fixture("rgb8.png"), NULL, 0, 12) == NULL && has_error("depth"));
}

/* Every truncation must fail, every flipped byte must fail or decode; never a crash. */
static void test_png_corrupt(void) {
    const char *names[4] = {"rgb16_adam7.png", "pal4_trns.png", "gray1.png", "rgba8.png"};
    for (int k = 0; k < 4; k++) {
        tide_tensor *whole = tide_file_read(fixture(names[k]), 0, NULL);
        CHECK(whole != NULL);
        if (!whole) continue;
        const unsigned char *p = tide_tensor_data_ptr(whole);
        int64_t n = whole->numel;
        int cut_ok = 0, flip_ok = 0, crc_msgs = 0;
        for (int64_t len = 0; len < n; len++) {
            tide_tensor *t = tide_png_decode(p, len, names[k], NULL, 0, 0);
            if (t) cut_ok++;
            else if (len >= 8 && !strstr(tide_last_error(), "truncated")) {
                fprintf(stderr, "  cut at %lld: %s\n", (long long)len, tide_last_error());
                cut_ok++;
            }
            tide_tensor_free(t);
        }
        unsigned char *copy = malloc((size_t)n);
        for (int64_t i = 0; i < n; i++) {
            memcpy(copy, p, (size_t)n);
            copy[i] ^= (unsigned char)(1 + i % 255);
            tide_tensor *t = tide_png_decode(copy, n, names[k], NULL, 0, 0);
            if (t) flip_ok++;
            else if (strstr(tide_last_error(), "CRC")) crc_msgs++;
            tide_tensor_free(t);
        }
        free(copy);
        tide_clear_error();
        CHECK(cut_ok == 0);
        CHECK(crc_msgs > n / 3); /* most flips land in chunk data, caught by its CRC */
        printf("  %s: %lld truncations all failed; %d of %lld flips decoded (ancillary chunks), %d CRC errors\n",
               names[k], (long long)n, flip_ok, (long long)n, crc_msgs);
        tide_tensor_free(whole);
    }
    /* the messages users see */
    tide_tensor *whole = tide_file_read(fixture("rgb8.png"), 0, NULL);
    const unsigned char *p = tide_tensor_data_ptr(whole);
    CHECK(tide_png_decode(p, 40, "x.png", NULL, 0, 0) == NULL && has_error("read_png: x.png: truncated (the file ends"));
    CHECK(tide_png_decode(p, 4, "x.png", NULL, 0, 0) == NULL && has_error("read_png: x.png: not a PNG file"));
    unsigned char *copy = malloc((size_t)whole->numel);
    memcpy(copy, p, (size_t)whole->numel);
    copy[whole->numel - 20] ^= 1; /* inside the last IDAT */
    CHECK(tide_png_decode(copy, whole->numel, "x.png", NULL, 0, 0) == NULL && has_error("read_png: x.png: corrupt PNG"));
    free(copy);
    tide_tensor_free(whole);
}

/* Decoding on several threads at once gives the same pixels (no shared state in libpng or Tide). */
typedef struct {
    const void *data;
    int64_t len;
    const tide_tensor *ref;
    int bad;
} job;

static void *decode_many(void *arg) {
    job *j = arg;
    for (int i = 0; i < 40; i++) {
        tide_tensor *t = tide_png_decode(j->data, j->len, "thread", NULL, i % 2 ? 0 : 3, 0);
        if (!t) {
            j->bad++;
            continue;
        }
        if (i % 2 && !same_bytes(t, j->ref)) j->bad++;
        tide_tensor_free(t);
        /* a failure on this thread leaves its own message */
        if (tide_png_decode(j->data, 20, "cut", NULL, 0, 0) || !strstr(tide_last_error(), "cut")) j->bad++;
    }
    return NULL;
}

static void test_png_threads(void) {
    tide_tensor *img = image(64, 48, 4, TIDE_UINT8, 3);
    tide_tensor *enc = tide_png_encode(img, 6);
    pthread_t th[4];
    job jobs[4];
    for (int k = 0; k < 4; k++) {
        jobs[k] = (job){tide_tensor_data_ptr(enc), enc->numel, img, 0};
        pthread_create(&th[k], NULL, decode_many, &jobs[k]);
    }
    for (int k = 0; k < 4; k++) {
        pthread_join(th[k], NULL);
        CHECK(jobs[k].bad == 0);
    }
    tide_tensor_free(enc);
    tide_tensor_free(img);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/tide_test_io_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    int64_t live0 = tide_memory()->live_tensors;
    test_atomic_write();
    test_reads();
    test_zlib();
    test_zip();
    test_raw();
    test_png_roundtrip();
    test_png_corrupt();
    test_png_threads();
    CHECK(tide_memory()->live_tensors == live0); /* nothing leaked */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_io");
}
