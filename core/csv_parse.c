/* csv_parse.c — the CSV reader's second step: cell texts (found by csv_read.c) into column
 * tensors, with type inference, missing-value markers and UTF-8 checks. Columns are converted
 * in parallel (OpenMP, one column per task); a failing column leaves its message in a buffer of
 * its own, reported by the calling thread.
 *
 * Numbers are read exactly as strtod in the "C" locale would: simple decimals (at most 19
 * significant digits, a power of ten within 1e±22 and a mantissa below 2^53) are exact with one
 * multiplication or division (Clinger's fast path); everything else goes to strtod_l.
 */
#define _GNU_SOURCE /* strtod_l, newlocale */
#include "csv_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---------------------------------------------------------------- values */
int tide_csv_parse_bool(const char *p, int64_t n, uint8_t *v) {
    if (n == 4 && (!memcmp(p, "true", 4) || !memcmp(p, "True", 4) || !memcmp(p, "TRUE", 4))) {
        *v = 1;
        return 1;
    }
    if (n == 5 && (!memcmp(p, "false", 5) || !memcmp(p, "False", 5) || !memcmp(p, "FALSE", 5))) {
        *v = 0;
        return 1;
    }
    return 0;
}

/* Numbers may have spaces around them (pandas reads " 2 " as 2). */
static inline const char *trim_spaces(const char *p, int64_t *n) {
    while (*n > 0 && (p[0] == ' ' || p[0] == '\t')) p++, (*n)--;
    while (*n > 0 && (p[*n - 1] == ' ' || p[*n - 1] == '\t')) (*n)--;
    return p;
}

int tide_csv_parse_int(const char *p, int64_t n, int64_t *v) {
    int64_t i = 0;
    p = trim_spaces(p, &n);
    int neg = 0;
    if (n > 0 && (p[0] == '-' || p[0] == '+')) {
        neg = p[0] == '-';
        i = 1;
    }
    if (i == n || n - i > 19) return 0;
    uint64_t m = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)(uint8_t)p[i] - '0';
        if (d > 9) return 0;
        m = m * 10 + d; /* 19 digits cannot overflow uint64 */
    }
    if (neg) {
        if (m > (uint64_t)INT64_MAX + 1) return 0;
        *v = (int64_t)(0 - m);
    } else {
        if (m > (uint64_t)INT64_MAX) return 0;
        *v = (int64_t)m;
    }
    return 1;
}

static int word_ci(const char *p, int64_t n, const char *w) {
    if ((int64_t)strlen(w) != n) return 0;
    for (int64_t i = 0; i < n; i++)
        if ((p[i] | 0x20) != w[i]) return 0;
    return 1;
}

static const double pow10_exact[23] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

