/* test_canvas.c — the cairo drawing API: pixels where shapes, lines, images and text were drawn,
 * PNG output (header, size, atomic replace), and every bad argument failing cleanly. */
#include "check.h"
#include "tide/canvas.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* fontconfig (under cairo's text) keeps process-wide caches it never frees: not leaks of ours */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

/* pixel (x, y) channel k of a uint8 [H, W, C] tensor */
static int px(const tide_tensor *t, int64_t x, int64_t y, int k) {
    const uint8_t *d = tide_tensor_data_ptr(t);
    return d[(y * t->shape[1] + x) * t->shape[2] + k];
}

static int fails_with(int status, const char *needle) {
    int ok = status != 0 && strstr(tide_last_error(), needle) != NULL;
    if (!ok) fprintf(stderr, "  expected failure containing '%s', got status %d, '%s'\n", needle, status, tide_last_error());
    tide_clear_error();
    return ok;
}

static tide_tensor *vec(int64_t n, const double *v) {
    tide_tensor *t = tide_tensor_empty(1, &n, TIDE_FLOAT64);
    memcpy(tide_tensor_data_ptr(t), v, sizeof(double) * (size_t)n);
    return t;
}

static void test_shapes(void) {
    tide_canvas *c = tide_canvas_new(40, 30, 3);
    CHECK(c != NULL);
    int64_t info[3];
    CHECK(tide_canvas_info(c, info) == 0 && info[0] == 40 && info[1] == 30 && info[2] == 3);
    CHECK(tide_canvas_clear(c, 1, 1, 1, 1) == 0);
    CHECK(tide_canvas_set_color(c, 1, 0, 0, 1) == 0);
    CHECK(tide_canvas_rect(c, 10, 10, 10, 5) == 0);
    CHECK(tide_canvas_fill(c, 0) == 0);
    /* a blue 3-px horizontal line at y = 25 */
    CHECK(tide_canvas_set_color(c, 0, 0, 1, 1) == 0);
    CHECK(tide_canvas_set_line_width(c, 3) == 0);
    CHECK(tide_canvas_move_to(c, 0, 25) == 0 && tide_canvas_line_to(c, 40, 25) == 0);
    CHECK(tide_canvas_stroke(c, 0) == 0);
    tide_tensor *t = tide_canvas_to_tensor(c);
    CHECK(t && t->ndim == 3 && t->shape[0] == 30 && t->shape[1] == 40 && t->shape[2] == 3);
    CHECK(px(t, 15, 12, 0) == 255 && px(t, 15, 12, 1) == 0 && px(t, 15, 12, 2) == 0); /* inside the rect */
    CHECK(px(t, 5, 5, 0) == 255 && px(t, 5, 5, 1) == 255);                            /* background */
    CHECK(px(t, 20, 25, 2) == 255 && px(t, 20, 25, 0) == 0);                          /* on the line */
    CHECK(px(t, 20, 20, 2) == 255 && px(t, 20, 20, 0) == 255);                        /* off the line */
    tide_tensor_free(t);

    /* clip: a fill over everything only lands inside the clip rectangle */
    CHECK(tide_canvas_push_state(c) == 0);
    CHECK(tide_canvas_clip_rect(c, 0, 0, 5, 5) == 0);
    CHECK(tide_canvas_set_color(c, 0, 1, 0, 1) == 0);
    CHECK(tide_canvas_rect(c, 0, 0, 40, 30) == 0 && tide_canvas_fill(c, 0) == 0);
    CHECK(tide_canvas_pop_state(c) == 0);
    t = tide_canvas_to_tensor(c);
    CHECK(px(t, 2, 2, 1) == 255 && px(t, 2, 2, 0) == 0);
    CHECK(px(t, 30, 2, 0) == 255 && px(t, 30, 2, 1) == 255);
    tide_tensor_free(t);
    /* the pop restored the colour (blue) */
    CHECK(tide_canvas_circle(c, 30, 5, 3) == 0 && tide_canvas_fill(c, 0) == 0);
    t = tide_canvas_to_tensor(c);
    CHECK(px(t, 30, 5, 2) == 255 && px(t, 30, 5, 0) == 0);
    tide_tensor_free(t);
    tide_canvas_free(c);
}

