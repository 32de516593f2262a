/* text_unicode.c — UTF-8 validation and Unicode normalisation through utf8proc (tide/unicode.h).
 *
 * The text is processed in segments: an ASCII byte is always a starter that nothing before it
 * composes with, no decomposition ends with, and whose case mapping and normal forms are itself
 * (or its lowercase), so the text can be cut before any ASCII byte and each piece normalised on
 * its own. ASCII runs are copied (or lowercased) 8 bytes at a time; a run of non-ASCII bytes,
 * with the ASCII character just before it (a base letter its combining marks may compose with),
 * goes through utf8proc one code point at a time into a reusable code point buffer.
 */
#include "tide/unicode.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define HIGH_BITS 0x8080808080808080ull

/* The end of the ASCII run starting at i. */
static inline int64_t ascii_end(const unsigned char *s, int64_t i, int64_t len) {
    while (i + 8 <= len) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        if (v & HIGH_BITS) break;
        i += 8;
    }
    while (i < len && s[i] < 0x80) i++;
    return i;
}

/* The end of the non-ASCII run starting at i. */
static inline int64_t high_end(const unsigned char *s, int64_t i, int64_t len) {
    while (i + 8 <= len) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        if ((v & HIGH_BITS) != HIGH_BITS) break;
        i += 8;
    }
    while (i < len && s[i] >= 0x80) i++;
    return i;
}

/* Decode the code point at s[i] (i < len): its byte length (1..4) with *cp set, or -k for an
 * invalid sequence: the maximal subpart of k bytes (1..3) that the next valid character or bad
 * sequence follows (Unicode 15, section 3.9, U+FFFD substitution of maximal subparts). */
static inline int utf8_decode(const unsigned char *s, int64_t i, int64_t len, int32_t *cp) {
    unsigned b0 = s[i];
    if (b0 < 0x80) {
        *cp = (int32_t)b0;
        return 1;
    }
    if (b0 < 0xC2 || b0 > 0xF4) return -1;
    int64_t left = len - i - 1; /* bytes after the lead byte */
    if (b0 < 0xE0) {
        if (left < 1 || (s[i + 1] & 0xC0) != 0x80) return -1;
        *cp = (int32_t)(((b0 & 0x1F) << 6) | (s[i + 1] & 0x3F));
        return 2;
    }
    /* the second byte's range excludes overlong forms (E0, F0), surrogates (ED) and > U+10FFFF (F4) */
    unsigned lo = 0x80, hi = 0xBF;
    if (b0 == 0xE0) lo = 0xA0;
    else if (b0 == 0xED) hi = 0x9F;
    else if (b0 == 0xF0) lo = 0x90;
    else if (b0 == 0xF4) hi = 0x8F;
    if (left < 1 || s[i + 1] < lo || s[i + 1] > hi) return -1;
    if (left < 2 || (s[i + 2] & 0xC0) != 0x80) return -2;
    if (b0 < 0xF0) {
        *cp = (int32_t)(((b0 & 0x0F) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu));
        return 3;
    }
    if (left < 3 || (s[i + 3] & 0xC0) != 0x80) return -3;
    *cp = (int32_t)(((b0 & 0x07) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu));
    return 4;
}

int64_t tide_utf8_check(const char *str, int64_t len) {
    if (len < 0 || (!str && len > 0)) return TIDE_FAIL("utf8_check: invalid buffer (length %lld)", (long long)len);
    const unsigned char *s = (const unsigned char *)str;
    int64_t i = 0;
    int32_t cp;
    while ((i = ascii_end(s, i, len)) < len) {
        int k = utf8_decode(s, i, len, &cp);
        if (k < 0) return i;
        i += k;
    }
    return len;
}

const char *tide_unicode_version(void) { return utf8proc_unicode_version(); }

/* ---------------------------------------------------------------- output and code point buffers */

/* The output: bytes past cap are counted, not written. */
typedef struct {
    unsigned char *out;
    int64_t cap, n;
} sink;

static inline void put_bytes(sink *w, const unsigned char *p, int64_t k) {
    if (w->n + k <= w->cap) memcpy(w->out + w->n, p, (size_t)k);
    w->n += k;
}

static inline void put_ascii_lower(sink *w, const unsigned char *p, int64_t k) {
    if (w->n + k <= w->cap) {
        unsigned char *o = w->out + w->n;
        for (int64_t i = 0; i < k; i++) {
            unsigned c = p[i];
            o[i] = (unsigned char)(c + ((c - 'A' < 26u) << 5));
        }
    }
    w->n += k;
}

