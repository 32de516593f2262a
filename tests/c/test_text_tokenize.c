/* test_text_tokenize.c — the regex engine (PCRE2 wrapper) and the C tokenisers without Lua. */
#include "check.h"
#include "tide/tensor.h"
#include "tide/text_regex.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* All matches of pattern in s joined by '|' into out (the tokens findall would return). */
static int findall(const char *pattern, const char *s, char *out, size_t cap) {
    tide_regex *re = tide_regex_new(pattern, (int64_t)strlen(pattern), 0);
    if (!re) return -1;
    int64_t len = (int64_t)strlen(s), at = 0, ms, me;
    int n = 0, rc;
    out[0] = 0;
    while ((rc = tide_regex_next(re, s, len, at, TIDE_REGEX_VALID_UTF8, &ms, &me)) == 1) {
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%.*s", n ? "|" : "", (int)(me - ms), s + ms);
        n++;
        at = me;
    }
    tide_regex_free(re);
    return rc < 0 ? -1 : n;
}

static void test_regex_basic(void) {
    char out[512];
    CHECK(findall("(?u)\\b\\w\\w+\\b", "Hello, wörld! a bc 3.14 日本語", out, sizeof out) == 5);
    CHECK(strcmp(out, "Hello|wörld|bc|14|日本語") == 0);
    /* one group: the group's text, resuming after the whole match, as findall */
    CHECK(findall("(\\w)\\w", "abcd", out, sizeof out) == 2);
    CHECK(strcmp(out, "a|c") == 0);
    /* empty matches are skipped, a non-empty match at the same place is still found */
    CHECK(findall("\\d*", "a12b3", out, sizeof out) == 2);
    CHECK(strcmp(out, "12|3") == 0);
    CHECK(findall("x*", "abc", out, sizeof out) == 0);
    /* two groups: the whole match */
    CHECK(findall("(a)(b)", "abab", out, sizeof out) == 2);
    CHECK(strcmp(out, "ab|ab") == 0);
    /* \d is Unicode (Arabic-Indic digits), \s too (no-break space) */
    CHECK(findall("\\d+", "x\xd9\xa1\xd9\xa2y", out, sizeof out) == 1);
    CHECK(strcmp(out, "\xd9\xa1\xd9\xa2") == 0);
    CHECK(findall("\\S+", "a\xc2\xa0" "b", out, sizeof out) == 2);

    tide_regex *re = tide_regex_new("HELLO", 5, TIDE_REGEX_CASELESS);
    CHECK(re != NULL);
    CHECK(tide_regex_groups(re) == 0);
    int64_t ms = -1, me = -1;
    CHECK(tide_regex_next(re, "say hello", 9, 0, 0, &ms, &me) == 1 && ms == 4 && me == 9);
    CHECK(tide_regex_next(re, "say hello", 9, 5, 0, &ms, &me) == 0);
    int64_t span[4];
    tide_regex_free(re);
    re = tide_regex_new("(\\w)\\w", 6, 0);
    CHECK(tide_regex_groups(re) == 1);
    CHECK(tide_regex_find(re, "abcd", 4, 0, 0, span) == 1);
    CHECK(span[0] == 0 && span[1] == 2 && span[2] == 0 && span[3] == 1);
    tide_regex_free(re);
    /* an empty subject, a NULL subject of length 0 */
    re = tide_regex_new("a", 1, 0);
    CHECK(tide_regex_next(re, "", 0, 0, 0, &ms, &me) == 0);
    CHECK(tide_regex_next(re, NULL, 0, 0, 0, &ms, &me) == 0);
    tide_regex_free(re);
    tide_regex_free(NULL);
}

static void test_regex_errors(void) {
    tide_regex *re = tide_regex_new("a(b", 3, 0);
    CHECK(re == NULL);
    CHECK(strstr(tide_last_error(), "regex: ") != NULL);
    CHECK(strstr(tide_last_error(), "at offset 3 in 'a(b'") != NULL);
    tide_clear_error();
    /* the offset counts the (?u) prefix */
    re = tide_regex_new("(?u)a(b", 7, 0);
    CHECK(re == NULL && strstr(tide_last_error(), "at offset 7") != NULL);
    CHECK(tide_regex_new("\xff", 1, 0) == NULL); /* a pattern that is not UTF-8 */
    CHECK(tide_regex_new("a", -1, 0) == NULL);
    CHECK(tide_regex_new("a", 1, 8) == NULL);
    CHECK(tide_regex_new(NULL, 0, 0) == NULL);
    tide_clear_error();

    re = tide_regex_new("b", 1, 0);
    int64_t ms, me;
    /* invalid UTF-8 in the subject, reported with its 1-based byte position */
    CHECK(tide_regex_next(re, "ab\xc3(b", 5, 0, 0, &ms, &me) == -1);
    CHECK(strstr(tide_last_error(), "invalid UTF-8") != NULL);
    CHECK(strstr(tide_last_error(), "byte 3") != NULL);
    CHECK(tide_regex_next(re, "ab", 2, 3, 0, &ms, &me) == -1);
    CHECK(tide_regex_next(re, "ab", 2, -1, 0, &ms, &me) == -1);
    CHECK(tide_regex_next(re, "ab", 2, 0, 4, &ms, &me) == -1);
    CHECK(tide_regex_next(NULL, "ab", 2, 0, 0, &ms, &me) == -1);
    CHECK(tide_regex_next(re, "ab", 2, 0, 0, NULL, &me) == -1);
    tide_regex_free(re);
    /* catastrophic backtracking hits the match limit: an error, not a hang */
    re = tide_regex_new("(a+)+$", 6, 0);
    char s[64];
    memset(s, 'a', 40);
    s[40] = 'b';
    CHECK(tide_regex_next(re, s, 41, 0, TIDE_REGEX_VALID_UTF8, &ms, &me) == -1);
    CHECK(strstr(tide_last_error(), "regex: ") != NULL);
    tide_clear_error();
    tide_regex_free(re);
}

/* Four threads iterate the same compiled regex over the same text at once. */
typedef struct {
    const tide_regex *re;
    const char *s;
    int64_t len;
    int count;
} thread_arg;

static void *count_matches(void *p) {
    thread_arg *a = p;
    int64_t at = 0, ms, me;
    a->count = 0;
    for (int rep = 0; rep < 50; rep++) {
        at = 0;
        while (tide_regex_next(a->re, a->s, a->len, at, TIDE_REGEX_VALID_UTF8, &ms, &me) == 1) {
            a->count++;
            at = me;
        }
    }
    return NULL;
}

static void test_regex_threads(void) {
    size_t n = 20000;
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++) s[i] = (i % 7 == 6) ? ' ' : (char)('a' + i % 5);
    s[n] = 0;
    tide_regex *re = tide_regex_new("(\\w)\\w+", 7, 0);
    thread_arg a[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (thread_arg){ re, s, (int64_t)n, 0 };
        pthread_create(&t[i], NULL, count_matches, &a[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    int words = (int)(n / 7) * 50 + (n % 7 >= 2 ? 50 : 0);
    for (int i = 0; i < 4; i++) {
        CHECK(a[i].count == words);
        if (a[i].count != words) fprintf(stderr, "thread %d: %d matches, expected %d\n", i, a[i].count, words);
    }
    tide_regex_free(re);
    free(s);
}

int main(void) {
    test_regex_basic();
    test_regex_errors();
    test_regex_threads();
    return check_report("test_text_tokenize");
}
