/* frame_ops.c — kernels behind tide.frame: string factorizing (hash + sort of the distinct
 * values), grouped aggregation (counting sort by group, then one pass per group), join index
 * pairs (right rows bucketed by key code), string gather / compare / parse. See tide/frame.h. */
#include "tide/frame.h"
#include "csv_internal.h"
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_vec(const char *op, const char *what, const tide_tensor *t, int dtype) {
    if (!t) return TIDE_FAIL("%s: %s is NULL", op, what);
    if (t->ndim != 1) return TIDE_FAIL("%s: %s must be 1-d, got %d dims", op, what, (int)t->ndim);
    if (t->dtype != dtype) return TIDE_FAIL("%s: %s has the wrong dtype (%s)", op, what, tide_dtype_name(t->dtype));
    if (!tide_tensor_is_contiguous(t)) return TIDE_FAIL("%s: %s must be contiguous", op, what);
    return 0;
}

/* offsets [n + 1], bytes, missing [n] or NULL: checked, with offsets in range and increasing. */
static int check_strings(const char *op, const tide_tensor *offsets, const tide_tensor *bytes, const tide_tensor *missing) {
    if (check_vec(op, "offsets", offsets, TIDE_INT64) || check_vec(op, "bytes", bytes, TIDE_UINT8)) return -1;
    int64_t n = offsets->shape[0] - 1;
    if (n < 0) return TIDE_FAIL("%s: offsets must hold n + 1 >= 1 values", op);
    const int64_t *o = (const int64_t *)tide_elem_ptr(offsets);
    if (o[0] < 0 || o[n] > bytes->shape[0]) return TIDE_FAIL("%s: offsets out of range of the bytes", op);
    for (int64_t i = 0; i < n; i++)
        if (o[i + 1] < o[i]) return TIDE_FAIL("%s: offsets decrease at %lld", op, (long long)i + 1);
    if (missing) {
        if (check_vec(op, "missing", missing, TIDE_BOOL)) return -1;
        if (missing->shape[0] != n) return TIDE_FAIL("%s: missing has %lld values, the column %lld", op,
                                                     (long long)missing->shape[0], (long long)n);
    }
    return 0;
}

/* ------------------------------------------------------------------ factorize strings */
static uint64_t hash_bytes(const uint8_t *p, int64_t len) {
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)len;
    int64_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
    }
    for (; i < len; i++) h = (h ^ p[i]) * 1099511628211ULL;
    h ^= h >> 32;
    return h * 0xD6E8FEB86659FD93ULL;
}

typedef struct {
    const int64_t *off;
    const uint8_t *b;
} str_ctx;

static int cmp_str(const str_ctx *c, int64_t x, int64_t y) {
    int64_t lx = c->off[x + 1] - c->off[x], ly = c->off[y + 1] - c->off[y];
    int64_t l = lx < ly ? lx : ly;
    int r = l ? memcmp(c->b + c->off[x], c->b + c->off[y], (size_t)l) : 0;
    if (r) return r;
    return (lx > ly) - (lx < ly);
}

