/* pool_impl.h — the pooling kernels for one element type, included by pool.c with T (float /
 * double) and SFX (f32 / f64) defined. Every kernel runs over the N*C planes; x / y / gx / gy
 * are contiguous [N, C, H, W] / [N, C, OH, OW]. */
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define NAME(f) CAT(f, SFX)

/* First and one-past-last window offsets i (0 <= i < k) with start + i*d inside [0, n). */
static inline void NAME(window)(int64_t start, int64_t k, int64_t d, int64_t n, int64_t *i0, int64_t *i1) {
    int64_t a = start < 0 ? (-start + d - 1) / d : 0;
    int64_t b = n - start <= 0 ? 0 : (n - start + d - 1) / d;
    *i0 = a;
    *i1 = b < k ? b : k;
}

static inline void NAME(store_index)(void *ip, int idx64, int64_t k, int64_t v) {
    if (idx64)
        ((int64_t *)ip)[k] = v;
    else
        ((int32_t *)ip)[k] = (int32_t)v;
}

/* Any window: max over kh x kw positions (dilated), NaN wins, the first maximum wins ties. */
static void NAME(max_plane)(const pgeom *q, const T *xp, T *yp, void *ip, int idx64, int64_t ioff) {
    for (int64_t oy = 0; oy < q->OH; oy++) {
        int64_t hs = oy * q->sh - q->ph, i0, i1;
        NAME(window)(hs, q->kh, q->dh, q->H, &i0, &i1);
        for (int64_t ox = 0; ox < q->OW; ox++) {
            int64_t ws = ox * q->sw - q->pw, j0, j1;
            NAME(window)(ws, q->kw, q->dw, q->W, &j0, &j1);
            T best = -(T)INFINITY;
            int64_t bi = (i0 < i1 && j0 < j1) ? (hs + i0 * q->dh) * q->W + ws + j0 * q->dw : 0;
            for (int64_t i = i0; i < i1; i++) {
                const T *row = xp + (hs + i * q->dh) * q->W + ws;
                for (int64_t j = j0; j < j1; j++) {
                    T v = row[j * q->dw];
                    if (v > best || v != v) {
                        best = v;
                        bi = (hs + i * q->dh) * q->W + ws + j * q->dw;
                    }
                }
            }
            yp[oy * q->OW + ox] = best;
            if (ip) NAME(store_index)(ip, idx64, ioff + oy * q->OW + ox, bi);
        }
    }
}

/* One output row of the 2x2 kernel below, storing each maximum's flat index as IT (int32_t or
 * int64_t) at ip[ioff + oy * OW + ox]. */
#define MAX_2X2_ROW_INDEXED(IT)                                                                                        \
    {                                                                                                                  \
        IT *ir = (IT *)ip + ioff + oy * OW;                                                                            \
        _Pragma("omp simd") for (int64_t ox = 0; ox < OW; ox++) {                                                      \
            T a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];                                  \
            int tb = b > a || b != b, td = d > c || d != d;                                                            \
            T m0 = tb ? b : a, m1 = td ? d : c;                                                                        \
            int t1 = m1 > m0 || m1 != m1;                                                                              \
            yr[ox] = t1 ? m1 : m0;                                                                                     \
            ir[ox] = (IT)(base + 2 * ox + (t1 ? W + td : tb));                                                         \
        }                                                                                                              \
    }

/* 2x2 windows at stride 2 lying wholly inside the plane: the max of each row's pair, then of the
 * two rows (the same order as the scan above: ties keep the first, a NaN wins). Vectorised over
 * a row of outputs. */
static TIDE_HOT void NAME(max_plane_2x2)(const pgeom *q, const T *xp, T *yp, void *ip, int idx64, int64_t ioff) {
    int64_t W = q->W, OW = q->OW;
    for (int64_t oy = 0; oy < q->OH; oy++) {
        const T *r0 = xp + 2 * oy * W, *r1 = r0 + W;
        T *yr = yp + oy * OW;
        int64_t base = 2 * oy * W;
        if (ip && !idx64)
            MAX_2X2_ROW_INDEXED(int32_t)
        else if (ip)
            MAX_2X2_ROW_INDEXED(int64_t)
        else {
#pragma omp simd
            for (int64_t ox = 0; ox < OW; ox++) {
                T a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
                T m0 = (b > a || b != b) ? b : a, m1 = (d > c || d != d) ? d : c;
                yr[ox] = (m1 > m0 || m1 != m1) ? m1 : m0;
            }
        }
    }
}

