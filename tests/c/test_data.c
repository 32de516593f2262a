/* test_data.c — the data part through the public C API: IDX files of every type (plain and
 * gzipped) and broken ones; transforms (flip and crop exact, shape errors, thread-count
 * independence); the batch loader over tensors (rows in the shuffled order, prefetch on/off
 * identical, drop_last, same seed same batches, flat memory) and over PNG files (decoded batches,
 * a corrupt file and a wrong-size image reported at the batch that needs them). PNG files are
 * written by hand here (stored deflate blocks), so the test needs no image library. */
#include "check.h"
#include "tide/data.h"
#include "tide/io.h"
#include "tide/tensor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];

static const char *tmp_path(const char *name) {
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(data, 1, n, f);
    fclose(f);
}

static int error_has(const char *s) { return strstr(tide_last_error(), s) != NULL; }

/* ---------------------------------------------------------------- IDX */

static size_t idx_header(unsigned char *p, int code, int ndim, const uint32_t *dims) {
    p[0] = p[1] = 0, p[2] = (unsigned char)code, p[3] = (unsigned char)ndim;
    for (int d = 0; d < ndim; d++) {
        p[4 + 4 * d] = dims[d] >> 24, p[5 + 4 * d] = dims[d] >> 16, p[6 + 4 * d] = dims[d] >> 8, p[7 + 4 * d] = dims[d];
    }
    return 4 + 4 * (size_t)ndim;
}

static double get_flat(const tide_tensor *t, int64_t i) {
    int64_t idx[TIDE_MAX_DIMS];
    for (int d = t->ndim - 1; d >= 0; d--) {
        idx[d] = i % t->shape[d];
        i /= t->shape[d];
    }
    double v = 0;
    tide_tensor_get(t, idx, &v);
    return v;
}

