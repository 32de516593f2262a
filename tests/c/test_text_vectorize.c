/* test_text_vectorize.c — the vectorisers' C parts without Lua: the vocabulary hash map, MurmurHash3,
 * the port of NumPy's argsort (against NumPy's output on arrays with ties), the analyser's n-gram
 * orders, counting, pruning, TF-IDF and hashing, and their errors. */
#include "check.h"
#include "text_vectorize_internal.h"
#include "tide/tensor.h"
#include "tide/vectorize.h"

#include <stdlib.h>
#include <string.h>

static int msg_has(const char *s) { return strstr(tide_last_error(), s) != NULL; }

/* ---------------------------------------------------------------- vocabulary */
static void test_vocab(void) {
    tide_vocab *v = tide_vocab_new();
    CHECK(v != NULL);
    CHECK(tide_vocab_add(v, "cat", 3) == 0);
    CHECK(tide_vocab_add(v, "dog", 3) == 1);
    CHECK(tide_vocab_add(v, "cat", 3) == 0);
    CHECK(tide_vocab_add(v, "", 0) == 2);          /* the empty term is a term */
    CHECK(tide_vocab_add(v, "a\0b", 3) == 3);      /* NUL bytes are bytes */
    CHECK(tide_vocab_add(v, "a", 1) == 4);
    CHECK(tide_vocab_find(v, "a\0b", 3) == 3);
    CHECK(tide_vocab_find(v, "a\0c", 3) == -1);
    CHECK(tide_vocab_find(v, "ca", 2) == -1);
    CHECK(tide_vocab_size(v) == 5);
    CHECK(tide_vocab_bytes(v) == 10);
    int64_t len;
    const char *t = tide_vocab_term(v, 1, &len);
    CHECK(t && len == 3 && memcmp(t, "dog", 3) == 0);
    CHECK(tide_vocab_term(v, 5, &len) == NULL);
    /* growth through many rehashes; every id stays findable */
    char buf[32];
    for (int i = 0; i < 200000; i++) {
        int n = snprintf(buf, sizeof buf, "term-%d", i);
        if (tide_vocab_add(v, buf, n) != 5 + i) {
            CHECK(0);
            break;
        }
    }
    int bad = 0;
    for (int i = 0; i < 200000; i += 7) {
        int n = snprintf(buf, sizeof buf, "term-%d", i);
        bad += tide_vocab_find(v, buf, n) != 5 + i;
    }
    CHECK(bad == 0);
    CHECK(tide_vocab_size(v) == 200005);
    /* export */
    int64_t nb = tide_vocab_bytes(v), *off = malloc(sizeof(int64_t) * 200006);
    char *text = malloc((size_t)nb);
    CHECK(tide_vocab_terms(v, text, off) == 0);
    CHECK(off[0] == 0 && off[200005] == nb && memcmp(text + off[1], "dog", 3) == 0);
    free(off);
    free(text);
    tide_vocab_free(v);

    /* add_list reports the first repeat */
    v = tide_vocab_new();
    const char *words = "xyzxy";
    int64_t o[] = { 0, 1, 2, 3, 4, 5 };
    int64_t rep = 0;
    CHECK(tide_vocab_add_list(v, words, o, 5, &rep) == 3);
    CHECK(rep == 3);
    int64_t bad_off[] = { 0, 2, 1 };
    CHECK(tide_vocab_add_list(v, words, bad_off, 2, &rep) == -1 && msg_has("non-decreasing"));
    tide_vocab_free(v);
    tide_vocab_free(NULL);
}

/* ---------------------------------------------------------------- MurmurHash3 */
static void test_murmur(void) {
    /* sklearn.utils.murmurhash3_32(s, 0) */
    CHECK(tide_murmurhash3_32("abc", 3, 0) == -1277324294);
    CHECK(tide_murmurhash3_32("", 0, 0) == 0);
    CHECK(tide_murmurhash3_32("h\xc3\xa9llo", 6, 0) == -1130389400);
    CHECK(tide_murmurhash3_32("akqlrggi", 8, 0) == INT32_MIN);
}

