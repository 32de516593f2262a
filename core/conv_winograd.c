/* conv_winograd.c — placeholder while the Winograd kernels are written. */
#include "conv_internal.h"
bool conv_winograd_ok(const conv_geom *g) { (void)g; return false; }
int conv_winograd_forward(const conv_geom *g, const void *x, const void *w, const void *b, void *y, int accumulate) { return -1; }
int conv_winograd_backward(const conv_geom *g, const void *x, const void *w, const void *dy, void *dx, void *dw,
                           void *db, int accumulate) { return -1; }