static inline void put_cp(sink *w, int32_t c) {
    unsigned char b[4];
    int k;
    if (c < 0x80) b[0] = (unsigned char)c, k = 1;
    else if (c < 0x800) b[0] = (unsigned char)(0xC0 | (c >> 6)), b[1] = (unsigned char)(0x80 | (c & 0x3F)), k = 2;
    else if (c < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (c >> 12)), b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (c & 0x3F)), k = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | (c >> 18)), b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
        b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F)), b[3] = (unsigned char)(0x80 | (c & 0x3F)), k = 4;
    }
    put_bytes(w, b, k);
}

#define STACK_CPS 256

/* A growable code point buffer, on the stack until it outgrows it. */
typedef struct {
    int32_t *cp;
    int64_t n, cap;
    int32_t stack[STACK_CPS];
} cpbuf;

static int cp_reserve(cpbuf *b, int64_t extra, const char *op) {
    if (b->n + extra <= b->cap) return 0;
    int64_t cap = b->cap * 2;
    if (cap < b->n + extra) cap = b->n + extra + STACK_CPS;
    int32_t *p = b->cp == b->stack ? malloc((size_t)cap * sizeof *p) : realloc(b->cp, (size_t)cap * sizeof *p);
    if (!p) return tide_fail(TIDE_ENOMEM, "%s: out of memory (%lld code points)", op, (long long)cap);
    if (b->cp == b->stack) memcpy(p, b->stack, (size_t)b->n * sizeof *p);
    b->cp = p, b->cap = cap;
    return 0;
}

static inline int ccc(int32_t c) { return utf8proc_get_property(c)->combining_class; }

/* Canonical ordering: each run of non-starters sorted stably by combining class. Short runs by
 * insertion; long ones (text stuffed with marks) by counting sort, so the cost stays linear. */
static int canonical_order(int32_t *c, int64_t n, const char *op) {
    int64_t i = 0;
    while (i < n) {
        if (ccc(c[i]) == 0) {
            i++;
            continue;
        }
        int64_t j = i + 1;
        while (j < n && ccc(c[j]) != 0) j++;
        int64_t m = j - i;
        if (m <= 16) {
            for (int64_t a = i + 1; a < j; a++) {
                int32_t x = c[a];
                int cx = ccc(x);
                int64_t b = a;
                while (b > i && ccc(c[b - 1]) > cx) c[b] = c[b - 1], b--;
                c[b] = x;
            }
        } else {
            int32_t *tmp = malloc((size_t)m * sizeof *tmp);
            if (!tmp) return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
            int64_t start[257] = {0};
            for (int64_t a = i; a < j; a++) start[ccc(c[a]) + 1]++;
            for (int k = 1; k <= 256; k++) start[k] += start[k - 1];
            for (int64_t a = i; a < j; a++) tmp[start[ccc(c[a])]++] = c[a];
            memcpy(c + i, tmp, (size_t)m * sizeof *tmp);
            free(tmp);
        }
        i = j;
    }
    return 0;
}

/* ---------------------------------------------------------------- normalisation */

typedef struct {
    int form, flags, invalid;
    utf8proc_option_t decompose; /* 0: no decomposition */
    const char *op;
} norm_opts;

/* Append the code point c (already case-mapped) to b, decomposed when asked. */
static inline int push_decomposed(cpbuf *b, int32_t c, const norm_opts *o) {
    if (!o->decompose) {
        if (cp_reserve(b, 1, o->op)) return -1;
        b->cp[b->n++] = c;
        return 0;
    }
    for (;;) {
        int bc = 0;
        utf8proc_ssize_t k = utf8proc_decompose_char(c, b->cp + b->n, b->cap - b->n, o->decompose, &bc);
        if (k < 0) return TIDE_FAIL("%s: %s (code point U+%04X)", o->op, utf8proc_errmsg(k), (unsigned)c);
        if (b->n + k <= b->cap) {
            b->n += k;
            return 0;
        }
        if (cp_reserve(b, k, o->op)) return -1;
    }
}

