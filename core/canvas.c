/* canvas.c — the drawing API of tide/canvas.h over a cairo image surface, and the monotonic clock.
 *
 * Cairo puts a context into a permanent error state on bad input (an invalid string, a NaN in a
 * matrix, an unbalanced restore), so every argument is validated here before cairo sees it; if
 * cairo still reports an error, the message is recorded and the context is rebuilt (state reset
 * to the defaults), so a canvas never becomes unusable. */
#include "canvas_internal.h"

#include <stdlib.h>
#include <time.h>

#define MAX_DEPTH 64
#define MAX_DASHES 64

/* ---------------------------------------------------------------- helpers */

static void set_defaults(cairo_t *cr) {
    cairo_set_source_rgba(cr, 0, 0, 0, 1);
    cairo_set_line_width(cr, 1);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 12);
    cairo_font_options_t *fo = cairo_font_options_create();
    /* layout must not depend on hinting: text measured once is drawn at any position */
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
}

/* After a cairo call: 0 if the context is fine, else record the error, rebuild the context and
 * return -1. */
int canvas_check_cairo(tide_canvas *c, const char *op) {
    cairo_status_t st = cairo_status(c->cr);
    if (st == CAIRO_STATUS_SUCCESS) return 0;
    cairo_destroy(c->cr);
    c->cr = cairo_create(c->surface);
    c->depth = 0;
    set_defaults(c->cr);
    if (st == CAIRO_STATUS_NO_MEMORY) {
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        return -1;
    }
    TIDE_FAIL("%s: cairo error: %s (the canvas state was reset)", op, cairo_status_to_string(st));
    return -1;
}

static int check_size(const char *op, const char *what, double v, double max) {
    if (!isfinite(v) || v < 0 || v > max) {
        TIDE_FAIL("%s: %s must be a number in [0, %g], got %g", op, what, max, v);
        return -1;
    }
    return 0;
}

static int check_unit(const char *op, const char *what, double v) {
    if (!(v >= 0 && v <= 1)) { /* also rejects NaN */
        TIDE_FAIL("%s: %s must be in [0, 1], got %g", op, what, v);
        return -1;
    }
    return 0;
}

static int check_color(const char *op, double r, double g, double b, double a) {
    if (check_unit(op, "red", r) || check_unit(op, "green", g) || check_unit(op, "blue", b) ||
        check_unit(op, "alpha", a))
        return -1;
    return 0;
}

/* Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF): cairo rejects anything else by
 * poisoning the context. Returns the byte offset of the first bad byte, or -1 if valid. */
