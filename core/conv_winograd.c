/* conv_winograd.c — 3x3 stride-1 convolutions in float32 by Winograd's minimal filtering
 * F(m x m, 3 x 3): a tile of m x m outputs costs (m+2)^2 multiply-adds per channel pair instead of
 * 9 m^2 — F(4x4): 36 instead of 144, F(2x2): 16 instead of 36 — which makes the middle layers of
 * an image network faster than any direct convolution. F(4x4) is used unless its larger tiles
 * would waste more than that (outputs one or two rows / columns wide).
 *
 * For one tile, with d the (m+2) x (m+2) input patch and g a channel pair's 3x3 kernel:
 *   y = A^T [ sum_c (G g G^T) (.) (B^T d B) ] A        ((.) elementwise over the positions xi)
 * (the matrices and their transforms are in conv_winograd_transforms.c), so the channel sums are
 * one matrix product per position:  M[xi] [tiles, Cout] = V[xi] [tiles, Cin] @ U[xi] [Cin, Cout]
 * with V the transformed input patches and U the transformed kernels.
 *
 * Layout and threads: work items are bands of tile rows of one image. An item copies its input
 * rows into a zero-padded channel-blocked buffer Xb [Cin/16][rows][cols][16] (a register
 * transpose of 16 planes at a time), so the transforms run on 16 channels per vector; the
 * products run in a register-blocked kernel (6 tiles x 64 output channels: 24 vector
 * accumulators, U rows loaded as vectors, V entries broadcast); the output transform writes the
 * band's outputs (plus bias) channel-blocked, transposed back to NCHW rows on the way out. All
 * threads are ours (OpenMP); no BLAS.
 *
 * The three products of training:
 *   forward          as above
 *   input gradient   dx = conv(dy, rot180(w) with in/out channels swapped, padding 2 - p): the
 *                    same forward on dy (needs p <= 2)
 *   weight gradient  dU[xi] [Cin, Cout] = sum over tiles of V[xi]^T @ dM[xi] with dM = A dy A^T
 *                    (dy's tiles, zero past the output's edge), then dw = G^T dU G; each thread
 *                    sums its items into its own dU, added together at the end.
 */
#include "conv_winograd.h"


typedef int32_t vi __attribute__((vector_size(64)));

/* Shuffle masks of the 16x16 transpose: stage k swaps bit k of the row and column indices (rows
 * i and i | 2^k exchange half their elements), so after four stages row and column are swapped. */
static const vi SWAP_LO[4] = {
    {0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30},
    {0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29},
    {0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27},
    {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23}};
static const vi SWAP_HI[4] = {
    {1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31},
    {2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31},
    {4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31},
    {8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31}};

/* r[i][j] <- r[j][i] for the 16 vectors r. */
static inline __attribute__((always_inline)) void transpose16(vf r[16]) {
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++) {
        int b = 1 << k;
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++) {
            if (i & b) continue;
            vf a = r[i], c = r[i | b];
            r[i] = __builtin_shuffle(a, c, SWAP_LO[k]);
            r[i | b] = __builtin_shuffle(a, c, SWAP_HI[k]);
        }
    }
}

/* From `lanes` (<= 16) planes src + l*plane_stride, the npos consecutive elements starting at
 * each plane's start, into the channel-blocked buffer: element p of plane l goes to lane l of
 * dst[((p / row_len) * dst_row + p % row_len) * 16] (lanes >= `lanes` get 0). */