static void test_idx_types(void) {
    unsigned char buf[256];
    uint32_t dims[2] = {2, 3};
    /* int16 big-endian: -2, -1, 0, 1, 300, -300 */
    size_t h = idx_header(buf, 0x0B, 2, dims);
    int16_t v16[6] = {-2, -1, 0, 1, 300, -300};
    for (int i = 0; i < 6; i++) buf[h + 2 * i] = (uint16_t)v16[i] >> 8, buf[h + 2 * i + 1] = (uint16_t)v16[i] & 0xFF;
    write_bytes(tmp_path("i16.idx"), buf, h + 12);
    tide_tensor *t = tide_idx_read(tmp_path("i16.idx"));
    CHECK(t && t->dtype == TIDE_INT32 && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3);
    for (int i = 0; t && i < 6; i++) CHECK(get_flat(t, i) == v16[i]);
    tide_tensor_free(t);

    /* int8 */
    h = idx_header(buf, 0x09, 2, dims);
    int8_t v8[6] = {-128, -1, 0, 1, 5, 127};
    memcpy(buf + h, v8, 6);
    write_bytes(tmp_path("i8.idx"), buf, h + 6);
    t = tide_idx_read(tmp_path("i8.idx"));
    CHECK(t && t->dtype == TIDE_INT32);
    for (int i = 0; t && i < 6; i++) CHECK(get_flat(t, i) == v8[i]);
    tide_tensor_free(t);

    /* float32 and float64: exactly representable values */
    float vf[6] = {0.5f, -1.25f, 3.0f, 1e-3f, -7.75f, 100.0f};
    h = idx_header(buf, 0x0D, 2, dims);
    for (int i = 0; i < 6; i++) {
        uint32_t u;
        memcpy(&u, &vf[i], 4);
        for (int k = 0; k < 4; k++) buf[h + 4 * i + k] = (unsigned char)(u >> (24 - 8 * k));
    }
    write_bytes(tmp_path("f32.idx"), buf, h + 24);
    t = tide_idx_read(tmp_path("f32.idx"));
    CHECK(t && t->dtype == TIDE_FLOAT32);
    for (int i = 0; t && i < 6; i++) CHECK(get_flat(t, i) == vf[i]);
    tide_tensor_free(t);

    double vd[6] = {0.1, -2.5, 1e300, -0.0, 3.0, 42.125};
    h = idx_header(buf, 0x0E, 2, dims);
    for (int i = 0; i < 6; i++) {
        uint64_t u;
        memcpy(&u, &vd[i], 8);
        for (int k = 0; k < 8; k++) buf[h + 8 * i + k] = (unsigned char)(u >> (56 - 8 * k));
    }
    write_bytes(tmp_path("f64.idx"), buf, h + 48);
    t = tide_idx_read(tmp_path("f64.idx"));
    CHECK(t && t->dtype == TIDE_FLOAT64);
    for (int i = 0; t && i < 6; i++) CHECK(get_flat(t, i) == vd[i]);
    tide_tensor_free(t);

    /* int32 and a 3-d uint8 */
    int32_t vi[6] = {-70000, 0, 1, 2147483647, -2147483647 - 1, 12345678};
    h = idx_header(buf, 0x0C, 2, dims);
    for (int i = 0; i < 6; i++)
        for (int k = 0; k < 4; k++) buf[h + 4 * i + k] = (unsigned char)((uint32_t)vi[i] >> (24 - 8 * k));
    write_bytes(tmp_path("i32.idx"), buf, h + 24);
    t = tide_idx_read(tmp_path("i32.idx"));
    CHECK(t && t->dtype == TIDE_INT32);
    for (int i = 0; t && i < 6; i++) CHECK(get_flat(t, i) == vi[i]);
    tide_tensor_free(t);

    uint32_t d3[3] = {2, 2, 2};
    h = idx_header(buf, 0x08, 3, d3);
    for (int i = 0; i < 8; i++) buf[h + i] = (unsigned char)(i * 30);
    write_bytes(tmp_path("u8.idx"), buf, h + 8);
    t = tide_idx_read(tmp_path("u8.idx"));
    CHECK(t && t->dtype == TIDE_UINT8 && t->ndim == 3);
    for (int i = 0; t && i < 8; i++) CHECK(get_flat(t, i) == i * 30);
    tide_tensor_free(t);

    /* a 0-row file is valid */
    uint32_t d0[2] = {0, 5};
    h = idx_header(buf, 0x08, 2, d0);
    write_bytes(tmp_path("empty.idx"), buf, h);
    t = tide_idx_read(tmp_path("empty.idx"));
    CHECK(t && t->numel == 0 && t->shape[1] == 5);
    tide_tensor_free(t);
}

static void test_idx_errors(void) {
    unsigned char buf[64];
    uint32_t dims[2] = {2, 3};
    size_t h = idx_header(buf, 0x08, 2, dims);
    memset(buf + h, 7, 6);
    const char *p;

    p = tmp_path("short.idx"); /* two bytes of data missing */
    write_bytes(p, buf, h + 4);
    CHECK(tide_idx_read(p) == NULL && error_has("read_idx") && error_has(p) && error_has("need 6 bytes"));

    p = tmp_path("long.idx"); /* extra bytes */
    write_bytes(p, buf, h + 6);
    FILE *f = fopen(p, "ab");
    fputs("xx", f);
    fclose(f);
    CHECK(tide_idx_read(p) == NULL && error_has(p) && error_has("the file has 8"));

    p = tmp_path("magic.idx");
    unsigned char bad[16] = {0x1f, 0x00, 0x08, 0x01, 0, 0, 0, 1, 5};
    write_bytes(p, bad, 9);
    CHECK(tide_idx_read(p) == NULL && error_has("not an IDX file") && error_has(p));

    p = tmp_path("type.idx");
    unsigned char badtype[16] = {0, 0, 0x0A, 0x01, 0, 0, 0, 1, 5};
    write_bytes(p, badtype, 9);
    CHECK(tide_idx_read(p) == NULL && error_has("type code 0x0A"));

    p = tmp_path("head.idx"); /* ends inside the dims */
    write_bytes(p, buf, 6);
    CHECK(tide_idx_read(p) == NULL && error_has("truncated") && error_has(p));

    p = tmp_path("tiny.idx");
    write_bytes(p, buf, 2);
    CHECK(tide_idx_read(p) == NULL && error_has("truncated"));

    p = tmp_path("huge.idx"); /* dims claiming terabytes: rejected before any allocation */
    uint32_t big[3] = {0xFFFFFFFFu, 0xFFFFFFFFu, 4};
    h = idx_header(buf, 0x0D, 3, big);
    write_bytes(p, buf, h + 8);
    CHECK(tide_idx_read(p) == NULL && error_has(p));

    CHECK(tide_idx_read(tmp_path("missing.idx")) == NULL && error_has("cannot open") && error_has("missing.idx"));
    CHECK(tide_idx_read(tmpdir) == NULL && error_has("directory"));
    CHECK(tide_idx_read(NULL) == NULL);
}