static int64_t utf8_invalid_at(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    int64_t i = 0;
    while (p[i]) {
        unsigned char c0 = p[i];
        int n;
        uint32_t cp;
        if (c0 < 0x80) {
            i++;
            continue;
        } else if (c0 >= 0xC2 && c0 <= 0xDF) {
            n = 1;
            cp = c0 & 0x1F;
        } else if (c0 >= 0xE0 && c0 <= 0xEF) {
            n = 2;
            cp = c0 & 0x0F;
        } else if (c0 >= 0xF0 && c0 <= 0xF4) {
            n = 3;
            cp = c0 & 0x07;
        } else {
            return i;
        }
        for (int k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += n + 1;
    }
    return -1;
}

static int check_text(const char *op, const char *what, const char *s) {
    if (!s) {
        TIDE_FAIL("%s: %s is NULL", op, what);
        return -1;
    }
    int64_t bad = utf8_invalid_at(s);
    if (bad >= 0) {
        TIDE_FAIL("%s: %s is not valid UTF-8 (bad byte 0x%02x at offset %lld)", op, what,
                  (unsigned)(unsigned char)s[bad], (long long)bad);
        return -1;
    }
    return 0;
}

/* A 1-d real tensor of n elements: values read as double through its strides. */
static int check_vector(const char *op, const char *what, const tide_tensor *t) {
    if (!t) {
        TIDE_FAIL("%s: %s is NULL", op, what);
        return -1;
    }
    if (t->ndim != 1) {
        char sb[TIDE_SHAPE_BUFSZ];
        TIDE_FAIL("%s: %s must be 1-d, got shape %s", op, what, tide_shape_str(t->ndim, t->shape, sb, sizeof sb));
        return -1;
    }
    if (t->dtype == TIDE_BOOL) {
        TIDE_FAIL("%s: %s must be a real tensor, got bool", op, what);
        return -1;
    }
    return 0;
}

static inline double vec_at(const tide_tensor *t, int64_t i) {
    return tide_load_as_double(tide_elem_ptr(t) + i * t->stride[0] * (int64_t)tide_dtype_size(t->dtype), t->dtype);
}

/* ---------------------------------------------------------------- lifetime */

tide_canvas *tide_canvas_new(int64_t width, int64_t height, int channels) {
    const char *op = "canvas_new";
    if (width < 1 || width > MAX_SIDE || height < 1 || height > MAX_SIDE) {
        TIDE_FAIL("%s: size must be 1..%d pixels each way, got %lld x %lld", op, MAX_SIDE, (long long)width,
                  (long long)height);
        return NULL;
    }
    if (channels != 3 && channels != 4) {
        TIDE_FAIL("%s: channels must be 3 (RGB) or 4 (RGBA), got %d", op, channels);
        return NULL;
    }
    tide_canvas *c = calloc(1, sizeof *c);
    if (!c) {
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        return NULL;
    }
    c->surface = cairo_image_surface_create(channels == 4 ? CAIRO_FORMAT_ARGB32 : CAIRO_FORMAT_RGB24, (int)width,
                                            (int)height);
    if (cairo_surface_status(c->surface) != CAIRO_STATUS_SUCCESS) {
        cairo_status_t st = cairo_surface_status(c->surface);
        cairo_surface_destroy(c->surface);
        free(c);
        tide_fail(st == CAIRO_STATUS_NO_MEMORY ? TIDE_ENOMEM : TIDE_EARG, "%s: cannot create a %lld x %lld surface: %s",
                  op, (long long)width, (long long)height, cairo_status_to_string(st));
        return NULL;
    }
    c->cr = cairo_create(c->surface);
    if (cairo_status(c->cr) != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(c->cr);
        cairo_surface_destroy(c->surface);
        free(c);
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        return NULL;
    }
    c->width = width;
    c->height = height;
    c->channels = channels;
    set_defaults(c->cr);
    return c;
}

void tide_canvas_free(tide_canvas *c) {
    if (!c) return;
    cairo_destroy(c->cr);
    cairo_surface_destroy(c->surface);
    free(c);
}

int tide_canvas_info(const tide_canvas *c, int64_t *out3) {
    if (check_canvas(c, "canvas_info")) return -1;
    if (!out3) return TIDE_FAIL("canvas_info: output pointer is NULL");
    out3[0] = c->width;
    out3[1] = c->height;
    out3[2] = c->channels;
    return 0;
}

/* ---------------------------------------------------------------- state */

int tide_canvas_set_color(tide_canvas *c, double r, double g, double b, double a) {
    const char *op = "canvas_set_color";
    if (check_canvas(c, op) || check_color(op, r, g, b, a)) return -1;
    cairo_set_source_rgba(c->cr, r, g, b, a);
    return canvas_check_cairo(c, op);
}

int tide_canvas_set_line_width(tide_canvas *c, double width) {
    const char *op = "canvas_set_line_width";
    if (check_canvas(c, op) || check_size(op, "line width", width, 1e4)) return -1;
    cairo_set_line_width(c->cr, width);
    return canvas_check_cairo(c, op);
}

int tide_canvas_set_dash(tide_canvas *c, const double *dashes, int n, double offset) {
    const char *op = "canvas_set_dash";
    if (check_canvas(c, op)) return -1;
    if (n < 0 || n > MAX_DASHES) return TIDE_FAIL("%s: expected 0..%d dash lengths, got %d", op, MAX_DASHES, n);
    if (n > 0 && !dashes) return TIDE_FAIL("%s: dash lengths are NULL", op);
    if (!isfinite(offset) || fabs(offset) > 1e6) return TIDE_FAIL("%s: offset must be a finite number, got %g", op, offset);
    double total = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(dashes[i]) || dashes[i] < 0 || dashes[i] > 1e6)
            return TIDE_FAIL("%s: dash length %d must be a number in [0, 1e6], got %g", op, i + 1, dashes[i]);
        total += dashes[i];
    }
    if (n > 0 && total <= 0) return TIDE_FAIL("%s: dash lengths must not all be 0", op);
    cairo_set_dash(c->cr, dashes, n, offset);
    return canvas_check_cairo(c, op);
}

