/* conv_direct_impl.h — the direct kernels for one element type, included by conv_direct.c with T
 * (float / double), VT (a 64-byte vector of T), VI (the integer vector of the same lanes) and SFX
 * (f32 / f64) defined. See conv_direct.c. */
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define NAME(f) CAT(f, SFX)
/* an unaligned vector load (a macro: a function returning a 64-byte vector changes the ABI
 * between the clones) */
#define VLOAD(p) ({ VT v_; memcpy(&v_, (p), sizeof v_); v_; })
#define VSTORE(p, v) ({ VT s_ = (v); memcpy((p), &s_, sizeof s_); })

/* Copy the Cg planes of group grp of image n into the interior of the padded planes P (whose
 * borders are zero already). */
static void NAME(pad_planes)(const conv_geom *g, const pad_geom *pg, const T *x, int64_t n, int64_t grp, T *P) {
    int64_t Cg = g->C / g->G;
    for (int64_t c = 0; c < Cg; c++) {
        const T *src = x + ((n * g->C + grp * Cg + c) * g->H) * g->W;
        T *dst = P + c * pg->PH * pg->PW + g->ph * pg->PW + g->pw;
        for (int64_t r = 0; r < g->H; r++) memcpy(dst + r * pg->PW, src + r * g->W, sizeof(T) * (size_t)g->W);
    }
}

/* One output plane yp [OH, OW] = bv + taps of wo [Cg, KH, KW] over the padded planes P, ROWS
 * rows by two vectors at a time: each input vector loaded feeds up to 2*ROWS accumulators.
 * Inlined with constant Cg/KH/KW for the common kernels, so the loops unroll. */
static inline __attribute__((always_inline)) void NAME(plane_body)(const conv_geom *g, const pad_geom *pg,
                                                                   const T *P, const T *wo, T bv, T *yp,
                                                                   int64_t Cg, int64_t KH, int64_t KW) {
    const int64_t VL = (int64_t)(sizeof(VT) / sizeof(T));
    int64_t OW = g->OW, PW = pg->PW, plane = pg->PH * pg->PW, nch = pg->nchunks;
    for (int64_t oy0 = 0; oy0 < g->OH; oy0 += ROWS) {
        int64_t nr = g->OH - oy0 < ROWS ? g->OH - oy0 : ROWS;
        for (int64_t k = 0; k < nch; k += 2) {
            int64_t x0 = chunk_start(k, VL, OW), x1 = chunk_start(k + 1 < nch ? k + 1 : k, VL, OW);
            VT a0[ROWS], a1[ROWS];
#pragma GCC unroll 4
            for (int r = 0; r < ROWS; r++) a0[r] = a1[r] = (VT){0} + bv;
            for (int64_t c = 0; c < Cg; c++)
#pragma GCC unroll 8
                for (int64_t pr = 0; pr < ROWS + KH - 1; pr++) {
                    const T *row = P + c * plane + (oy0 + pr) * PW;
#pragma GCC unroll 4
                    for (int64_t j = 0; j < KW; j++) {
                        VT v0 = VLOAD(row + x0 + j), v1 = VLOAD(row + x1 + j);
#pragma GCC unroll 4
                        for (int r = 0; r < ROWS; r++) {
                            int64_t i = pr - r;
                            if (i < 0 || i >= KH) continue;
                            T wv = wo[(c * KH + i) * KW + j];
                            a0[r] += wv * v0;
                            a1[r] += wv * v1;
                        }
                    }
                }
#pragma GCC unroll 4
            for (int r = 0; r < ROWS; r++) {
                if (r >= nr) break;
                VSTORE(yp + (oy0 + r) * OW + x0, a0[r]);
                if (k + 1 < nch) VSTORE(yp + (oy0 + r) * OW + x1, a1[r]);
            }
        }
    }
}

static TIDE_HOT void NAME(direct_plane)(const conv_geom *g, const pad_geom *pg, const T *P, const T *wo, T bv, T *yp) {
    int64_t Cg = g->C / g->G;
    if (Cg == 1 && g->KH == 3 && g->KW == 3)
        NAME(plane_body)(g, pg, P, wo, bv, yp, 1, 3, 3);
    else if (Cg == 3 && g->KH == 3 && g->KW == 3)
        NAME(plane_body)(g, pg, P, wo, bv, yp, 3, 3, 3);
    else
        NAME(plane_body)(g, pg, P, wo, bv, yp, Cg, g->KH, g->KW);
}

