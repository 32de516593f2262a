/* conv_winograd.h — what the Winograd driver (conv_winograd.c) and its transforms
 * (conv_winograd_transforms.c) share. Private to core. */
#ifndef TIDE_CONV_WINOGRAD_H
#define TIDE_CONV_WINOGRAD_H

#include "conv_internal.h"

#include <string.h>

typedef float vf __attribute__((vector_size(64)));
#define VL 16 /* floats per vector */
#define R 6   /* tiles per register block of the product kernel */

#define VLOAD(p) ({ vf v_; memcpy(&v_, (p), sizeof v_); v_; })
#define VSTORE(p, v) ({ vf s_ = (v); memcpy((p), &s_, sizeof s_); })

/* One Winograd convolution F(m x m, 3 x 3): x [N, Cin, H, W] -> y [N, Cout, OH, OW], padding
 * (ph, pw), stride 1. Tiles of m x m outputs read a x a input patches (a = m + 2); the products
 * run over the nx = a*a positions. Work items are bands of `band` tile rows of one image. */
typedef struct {
    int m, a, nx;
    int64_t N, Cin, H, W, Cout, ph, pw;
    int64_t OH, OW, TH, TW; /* output size, tile rows and columns */
    int64_t Cinp, Coutp;    /* channels rounded up to whole vectors */
    int64_t Wp;             /* padded input columns of a band: m*TW + 2 */
    int64_t band, nbands, items;
} wgeom;

/* Buffer layouts (floats), per work item of nty tile rows (t = tile index in the band); a tile's
 * transformed positions are contiguous (written together, read by the products at a stride):
 *   Xb   [Cinp/16][m*nty + 2][Wp][16]     input rows, zero-padded, 16 channels per vector
 *   V    [band*TW + R][nx][Cinp]          transformed input patches (tiles past the last one 0)
 *   Mloc [nx][R][Coutp]                   products of one register block of R tiles
 *   Yb   [Coutp/16][m*band*OW][16]        outputs of the band's rows, positions flattened
 *   dyb  [Coutp/16][m*nty][m*TW][16]      output gradient rows, zero past the edges
 *   dM   [nty*TW][nx][Coutp]              transformed output gradient tiles
 *   U    [nx][Cin][Coutp], dU [nx][Cinp][Coutp]   transformed kernels and their gradient */

/* U from w (zero in the padded output channels). Forward: U[xi][c][o] from w[o][c] (w [Cout,
 * Cin, 3, 3]); rot: the input gradient's kernels, U[xi][o][c] from rot180(w[o][c]) with w of the
 * forward conv [O, C] = [Cin, Cout] here. */
void wino_weight_transform(const float *w, int64_t Cin, int64_t Cout, int64_t Coutp, int rot, int m, float *U);
/* V = B^T d B for the nty*TW tiles of Xb; the R rows after the last tile are zeroed. */
void wino_input_transform(const wgeom *q, const float *Xb, int64_t nty, float *V);
/* Yb = A^T M A (+ bias) for nt tiles of Mloc starting at band tile t0 of a band starting at tile
 * row ty0; outputs past the image's edge are dropped. */
void wino_output_transform(const wgeom *q, const float *Mloc, int64_t t0, int64_t nt, int64_t ty0, const float *biasp,
                           float *Yb);
/* dM = A p A^T for the m x m gradient tiles p of dyb. */
void wino_grad_transform(const wgeom *q, const float *dyb, int64_t nty, float *dM);
/* dw [Cout, Cin, 3, 3] (+)= G^T dU G with dU the sum of the nparts partial sums dUs (in order). */
void wino_weight_grad_out(const wgeom *q, const float *dUs, int nparts, float *dw, int accumulate);

#endif