static TIDE_HOT void planes_to_blocked(const float *src, int64_t plane_stride, int64_t lanes, int64_t npos,
                                       int64_t row_len, int64_t dst_row, float *dst) {
    int64_t p0 = 0;
    for (; p0 + VL <= npos; p0 += VL) {
        vf r[16];
        if (lanes == 16) {
#pragma GCC unroll 16
            for (int l = 0; l < 16; l++) r[l] = VLOAD(src + l * plane_stride + p0);
        } else {
#pragma GCC unroll 16
            for (int l = 0; l < 16; l++) r[l] = l < lanes ? VLOAD(src + l * plane_stride + p0) : (vf){0};
        }
        transpose16(r);
        int64_t row = p0 / row_len, col = p0 % row_len;
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++) {
            VSTORE(dst + (row * dst_row + col) * VL, r[i]);
            if (++col == row_len) col = 0, row++;
        }
    }
    for (int64_t p = p0; p < npos; p++) {
        float *d = dst + ((p / row_len) * dst_row + p % row_len) * VL;
        for (int64_t l = 0; l < lanes; l++) d[l] = src[l * plane_stride + p];
    }
}

/* Threshold below which the im2col path is used instead (channel counts). */
#define WINO_MIN_CHANNELS 8

bool conv_winograd_ok(const conv_geom *g) {
    return g->dtype == TIDE_FLOAT32 && g->KH == 3 && g->KW == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 &&
           g->dw == 1 && g->G == 1 && g->ph <= 2 && g->pw <= 2 && g->C >= WINO_MIN_CHANNELS &&
           g->O >= WINO_MIN_CHANNELS && g->OH >= 2 && g->OW >= 2;
}

static int64_t round16(int64_t n) { return (n + 15) / 16 * 16; }

/* The tile size for an OH x OW output: F(4x4) unless its larger tiles waste enough of their
 * 36 positions to lose to F(2x2)'s 16 (outputs of one or two rows / columns). */
static int tile_size(int64_t OH, int64_t OW) {
    double w4 = (double)((OH + 3) / 4) * (double)((OW + 3) / 4) * 36;
    double w2 = (double)((OH + 1) / 2) * (double)((OW + 1) / 2) * 16;
    return w4 < w2 ? 4 : 2;
}

static void wgeom_init(wgeom *q, int m, int64_t N, int64_t Cin, int64_t H, int64_t W, int64_t Cout, int64_t ph,
                       int64_t pw, int nth) {
    q->m = m, q->a = m + 2, q->nx = (m + 2) * (m + 2);
    q->N = N, q->Cin = Cin, q->H = H, q->W = W, q->Cout = Cout, q->ph = ph, q->pw = pw;
    q->OH = H + 2 * ph - 2, q->OW = W + 2 * pw - 2;
    q->TH = (q->OH + m - 1) / m, q->TW = (q->OW + m - 1) / m;
    q->Cinp = round16(Cin), q->Coutp = round16(Cout);
    q->Wp = m * q->TW + 2;
    /* enough items for every thread (4 each), bands of at least one tile row; tiles per band
     * bounded so the buffers stay in L2 */
    int64_t want = 4 * (int64_t)nth;
    int64_t per_image = (want + N - 1) / N;
    if (per_image > q->TH) per_image = q->TH;
    if (per_image < 1) per_image = 1;
    q->band = (q->TH + per_image - 1) / per_image;
    int64_t max_tiles = 16 * 256 / q->nx;
    if (q->band * q->TW > max_tiles) q->band = max_tiles / q->TW > 0 ? max_tiles / q->TW : 1;
    q->nbands = (q->TH + q->band - 1) / q->band;
    q->items = N * q->nbands;
}

/* Floats of one thread's buffers (see conv_winograd.h). */
static int64_t xb_size(const wgeom *q) { return q->Cinp * (q->m * q->band + 2) * q->Wp; }
static int64_t v_rows(const wgeom *q) { return q->band * q->TW + R; }
static int64_t v_size(const wgeom *q) { return q->nx * v_rows(q) * q->Cinp; }
static int64_t mloc_size(const wgeom *q) { return q->nx * R * q->Coutp; }

/* ---------------------------------------------------------------- layout */

/* Xb: the input rows of tile rows ty0 .. ty0+nty-1 of image n, zero outside the image and in the
 * padded channels. */