/* ---------------------------------------------------------------- PNG files by hand */

static uint32_t crc_table[256];
static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}
static uint32_t crc32_of(const unsigned char *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}
static void put32(unsigned char *p, uint32_t v) { p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v; }

static size_t chunk(unsigned char *out, const char *type, const unsigned char *data, uint32_t n) {
    put32(out, n);
    memcpy(out + 4, type, 4);
    if (n) memcpy(out + 8, data, n);
    put32(out + 8 + n, crc32_of(out + 4, n + 4));
    return 12 + n;
}

/* An 8-bit PNG (gray: channels 1, rgb: 3) with pixel (i, j, k) = pix(i, j, k); corrupt != 0
 * breaks the IDAT checksum. */
static void write_png(const char *path, int h, int w, int channels, unsigned char (*pix)(int, int, int), int corrupt) {
    size_t raw_n = (size_t)h * (1 + (size_t)w * channels);
    unsigned char *raw = malloc(raw_n), *z = malloc(raw_n + 64), *file = malloc(raw_n + 256);
    size_t r = 0;
    for (int i = 0; i < h; i++) {
        raw[r++] = 0; /* filter: none */
        for (int j = 0; j < w; j++)
            for (int k = 0; k < channels; k++) raw[r++] = pix(i, j, k);
    }
    size_t zn = 0;
    z[zn++] = 0x78, z[zn++] = 0x01; /* zlib header, then one stored block (raw_n < 65535 here) */
    z[zn++] = 1, z[zn++] = raw_n & 0xFF, z[zn++] = raw_n >> 8, z[zn++] = ~raw_n & 0xFF, z[zn++] = (~raw_n >> 8) & 0xFF;
    memcpy(z + zn, raw, raw_n);
    zn += raw_n;
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < raw_n; i++) a = (a + raw[i]) % 65521, b = (b + a) % 65521;
    put32(z + zn, (b << 16 | a) ^ (corrupt ? 0x5A5A : 0));
    zn += 4;
    static const unsigned char sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    size_t n = 0;
    memcpy(file, sig, 8);
    n += 8;
    unsigned char ihdr[13];
    put32(ihdr, (uint32_t)w), put32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8, ihdr[9] = channels == 1 ? 0 : 2, ihdr[10] = ihdr[11] = ihdr[12] = 0;
    n += chunk(file + n, "IHDR", ihdr, 13);
    n += chunk(file + n, "IDAT", z, (uint32_t)zn);
    n += chunk(file + n, "IEND", NULL, 0);
    write_bytes(path, file, n);
    free(raw), free(z), free(file);
}

static unsigned char pix_pattern(int i, int j, int k) { return (unsigned char)(i * 16 + j * 3 + k * 50); }

/* ---------------------------------------------------------------- transforms */

