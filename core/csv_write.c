/* csv_write.c — columns (the reader's contract: data / offsets + bytes / missing) to a CSV file,
 * written atomically through tide_file_write. Text is built in one growing buffer.
 * Floats get the shortest of %.15g, %.16g, %.17g that reads back to the same double (C locale).
 */
#define _GNU_SOURCE /* strtod_l, newlocale */
#include "csv_internal.h"
#include "tide/io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *p;
    int64_t n, cap;
    int oom;
} text;

static int reserve(text *t, int64_t more) {
    if (t->n + more <= t->cap) return 0;
    int64_t cap = t->cap ? t->cap : 1 << 16;
    while (cap < t->n + more) cap *= 2;
    char *p = realloc(t->p, (size_t)cap);
    if (!p) {
        t->oom = 1;
        return -1;
    }
    t->p = p;
    t->cap = cap;
    return 0;
}

static void put(text *t, const char *s, int64_t n) {
    if (n <= 0 || reserve(t, n)) return;
    memcpy(t->p + t->n, s, (size_t)n);
    t->n += n;
}

/* A field, quoted when it holds the delimiter, the quote, CR or LF, or starts / ends with a space. */
static void put_field(text *t, const char *s, int64_t n, char delim) {
    int need = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
    for (int64_t i = 0; i < n && !need; i++) need = s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!need) {
        put(t, s, n);
        return;
    }
    if (reserve(t, 2 * n + 2)) return;
    t->p[t->n++] = '"';
    for (int64_t i = 0; i < n; i++) {
        if (s[i] == '"') t->p[t->n++] = '"';
        t->p[t->n++] = s[i];
    }
    t->p[t->n++] = '"';
}

static int format_double(char *buf, size_t len, double v) {
    if (isnan(v)) return snprintf(buf, len, "nan");
    if (isinf(v)) return snprintf(buf, len, v < 0 ? "-inf" : "inf");
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, len, "%.*g", prec, v);
        if (strtod_l(buf, NULL, tide_csv_c_locale()) == v) break;
    }
    return n;
}