static int NAME(direct_forward)(const conv_geom *g, const T *x, const T *w, const T *b, T *y, int accumulate) {
    const int64_t VL = (int64_t)(sizeof(VT) / sizeof(T));
    pad_geom pg = pad_geometry(g, VL);
    int64_t Cg = g->C / g->G, Og = g->O / g->G, taps = Cg * g->KH * g->KW, L = g->OH * g->OW;
    /* per thread: the padded planes, and with accumulate a plane to add from */
    int64_t per_thread = Cg * pg.PH * pg.PW + (accumulate ? L : 0);
    int64_t nob = (Og + OBLOCK - 1) / OBLOCK, items = g->N * g->G * nob;
    int nth = tide_threads_for(g->N * g->O * L * taps / 4);
    if (nth > items) nth = (int)items;
    if (nth < 1) nth = 1;
    T *scratch = conv_scratch("conv2d", nth * per_thread * (int64_t)sizeof(T));
    if (!scratch) return -1;
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        int tid = conv_thread_num();
        T *P = scratch + tid * per_thread, *tmp = P + Cg * pg.PH * pg.PW;
        memset(P, 0, sizeof(T) * (size_t)(Cg * pg.PH * pg.PW));
        int64_t last = -1;
#pragma omp for schedule(static)
        for (int64_t it = 0; it < items; it++) {
            int64_t ng = it / nob, ob = it % nob, n = ng / g->G, grp = ng % g->G;
            if (ng != last) {
                NAME(pad_planes)(g, &pg, x, n, grp, P);
                last = ng;
            }
            int64_t o1 = (ob + 1) * OBLOCK < Og ? (ob + 1) * OBLOCK : Og;
            for (int64_t ol = ob * OBLOCK; ol < o1; ol++) {
                int64_t o = grp * Og + ol;
                T *yp = y + (n * g->O + o) * L;
                NAME(direct_plane)(g, &pg, P, w + o * taps, b ? b[o] : 0, accumulate ? tmp : yp);
                if (accumulate)
                    for (int64_t k = 0; k < L; k++) yp[k] += tmp[k];
            }
        }
    }
    conv_scratch_free(scratch, nth * per_thread * (int64_t)sizeof(T));
    return 0;
}

/* Weight (and bias) gradient of one output channel over one image, added to the vector sums
 * acc[taps] and *accb: ROWS rows of dy at a time; the lanes of the last vector of a row that
 * overlap its neighbour are masked off. */
static inline __attribute__((always_inline)) void NAME(grad_body)(const conv_geom *g, const pad_geom *pg,
                                                                  const T *P, const T *dyp, VT *accp, VT *accbp,
                                                                  int64_t Cg, int64_t KH, int64_t KW) {
    const int64_t VL = (int64_t)(sizeof(VT) / sizeof(T));
    int64_t OW = g->OW, PW = pg->PW, plane = pg->PH * pg->PW, nch = pg->nchunks, taps = Cg * KH * KW;
    VT acc[DIRECT_MAX_TAPS], accb = *accbp;
    for (int64_t t = 0; t < taps; t++) acc[t] = accp[t];
    VI keep_last; /* lanes of the last vector not covered by the one before */
    int64_t xl = chunk_start(nch - 1, VL, OW);
    for (int64_t l = 0; l < VL; l++) keep_last[l] = xl + l >= (nch - 1) * VL ? -1 : 0;
    for (int64_t oy0 = 0; oy0 < g->OH; oy0 += ROWS) {
        int64_t nr = g->OH - oy0 < ROWS ? g->OH - oy0 : ROWS;
        for (int64_t k = 0; k < nch; k++) {
            int64_t x0 = chunk_start(k, VL, OW);
            VT d[ROWS];
#pragma GCC unroll 4
            for (int r = 0; r < ROWS; r++) {
                d[r] = r < nr ? VLOAD(dyp + (oy0 + r) * OW + x0) : (VT){0};
                if (k == nch - 1) d[r] = (VT)((VI)d[r] & keep_last);
                accb += d[r];
            }
            for (int64_t c = 0; c < Cg; c++)
#pragma GCC unroll 8
                for (int64_t pr = 0; pr < ROWS + KH - 1; pr++) {
                    const T *row = P + c * plane + (oy0 + pr) * PW + x0;
#pragma GCC unroll 4
                    for (int64_t j = 0; j < KW; j++) {
                        VT v = VLOAD(row + j);
#pragma GCC unroll 4
                        for (int r = 0; r < ROWS; r++) {
                            int64_t i = pr - r;
                            if (i < 0 || i >= KH) continue;
                            acc[(c * KH + i) * KW + j] += d[r] * v;
                        }
                    }
                }
        }
    }
    for (int64_t t = 0; t < taps; t++) accp[t] = acc[t];
    *accbp = accb;
}