static tide_tensor *arange_image(int64_t c, int64_t h, int64_t w) {
    int64_t shape[3] = {c, h, w};
    tide_tensor *t = tide_tensor_empty(3, shape, TIDE_FLOAT32);
    float *p = tide_tensor_data_ptr(t);
    for (int64_t i = 0; i < t->numel; i++) p[i] = (float)(i + 1);
    return t;
}

static void test_transforms(void) {
    /* flips with p = 1 are exact mirrors; p = 0 copies */
    tide_tensor *x = arange_image(2, 3, 4);
    tide_transforms *tf = tide_transforms_new();
    CHECK(tide_transforms_add_hflip(tf, 1.0) == 0);
    tide_tensor *y = tide_transforms_apply(tf, x, NULL, 1);
    CHECK(y && y->shape[0] == 2 && y->shape[1] == 3 && y->shape[2] == 4);
    const float *px = tide_tensor_data_ptr(x), *py = y ? tide_tensor_data_ptr(y) : NULL;
    for (int k = 0; py && k < 2; k++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++) CHECK(py[(k * 3 + i) * 4 + j] == px[(k * 3 + i) * 4 + 3 - j]);
    tide_tensor_free(y);
    tide_transforms_free(tf);

    tf = tide_transforms_new();
    tide_transforms_add_vflip(tf, 1.0);
    y = tide_transforms_apply(tf, x, NULL, 1);
    py = tide_tensor_data_ptr(y);
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++) CHECK(py[(k * 3 + i) * 4 + j] == px[(k * 3 + 2 - i) * 4 + j]);
    tide_tensor_free(y);
    tide_transforms_free(tf);

    /* random crop with padding: each result is the zero-padded image at some offset */
    int64_t pad[4] = {2, 1, 2, 1};
    tf = tide_transforms_new();
    CHECK(tide_transforms_add_random_crop(tf, 3, 4, pad) == 0);
    int seen[5][3] = {{0}};
    for (uint64_t seed = 0; seed < 200; seed++) {
        y = tide_transforms_apply(tf, x, NULL, seed);
        py = tide_tensor_data_ptr(y);
        int found = 0;
        for (int top = 0; top <= 4 && !found; top++)
            for (int left = 0; left <= 2 && !found; left++) {
                int same = 1;
                for (int k = 0; k < 2 && same; k++)
                    for (int i = 0; i < 3 && same; i++)
                        for (int j = 0; j < 4 && same; j++) {
                            int si = i + top - 2, sj = j + left - 1;
                            float want = si >= 0 && si < 3 && sj >= 0 && sj < 4 ? px[(k * 3 + si) * 4 + sj] : 0;
                            same = py[(k * 3 + i) * 4 + j] == want;
                        }
                if (same) found = 1, seen[top][left]++;
            }
        CHECK(found);
        tide_tensor_free(y);
    }
    for (int top = 0; top <= 4; top++)
        for (int left = 0; left <= 2; left++) CHECK(seen[top][left] > 0); /* every offset occurs */
    tide_transforms_free(tf);

    /* center crop uses Python's round-half-even: (5 - 2) / 2 = 1.5 -> 2 */
    tide_tensor *x5 = arange_image(1, 5, 5);
    tf = tide_transforms_new();
    tide_transforms_add_center_crop(tf, 2, 2);
    y = tide_transforms_apply(tf, x5, NULL, 0);
    py = tide_tensor_data_ptr(y);
    CHECK(py[0] == 13 && py[1] == 14 && py[2] == 18 && py[3] == 19);
    tide_tensor_free(y);
    tide_transforms_free(tf);
    tide_tensor_free(x5);

    /* shape errors */
    tf = tide_transforms_new();
    double m[2] = {0.5, 0.5}, s[2] = {0.25, 0.25}, zero[1] = {0};
    CHECK(tide_transforms_add_normalize(tf, 1, m, zero) != 0 && error_has("std"));
    CHECK(tide_transforms_add_normalize(tf, 2, m, s) == 0);
    int64_t o3[3];
    CHECK(tide_transforms_output_shape(tf, 3, 4, 4, o3) != 0 && error_has("Normalize") && error_has("3 channels"));
    CHECK(tide_transforms_output_shape(tf, 2, 4, 4, o3) == 0 && o3[0] == 2);
    CHECK(tide_transforms_add_random_crop(tf, 9, 9, NULL) == 0);
    CHECK(tide_transforms_apply(tf, x, NULL, 0) == NULL && error_has("RandomCrop") && error_has("larger"));
    CHECK(tide_transforms_add_resize(tf, 0, 3) != 0 && error_has("Resize"));
    CHECK(tide_transforms_add_hflip(tf, 1.5) != 0 && error_has("p must be"));
    tide_transforms_free(tf);

    /* a batch gives the same result on 1 and 2 threads (per-image generators) */
    int64_t bshape[4] = {64, 3, 32, 32};
    tide_tensor *xb = tide_tensor_empty(4, bshape, TIDE_FLOAT32);
    tide_rand_(xb, 0, 1);
    tf = tide_transforms_new();
    int64_t pad4[4] = {4, 4, 4, 4};
    double m3[3] = {0.4, 0.5, 0.6}, s3[3] = {0.2, 0.25, 0.3};
    tide_transforms_add_random_crop(tf, 32, 32, pad4);
    tide_transforms_add_hflip(tf, 0.5);
    tide_transforms_add_resize(tf, 24, 20);
    tide_transforms_add_normalize(tf, 3, m3, s3);
    int saved = tide_get_num_threads();
    tide_set_num_threads(1);
    tide_tensor *r1 = tide_transforms_apply(tf, xb, NULL, 99);
    tide_set_num_threads(2);
    tide_tensor *r2 = tide_transforms_apply(tf, xb, NULL, 99);
    tide_tensor *r3 = tide_transforms_apply(tf, xb, NULL, 100);
    tide_set_num_threads(saved);
    CHECK(r1 && r2 && r1->shape[2] == 24 && r1->shape[3] == 20);
    CHECK(r1 && r2 && memcmp(tide_tensor_data_ptr(r1), tide_tensor_data_ptr(r2), (size_t)r1->numel * 4) == 0);
    CHECK(r1 && r3 && memcmp(tide_tensor_data_ptr(r1), tide_tensor_data_ptr(r3), (size_t)r1->numel * 4) != 0);
    tide_tensor_free(r1), tide_tensor_free(r2), tide_tensor_free(r3), tide_tensor_free(xb);
    tide_transforms_free(tf);
    tide_tensor_free(x);
}