static void NAME(max_forward)(const pgeom *q, const T *x, T *y, void *ip, int idx64, int nth) {
    bool fast = q->kh == 2 && q->kw == 2 && q->sh == 2 && q->sw == 2 && q->ph == 0 && q->pw == 0 && q->dh == 1 &&
                q->dw == 1 && 2 * q->OH <= q->H && 2 * q->OW <= q->W;
    int64_t planes = q->N * q->C, HW = q->H * q->W, L = q->OH * q->OW;
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t pl = 0; pl < planes; pl++) {
        if (fast) {
#ifdef HAVE_AVX512_POOL
            if (sizeof(T) == sizeof(float) && q->H * q->W < (1LL << 31) && avx512_pool()) {
                max_2x2_avx512(q, (const float *)(x + pl * HW), (float *)(y + pl * L), ip, idx64, pl * L);
                continue;
            }
#endif
            NAME(max_plane_2x2)(q, x + pl * HW, y + pl * L, ip, idx64, pl * L);
        } else
            NAME(max_plane)(q, x + pl * HW, y + pl * L, ip, idx64, pl * L);
    }
}

/* gp[id[k]] += g[k] over one plane's L indices id (of type IT) into its HW positions; an index
 * outside the plane clears `good` and is kept in `worst`. */
#define ROUTE_PLANE(IT)                                                                                                \
    {                                                                                                                  \
        const IT *id = (const IT *)ip + pl * L;                                                                        \
        for (int64_t k = 0; k < L; k++) {                                                                              \
            int64_t i = id[k];                                                                                         \
            if ((uint64_t)i < (uint64_t)HW)                                                                            \
                gp[i] += g[k];                                                                                         \
            else                                                                                                       \
                good = false, worst = i;                                                                               \
        }                                                                                                              \
    }

/* gx (+)= gy routed through the indices; false when an index lies outside the plane (one of
 * them in *bad; those gradients are dropped). */
static bool NAME(max_backward)(const pgeom *q, const T *gy, const void *ip, int idx64, T *gx, int accumulate, int nth,
                               int64_t *bad) {
    int64_t planes = q->N * q->C, HW = q->H * q->W, L = q->OH * q->OW;
    bool ok = true;
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t pl = 0; pl < planes; pl++) {
        T *gp = gx + pl * HW;
        const T *g = gy + pl * L;
        if (!accumulate) memset(gp, 0, sizeof(T) * (size_t)HW);
        bool good = true;
        int64_t worst = 0;
        if (idx64)
            ROUTE_PLANE(int64_t)
        else
            ROUTE_PLANE(int32_t)
        if (!good) {
#pragma omp critical(tide_pool_bad_index)
            ok = false, *bad = worst;
        }
    }
    return ok;
}

/* The divisor of the avg window starting at (hs, ws) (PyTorch's rules). */
static inline int64_t NAME(avg_divisor)(const pgeom *q, int64_t hs, int64_t ws) {
    if (q->divisor > 0) return q->divisor;
    int64_t he = hs + q->kh < q->H + q->ph ? hs + q->kh : q->H + q->ph;
    int64_t we = ws + q->kw < q->W + q->pw ? ws + q->kw : q->W + q->pw;
    if (q->count_include_pad) return (he - hs) * (we - ws);
    int64_t h0 = hs > 0 ? hs : 0, w0 = ws > 0 ? ws : 0;
    he = he < q->H ? he : q->H;
    we = we < q->W ? we : q->W;
    int64_t n = (he - h0) * (we - w0);
    return n > 0 ? n : 1;
}

static void NAME(avg_forward)(const pgeom *q, const T *x, T *y, int nth) {
    int64_t planes = q->N * q->C, HW = q->H * q->W, L = q->OH * q->OW;
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t pl = 0; pl < planes; pl++) {
        const T *xp = x + pl * HW;
        T *yp = y + pl * L;
        for (int64_t oy = 0; oy < q->OH; oy++) {
            int64_t hs = oy * q->sh - q->ph, i0, i1;
            NAME(window)(hs, q->kh, 1, q->H, &i0, &i1);
            for (int64_t ox = 0; ox < q->OW; ox++) {
                int64_t ws = ox * q->sw - q->pw, j0, j1;
                NAME(window)(ws, q->kw, 1, q->W, &j0, &j1);
                T s = 0;
                for (int64_t i = i0; i < i1; i++) {
                    const T *row = xp + (hs + i) * q->W + ws;
                    for (int64_t j = j0; j < j1; j++) s += row[j];
                }
                yp[oy * q->OW + ox] = s / (T)NAME(avg_divisor)(q, hs, ws);
            }
        }
    }
}

