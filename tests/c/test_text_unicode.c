/* test_text_unicode.c — UTF-8 validation, normalisation (utf8proc) and the Snowball stemmers
 * from C: buffer contracts (size-then-fill, nothing written past cap), invalid input, and a fuzz
 * of random byte strings (every output valid UTF-8, NFC idempotent, errors where the check says). */
#include "check.h"
#include "tide/stem.h"
#include "tide/tensor.h"
#include "tide/unicode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int64_t norm(const char *s, int64_t len, int form, int flags, int invalid, char *out, int64_t cap) {
    return tide_text_normalize(s, len, form, flags, invalid, out, cap, "test");
}

/* normalize into out (NUL-terminated for comparisons); returns the length or -1 */
static int64_t norm_str(const char *s, int form, int flags, int invalid, char *out, int64_t cap) {
    int64_t n = norm(s, (int64_t)strlen(s), form, flags, invalid, out, cap - 1);
    if (n >= 0 && n < cap) out[n] = 0;
    return n;
}

static void test_check(void) {
    CHECK(tide_utf8_check("", 0) == 0);
    CHECK(tide_utf8_check(NULL, 0) == 0);
    CHECK(tide_utf8_check("abc", 3) == 3);
    CHECK(tide_utf8_check("a\0b", 3) == 3);
    CHECK(tide_utf8_check("caf\xc3\xa9", 5) == 5);
    CHECK(tide_utf8_check("\xf0\x9f\x91\x8d", 4) == 4);
    CHECK(tide_utf8_check("\xf4\x8f\xbf\xbf", 4) == 4);     /* U+10FFFF */
    CHECK(tide_utf8_check("ab\x80", 3) == 2);                /* lone continuation */
    CHECK(tide_utf8_check("\xc0\xaf", 2) == 0);              /* overlong */
    CHECK(tide_utf8_check("x\xe0\x80\xaf", 4) == 1);         /* overlong, 3 bytes */
    CHECK(tide_utf8_check("xy\xed\xa0\x80", 5) == 2);        /* surrogate */
    CHECK(tide_utf8_check("\xf4\x90\x80\x80", 4) == 0);     /* > U+10FFFF */
    CHECK(tide_utf8_check("abc\xe2\x82", 5) == 3);           /* truncated at the end */
    CHECK(tide_utf8_check("caf\xc3\xa9", 4) == 3);           /* the length cuts a character */
    CHECK(tide_utf8_check("\xff", 1) == 0);
    /* a long ASCII prefix (the 8-byte path) then a bad byte */
    char buf[100];
    memset(buf, 'a', sizeof buf);
    buf[77] = (char)0xfe;
    CHECK(tide_utf8_check(buf, sizeof buf) == 77);
    CHECK(tide_utf8_check(NULL, 3) == -1);
    CHECK(tide_utf8_check("a", -1) == -1);
    tide_clear_error();
}