/* s[a..e) (a non-ASCII run, maybe with the ASCII character before it) into w. */
static int normalize_segment(const unsigned char *s, int64_t a, int64_t e, const norm_opts *o, cpbuf *b, sink *w) {
    b->n = 0;
    int64_t i = a;
    while (i < e) {
        int32_t c;
        int k = utf8_decode(s, i, e, &c);
        if (k < 0) {
            if (o->invalid == TIDE_INVALID_ERROR)
                return TIDE_FAIL("%s: invalid UTF-8 at byte %lld", o->op, (long long)i + 1);
            i += -k;
            if (o->invalid == TIDE_INVALID_DROP) continue;
            c = 0xFFFD;
        } else {
            i += k;
        }
        if (o->flags & TIDE_TEXT_CASEFOLD) {
            int32_t folded[8];
            int bc = 0;
            utf8proc_ssize_t m = utf8proc_decompose_char(c, folded, 8, UTF8PROC_CASEFOLD, &bc);
            if (m < 0 || m > 8) return TIDE_FAIL("%s: case folding failed at U+%04X", o->op, (unsigned)c);
            for (utf8proc_ssize_t j = 0; j < m; j++)
                if (push_decomposed(b, folded[j], o)) return -1;
        } else {
            if (o->flags & TIDE_TEXT_LOWER) c = utf8proc_tolower(c);
            if (push_decomposed(b, c, o)) return -1;
        }
    }
    int64_t n = b->n;
    int32_t *cp = b->cp;
    if (o->decompose && canonical_order(cp, n, o->op)) return -1;
    if (o->flags & TIDE_TEXT_STRIP_ACCENTS) {
        int64_t m = 0;
        for (int64_t j = 0; j < n; j++)
            if (ccc(cp[j]) == 0) cp[m++] = cp[j];
        n = m;
    }
    if (o->form == TIDE_NORM_NFC || o->form == TIDE_NORM_NFKC) {
        utf8proc_ssize_t m = utf8proc_normalize_utf32(cp, n, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
        if (m < 0) return TIDE_FAIL("%s: %s", o->op, utf8proc_errmsg(m));
        n = m;
    }
    for (int64_t j = 0; j < n; j++) put_cp(w, cp[j]);
    return 0;
}

int64_t tide_text_normalize(const char *str, int64_t len, int form, int flags, int invalid, char *out, int64_t cap,
                            const char *op) {
    if (!op) op = "text.normalize";
    if (len < 0 || (!str && len > 0) || cap < 0 || (!out && cap > 0))
        return TIDE_FAIL("%s: invalid buffers (length %lld, capacity %lld)", op, (long long)len, (long long)cap);
    if (form < TIDE_NORM_NONE || form > TIDE_NORM_NFKD) return TIDE_FAIL("%s: unknown normalisation form %d", op, form);
    if (flags & ~(TIDE_TEXT_LOWER | TIDE_TEXT_CASEFOLD | TIDE_TEXT_STRIP_ACCENTS))
        return TIDE_FAIL("%s: unknown flags %d", op, flags);
    if ((flags & TIDE_TEXT_LOWER) && (flags & TIDE_TEXT_CASEFOLD))
        return TIDE_FAIL("%s: lower and casefold cannot be combined (casefold already lowercases)", op);
    if (invalid < TIDE_INVALID_ERROR || invalid > TIDE_INVALID_DROP)
        return TIDE_FAIL("%s: unknown invalid-input policy %d", op, invalid);

    norm_opts o = {form, flags, invalid, 0, op};
    if (form != TIDE_NORM_NONE || (flags & TIDE_TEXT_STRIP_ACCENTS)) o.decompose = UTF8PROC_DECOMPOSE;
    if (form == TIDE_NORM_NFKC || form == TIDE_NORM_NFKD || (flags & TIDE_TEXT_STRIP_ACCENTS))
        o.decompose |= UTF8PROC_COMPAT;
    int lower = (flags & (TIDE_TEXT_LOWER | TIDE_TEXT_CASEFOLD)) != 0;

    const unsigned char *s = (const unsigned char *)str;
    sink w = {(unsigned char *)out, cap, 0};
    cpbuf b;
    b.cp = b.stack, b.n = 0, b.cap = STACK_CPS;
    int64_t i = 0, status = 0;
    while (i < len) {
        int64_t j = ascii_end(s, i, len);
        if (lower) put_ascii_lower(&w, s + i, j - i);
        else put_bytes(&w, s + i, j - i);
        if (j == len) break;
        /* the ASCII character before the run is normalised with it: take it back */
        int64_t a = j;
        if (j > i) a = j - 1, w.n--;
        int64_t e = high_end(s, j, len);
        if (normalize_segment(s, a, e, &o, &b, &w)) {
            status = -1;
            break;
        }
        i = e;
    }
    if (b.cp != b.stack) free(b.cp);
    return status < 0 ? -1 : w.n;
}
