/* text_analyze.c — the vectorisers' analyser, scikit-learn 1.2's build_analyzer() in C: decode
 * (UTF-8 check, decode_error), preprocess (Python's str.lower, strip_accents_unicode / _ascii),
 * tokenise (the default token pattern by a scanner, any other through PCRE2), stop words, word
 * n-grams (_word_ngrams), character n-grams (_char_ngrams, _char_wb_ngrams). Each feature goes
 * to a sink as (pointer, length): no allocation per token once the buffers have grown.
 * Unicode properties come from utf8proc (Unicode 13 in utf8proc 2.6; Python 3.11 has 14.0, so
 * code points new in 14.0 are not letters here). */
#include "internal.h"
#include "text_vectorize_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

typedef struct span {
    const char *p;
    int64_t len;
} span;

struct tide_text_ws {
    char *fixed; /* the document with bad UTF-8 replaced or dropped (decode_error) */
    int64_t fixed_cap;
    char *pre; /* lower-cased / accent-stripped */
    int64_t pre_cap;
    uint32_t *cps; /* the document's code points (non-ASCII preprocessing) */
    int64_t cps_cap;
    span *tok;
    int64_t tok_cap;
    char *gram; /* a joined n-gram, a padded word, the white-space-normalised text */
    int64_t gram_cap;
    int64_t *off; /* code point byte offsets (character n-grams) */
    int64_t off_cap;
};

static int grow(void *pp, int64_t *cap, int64_t need, size_t elem) {
    if (need <= *cap) return 0;
    int64_t c = *cap ? *cap : 256;
    while (c < need) c *= 2;
    void *p = realloc(*(void **)pp, (size_t)c * elem);
    if (!p) return tide_fail(TIDE_ENOMEM, "text analyser: out of memory (%lld items)", (long long)need);
    *(void **)pp = p;
    *cap = c;
    return 0;
}

tide_text_ws *tide_text_ws_new(void) {
    tide_text_ws *w = calloc(1, sizeof *w);
    if (!w) tide_fail(TIDE_ENOMEM, "text analyser: out of memory");
    return w;
}

void tide_text_ws_free(tide_text_ws *w) {
    if (!w) return;
    free(w->fixed);
    free(w->pre);
    free(w->cps);
    free(w->tok);
    free(w->gram);
    free(w->off);
    free(w);
}

/* ---------------------------------------------------------------- UTF-8 */

/* Length of the valid sequence at s[i] (> 0), or minus the length of the bad sequence there
 * (Unicode's maximal subpart: a lead byte and the continuation bytes that may follow it). */
static inline int64_t seq_len(const uint8_t *s, int64_t i, int64_t len) {
    uint8_t b = s[i];
    if (b < 0x80) return 1;
    int need;
    uint8_t lo = 0x80, hi = 0xbf;
    if (b < 0xc2) return -1;
    if (b < 0xe0) need = 2;
    else if (b < 0xf0) {
        need = 3;
        if (b == 0xe0) lo = 0xa0;
        if (b == 0xed) hi = 0x9f;
    } else if (b < 0xf5) {
        need = 4;
        if (b == 0xf0) lo = 0x90;
        if (b == 0xf4) hi = 0x8f;
    } else return -1;
    if (i + 1 >= len || s[i + 1] < lo || s[i + 1] > hi) return -1;
    for (int k = 2; k < need; k++)
        if (i + k >= len || (s[i + k] & 0xc0) != 0x80) return -k;
    return need;
}