static int format_datetime(char *buf, size_t len, int64_t ns, int date_only) {
    int64_t secs = ns / 1000000000, frac = ns % 1000000000;
    if (frac < 0) {
        frac += 1000000000;
        secs--;
    }
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    int64_t y, m, d;
    tide_csv_civil_from_days(days, &y, &m, &d);
    if (date_only) return snprintf(buf, len, "%04lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d);
    int n = snprintf(buf, len, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld", (long long)y, (long long)m, (long long)d,
                     (long long)(sod / 3600), (long long)(sod / 60 % 60), (long long)(sod % 60));
    if (frac) {
        char f[16];
        snprintf(f, sizeof f, "%09lld", (long long)frac);
        int k = 9;
        while (k > 1 && f[k - 1] == '0') k--;
        f[k] = 0;
        n += snprintf(buf + n, len - (size_t)n, ".%s", f);
    }
    return n;
}

static int check_vec(const char *what, const char *name, const tide_tensor *t, int dtype, int64_t n) {
    if (!t) return TIDE_FAIL("csv write: column %s has no %s tensor", name, what);
    if (t->dtype != dtype || t->ndim != 1 || !tide_tensor_is_contiguous(t) || (n >= 0 && t->numel != n))
        return TIDE_FAIL("csv write: column %s: %s must be a contiguous 1-d %s tensor%s", name, what,
                         tide_dtype_name(dtype), n >= 0 ? " of the column's length" : "");
    return 0;
}

int tide_csv_write(const char *path, int64_t ncols, const tide_csv_column *cols, int32_t delimiter, int32_t header,
                   const char *line_end, const char *na_rep) {
    if (!path) return TIDE_FAIL("csv write: path is NULL");
    if (ncols < 1 || !cols) return TIDE_FAIL("csv write: no columns to write");
    if (delimiter <= 0 || delimiter > 255 || delimiter == '"' || delimiter == '\n' || delimiter == '\r')
        return TIDE_FAIL("csv write: bad delimiter %d", delimiter);
    if (!line_end) line_end = "\n";
    int64_t le = (int64_t)strlen(line_end), nr = -1;
    char delim = (char)delimiter;
    /* validate everything first */
    for (int64_t c = 0; c < ncols; c++) {
        const tide_csv_column *k = &cols[c];
        const char *nm = k->name ? k->name : "?";
        if (k->type < TIDE_CSV_BOOL || k->type > TIDE_CSV_STRING)
            return TIDE_FAIL("csv write: column %s has an unknown type code %d", nm, k->type);
        int64_t n;
        if (k->type == TIDE_CSV_STRING) {
            if (check_vec("offsets", nm, k->offsets, TIDE_INT64, -1)) return -1;
            n = k->offsets->numel - 1;
            if (n < 0) return TIDE_FAIL("csv write: column %s: offsets is empty", nm);
            if (check_vec("bytes", nm, k->bytes, TIDE_UINT8, -1)) return -1;
            const int64_t *off = tide_tensor_data_ptr(k->offsets);
            if (off[0] < 0) return TIDE_FAIL("csv write: column %s: offsets[0] is negative", nm);
            for (int64_t i = 0; i < n; i++)
                if (off[i + 1] < off[i] || off[i + 1] > k->bytes->numel)
                    return TIDE_FAIL("csv write: column %s: offsets are not increasing within the bytes", nm);
        } else {
            static const int dt[4] = { TIDE_BOOL, TIDE_INT64, TIDE_FLOAT64, TIDE_INT64 };
            if (check_vec("data", nm, k->data, dt[k->type], -1)) return -1;
            n = k->data->numel;
        }
        if (nr < 0) nr = n;
        else if (n != nr)
            return TIDE_FAIL("csv write: column %s has %lld rows, the first column %lld", nm, (long long)n,
                             (long long)nr);
        if (k->missing && check_vec("missing", nm, k->missing, TIDE_BOOL, nr)) return -1;
    }
    int64_t nna = na_rep ? (int64_t)strlen(na_rep) : 0;
    text t = { 0 };
    if (header) {
        for (int64_t c = 0; c < ncols; c++) {
            if (c) put(&t, &delim, 1);
            const char *nm = cols[c].name ? cols[c].name : "";
            put_field(&t, nm, (int64_t)strlen(nm), delim);
        }
        put(&t, line_end, le);
    }
    /* datetime columns whose every value is a midnight are written as dates */
    int *date_only = calloc((size_t)ncols, sizeof *date_only);
    if (!date_only) return tide_fail(TIDE_ENOMEM, "csv write: out of memory");
    for (int64_t c = 0; c < ncols; c++) {
        if (cols[c].type != TIDE_CSV_DATETIME) continue;
        const int64_t *v = tide_tensor_data_ptr(cols[c].data);
        const uint8_t *m = cols[c].missing ? tide_tensor_data_ptr(cols[c].missing) : NULL;
        date_only[c] = 1;
        for (int64_t i = 0; i < nr && date_only[c]; i++)
            if (!(m && m[i]) && ((v[i] % 86400000000000LL) + 86400000000000LL) % 86400000000000LL) date_only[c] = 0;
    }
    char num[64];
    for (int64_t i = 0; i < nr && !t.oom; i++) {
        for (int64_t c = 0; c < ncols; c++) {
            const tide_csv_column *k = &cols[c];
            if (c) put(&t, &delim, 1);
            if (k->missing && ((const uint8_t *)tide_tensor_data_ptr(k->missing))[i]) {
                put(&t, na_rep, nna);
                continue;
            }
            int n = 0;
            switch (k->type) {
            case TIDE_CSV_BOOL:
                if (((const uint8_t *)tide_tensor_data_ptr(k->data))[i]) put(&t, "True", 4);
                else put(&t, "False", 5);
                break;
            case TIDE_CSV_INT64:
                n = snprintf(num, sizeof num, "%lld", (long long)((const int64_t *)tide_tensor_data_ptr(k->data))[i]);
                put(&t, num, n);
                break;
            case TIDE_CSV_FLOAT64: {
                double v = ((const double *)tide_tensor_data_ptr(k->data))[i];
                if (isnan(v)) {
                    put(&t, na_rep, nna);
                    break;
                }
                n = format_double(num, sizeof num, v);
                put(&t, num, n);
                break;
            }
            case TIDE_CSV_DATETIME:
                n = format_datetime(num, sizeof num, ((const int64_t *)tide_tensor_data_ptr(k->data))[i], date_only[c]);
                put(&t, num, n);
                break;
            default: {
                const int64_t *off = tide_tensor_data_ptr(k->offsets);
                const char *b = tide_tensor_data_ptr(k->bytes);
                put_field(&t, b + off[i], off[i + 1] - off[i], delim);
            }
            }
        }
        put(&t, line_end, le);
    }
    free(date_only);
    if (t.oom) {
        free(t.p);
        return tide_fail(TIDE_ENOMEM, "csv write: out of memory building %s", path);
    }
    const void *bufs[1] = { t.p ? t.p : "" };
    int64_t lens[1] = { t.n };
    int st = tide_file_write(path, 1, bufs, lens, "csv write");
    free(t.p);
    return st;
}