/* ---------------------------------------------------------------- the loader over tensors */

/* Epoch e of a loader over images whose pixels encode their row; returns the rows seen in order. */
static int run_epoch(tide_loader *l, int64_t e, const tide_tensor *imgs, int64_t *rows_seen, int64_t *nbatches) {
    if (tide_loader_start_epoch(l, e)) return -1;
    tide_tensor *out[2];
    int64_t seen = 0, b = 0;
    int ok = 1, r;
    while ((r = tide_loader_next(l, out)) == 1) {
        int64_t rows[64];
        int64_t n = tide_loader_batch_rows(l, b, rows, 64);
        CHECK(n == out[0]->shape[0] && n == out[1]->shape[0]);
        CHECK(out[0]->dtype == TIDE_FLOAT32 && out[0]->ndim == 4 && out[0]->shape[1] == 1);
        CHECK(out[1]->dtype == TIDE_INT64 && out[1]->ndim == 1);
        const float *x = tide_tensor_data_ptr(out[0]);
        const int64_t *y = tide_tensor_data_ptr(out[1]);
        const uint8_t *src = tide_tensor_data_ptr(imgs);
        int64_t per = imgs->shape[1] * imgs->shape[2];
        for (int64_t i = 0; i < n; i++) {
            if (y[i] != rows[i] + 1) ok = 0;
            for (int64_t k = 0; k < per; k++)
                if (x[i * per + k] != (float)src[rows[i] * per + k] / 255.0f) ok = 0;
            rows_seen[seen++] = rows[i];
        }
        tide_tensor_free(out[0]), tide_tensor_free(out[1]);
        b++;
    }
    CHECK(r == 0);
    CHECK(ok);
    *nbatches = b;
    return (int)seen;
}