int tide_canvas_set_line_style(tide_canvas *c, int cap, int join) {
    const char *op = "canvas_set_line_style";
    if (check_canvas(c, op)) return -1;
    static const cairo_line_cap_t caps[] = {CAIRO_LINE_CAP_BUTT, CAIRO_LINE_CAP_ROUND, CAIRO_LINE_CAP_SQUARE};
    static const cairo_line_join_t joins[] = {CAIRO_LINE_JOIN_MITER, CAIRO_LINE_JOIN_ROUND, CAIRO_LINE_JOIN_BEVEL};
    if (cap < 0 || cap > 2) return TIDE_FAIL("%s: unknown line cap %d (0 butt, 1 round, 2 square)", op, cap);
    if (join < 0 || join > 2) return TIDE_FAIL("%s: unknown line join %d (0 miter, 1 round, 2 bevel)", op, join);
    cairo_set_line_cap(c->cr, caps[cap]);
    cairo_set_line_join(c->cr, joins[join]);
    return canvas_check_cairo(c, op);
}

int tide_canvas_push_state(tide_canvas *c) {
    const char *op = "canvas_push_state";
    if (check_canvas(c, op)) return -1;
    if (c->depth >= MAX_DEPTH) return TIDE_FAIL("%s: more than %d states pushed", op, MAX_DEPTH);
    cairo_save(c->cr);
    c->depth++;
    return canvas_check_cairo(c, op);
}

int tide_canvas_pop_state(tide_canvas *c) {
    const char *op = "canvas_pop_state";
    if (check_canvas(c, op)) return -1;
    if (c->depth <= 0) return TIDE_FAIL("%s: no state was pushed", op);
    cairo_restore(c->cr);
    c->depth--;
    return canvas_check_cairo(c, op);
}

int tide_canvas_clip_rect(tide_canvas *c, double x, double y, double w, double h) {
    const char *op = "canvas_clip_rect";
    if (check_canvas(c, op) || check_coord(op, "x", x) || check_coord(op, "y", y) || check_coord(op, "width", w) ||
        check_coord(op, "height", h))
        return -1;
    cairo_new_path(c->cr);
    cairo_rectangle(c->cr, x, y, w, h);
    cairo_clip(c->cr);
    return canvas_check_cairo(c, op);
}

int tide_canvas_reset_clip(tide_canvas *c) {
    const char *op = "canvas_reset_clip";
    if (check_canvas(c, op)) return -1;
    cairo_reset_clip(c->cr);
    return canvas_check_cairo(c, op);
}

int tide_canvas_clear(tide_canvas *c, double r, double g, double b, double a) {
    const char *op = "canvas_clear";
    if (check_canvas(c, op) || check_color(op, r, g, b, a)) return -1;
    cairo_save(c->cr);
    cairo_reset_clip(c->cr);
    cairo_set_operator(c->cr, CAIRO_OPERATOR_SOURCE);
    cairo_set_source_rgba(c->cr, r, g, b, c->channels == 4 ? a : 1.0);
    cairo_paint(c->cr);
    cairo_restore(c->cr);
    return canvas_check_cairo(c, op);
}

