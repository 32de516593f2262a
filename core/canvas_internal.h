/* canvas_internal.h — what core/canvas.c and core/canvas_image.c share: the canvas struct and
 * argument checks. Not part of the public API. */
#ifndef TIDE_CANVAS_INTERNAL_H
#define TIDE_CANVAS_INTERNAL_H

#include "internal.h"
#include "tide/canvas.h"

#include <cairo.h>
#include <math.h>

#define MAX_SIDE 32767
#define MAX_COORD 1e7 /* cairo's 24.8 fixed point holds about +-8.3e6; beyond is a caller bug */

struct tide_canvas {
    cairo_surface_t *surface;
    cairo_t *cr;
    int64_t width, height;
    int channels;
    int depth; /* push_state nesting */
};

/* After a cairo call: 0 if the context is fine, else record the error, rebuild the context (state
 * back to the defaults) and return -1. */
__attribute__((visibility("hidden"))) int canvas_check_cairo(tide_canvas *c, const char *op);

static inline int check_canvas(const tide_canvas *c, const char *op) {
    if (!c) {
        TIDE_FAIL("%s: canvas is NULL", op);
        return -1;
    }
    return 0;
}

static inline int check_coord(const char *op, const char *what, double v) {
    if (!isfinite(v) || fabs(v) > MAX_COORD) {
        TIDE_FAIL("%s: %s must be a finite number within +-1e7 pixels, got %g", op, what, v);
        return -1;
    }
    return 0;
}

#endif