static void load_input(const wgeom *q, const float *x, int64_t n, int64_t ty0, int64_t nty, float *Xb) {
    int64_t rows = q->m * nty + 2, Wp = q->Wp, HW = q->H * q->W;
    memset(Xb, 0, sizeof(float) * (size_t)(q->Cinp * rows * Wp));
    int64_t iy0 = q->m * ty0 - q->ph, iy1 = iy0 + rows; /* input rows [iy0, iy1) */
    int64_t first = iy0 < 0 ? 0 : iy0, last = iy1 > q->H ? q->H : iy1;
    if (first >= last) return;
    for (int64_t cb = 0; cb < q->Cinp / VL; cb++) {
        int64_t lanes = q->Cin - cb * VL < VL ? q->Cin - cb * VL : VL;
        planes_to_blocked(x + (n * q->Cin + cb * VL) * HW + first * q->W, HW, lanes, (last - first) * q->W, q->W, Wp,
                          Xb + (cb * rows * Wp + (first - iy0) * Wp + q->pw) * VL);
    }
}

/* ---------------------------------------------------------------- the product kernels */

/* M [R][ldm] (o0 .. o0 + 16*NV) = V [R tiles][ldv] @ U [Cin][ldu]: R x NV vector accumulators;
 * per input channel NV rows of U loaded and R entries of V broadcast. */
static inline __attribute__((always_inline)) void gemm_block(const float *V, int64_t ldv, const float *U, int64_t ldu,
                                                             int64_t Cin, float *M, int64_t ldm, int NV) {
    vf acc[R][4];
#pragma GCC unroll 6
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[r][v] = (vf){0};
    for (int64_t c = 0; c < Cin; c++) {
        vf u[4];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) u[v] = VLOAD(U + c * ldu + v * VL);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            float s = V[r * ldv + c];
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) acc[r][v] += s * u[v];
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) VSTORE(M + r * ldm + v * VL, acc[r][v]);
}

/* Mloc[xi][R][Coutp] for the R tiles starting at row t0 of V. */
static TIDE_HOT void products(const wgeom *q, const float *V, const float *U, int64_t t0, float *Mloc) {
    int64_t Cinp = q->Cinp, Coutp = q->Coutp, ldv = q->nx * Cinp;
    for (int64_t xi = 0; xi < q->nx; xi++) {
        const float *v = V + (t0 * q->nx + xi) * Cinp;
        const float *u = U + xi * q->Cin * Coutp;
        float *m = Mloc + xi * R * Coutp;
        int64_t o0 = 0;
        for (; o0 + 4 * VL <= Coutp; o0 += 4 * VL) gemm_block(v, ldv, u + o0, Coutp, q->Cin, m + o0, Coutp, 4);
        switch ((Coutp - o0) / VL) {
        case 3: gemm_block(v, ldv, u + o0, Coutp, q->Cin, m + o0, Coutp, 3); break;
        case 2: gemm_block(v, ldv, u + o0, Coutp, q->Cin, m + o0, Coutp, 2); break;
        case 1: gemm_block(v, ldv, u + o0, Coutp, q->Cin, m + o0, Coutp, 1); break;
        default: break;
        }
    }
}

/* y[n, o, m*ty0 .., :] (=|+=) Yb: the band's output rows are one contiguous run per channel,
 * written 16 positions x 16 channels at a time through a register transpose. */
