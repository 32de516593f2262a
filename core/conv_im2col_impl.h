/* conv_im2col_impl.h — the im2col kernels for one element type, included by conv_im2col.c with
 * T (float / double), SFX (f32 / f64) and GEMM (cblas_sgemm / cblas_dgemm) defined. See
 * conv_im2col.c for the shapes. */
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define NAME(f) CAT(f, SFX)

/* col [K, nb*L] from images n0 .. n0+nb-1, channels of group grp (see the file comment). */
static void NAME(im2col)(const conv_geom *g, const T *x, int64_t n0, int64_t nb, int64_t grp, T *col) {
    int64_t Cg = g->C / g->G, K = Cg * g->KH * g->KW, L = g->OH * g->OW, OW = g->OW;
    int nth = tide_threads_for(K * nb * L);
#pragma omp parallel for num_threads(nth) if (nth > 1)
    for (int64_t r = 0; r < K; r++) {
        int64_t c = r / (g->KH * g->KW), i = r / g->KW % g->KH, j = r % g->KW;
        int64_t lo, hi;
        valid_range(g->W, OW, g->sw, g->pw, j * g->dw, &lo, &hi);
        for (int64_t b = 0; b < nb; b++) {
            const T *plane = x + ((n0 + b) * g->C + grp * Cg + c) * g->H * g->W;
            T *dst = col + r * nb * L + b * L;
            for (int64_t oy = 0; oy < g->OH; oy++, dst += OW) {
                int64_t iy = oy * g->sh - g->ph + i * g->dh;
                if (iy < 0 || iy >= g->H) {
                    memset(dst, 0, sizeof(T) * (size_t)OW);
                    continue;
                }
                const T *src = plane + iy * g->W - g->pw + j * g->dw;
                for (int64_t ox = 0; ox < lo; ox++) dst[ox] = 0;
                if (g->sw == 1)
                    memcpy(dst + lo, src + lo, sizeof(T) * (size_t)(hi - lo));
                else
                    for (int64_t ox = lo; ox < hi; ox++) dst[ox] = src[ox * g->sw];
                for (int64_t ox = hi; ox < OW; ox++) dst[ox] = 0;
            }
        }
    }
}

/* dx (channels of group grp, images n0 ..) += col2im(dcol [K, nb*L]) */
static void NAME(col2im)(const conv_geom *g, const T *dcol, int64_t n0, int64_t nb, int64_t grp, T *dx) {
    int64_t Cg = g->C / g->G, L = g->OH * g->OW, OW = g->OW, KK = g->KH * g->KW;
    int nth = tide_threads_for(Cg * KK * nb * L);
    /* one thread per input channel: the KH*KW rows of a channel add into the same planes */
#pragma omp parallel for num_threads(nth) if (nth > 1) collapse(2)
    for (int64_t b = 0; b < nb; b++)
        for (int64_t c = 0; c < Cg; c++) {
            T *plane = dx + ((n0 + b) * g->C + grp * Cg + c) * g->H * g->W;
            for (int64_t i = 0; i < g->KH; i++)
                for (int64_t j = 0; j < g->KW; j++) {
                    int64_t r = (c * g->KH + i) * g->KW + j;
                    int64_t lo, hi;
                    valid_range(g->W, OW, g->sw, g->pw, j * g->dw, &lo, &hi);
                    const T *src = dcol + r * nb * L + b * L;
                    for (int64_t oy = 0; oy < g->OH; oy++, src += OW) {
                        int64_t iy = oy * g->sh - g->ph + i * g->dh;
                        if (iy < 0 || iy >= g->H) continue;
                        T *dst = plane + iy * g->W - g->pw + j * g->dw;
                        if (g->sw == 1)
                            for (int64_t ox = lo; ox < hi; ox++) dst[ox] += src[ox];
                        else
                            for (int64_t ox = lo; ox < hi; ox++) dst[ox * g->sw] += src[ox];
                    }
                }
        }
}