/* ---------------------------------------------------------------- paths */

int tide_canvas_new_path(tide_canvas *c) {
    if (check_canvas(c, "canvas_new_path")) return -1;
    cairo_new_path(c->cr);
    return canvas_check_cairo(c, "canvas_new_path");
}

int tide_canvas_move_to(tide_canvas *c, double x, double y) {
    const char *op = "canvas_move_to";
    if (check_canvas(c, op) || check_coord(op, "x", x) || check_coord(op, "y", y)) return -1;
    cairo_move_to(c->cr, x, y);
    return canvas_check_cairo(c, op);
}

int tide_canvas_line_to(tide_canvas *c, double x, double y) {
    const char *op = "canvas_line_to";
    if (check_canvas(c, op) || check_coord(op, "x", x) || check_coord(op, "y", y)) return -1;
    cairo_line_to(c->cr, x, y);
    return canvas_check_cairo(c, op);
}

int tide_canvas_curve_to(tide_canvas *c, double x1, double y1, double x2, double y2, double x3, double y3) {
    const char *op = "canvas_curve_to";
    if (check_canvas(c, op) || check_coord(op, "x1", x1) || check_coord(op, "y1", y1) || check_coord(op, "x2", x2) ||
        check_coord(op, "y2", y2) || check_coord(op, "x3", x3) || check_coord(op, "y3", y3))
        return -1;
    cairo_curve_to(c->cr, x1, y1, x2, y2, x3, y3);
    return canvas_check_cairo(c, op);
}

int tide_canvas_close_path(tide_canvas *c) {
    if (check_canvas(c, "canvas_close_path")) return -1;
    cairo_close_path(c->cr);
    return canvas_check_cairo(c, "canvas_close_path");
}

int tide_canvas_rect(tide_canvas *c, double x, double y, double w, double h) {
    const char *op = "canvas_rect";
    if (check_canvas(c, op) || check_coord(op, "x", x) || check_coord(op, "y", y) || check_coord(op, "width", w) ||
        check_coord(op, "height", h))
        return -1;
    cairo_rectangle(c->cr, x, y, w, h);
    return canvas_check_cairo(c, op);
}

int tide_canvas_circle(tide_canvas *c, double x, double y, double radius) {
    const char *op = "canvas_circle";
    if (check_canvas(c, op) || check_coord(op, "x", x) || check_coord(op, "y", y) ||
        check_size(op, "radius", radius, MAX_COORD))
        return -1;
    cairo_new_sub_path(c->cr);
    cairo_arc(c->cr, x, y, radius, 0, 2 * M_PI);
    cairo_close_path(c->cr);
    return canvas_check_cairo(c, op);
}

/* Liang-Barsky: clip the segment (x0,y0)-(x1,y1) to [lo, hi]^2 box; false if nothing is left. */
static int clip_segment(double *x0, double *y0, double *x1, double *y1, double xlo, double ylo, double xhi,
                        double yhi) {
    double t0 = 0, t1 = 1, dx = *x1 - *x0, dy = *y1 - *y0;
    double p[4] = {-dx, dx, -dy, dy};
    double q[4] = {*x0 - xlo, xhi - *x0, *y0 - ylo, yhi - *y0};
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0) return 0;
        } else {
            double r = q[i] / p[i];
            if (p[i] < 0) {
                if (r > t1) return 0;
                if (r > t0) t0 = r;
            } else {
                if (r < t0) return 0;
                if (r < t1) t1 = r;
            }
        }
    }
    double ax = *x0 + t0 * dx, ay = *y0 + t0 * dy, bx = *x0 + t1 * dx, by = *y0 + t1 * dy;
    *x0 = ax, *y0 = ay, *x1 = bx, *y1 = by;
    return 1;
}

/* The segment stream of a polyline: each point joins the previous one with a segment clipped
 * to a box well around the canvas (what lies beyond it is never visible, even with thick lines);
 * a gap lifts the pen. */