/* ---------------------------------------------------------------- NumPy's argsort */
static void test_argsort(void) {
    const char *dir = getenv("TIDE_FIXTURES");
    char path[1024];
    snprintf(path, sizeof path, "%s/text_vectorize_argsort.txt", dir ? dir : "tests/fixtures");
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return;
    char line[256];
    CHECK(fgets(line, sizeof line, f) != NULL); /* the header */
    int cases = 0, wrong = 0;
    long n;
    while (fscanf(f, "%ld", &n) == 1) {
        double *v = malloc(sizeof(double) * (size_t)n);
        int64_t *want = malloc(sizeof(int64_t) * (size_t)n), *got = malloc(sizeof(int64_t) * (size_t)n);
        for (long i = 0; i < n; i++) {
            long x;
            if (fscanf(f, "%ld", &x) != 1) x = 0;
            v[i] = (double)x;
        }
        for (long i = 0; i < n; i++) {
            long x;
            if (fscanf(f, "%ld", &x) != 1) x = -1;
            want[i] = x;
        }
        tide_text_numpy_argsort(v, got, n);
        if (memcmp(got, want, sizeof(int64_t) * (size_t)n)) {
            wrong++;
            fprintf(stderr, "argsort differs from NumPy's for n = %ld\n", n);
        }
        cases++;
        free(v);
        free(want);
        free(got);
    }
    fclose(f);
    CHECK(cases >= 40);
    CHECK(wrong == 0);
}

/* ---------------------------------------------------------------- the analyser */
static tide_analyzer_opts opts_word(int lo, int hi) {
    tide_analyzer_opts a;
    memset(&a, 0, sizeof a);
    a.analyzer = TIDE_ANALYZER_WORD;
    a.lowercase = 1;
    a.ngram_min = lo;
    a.ngram_max = hi;
    return a;
}

/* the features of one document joined by '|' */
static const char *analyze(const char *doc, const tide_analyzer_opts *a) {
    static char out[2048];
    int64_t off[2] = { 0, (int64_t)strlen(doc) };
    tide_docs d = { .n = 1, .kind = TIDE_DOCS_TEXT, .text = doc, .doc_offsets = off };
    tide_strings *s = tide_strings_new();
    int64_t n = tide_text_analyze(&d, 0, a, s, "test");
    out[0] = 0;
    if (n < 0) snprintf(out, sizeof out, "ERROR %s", tide_last_error());
    for (int64_t i = 0; i < n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, sizeof out - used, "%s%.*s", i ? "|" : "", (int)(s->offsets[i + 1] - s->offsets[i]),
                 s->text + s->offsets[i]);
    }
    tide_strings_free(s);
    return out;
}

static void test_analyzer(void) {
    tide_analyzer_opts a = opts_word(1, 3);
    CHECK(strcmp(analyze("Aa bb, c CC!", &a), "aa|bb|cc|aa bb|bb cc|aa bb cc") == 0);
    a = opts_word(2, 2);
    CHECK(strcmp(analyze("one", &a), "") == 0); /* fewer tokens than n */
    a = opts_word(1, 1);
    /* Python's str.lower: final sigma, dotted I; \w is letters and numbers (U+0307 is not) */
    CHECK(strcmp(analyze("ΟΔΟΣ ΣΑΣ İstanbul x²y", &a), "οδος|σας|stanbul|x²y") == 0);
    a.strip_accents = TIDE_ACCENTS_ASCII;
    CHECK(strcmp(analyze("Café ﬁne ½", &a), "cafe|fine|12") == 0);
    a.strip_accents = TIDE_ACCENTS_UNICODE;
    CHECK(strcmp(analyze("Cafe\xcc\x81 Ærø", &a), "cafe|ærø") == 0);
    tide_analyzer_opts c = opts_word(1, 2);
    c.analyzer = TIDE_ANALYZER_CHAR;
    /* runs of 2+ white space become one space; a single tab stays */
    CHECK(strcmp(analyze("a  b\tc", &c), "a| |b|\t|c|a | b|b\t|\tc") == 0);
    c.analyzer = TIDE_ANALYZER_CHAR_WB;
    c.ngram_min = 2;
    c.ngram_max = 4;
    /* " ab " has 4 code points: n = 4 is the whole padded word, and ends the word */
    CHECK(strcmp(analyze("ab", &c), " a|ab|b | ab|ab | ab ") == 0);
    c.ngram_min = 5;
    c.ngram_max = 6;
    CHECK(strcmp(analyze("ab cdefg", &c), " ab | cdef|cdefg|defg | cdefg|cdefg ") == 0);
}

