/* canvas_image.c — pixels in and out of a canvas: drawing uint8 image tensors (scaled, nearest or
 * bilinear), the pixels as a tensor, and PNG output through libpng, written atomically. */
#include "canvas_internal.h"
#include "tide/io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- images */

int tide_canvas_image(tide_canvas *c, const tide_tensor *img, double x, double y, double w, double h, int filter) {
    const char *op = "canvas_image";
    if (check_canvas(c, op) || check_coord(op, "x", x) || check_coord(op, "y", y) || check_coord(op, "width", w) ||
        check_coord(op, "height", h))
        return -1;
    if (!img) return TIDE_FAIL("%s: image is NULL", op);
    char sb[TIDE_SHAPE_BUFSZ];
    int64_t ch = img->ndim == 3 ? img->shape[2] : 1;
    if (img->dtype != TIDE_UINT8 || (img->ndim != 2 && img->ndim != 3) || ch < 1 || ch > 4)
        return TIDE_FAIL("%s: expected a uint8 image [H, W] or [H, W, C] with C in 1..4, got %s %s", op,
                         tide_dtype_name(img->dtype), tide_shape_str(img->ndim, img->shape, sb, sizeof sb));
    int64_t ih = img->shape[0], iw = img->shape[1];
    if (ih < 1 || iw < 1 || ih > MAX_SIDE || iw > MAX_SIDE)
        return TIDE_FAIL("%s: image size must be 1..%d pixels each way, got %lld x %lld", op, MAX_SIDE, (long long)iw,
                         (long long)ih);
    if (filter != TIDE_FILTER_NEAREST && filter != TIDE_FILTER_BILINEAR)
        return TIDE_FAIL("%s: unknown filter %d (0 nearest, 1 bilinear)", op, filter);
    if (w <= 0 || h <= 0) return 0; /* nothing to draw */

    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)iw, (int)ih);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        tide_fail(TIDE_ENOMEM, "%s: out of memory for a %lld x %lld image", op, (long long)iw, (long long)ih);
        return -1;
    }
    cairo_surface_flush(s);
    uint8_t *dst = cairo_image_surface_get_data(s);
    int dstride = cairo_image_surface_get_stride(s);
    const uint8_t *base = (const uint8_t *)tide_elem_ptr(img);
    int64_t s0 = img->stride[0], s1 = img->stride[1], s2 = img->ndim == 3 ? img->stride[2] : 0;
    for (int64_t i = 0; i < ih; i++) {
        uint32_t *row = (uint32_t *)(dst + i * dstride);
        for (int64_t j = 0; j < iw; j++) {
            const uint8_t *p = base + i * s0 + j * s1;
            uint32_t r, g, b, a = 255;
            if (ch <= 2) {
                r = g = b = p[0];
                if (ch == 2) a = p[s2];
            } else {
                r = p[0], g = p[s2], b = p[2 * s2];
                if (ch == 4) a = p[3 * s2];
            }
            if (a != 255) { /* cairo wants premultiplied alpha */
                r = (r * a + 127) / 255, g = (g * a + 127) / 255, b = (b * a + 127) / 255;
            }
            row[j] = (a << 24) | (r << 16) | (g << 8) | b;
        }
    }
    cairo_surface_mark_dirty(s);

    cairo_t *cr = c->cr;
    cairo_new_path(cr);
    cairo_save(cr);
    cairo_pattern_t *pat = cairo_pattern_create_for_surface(s);
    cairo_matrix_t m; /* pattern space = image pixels; user space = canvas pixels */
    cairo_matrix_init_scale(&m, (double)iw / w, (double)ih / h);
    cairo_matrix_translate(&m, -x, -y);
    cairo_pattern_set_matrix(pat, &m);
    cairo_pattern_set_filter(pat, filter == TIDE_FILTER_NEAREST ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_BILINEAR);
    cairo_pattern_set_extend(pat, CAIRO_EXTEND_PAD);
    cairo_set_source(cr, pat);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_pattern_destroy(pat);
    cairo_surface_destroy(s);
    return canvas_check_cairo(c, op);
}

/* ---------------------------------------------------------------- output */

/* Rows of the surface as 8-bit RGB / RGBA, not premultiplied: dst is height x width x channels. */
static void surface_pixels(const tide_canvas *c, uint8_t *dst) {
    cairo_surface_flush(c->surface);
    const uint8_t *src = cairo_image_surface_get_data(c->surface);
    int stride = cairo_image_surface_get_stride(c->surface);
    int nc = c->channels;
    for (int64_t i = 0; i < c->height; i++) {
        const uint32_t *row = (const uint32_t *)(src + i * stride);
        uint8_t *o = dst + i * c->width * nc;
        for (int64_t j = 0; j < c->width; j++) {
            uint32_t p = row[j];
            uint32_t a = nc == 4 ? p >> 24 : 255, r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
            if (a == 0) {
                r = g = b = 0;
            } else if (a != 255) { /* undo premultiplication */
                r = (r * 255 + a / 2) / a, g = (g * 255 + a / 2) / a, b = (b * 255 + a / 2) / a;
                r = r > 255 ? 255 : r, g = g > 255 ? 255 : g, b = b > 255 ? 255 : b;
            }
            o[j * nc] = (uint8_t)r, o[j * nc + 1] = (uint8_t)g, o[j * nc + 2] = (uint8_t)b;
            if (nc == 4) o[j * nc + 3] = (uint8_t)a;
        }
    }
}

/* Encoded by io_png.c (tide_png_encode) and written atomically by tide_file_write (io_file.c).
 * The folder is checked first so that a missing or read-only one is reported as this op's error. */
int tide_canvas_save_png(const tide_canvas *c, const char *path) {
    const char *op = "canvas_save_png";
    if (check_canvas(c, op)) return -1;
    if (!path || !path[0]) return TIDE_FAIL("%s: path is empty", op);
    size_t len = strlen(path);
    if (len > 4000) return TIDE_FAIL("%s: path is too long (%zu bytes)", op, len);
    if (path[len - 1] == '/') return TIDE_FAIL("%s: '%s' names a folder, not a file", op, path);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return TIDE_FAIL("%s: '%s' is a folder", op, path);
    const char *slash = strrchr(path, '/');
    char dir[4001];
    if (!slash)
        strcpy(dir, ".");
    else if (slash == path)
        strcpy(dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (access(dir, W_OK) != 0) return TIDE_FAIL("%s: cannot create '%s': %s", op, path, strerror(errno));
    tide_tensor *img = tide_canvas_to_tensor(c);
    tide_tensor *png = img ? tide_png_encode(img, -1) : NULL;
    tide_tensor_free(img);
    if (!png) return -1;
    const void *bufs[1] = {tide_tensor_data_ptr(png)};
    int64_t lens[1] = {png->numel};
    int rc = tide_file_write(path, 1, bufs, lens, op);
    tide_tensor_free(png);
    return rc;
}

tide_tensor *tide_canvas_to_tensor(const tide_canvas *c) {
    const char *op = "canvas_to_tensor";
    if (check_canvas(c, op)) return NULL;
    int64_t shape[3] = {c->height, c->width, c->channels};
    tide_tensor *t = tide_alloc(op, 3, shape, TIDE_UINT8);
    if (!t) return NULL;
    surface_pixels(c, (uint8_t *)tide_elem_ptr(t));
    return t;
}