static void test_loader_tensors(void) {
    int64_t N = 100, ishape[3] = {100, 5, 4}, lshape[1] = {100};
    tide_tensor *imgs = tide_tensor_empty(3, ishape, TIDE_UINT8), *labels = tide_tensor_empty(1, lshape, TIDE_INT64);
    uint8_t *pi = tide_tensor_data_ptr(imgs);
    int64_t *pl = tide_tensor_data_ptr(labels);
    for (int64_t i = 0; i < imgs->numel; i++) pi[i] = (uint8_t)(i * 7 + i / 20);
    for (int64_t i = 0; i < N; i++) pl[i] = i + 1;

    int64_t seen_a[100], seen_b[100], seen_c[100], nb;
    tide_loader *a = tide_loader_new(N, NULL, 16, 1, 0, 42, 1);
    tide_loader *b = tide_loader_new(N, NULL, 16, 1, 0, 42, 0);
    CHECK(a && b);
    CHECK(tide_loader_add_tensor(a, imgs, TIDE_COLUMN_IMAGE) == 0 && tide_loader_add_tensor(a, labels, TIDE_COLUMN_LABEL) == 0);
    CHECK(tide_loader_add_tensor(b, imgs, TIDE_COLUMN_IMAGE) == 0 && tide_loader_add_tensor(b, labels, TIDE_COLUMN_LABEL) == 0);
    CHECK(tide_loader_num_batches(a) == 7);
    CHECK(run_epoch(a, 1, imgs, seen_a, &nb) == 100 && nb == 7);
    CHECK(run_epoch(b, 1, imgs, seen_b, &nb) == 100);
    CHECK(memcmp(seen_a, seen_b, sizeof seen_a) == 0); /* prefetch on / off: same order */
    int hit[100] = {0}, in_order = 1;
    for (int i = 0; i < 100; i++) hit[seen_a[i]]++, in_order &= seen_a[i] == i;
    for (int i = 0; i < 100; i++) CHECK(hit[i] == 1); /* a permutation */
    CHECK(!in_order);
    CHECK(run_epoch(a, 2, imgs, seen_c, &nb) == 100);
    CHECK(memcmp(seen_a, seen_c, sizeof seen_a) != 0); /* another epoch, another order */
    CHECK(run_epoch(a, 1, imgs, seen_c, &nb) == 100);
    CHECK(memcmp(seen_a, seen_c, sizeof seen_a) == 0); /* epoch 1 again: the same order */

    /* abandoning an epoch midway, then starting another, is fine */
    tide_tensor *out[2];
    CHECK(tide_loader_start_epoch(a, 3) == 0 && tide_loader_next(a, out) == 1);
    tide_tensor_free(out[0]), tide_tensor_free(out[1]);
    CHECK(tide_loader_start_epoch(a, 4) == 0);

    /* memory is flat over many epochs */
    int64_t live0 = 0, allocs0 = 0;
    for (int e = 0; e < 30; e++) {
        if (e == 5) live0 = tide_memory()->live_bytes, allocs0 = tide_memory()->n_allocs;
        run_epoch(a, 10 + e, imgs, seen_c, &nb);
    }
    CHECK(tide_memory()->live_bytes == live0);
    CHECK(tide_memory()->n_allocs == allocs0);
    tide_loader_free(a);
    tide_loader_free(b);

    /* drop_last, a Subset index, no shuffle */
    int64_t index[10] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
    tide_loader *c = tide_loader_new(10, index, 4, 0, 1, 0, 1);
    tide_loader_add_tensor(c, imgs, TIDE_COLUMN_IMAGE);
    tide_loader_add_tensor(c, labels, TIDE_COLUMN_LABEL);
    CHECK(tide_loader_num_batches(c) == 2);
    CHECK(run_epoch(c, 1, imgs, seen_c, &nb) == 8 && nb == 2);
    for (int i = 0; i < 8; i++) CHECK(seen_c[i] == 9 - i);
    tide_loader_free(c);

    /* bad arguments */
    CHECK(tide_loader_new(10, NULL, 0, 0, 0, 0, 1) == NULL && error_has("batch_size"));
    int64_t bad_index[2] = {0, -1};
    CHECK(tide_loader_new(2, bad_index, 1, 0, 0, 0, 1) == NULL && error_has("negative"));
    tide_loader *d = tide_loader_new(200, NULL, 8, 0, 0, 0, 1);
    CHECK(tide_loader_add_tensor(d, imgs, TIDE_COLUMN_IMAGE) != 0 && error_has("100 rows") && error_has("200"));
    tide_loader_free(d);
    d = tide_loader_new(10, NULL, 8, 0, 0, 0, 1);
    CHECK(tide_loader_add_tensor(d, imgs, TIDE_COLUMN_LABEL) != 0 && error_has("1-d integer"));
    CHECK(tide_loader_start_epoch(d, 1) != 0 && error_has("no columns"));
    tide_loader_add_tensor(d, labels, TIDE_COLUMN_LABEL);
    tide_transforms *tf = tide_transforms_new();
    tide_transforms_add_hflip(tf, 0.5);
    CHECK(tide_loader_set_transforms(d, 0, tf) != 0 && error_has("labels"));
    tide_transforms_free(tf);
    tide_loader_free(d);
    tide_tensor_free(imgs), tide_tensor_free(labels);
}