/* ---------------------------------------------------------------- count, prune, tf-idf */
static void test_count_limit_tfidf(void) {
    const char *text = "bb aa bb" "cc aa" "" "aa dd dd";
    int64_t off[] = { 0, 8, 13, 13, 21 };
    tide_docs d = { .n = 4, .kind = TIDE_DOCS_TEXT, .text = text, .doc_offsets = off };
    tide_analyzer_opts a = opts_word(1, 1);
    tide_vocab *v = tide_vocab_new();
    tide_csr_result r;
    CHECK(tide_text_count(&d, &a, v, 1, 0, &r, "test") == 0);
    CHECK(r.rows == 4 && r.cols == 4 && r.nnz == 6);
    int64_t *ip = r.indptr->storage->data;
    int32_t *ix = r.indices->storage->data;
    double *dx = r.data->storage->data;
    /* ids in order of first appearance: bb 0, aa 1, cc 2, dd 3 */
    CHECK(ip[1] == 2 && ix[0] == 0 && dx[0] == 2 && ix[1] == 1 && dx[1] == 1);
    /* keep terms in at most 2 documents: drops aa (3 documents); sorted: bb 0, cc 1, dd 2 */
    tide_vocab *removed = tide_vocab_new();
    int64_t nnz = tide_vocab_limit(v, 4, ip, ix, dx, 2, 1, -1, removed, "test");
    CHECK(nnz == 3);
    CHECK(tide_vocab_size(v) == 3 && tide_vocab_find(v, "dd", 2) == 2 && tide_vocab_find(removed, "aa", 2) == 0);
    CHECK(ip[1] == 1 && ip[2] == 2 && ip[3] == 2 && ip[4] == 3);
    CHECK(ix[0] == 0 && dx[0] == 2 && ix[1] == 1 && ix[2] == 2 && dx[2] == 2);
    /* idf = ln((1 + 4) / (1 + df)) + 1 */
    double idf[3];
    CHECK(tide_tfidf_idf(4, 3, nnz, ix, 1, idf) == 0);
    CHECK_NEAR(idf[0], log(5.0 / 2) + 1, 1e-15);
    CHECK(tide_tfidf_apply(4, 3, ip, ix, dx, idf, 0, TIDE_NORM_ROWS_L2, "test") == 3);
    CHECK_NEAR(dx[0], 1, 1e-15); /* one value per row: l2 norm 1 */
    /* an explicit zero is removed by the idf product; a zero row stays */
    int64_t zp[] = { 0, 2, 2 };
    int32_t zi[] = { 0, 1 };
    double zd[] = { 0, 3 }, w[] = { 2, 1 };
    CHECK(tide_tfidf_apply(2, 2, zp, zi, zd, w, 0, TIDE_NORM_ROWS_L1, "test") == 1);
    CHECK(zp[1] == 1 && zi[0] == 1 && zd[0] == 1);
    tide_tensor_free(r.indptr);
    tide_tensor_free(r.indices);
    tide_tensor_free(r.data);
    /* max_df below min_df; nothing left */
    CHECK(tide_vocab_limit(v, 0, ip, ix, dx, 1, 2, -1, NULL, "test") == -1 && msg_has("max_df corresponds"));
    int64_t ep[] = { 0 };
    CHECK(tide_vocab_limit(v, 0, ep, ix, dx, 5, 1, -1, NULL, "test") == -1 && msg_has("no terms remain"));
    tide_vocab_free(v);
    tide_vocab_free(removed);
}