static void test_polyline_markers(void) {
    tide_canvas *c = tide_canvas_new(50, 50, 4);
    CHECK(tide_canvas_clear(c, 0, 0, 0, 0) == 0);
    /* a line from far outside to the centre, then a NaN gap, then a segment on row 40 */
    double xs[] = {-1e12, 25, NAN, 5, 45}, ys[] = {25, 25, 0, 40, 40};
    tide_tensor *x = vec(5, xs), *y = vec(5, ys);
    CHECK(tide_canvas_set_color(c, 0, 0, 0, 1) == 0);
    CHECK(tide_canvas_set_line_width(c, 2) == 0);
    CHECK(tide_canvas_polyline(c, x, y) == 0);
    CHECK(tide_canvas_stroke(c, 0) == 0);
    tide_tensor *t = tide_canvas_to_tensor(c);
    CHECK(t->shape[2] == 4);
    CHECK(px(t, 10, 24, 3) == 255 && px(t, 10, 25, 3) == 255); /* the clipped far segment is drawn */
    CHECK(px(t, 35, 25, 3) == 0);                              /* it ends at the centre */
    CHECK(px(t, 30, 32, 3) == 0);                              /* no segment across the NaN gap */
    CHECK(px(t, 20, 40, 3) > 0);
    tide_tensor_free(t);

    /* a million points in one column per pixel reach cairo as an envelope: a vertical stroke
     * from the lowest to the highest y, drawn fast */
    tide_canvas *d = tide_canvas_new(50, 50, 3);
    CHECK(tide_canvas_clear(d, 1, 1, 1, 1) == 0);
    int64_t n = 1000000;
    tide_tensor *bx = tide_tensor_empty(1, &n, TIDE_FLOAT64), *by = tide_tensor_empty(1, &n, TIDE_FLOAT64);
    double *bxd = tide_tensor_data_ptr(bx), *byd = tide_tensor_data_ptr(by);
    for (int64_t i = 0; i < n; i++) {
        bxd[i] = i < n / 2 ? 10.2 + 0.5 * (double)i / (double)n : 30.2 + 0.5 * (double)i / (double)n;
        byd[i] = (i % 2) ? 5 : 45;
    }
    double t0 = tide_monotonic_seconds();
    CHECK(tide_canvas_set_color(d, 0, 0, 0, 1) == 0 && tide_canvas_polyline(d, bx, by) == 0);
    CHECK(tide_canvas_stroke(d, 0) == 0);
    CHECK(tide_monotonic_seconds() - t0 < 5);
    t = tide_canvas_to_tensor(d);
    CHECK(px(t, 10, 25, 0) < 100 && px(t, 10, 6, 0) < 100 && px(t, 10, 44, 0) < 100); /* the envelope */
    CHECK(px(t, 30, 25, 0) < 100);
    CHECK(px(t, 20, 5, 0) == 255 && px(t, 20, 44, 0) == 255); /* one joining segment across, nothing else */
    CHECK(px(t, 45, 25, 0) == 255);
    tide_tensor_free(t);
    tide_tensor_free(bx);
    tide_tensor_free(by);
    tide_canvas_free(d);

    /* markers with per-point colours */
    double mx[] = {10, 40}, my[] = {10, 10};
    tide_tensor *a = vec(2, mx), *b = vec(2, my);
    int64_t cs[2] = {2, 4};
    tide_tensor *col = tide_tensor_zeros(2, cs, TIDE_UINT8);
    uint8_t *cd = tide_tensor_data_ptr(col);
    cd[0] = 255, cd[3] = 255; /* red */
    cd[6] = 255, cd[7] = 255; /* blue */
    CHECK(tide_canvas_markers(c, a, b, TIDE_MARKER_SQUARE, 6, col) == 0);
    t = tide_canvas_to_tensor(c);
    CHECK(px(t, 10, 10, 0) == 255 && px(t, 10, 10, 2) == 0 && px(t, 10, 10, 3) == 255);
    CHECK(px(t, 40, 10, 2) == 255 && px(t, 40, 10, 0) == 0);
    CHECK(px(t, 25, 10, 3) == 0);
    tide_tensor_free(t);
    for (int s = TIDE_MARKER_CIRCLE; s <= TIDE_MARKER_CROSS; s++) CHECK(tide_canvas_markers(c, a, b, s, 8, NULL) == 0);
    /* bad markers */
    CHECK(fails_with(tide_canvas_markers(c, a, b, 9, 6, NULL), "unknown marker shape 9"));
    CHECK(fails_with(tide_canvas_markers(c, a, x, 0, 6, NULL), "x has 2 points and y 5"));
    CHECK(fails_with(tide_canvas_markers(c, a, b, 0, -1, NULL), "marker size"));
    CHECK(fails_with(tide_canvas_markers(c, a, b, 0, 5, x), "colors must be uint8 [2, 3] or [2, 4]"));
    int64_t two = 2;
    tide_tensor *flags = tide_tensor_zeros(1, &two, TIDE_BOOL);
    CHECK(fails_with(tide_canvas_polyline(c, flags, b), "must be a real tensor"));
    CHECK(fails_with(tide_canvas_polyline(c, col, b), "x must be 1-d"));
    tide_tensor_free(flags);
    tide_tensor_free(col);
    tide_tensor_free(a);
    tide_tensor_free(b);
    tide_tensor_free(x);
    tide_tensor_free(y);
    tide_canvas_free(c);
}