/* ---------------------------------------------------------------- the loader over PNG files */

static void test_loader_png(void) {
    enum { N = 12 };
    const char *paths[N];
    char names[N][512];
    int64_t lshape[1] = {N};
    tide_tensor *labels = tide_tensor_empty(1, lshape, TIDE_INT64);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "%s/img%02d.png", tmpdir, i);
        write_png(names[i], 6, 5, i % 2 ? 3 : 1, pix_pattern, 0); /* gray and rgb files mixed */
        paths[i] = names[i];
        ((int64_t *)tide_tensor_data_ptr(labels))[i] = i % 3 + 1;
    }
    int64_t hwc[7];
    CHECK(tide_png_info(paths[1], hwc) == 0 && hwc[0] == 6 && hwc[1] == 5 && hwc[2] == 3);

    /* decoded rgb batches equal the pattern; gray files are expanded to three equal channels */
    tide_loader *l = tide_loader_new(N, NULL, 5, 0, 0, 0, 1);
    CHECK(tide_loader_add_png_files(l, N, paths, TIDE_IMAGE_RGB, 6, 5) == 0);
    CHECK(tide_loader_add_tensor(l, labels, TIDE_COLUMN_LABEL) == 0);
    CHECK(tide_loader_start_epoch(l, 1) == 0);
    tide_tensor *out[2];
    int64_t row = 0;
    int ok = 1;
    while (tide_loader_next(l, out) == 1) {
        const float *x = tide_tensor_data_ptr(out[0]);
        CHECK(out[0]->shape[1] == 3 && out[0]->shape[2] == 6 && out[0]->shape[3] == 5);
        for (int64_t i = 0; i < out[0]->shape[0]; i++, row++) {
            for (int k = 0; k < 3; k++)
                for (int r = 0; r < 6; r++)
                    for (int c = 0; c < 5; c++) {
                        float want = (float)pix_pattern(r, c, row % 2 ? k : 0) / 255.0f;
                        if (fabsf(x[((i * 3 + k) * 6 + r) * 5 + c] - want) > 0) ok = 0;
                    }
        }
        tide_tensor_free(out[0]), tide_tensor_free(out[1]);
    }
    CHECK(ok && row == N);
    tide_loader_free(l);

    /* single image load */
    tide_tensor *one = tide_image_load(paths[0], TIDE_IMAGE_GRAY);
    CHECK(one && one->ndim == 3 && one->shape[0] == 1 && one->shape[1] == 6);
    tide_tensor_free(one);

    /* a corrupt file in batch 2 (rows 5..9): batch 1 is fine, batch 2 fails naming the file */
    write_png(names[7], 6, 5, 1, pix_pattern, 1);
    for (int prefetch = 0; prefetch < 2; prefetch++) {
        l = tide_loader_new(N, NULL, 5, 0, 0, 0, prefetch);
        tide_loader_add_png_files(l, N, paths, TIDE_IMAGE_GRAY, 6, 5);
        tide_loader_start_epoch(l, 1);
        CHECK(tide_loader_next(l, out) == 1);
        tide_tensor_free(out[0]);
        CHECK(tide_loader_next(l, out) == -1 && error_has("img07.png"));
        CHECK(tide_loader_next(l, out) == 0); /* the epoch ended there */
        CHECK(tide_loader_start_epoch(l, 2) == 0 && tide_loader_next(l, out) == 1); /* a new one starts */
        tide_tensor_free(out[0]);
        tide_loader_free(l);
    }

    /* a wrong-size image: named with both sizes; with a Resize it is fine */
    write_png(names[7], 7, 5, 1, pix_pattern, 0);
    l = tide_loader_new(N, NULL, 12, 0, 0, 0, 1);
    tide_loader_add_png_files(l, N, paths, TIDE_IMAGE_GRAY, 6, 5);
    tide_loader_start_epoch(l, 1);
    CHECK(tide_loader_next(l, out) == -1 && error_has("img07.png is 7x5, expected 6x5"));
    tide_loader_free(l);
    l = tide_loader_new(N, NULL, 12, 0, 0, 0, 1);
    tide_loader_add_png_files(l, N, paths, TIDE_IMAGE_GRAY, 6, 5);
    tide_transforms *tf = tide_transforms_new();
    tide_transforms_add_resize(tf, 8, 8);
    CHECK(tide_loader_set_transforms(l, 0, tf) == 0);
    tide_transforms_free(tf);
    tide_loader_start_epoch(l, 1);
    CHECK(tide_loader_next(l, out) == 1 && out[0]->shape[2] == 8 && out[0]->shape[3] == 8);
    tide_tensor_free(out[0]);
    tide_loader_free(l);

    write_bytes(names[3], "not a png", 9);
    CHECK(tide_png_info(names[3], hwc) != 0 && error_has("img03.png"));
    CHECK(tide_image_load(names[3], TIDE_IMAGE_GRAY) == NULL && error_has("img03.png"));
    tide_tensor_free(labels);
}

static void test_dir_list(void) {
    char buf[4096];
    int64_t n = tide_dir_list(tmpdir, buf, sizeof buf);
    CHECK(n > 0 && n <= (int64_t)sizeof buf);
    int found = 0;
    for (int64_t i = 0; i < n;) {
        size_t len = strlen(buf + i);
        if (!strcmp(buf + i, "i16.idx") && buf[i + len + 1] == 'f') found = 1;
        i += (int64_t)len + 2;
    }
    CHECK(found);
    CHECK(tide_dir_list(tmp_path("nope"), buf, sizeof buf) < 0 && error_has("nope"));
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tide_test_data_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        fprintf(stderr, "cannot create a temp folder\n");
        return 1;
    }
    crc_init();
    test_idx_types();
    test_idx_errors();
    test_transforms();
    test_loader_tensors();
    test_loader_png();
    test_dir_list();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_report("test_data");
}