static TIDE_HOT void NAME(direct_plane_grad)(const conv_geom *g, const pad_geom *pg, const T *P, const T *dyp,
                                             VT *acc, VT *accb) {
    int64_t Cg = g->C / g->G;
    if (Cg == 1 && g->KH == 3 && g->KW == 3)
        NAME(grad_body)(g, pg, P, dyp, acc, accb, 1, 3, 3);
    else
        NAME(grad_body)(g, pg, P, dyp, acc, accb, Cg, g->KH, g->KW);
}

/* dsum[t] += the lanes of acc[t] (in double), acc zeroed; likewise the bias sum. */
static void NAME(fold)(VT *acc, VT *accb, int64_t taps, double *dsum, double *dbias) {
    const int64_t VL = (int64_t)(sizeof(VT) / sizeof(T));
    for (int64_t t = 0; t <= taps; t++) {
        VT *a = t < taps ? &acc[t] : accb;
        double s = 0;
        for (int64_t l = 0; l < VL; l++) s += (*a)[l];
        if (t < taps)
            dsum[t] += s;
        else
            *dbias += s;
        *a = (VT){0};
    }
}

static int NAME(direct_backward_weight)(const conv_geom *g, const T *x, const T *dy, T *dw, T *db, int accumulate) {
    const int64_t VL = (int64_t)(sizeof(VT) / sizeof(T));
    pad_geom pg = pad_geometry(g, VL);
    int64_t Cg = g->C / g->G, Og = g->O / g->G, taps = Cg * g->KH * g->KW, L = g->OH * g->OW;
    int64_t per_thread = Cg * pg.PH * pg.PW;
    /* work items: blocks of output channels (of one group); each runs over every image */
    int nth = tide_threads_for(g->N * g->O * L * taps / 4);
    int64_t ob = Og >= 2 * nth ? (Og + 2 * nth - 1) / (2 * nth) : 1;
    if (ob > OBLOCK) ob = OBLOCK;
    int64_t nob = (Og + ob - 1) / ob, items = g->G * nob;
    if (nth > items) nth = (int)items;
    if (nth < 1) nth = 1;
    T *scratch = conv_scratch("conv2d backward", nth * per_thread * (int64_t)sizeof(T));
    if (!scratch) return -1;
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        int tid = conv_thread_num();
        T *P = scratch + tid * per_thread;
        memset(P, 0, sizeof(T) * (size_t)per_thread);
        double dsum[OBLOCK][DIRECT_MAX_TAPS], dbias[OBLOCK];
        VT vacc[OBLOCK][DIRECT_MAX_TAPS], vaccb[OBLOCK]; /* float sums of up to FOLD images */
#pragma omp for schedule(dynamic, 1)
        for (int64_t it = 0; it < items; it++) {
            int64_t grp = it / nob, o0 = grp * Og + it % nob * ob;
            int64_t o1 = o0 + ob < (grp + 1) * Og ? o0 + ob : (grp + 1) * Og;
            memset(dsum, 0, sizeof dsum);
            memset(dbias, 0, sizeof dbias);
            memset(vacc, 0, sizeof vacc);
            memset(vaccb, 0, sizeof vaccb);
            for (int64_t n = 0; n < g->N; n++) {
                NAME(pad_planes)(g, &pg, x, n, grp, P);
                for (int64_t o = o0; o < o1; o++)
                    NAME(direct_plane_grad)(g, &pg, P, dy + (n * g->O + o) * L, vacc[o - o0], &vaccb[o - o0]);
                if (n % FOLD == FOLD - 1 || n == g->N - 1)
                    for (int64_t o = o0; o < o1; o++)
                        NAME(fold)(vacc[o - o0], &vaccb[o - o0], taps, dsum[o - o0], &dbias[o - o0]);
            }
            for (int64_t o = o0; o < o1; o++) {
                if (dw) {
                    T *dst = dw + o * taps;
                    for (int64_t t = 0; t < taps; t++)
                        dst[t] = (T)(accumulate ? dst[t] + dsum[o - o0][t] : dsum[o - o0][t]);
                }
                if (db) db[o] = (T)(accumulate ? db[o] + dbias[o - o0] : dbias[o - o0]);
            }
        }
    }
    conv_scratch_free(scratch, nth * per_thread * (int64_t)sizeof(T));
    return 0;
}

#undef CAT2
#undef CAT
#undef NAME
#undef VLOAD
#undef VSTORE
