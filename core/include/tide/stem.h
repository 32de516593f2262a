/* tide/stem.h — the Snowball stemmers (libstemmer) behind an opaque handle.
 * Words are UTF-8 byte buffers (pointer, length; never NUL-terminated). Snowball's algorithms
 * and reference vocabularies know lower-case letters only: the caller lowercases (upper case
 * gives odd stems, "Generously" -> "Gener"). A handle is not thread-safe: use one per thread.
 * Functions return a count >= 0 (or a pointer) on success, -1 / NULL with a message in
 * tide_last_error() on failure; op names the caller in messages (NULL: "stem").
 */
#ifndef TIDE_STEM_H
#define TIDE_STEM_H

#include <stdint.h>

typedef struct tide_stemmer tide_stemmer;

/* The canonical algorithm names libstemmer provides ("arabic", ..., "english", "porter", ...):
 * tide_stemmer_language(i) for 0 <= i < tide_stemmer_language_count(), NULL past the end. */
int tide_stemmer_language_count(void);
const char *tide_stemmer_language(int i);

/* A stemmer for lang: a canonical name or any alias libstemmer knows (ISO 639 codes "en", "eng",
 * ...), case-insensitive. NULL with "<op>: unknown language 'xx' (available: ...)" otherwise.
 * Free with tide_stemmer_free (NULL is fine). */
tide_stemmer *tide_stemmer_new(const char *lang, const char *op);
void tide_stemmer_free(tide_stemmer *s);

/* The language s was created for, lower case, as given ("en" stays "en"). */
const char *tide_stemmer_name(const tide_stemmer *s);

/* The stem of word[0..len): a pointer into s's own buffer, valid until the next call on s, with
 * its length in *out_len. NULL with "<op>: invalid UTF-8 in word '...' at byte N" when the word
 * is not UTF-8. */
const char *tide_stemmer_stem(tide_stemmer *s, const char *word, int64_t len, int64_t *out_len, const char *op);

/* Every word k < n, buf[off[k] .. off[k+1]) (off [n + 1], non-decreasing), stemmed in one call:
 * stem k is (*out)[out_off[k] .. out_off[k+1]) (out_off [n + 1], out_off[0] = 0), in s's own
 * buffer, valid until the next call on s. Returns the total length of the stems; -1 names the
 * first word that is not UTF-8 ("<op>: invalid UTF-8 in word 3 '...' at byte N", 1-based). */
int64_t tide_stemmer_stem_all(tide_stemmer *s, const char *buf, const int64_t *off, int64_t n, int64_t *out_off,
                              const char **out, const char *op);

/* buf[0..len) holds words separated by '\n' (a vocabulary file): *out gets their stems separated
 * by '\n', line for line (an empty line stays empty, a final '\n' is kept), in s's own buffer.
 * Returns the output length; -1 names the first line that is not UTF-8 (1-based). */
int64_t tide_stemmer_stem_lines(tide_stemmer *s, const char *buf, int64_t len, const char **out, const char *op);

#endif