struct seg_stream {
    cairo_t *cr;
    double xlo, ylo, xhi, yhi;
    int have;       /* a previous point (px, py) */
    double px, py;
    int down;       /* the pen is at (lx, ly) */
    double lx, ly;
};

static void stream_point(struct seg_stream *s, double x, double y) {
    if (s->have) {
        double ax = s->px, ay = s->py, bx = x, by = y;
        if (clip_segment(&ax, &ay, &bx, &by, s->xlo, s->ylo, s->xhi, s->yhi)) {
            if (!s->down || ax != s->lx || ay != s->ly) cairo_move_to(s->cr, ax, ay);
            cairo_line_to(s->cr, bx, by);
            s->down = 1, s->lx = bx, s->ly = by;
        } else {
            s->down = 0;
        }
    }
    s->have = 1, s->px = x, s->py = y;
}

static void stream_gap(struct seg_stream *s) { s->have = 0, s->down = 0; }

/* Points falling in one pixel column are reduced to the first, lowest, highest and last of them
 * (in their order): the drawn line covers the same pixels, and a million-point curve reaches
 * cairo as a few thousand segments. */
struct column {
    int active;
    double col;
    int64_t i[4]; /* first, min, max, last */
    double x[4], y[4];
};

static void column_flush(struct column *b, struct seg_stream *s) {
    if (!b->active) return;
    int order[4] = {0, 1, 2, 3};
    if (b->i[2] < b->i[1]) order[1] = 2, order[2] = 1; /* min and max in the order they came */
    int64_t last = -1; /* indices come in increasing order: a repeated point is skipped */
    for (int k = 0; k < 4; k++) {
        int j = order[k];
        if (b->i[j] == last) continue;
        stream_point(s, b->x[j], b->y[j]);
        last = b->i[j];
    }
    b->active = 0;
}

int tide_canvas_polyline(tide_canvas *c, const tide_tensor *x, const tide_tensor *y) {
    const char *op = "canvas_polyline";
    if (check_canvas(c, op) || check_vector(op, "x", x) || check_vector(op, "y", y)) return -1;
    if (x->numel != y->numel)
        return TIDE_FAIL("%s: x has %lld points and y %lld", op, (long long)x->numel, (long long)y->numel);
    double m = 1000.0 + (double)(c->width > c->height ? c->width : c->height);
    struct seg_stream s = {c->cr, -m, -m, (double)c->width + m, (double)c->height + m, 0, 0, 0, 0, 0, 0};
    struct column b = {0};
    for (int64_t i = 0; i < x->numel; i++) {
        double px = vec_at(x, i), py = vec_at(y, i);
        if (!isfinite(px) || !isfinite(py)) {
            column_flush(&b, &s);
            stream_gap(&s);
            continue;
        }
        double col = floor(px);
        if (b.active && col == b.col) {
            if (py < b.y[1]) b.i[1] = i, b.x[1] = px, b.y[1] = py;
            if (py > b.y[2]) b.i[2] = i, b.x[2] = px, b.y[2] = py;
            b.i[3] = i, b.x[3] = px, b.y[3] = py;
            continue;
        }
        column_flush(&b, &s);
        b.active = 1, b.col = col;
        for (int k = 0; k < 4; k++) b.i[k] = i, b.x[k] = px, b.y[k] = py;
    }
    column_flush(&b, &s);
    return canvas_check_cairo(c, op);
}

int tide_canvas_stroke(tide_canvas *c, int preserve) {
    if (check_canvas(c, "canvas_stroke")) return -1;
    if (preserve)
        cairo_stroke_preserve(c->cr);
    else
        cairo_stroke(c->cr);
    return canvas_check_cairo(c, "canvas_stroke");
}

int tide_canvas_fill(tide_canvas *c, int preserve) {
    if (check_canvas(c, "canvas_fill")) return -1;
    if (preserve)
        cairo_fill_preserve(c->cr);
    else
        cairo_fill(c->cr);
    return canvas_check_cairo(c, "canvas_fill");
}