static void test_image(void) {
    tide_canvas *c = tide_canvas_new(20, 20, 3);
    CHECK(tide_canvas_clear(c, 1, 1, 1, 1) == 0);
    /* a 2x2 RGB image scaled x5 with nearest: four flat 5x5 blocks */
    int64_t shape[3] = {2, 2, 3};
    tide_tensor *img = tide_tensor_zeros(3, shape, TIDE_UINT8);
    uint8_t *d = tide_tensor_data_ptr(img);
    d[0] = 255;             /* (0,0) red */
    d[4] = 255;             /* (0,1) green */
    d[8] = 255;             /* (1,0) blue */
    d[9] = d[10] = d[11] = 128; /* (1,1) gray */
    CHECK(tide_canvas_image(c, img, 0, 0, 10, 10, TIDE_FILTER_NEAREST) == 0);
    tide_tensor *t = tide_canvas_to_tensor(c);
    CHECK(px(t, 2, 2, 0) == 255 && px(t, 2, 2, 1) == 0);
    CHECK(px(t, 7, 2, 1) == 255 && px(t, 7, 2, 0) == 0);
    CHECK(px(t, 2, 7, 2) == 255 && px(t, 2, 7, 0) == 0);
    CHECK(px(t, 7, 7, 0) == 128);
    CHECK(px(t, 15, 15, 0) == 255 && px(t, 15, 15, 1) == 255); /* outside the image */
    tide_tensor_free(t);
    /* a gray [H, W] image and a transposed (strided) view, bilinear */
    int64_t gs[2] = {3, 4};
    tide_tensor *g = tide_tensor_full(2, gs, TIDE_UINT8, 50);
    CHECK(tide_canvas_image(c, g, 10, 10, 8, 6, TIDE_FILTER_BILINEAR) == 0);
    tide_tensor *gt = tide_transpose(g, 0, 1);
    CHECK(tide_canvas_image(c, gt, 0, 10, 3, 4, TIDE_FILTER_NEAREST) == 0);
    t = tide_canvas_to_tensor(c);
    CHECK(px(t, 14, 13, 0) == 50 && px(t, 1, 12, 1) == 50);
    tide_tensor_free(t);
    /* bad images */
    int64_t bs[3] = {2, 2, 5};
    tide_tensor *bad = tide_tensor_zeros(3, bs, TIDE_UINT8);
    CHECK(fails_with(tide_canvas_image(c, bad, 0, 0, 5, 5, 0), "with C in 1..4"));
    tide_tensor *f = tide_tensor_zeros(2, gs, TIDE_FLOAT32);
    CHECK(fails_with(tide_canvas_image(c, f, 0, 0, 5, 5, 0), "got float32"));
    CHECK(fails_with(tide_canvas_image(c, g, 0, 0, 5, 5, 7), "unknown filter 7"));
    CHECK(fails_with(tide_canvas_image(c, NULL, 0, 0, 5, 5, 0), "image is NULL"));
    CHECK(tide_canvas_image(c, g, 0, 0, 0, 5, 0) == 0); /* empty rectangle: nothing drawn */
    tide_tensor_free(f);
    tide_tensor_free(bad);
    tide_tensor_free(gt);
    tide_tensor_free(g);
    tide_tensor_free(img);
    tide_canvas_free(c);
}