/* Offset of the first bad sequence (len when valid); *ascii = 1 when every byte is ASCII. */
static int64_t utf8_check(const uint8_t *s, int64_t len, int *ascii) {
    int64_t i = 0;
    int asc = 1;
    while (i < len) {
        if (i + 8 <= len) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (!(x & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        asc = 0;
        int64_t k = seq_len(s, i, len);
        if (k < 0) break;
        i += k;
    }
    *ascii = asc;
    return i;
}

/* Decode one code point of valid UTF-8 at s; returns its byte length. */
static inline int dec(const uint8_t *s, uint32_t *c) {
    uint8_t b = s[0];
    if (b < 0x80) {
        *c = b;
        return 1;
    }
    if (b < 0xe0) {
        *c = ((uint32_t)(b & 0x1f) << 6) | (s[1] & 0x3f);
        return 2;
    }
    if (b < 0xf0) {
        *c = ((uint32_t)(b & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
        return 3;
    }
    *c = ((uint32_t)(b & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) | ((uint32_t)(s[2] & 0x3f) << 6) |
         (s[3] & 0x3f);
    return 4;
}

static inline int enc(uint32_t c, char *o) {
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xc0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xe0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    o[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* The document as valid UTF-8: as is, or (decode_error replace / ignore) with each bad sequence
 * replaced by U+FFFD or dropped, as Python's bytes.decode does. */
static int decode(tide_text_ws *w, const char *s, int64_t len, const tide_analyzer_opts *a, int64_t doc,
                  const char **out, int64_t *out_len, int *ascii, const char *op) {
    const uint8_t *u = (const uint8_t *)s;
    int64_t bad = utf8_check(u, len, ascii);
    *out = s;
    *out_len = len;
    if (bad == len) return 0;
    if (a->decode_error == TIDE_DECODE_STRICT) {
        if (doc < 0) return TIDE_FAIL("%s: invalid UTF-8 at byte %lld (0x%02x)", op, (long long)bad + 1, u[bad]);
        return TIDE_FAIL("%s: document %lld: invalid UTF-8 at byte %lld (0x%02x)", op, (long long)doc + 1,
                         (long long)bad + 1, u[bad]);
    }
    if (grow(&w->fixed, &w->fixed_cap, len * 3 + 1, 1)) return -1;
    memcpy(w->fixed, s, (size_t)bad);
    int64_t o = bad;
    for (int64_t i = bad; i < len;) {
        int64_t k = seq_len(u, i, len);
        if (k > 0) {
            memcpy(w->fixed + o, s + i, (size_t)k);
            o += k;
            i += k;
        } else {
            if (a->decode_error == TIDE_DECODE_REPLACE) o += enc(0xfffd, w->fixed + o);
            i += -k;
        }
    }
    *out = w->fixed;
    *out_len = o;
    *ascii = 0;
    return 0;
}

/* ---------------------------------------------------------------- character classes */

/* Python's str.isspace (and re's \s for str patterns). */
static inline int py_space(uint32_t c) {
    if (c < 0x80) return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20);
    return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
           c == 0x202f || c == 0x205f || c == 0x3000;
}

static inline int word_ascii(uint32_t c) {
    return (c | 32) - 'a' < 26 || c - '0' < 10 || c == '_';
}

/* Python re's \w for str patterns: str.isalnum() (letters L*, numbers N*) or "_". */
static inline int py_word(uint32_t c) {
    if (c < 0x80) return word_ascii(c);
    switch (utf8proc_category((utf8proc_int32_t)c)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

/* Unicode's Cased (Lowercase or Uppercase or Lt) and Case_Ignorable, for the final sigma rule. */
static int is_cased(uint32_t c) {
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)c);
    if (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT) return 1;
    if ((uint32_t)utf8proc_tolower((utf8proc_int32_t)c) != c || (uint32_t)utf8proc_toupper((utf8proc_int32_t)c) != c)
        return 1;
    /* Other_Lowercase / Other_Uppercase code points without a case mapping */
    return c == 0xaa || c == 0xba || (c >= 0x2b0 && c <= 0x2b8) || c == 0x2c0 || c == 0x2c1 ||
           (c >= 0x2e0 && c <= 0x2e4) || c == 0x37a || (c >= 0x1d2c && c <= 0x1d6a) || c == 0x1d78 ||
           (c >= 0x1d9b && c <= 0x1dbf) || c == 0x2071 || c == 0x207f || (c >= 0x2090 && c <= 0x209c) ||
           c == 0x2c7c || c == 0x2c7d || c == 0xa69c || c == 0xa69d || c == 0xa770 || c == 0xa7f8 || c == 0xa7f9 ||
           (c >= 0xab5c && c <= 0xab5f);
}

static int is_case_ignorable(uint32_t c) {
    switch (c) { /* Word_Break MidLetter, MidNumLet, Single_Quote */
    case 0x27: case 0x2e: case 0x3a: case 0xb7: case 0x387: case 0x55f: case 0x5f4: case 0x2018: case 0x2019:
    case 0x2024: case 0x2027: case 0xfe13: case 0xfe52: case 0xfe55: case 0xff07: case 0xff0e: case 0xff1a:
        return 1;
    }
    switch (utf8proc_category((utf8proc_int32_t)c)) {
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_SK:
        return 1;
    default:
        return 0;
    }
}

/* U+03A3 lower-cased as Python does (handle_capital_sigma): final sigma after a cased letter
 * (case-ignorable code points skipped) not followed by one. */
static uint32_t lower_sigma(const uint32_t *cps, int64_t n, int64_t i) {
    int64_t j = i - 1;
    while (j >= 0 && is_case_ignorable(cps[j])) j--;
    int final = j >= 0 && is_cased(cps[j]);
    if (final && i + 1 < n) {
        j = i + 1;
        while (j < n && is_case_ignorable(cps[j])) j++;
        final = j == n || !is_cased(cps[j]);
    }
    return final ? 0x3c2 : 0x3c3;
}

/* ---------------------------------------------------------------- preprocessing */

/* s (valid UTF-8) lower-cased (Python's str.lower) then accent-stripped, into w->pre. */
static int preprocess(tide_text_ws *w, const char *s, int64_t len, int ascii, const tide_analyzer_opts *a,
                      const char **out, int64_t *out_len) {
    *out = s;
    *out_len = len;
    if (!a->lowercase && (ascii || a->strip_accents == TIDE_ACCENTS_NONE)) return 0; /* NFKD(ASCII) = ASCII */
    if (ascii) {
        if (grow(&w->pre, &w->pre_cap, len + 1, 1)) return -1;
        for (int64_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            w->pre[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        *out = w->pre;
        return 0;
    }
    if (grow(&w->cps, &w->cps_cap, len + 1, sizeof(uint32_t))) return -1;
    int64_t n = 0;
    for (int64_t i = 0; i < len;) i += dec((const uint8_t *)s + i, &w->cps[n++]);
    int64_t o = 0;
    if (grow(&w->pre, &w->pre_cap, len + 64, 1)) return -1;
    for (int64_t i = 0; i < n; i++) {
        uint32_t c = w->cps[i], lc[2];
        int nl = 1;
        lc[0] = c;
        if (a->lowercase) {
            if (c < 0x80) lc[0] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
            else if (c == 0x130) {
                lc[0] = 'i';
                lc[1] = 0x307;
                nl = 2;
            } else if (c == 0x3a3) lc[0] = lower_sigma(w->cps, n, i);
            else lc[0] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
        }
        for (int k = 0; k < nl; k++) {
            uint32_t x = lc[k];
            if (grow(&w->pre, &w->pre_cap, o + 4 * 32, 1)) return -1;
            if (a->strip_accents == TIDE_ACCENTS_NONE || x < 0x80) {
                o += enc(x, w->pre + o);
                continue;
            }
            utf8proc_int32_t d[32];
            int boundclass = 0;
            utf8proc_ssize_t nd = utf8proc_decompose_char((utf8proc_int32_t)x, d, 32,
                                                          UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, &boundclass);
            if (nd < 0 || nd > 32) { /* (no decomposition is longer than 18) */
                d[0] = (utf8proc_int32_t)x;
                nd = 1;
            }
            for (utf8proc_ssize_t j = 0; j < nd; j++) {
                uint32_t y = (uint32_t)d[j];
                if (a->strip_accents == TIDE_ACCENTS_ASCII ? y < 0x80 : utf8proc_get_property(d[j])->combining_class == 0)
                    o += enc(y, w->pre + o);
            }
        }
    }
    *out = w->pre;
    *out_len = o;
    return 0;
}

/* ---------------------------------------------------------------- tokens */

static int push_tok(tide_text_ws *w, int64_t *n, const char *p, int64_t len) {
    if (grow(&w->tok, &w->tok_cap, *n + 1, sizeof(span))) return -1;
    w->tok[*n].p = p;
    w->tok[*n].len = len;
    (*n)++;
    return 0;
}

/* findall("(?u)\b\w\w+\b"): the runs of two or more word characters. */
static int64_t tokenize_default(tide_text_ws *w, const char *p, int64_t len) {
    const uint8_t *u = (const uint8_t *)p;
    int64_t n = 0, i = 0;
    while (i < len) {
        int64_t start = i, count = 0;
        for (;;) {
            if (i >= len) break;
            uint32_t c;
            int k;
            if (u[i] < 0x80) {
                c = u[i];
                k = 1;
            } else k = dec(u + i, &c);
            if (!py_word(c)) {
                if (count == 0) i += k;
                break;
            }
            i += k;
            count++;
        }
        if (count >= 2 && push_tok(w, &n, p + start, i - start)) return -1;
    }
    return n;
}

static int64_t tokenize_regex(tide_text_ws *w, const tide_regex *re, const char *p, int64_t len, int64_t doc,
                              const char *op) {
    int64_t n = 0, at = 0, sp[4];
    while (at <= len) {
        int r = tide_regex_find(re, p, len, at, TIDE_REGEX_VALID_UTF8, sp);
        if (r < 0) {
            char msg[400];
            snprintf(msg, sizeof msg, "%s", tide_last_error());
            return TIDE_FAIL("%s: document %lld: %s", op, (long long)doc + 1, msg);
        }
        if (r == 0) break;
        if (push_tok(w, &n, p + sp[2], sp[3] - sp[2])) return -1;
        if (sp[1] <= at) break; /* (never: empty matches are skipped) */
        at = sp[1];
    }
    return n;
}

/* Drop the stop words (compacting w->tok[0..n)); returns the new count. */
static int64_t drop_stop_words(tide_text_ws *w, int64_t n, const tide_vocab *stop) {
    if (!stop || tide_vocab_size(stop) == 0) return n;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (tide_vocab_find(stop, w->tok[i].p, w->tok[i].len) < 0) w->tok[k++] = w->tok[i];
    return k;
}

/* _word_ngrams: all min_n-grams, then min_n + 1, ..., joined by one space. */
static int word_ngrams(tide_text_ws *w, int64_t n, int min_n, int max_n, tide_text_sink sink, void *ctx) {
    const span *t = w->tok;
    int lo = max_n == 1 ? 1 : min_n;
    if (lo == 1) {
        for (int64_t i = 0; i < n; i++)
            if (sink(ctx, t[i].p, t[i].len)) return -1;
        lo = 2;
    }
    for (int64_t k = lo; k <= max_n && k <= n; k++) {
        for (int64_t i = 0; i + k <= n; i++) {
            int64_t total = k - 1;
            for (int64_t j = i; j < i + k; j++) total += t[j].len;
            if (grow(&w->gram, &w->gram_cap, total, 1)) return -1;
            char *g = w->gram;
            for (int64_t j = i; j < i + k; j++) {
                if (j > i) *g++ = ' ';
                memcpy(g, t[j].p, (size_t)t[j].len);
                g += t[j].len;
            }
            if (sink(ctx, w->gram, total)) return -1;
        }
    }
    return 0;
}

/* _char_ngrams: white-space runs of 2+ become one space, then the n-grams of code points. */
static int char_ngrams(tide_text_ws *w, const char *p, int64_t len, int min_n, int max_n, tide_text_sink sink,
                       void *ctx) {
    const uint8_t *u = (const uint8_t *)p;
    if (grow(&w->gram, &w->gram_cap, len + 1, 1) || grow(&w->off, &w->off_cap, len + 2, sizeof(int64_t))) return -1;
    int64_t o = 0, L = 0;
    for (int64_t i = 0; i < len;) {
        uint32_t c;
        int k = dec(u + i, &c);
        if (py_space(c)) {
            int64_t j = i + k, run = 1;
            for (;;) {
                if (j >= len) break;
                uint32_t c2;
                int k2 = dec(u + j, &c2);
                if (!py_space(c2)) break;
                j += k2;
                run++;
            }
            if (run >= 2) {
                w->off[L++] = o;
                w->gram[o++] = ' ';
                i = j;
                continue;
            }
        }
        w->off[L++] = o;
        memcpy(w->gram + o, p + i, (size_t)k);
        o += k;
        i += k;
    }
    w->off[L] = o;
    for (int64_t n = min_n; n <= max_n && n <= L; n++)
        for (int64_t i = 0; i + n <= L; i++)
            if (sink(ctx, w->gram + w->off[i], w->off[i + n] - w->off[i])) return -1;
    return 0;
}

/* _char_wb_ngrams: the n-grams of each white-space-separated word padded with one space on each
 * side; a padded word no longer than n is one n-gram, and ends the word's n-grams. */
static int char_wb_ngrams(tide_text_ws *w, const char *p, int64_t len, int min_n, int max_n, tide_text_sink sink,
                          void *ctx) {
    const uint8_t *u = (const uint8_t *)p;
    if (grow(&w->gram, &w->gram_cap, len + 2, 1) || grow(&w->off, &w->off_cap, len + 3, sizeof(int64_t))) return -1;
    int64_t i = 0;
    while (i < len) {
        uint32_t c;
        int k = dec(u + i, &c);
        if (py_space(c)) {
            i += k;
            continue;
        }
        /* a word: " " + word + " " */
        int64_t o = 0, L = 0;
        w->off[L++] = o;
        w->gram[o++] = ' ';
        while (i < len) {
            k = dec(u + i, &c);
            if (py_space(c)) break;
            w->off[L++] = o;
            memcpy(w->gram + o, p + i, (size_t)k);
            o += k;
            i += k;
        }
        w->off[L++] = o;
        w->gram[o++] = ' ';
        w->off[L] = o;
        for (int64_t n = min_n; n <= max_n; n++) {
            int64_t offset = 0, end = n < L ? n : L;
            if (sink(ctx, w->gram, w->off[end])) return -1;
            while (offset + n < L) {
                offset++;
                if (sink(ctx, w->gram + w->off[offset], w->off[offset + n] - w->off[offset])) return -1;
            }
            if (offset == 0) break;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- documents */

int tide_text_check_input(const tide_docs *d, const tide_analyzer_opts *a, const char *op) {
    if (!d || !a) return TIDE_FAIL("%s: documents or options missing", op);
    if (d->n < 0) return TIDE_FAIL("%s: negative document count %lld", op, (long long)d->n);
    if (d->kind < TIDE_DOCS_TEXT || d->kind > TIDE_DOCS_FEATURES) return TIDE_FAIL("%s: unknown document kind %d", op, d->kind);
    if (a->analyzer < TIDE_ANALYZER_WORD || a->analyzer > TIDE_ANALYZER_CHAR_WB)
        return TIDE_FAIL("%s: unknown analyzer %d", op, a->analyzer);
    if (a->strip_accents < TIDE_ACCENTS_NONE || a->strip_accents > TIDE_ACCENTS_ASCII)
        return TIDE_FAIL("%s: unknown strip_accents %d", op, a->strip_accents);
    if (a->decode_error < TIDE_DECODE_STRICT || a->decode_error > TIDE_DECODE_IGNORE)
        return TIDE_FAIL("%s: unknown decode_error %d", op, a->decode_error);
    if (a->ngram_min < 1 || a->ngram_max < a->ngram_min)
        return TIDE_FAIL("%s: Invalid value for ngram_range=(%d, %d) lower boundary larger than the upper boundary", op,
                         a->ngram_min, a->ngram_max);
    if (a->token_pattern && tide_regex_groups(a->token_pattern) > 1)
        return TIDE_FAIL("%s: More than 1 capturing group in token pattern. Only a single group should be captured.", op);
    if (d->kind != TIDE_DOCS_TEXT && a->analyzer != TIDE_ANALYZER_WORD)
        return TIDE_FAIL("%s: documents given as token lists need analyzer = \"word\"", op);
    if (d->n == 0) return 0;
    if (!d->doc_offsets) return TIDE_FAIL("%s: document offsets missing", op);
    if (d->doc_offsets[0] < 0) return TIDE_FAIL("%s: negative document offset", op);
    for (int64_t i = 0; i < d->n; i++)
        if (d->doc_offsets[i + 1] < d->doc_offsets[i]) return TIDE_FAIL("%s: document offsets decrease at %lld", op, (long long)i);
    if (d->kind != TIDE_DOCS_TEXT) {
        if (!d->token_offsets) return TIDE_FAIL("%s: token offsets missing", op);
        int64_t t = d->doc_offsets[d->n];
        if (d->token_offsets[0] < 0) return TIDE_FAIL("%s: negative token offset", op);
        for (int64_t j = 0; j < t; j++)
            if (d->token_offsets[j + 1] < d->token_offsets[j]) return TIDE_FAIL("%s: token offsets decrease at %lld", op, (long long)j);
        if (t > 0 && !d->text && d->token_offsets[t] > 0) return TIDE_FAIL("%s: text missing", op);
    } else if (!d->text && d->doc_offsets[d->n] > 0) {
        return TIDE_FAIL("%s: text missing", op);
    }
    return 0;
}

int tide_text_analyze_doc(tide_text_ws *w, const tide_docs *d, int64_t i, const tide_analyzer_opts *a,
                          tide_text_sink sink, void *ctx, const char *op) {
    if (d->kind != TIDE_DOCS_TEXT) {
        int64_t t0 = d->doc_offsets[i], t1 = d->doc_offsets[i + 1], n = 0;
        for (int64_t j = t0; j < t1; j++) {
            const char *p = d->text + d->token_offsets[j];
            int64_t len = d->token_offsets[j + 1] - d->token_offsets[j];
            int ascii;
            int64_t bad = utf8_check((const uint8_t *)p, len, &ascii);
            if (bad < len)
                return TIDE_FAIL("%s: document %lld: token %lld: invalid UTF-8 at byte %lld (0x%02x)", op,
                                 (long long)i + 1, (long long)(j - t0) + 1, (long long)bad + 1, (uint8_t)p[bad]);
            if (d->kind == TIDE_DOCS_FEATURES) {
                if (sink(ctx, p, len)) return -1;
            } else if (push_tok(w, &n, p, len)) {
                return -1;
            }
        }
        if (d->kind == TIDE_DOCS_FEATURES) return 0;
        n = drop_stop_words(w, n, a->stop_words);
        return word_ngrams(w, n, a->ngram_min, a->ngram_max, sink, ctx);
    }
    const char *s = d->text + d->doc_offsets[i], *p;
    int64_t len = d->doc_offsets[i + 1] - d->doc_offsets[i], plen;
    int ascii;
    if (decode(w, s, len, a, i, &s, &len, &ascii, op)) return -1;
    if (preprocess(w, s, len, ascii, a, &p, &plen)) return -1;
    if (a->analyzer == TIDE_ANALYZER_CHAR) return char_ngrams(w, p, plen, a->ngram_min, a->ngram_max, sink, ctx);
    if (a->analyzer == TIDE_ANALYZER_CHAR_WB) return char_wb_ngrams(w, p, plen, a->ngram_min, a->ngram_max, sink, ctx);
    int64_t n = a->token_pattern ? tokenize_regex(w, a->token_pattern, p, plen, i, op) : tokenize_default(w, p, plen);
    if (n < 0) return -1;
    n = drop_stop_words(w, n, a->stop_words);
    return word_ngrams(w, n, a->ngram_min, a->ngram_max, sink, ctx);
}

/* ---------------------------------------------------------------- string lists */

tide_strings *tide_strings_new(void) {
    tide_strings *s = calloc(1, sizeof *s);
    if (!s || !(s->offsets = malloc(sizeof(int64_t) * 16))) {
        free(s);
        tide_fail(TIDE_ENOMEM, "strings: out of memory");
        return NULL;
    }
    s->cap = 15;
    s->offsets[0] = 0;
    return s;
}

void tide_strings_free(tide_strings *s) {
    if (!s) return;
    free(s->text);
    free(s->offsets);
    free(s);
}

void tide_strings_clear(tide_strings *s) {
    if (s) s->n = 0;
}

static int strings_push(void *ctx, const char *p, int64_t len) {
    tide_strings *s = ctx;
    if (s->n + 1 > s->cap) {
        int64_t cap = s->cap * 2 + 1;
        int64_t *o = realloc(s->offsets, sizeof(int64_t) * (size_t)(cap + 1));
        if (!o) return tide_fail(TIDE_ENOMEM, "strings: out of memory");
        s->offsets = o;
        s->cap = cap;
    }
    int64_t at = s->offsets[s->n];
    if (grow(&s->text, &s->text_cap, at + len + 1, 1)) return -1;
    if (len) memcpy(s->text + at, p, (size_t)len);
    s->offsets[++s->n] = at + len;
    return 0;
}

int64_t tide_text_analyze(const tide_docs *docs, int64_t doc, const tide_analyzer_opts *a, tide_strings *out,
                          const char *op) {
    if (!op) op = "analyze";
    if (!out) return TIDE_FAIL("%s: output missing", op);
    if (tide_text_check_input(docs, a, op)) return -1;
    if (doc < 0 || doc >= docs->n) return TIDE_FAIL("%s: document %lld out of range", op, (long long)doc);
    tide_text_ws *w = tide_text_ws_new();
    if (!w) return -1;
    int64_t before = out->n;
    int rc = tide_text_analyze_doc(w, docs, doc, a, strings_push, out, op);
    tide_text_ws_free(w);
    if (rc) {
        out->n = before;
        return -1;
    }
    return out->n - before;
}

int64_t tide_text_preprocess(const char *s, int64_t len, const tide_analyzer_opts *a, tide_strings *out,
                             const char *op) {
    if (!op) op = "preprocess";
    if (!a || !out || len < 0 || (!s && len > 0)) return TIDE_FAIL("%s: bad arguments", op);
    tide_text_ws *w = tide_text_ws_new();
    if (!w) return -1;
    const char *p;
    int64_t plen;
    int ascii, rc = decode(w, s, len, a, -1, &s, &len, &ascii, op);
    if (!rc) rc = preprocess(w, s, len, ascii, a, &p, &plen);
    if (!rc) rc = strings_push(out, p, plen);
    tide_text_ws_free(w);
    return rc ? -1 : 1;
}
