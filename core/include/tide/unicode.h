/* tide/unicode.h — UTF-8 validation and Unicode normalisation for the text pipeline (utf8proc).
 * Strings are (pointer, length) byte buffers: never NUL-terminated, they may hold NUL bytes.
 * Offsets are 0-based byte offsets. Functions return a count >= 0 or -1 with a message in
 * tide_last_error().
 *
 * Invalid UTF-8 is cut into "maximal subparts" (Unicode's recommended practice, which Python's
 * bytes.decode(errors="replace") follows): a lead byte and the continuation bytes that may still
 * follow it form one bad sequence (e.g. E2 82 before 'a', or F0 9F 98 at the end), every other
 * bad byte (a lone continuation byte, C0, C1, F5..FF, the first byte of an overlong form or of an
 * encoded surrogate) is a bad sequence of its own.
 */
#ifndef TIDE_UNICODE_H
#define TIDE_UNICODE_H

#include <stdint.h>

/* The normalisation form applied last. */
enum { TIDE_NORM_NONE = 0, TIDE_NORM_NFC = 1, TIDE_NORM_NFD = 2, TIDE_NORM_NFKC = 3, TIDE_NORM_NFKD = 4 };
/* Flags: case mapping (LOWER: simple lowercase mapping, one code point to one; CASEFOLD: full
 * case folding as Python's str.casefold, ß -> ss) and accent stripping. */
enum { TIDE_TEXT_LOWER = 1, TIDE_TEXT_CASEFOLD = 2, TIDE_TEXT_STRIP_ACCENTS = 4 };
/* What happens to an invalid sequence: an error, U+FFFD in its place, or nothing in its place. */
enum { TIDE_INVALID_ERROR = 0, TIDE_INVALID_REPLACE = 1, TIDE_INVALID_DROP = 2 };

/* The byte offset of the first invalid sequence of s[0..len), or len when s is valid UTF-8.
 * Encoded surrogates (ED A0..BF ..), overlong forms and code points above U+10FFFF are invalid.
 * -1 only for a bad argument (len < 0, or s NULL with len > 0). */
int64_t tide_utf8_check(const char *s, int64_t len);

/* out[0..cap) = s[0..len) transformed in this order:
 *   1. invalid sequences: invalid = TIDE_INVALID_* (ERROR fails with
 *      "<op>: invalid UTF-8 at byte N", N 1-based);
 *   2. case mapping: flags TIDE_TEXT_LOWER or TIDE_TEXT_CASEFOLD (not both);
 *   3. accents: TIDE_TEXT_STRIP_ACCENTS decomposes (NFKD) and drops the code points whose
 *      canonical combining class is not 0, as scikit-learn's strip_accents_unicode;
 *   4. form = TIDE_NORM_*: NFC/NFKC compose, NFD/NFKD leave decomposed, NONE leaves as is.
 * So the result is form(strip(case(s))). ASCII runs take a fast path (copy / lowercase).
 * Returns the result's length n. When n > cap only part of out was written: call again with
 * cap >= n. op names the caller in messages (NULL: "text.normalize"). */
int64_t tide_text_normalize(const char *s, int64_t len, int form, int flags, int invalid, char *out, int64_t cap,
                            const char *op);

/* The Unicode version of the tables in use ("15.0.0"). */
const char *tide_unicode_version(void);

#endif