static TIDE_HOT void store_output(const wgeom *q, const float *Yb, int64_t n, int64_t ty0, int64_t nty, float *y,
                                  int accumulate) {
    int64_t m = q->m, OW = q->OW, L = q->OH * OW, ypos = m * q->band * OW;
    int64_t nrows = m * nty < q->OH - m * ty0 ? m * nty : q->OH - m * ty0, npos = nrows * OW;
    for (int64_t ob = 0; ob < q->Coutp / VL; ob++) {
        int64_t lanes = q->Cout - ob * VL < VL ? q->Cout - ob * VL : VL;
        const float *src = Yb + ob * ypos * VL;
        float *dst = y + (n * q->Cout + ob * VL) * L + m * ty0 * OW;
        int64_t p0 = 0;
        for (; p0 + VL <= npos; p0 += VL) {
            vf r[16];
#pragma GCC unroll 16
            for (int i = 0; i < 16; i++) r[i] = VLOAD(src + (p0 + i) * VL);
            transpose16(r);
            if (lanes == 16 && !accumulate) {
#pragma GCC unroll 16
                for (int l = 0; l < 16; l++) VSTORE(dst + l * L + p0, r[l]);
            } else {
#pragma GCC unroll 16
                for (int l = 0; l < 16; l++) {
                    if (l >= lanes) break;
                    float *d = dst + l * L + p0;
                    VSTORE(d, accumulate ? r[l] + VLOAD(d) : r[l]);
                }
            }
        }
        for (int64_t l = 0; l < lanes; l++)
            for (int64_t p = p0; p < npos; p++) {
                float v = src[p * VL + l];
                dst[l * L + p] = accumulate ? dst[l * L + p] + v : v;
            }
    }
}

/* y (+)= conv(x, U) (+ bias) over all items. */
static int wino_run(const wgeom *q, const float *x, const float *U, const float *bias, float *y, int accumulate,
                    int nth) {
    int64_t yb_n = q->Coutp * q->m * q->band * q->OW;
    int64_t per = xb_size(q) + v_size(q) + mloc_size(q) + yb_n;
    float *scratch = conv_scratch("conv2d", (nth * per + q->Coutp) * (int64_t)sizeof(float));
    if (!scratch) return -1;
    float *biasp = scratch + nth * per; /* bias padded to Coutp with zeros */
    for (int64_t o = 0; o < q->Coutp; o++) biasp[o] = bias && o < q->Cout ? bias[o] : 0;
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        int tid = conv_thread_num();
        float *Xb = scratch + tid * per, *V = Xb + xb_size(q), *Mloc = V + v_size(q), *Yb = Mloc + mloc_size(q);
#pragma omp for schedule(dynamic, 1)
        for (int64_t it = 0; it < q->items; it++) {
            int64_t n = it / q->nbands, ty0 = it % q->nbands * q->band;
            int64_t nty = q->TH - ty0 < q->band ? q->TH - ty0 : q->band, ntiles = nty * q->TW;
            load_input(q, x, n, ty0, nty, Xb);
            wino_input_transform(q, Xb, nty, V);
            for (int64_t t0 = 0; t0 < ntiles; t0 += R) {
                products(q, V, U, t0, Mloc);
                wino_output_transform(q, Mloc, t0, ntiles - t0 < R ? ntiles - t0 : R, ty0, biasp, Yb);
            }
            store_output(q, Yb, n, ty0, nty, y, accumulate);
        }
    }
    conv_scratch_free(scratch, (nth * per + q->Coutp) * (int64_t)sizeof(float));
    return 0;
}

static int threads_for(const conv_geom *g) {
    int nth = tide_threads_for(g->N * g->C * g->O * g->OH * g->OW / 16);
    return nth < 1 ? 1 : nth;
}

/* out (+)= q's convolution of in with the weight w [Cout, Cin, 3, 3] (rot: rotated by 180 degrees
 * and transposed, for the input gradient), plus bias when given: the weight transform into
 * scratch, then wino_run. */
static int wino_conv(const char *op, const wgeom *q, const float *in, const float *w, int rot, const float *bias,
                     float *out, int accumulate, int nth) {
    int64_t un = q->nx * q->Cin * q->Coutp;
    float *U = conv_scratch(op, un * (int64_t)sizeof(float));
    if (!U) return -1;
    wino_weight_transform(w, q->Cin, q->Cout, q->Coutp, rot, q->m, U);
    int rc = wino_run(q, in, U, bias, out, accumulate, nth);
    conv_scratch_free(U, un * (int64_t)sizeof(float));
    return rc;
}

