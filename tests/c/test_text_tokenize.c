/* test_text_tokenize.c — the regex engine (PCRE2 wrapper) and the C tokenisers without Lua. */
#include "check.h"
#include "tide/tensor.h"
#include "tide/text_regex.h"
#include "tide/tokenize.h"

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


/* The tokens of t from index first joined by '|' (tokens hold no '|' in these tests). */
static const char *joined(const tide_tokens *t, int64_t first) {
    static char out[2048];
    size_t used = 0;
    out[0] = 0;
    for (int64_t i = first; i < t->n && used + 2 < sizeof out; i++) {
        int64_t a = t->offsets[i], b = t->offsets[i + 1];
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%.*s", i > first ? "|" : "", (int)(b - a), t->text + a);
    }
    return out;
}

static void test_word_tokenize(void) {
    tide_tokens *t = tide_tokens_new();
    const char *s = "@united Flight delayed AGAIN!!!! :( http://t.co/x1 #fail I can't";
    CHECK(tide_word_tokenize(s, (int64_t)strlen(s), NULL, t) == 10);
    CHECK(strcmp(joined(t, 0), "@united|Flight|delayed|AGAIN|!!!|:(|http://t.co/x1|#fail|I|can't") == 0);
    CHECK(t->kinds[0] == TIDE_TOKEN_MENTION && t->kinds[1] == TIDE_TOKEN_WORD && t->kinds[4] == TIDE_TOKEN_PUNCT &&
          t->kinds[5] == TIDE_TOKEN_EMOTICON && t->kinds[6] == TIDE_TOKEN_URL && t->kinds[7] == TIDE_TOKEN_HASHTAG);
    /* appending: a second document goes after the first; options */
    tide_word_tokenizer_opts o;
    tide_word_tokenizer_defaults(&o);
    o.preserve_case = 0;
    o.split_contractions = 1;
    o.strip_urls = 1;
    int64_t before = t->n;
    CHECK(tide_word_tokenize(s, (int64_t)strlen(s), &o, t) == 10);
    CHECK(strcmp(joined(t, before), "@united|flight|delayed|again|!!!|:(|#fail|i|ca|n't") == 0);
    CHECK(t->offsets[0] == 0 && t->offsets[t->n] > t->offsets[before]);
    /* invalid UTF-8: an error naming the byte, the buffer unchanged */
    int64_t n = t->n, used = t->offsets[t->n];
    CHECK(tide_word_tokenize("ab \xC3", 4, NULL, t) == -1);
    CHECK(strstr(tide_last_error(), "word_tokenize: invalid UTF-8 at byte 4") != NULL);
    CHECK(t->n == n && t->offsets[t->n] == used);
    CHECK(tide_word_tokenize(NULL, 3, NULL, t) == -1);
    CHECK(tide_word_tokenize("a", -1, NULL, t) == -1);
    CHECK(tide_word_tokenize("a", 1, NULL, NULL) == -1);
    CHECK(tide_word_tokenize(NULL, 0, NULL, t) == 0);
    tide_clear_error();
    tide_tokens_clear(t);
    CHECK(t->n == 0 && t->offsets[0] == 0);
    /* many documents grow the buffer */
    for (int i = 0; i < 2000; i++) CHECK(tide_word_tokenize(s, (int64_t)strlen(s), NULL, t) == 10);
    CHECK(t->n == 20000);
    tide_tokens_free(t);
    tide_tokens_free(NULL);
}