/* merge sort of row ids by string (stable, thread-safe, no global state) */
static void msort_str(const str_ctx *c, int64_t *a, int64_t *tmp, int64_t n) {
    if (n < 2) return;
    if (n <= 16) {
        for (int64_t i = 1; i < n; i++) {
            int64_t v = a[i], j = i;
            while (j > 0 && cmp_str(c, a[j - 1], v) > 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        return;
    }
    int64_t h = n / 2;
    msort_str(c, a, tmp, h);
    msort_str(c, a + h, tmp, n - h);
    if (cmp_str(c, a[h - 1], a[h]) <= 0) return;
    int64_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = cmp_str(c, a[j], a[i]) < 0 ? a[j++] : a[i++];
    while (i < h) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, (size_t)n * sizeof *a);
}

tide_tensor *tide_frame_str_codes(const tide_tensor *offsets, const tide_tensor *bytes, const tide_tensor *missing,
                                  int64_t *n_unique) {
    const char *op = "frame factorize";
    if (check_strings(op, offsets, bytes, missing)) return NULL;
    int64_t n = offsets->shape[0] - 1;
    const int64_t *off = (const int64_t *)tide_elem_ptr(offsets);
    const uint8_t *b = (const uint8_t *)tide_elem_ptr(bytes);
    const bool *miss = missing ? (const bool *)tide_elem_ptr(missing) : NULL;
    int64_t shape[1] = {n};
    tide_tensor *out = tide_alloc(op, 1, shape, TIDE_INT64);
    if (!out) return NULL;
    int64_t *codes = (int64_t *)tide_elem_ptr(out);
    int64_t cap = 16;
    while (cap < 2 * n) cap <<= 1;
    int64_t *table = malloc((size_t)cap * sizeof *table); /* slot -> representative row, -1 empty */
    int64_t *reps = malloc((size_t)(n ? n : 1) * sizeof *reps);   /* distinct id -> row */
    int64_t *tmp = malloc((size_t)(n ? n : 1) * sizeof *tmp);
    int64_t *rank = malloc((size_t)(n ? n : 1) * sizeof *rank);
    if (!table || !reps || !tmp || !rank) {
        free(table), free(reps), free(tmp), free(rank);
        tide_tensor_free(out);
        tide_fail(TIDE_ENOMEM, "%s: out of memory for %lld values", op, (long long)n);
        return NULL;
    }
    memset(table, 0xff, (size_t)cap * sizeof *table);
    str_ctx c = {off, b};
    int64_t u = 0;
    /* pass 1: distinct id (first-appearance order) per row, via the hash table of slot -> id */
    for (int64_t i = 0; i < n; i++) {
        if (miss && miss[i]) {
            codes[i] = -1;
            continue;
        }
        int64_t len = off[i + 1] - off[i];
        uint64_t h = hash_bytes(b + off[i], len);
        int64_t s = (int64_t)(h & (uint64_t)(cap - 1));
        for (;;) {
            int64_t id = table[s];
            if (id < 0) {
                table[s] = u;
                reps[u] = i;
                codes[i] = u++;
                break;
            }
            int64_t r = reps[id];
            if (off[r + 1] - off[r] == len && memcmp(b + off[r], b + off[i], (size_t)len) == 0) {
                codes[i] = id;
                break;
            }
            s = (s + 1) & (cap - 1);
        }
    }
    /* pass 2: sort the distinct values, then rank[id] = sorted position */
    int64_t *order = table; /* reuse: cap >= 2n >= u */
    for (int64_t k = 0; k < u; k++) order[k] = reps[k];
    msort_str(&c, order, tmp, u);
    /* order holds rows; map rows back to ids through codes */
    for (int64_t k = 0; k < u; k++) rank[codes[order[k]]] = k;
    for (int64_t i = 0; i < n; i++)
        if (codes[i] >= 0) codes[i] = rank[codes[i]];
    free(table), free(reps), free(tmp), free(rank);
    *n_unique = u;
    return out;
}

/* ------------------------------------------------------------------ grouped aggregation */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Aggregate v[0..m) (valid cells only; nrows counts every row of the group). */
static double agg_one(double *v, int64_t m, int64_t nrows, int op) {
    switch (op) {
    case TIDE_AGG_SIZE: return (double)nrows;
    case TIDE_AGG_COUNT: return (double)m;
    case TIDE_AGG_SUM:
    case TIDE_AGG_MEAN: {
        double s = 0, comp = 0; /* Kahan, as pandas' group sums */
        for (int64_t k = 0; k < m; k++) {
            double y = v[k] - comp, t = s + y;
            comp = (t - s) - y;
            s = t;
        }
        if (op == TIDE_AGG_SUM) return s;
        return m ? s / (double)m : NAN;
    }
    case TIDE_AGG_MIN:
    case TIDE_AGG_MAX: {
        if (!m) return NAN;
        double r = v[0];
        for (int64_t k = 1; k < m; k++)
            if (op == TIDE_AGG_MIN ? v[k] < r : v[k] > r) r = v[k];
        return r;
    }
    case TIDE_AGG_STD:
    case TIDE_AGG_VAR: {
        if (m < 2) return NAN;
        double mean = 0, ss = 0; /* Welford, as pandas' group var */
        for (int64_t k = 0; k < m; k++) {
            double d = v[k] - mean;
            mean += d / (double)(k + 1);
            ss += d * (v[k] - mean);
        }
        double var = ss / (double)(m - 1);
        return op == TIDE_AGG_VAR ? var : sqrt(var);
    }
    case TIDE_AGG_MEDIAN:
        if (!m) return NAN;
        qsort(v, (size_t)m, sizeof *v, cmp_double);
        return m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
    case TIDE_AGG_FIRST: return m ? v[0] : NAN;
    case TIDE_AGG_LAST: return m ? v[m - 1] : NAN;
    case TIDE_AGG_NUNIQUE: {
        if (!m) return 0;
        qsort(v, (size_t)m, sizeof *v, cmp_double);
        int64_t d = 1;
        for (int64_t k = 1; k < m; k++) d += v[k] != v[k - 1];
        return (double)d;
    }
    }
    return NAN;
}

tide_tensor *tide_frame_group_agg(const tide_tensor *values, const tide_tensor *missing, const tide_tensor *groups,
                                  int64_t ngroups, int32_t op) {
    const char *name = "group_by agg";
    if (check_vec(name, "values", values, TIDE_FLOAT64) || check_vec(name, "groups", groups, TIDE_INT64)) return NULL;
    int64_t n = values->shape[0];
    if (groups->shape[0] != n) {
        TIDE_FAIL("%s: %lld group ids for %lld values", name, (long long)groups->shape[0], (long long)n);
        return NULL;
    }
    if (missing && check_vec(name, "missing", missing, TIDE_BOOL)) return NULL;
    if (missing && missing->shape[0] != n) {
        TIDE_FAIL("%s: missing mask has %lld values for %lld", name, (long long)missing->shape[0], (long long)n);
        return NULL;
    }
    if (op < TIDE_AGG_SUM || op > TIDE_AGG_SIZE) {
        TIDE_FAIL("%s: unknown aggregate %d", name, (int)op);
        return NULL;
    }
    if (ngroups < 0) {
        TIDE_FAIL("%s: ngroups must be >= 0", name);
        return NULL;
    }
    const double *v = (const double *)tide_elem_ptr(values);
    const int64_t *g = (const int64_t *)tide_elem_ptr(groups);
    const bool *miss = missing ? (const bool *)tide_elem_ptr(missing) : NULL;
    for (int64_t i = 0; i < n; i++)
        if (g[i] >= ngroups) {
            TIDE_FAIL("%s: group id %lld at row %lld is >= ngroups %lld", name, (long long)g[i], (long long)i + 1,
                      (long long)ngroups);
            return NULL;
        }
    int64_t shape[1] = {ngroups};
    tide_tensor *out = tide_alloc(name, 1, shape, TIDE_FLOAT64);
    if (!out) return NULL;
    double *r = (double *)tide_elem_ptr(out);
    int64_t *start = calloc((size_t)ngroups + 2, sizeof *start);
    int64_t *rows = calloc((size_t)ngroups + 1, sizeof *rows); /* all rows per group (SIZE) */
    double *buf = malloc((size_t)(n ? n : 1) * sizeof *buf);
    if (!start || !rows || !buf) {
        free(start), free(rows), free(buf);
        tide_tensor_free(out);
        tide_fail(TIDE_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    /* counting sort of the valid cells by group, keeping row order inside a group */
    for (int64_t i = 0; i < n; i++) {
        if (g[i] < 0) continue;
        rows[g[i]]++;
        if ((miss && miss[i]) || isnan(v[i])) continue;
        start[g[i] + 1]++;
    }
    for (int64_t k = 0; k < ngroups; k++) start[k + 1] += start[k];
    int64_t *pos = calloc((size_t)ngroups + 1, sizeof *pos);
    if (!pos) {
        free(start), free(rows), free(buf);
        tide_tensor_free(out);
        tide_fail(TIDE_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    memcpy(pos, start, (size_t)ngroups * sizeof *pos);
    for (int64_t i = 0; i < n; i++) {
        if (g[i] < 0 || (miss && miss[i]) || isnan(v[i])) continue;
        buf[pos[g[i]]++] = v[i];
    }
    int nth = tide_threads_for(n);
#pragma omp parallel for num_threads(nth) schedule(dynamic, 256) if (nth > 1)
    for (int64_t k = 0; k < ngroups; k++) r[k] = agg_one(buf + start[k], start[k + 1] - start[k], rows[k], op);
    free(start), free(rows), free(buf), free(pos);
    return out;
}

/* ------------------------------------------------------------------ join */
int tide_frame_join(const tide_tensor *left, const tide_tensor *right, int32_t how, tide_tensor **left_index,
                    tide_tensor **right_index) {
    const char *op = "join";
    if (check_vec(op, "left keys", left, TIDE_INT64) || check_vec(op, "right keys", right, TIDE_INT64)) return -1;
    if (how != 0 && how != 1) return TIDE_FAIL("%s: how must be 0 (inner) or 1 (left), got %d", op, (int)how);
    if (!left_index || !right_index) return TIDE_FAIL("%s: output slots are NULL", op);
    int64_t nl = left->shape[0], nr = right->shape[0];
    const int64_t *lk = (const int64_t *)tide_elem_ptr(left), *rk = (const int64_t *)tide_elem_ptr(right);
    int64_t K = 0;
    for (int64_t i = 0; i < nl; i++)
        if (lk[i] + 1 > K) K = lk[i] + 1;
    for (int64_t i = 0; i < nr; i++)
        if (rk[i] + 1 > K) K = rk[i] + 1;
    int64_t *start = calloc((size_t)K + 1, sizeof *start);
    int64_t *bucket = malloc((size_t)(nr ? nr : 1) * sizeof *bucket);
    if (!start || !bucket) {
        free(start), free(bucket);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
    for (int64_t i = 0; i < nr; i++)
        if (rk[i] >= 0) start[rk[i] + 1]++;
    for (int64_t k = 0; k < K; k++) start[k + 1] += start[k];
    {
        int64_t *pos = malloc((size_t)(K ? K : 1) * sizeof *pos);
        if (!pos) {
            free(start), free(bucket);
            return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        }
        memcpy(pos, start, (size_t)K * sizeof *pos);
        for (int64_t i = 0; i < nr; i++)
            if (rk[i] >= 0) bucket[pos[rk[i]]++] = i;
        free(pos);
    }
    int64_t m = 0;
    for (int64_t i = 0; i < nl; i++) {
        int64_t c = lk[i] >= 0 ? start[lk[i] + 1] - start[lk[i]] : 0;
        m += c ? c : (how == 1);
    }
    int64_t shape[1] = {m};
    tide_tensor *li = tide_alloc(op, 1, shape, TIDE_INT64);
    tide_tensor *ri = li ? tide_alloc(op, 1, shape, TIDE_INT64) : NULL;
    if (!li || !ri) {
        if (li) tide_tensor_free(li);
        free(start), free(bucket);
        return -1;
    }
    int64_t *lo = (int64_t *)tide_elem_ptr(li), *ro = (int64_t *)tide_elem_ptr(ri);
    int64_t k = 0;
    for (int64_t i = 0; i < nl; i++) {
        int64_t a = 0, b = 0;
        if (lk[i] >= 0) a = start[lk[i]], b = start[lk[i] + 1];
        if (a == b) {
            if (how == 1) lo[k] = i, ro[k++] = -1;
            continue;
        }
        for (int64_t j = a; j < b; j++) lo[k] = i, ro[k++] = bucket[j];
    }
    free(start), free(bucket);
    *left_index = li;
    *right_index = ri;
    return 0;
}

/* ------------------------------------------------------------------ string gather / compare / parse */
tide_tensor *tide_frame_str_take(const tide_tensor *offsets, const tide_tensor *bytes, const tide_tensor *index,
                                 tide_tensor **bytes_out) {
    const char *op = "frame take";
    if (check_strings(op, offsets, bytes, NULL) || check_vec(op, "index", index, TIDE_INT64)) return NULL;
    if (!bytes_out) {
        TIDE_FAIL("%s: bytes_out is NULL", op);
        return NULL;
    }
    int64_t n = offsets->shape[0] - 1, m = index->shape[0];
    const int64_t *off = (const int64_t *)tide_elem_ptr(offsets), *ix = (const int64_t *)tide_elem_ptr(index);
    int64_t total = 0;
    for (int64_t i = 0; i < m; i++) {
        if (ix[i] < -1 || ix[i] >= n) {
            TIDE_FAIL("%s: index %lld at %lld out of range for %lld rows", op, (long long)ix[i], (long long)i + 1,
                      (long long)n);
            return NULL;
        }
        if (ix[i] >= 0) total += off[ix[i] + 1] - off[ix[i]];
    }
    int64_t s1[1] = {m + 1}, s2[1] = {total};
    tide_tensor *no = tide_alloc(op, 1, s1, TIDE_INT64);
    tide_tensor *nb = no ? tide_alloc(op, 1, s2, TIDE_UINT8) : NULL;
    if (!nb) {
        if (no) tide_tensor_free(no);
        return NULL;
    }
    int64_t *o2 = (int64_t *)tide_elem_ptr(no);
    uint8_t *b2 = (uint8_t *)tide_elem_ptr(nb);
    const uint8_t *b = (const uint8_t *)tide_elem_ptr(bytes);
    o2[0] = 0;
    for (int64_t i = 0; i < m; i++) {
        int64_t len = ix[i] >= 0 ? off[ix[i] + 1] - off[ix[i]] : 0;
        if (len) memcpy(b2 + o2[i], b + off[ix[i]], (size_t)len);
        o2[i + 1] = o2[i] + len;
    }
    *bytes_out = nb;
    return no;
}

tide_tensor *tide_frame_str_compare(const tide_tensor *offsets, const tide_tensor *bytes, const char *s, int64_t len,
                                    int32_t cmp) {
    const char *op = "frame compare";
    if (check_strings(op, offsets, bytes, NULL)) return NULL;
    if (!s || len < 0) {
        TIDE_FAIL("%s: the string to compare with is NULL", op);
        return NULL;
    }
    if (cmp < 0 || cmp > 5) {
        TIDE_FAIL("%s: unknown comparison %d", op, (int)cmp);
        return NULL;
    }
    int64_t n = offsets->shape[0] - 1;
    int64_t shape[1] = {n};
    tide_tensor *out = tide_alloc(op, 1, shape, TIDE_BOOL);
    if (!out) return NULL;
    bool *r = (bool *)tide_elem_ptr(out);
    const int64_t *off = (const int64_t *)tide_elem_ptr(offsets);
    const uint8_t *b = (const uint8_t *)tide_elem_ptr(bytes);
    for (int64_t i = 0; i < n; i++) {
        int64_t l = off[i + 1] - off[i], k = l < len ? l : len;
        int c = k ? memcmp(b + off[i], s, (size_t)k) : 0;
        if (!c) c = (l > len) - (l < len);
        switch (cmp) {
        case 0: r[i] = c == 0; break;
        case 1: r[i] = c < 0; break;
        case 2: r[i] = c <= 0; break;
        case 3: r[i] = c > 0; break;
        case 4: r[i] = c >= 0; break;
        default: r[i] = c != 0; break;
        }
    }
    return out;
}

tide_tensor *tide_frame_str_parse(const tide_tensor *offsets, const tide_tensor *bytes, const tide_tensor *missing,
                                  int32_t datetime) {
    const char *op = "astype";
    if (check_strings(op, offsets, bytes, missing)) return NULL;
    int64_t n = offsets->shape[0] - 1;
    int64_t shape[1] = {n};
    tide_tensor *out = tide_alloc(op, 1, shape, datetime ? TIDE_INT64 : TIDE_FLOAT64);
    if (!out) return NULL;
    double *r = (double *)tide_elem_ptr(out);
    int64_t *ns = (int64_t *)tide_elem_ptr(out);
    const int64_t *off = (const int64_t *)tide_elem_ptr(offsets);
    const uint8_t *b = (const uint8_t *)tide_elem_ptr(bytes);
    const bool *miss = missing ? (const bool *)tide_elem_ptr(missing) : NULL;
    for (int64_t i = 0; i < n; i++) {
        if (miss && miss[i]) {
            if (datetime) ns[i] = 0;
            else r[i] = NAN;
            continue;
        }
        int64_t l = off[i + 1] - off[i];
        const char *p = (const char *)b + off[i];
        while (l > 0 && (*p == ' ' || *p == '\t')) p++, l--;
        while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\t')) l--;
        /* the CSV reader's parsers: locale-independent, correctly rounded, blanks around allowed */
        int ok = datetime ? tide_csv_parse_datetime(p, l, &ns[i]) : tide_csv_parse_float(p, l, &r[i]);
        if (!ok) {
            int shown = l < 40 ? (int)l : 40;
            TIDE_FAIL("%s: cannot convert '%.*s' (row %lld) to a %s", op, shown, p, (long long)i + 1,
                      datetime ? "datetime" : "number");
            tide_tensor_free(out);
            return NULL;
        }
    }
    return out;
}

/* Python's repr of a double: the shortest round-tripping digits, fixed notation for decimal
 * exponents -4 .. 15 (with ".0" for whole numbers), else "1.5e-05" / "1e+16". */
static int repr_double(char *buf, size_t len, double v) {
    if (isnan(v)) return snprintf(buf, len, "nan");
    if (isinf(v)) return snprintf(buf, len, v < 0 ? "-inf" : "inf");
    if (v == 0) return snprintf(buf, len, signbit(v) ? "-0.0" : "0.0");
    char e[40];
    /* most doubles need 16 or 17 digits: test those first, search upward only when 15 do */
    int p = 17;
    snprintf(e, sizeof e, "%.*e", 14, v);
    if (strtod(e, NULL) == v) {
        for (p = 1; p < 15; p++) {
            snprintf(e, sizeof e, "%.*e", p - 1, v);
            if (strtod(e, NULL) == v) break;
        }
    } else {
        snprintf(e, sizeof e, "%.*e", 15, v);
        if (strtod(e, NULL) == v) p = 16;
    }
    snprintf(e, sizeof e, "%.*e", p - 1, v);
    int exp10 = atoi(strchr(e, 'e') + 1);
    if (exp10 < -4 || exp10 >= 16) return snprintf(buf, len, "%s", e);
    int dec = p - 1 - exp10;
    if (dec <= 0) return snprintf(buf, len, "%.0f.0", v);
    return snprintf(buf, len, "%.*f", dec, v);
}

tide_tensor *tide_frame_to_str(const tide_tensor *data, const tide_tensor *missing, tide_tensor **bytes_out) {
    const char *op = "astype";
    if (!data) {
        TIDE_FAIL("%s: data is NULL", op);
        return NULL;
    }
    int dt = data->dtype;
    if (dt != TIDE_FLOAT64 && dt != TIDE_INT64 && dt != TIDE_BOOL) {
        TIDE_FAIL("%s: to string takes float64, int64 or bool data, got %s", op, tide_dtype_name(dt));
        return NULL;
    }
    if (check_vec(op, "data", data, dt)) return NULL;
    int64_t n = data->shape[0];
    if (missing && (check_vec(op, "missing", missing, TIDE_BOOL) || missing->shape[0] != n)) {
        if (missing->shape[0] != n) TIDE_FAIL("%s: missing mask has %lld values for %lld", op, (long long)missing->shape[0], (long long)n);
        return NULL;
    }
    if (!bytes_out) {
        TIDE_FAIL("%s: bytes_out is NULL", op);
        return NULL;
    }
    const bool *miss = missing ? (const bool *)tide_elem_ptr(missing) : NULL;
    enum { W = 32 };
    char *scratch = malloc((size_t)(n ? n : 1) * W);
    int64_t s1[1] = {n + 1};
    tide_tensor *offsets = scratch ? tide_alloc(op, 1, s1, TIDE_INT64) : NULL;
    if (!offsets) {
        free(scratch);
        if (!scratch) tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        return NULL;
    }
    int64_t *o = (int64_t *)tide_elem_ptr(offsets);
    const char *base = tide_elem_ptr(data);
    o[0] = 0;
    int nth = tide_threads_for(n * 64);
#pragma omp parallel for num_threads(nth) schedule(static) if (nth > 1)
    for (int64_t i = 0; i < n; i++) {
        char *b = scratch + i * W;
        int k = 0;
        if (!(miss && miss[i])) {
            if (dt == TIDE_FLOAT64) k = repr_double(b, W, ((const double *)base)[i]);
            else if (dt == TIDE_INT64) k = snprintf(b, W, "%lld", (long long)((const int64_t *)base)[i]);
            else k = snprintf(b, W, ((const bool *)base)[i] ? "True" : "False");
        }
        if (k < 0) k = 0;
        if (k >= W) k = W - 1;
        o[i + 1] = k; /* lengths first, summed below */
    }
    for (int64_t i = 0; i < n; i++) o[i + 1] += o[i];
    int64_t s2[1] = {o[n]};
    tide_tensor *bytes = tide_alloc(op, 1, s2, TIDE_UINT8);
    if (!bytes) {
        free(scratch);
        tide_tensor_free(offsets);
        return NULL;
    }
    uint8_t *out = (uint8_t *)tide_elem_ptr(bytes);
    for (int64_t i = 0; i < n; i++) memcpy(out + o[i], scratch + i * W, (size_t)(o[i + 1] - o[i]));
    free(scratch);
    *bytes_out = bytes;
    return offsets;
}