/* y[n0+b, grp*Og + o, :] (=|+=) tmp[o, b*L ..] (+ bias[grp*Og + o]) */
static void NAME(scatter_out)(const conv_geom *g, const T *tmp, const T *bias, int64_t n0, int64_t nb, int64_t grp,
                              T *y, int accumulate) {
    int64_t Og = g->O / g->G, L = g->OH * g->OW;
    int nth = tide_threads_for(Og * nb * L);
#pragma omp parallel for num_threads(nth) if (nth > 1) collapse(2)
    for (int64_t b = 0; b < nb; b++)
        for (int64_t o = 0; o < Og; o++) {
            const T *src = tmp + o * nb * L + b * L;
            T *dst = y + ((n0 + b) * g->O + grp * Og + o) * L;
            T bv = bias ? bias[grp * Og + o] : 0;
            if (accumulate)
                for (int64_t k = 0; k < L; k++) dst[k] += src[k] + bv;
            else
                for (int64_t k = 0; k < L; k++) dst[k] = src[k] + bv;
        }
}

/* dyg [Og, nb*L] gathered from dy (channels of group grp, images n0 ..) */
static void NAME(gather_dy)(const conv_geom *g, const T *dy, int64_t n0, int64_t nb, int64_t grp, T *dyg) {
    int64_t Og = g->O / g->G, L = g->OH * g->OW;
    int nth = tide_threads_for(Og * nb * L);
#pragma omp parallel for num_threads(nth) if (nth > 1) collapse(2)
    for (int64_t o = 0; o < Og; o++)
        for (int64_t b = 0; b < nb; b++)
            memcpy(dyg + o * nb * L + b * L, dy + ((n0 + b) * g->O + grp * Og + o) * L, sizeof(T) * (size_t)L);
}

/* Scratch blocks of col_n and blk_n elements (0: none) in *col and *blk: the column block and the
 * gathered / scattered block of a product. -1 with a message naming op, and nothing kept, when
 * out of memory. */
static int NAME(scratch_get)(const char *op, int64_t col_n, T **col, int64_t blk_n, T **blk) {
    *col = col_n ? conv_scratch(op, col_n * (int64_t)sizeof(T)) : NULL;
    *blk = blk_n ? conv_scratch(op, blk_n * (int64_t)sizeof(T)) : NULL;
    if ((col_n && !*col) || (blk_n && !*blk)) {
        conv_scratch_free(*col, col_n * (int64_t)sizeof(T));
        conv_scratch_free(*blk, blk_n * (int64_t)sizeof(T));
        return -1;
    }
    return 0;
}

static void NAME(scratch_put)(int64_t col_n, T *col, int64_t blk_n, T *blk) {
    conv_scratch_free(col, col_n * (int64_t)sizeof(T));
    conv_scratch_free(blk, blk_n * (int64_t)sizeof(T));
}

static int NAME(im2col_forward)(const conv_geom *g, const T *x, const T *w, const T *bias, T *y, int accumulate) {
    int64_t Cg = g->C / g->G, Og = g->O / g->G, K = Cg * g->KH * g->KW, L = g->OH * g->OW;
    int64_t nb = chunk_images(g);
    bool direct = is_pointwise(g) && nb == 1;
    int64_t col_n = direct ? 0 : K * nb * L, tmp_n = nb > 1 ? Og * nb * L : 0;
    T *col, *tmp;
    if (NAME(scratch_get)("conv2d", col_n, &col, tmp_n, &tmp)) return -1;
    for (int64_t n0 = 0; n0 < g->N; n0 += nb) {
        int64_t m = g->N - n0 < nb ? g->N - n0 : nb;
        for (int64_t grp = 0; grp < g->G; grp++) {
            const T *wg = w + grp * Og * K;
            const T *src = col;
            if (direct)
                src = x + (n0 * g->C + grp * Cg) * L;
            else
                NAME(im2col)(g, x, n0, m, grp, col);
            if (nb == 1) {
                T *yg = y + (n0 * g->O + grp * Og) * L;
                GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Og, (int)L, (int)K, 1, wg, (int)K, src, (int)L,
                     accumulate ? 1 : 0, yg, (int)L);
                if (bias)
                    for (int64_t o = 0; o < Og; o++) {
                        T bv = bias[grp * Og + o], *row = yg + o * L;
                        for (int64_t k = 0; k < L; k++) row[k] += bv;
                    }
            } else {
                GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Og, (int)(m * L), (int)K, 1, wg, (int)K, src,
                     (int)(m * L), 0, tmp, (int)(m * L));
                NAME(scatter_out)(g, tmp, bias, n0, m, grp, y, accumulate);
            }
        }
    }
    NAME(scratch_put)(col_n, col, tmp_n, tmp);
    return 0;
}