int conv_winograd_forward(const conv_geom *g, const void *x, const void *w, const void *b, void *y, int accumulate) {
    int nth = threads_for(g);
    wgeom q;
    wgeom_init(&q, tile_size(g->OH, g->OW), g->N, g->C, g->H, g->W, g->O, g->ph, g->pw, nth);
    return wino_conv("conv2d", &q, x, w, 0, b, y, accumulate, nth);
}

/* ---------------------------------------------------------------- weight gradient */

/* dyb: dy rows of tile rows ty0 .. of image n, zero past the edges. */
static void load_grad(const wgeom *q, const float *dy, int64_t n, int64_t ty0, int64_t nty, float *dyb) {
    int64_t m = q->m, rows = m * nty, cols = m * q->TW, L = q->OH * q->OW;
    memset(dyb, 0, sizeof(float) * (size_t)(q->Coutp * rows * cols));
    int64_t nrows = rows < q->OH - m * ty0 ? rows : q->OH - m * ty0;
    for (int64_t ob = 0; ob < q->Coutp / VL; ob++) {
        int64_t lanes = q->Cout - ob * VL < VL ? q->Cout - ob * VL : VL;
        planes_to_blocked(dy + (n * q->Cout + ob * VL) * L + m * ty0 * q->OW, L, lanes, nrows * q->OW, q->OW, cols,
                          dyb + ob * rows * cols * VL);
    }
}

/* dU [4 channels][ldu] (o0 .. o0 + 16*NV) += sum over nt tiles of V[t][c0 .. c0+3] x dM[t][o..] */
static inline __attribute__((always_inline)) void wgrad_block(const float *V, int64_t ldv, const float *dM,
                                                              int64_t ldm, int64_t nt, float *dU, int64_t ldu, int NV) {
    vf acc[4][4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[r][v] = VLOAD(dU + r * ldu + v * VL);
    for (int64_t t = 0; t < nt; t++) {
        vf m[4];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) m[v] = VLOAD(dM + t * ldm + v * VL);
#pragma GCC unroll 4
        for (int r = 0; r < 4; r++) {
            float s = V[t * ldv + r];
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) acc[r][v] += s * m[v];
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) VSTORE(dU + r * ldu + v * VL, acc[r][v]);
}

/* dU[xi][c][o] += V[xi]^T dM[xi] over the item's nt tiles (channels in blocks of 4: Cinp is a
 * multiple of 16 and the padded channels of V are zero). */
static TIDE_HOT void wgrad_products(const wgeom *q, const float *V, const float *dM, int64_t nt, float *dU) {
    int64_t Cinp = q->Cinp, Coutp = q->Coutp, ldv = q->nx * Cinp, ldm = q->nx * Coutp;
    for (int64_t xi = 0; xi < q->nx; xi++) {
        const float *v = V + xi * Cinp, *m = dM + xi * Coutp;
        float *u = dU + xi * Cinp * Coutp;
        for (int64_t c0 = 0; c0 < Cinp; c0 += 4) {
            int64_t o0 = 0;
            for (; o0 + 4 * VL <= Coutp; o0 += 4 * VL)
                wgrad_block(v + c0, ldv, m + o0, ldm, nt, u + c0 * Coutp + o0, Coutp, 4);
            switch ((Coutp - o0) / VL) {
            case 3: wgrad_block(v + c0, ldv, m + o0, ldm, nt, u + c0 * Coutp + o0, Coutp, 3); break;
            case 2: wgrad_block(v + c0, ldv, m + o0, ldm, nt, u + c0 * Coutp + o0, Coutp, 2); break;
            case 1: wgrad_block(v + c0, ldv, m + o0, ldm, nt, u + c0 * Coutp + o0, Coutp, 1); break;
            default: break;
            }
        }
    }
}