static void test_normalize(void) {
    char out[256];
    /* composition, decomposition, compatibility */
    CHECK(norm_str("cafe\xcc\x81", TIDE_NORM_NFC, 0, 0, out, sizeof out) == 5 && strcmp(out, "caf\xc3\xa9") == 0);
    CHECK(norm_str("caf\xc3\xa9", TIDE_NORM_NFD, 0, 0, out, sizeof out) == 6 && strcmp(out, "cafe\xcc\x81") == 0);
    CHECK(norm_str("\xef\xac\x81" "x", TIDE_NORM_NFKC, 0, 0, out, sizeof out) == 3 && strcmp(out, "fix") == 0);
    CHECK(norm_str("\xef\xac\x81", TIDE_NORM_NFC, 0, 0, out, sizeof out) == 3 && strcmp(out, "\xef\xac\x81") == 0);
    /* U+2ADC is excluded from composition: NFC leaves it decomposed */
    CHECK(norm_str("\xe2\xab\x9c", TIDE_NORM_NFC, 0, 0, out, sizeof out) == 5 && strcmp(out, "\xe2\xab\x9d\xcc\xb8") == 0);
    /* case: full folding vs simple lowercase */
    CHECK(norm_str("Stra\xc3\x9f" "E", TIDE_NORM_NONE, TIDE_TEXT_CASEFOLD, 0, out, sizeof out) == 7 &&
          strcmp(out, "strasse") == 0);
    CHECK(norm_str("Stra\xc3\x9f" "E", TIDE_NORM_NONE, TIDE_TEXT_LOWER, 0, out, sizeof out) == 7 &&
          strcmp(out, "stra\xc3\x9f" "e") == 0);
    CHECK(norm_str("\xc4\xb0", TIDE_NORM_NONE, TIDE_TEXT_LOWER, 0, out, sizeof out) == 1 && strcmp(out, "i") == 0);
    /* accents: sklearn's strip_accents_unicode, then NFC */
    CHECK(norm_str("Cr\xc3\xa8me \xef\xac\x81", TIDE_NORM_NFC, TIDE_TEXT_STRIP_ACCENTS, 0, out, sizeof out) == 8 &&
          strcmp(out, "Creme fi") == 0);
    /* Hangul: decomposed by NFKD, recomposed by NFC */
    CHECK(norm_str("\xed\x95\x9c", TIDE_NORM_NFD, 0, 0, out, sizeof out) == 9);
    CHECK(norm_str("\xed\x95\x9c", TIDE_NORM_NFC, TIDE_TEXT_STRIP_ACCENTS, 0, out, sizeof out) == 3 &&
          strcmp(out, "\xed\x95\x9c") == 0);

    /* invalid input: error with the 1-based position, replace, drop */
    CHECK(norm_str("ab\xff", TIDE_NORM_NFC, 0, TIDE_INVALID_ERROR, out, sizeof out) == -1);
    CHECK(strcmp(tide_last_error(), "test: invalid UTF-8 at byte 3") == 0);
    tide_clear_error();
    CHECK(norm_str("\xf0\x9f\x98" "a\x80", TIDE_NORM_NFC, 0, TIDE_INVALID_REPLACE, out, sizeof out) == 7 &&
          strcmp(out, "\xef\xbf\xbd" "a\xef\xbf\xbd") == 0);
    CHECK(norm_str("\xe0\x80\xaf", TIDE_NORM_NFC, 0, TIDE_INVALID_REPLACE, out, sizeof out) == 9);
    CHECK(norm_str("\xf0\x9f\x98" "a\x80" "b", TIDE_NORM_NFC, 0, TIDE_INVALID_DROP, out, sizeof out) == 2 &&
          strcmp(out, "ab") == 0);
    /* NUL bytes are characters */
    CHECK(norm("A\0\xc3\x89", 4, TIDE_NORM_NFD, TIDE_TEXT_CASEFOLD, 0, out, sizeof out) == 5 &&
          memcmp(out, "a\0e\xcc\x81", 5) == 0);
    CHECK(norm("", 0, TIDE_NORM_NFC, 0, 0, NULL, 0) == 0);

    /* bad arguments */
    CHECK(norm("a", 1, 9, 0, 0, out, sizeof out) == -1);
    CHECK(norm("a", 1, TIDE_NORM_NFC, TIDE_TEXT_LOWER | TIDE_TEXT_CASEFOLD, 0, out, sizeof out) == -1);
    CHECK(strstr(tide_last_error(), "lower and casefold") != NULL);
    CHECK(norm("a", 1, TIDE_NORM_NFC, 64, 0, out, sizeof out) == -1);
    CHECK(norm("a", 1, TIDE_NORM_NFC, 0, 7, out, sizeof out) == -1);
    CHECK(norm(NULL, 1, TIDE_NORM_NFC, 0, 0, out, sizeof out) == -1);
    CHECK(norm("a", 1, TIDE_NORM_NFC, 0, 0, NULL, 5) == -1);
    CHECK(tide_text_normalize("\xff", 1, 0, 0, 0, out, 10, NULL) == -1);
    CHECK(strcmp(tide_last_error(), "text.normalize: invalid UTF-8 at byte 1") == 0);
    tide_clear_error();
}