static int NAME(im2col_backward_input)(const conv_geom *g, const T *dy, const T *w, T *dx, int accumulate) {
    int64_t Cg = g->C / g->G, Og = g->O / g->G, K = Cg * g->KH * g->KW, L = g->OH * g->OW, HW = g->H * g->W;
    int64_t nb = chunk_images(g);
    bool direct = is_pointwise(g) && nb == 1;
    int64_t col_n = direct ? 0 : K * nb * L, dyg_n = nb > 1 ? Og * nb * L : 0;
    T *dcol, *dyg;
    if (NAME(scratch_get)("conv2d backward", col_n, &dcol, dyg_n, &dyg)) return -1;
    if (!accumulate && !direct) memset(dx, 0, sizeof(T) * (size_t)(g->N * g->C * HW));
    for (int64_t n0 = 0; n0 < g->N; n0 += nb) {
        int64_t m = g->N - n0 < nb ? g->N - n0 : nb;
        for (int64_t grp = 0; grp < g->G; grp++) {
            const T *wg = w + grp * Og * K;
            const T *src = dyg;
            if (nb == 1)
                src = dy + (n0 * g->O + grp * Og) * L;
            else
                NAME(gather_dy)(g, dy, n0, m, grp, dyg);
            if (direct) {
                GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)L, (int)Og, 1, wg, (int)K, src, (int)L,
                     accumulate ? 1 : 0, dx + (n0 * g->C + grp * Cg) * HW, (int)L);
                continue;
            }
            GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)(m * L), (int)Og, 1, wg, (int)K, src,
                 (int)(m * L), 0, dcol, (int)(m * L));
            NAME(col2im)(g, dcol, n0, m, grp, dx);
        }
    }
    NAME(scratch_put)(col_n, dcol, dyg_n, dyg);
    return 0;
}

static int NAME(im2col_backward_weight)(const conv_geom *g, const T *x, const T *dy, T *dw, int accumulate) {
    int64_t Cg = g->C / g->G, Og = g->O / g->G, K = Cg * g->KH * g->KW, L = g->OH * g->OW;
    int64_t nb = chunk_images(g);
    bool direct = is_pointwise(g) && nb == 1;
    int64_t col_n = direct ? 0 : K * nb * L, dyg_n = nb > 1 ? Og * nb * L : 0;
    T *col, *dyg;
    if (NAME(scratch_get)("conv2d backward", col_n, &col, dyg_n, &dyg)) return -1;
    for (int64_t n0 = 0; n0 < g->N; n0 += nb) {
        int64_t m = g->N - n0 < nb ? g->N - n0 : nb;
        T beta = (n0 > 0 || accumulate) ? 1 : 0;
        for (int64_t grp = 0; grp < g->G; grp++) {
            const T *src = col, *dsrc = dyg;
            if (direct)
                src = x + (n0 * g->C + grp * Cg) * L;
            else
                NAME(im2col)(g, x, n0, m, grp, col);
            if (nb == 1)
                dsrc = dy + (n0 * g->O + grp * Og) * L;
            else
                NAME(gather_dy)(g, dy, n0, m, grp, dyg);
            GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)Og, (int)K, (int)(m * L), 1, dsrc, (int)(m * L), src,
                 (int)(m * L), beta, dw + grp * Og * K, (int)K);
        }
    }
    NAME(scratch_put)(col_n, col, dyg_n, dyg);
    return 0;
}

#undef CAT2
#undef CAT
#undef NAME
