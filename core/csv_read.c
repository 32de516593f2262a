/* csv_read.c — the CSV reader's first step: the file's bytes, its delimiter, and every row and
 * field boundary, found in one pass (RFC 4180: quoted fields may hold delimiters, doubled
 * quotes and line breaks; rows end with LF, CRLF or CR). Cell values are read by csv_parse.c.
 *
 * Per field we keep its text's byte offset and length (inside the quotes for a quoted field,
 * with a bit telling that doubled quotes must be undone), rows in order: fstart / flen are
 * [nrows, ncols] row-major. Blank lines and lines that are only a comment are skipped, as
 * pandas does. A row with the wrong field count or an unterminated quote fails naming its line,
 * or with skip_bad_rows is dropped and counted.
 */
#define _GNU_SOURCE /* strtod_l, newlocale */
#include "csv_internal.h"
#include "tide/io.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const default_na[] = { "",     "#N/A", "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN",
                                          "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",     "NA",       "NULL",
                                          "NaN",  "None", "n/a",      "nan",  "null" };

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;
static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }
locale_t tide_csv_c_locale(void) {
    pthread_once(&c_locale_once, make_c_locale);
    return c_locale;
}

void tide_csv_close(tide_csv *r) {
    if (!r) return;
    tide_tensor_free(r->buf);
    if (r->names)
        for (int64_t i = 0; i < r->ncols; i++) free(r->names[i]);
    free(r->names);
    free(r->fstart);
    free(r->flen);
    free(r->line);
    if (r->na)
        for (int i = 0; i < r->n_na; i++) free(r->na[i]);
    free(r->na);
    free(r->na_len);
    free(r);
}

int64_t tide_csv_ncols(const tide_csv *r) { return r ? r->ncols : 0; }
int64_t tide_csv_nrows(const tide_csv *r) { return r ? r->nrows : 0; }
int64_t tide_csv_skipped(const tide_csv *r) { return r ? r->skipped : 0; }
int32_t tide_csv_delimiter(const tide_csv *r) { return r ? r->delim : 0; }
const char *tide_csv_name(const tide_csv *r, int64_t col) {
    if (!r || col < 0 || col >= r->ncols) return NULL;
    return r->names[col];
}