/* Size-then-fill: a short buffer gets nothing past its end and the call says how much is needed. */
static void test_two_calls(void) {
    const char *s = "ABC \xef\xb7\xba x \xc3\x89t\xc3\xa9"; /* U+FDFA expands to 33 bytes in NFKD */
    int64_t len = (int64_t)strlen(s);
    for (int form = TIDE_NORM_NONE; form <= TIDE_NORM_NFKD; form++) {
        int64_t need = norm(s, len, form, TIDE_TEXT_CASEFOLD, 0, NULL, 0);
        CHECK(need > 0);
        for (int64_t cap = 0; cap <= need; cap++) {
            char *buf = malloc((size_t)cap + 8);
            memset(buf, 0x5a, (size_t)cap + 8);
            int64_t n = norm(s, len, form, TIDE_TEXT_CASEFOLD, 0, buf, cap);
            CHECK(n == need);
            for (int k = 0; k < 8; k++) CHECK(buf[cap + k] == 0x5a);
            if (cap == need) CHECK(tide_utf8_check(buf, n) == n);
            free(buf);
        }
    }
}

static uint64_t rng = 88172645463325252ull;
static uint32_t next_rand(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Random strings of ASCII, valid characters (accents, marks, Hangul, ligatures, emoji) and junk. */
static void test_fuzz(void) {
    static const char *const pieces[] = {"a", "E", " ", "\xcc\x81", "\xcc\xa3", "\xc3\xa9", "\xc3\x89", "\xc3\x9f",
                                         "\xef\xac\x81", "\xed\x95\x9c", "\xe1\x84\x92", "\xe1\x85\xa1", "\xf0\x9f\x91\x8d",
                                         "\xce\xa3", "\xc4\xb0", "\xef\xb7\xba", "\xe2\x85\xab", "\x80", "\xc3", "\xe2\x82",
                                         "\xf0\x9f\x98", "\xed\xa0\x80", "\xc0\xaf", "\xff", "\0"};
    const int npieces = (int)(sizeof pieces / sizeof *pieces);
    char s[600], out[8192], again[8192];
    for (int iter = 0; iter < 3000; iter++) {
        int64_t len = 0;
        int count = (int)(next_rand() % 60);
        for (int k = 0; k < count; k++) {
            const char *p = pieces[next_rand() % npieces];
            size_t pl = p[0] ? strlen(p) : 1;
            memcpy(s + len, p, pl);
            len += (int64_t)pl;
        }
        int form = (int)(next_rand() % 5);
        int flags = (int)(next_rand() % 8);
        if ((flags & 3) == 3) flags &= ~1;
        int64_t bad = tide_utf8_check(s, len);
        int64_t n = norm(s, len, form, flags, TIDE_INVALID_ERROR, out, sizeof out);
        CHECK((n < 0) == (bad < len));
        if (n < 0) {
            char want[64];
            snprintf(want, sizeof want, "test: invalid UTF-8 at byte %lld", (long long)bad + 1);
            CHECK(strcmp(tide_last_error(), want) == 0);
            tide_clear_error();
        }
        for (int invalid = TIDE_INVALID_REPLACE; invalid <= TIDE_INVALID_DROP; invalid++) {
            n = norm(s, len, form, flags, invalid, out, sizeof out);
            CHECK(n >= 0 && n <= (int64_t)sizeof out);
            if (n < 0 || n > (int64_t)sizeof out) continue;
            CHECK(tide_utf8_check(out, n) == n);
            if (form == TIDE_NORM_NFC || form == TIDE_NORM_NFKC || form == TIDE_NORM_NFD || form == TIDE_NORM_NFKD) {
                /* a normal form is stable */
                int64_t m = norm(out, n, form, 0, TIDE_INVALID_ERROR, again, sizeof again);
                CHECK(m == n && memcmp(out, again, (size_t)n) == 0);
            }
        }
    }
}

static void test_stemmer(void) {
    int n = tide_stemmer_language_count();
    CHECK(n == 29);
    CHECK(strcmp(tide_stemmer_language(0), "arabic") == 0);
    CHECK(tide_stemmer_language(n) == NULL && tide_stemmer_language(-1) == NULL);

    CHECK(tide_stemmer_new("klingon", "test") == NULL);
    CHECK(strstr(tide_last_error(), "test: unknown language 'klingon' (available: arabic, armenian,") != NULL);
    CHECK(tide_stemmer_new(NULL, NULL) == NULL);
    CHECK(tide_stemmer_new("", NULL) == NULL);
    tide_clear_error();
    tide_stemmer_free(NULL);

    tide_stemmer *s = tide_stemmer_new("EN", NULL);
    CHECK(s != NULL);
    if (!s) return;
    CHECK(strcmp(tide_stemmer_name(s), "en") == 0);
    int64_t len = -1;
    const char *r = tide_stemmer_stem(s, "running", 7, &len, NULL);
    CHECK(r && len == 3 && memcmp(r, "run", 3) == 0);
    r = tide_stemmer_stem(s, NULL, 0, &len, NULL);
    CHECK(r && len == 0);
    CHECK(tide_stemmer_stem(s, "caf\xe9", 4, &len, "t") == NULL);
    CHECK(strcmp(tide_last_error(), "t: invalid UTF-8 in word 'caf\\xE9' at byte 4") == 0);
    tide_clear_error();

    const char *words = "runningfliesnationalities";
    int64_t off[5] = {0, 7, 7, 12, 25}, out_off[5];
    const char *out = NULL;
    int64_t total = tide_stemmer_stem_all(s, words, off, 4, out_off, &out, NULL);
    CHECK(total == 12);
    CHECK(out_off[0] == 0 && out_off[1] == 3 && out_off[2] == 3 && out_off[3] == 6 && out_off[4] == 12);
    CHECK(out && memcmp(out, "runflination", 12) == 0);
    int64_t bad_off[3] = {0, 5, 3};
    CHECK(tide_stemmer_stem_all(s, words, bad_off, 2, out_off, &out, NULL) == -1);
    CHECK(strstr(tide_last_error(), "word offsets decrease at word 2") != NULL);
    CHECK(tide_stemmer_stem_all(s, words, off, 0, out_off, &out, NULL) == 0);
    CHECK(tide_stemmer_stem_all(s, "ok\xc3", (int64_t[]){0, 2, 3}, 2, out_off, &out, "t") == -1);
    CHECK(strcmp(tide_last_error(), "t: invalid UTF-8 in word 2 '\\xC3' at byte 1") == 0);
    tide_clear_error();

    const char *lines = "running\n\nflies\n";
    total = tide_stemmer_stem_lines(s, lines, (int64_t)strlen(lines), &out, NULL);
    CHECK(total == 9 && memcmp(out, "run\n\nfli\n", 9) == 0);
    CHECK(tide_stemmer_stem_lines(s, "", 0, &out, NULL) == 0);
    CHECK(tide_stemmer_stem_lines(s, "a\nb\n\xff", 5, &out, "t") == -1);
    CHECK(strcmp(tide_last_error(), "t: invalid UTF-8 in line 3 '\\xFF' at byte 1") == 0);
    tide_clear_error();
    /* a long word list grows the stemmer's buffer */
    int64_t nw = 20000;
    char *big = malloc((size_t)nw * 12);
    int64_t *boff = malloc((size_t)(nw + 1) * sizeof *boff), *bout = malloc((size_t)(nw + 1) * sizeof *bout);
    boff[0] = 0;
    for (int64_t k = 0; k < nw; k++) {
        memcpy(big + boff[k], "connections", 11);
        boff[k + 1] = boff[k] + 11;
    }
    total = tide_stemmer_stem_all(s, big, boff, nw, bout, &out, NULL);
    CHECK(total == nw * 7 && memcmp(out + 7 * (nw - 1), "connect", 7) == 0);
    free(big), free(boff), free(bout);
    tide_stemmer_free(s);
}

int main(void) {
    test_check();
    test_normalize();
    test_two_calls();
    test_fuzz();
    test_stemmer();
    return check_report("test_text_unicode");
}