static void NAME(avg_backward)(const pgeom *q, const T *gy, T *gx, int accumulate, int nth) {
    int64_t planes = q->N * q->C, HW = q->H * q->W, L = q->OH * q->OW;
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t pl = 0; pl < planes; pl++) {
        T *gp = gx + pl * HW;
        const T *g = gy + pl * L;
        if (!accumulate) memset(gp, 0, sizeof(T) * (size_t)HW);
        for (int64_t oy = 0; oy < q->OH; oy++) {
            int64_t hs = oy * q->sh - q->ph, i0, i1;
            NAME(window)(hs, q->kh, 1, q->H, &i0, &i1);
            for (int64_t ox = 0; ox < q->OW; ox++) {
                int64_t ws = ox * q->sw - q->pw, j0, j1;
                NAME(window)(ws, q->kw, 1, q->W, &j0, &j1);
                T v = g[oy * q->OW + ox] / (T)NAME(avg_divisor)(q, hs, ws);
                for (int64_t i = i0; i < i1; i++) {
                    T *row = gp + (hs + i) * q->W + ws;
                    for (int64_t j = j0; j < j1; j++) row[j] += v;
                }
            }
        }
    }
}

/* Adaptive windows: rows floor(o*H/OH) .. ceil((o+1)*H/OH) - 1. */
static inline void NAME(adaptive_window)(int64_t o, int64_t out, int64_t in, int64_t *a, int64_t *b) {
    *a = o * in / out;
    *b = ((o + 1) * in + out - 1) / out;
}

static void NAME(adaptive_forward)(const pgeom *q, const T *x, T *y, int nth) {
    int64_t planes = q->N * q->C, HW = q->H * q->W, L = q->OH * q->OW;
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t pl = 0; pl < planes; pl++) {
        const T *xp = x + pl * HW;
        T *yp = y + pl * L;
        for (int64_t oy = 0; oy < q->OH; oy++) {
            int64_t h0, h1;
            NAME(adaptive_window)(oy, q->OH, q->H, &h0, &h1);
            for (int64_t ox = 0; ox < q->OW; ox++) {
                int64_t w0, w1;
                NAME(adaptive_window)(ox, q->OW, q->W, &w0, &w1);
                T s = 0;
                for (int64_t i = h0; i < h1; i++)
                    for (int64_t j = w0; j < w1; j++) s += xp[i * q->W + j];
                yp[oy * q->OW + ox] = s / (T)((h1 - h0) * (w1 - w0));
            }
        }
    }
}

static void NAME(adaptive_backward)(const pgeom *q, const T *gy, T *gx, int accumulate, int nth) {
    int64_t planes = q->N * q->C, HW = q->H * q->W, L = q->OH * q->OW;
#pragma omp parallel for num_threads(nth) if (nth > 1) schedule(static)
    for (int64_t pl = 0; pl < planes; pl++) {
        T *gp = gx + pl * HW;
        const T *g = gy + pl * L;
        if (!accumulate) memset(gp, 0, sizeof(T) * (size_t)HW);
        for (int64_t oy = 0; oy < q->OH; oy++) {
            int64_t h0, h1;
            NAME(adaptive_window)(oy, q->OH, q->H, &h0, &h1);
            for (int64_t ox = 0; ox < q->OW; ox++) {
                int64_t w0, w1;
                NAME(adaptive_window)(ox, q->OW, q->W, &w0, &w1);
                T v = g[oy * q->OW + ox] / (T)((h1 - h0) * (w1 - w0));
                for (int64_t i = h0; i < h1; i++)
                    for (int64_t j = w0; j < w1; j++) gp[i * q->W + j] += v;
            }
        }
    }
}

#undef MAX_2X2_ROW_INDEXED
#undef ROUTE_PLANE
#undef CAT2
#undef CAT
#undef NAME