/* ---------------------------------------------------------------- markers */

/* Add one marker of size s (pixels across) centred at (x, y) to the path. */
static void marker_path(cairo_t *cr, int shape, double x, double y, double s) {
    double r = s / 2;
    switch (shape) {
    case TIDE_MARKER_CIRCLE:
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0, 2 * M_PI);
        cairo_close_path(cr);
        break;
    case TIDE_MARKER_SQUARE: cairo_rectangle(cr, x - r, y - r, s, s); break;
    case TIDE_MARKER_TRIANGLE: /* pointing up, centred on its centroid */
        cairo_move_to(cr, x, y - r * 1.15);
        cairo_line_to(cr, x + r, y + r * 0.58);
        cairo_line_to(cr, x - r, y + r * 0.58);
        cairo_close_path(cr);
        break;
    case TIDE_MARKER_DIAMOND:
        cairo_move_to(cr, x, y - r);
        cairo_line_to(cr, x + r, y);
        cairo_line_to(cr, x, y + r);
        cairo_line_to(cr, x - r, y);
        cairo_close_path(cr);
        break;
    case TIDE_MARKER_PLUS:
        cairo_move_to(cr, x - r, y);
        cairo_line_to(cr, x + r, y);
        cairo_move_to(cr, x, y - r);
        cairo_line_to(cr, x, y + r);
        break;
    default: /* cross */
        cairo_move_to(cr, x - r * 0.8, y - r * 0.8);
        cairo_line_to(cr, x + r * 0.8, y + r * 0.8);
        cairo_move_to(cr, x - r * 0.8, y + r * 0.8);
        cairo_line_to(cr, x + r * 0.8, y - r * 0.8);
        break;
    }
}

int tide_canvas_markers(tide_canvas *c, const tide_tensor *x, const tide_tensor *y, int shape, double size,
                        const tide_tensor *colors) {
    const char *op = "canvas_markers";
    if (check_canvas(c, op) || check_vector(op, "x", x) || check_vector(op, "y", y)) return -1;
    if (x->numel != y->numel)
        return TIDE_FAIL("%s: x has %lld points and y %lld", op, (long long)x->numel, (long long)y->numel);
    if (shape < TIDE_MARKER_CIRCLE || shape > TIDE_MARKER_CROSS)
        return TIDE_FAIL("%s: unknown marker shape %d (0..5: circle, square, triangle, diamond, plus, cross)", op, shape);
    if (check_size(op, "marker size", size, 1e4)) return -1;
    int nc = 0;
    if (colors) {
        char sb[TIDE_SHAPE_BUFSZ];
        if (colors->dtype != TIDE_UINT8 || colors->ndim != 2 || colors->shape[0] != x->numel ||
            (colors->shape[1] != 3 && colors->shape[1] != 4))
            return TIDE_FAIL("%s: colors must be uint8 [%lld, 3] or [%lld, 4], got %s %s", op, (long long)x->numel,
                             (long long)x->numel, tide_dtype_name(colors->dtype),
                             tide_shape_str(colors->ndim, colors->shape, sb, sizeof sb));
        nc = (int)colors->shape[1];
    }
    int stroked = shape == TIDE_MARKER_PLUS || shape == TIDE_MARKER_CROSS;
    double pad = size + 2;
    cairo_t *cr = c->cr;
    cairo_new_path(cr);
    cairo_save(cr);
    for (int64_t i = 0; i < x->numel; i++) {
        double px = vec_at(x, i), py = vec_at(y, i);
        if (!isfinite(px) || !isfinite(py) || px < -pad || py < -pad || px > (double)c->width + pad ||
            py > (double)c->height + pad)
            continue;
        marker_path(cr, shape, px, py, size);
        if (nc) { /* each point its own colour: draw it now */
            const uint8_t *p = (const uint8_t *)tide_elem_ptr(colors) + i * colors->stride[0];
            int64_t s1 = colors->stride[1];
            cairo_set_source_rgba(cr, p[0] / 255.0, p[s1] / 255.0, p[2 * s1] / 255.0, nc == 4 ? p[3 * s1] / 255.0 : 1.0);
            if (stroked)
                cairo_stroke(cr);
            else
                cairo_fill(cr);
        }
    }
    if (!nc) {
        if (stroked)
            cairo_stroke(cr);
        else
            cairo_fill(cr);
    }
    cairo_restore(cr);
    cairo_new_path(cr);
    return canvas_check_cairo(c, op);
}