int tide_csv_parse_float(const char *p, int64_t n, double *v) {
    int64_t i = 0;
    p = trim_spaces(p, &n);
    int neg = 0;
    if (n > 0 && (p[0] == '-' || p[0] == '+')) {
        neg = p[0] == '-';
        i = 1;
    }
    if (i == n) return 0;
    if (!((unsigned)(uint8_t)p[i] - '0' <= 9 || p[i] == '.')) {
        /* inf, infinity, nan (any case) */
        const char *w = p + i;
        int64_t wn = n - i;
        if (word_ci(w, wn, "inf") || word_ci(w, wn, "infinity")) {
            *v = neg ? -INFINITY : INFINITY;
            return 1;
        }
        if (word_ci(w, wn, "nan")) {
            *v = NAN;
            return 1;
        }
        return 0;
    }
    uint64_t m = 0;
    int sig = 0, digits = 0;
    int64_t e10 = 0;
    for (; i < n && (unsigned)(uint8_t)p[i] - '0' <= 9; i++, digits++) {
        unsigned d = (unsigned)(uint8_t)p[i] - '0';
        if (m || d) sig++;
        if (sig <= 19) m = m * 10 + d;
        else e10++;
    }
    if (i < n && p[i] == '.') {
        i++;
        for (; i < n && (unsigned)(uint8_t)p[i] - '0' <= 9; i++, digits++) {
            unsigned d = (unsigned)(uint8_t)p[i] - '0';
            if (m || d) sig++;
            if (sig <= 19) {
                m = m * 10 + d;
                e10--;
            }
        }
    }
    if (digits == 0) return 0;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < n && (p[i] == '-' || p[i] == '+')) eneg = p[i++] == '-';
        if (i == n) return 0;
        int64_t e = 0;
        for (; i < n; i++) {
            unsigned d = (unsigned)(uint8_t)p[i] - '0';
            if (d > 9) return 0;
            if (e < 100000) e = e * 10 + d;
        }
        e10 += eneg ? -e : e;
    }
    if (i != n) return 0;
    if (sig <= 19 && m <= ((uint64_t)1 << 53) && e10 >= -22 && e10 <= 22) {
        double d = (double)m;
        d = e10 < 0 ? d / pow10_exact[-e10] : d * pow10_exact[e10];
        *v = neg ? -d : d;
        return 1;
    }
    /* the general case: strtod in the C locale over a NUL-terminated copy */
    char small[128], *buf = small;
    if (n >= (int64_t)sizeof small) {
        buf = malloc((size_t)n + 1);
        if (!buf) return 0;
    }
    memcpy(buf, p, (size_t)n);
    buf[n] = 0;
    char *endp;
    *v = strtod_l(buf, &endp, tide_csv_c_locale());
    int ok = endp == buf + n;
    if (buf != small) free(buf);
    return ok;
}

int64_t tide_csv_days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void tide_csv_civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits_at(const char *p, int64_t n, int64_t at, int count, int64_t *v) {
    if (at + count > n) return 0;
    int64_t x = 0;
    for (int k = 0; k < count; k++) {
        unsigned d = (unsigned)(uint8_t)p[at + k] - '0';
        if (d > 9) return 0;
        x = x * 10 + d;
    }
    *v = x;
    return 1;
}

/* YYYY-MM-DD, then optionally [T ]HH:MM[:SS[.fraction]] and Z or +HH:MM / -HH:MM / +HHMM. */
int tide_csv_parse_datetime(const char *p, int64_t n, int64_t *ns) {
    int64_t y, mo, d, h = 0, mi = 0, s = 0, frac = 0, off = 0;
    if (n < 10 || !digits_at(p, n, 0, 4, &y) || p[4] != '-' || !digits_at(p, n, 5, 2, &mo) || p[7] != '-' ||
        !digits_at(p, n, 8, 2, &d))
        return 0;
    static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]) return 0;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 0;
    int64_t i = 10;
    if (i < n) {
        if (p[i] != 'T' && p[i] != ' ') return 0;
        if (!digits_at(p, n, i + 1, 2, &h) || i + 3 >= n || p[i + 3] != ':' || !digits_at(p, n, i + 4, 2, &mi))
            return 0;
        i += 6;
        if (i < n && p[i] == ':') {
            if (!digits_at(p, n, i + 1, 2, &s)) return 0;
            i += 3;
            if (i < n && p[i] == '.') {
                i++;
                int k = 0;
                for (; i < n && (unsigned)(uint8_t)p[i] - '0' <= 9; i++, k++)
                    if (k < 9) frac = frac * 10 + (p[i] - '0');
                if (k == 0) return 0;
                for (; k < 9; k++) frac *= 10;
            }
        }
        if (h > 23 || mi > 59 || s > 59) return 0;
        if (i < n) {
            if (p[i] == 'Z' && i + 1 == n) i++;
            else if (p[i] == '+' || p[i] == '-') {
                int64_t oh, om;
                int sign = p[i] == '-' ? -1 : 1;
                if (!digits_at(p, n, i + 1, 2, &oh)) return 0;
                if (i + 3 < n && p[i + 3] == ':') {
                    if (!digits_at(p, n, i + 4, 2, &om) || i + 6 != n) return 0;
                } else if (!digits_at(p, n, i + 3, 2, &om) || i + 5 != n)
                    return 0;
                if (oh > 23 || om > 59) return 0;
                off = sign * (oh * 3600 + om * 60);
                i = n;
            } else
                return 0;
        }
    }
    if (i != n) return 0;
    int64_t secs = tide_csv_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off, v;
    /* nanoseconds in int64 cover the years 1677 to 2262 (pandas' bounds too) */
    if (__builtin_mul_overflow(secs, (int64_t)1000000000, &v) || __builtin_add_overflow(v, frac, &v)) return 0;
    *ns = v;
    return 1;
}