static void test_text(void) {
    tide_canvas *c = tide_canvas_new(200, 60, 3);
    CHECK(tide_canvas_clear(c, 1, 1, 1, 1) == 0);
    CHECK(tide_canvas_set_font(c, "sans-serif", 20, 1, 0) == 0);
    double e[4], e2[4];
    CHECK(tide_canvas_text_extents(c, "Hello", e) == 0);
    CHECK(e[0] > 30 && e[0] < 100 && e[1] > 18 && e[2] > 10 && e[3] > 0);
    CHECK(tide_canvas_text_extents(c, "Hello, world", e2) == 0 && e2[0] > e[0]);
    CHECK(tide_canvas_set_color(c, 0, 0, 0, 1) == 0);
    /* right-aligned at x = 190, top at y = 5: ink lies left of 190, below 5 */
    CHECK(tide_canvas_text(c, "Hello", 190, 5, 1.0, TIDE_TEXT_TOP, 0) == 0);
    CHECK(tide_canvas_text(c, "caf\xc3\xa9 \xe2\x86\x92 \xce\xb1", 10, 50, 0, TIDE_TEXT_BASELINE, 0) == 0);
    CHECK(tide_canvas_text(c, "rotated", 100, 30, 0.5, TIDE_TEXT_MIDDLE, 45) == 0);
    CHECK(tide_canvas_text(c, "", 0, 0, 0, 0, 0) == 0);
    tide_tensor *t = tide_canvas_to_tensor(c);
    int dark_right = 0, dark_beyond = 0;
    for (int64_t y = 0; y < 30; y++)
        for (int64_t x = 120; x < 200; x++) {
            if (px(t, x, y, 0) < 128) {
                if (x <= 191)
                    dark_right++;
                else
                    dark_beyond++;
            }
        }
    CHECK(dark_right > 20 && dark_beyond == 0);
    tide_tensor_free(t);
    /* bad text */
    CHECK(fails_with(tide_canvas_text(c, "a\xff", 0, 0, 0, 0, 0), "not valid UTF-8 (bad byte 0xff at offset 1)"));
    CHECK(fails_with(tide_canvas_text(c, "\xed\xa0\x80", 0, 0, 0, 0, 0), "not valid UTF-8"));  /* surrogate */
    CHECK(fails_with(tide_canvas_text(c, "\xc0\xaf", 0, 0, 0, 0, 0), "not valid UTF-8"));      /* overlong */
    CHECK(fails_with(tide_canvas_text(c, NULL, 0, 0, 0, 0, 0), "text is NULL"));
    CHECK(fails_with(tide_canvas_text(c, "x", 0, 0, 2, 0, 0), "halign must be in [0, 1]"));
    CHECK(fails_with(tide_canvas_text(c, "x", 0, 0, 0, 9, 0), "unknown valign 9"));
    CHECK(fails_with(tide_canvas_text(c, "x", 0, 0, 0, 0, NAN), "angle must be a finite number"));
    CHECK(fails_with(tide_canvas_set_font(c, "sans", 0, 0, 0), "font size must be in (0, 1e4]"));
    CHECK(fails_with(tide_canvas_text_extents(c, "x", NULL), "output pointer is NULL"));
    /* the canvas still works after all those failures */
    CHECK(tide_canvas_text(c, "ok", 10, 10, 0, 0, 0) == 0);
    tide_canvas_free(c);
}