static void test_other_tokenizers(void) {
    tide_tokens *t = tide_tokens_new(), *g = tide_tokens_new();
    CHECK(tide_whitespace_tokenize(" a\tbb \xc2\xa0 c ", 11, t) == 3);
    CHECK(strcmp(joined(t, 0), "a|bb|c") == 0);
    tide_tokens_clear(t);
    CHECK(tide_char_ngrams("abc", 3, 1, 2, 0, t) == 5);
    CHECK(strcmp(joined(t, 0), "a|b|c|ab|bc") == 0);
    tide_tokens_clear(t);
    CHECK(tide_char_ngrams("ab c", 4, 2, 3, 1, t) == 8);
    CHECK(strcmp(joined(t, 0), " a|ab|b | ab|ab | c|c | c ") == 0);
    CHECK(tide_char_ngrams("abc", 3, 0, 2, 0, t) == -1);
    CHECK(tide_char_ngrams("abc", 3, 3, 2, 0, t) == -1);
    tide_tokens_clear(t);
    /* word n-grams of a range of another buffer */
    CHECK(tide_whitespace_tokenize("x the quick brown fox", 21, t) == 5);
    CHECK(tide_word_ngrams(t, 1, 4, 1, 2, g) == 7);
    CHECK(strcmp(joined(g, 0), "the|quick|brown|fox|the quick|quick brown|brown fox") == 0);
    CHECK(tide_word_ngrams(t, 3, 4, 1, 2, g) == -1); /* past the end */
    CHECK(tide_word_ngrams(t, 0, 5, 1, 2, t) == -1); /* in place */
    tide_tokens_clear(g);
    CHECK(tide_tokens_push(g, "ok", 2, 0, "test") == 1);
    CHECK(tide_tokens_push(g, "b\xff", 2, 0, "test") == -1);
    CHECK(strstr(tide_last_error(), "test: token 2: invalid UTF-8 at byte 2") != NULL);
    tide_clear_error();
    tide_tokens_clear(t);
    const char *sent = "Mr. Smith arrived. He left... then came back!  \n\n New paragraph";
    CHECK(tide_sentences(sent, (int64_t)strlen(sent), NULL, t) == 3);
    CHECK(strcmp(joined(t, 0), "Mr. Smith arrived.|He left... then came back!|New paragraph") == 0);
    tide_tokens_clear(t);
    tide_regex *re = tide_regex_new("[,;]", 4, 0);
    CHECK(tide_regex_tokenize(re, "a,b;;c", 6, 1, t) == 3);
    CHECK(strcmp(joined(t, 0), "a|b|c") == 0);
    CHECK(tide_regex_tokenize(NULL, "a", 1, 0, t) == -1);
    tide_regex_free(re);
    tide_clear_error();
    tide_tokens_free(t);
    tide_tokens_free(g);
}

/* Random bytes and random pieces of tricky text: every tokeniser either succeeds or fails
 * cleanly (run under ASan/UBSan in the sanitizer build). */
static void test_fuzz(void) {
    static const char *pieces[] = {"http://", "www.", ".com", "@", "#", "&amp;", "&#", ";", ":)", "<3", "(", ")",
                                   "'", "n't", "555", "-", ".", "...", "é", "\xe2\x80\x8d", "\xf0\x9f\x91\x8d",
                                   "\xf0\x9f\x8f\xbd", "\xf0\x9f\x87\xab", " ", "\n", "a", "Z", "1", "e5", "!!!!"};
    tide_tokens *t = tide_tokens_new();
    tide_word_tokenizer_opts all;
    tide_word_tokenizer_defaults(&all);
    all.reduce_len = all.strip_handles = all.split_contractions = all.strip_urls = 1;
    all.preserve_case = 0;
    tide_regex *re = tide_regex_new("(?u)\\b\\w\\w+\\b", 14, 0);
    unsigned seed = 12345;
    char buf[256];
    int failures = 0;
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = 0;
        if (iter % 2) {
            int m = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 40;
            for (int k = 0; k < m && len < 200; k++) {
                const char *p = pieces[((seed = seed * 1103515245u + 12345u) >> 16) % 30];
                size_t pl = strlen(p);
                memcpy(buf + len, p, pl);
                len += pl;
            }
        } else {
            len = ((seed = seed * 1103515245u + 12345u) >> 16) % 64;
            for (size_t k = 0; k < len; k++) buf[k] = (char)((seed = seed * 1103515245u + 12345u) >> 16);
        }
        tide_tokens_clear(t);
        int64_t r[6] = {tide_word_tokenize(buf, (int64_t)len, iter % 3 ? NULL : &all, t),
                        tide_sentences(buf, (int64_t)len, NULL, t), tide_whitespace_tokenize(buf, (int64_t)len, t),
                        tide_regex_tokenize(re, buf, (int64_t)len, iter % 2, t),
                        tide_char_ngrams(buf, (int64_t)len, 1, 3, iter % 2, t), 0};
        int bad = r[0] < 0;
        for (int k = 1; k < 5; k++)
            if ((r[k] < 0) != bad) failures++; /* all reject invalid UTF-8 alike */
        if (t->offsets[0] != 0) failures++;
        for (int64_t i = 0; i < t->n; i++)
            if (t->offsets[i + 1] < t->offsets[i]) failures++;
        tide_clear_error();
    }
    CHECK(failures == 0);
    tide_regex_free(re);
    tide_tokens_free(t);
}

int main(void) {
    test_regex_basic();
    test_regex_errors();
    test_regex_threads();
    test_word_tokenize();
    test_other_tokenizers();
    test_fuzz();
    return check_report("test_text_tokenize");
}