/* ---------------------------------------------------------------- cells */
typedef struct {
    char *buf; /* unescaped text of a field with doubled quotes */
    int64_t cap;
} scratch;

/* The text of field k: a pointer into the file, or into s for a field with doubled quotes. */
static const char *cell(const tide_csv *r, int64_t k, int64_t *n, scratch *s) {
    uint32_t fl = r->flen[k];
    const char *p = r->data + r->fstart[k];
    int64_t len = fl & CSV_LEN_MASK;
    if (!(fl & CSV_ESCAPED)) {
        *n = len;
        return p;
    }
    if (len > s->cap) {
        char *b = realloc(s->buf, (size_t)len + 1);
        if (!b) {
            *n = -1;
            return NULL;
        }
        s->buf = b;
        s->cap = len;
    }
    int64_t o = 0;
    for (int64_t i = 0; i < len; i++) {
        s->buf[o++] = p[i];
        if (p[i] == (char)r->quote) i++;
    }
    *n = o;
    return s->buf;
}

static int is_na(const tide_csv *r, const char *p, int64_t n) {
    if (n == 0) return r->na_empty;
    if (!r->na_first[(uint8_t)p[0]]) return 0;
    if (n < 63 && !(r->na_lens & ((uint64_t)1 << n))) return 0;
    for (int i = 0; i < r->n_na; i++)
        if (r->na_len[i] == n && memcmp(r->na[i], p, (size_t)n) == 0) return 1;
    return 0;
}