/* The weight gradient sums over every tile of the batch. For results that do not depend on the
 * thread count or on scheduling, the items are cut into a fixed number of chunks (by geometry
 * only), each summed in order into its own dU by one thread, and the chunks' sums are added in
 * order at the end. */
#define WGRAD_MAX_CHUNKS 8
#define WGRAD_BAND_THREADS 8
#define WGRAD_CHUNK_BYTES ((int64_t)64 << 20) /* all chunks' dU together stay below this */

static int wino_weight_grad(const wgeom *q, const float *x, const float *dy, float *dw, int accumulate, int nth) {
    int64_t dyb_n = q->Coutp * q->m * q->band * q->m * q->TW, dm_n = q->nx * q->band * q->TW * q->Coutp;
    int64_t du_n = q->nx * q->Cinp * q->Coutp;
    int64_t per = xb_size(q) + v_size(q) + dyb_n + dm_n;
    int64_t nchunks = WGRAD_CHUNK_BYTES / (du_n * (int64_t)sizeof(float));
    if (nchunks > WGRAD_MAX_CHUNKS) nchunks = WGRAD_MAX_CHUNKS;
    if (nchunks > q->items) nchunks = q->items;
    if (nchunks < 1) nchunks = 1;
    if (nth > nchunks) nth = (int)nchunks;
    float *scratch = conv_scratch("conv2d backward", (nth * per + nchunks * du_n) * (int64_t)sizeof(float));
    if (!scratch) return -1;
    float *dUs = scratch + nth * per;
    memset(dUs, 0, sizeof(float) * (size_t)(nchunks * du_n));
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        int tid = conv_thread_num();
        float *Xb = scratch + tid * per, *V = Xb + xb_size(q), *dyb = V + v_size(q), *dM = dyb + dyb_n;
#pragma omp for schedule(dynamic, 1)
        for (int64_t ch = 0; ch < nchunks; ch++) {
            float *dU = dUs + ch * du_n;
            for (int64_t it = ch * q->items / nchunks; it < (ch + 1) * q->items / nchunks; it++) {
                int64_t n = it / q->nbands, ty0 = it % q->nbands * q->band;
                int64_t nty = q->TH - ty0 < q->band ? q->TH - ty0 : q->band;
                load_input(q, x, n, ty0, nty, Xb);
                wino_input_transform(q, Xb, nty, V);
                load_grad(q, dy, n, ty0, nty, dyb);
                wino_grad_transform(q, dyb, nty, dM);
                wgrad_products(q, V, dM, nty * q->TW, dU);
            }
        }
    }
    wino_weight_grad_out(q, dUs, (int)nchunks, dw, accumulate);
    conv_scratch_free(scratch, (nth * per + nchunks * du_n) * (int64_t)sizeof(float));
    return 0;
}

/* ---------------------------------------------------------------- backward entry */

int conv_winograd_backward(const conv_geom *g, const void *x, const void *w, const void *dy, void *dx, void *dw,
                           void *db, int accumulate) {
    int nth = threads_for(g);
    if (dx) { /* dx = conv(dy, rot180(w)^T) with padding 2 - p */
        wgeom q;
        wgeom_init(&q, tile_size(g->H, g->W), g->N, g->O, g->OH, g->OW, g->C, 2 - g->ph, 2 - g->pw, nth);
        int rc = wino_conv("conv2d backward", &q, dy, w, 1, NULL, dx, accumulate, nth);
        if (rc) return rc;
    }
    if (dw) {
        wgeom q; /* bands sized for a fixed thread count: the sums must not depend on the real one */
        wgeom_init(&q, tile_size(g->OH, g->OW), g->N, g->C, g->H, g->W, g->O, g->ph, g->pw, WGRAD_BAND_THREADS);
        if (wino_weight_grad(&q, x, dy, dw, accumulate, nth)) return -1;
    }
    if (db) conv_bias_backward(TIDE_FLOAT32, dy, db, g->N, g->O, g->OH * g->OW, accumulate);
    return 0;
}
