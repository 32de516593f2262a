/* text_tokenize_internal.h — what the tokenisers share (text_tokenize.c, text_tokenize_word.c):
 * strict UTF-8 decoding, the character classes of Python's re / regex module, token output. */
#ifndef TIDE_TEXT_TOKENIZE_INTERNAL_H
#define TIDE_TEXT_TOKENIZE_INTERNAL_H

#include "internal.h"
#include "tide/tokenize.h"

#include <string.h>
#include <utf8proc.h>

/* Decode s[0..len) into cps (room for len code points). Returns the number of code points, or
 * -1 - i where i is the 0-based offset of the first byte of the first invalid sequence (overlong
 * forms, surrogates, values past U+10FFFF and truncated sequences are invalid, as in Python). */
int64_t tide_utf8_decode(const char *s, int64_t len, uint32_t *cps);

/* Fail with "<op>: invalid UTF-8 at byte N" (N 1-based) for a decode result r < 0. */
int tide_utf8_fail(const char *op, int64_t r);

/* UTF-8 encoding of c into out (room for 4 bytes); returns the byte count. */
static inline int tide_utf8_put(uint32_t c, char *out) {
    unsigned char *o = (unsigned char *)out;
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | (c >> 6));
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (c >> 12));
        o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (c >> 18));
    o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* Bytes of c in UTF-8. */
static inline int utf8_len(uint32_t c) { return 1 + (c >= 0x80) + (c >= 0x800) + (c >= 0x10000); }

/* Python's str.isspace (and so str.split() and re's \s on str). */
static inline int tide_py_isspace(uint32_t c) {
    if (c < 0x80) return (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x20);
    return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

static inline int tide_category(uint32_t c) { return utf8proc_category((utf8proc_int32_t)c); }

/* Grow the scratch area of t to at least bytes; returns it or NULL (message set, op named). */
void *tide_tokens_scratch(tide_tokens *t, int64_t bytes, const char *op);

/* Make room for ntok more tokens and nbytes more text bytes; 0 or -1 (message names op). */
int tide_tokens_reserve(tide_tokens *t, int64_t ntok, int64_t nbytes, const char *op);

/* Append a token whose bytes are already reserved (no check). */
static inline void tide_tokens_put(tide_tokens *t, const char *s, int64_t len, int kind) {
    int64_t at = t->offsets[t->n];
    if (len) memcpy(t->text + at, s, (size_t)len);
    t->kinds[t->n] = (uint8_t)kind;
    t->offsets[++t->n] = at + len;
}

#endif