/* ---------------------------------------------------------------- text */

int tide_canvas_set_font(tide_canvas *c, const char *family, double size, int bold, int italic) {
    const char *op = "canvas_set_font";
    if (check_canvas(c, op) || check_text(op, "font family", family)) return -1;
    if (!isfinite(size) || size <= 0 || size > 1e4) return TIDE_FAIL("%s: font size must be in (0, 1e4], got %g", op, size);
    cairo_select_font_face(c->cr, family[0] ? family : "sans-serif",
                           italic ? CAIRO_FONT_SLANT_ITALIC : CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(c->cr, size);
    return canvas_check_cairo(c, op);
}

int tide_canvas_text_extents(tide_canvas *c, const char *text, double *out4) {
    const char *op = "canvas_text_extents";
    if (check_canvas(c, op) || check_text(op, "text", text)) return -1;
    if (!out4) return TIDE_FAIL("%s: output pointer is NULL", op);
    cairo_text_extents_t te;
    cairo_font_extents_t fe;
    cairo_text_extents(c->cr, text, &te);
    cairo_font_extents(c->cr, &fe);
    if (canvas_check_cairo(c, op)) return -1;
    out4[0] = te.x_advance;
    out4[1] = fe.ascent + fe.descent;
    out4[2] = fe.ascent;
    out4[3] = fe.descent;
    return 0;
}

int tide_canvas_text(tide_canvas *c, const char *text, double x, double y, double halign, int valign, double angle) {
    const char *op = "canvas_text";
    if (check_canvas(c, op) || check_text(op, "text", text) || check_coord(op, "x", x) || check_coord(op, "y", y))
        return -1;
    if (!(halign >= 0 && halign <= 1)) return TIDE_FAIL("%s: halign must be in [0, 1], got %g", op, halign);
    if (valign < TIDE_TEXT_TOP || valign > TIDE_TEXT_BOTTOM)
        return TIDE_FAIL("%s: unknown valign %d (0 top, 1 middle, 2 baseline, 3 bottom)", op, valign);
    if (!isfinite(angle) || fabs(angle) > 1e6) return TIDE_FAIL("%s: angle must be a finite number, got %g", op, angle);
    cairo_t *cr = c->cr;
    cairo_new_path(cr);
    if (!text[0]) return 0;
    cairo_text_extents_t te;
    cairo_font_extents_t fe;
    cairo_text_extents(cr, text, &te);
    cairo_font_extents(cr, &fe);
    double dy = 0;
    switch (valign) {
    case TIDE_TEXT_TOP: dy = fe.ascent; break;
    case TIDE_TEXT_MIDDLE: dy = (fe.ascent - fe.descent) / 2; break;
    case TIDE_TEXT_BOTTOM: dy = -fe.descent; break;
    default: dy = 0; break;
    }
    cairo_save(cr);
    cairo_translate(cr, x, y);
    if (angle != 0) cairo_rotate(cr, -fmod(angle, 360.0) * M_PI / 180.0);
    cairo_move_to(cr, -halign * te.x_advance, dy);
    cairo_show_text(cr, text);
    cairo_restore(cr);
    cairo_new_path(cr);
    return canvas_check_cairo(c, op);
}

/* ---------------------------------------------------------------- time */

double tide_monotonic_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