/* Length of the longest valid UTF-8 prefix of p[0..n). */
int64_t tide_csv_utf8_valid_prefix(const uint8_t *p, int64_t n) {
    int64_t i = 0;
    while (i < n) {
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull) break;
            i += 8;
        }
        if (i >= n) break;
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int k;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) k = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF) k = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4) k = 3, cp = c & 0x07;
        else return i;
        if (i + k >= n) return i; /* truncated */
        for (int j = 1; j <= k; j++) {
            if ((p[i + j] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (p[i + j] & 0x3F);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += 1 + k;
    }
    return n;
}

/* Copy p[0..n) to out (NULL: only measure), each byte of an invalid sequence becoming U+FFFD. */
int64_t tide_csv_utf8_replace(const uint8_t *p, int64_t n, uint8_t *out) {
    int64_t o = 0, i = 0;
    while (i < n) {
        int64_t v = tide_csv_utf8_valid_prefix(p + i, n - i);
        if (out) memcpy(out + o, p + i, (size_t)v);
        o += v;
        i += v;
        if (i < n) {
            if (out) memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    return o;
}

/* ---------------------------------------------------------------- columns */
static const char *const type_names[] = { "bool", "int64", "float64", "datetime", "string" };

typedef struct {
    const tide_csv *r;
    int64_t col;
    int32_t type;
    tide_tensor *data, *bytes, *missing;
    char err[640];
    int status; /* TIDE_EARG / TIDE_ENOMEM on failure */
} column_job;

static int job_fail(column_job *j, int status, int64_t row, const char *fmt, const char *text, int64_t n) {
    char shown[64];
    int64_t k = n < 40 ? n : 40;
    memcpy(shown, text ? text : "", (size_t)(text ? k : 0));
    shown[text ? k : 0] = 0;
    char what[200];
    snprintf(what, sizeof what, fmt, shown, n > 40 ? "..." : "");
    if (row >= 0)
        snprintf(j->err, sizeof j->err, "csv read: %s line %lld, column %s: %s", j->r->name,
                 (long long)j->r->line[row], j->r->names[j->col], what);
    else
        snprintf(j->err, sizeof j->err, "csv read: %s", what);
    j->status = status;
    return -1;
}

static int mark_missing(column_job *j, int64_t row) {
    if (!j->missing) {
        int64_t shape[1] = { j->r->nrows };
        j->missing = tide_tensor_zeros(1, shape, TIDE_BOOL);
        if (!j->missing) return job_fail(j, TIDE_ENOMEM, -1, "out of memory%s%s", "", 0);
    }
    ((uint8_t *)tide_tensor_data_ptr(j->missing))[row] = 1;
    return 0;
}

static int32_t infer(const tide_csv *r, int64_t col, scratch *s) {
    enum { B = 1, I = 2, F = 4, D = 8 };
    int flags = B | I | F | D, any = 0;
    for (int64_t row = 0; row < r->nrows && flags; row++) {
        int64_t n;
        const char *p = cell(r, row * r->ncols + col, &n, s);
        if (!p) return TIDE_CSV_STRING;
        if (is_na(r, p, n)) continue;
        any = 1;
        uint8_t b;
        int64_t iv, dv;
        double fv;
        if ((flags & B) && !tide_csv_parse_bool(p, n, &b)) flags &= ~B;
        if ((flags & I) && !tide_csv_parse_int(p, n, &iv)) flags &= ~I;
        if ((flags & F) && !(flags & I) && !tide_csv_parse_float(p, n, &fv)) flags &= ~F;
        if ((flags & D) && !tide_csv_parse_datetime(p, n, &dv)) flags &= ~D;
    }
    if (!any) return TIDE_CSV_FLOAT64; /* every cell missing: NaN, as pandas */
    if (flags & B) return TIDE_CSV_BOOL;
    if (flags & I) return TIDE_CSV_INT64;
    if (flags & F) return TIDE_CSV_FLOAT64;
    if (flags & D) return TIDE_CSV_DATETIME;
    return TIDE_CSV_STRING;
}

static int parse_strings(column_job *j, scratch *s) {
    const tide_csv *r = j->r;
    int64_t nr = r->nrows, shape[1] = { nr + 1 };
    j->data = tide_alloc("csv read", 1, shape, TIDE_INT64);
    if (!j->data) return -1;
    int64_t *off = tide_tensor_data_ptr(j->data), total = 0;
    off[0] = 0;
    for (int64_t row = 0; row < nr; row++) {
        int64_t n;
        const char *p = cell(r, row * r->ncols + j->col, &n, s);
        if (!p) return job_fail(j, TIDE_ENOMEM, -1, "out of memory%s%s", "", 0);
        if (is_na(r, p, n)) {
            if (mark_missing(j, row)) return -1;
            n = 0;
        } else {
            int64_t v = tide_csv_utf8_valid_prefix((const uint8_t *)p, n);
            if (v < n) {
                if (!r->replace_utf8) {
                    char msg[120];
                    snprintf(msg, sizeof msg, "invalid UTF-8 at byte %lld of the field", (long long)v + 1);
                    return job_fail(j, TIDE_EARG, row, "%s%s", msg, (int64_t)strlen(msg));
                }
                n = tide_csv_utf8_replace((const uint8_t *)p, n, NULL);
            }
        }
        total += n;
        off[row + 1] = total;
    }
    shape[0] = total;
    j->bytes = tide_alloc("csv read", 1, shape, TIDE_UINT8);
    if (!j->bytes) return -1;
    uint8_t *out = tide_tensor_data_ptr(j->bytes);
    const uint8_t *miss = j->missing ? tide_tensor_data_ptr(j->missing) : NULL;
    for (int64_t row = 0; row < nr; row++) {
        if (miss && miss[row]) continue;
        int64_t n, want = off[row + 1] - off[row];
        const char *p = cell(r, row * r->ncols + j->col, &n, s);
        if (!p) return job_fail(j, TIDE_ENOMEM, -1, "out of memory%s%s", "", 0);
        if (want == n) memcpy(out + off[row], p, (size_t)n);
        else tide_csv_utf8_replace((const uint8_t *)p, n, out + off[row]);
    }
    return 0;
}

/* Inference and conversion in one pass for the common numeric columns: cells are read as
 * int64 while they all are, then as float64 (earlier ints converted: (double) of an int64 is
 * correctly rounded, as strtod of its text). Returns 1 when the column is done, 0 when a cell
 * is neither (or the first value is not a number): the caller then infers and parses. */
static int try_numeric(column_job *j, scratch *s) {
    const tide_csv *r = j->r;
    int64_t nr = r->nrows, shape[1] = { nr };
    tide_tensor *it = NULL, *ft = NULL;
    int64_t *iv = NULL;
    double *fv = NULL;
    int any = 0;
    for (int64_t row = 0; row < nr; row++) {
        int64_t n;
        const char *p = cell(r, row * r->ncols + j->col, &n, s);
        if (!p) goto fallback;
        if (is_na(r, p, n)) {
            if (mark_missing(j, row)) goto fallback;
            if (fv) fv[row] = NAN;
            else if (iv) iv[row] = 0;
            continue;
        }
        if (!any) {
            any = 1;
            int64_t t;
            double d;
            if (!tide_csv_parse_int(p, n, &t) && !tide_csv_parse_float(p, n, &d)) goto fallback;
            it = tide_alloc("csv read", 1, shape, TIDE_INT64);
            if (!it) goto fallback;
            iv = tide_tensor_data_ptr(it);
            for (int64_t k = 0; k < row; k++) iv[k] = 0; /* the missing cells before */
        }
        if (!fv) {
            if (tide_csv_parse_int(p, n, iv + row)) continue;
            ft = tide_alloc("csv read", 1, shape, TIDE_FLOAT64);
            if (!ft) goto fallback;
            fv = tide_tensor_data_ptr(ft);
            const uint8_t *m = j->missing ? tide_tensor_data_ptr(j->missing) : NULL;
            for (int64_t k = 0; k < row; k++) fv[k] = (m && m[k]) ? NAN : (double)iv[k];
            tide_tensor_free(it);
            it = NULL;
        }
        if (!tide_csv_parse_float(p, n, fv + row)) goto fallback;
    }
    if (!any) goto fallback; /* every cell missing: the general path gives float64 NaN */
    j->type = fv ? TIDE_CSV_FLOAT64 : TIDE_CSV_INT64;
    j->data = fv ? ft : it;
    return 1;
fallback:
    tide_tensor_free(it);
    tide_tensor_free(ft);
    if (j->status) return 1; /* out of memory: reported */
    return 0;
}

static void run_job(column_job *j) {
    const tide_csv *r = j->r;
    scratch s = { 0 };
    if (j->type == TIDE_CSV_AUTO && try_numeric(j, &s)) goto out;
    if (j->type == TIDE_CSV_AUTO) j->type = infer(r, j->col, &s);
    int64_t nr = r->nrows, shape[1] = { nr };
    if (j->type == TIDE_CSV_STRING) {
        parse_strings(j, &s);
        goto out;
    }
    static const int dtypes[4] = { TIDE_BOOL, TIDE_INT64, TIDE_FLOAT64, TIDE_INT64 };
    j->data = tide_alloc("csv read", 1, shape, dtypes[j->type]);
    if (!j->data) goto out;
    void *d = tide_tensor_data_ptr(j->data);
    for (int64_t row = 0; row < nr; row++) {
        int64_t n;
        const char *p = cell(r, row * r->ncols + j->col, &n, &s);
        if (!p) {
            job_fail(j, TIDE_ENOMEM, -1, "out of memory%s%s", "", 0);
            goto out;
        }
        int ok = 1;
        if (is_na(r, p, n)) {
            if (mark_missing(j, row)) goto out;
            switch (j->type) {
            case TIDE_CSV_BOOL: ((uint8_t *)d)[row] = 0; break;
            case TIDE_CSV_FLOAT64: ((double *)d)[row] = NAN; break;
            default: ((int64_t *)d)[row] = 0;
            }
            continue;
        }
        switch (j->type) {
        case TIDE_CSV_BOOL: ok = tide_csv_parse_bool(p, n, (uint8_t *)d + row); break;
        case TIDE_CSV_INT64: ok = tide_csv_parse_int(p, n, (int64_t *)d + row); break;
        case TIDE_CSV_FLOAT64: ok = tide_csv_parse_float(p, n, (double *)d + row); break;
        default: ok = tide_csv_parse_datetime(p, n, (int64_t *)d + row);
        }
        if (!ok) {
            char fmt[80];
            snprintf(fmt, sizeof fmt, "cannot read '%%s%%s' as %s", type_names[j->type]);
            job_fail(j, TIDE_EARG, row, fmt, p, n);
            goto out;
        }
    }
out:
    if (!j->status && (!j->data || (j->type == TIDE_CSV_STRING && !j->bytes))) {
        /* an allocation failed: tide_alloc left its message on this thread */
        snprintf(j->err, sizeof j->err, "%s", tide_last_error()[0] ? tide_last_error() : "csv read: out of memory");
        j->status = TIDE_ENOMEM;
    }
    free(s.buf);
}

int tide_csv_parse(tide_csv *r, int64_t n, const int64_t *cols, int32_t *types, tide_tensor **out) {
    if (!r || n < 0 || (n > 0 && (!cols || !types || !out))) return TIDE_FAIL("csv read: bad arguments to parse");
    for (int64_t i = 0; i < n; i++) {
        if (cols[i] < 0 || cols[i] >= r->ncols)
            return TIDE_FAIL("csv read: column %lld out of range (%lld columns)", (long long)cols[i] + 1,
                             (long long)r->ncols);
        if (types[i] < TIDE_CSV_AUTO || types[i] > TIDE_CSV_STRING)
            return TIDE_FAIL("csv read: unknown type code %d for column %s", types[i], r->names[cols[i]]);
    }
    column_job *jobs = calloc((size_t)(n ? n : 1), sizeof *jobs);
    if (!jobs) return tide_fail(TIDE_ENOMEM, "csv read: out of memory");
    for (int64_t i = 0; i < n; i++) {
        jobs[i].r = r;
        jobs[i].col = cols[i];
        jobs[i].type = types[i];
    }
    int nt = tide_threads_for(r->nrows * n * 8);
    if (nt > n) nt = (int)n;
    if (nt < 1) nt = 1;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (nt > 1)
    for (int64_t i = 0; i < n; i++) run_job(&jobs[i]);
    int status = 0;
    for (int64_t i = 0; i < n; i++) {
        if (jobs[i].status && !status) status = tide_fail(jobs[i].status, "%s", jobs[i].err);
    }
    for (int64_t i = 0; i < n; i++) {
        if (status) {
            tide_tensor_free(jobs[i].data);
            tide_tensor_free(jobs[i].bytes);
            tide_tensor_free(jobs[i].missing);
            out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = NULL;
        } else {
            types[i] = jobs[i].type;
            out[3 * i] = jobs[i].data;
            out[3 * i + 1] = jobs[i].bytes;
            out[3 * i + 2] = jobs[i].missing;
        }
    }
    free(jobs);
    return status;
}
