/* text_stem.c — the Snowball stemmers through libstemmer (tide/stem.h). The handle owns one
 * sb_stemmer and a growable output buffer, so a whole word list is stemmed in one call. */
#include "tide/stem.h"
#include "internal.h"
#include "tide/unicode.h"

#include <ctype.h>
#include <libstemmer.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LANG_MAX 64

struct tide_stemmer {
    struct sb_stemmer *sb;
    char name[LANG_MAX + 1]; /* as asked for, lower case */
    char *buf;
    int64_t cap;
};

int tide_stemmer_language_count(void) {
    int n = 0;
    for (const char **l = sb_stemmer_list(); *l; l++) n++;
    return n;
}

const char *tide_stemmer_language(int i) {
    if (i < 0 || i >= tide_stemmer_language_count()) return NULL;
    return sb_stemmer_list()[i];
}

const char *tide_stemmer_name(const tide_stemmer *s) { return s ? s->name : NULL; }

static int is_language(const char *lang) {
    for (const char **l = sb_stemmer_list(); *l; l++)
        if (strcmp(*l, lang) == 0) return 1;
    return 0;
}

static int fail_unknown(const char *op, const char *lang) {
    char list[400];
    size_t n = 0;
    list[0] = 0;
    for (const char **l = sb_stemmer_list(); *l && n < sizeof list; l++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", l == sb_stemmer_list() ? "" : ", ", *l);
    return TIDE_FAIL("%s: unknown language '%.*s' (available: %s; or their ISO 639 codes such as en, fr, de)", op,
                     LANG_MAX, lang, list);
}

tide_stemmer *tide_stemmer_new(const char *lang, const char *op) {
    if (!op) op = "stem";
    if (!lang) {
        fail_unknown(op, "(null)");
        return NULL;
    }
    size_t len = strlen(lang);
    char low[LANG_MAX + 1];
    if (len == 0 || len > LANG_MAX) {
        fail_unknown(op, lang);
        return NULL;
    }
    for (size_t i = 0; i <= len; i++) low[i] = (char)tolower((unsigned char)lang[i]);
    struct sb_stemmer *sb = sb_stemmer_new(low, NULL);
    if (!sb) {
        /* NULL is also libstemmer's answer to running out of memory */
        if (is_language(low)) tide_fail(TIDE_ENOMEM, "%s: out of memory creating the '%s' stemmer", op, low);
        else fail_unknown(op, lang);
        return NULL;
    }
    tide_stemmer *s = calloc(1, sizeof *s);
    if (!s) {
        sb_stemmer_delete(sb);
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        return NULL;
    }
    s->sb = sb;
    memcpy(s->name, low, len + 1);
    return s;
}

void tide_stemmer_free(tide_stemmer *s) {
    if (!s) return;
    sb_stemmer_delete(s->sb);
    free(s->buf);
    free(s);
}

/* Make room for need bytes in s->buf. */
static int reserve(tide_stemmer *s, int64_t need, const char *op) {
    if (s->buf && need <= s->cap) return 0;
    int64_t cap = s->cap < 4096 ? 4096 : s->cap;
    while (cap < need) cap *= 2;
    char *p = realloc(s->buf, (size_t)cap);
    if (!p) return tide_fail(TIDE_ENOMEM, "%s: out of memory (%lld bytes of stems)", op, (long long)cap);
    s->buf = p, s->cap = cap;
    return 0;
}

/* "<op>: invalid UTF-8 in <what> '<word, bad bytes as \xHH>' at byte N" */
static int fail_invalid(const char *op, const char *what, const char *w, int64_t len, int64_t bad) {
    char shown[100];
    size_t n = 0;
    for (int64_t i = 0; i < len && n + 8 < sizeof shown; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c >= 0x20 && c < 0x7F) shown[n++] = (char)c;
        else n += (size_t)snprintf(shown + n, sizeof shown - n, "\\x%02X", c);
    }
    shown[n] = 0;
    return TIDE_FAIL("%s: invalid UTF-8 in %s '%s%s' at byte %lld", op, what, shown, n + 8 >= sizeof shown ? "..." : "",
                     (long long)bad + 1);
}