static void test_bad_arguments(void) {
    CHECK(fails_with(tide_canvas_new(0, 10, 3) == NULL ? -1 : 0, "size must be 1..32767"));
    CHECK(fails_with(tide_canvas_new(10, 40000, 3) == NULL ? -1 : 0, "size must be 1..32767"));
    CHECK(fails_with(tide_canvas_new(10, 10, 2) == NULL ? -1 : 0, "channels must be 3 (RGB) or 4"));
    CHECK(fails_with(tide_canvas_set_color(NULL, 0, 0, 0, 1), "canvas is NULL"));
    tide_canvas_free(NULL);
    tide_canvas *c = tide_canvas_new(10, 10, 4);
    CHECK(fails_with(tide_canvas_set_color(c, 1.5, 0, 0, 1), "red must be in [0, 1], got 1.5"));
    CHECK(fails_with(tide_canvas_set_color(c, 0, NAN, 0, 1), "green must be in [0, 1]"));
    CHECK(fails_with(tide_canvas_move_to(c, INFINITY, 0), "x must be a finite number"));
    CHECK(fails_with(tide_canvas_line_to(c, 0, 1e9), "y must be a finite number within +-1e7"));
    CHECK(fails_with(tide_canvas_set_line_width(c, -1), "line width must be a number in [0, 10000]"));
    double zeros[2] = {0, 0}, neg[2] = {1, -1};
    CHECK(fails_with(tide_canvas_set_dash(c, zeros, 2, 0), "must not all be 0"));
    CHECK(fails_with(tide_canvas_set_dash(c, neg, 2, 0), "dash length 2"));
    CHECK(fails_with(tide_canvas_set_dash(c, NULL, 2, 0), "dash lengths are NULL"));
    double dash[2] = {4, 2};
    CHECK(tide_canvas_set_dash(c, dash, 2, 0) == 0 && tide_canvas_set_dash(c, NULL, 0, 0) == 0);
    CHECK(fails_with(tide_canvas_set_line_style(c, 3, 0), "unknown line cap 3"));
    CHECK(fails_with(tide_canvas_pop_state(c), "no state was pushed"));
    for (int i = 0; i < 64; i++) CHECK(tide_canvas_push_state(c) == 0);
    CHECK(fails_with(tide_canvas_push_state(c), "more than 64 states"));
    for (int i = 0; i < 64; i++) CHECK(tide_canvas_pop_state(c) == 0);
    CHECK(fails_with(tide_canvas_circle(c, 0, 0, -2), "radius"));
    CHECK(fails_with(tide_canvas_save_png(c, ""), "path is empty"));
    CHECK(fails_with(tide_canvas_save_png(c, "/nonexistent-dir/x.png"), "cannot create '/nonexistent-dir/x.png'"));
    CHECK(fails_with(tide_canvas_save_png(c, "/tmp/"), "names a folder"));
    CHECK(tide_canvas_to_tensor(NULL) == NULL);
    tide_clear_error();
    tide_canvas_free(c);
}

/* files in dir whose name starts with prefix */
static int count_files(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) n++;
    closedir(d);
    return n;
}

static void test_png(void) {
    char dir[] = "/tmp/tide_canvas_test_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/out.png", dir);
    for (int channels = 3; channels <= 4; channels++) {
        tide_canvas *c = tide_canvas_new(33, 17, channels);
        CHECK(tide_canvas_clear(c, 0.2, 0.4, 0.6, 1) == 0);
        CHECK(tide_canvas_save_png(c, path) == 0);
        FILE *f = fopen(path, "rb");
        unsigned char h[33];
        CHECK(f && fread(h, 1, 33, f) == 33);
        if (f) fclose(f);
        CHECK(memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(h + 12, "IHDR", 4) == 0);
        uint32_t w = (uint32_t)h[16] << 24 | h[17] << 16 | h[18] << 8 | h[19];
        uint32_t ht = (uint32_t)h[20] << 24 | h[21] << 16 | h[22] << 8 | h[23];
        CHECK(w == 33 && ht == 17);
        CHECK(h[24] == 8 && h[25] == (channels == 4 ? 6 : 2)); /* 8-bit RGBA / RGB */
        tide_canvas_free(c);
    }
    /* replaced atomically: the only file left is out.png (no temp files) */
    CHECK(count_files(dir, "out.png") == 1);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
}

int main(void) {
    double t0 = tide_monotonic_seconds();
    test_shapes();
    test_polyline_markers();
    test_image();
    test_text();
    test_bad_arguments();
    test_png();
    double t1 = tide_monotonic_seconds();
    CHECK(t1 >= t0 && t1 - t0 < 60);
    return check_report("test_canvas");
}
