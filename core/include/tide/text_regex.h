/* tide/text_regex.h — regular expressions for the text tokenisers: PCRE2 (8-bit, JIT) behind an
 * opaque handle. Patterns and subjects are UTF-8; offsets are byte offsets, 0-based.
 * Functions return a status (>= 0) or -1 / NULL with a message in tide_last_error().
 */
#ifndef TIDE_TEXT_REGEX_H
#define TIDE_TEXT_REGEX_H

#include <stdint.h>

typedef struct tide_regex tide_regex;

#define TIDE_REGEX_CASELESS 1

/* Compile a PCRE2 pattern in UTF mode with Unicode properties (PCRE2_UTF | PCRE2_UCP), so \w, \d,
 * \b and \s follow Unicode as Python's re does for str patterns; JIT-compiled when available.
 * Python's inline "(?u)" prefix (scikit-learn's default token_pattern) is accepted and ignored.
 * pattern: len bytes (may hold NUL); flags: 0 or TIDE_REGEX_CASELESS.
 * Returns NULL with "regex: <PCRE2's message> at offset N in '<pattern>'" on a bad pattern
 * (N counts bytes of the pattern as given, 0-based). Free with tide_regex_free. */
tide_regex *tide_regex_new(const char *pattern, int64_t len, int flags);
void tide_regex_free(tide_regex *re);

/* Number of capture groups of the pattern. */
int tide_regex_groups(const tide_regex *re);

/* The next match in s[0..len) starting at byte offset >= start. Returns 1 and sets *mstart, *mend
 * (byte offsets; when the pattern has exactly one group, the group's span, as Python's findall
 * returns the group), 0 when there is none, -1 with a message on failure (match limit, invalid
 * UTF-8 in s). Empty matches are skipped (the search moves on one character). Safe to call from
 * several threads at once on the same re (per-thread match data). The caller has already
 * validated s as UTF-8 when it passes TIDE_REGEX_VALID_UTF8 in opts (skips PCRE2's check).
 *
 * Iterating: call again with start = *mend. With one group, the group may end before the whole
 * match does; the thread remembers its last match, so a call with the same re, s, len and
 * start == the last *mend resumes after the whole match (as findall does). To iterate without
 * relying on that, use tide_regex_find, which gives both spans.
 * Without TIDE_REGEX_VALID_UTF8 PCRE2 checks s from start to its end at every call (quadratic
 * over a long string): validate once and pass the flag when iterating. */
#define TIDE_REGEX_VALID_UTF8 1
int tide_regex_next(const tide_regex *re, const char *s, int64_t len, int64_t start, int opts,
                    int64_t *mstart, int64_t *mend);

/* As tide_regex_next, with no per-thread memory: span[0], span[1] = the whole match (resume the
 * search at span[1]), span[2], span[3] = the span tide_regex_next reports (the group's when the
 * pattern has exactly one group; an unset group is the empty span at span[1]). */
int tide_regex_find(const tide_regex *re, const char *s, int64_t len, int64_t start, int opts, int64_t span[4]);

#endif
