/* tide/canvas.h — a small 2-D drawing API over cairo, for plots and figures, plus a monotonic
 * clock for progress reports.
 *
 * A canvas is an RGB or RGBA raster of width x height pixels. Coordinates are in pixels from the
 * top-left corner (x right, y down); angles are in degrees, counter-clockwise as seen on screen.
 * Colour components are in [0, 1]. Drawing follows cairo's model: build a path (move_to,
 * line_to, curve_to, rect, circle, polyline), then stroke or fill it with the current colour,
 * line width and dash. Text, images and markers are drawn at once and clear the current path.
 *
 * Every function validates its arguments first (NULL pointers, non-finite or absurd numbers,
 * wrong tensor shapes or dtypes, malformed UTF-8) and returns -1 / NULL with a message readable
 * with tide_last_error(); a canvas stays usable after any failure. Coordinates beyond +-1e7
 * pixels are rejected (cairo's fixed-point range); polyline clips long segments itself.
 */
#ifndef TIDE_CANVAS_H
#define TIDE_CANVAS_H

#include "tide/tensor.h"

typedef struct tide_canvas tide_canvas;

/* vertical text alignment: which line of the text's box sits at y */
enum { TIDE_TEXT_TOP = 0, TIDE_TEXT_MIDDLE = 1, TIDE_TEXT_BASELINE = 2, TIDE_TEXT_BOTTOM = 3 };
/* image scaling */
enum { TIDE_FILTER_NEAREST = 0, TIDE_FILTER_BILINEAR = 1 };
/* marker shapes (plus and cross are stroked, the others filled) */
enum {
    TIDE_MARKER_CIRCLE = 0,
    TIDE_MARKER_SQUARE = 1,
    TIDE_MARKER_TRIANGLE = 2,
    TIDE_MARKER_DIAMOND = 3,
    TIDE_MARKER_PLUS = 4,
    TIDE_MARKER_CROSS = 5
};
/* line ends and joins */
enum { TIDE_CAP_BUTT = 0, TIDE_CAP_ROUND = 1, TIDE_CAP_SQUARE = 2 };
enum { TIDE_JOIN_MITER = 0, TIDE_JOIN_ROUND = 1, TIDE_JOIN_BEVEL = 2 };

/* ---- lifetime ---- */
/* A canvas of width x height (1..32767 each) with 3 (RGB) or 4 (RGBA) channels, cleared to
 * transparent black (RGBA) or black (RGB). Defaults: colour black, line width 1, solid lines,
 * butt caps, miter joins, font "sans-serif" 12 px regular. */
tide_canvas *tide_canvas_new(int64_t width, int64_t height, int channels);
void tide_canvas_free(tide_canvas *c);
/* out3 = {width, height, channels} */
int tide_canvas_info(const tide_canvas *c, int64_t *out3);

/* ---- state ---- */
int tide_canvas_set_color(tide_canvas *c, double r, double g, double b, double a);
int tide_canvas_set_line_width(tide_canvas *c, double width);
/* n on/off lengths in pixels (n = 0: solid), starting `offset` pixels into the pattern */
int tide_canvas_set_dash(tide_canvas *c, const double *dashes, int n, double offset);
int tide_canvas_set_line_style(tide_canvas *c, int cap, int join);
/* push / pop colour, line style, font and clip (at most 64 deep; pop without push fails) */
int tide_canvas_push_state(tide_canvas *c);
int tide_canvas_pop_state(tide_canvas *c);
/* intersect the clip region with a rectangle; reset_clip draws everywhere again */
int tide_canvas_clip_rect(tide_canvas *c, double x, double y, double w, double h);
int tide_canvas_reset_clip(tide_canvas *c);
/* fill the whole canvas (ignoring clip) with a colour */
int tide_canvas_clear(tide_canvas *c, double r, double g, double b, double a);

/* ---- paths ---- */
int tide_canvas_new_path(tide_canvas *c);
int tide_canvas_move_to(tide_canvas *c, double x, double y);
int tide_canvas_line_to(tide_canvas *c, double x, double y);
int tide_canvas_curve_to(tide_canvas *c, double x1, double y1, double x2, double y2, double x3, double y3);
int tide_canvas_close_path(tide_canvas *c);
int tide_canvas_rect(tide_canvas *c, double x, double y, double w, double h);
int tide_canvas_circle(tide_canvas *c, double x, double y, double radius);
/* x [n], y [n] (any real dtype, any strides) as connected segments; a non-finite coordinate
 * breaks the line; segments are clipped to a box around the canvas so far-away points are fine */
int tide_canvas_polyline(tide_canvas *c, const tide_tensor *x, const tide_tensor *y);
/* stroke / fill the current path; preserve != 0 keeps it for another stroke or fill */
int tide_canvas_stroke(tide_canvas *c, int preserve);
int tide_canvas_fill(tide_canvas *c, int preserve);

/* ---- markers ---- */
/* a marker of `shape` and `size` (pixels across) at each finite point (x [n], y [n]); colors NULL
 * uses the current colour, else uint8 [n, 3] or [n, 4] gives each point's colour */
int tide_canvas_markers(tide_canvas *c, const tide_tensor *x, const tide_tensor *y, int shape, double size,
                        const tide_tensor *colors);

/* ---- text (UTF-8) ---- */
/* family: a fontconfig name ("sans-serif", "DejaVu Sans", "monospace"); size in pixels (em) */
int tide_canvas_set_font(tide_canvas *c, const char *family, double size, int bold, int italic);
/* draw text anchored at (x, y): halign 0 left, 0.5 centre, 1 right (any value in [0, 1]);
 * valign a TIDE_TEXT_* line; the text is rotated by angle degrees about the anchor */
int tide_canvas_text(tide_canvas *c, const char *text, double x, double y, double halign, int valign, double angle);
/* out4 = {advance width, font height (ascent + descent), ascent, descent} in the current font */
int tide_canvas_text_extents(tide_canvas *c, const char *text, double *out4);

/* ---- images ---- */
/* draw a uint8 image [H, W] (gray), [H, W, 1|2|3|4] (gray, gray+alpha, RGB, RGBA) scaled into the
 * rectangle (x, y, w, h) with a TIDE_FILTER_* */
int tide_canvas_image(tide_canvas *c, const tide_tensor *img, double x, double y, double w, double h, int filter);

/* ---- output ---- */
/* write a PNG (8-bit RGB or RGBA) atomically: a temp file in the same folder, fsync, rename */
int tide_canvas_save_png(const tide_canvas *c, const char *path);
/* the pixels as uint8 [height, width, channels] (RGBA not premultiplied) */
tide_tensor *tide_canvas_to_tensor(const tide_canvas *c);

/* ---- time ---- */
/* seconds from an arbitrary fixed point, never going backwards (CLOCK_MONOTONIC) */
double tide_monotonic_seconds(void);

#endif