static void test_hash(void) {
    const char *text = "akqlrggi zz akqlrggi";
    int64_t off[] = { 0, 20 };
    tide_docs d = { .n = 1, .kind = TIDE_DOCS_TEXT, .text = text, .doc_offsets = off };
    tide_analyzer_opts a = opts_word(1, 1);
    tide_csr_result r;
    CHECK(tide_text_hash(&d, &a, 1000, 1, 0, &r, "test") == 0);
    int32_t *ix = r.indices->storage->data;
    double *dx = r.data->storage->data;
    /* h = -2^31: column 2^31 mod 1000 = 648, sign -1, the two occurrences summed */
    int found = 0;
    for (int64_t k = 0; k < r.nnz; k++)
        if (ix[k] == 648) found = dx[k] == -2;
    CHECK(found);
    tide_tensor_free(r.indptr);
    tide_tensor_free(r.indices);
    tide_tensor_free(r.data);
    CHECK(tide_text_hash(&d, &a, 0, 1, 0, &r, "test") == -1 && msg_has("n_features"));
}

/* ---------------------------------------------------------------- errors */
static void test_errors(void) {
    tide_analyzer_opts a = opts_word(1, 1);
    tide_vocab *v = tide_vocab_new();
    tide_csr_result r;
    const char *text = "fine" "bad \xff";
    int64_t off[] = { 0, 4, 9 };
    tide_docs d = { .n = 2, .kind = TIDE_DOCS_TEXT, .text = text, .doc_offsets = off };
    CHECK(tide_text_count(&d, &a, v, 1, 0, &r, "fit") == -1);
    CHECK(strcmp(tide_last_error(), "fit: document 2: invalid UTF-8 at byte 5 (0xff)") == 0);
    a.decode_error = TIDE_DECODE_REPLACE;
    CHECK(strcmp(analyze("x\xff\xe2\x82y", &(tide_analyzer_opts){ .analyzer = TIDE_ANALYZER_CHAR, .ngram_min = 1,
                                                                    .ngram_max = 1, .decode_error = 1 }),
                 "x|\xef\xbf\xbd|\xef\xbf\xbd|y") == 0);
    a.decode_error = 0;
    int64_t bad_off[] = { 0, 4, 2 };
    d.doc_offsets = bad_off;
    CHECK(tide_text_count(&d, &a, v, 1, 0, &r, "fit") == -1 && msg_has("offsets decrease"));
    d.doc_offsets = off;
    a.ngram_min = 2;
    CHECK(tide_text_count(&d, &a, v, 1, 0, &r, "fit") == -1 && msg_has("lower boundary larger"));
    a = opts_word(1, 1);
    const char *stop = "";
    int64_t soff[] = { 0, 0 };
    tide_docs e = { .n = 1, .kind = TIDE_DOCS_TEXT, .text = stop, .doc_offsets = soff };
    tide_vocab *w = tide_vocab_new();
    CHECK(tide_text_count(&e, &a, w, 1, 0, &r, "fit") == -1 && msg_has("empty vocabulary"));
    CHECK(tide_text_count(NULL, &a, w, 1, 0, &r, "fit") == -1);
    /* token lists need the word analyser */
    int64_t toff[] = { 0, 1 };
    tide_docs t = { .n = 1, .kind = TIDE_DOCS_TOKENS, .text = "a", .doc_offsets = soff, .token_offsets = toff };
    soff[1] = 1;
    a.analyzer = TIDE_ANALYZER_CHAR;
    CHECK(tide_text_count(&t, &a, w, 1, 0, &r, "fit") == -1 && msg_has("analyzer"));
    tide_vocab_free(v);
    tide_vocab_free(w);
}

int main(void) {
    test_vocab();
    test_murmur();
    test_argsort();
    test_analyzer();
    test_count_limit_tfidf();
    test_hash();
    test_errors();
    return check_report("test_text_vectorize");
}