/* Stem w[0..len) (checked UTF-8) into *stem / *stem_len (libstemmer's buffer). */
static int stem_one(tide_stemmer *s, const char *w, int64_t len, const sb_symbol **stem, int *stem_len,
                    const char *op) {
    if (len > INT_MAX) return TIDE_FAIL("%s: a word of %lld bytes is too long", op, (long long)len);
    *stem = sb_stemmer_stem(s->sb, (const sb_symbol *)(len ? w : ""), (int)len);
    if (!*stem) return tide_fail(TIDE_ENOMEM, "%s: out of memory stemming a word of %lld bytes", op, (long long)len);
    *stem_len = sb_stemmer_length(s->sb);
    return 0;
}

const char *tide_stemmer_stem(tide_stemmer *s, const char *word, int64_t len, int64_t *out_len, const char *op) {
    if (!op) op = "stem";
    if (!s || len < 0 || (!word && len > 0) || !out_len) {
        TIDE_FAIL("%s: invalid arguments", op);
        return NULL;
    }
    int64_t bad = tide_utf8_check(word, len);
    if (bad != len) {
        fail_invalid(op, "word", word, len, bad);
        return NULL;
    }
    const sb_symbol *r;
    int rl;
    if (stem_one(s, word, len, &r, &rl, op)) return NULL;
    *out_len = rl;
    return (const char *)r;
}

int64_t tide_stemmer_stem_all(tide_stemmer *s, const char *buf, const int64_t *off, int64_t n, int64_t *out_off,
                              const char **out, const char *op) {
    if (!op) op = "stem";
    if (!s || n < 0 || !off || !out_off || !out) return TIDE_FAIL("%s: invalid arguments", op);
    if (off[0] < 0 || (!buf && off[n] > off[0])) return TIDE_FAIL("%s: invalid word offsets", op);
    for (int64_t k = 0; k < n; k++)
        if (off[k + 1] < off[k]) return TIDE_FAIL("%s: word offsets decrease at word %lld", op, (long long)k + 1);
    int64_t pos = 0;
    out_off[0] = 0;
    for (int64_t k = 0; k < n; k++) {
        const char *w = buf + off[k];
        int64_t len = off[k + 1] - off[k];
        int64_t bad = tide_utf8_check(w, len);
        if (bad != len) {
            char what[48];
            snprintf(what, sizeof what, "word %lld", (long long)k + 1);
            return fail_invalid(op, what, w, len, bad);
        }
        const sb_symbol *r;
        int rl;
        if (stem_one(s, w, len, &r, &rl, op) || reserve(s, pos + rl, op)) return -1;
        memcpy(s->buf + pos, r, (size_t)rl);
        pos += rl;
        out_off[k + 1] = pos;
    }
    *out = s->buf ? s->buf : "";
    return pos;
}

int64_t tide_stemmer_stem_lines(tide_stemmer *s, const char *buf, int64_t len, const char **out, const char *op) {
    if (!op) op = "stem";
    if (!s || len < 0 || (!buf && len > 0) || !out) return TIDE_FAIL("%s: invalid arguments", op);
    int64_t bad = tide_utf8_check(buf, len);
    int64_t pos = 0, line = 1, start = 0;
    while (start <= len) {
        const char *nl = start < len ? memchr(buf + start, '\n', (size_t)(len - start)) : NULL;
        int64_t end = nl ? nl - buf : len;
        if (bad >= start && bad < end) {
            char what[48];
            snprintf(what, sizeof what, "line %lld", (long long)line);
            return fail_invalid(op, what, buf + start, end - start, bad - start);
        }
        const sb_symbol *r;
        int rl;
        if (stem_one(s, buf + start, end - start, &r, &rl, op) || reserve(s, pos + rl + 1, op)) return -1;
        memcpy(s->buf + pos, r, (size_t)rl);
        pos += rl;
        if (!nl) break;
        s->buf[pos++] = '\n';
        start = end + 1;
        line++;
    }
    *out = s->buf ? s->buf : "";
    return pos;
}