static int set_markers(tide_csv *r, const tide_csv_options *o) {
    int n = (o && o->n_na >= 0) ? o->n_na : (int)(sizeof default_na / sizeof *default_na);
    const char *const *src = (o && o->n_na >= 0) ? o->na_values : default_na;
    if (n > 0 && !src) return TIDE_FAIL("csv read: na_values is NULL but n_na is %d", n);
    r->na = calloc((size_t)n + 1, sizeof *r->na);
    r->na_len = calloc((size_t)n + 1, sizeof *r->na_len);
    if (!r->na || !r->na_len) return tide_fail(TIDE_ENOMEM, "csv read: out of memory");
    for (int i = 0; i < n; i++) {
        if (!src[i]) return TIDE_FAIL("csv read: na_values[%d] is NULL", i);
        size_t l = strlen(src[i]);
        r->na[i] = strdup(src[i]);
        if (!r->na[i]) return tide_fail(TIDE_ENOMEM, "csv read: out of memory");
        r->n_na = i + 1;
        r->na_len[i] = (int32_t)l;
        if (l == 0) r->na_empty = 1;
        else {
            r->na_first[(uint8_t)src[i][0]] = 1;
            r->na_lens |= l < 64 ? (uint64_t)1 << l : 0;
            if (l >= 64) r->na_lens |= (uint64_t)1 << 63; /* long markers: checked always */
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- one row */
enum { ROW_OK = 0, ROW_BLANK = 1, ROW_UNTERMINATED = 2, ROW_AFTER_QUOTE = 3, ROW_TOO_LONG = 4 };

typedef struct {
    int64_t *start;
    uint32_t *len;
    int64_t n, cap;
} fields;

static int fields_push(fields *f, int64_t start, uint32_t len) {
    if (f->n == f->cap) {
        int64_t cap = f->cap ? 2 * f->cap : 64;
        int64_t *s = realloc(f->start, (size_t)cap * sizeof *s);
        if (!s) return -1;
        f->start = s;
        uint32_t *l = realloc(f->len, (size_t)cap * sizeof *l);
        if (!l) return -1;
        f->len = l;
        f->cap = cap;
    }
    f->start[f->n] = start;
    f->len[f->n] = len;
    f->n++;
    return 0;
}

static int64_t count_lf(const char *p, const char *e) {
    int64_t n = 0;
    while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/* Scan the row at *pos: its fields go to f (cleared first), *pos moves past its line end, and
 * *lines grows by the line breaks consumed. special[c] marks delimiter, CR, LF and comment. */
static int scan_row(const tide_csv *r, const uint8_t *special, int64_t *pos, int64_t *lines, fields *f, int *oom) {
    const char *d = r->data, *end = d + r->len, *p = d + *pos;
    const char q = (char)r->quote, delim = (char)r->delim, comment = (char)r->comment;
    f->n = 0;
    int status = ROW_OK, any = 0;
    for (;;) {
        /* one field starts at p */
        if (p < end && *p == q) {
            const char *s = ++p;
            uint32_t flags = CSV_QUOTED;
            for (;;) {
                const char *c = memchr(p, q, (size_t)(end - p));
                if (!c) {
                    *lines += count_lf(s, end);
                    *pos = r->len;
                    return ROW_UNTERMINATED;
                }
                if (c + 1 < end && c[1] == q) {
                    flags |= CSV_ESCAPED;
                    p = c + 2;
                    continue;
                }
                *lines += count_lf(s, c);
                if (c - s > (int64_t)CSV_LEN_MASK) status = ROW_TOO_LONG;
                if (fields_push(f, s - d, (uint32_t)((c - s) & CSV_LEN_MASK) | flags)) *oom = 1;
                p = c + 1;
                break;
            }
            any = 1;
            if (p < end && *p != delim && *p != '\n' && *p != '\r' && !(comment && *p == comment)) {
                status = ROW_AFTER_QUOTE; /* skip to the line's end */
                while (p < end && *p != '\n' && *p != '\r') p++;
            }
        } else {
            const char *s = p;
            while (p < end && !special[(uint8_t)*p]) p++;
            if (p > s || (p < end && *p == delim) || any) {
                if (p - s > (int64_t)CSV_LEN_MASK) status = ROW_TOO_LONG;
                if (fields_push(f, s - d, (uint32_t)((p - s) & CSV_LEN_MASK))) *oom = 1;
                any = 1;
            }
        }
        if (p >= end) break;
        if (*p == delim) {
            p++;
            if (p >= end || *p == '\n' || *p == '\r') { /* a trailing delimiter: one more empty field */
                if (fields_push(f, p - d, 0)) *oom = 1;
            } else
                continue;
        }
        if (p < end && comment && *p == comment) {
            while (p < end && *p != '\n' && *p != '\r') p++;
        }
        break;
    }
    /* the line end */
    if (p < end && *p == '\r') p++;
    if (p < end && *p == '\n') p++;
    *lines += 1;
    *pos = p - d;
    if (!any && f->n == 0) return ROW_BLANK;
    return status;
}

/* ---------------------------------------------------------------- delimiter detection */
static int detect_delimiter(const char *d, int64_t len, int quote) {
    static const char cand[4] = { ',', ';', '\t', '|' };
    int64_t first[4] = { 0 }, total[4] = { 0 };
    int consistent[4] = { 1, 1, 1, 1 }, lines = 0;
    int64_t cnt[4] = { 0 };
    int inq = 0;
    int64_t lim = len < 65536 ? len : 65536;
    for (int64_t i = 0; i < lim && lines < 50; i++) {
        char c = d[i];
        if (c == (char)quote) inq = !inq;
        if (inq) continue;
        if (c == '\n') {
            for (int k = 0; k < 4; k++) {
                if (lines == 0) first[k] = cnt[k];
                else if (cnt[k] != first[k]) consistent[k] = 0;
                total[k] += cnt[k];
                cnt[k] = 0;
            }
            lines++;
            continue;
        }
        for (int k = 0; k < 4; k++) cnt[k] += c == cand[k];
    }
    if (lines == 0)
        for (int k = 0; k < 4; k++) first[k] = total[k] = cnt[k];
    int best = -1;
    for (int k = 0; k < 4; k++)
        if (consistent[k] && first[k] > 0 && (best < 0 || first[k] > first[best])) best = k;
    if (best < 0)
        for (int k = 0; k < 4; k++)
            if (total[k] > 0 && (best < 0 || total[k] > total[best])) best = k;
    return best < 0 ? ',' : cand[best];
}

/* ---------------------------------------------------------------- header names */
static char *field_text(const tide_csv *r, int64_t start, uint32_t fl) {
    int64_t n = fl & CSV_LEN_MASK;
    char *s = malloc((size_t)n + 1);
    if (!s) return NULL;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        s[k++] = r->data[start + i];
        if ((fl & CSV_ESCAPED) && r->data[start + i] == (char)r->quote) i++;
    }
    s[k] = 0;
    return s;
}

static int set_names(tide_csv *r, const fields *f, int header, int64_t line) {
    r->names = calloc((size_t)r->ncols, sizeof *r->names);
    if (!r->names) return tide_fail(TIDE_ENOMEM, "csv read: out of memory");
    for (int64_t c = 0; c < r->ncols; c++) {
        char *s = header ? field_text(r, f->start[c], f->len[c]) : malloc(32);
        if (!s) return tide_fail(TIDE_ENOMEM, "csv read: out of memory");
        if (header) {
            int64_t n = (int64_t)strlen(s), v = tide_csv_utf8_valid_prefix((const uint8_t *)s, n);
            if (v < n && !r->replace_utf8) {
                free(s);
                return TIDE_FAIL("csv read: %s line %lld: invalid UTF-8 in the name of column %lld", r->name,
                                 (long long)line, (long long)c + 1);
            }
            if (v < n) {
                char *t = malloc((size_t)tide_csv_utf8_replace((const uint8_t *)s, n, NULL) + 1);
                if (!t) {
                    free(s);
                    return tide_fail(TIDE_ENOMEM, "csv read: out of memory");
                }
                t[tide_csv_utf8_replace((const uint8_t *)s, n, (uint8_t *)t)] = 0;
                free(s);
                s = t;
            }
        }
        if (!header) snprintf(s, 32, "col%lld", (long long)c + 1);
        else if (!s[0]) {
            free(s);
            s = malloc(40);
            if (!s) return tide_fail(TIDE_ENOMEM, "csv read: out of memory");
            snprintf(s, 40, "Unnamed: %lld", (long long)c);
        }
        /* duplicates become name.1, name.2, ... (pandas' mangling); s is the base name */
        for (int k = 0;; k++) {
            size_t l = strlen(s) + 24;
            char *t = malloc(l);
            if (!t) {
                free(s);
                return tide_fail(TIDE_ENOMEM, "csv read: out of memory");
            }
            if (k == 0) snprintf(t, l, "%s", s);
            else snprintf(t, l, "%s.%d", s, k);
            int dup = 0;
            for (int64_t j = 0; j < c && !dup; j++) dup = strcmp(r->names[j], t) == 0;
            if (!dup) {
                r->names[c] = t;
                break;
            }
            free(t);
        }
        free(s);
    }
    return 0;
}

/* ---------------------------------------------------------------- rows */
static int grow_rows(tide_csv *r) {
    int64_t cap = r->cap_rows ? 2 * r->cap_rows : 1024;
    size_t nf = (size_t)cap * (size_t)r->ncols;
    int64_t *s = realloc(r->fstart, nf * sizeof *s);
    if (!s) return -1;
    r->fstart = s;
    uint32_t *l = realloc(r->flen, nf * sizeof *l);
    if (!l) return -1;
    r->flen = l;
    int64_t *ln = realloc(r->line, (size_t)cap * sizeof *ln);
    if (!ln) return -1;
    r->line = ln;
    r->cap_rows = cap;
    return 0;
}

static int bad_row(tide_csv *r, int status, int64_t line, int64_t got, int skip) {
    if (skip) {
        r->skipped++;
        return 0;
    }
    switch (status) {
    case ROW_UNTERMINATED:
        return TIDE_FAIL("csv read: %s line %lld: unterminated quoted field", r->name, (long long)line);
    case ROW_AFTER_QUOTE:
        return TIDE_FAIL("csv read: %s line %lld: unexpected character after a closing quote", r->name,
                         (long long)line);
    case ROW_TOO_LONG:
        return TIDE_FAIL("csv read: %s line %lld: a field longer than 1 GiB", r->name, (long long)line);
    default:
        return TIDE_FAIL("csv read: %s line %lld: expected %lld fields, got %lld", r->name, (long long)line,
                         (long long)r->ncols, (long long)got);
    }
}

static int index_rows(tide_csv *r, const tide_csv_options *o) {
    int64_t pos = 0, line = 1;
    fields f = { 0 };
    int oom = 0, status = 0;
    /* a UTF-8 byte-order mark */
    if (r->len >= 3 && memcmp(r->data, "\xEF\xBB\xBF", 3) == 0) pos = 3;
    int64_t skip = o ? o->skip_rows : 0;
    for (int64_t k = 0; k < skip && pos < r->len; k++) {
        const char *nl = memchr(r->data + pos, '\n', (size_t)(r->len - pos));
        pos = nl ? nl - r->data + 1 : r->len;
        line++;
    }
    r->delim = (o && o->delimiter) ? o->delimiter : detect_delimiter(r->data + pos, r->len - pos, r->quote);
    if (r->delim == r->quote || r->delim == '\n' || r->delim == '\r' || (r->comment && r->delim == r->comment))
        return TIDE_FAIL("csv read: the delimiter %d clashes with the quote, comment or line end", r->delim);
    uint8_t special[256] = { 0 };
    special[(uint8_t)r->delim] = special['\n'] = special['\r'] = 1;
    if (r->comment) special[(uint8_t)r->comment] = 1;
    int header = o ? o->header : 1, skip_bad = o ? o->skip_bad_rows : 0;
    int64_t limit = (o && o->nrows >= 0) ? o->nrows : INT64_MAX;

    /* the first row: the header, or the first data row that fixes the column count */
    int st = ROW_BLANK;
    int64_t first_line = line;
    while (pos < r->len && st == ROW_BLANK) {
        first_line = line;
        st = scan_row(r, special, &pos, &line, &f, &oom);
    }
    if (oom) goto nomem;
    if (st == ROW_BLANK) {
        if (o && o->allow_empty) goto done;
        status = TIDE_FAIL("csv read: %s is empty (no header and no rows)", r->name);
        goto done;
    }
    if (st != ROW_OK) {
        status = bad_row(r, st, first_line, f.n, 0);
        goto done;
    }
    r->ncols = f.n;
    if (set_names(r, &f, header, first_line)) {
        status = -1;
        goto done;
    }
    int64_t start_pos = pos, start_line = line;
    if (!header) { /* the row just read is data: read it again below */
        start_pos = -1;
    }
    if (start_pos < 0) {
        /* re-scan from the first row */
        pos = 0;
        if (r->len >= 3 && memcmp(r->data, "\xEF\xBB\xBF", 3) == 0) pos = 3;
        line = 1;
        for (int64_t k = 0; k < skip && pos < r->len; k++) {
            const char *nl = memchr(r->data + pos, '\n', (size_t)(r->len - pos));
            pos = nl ? nl - r->data + 1 : r->len;
            line++;
        }
    } else {
        pos = start_pos;
        line = start_line;
    }
    while (pos < r->len && r->nrows < limit) {
        int64_t row_line = line;
        st = scan_row(r, special, &pos, &line, &f, &oom);
        if (oom) goto nomem;
        if (st == ROW_BLANK) continue;
        if (st != ROW_OK || f.n != r->ncols) {
            if (bad_row(r, st, row_line, f.n, skip_bad)) {
                status = -1;
                goto done;
            }
            continue;
        }
        if (r->nrows == r->cap_rows && grow_rows(r)) goto nomem;
        int64_t base = r->nrows * r->ncols;
        memcpy(r->fstart + base, f.start, (size_t)r->ncols * sizeof *f.start);
        memcpy(r->flen + base, f.len, (size_t)r->ncols * sizeof *f.len);
        r->line[r->nrows++] = row_line;
    }
    if (r->nrows == 0 && !(o && o->allow_empty) && !header) {
        status = TIDE_FAIL("csv read: %s has no data rows", r->name);
    }
done:
    free(f.start);
    free(f.len);
    return status;
nomem:
    free(f.start);
    free(f.len);
    return tide_fail(TIDE_ENOMEM, "csv read: out of memory indexing %s", r->name);
}

/* Takes ownership of buf. */
static tide_csv *open_bytes(tide_tensor *buf, const char *name, const tide_csv_options *o) {
    tide_csv *r = calloc(1, sizeof *r);
    if (!r) {
        tide_tensor_free(buf);
        tide_fail(TIDE_ENOMEM, "csv read: out of memory");
        return NULL;
    }
    r->buf = buf;
    r->data = (const char *)tide_tensor_data_ptr(buf);
    r->len = buf->numel;
    const char *nm = (o && o->name) ? o->name : name;
    snprintf(r->name, sizeof r->name, "%s", nm ? nm : "<buffer>");
    r->quote = (o && o->quote) ? o->quote : '"';
    r->comment = o ? o->comment : 0;
    r->replace_utf8 = o ? o->replace_invalid_utf8 : 0;
    if ((o && (o->delimiter < 0 || o->delimiter > 255 || o->quote < 0 || o->quote > 255 || o->comment < 0 ||
               o->comment > 255)) ||
        r->quote == '\n' || r->quote == '\r') {
        TIDE_FAIL("csv read: delimiter, quote and comment must be single bytes other than CR and LF");
        goto fail;
    }
    if (o && o->skip_rows < 0) {
        TIDE_FAIL("csv read: skip_rows must be >= 0, got %lld", (long long)o->skip_rows);
        goto fail;
    }
    if (set_markers(r, o) || index_rows(r, o)) goto fail;
    return r;
fail:
    tide_csv_close(r);
    return NULL;
}

tide_csv *tide_csv_open(const char *path, const tide_csv_options *opts) {
    if (!path) {
        TIDE_FAIL("csv read: path is NULL");
        return NULL;
    }
    tide_tensor *buf = tide_file_read_gunzip(path, 0, "csv read");
    if (!buf) return NULL;
    return open_bytes(buf, path, opts);
}

tide_csv *tide_csv_open_buffer(const void *data, int64_t len, const tide_csv_options *opts) {
    if (len < 0 || (len > 0 && !data)) {
        TIDE_FAIL("csv read: bad buffer (%lld bytes)", (long long)len);
        return NULL;
    }
    int64_t shape[1] = { len };
    tide_tensor *buf = tide_alloc("csv read", 1, shape, TIDE_UINT8);
    if (!buf) return NULL;
    if (len) memcpy(tide_tensor_data_ptr(buf), data, (size_t)len);
    return open_bytes(buf, NULL, opts);
}
