/* conv_direct_impl.h — the direct kernels for one element type, included by conv_direct.c with T
 * (float / double), VT (a 64-byte vector of T) and SFX (f32 / f64) defined. See conv_direct.c. */
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define NAME(f) CAT(f, SFX)

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

/* an unaligned vector load (a macro: a function returning a 64-byte vector changes the ABI
 * between the clones) */
#define VLOAD(p) ({ VT v_; memcpy(&v_, (p), sizeof v_); v_; })

/* One output plane: y[n, o] (=|+=) b[o] + taps of w[o] over the padded planes P. */
static TIDE_HOT void NAME(direct_plane)(const conv_geom *g, const pad_geom *pg, const T *P, const T *wo, T bv, T *yp,
                                        int accumulate) {
    const int64_t VL = (int64_t)(sizeof(VT) / sizeof(T));
    int64_t Cg = g->C / g->G, KH = g->KH, KW = g->KW, OW = g->OW, PW = pg->PW, plane = pg->PH * pg->PW;
    for (int64_t oy = 0; oy < g->OH; oy++) {
        T *yrow = yp + oy * OW;
        for (int64_t ox0 = 0; ox0 < OW; ox0 += VL) {
            VT acc = (VT){0} + bv;
            for (int64_t c = 0; c < Cg; c++)
                for (int64_t i = 0; i < KH; i++) {
                    const T *prow = P + c * plane + (oy + i) * PW + ox0;
                    const T *wr = wo + (c * KH + i) * KW;
                    for (int64_t j = 0; j < KW; j++) acc += wr[j] * VLOAD(prow + j);
                }
            int64_t cnt = OW - ox0 < VL ? OW - ox0 : VL;
            if (accumulate) {
                VT old = {0};
                memcpy(&old, yrow + ox0, sizeof(T) * (size_t)cnt);
                acc += old;
            }
            memcpy(yrow + ox0, &acc, sizeof(T) * (size_t)cnt);
        }
    }
}

static int NAME(direct_forward)(const conv_geom *g, const T *x, const T *w, const T *b, T *y, int accumulate) {
    const int64_t VL = (int64_t)(sizeof(VT) / sizeof(T));
    pad_geom pg = pad_geometry(g, VL);
    int64_t Cg = g->C / g->G, Og = g->O / g->G, taps = Cg * g->KH * g->KW;
    int64_t per_thread = Cg * pg.PH * pg.PW + VL;
    int64_t nob = (Og + OBLOCK - 1) / OBLOCK, items = g->N * g->G * nob;
    int nth = tide_threads_for(g->N * g->O * g->OH * g->OW * taps / 4);
    if (nth > items) nth = (int)items;
    if (nth < 1) nth = 1;
    T *scratch = conv_scratch("conv2d", nth * per_thread * (int64_t)sizeof(T));
    if (!scratch) return -1;
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
#ifdef _OPENMP
        int tid = omp_get_thread_num();
#else
        int tid = 0;
#endif
        T *P = scratch + tid * per_thread;
        memset(P, 0, sizeof(T) * (size_t)per_thread);
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
                NAME(direct_plane)(g, &pg, P, w + o * taps, b ? b[o] : 0, y + (n * g->O + o) * g->OH * g->OW,
                                   accumulate);
            }
        }
    }
    conv_scratch_free(scratch, nth * per_thread * (int64_t)sizeof(T));
    return 0;
}

/* Weight (and bias) gradient of one output channel over one image: vector accumulators per tap,
 * added into the double sums dsum[taps] and dbias. */
static TIDE_HOT void NAME(direct_plane_grad)(const conv_geom *g, const pad_geom *pg, const T *P, const T *dyp,
                                             double *dsum, double *dbias) {
    const int64_t VL = (int64_t)(sizeof(VT) / sizeof(T));
    int64_t Cg = g->C / g->G, KH = g->KH, KW = g->KW, OW = g->OW, PW = pg->PW, plane = pg->PH * pg->PW;
    int64_t taps = Cg * KH * KW;
    VT acc[DIRECT_MAX_TAPS], accb = {0};
    for (int64_t t = 0; t < taps; t++) acc[t] = (VT){0};
    for (int64_t oy = 0; oy < g->OH; oy++) {
        const T *drow = dyp + oy * OW;
        for (int64_t ox0 = 0; ox0 < OW; ox0 += VL) {
            VT d = {0};
            int64_t cnt = OW - ox0 < VL ? OW - ox0 : VL;
            memcpy(&d, drow + ox0, sizeof(T) * (size_t)cnt);
            accb += d;
            for (int64_t c = 0; c < Cg; c++)
                for (int64_t i = 0; i < KH; i++) {
                    const T *prow = P + c * plane + (oy + i) * PW + ox0;
                    VT *a = acc + (c * KH + i) * KW;
                    for (int64_t j = 0; j < KW; j++) a[j] += d * VLOAD(prow + j);
                }
        }
    }
    for (int64_t t = 0; t < taps; t++) {
        double s = 0;
        for (int64_t l = 0; l < VL; l++) s += acc[t][l];
        dsum[t] += s;
    }
    double s = 0;
    for (int64_t l = 0; l < VL; l++) s += accb[l];
    *dbias += s;
}

static int NAME(direct_backward_weight)(const conv_geom *g, const T *x, const T *dy, T *dw, T *db, int accumulate) {
    const int64_t VL = (int64_t)(sizeof(VT) / sizeof(T));
    pad_geom pg = pad_geometry(g, VL);
    int64_t Cg = g->C / g->G, Og = g->O / g->G, taps = Cg * g->KH * g->KW;
    int64_t per_thread = Cg * pg.PH * pg.PW + VL;
    /* work items: blocks of output channels (of one group); each runs over every image */
    int nth = tide_threads_for(g->N * g->O * g->OH * g->OW * taps / 4);
    int64_t ob = Og >= 2 * nth ? (Og + 2 * nth - 1) / (2 * nth) : 1;
    if (ob > OBLOCK) ob = OBLOCK;
    int64_t nob = (Og + ob - 1) / ob, items = g->G * nob;
    if (nth > items) nth = (int)items;
    if (nth < 1) nth = 1;
    T *scratch = conv_scratch("conv2d backward", nth * per_thread * (int64_t)sizeof(T));
    if (!scratch) return -1;
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
#ifdef _OPENMP
        int tid = omp_get_thread_num();
#else
        int tid = 0;
#endif
        T *P = scratch + tid * per_thread;
        memset(P, 0, sizeof(T) * (size_t)per_thread);
        double dsum[OBLOCK][DIRECT_MAX_TAPS], dbias[OBLOCK];
#pragma omp for schedule(dynamic, 1)
        for (int64_t it = 0; it < items; it++) {
            int64_t grp = it / nob, o0 = grp * Og + it % nob * ob;
            int64_t o1 = o0 + ob < (grp + 1) * Og ? o0 + ob : (grp + 1) * Og;
            memset(dsum, 0, sizeof dsum);
            memset(dbias, 0, sizeof dbias);
            for (int64_t n = 0; n < g->N; n++) {
                NAME(pad_planes)(g, &pg, x, n, grp, P);
                for (int64_t o = o0; o < o1; o++)
                    NAME(direct_plane_grad)(g, &pg, P, dy + (n * g->O + o) * g->OH * g->OW, dsum[o - o0],
                                            &dbias[o - o0]);
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
