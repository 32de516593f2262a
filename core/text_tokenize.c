/* text_tokenize.c — the token buffer and the simple tokenisers: whitespace, regex (findall and
 * split), character and word n-grams (scikit-learn's analyzers) and the sentence splitter.
 * The word tokeniser is in text_tokenize_word.c. See tide/tokenize.h for the contracts.
 */
#include "text_tokenize_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- UTF-8 */

int64_t tide_utf8_decode(const char *s, int64_t len, uint32_t *cps) {
    const unsigned char *u = (const unsigned char *)s;
    int64_t i = 0, n = 0;
    while (i < len) {
        /* ASCII fast path, eight bytes at a time */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            if (w & 0x8080808080808080ULL) break;
            for (int k = 0; k < 8; k++) cps[n++] = u[i + k];
            i += 8;
        }
        if (i >= len) break;
        uint32_t c = u[i];
        if (c < 0x80) {
            cps[n++] = c;
            i++;
            continue;
        }
        int need;
        uint32_t min;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            c &= 0x1F;
            min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            c &= 0x0F;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            c &= 0x07;
            min = 0x10000;
        } else {
            return -1 - i;
        }
        if (i + need >= len) return -1 - i; /* truncated */
        for (int k = 1; k <= need; k++) {
            uint32_t b = u[i + k];
            if ((b & 0xC0) != 0x80) return -1 - i;
            c = (c << 6) | (b & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return -1 - i;
        cps[n++] = c;
        i += need + 1;
    }
    return n;
}

int tide_utf8_fail(const char *op, int64_t r) {
    return TIDE_FAIL("%s: invalid UTF-8 at byte %lld", op, (long long)(-r));
}

/* ---------------------------------------------------------------- the token buffer */

tide_tokens *tide_tokens_new(void) {
    tide_tokens *t = calloc(1, sizeof *t);
    if (!t) {
        tide_fail(TIDE_ENOMEM, "tokens: out of memory");
        return NULL;
    }
    t->cap = 64;
    t->text_cap = 512;
    t->offsets = malloc((size_t)(t->cap + 1) * sizeof *t->offsets);
    t->kinds = malloc((size_t)t->cap);
    t->text = malloc((size_t)t->text_cap);
    if (!t->offsets || !t->kinds || !t->text) {
        tide_tokens_free(t);
        tide_fail(TIDE_ENOMEM, "tokens: out of memory");
        return NULL;
    }
    t->offsets[0] = 0;
    return t;
}

void tide_tokens_free(tide_tokens *t) {
    if (!t) return;
    free(t->text);
    free(t->offsets);
    free(t->kinds);
    free(t->scratch);
    free(t);
}

void tide_tokens_clear(tide_tokens *t) {
    if (!t) return;
    t->n = 0;
    t->offsets[0] = 0;
}

int tide_tokens_reserve(tide_tokens *t, int64_t ntok, int64_t nbytes, const char *op) {
    if (t->n + ntok > t->cap) {
        int64_t cap = t->cap * 2;
        if (cap < t->n + ntok) cap = t->n + ntok;
        int64_t *off = realloc(t->offsets, (size_t)(cap + 1) * sizeof *off);
        if (!off) return tide_fail(TIDE_ENOMEM, "%s: out of memory for %lld tokens", op, (long long)cap);
        t->offsets = off;
        uint8_t *k = realloc(t->kinds, (size_t)cap);
        if (!k) return tide_fail(TIDE_ENOMEM, "%s: out of memory for %lld tokens", op, (long long)cap);
        t->kinds = k;
        t->cap = cap;
    }
    int64_t used = t->offsets[t->n];
    if (used + nbytes > t->text_cap) {
        int64_t cap = t->text_cap * 2;
        if (cap < used + nbytes) cap = used + nbytes;
        char *x = realloc(t->text, (size_t)cap);
        if (!x) return tide_fail(TIDE_ENOMEM, "%s: out of memory for %lld bytes of tokens", op, (long long)cap);
        t->text = x;
        t->text_cap = cap;
    }
    return 0;
}

void *tide_tokens_scratch(tide_tokens *t, int64_t bytes, const char *op) {
    if (bytes > t->scratch_cap) {
        int64_t cap = t->scratch_cap * 2;
        if (cap < bytes) cap = bytes;
        void *p = realloc(t->scratch, (size_t)cap);
        if (!p) {
            tide_fail(TIDE_ENOMEM, "%s: out of memory for %lld bytes", op, (long long)cap);
            return NULL;
        }
        t->scratch = p;
        t->scratch_cap = cap;
    }
    return t->scratch;
}

int tide_tokens_push(tide_tokens *t, const char *s, int64_t len, int kind, const char *op) {
    if (!op) op = "tokens";
    if (!t) return TIDE_FAIL("%s: the token buffer is NULL", op);
    if (len < 0 || (!s && len > 0)) return TIDE_FAIL("%s: bad token (length %lld)", op, (long long)len);
    if (kind < 0 || kind > 255) return TIDE_FAIL("%s: token kind %d is not in [0, 255]", op, kind);
    uint32_t *cps = tide_tokens_scratch(t, 4 * (len + 1), op);
    if (!cps) return -1;
    int64_t r = tide_utf8_decode(s, len, cps);
    if (r < 0) return TIDE_FAIL("%s: token %lld: invalid UTF-8 at byte %lld", op, (long long)t->n + 1, (long long)-r);
    if (tide_tokens_reserve(t, 1, len, op) < 0) return -1;
    tide_tokens_put(t, s, len, kind);
    return 1;
}

/* Common checks of a tokeniser's arguments; decodes s into the scratch (returns the code point
 * count, or -1). extra: scratch bytes wanted after the code points, per code point. */
static int64_t begin(const char *op, const char *s, int64_t len, tide_tokens *t, int64_t extra, uint32_t **cps) {
    if (!t) return TIDE_FAIL("%s: the token buffer is NULL", op);
    if (len < 0) return TIDE_FAIL("%s: length %lld is negative", op, (long long)len);
    if (!s && len > 0) return TIDE_FAIL("%s: the text is NULL", op);
    *cps = tide_tokens_scratch(t, (4 + extra) * (len + 1), op);
    if (!*cps) return -1;
    int64_t n = tide_utf8_decode(s ? s : "", len, *cps);
    if (n < 0) return tide_utf8_fail(op, n);
    return n;
}

/* ---------------------------------------------------------------- whitespace, regex */

int64_t tide_whitespace_tokenize(const char *s, int64_t len, tide_tokens *t) {
    const char *op = "whitespace_tokenize";
    uint32_t *cps;
    int64_t n = begin(op, s, len, t, 0, &cps);
    if (n < 0) return -1;
    int64_t n0 = t->n, b = 0;
    /* walk bytes and code points together */
    for (int64_t i = 0; i < n;) {
        while (i < n && tide_py_isspace(cps[i])) b += utf8_len(cps[i++]);
        if (i >= n) break;
        int64_t start = b;
        while (i < n && !tide_py_isspace(cps[i])) {
            b += utf8_len(cps[i++]);
        }
        if (tide_tokens_reserve(t, 1, b - start, op) < 0) {
            t->n = n0;
            return -1;
        }
        tide_tokens_put(t, s + start, b - start, TIDE_TOKEN_NONE);
    }
    return t->n - n0;
}

int64_t tide_regex_tokenize(const tide_regex *re, const char *s, int64_t len, int gaps, tide_tokens *t) {
    const char *op = "regex_tokenize";
    if (!re) return TIDE_FAIL("%s: the regex is NULL", op);
    uint32_t *cps;
    if (begin(op, s, len, t, 0, &cps) < 0) return -1;
    if (!s) s = "";
    int64_t n0 = t->n, at = 0, span[4], piece = 0;
    int rc;
    while ((rc = tide_regex_find(re, s, len, at, TIDE_REGEX_VALID_UTF8, span)) == 1) {
        int64_t a = gaps ? piece : span[2], b = gaps ? span[0] : span[3];
        if (b > a || !gaps) {
            if (tide_tokens_reserve(t, 1, b - a, op) < 0) goto fail;
            tide_tokens_put(t, s + a, b - a, TIDE_TOKEN_NONE);
        }
        piece = at = span[1];
    }
    if (rc < 0) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s", tide_last_error());
        TIDE_FAIL("%s: %s", op, strncmp(msg, "regex: ", 7) == 0 ? msg + 7 : msg);
        goto fail;
    }
    if (gaps && len > piece) {
        if (tide_tokens_reserve(t, 1, len - piece, op) < 0) goto fail;
        tide_tokens_put(t, s + piece, len - piece, TIDE_TOKEN_NONE);
    }
    return t->n - n0;
fail:
    t->n = n0;
    return -1;
}

/* ---------------------------------------------------------------- n-grams */

static int check_range(const char *op, int n_min, int n_max) {
    if (n_min < 1) return TIDE_FAIL("%s: n_min must be >= 1, got %d", op, n_min);
    if (n_max < n_min) return TIDE_FAIL("%s: n_max (%d) must be >= n_min (%d)", op, n_max, n_min);
    return 0;
}

/* Append the n-grams of the code points w[0..m) whose UTF-8 start offsets are bo[0..m] (bo[m] the
 * end) and bytes are u, for one n, in order; sklearn's char analyzer for one n. */
static int put_ngrams(tide_tokens *t, const char *u, const int64_t *bo, int64_t m, int n, const char *op) {
    int64_t count = m - n + 1;
    if (count <= 0) return 0;
    if (tide_tokens_reserve(t, count, bo[m] * (int64_t)n, op) < 0) return -1;
    for (int64_t i = 0; i < count; i++) tide_tokens_put(t, u + bo[i], bo[i + n] - bo[i], TIDE_TOKEN_NONE);
    return 0;
}

int64_t tide_char_ngrams(const char *s, int64_t len, int n_min, int n_max, int wb, tide_tokens *t) {
    const char *op = "char_ngrams";
    if (check_range(op, n_min, n_max) < 0) return -1;
    uint32_t *cps;
    /* scratch: code points, then the normalised text's bytes (+2 for padding) and offsets */
    int64_t n = begin(op, s, len, t, 4 + 4 + 8 + 8, &cps);
    if (n < 0) return -1;
    /* sklearn's _white_spaces.sub(" ", text): runs of two or more whitespace become one space */
    int64_t m = 0;
    for (int64_t i = 0; i < n;) {
        if (tide_py_isspace(cps[i]) && i + 1 < n && tide_py_isspace(cps[i + 1])) {
            while (i < n && tide_py_isspace(cps[i])) i++;
            cps[m++] = ' ';
        } else {
            cps[m++] = cps[i++];
        }
    }
    int64_t *bo = (int64_t *)((char *)t->scratch + (((4 * (len + 1)) + 7) & ~(int64_t)7));
    char *u = (char *)(bo + len + 4);
    int64_t n0 = t->n;
    if (!wb) {
        int64_t b = 0;
        for (int64_t i = 0; i < m; i++) {
            bo[i] = b;
            b += tide_utf8_put(cps[i], u + b);
        }
        bo[m] = b;
        for (int k = n_min; k <= n_max && k <= m; k++)
            if (put_ngrams(t, u, bo, m, k, op) < 0) goto fail;
        return t->n - n0;
    }
    for (int64_t i = 0; i < m;) {
        while (i < m && tide_py_isspace(cps[i])) i++;
        if (i >= m) break;
        /* " word " into u / bo */
        int64_t b = 0, w = 0;
        bo[w++] = b;
        u[b++] = ' ';
        while (i < m && !tide_py_isspace(cps[i])) {
            bo[w++] = b;
            b += tide_utf8_put(cps[i++], u + b);
        }
        bo[w++] = b;
        u[b++] = ' ';
        bo[w] = b;
        for (int k = n_min; k <= n_max; k++) {
            if (w <= k) { /* the padded word whole, once, and no longer n-grams */
                if (tide_tokens_reserve(t, 1, b, op) < 0) goto fail;
                tide_tokens_put(t, u, b, TIDE_TOKEN_NONE);
                break;
            }
            if (put_ngrams(t, u, bo, w, k, op) < 0) goto fail;
        }
    }
    return t->n - n0;
fail:
    t->n = n0;
    return -1;
}

int64_t tide_word_ngrams(const tide_tokens *in, int64_t first, int64_t count, int n_min, int n_max,
                         tide_tokens *out) {
    const char *op = "word_ngrams";
    if (!in || !out) return TIDE_FAIL("%s: a token buffer is NULL", op);
    if (in == out) return TIDE_FAIL("%s: the input and output buffers must differ", op);
    if (first < 0 || count < 0 || first + count > in->n)
        return TIDE_FAIL("%s: tokens [%lld, %lld) are outside the buffer of %lld", op, (long long)first,
                         (long long)(first + count), (long long)in->n);
    if (check_range(op, n_min, n_max) < 0) return -1;
    const int64_t *o = in->offsets + first;
    int64_t n0 = out->n;
    for (int k = n_min; k <= n_max && k <= count; k++) {
        int64_t grams = count - k + 1;
        /* bytes: every token in at most k n-grams, plus the spaces */
        int64_t bytes = (o[count] - o[0]) * (int64_t)k + grams * (k - 1);
        if (tide_tokens_reserve(out, grams, bytes, op) < 0) {
            out->n = n0;
            return -1;
        }
        for (int64_t i = 0; i < grams; i++) {
            int64_t at = out->offsets[out->n];
            char *d = out->text + at;
            for (int j = 0; j < k; j++) {
                if (j) *d++ = ' ';
                int64_t a = o[i + j], b = o[i + j + 1];
                memcpy(d, in->text + a, (size_t)(b - a));
                d += b - a;
            }
            out->kinds[out->n] = TIDE_TOKEN_NONE;
            out->offsets[++out->n] = d - out->text;
        }
    }
    return out->n - n0;
}

/* ---------------------------------------------------------------- sentences */

static int is_terminator(uint32_t c) {
    return c == '.' || c == '!' || c == '?' || c == 0x2026 /* … */ || c == 0x203C /* ‼ */ || c == 0x2047 ||
           c == 0x2048 || c == 0x2049 || c == 0x3002 /* 。 */ || c == 0xFF01 || c == 0xFF1F || c == 0xFF0E;
}
static int is_cjk_terminator(uint32_t c) { return c == 0x3002 || c == 0xFF01 || c == 0xFF1F; }
static int is_closer(uint32_t c) {
    return c == '"' || c == '\'' || c == ')' || c == ']' || c == '}' || c == 0x201D || c == 0x2019 || c == 0xBB ||
           c == 0x300D || c == 0x300F || c == 0xFF09;
}
static int is_opener(uint32_t c) {
    return c == '"' || c == '\'' || c == '(' || c == '[' || c == '{' || c == 0x201C || c == 0x2018 || c == 0xAB ||
           c == 0x300C || c == 0x300E;
}
static int is_upper(uint32_t c) {
    int cat = tide_category(c);
    return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
}
static int is_alpha(uint32_t c) {
    int cat = tide_category(c);
    return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

/* Abbreviations (lowercase, without the final period). ALWAYS: never end a sentence (titles,
 * Latin, months); NUMERIC: not before a number ("No. 5", "pp. 12"); SOMETIMES: end one only
 * when the next word is capitalised ("Acme Inc. Then" but "Acme Inc. and"). Dotted acronyms
 * (U.S., a.m., Ph.D.) and unknown ones with inner periods count as SOMETIMES. */
static const char *const ABBR_ALWAYS[] = {
    "mr", "mrs", "ms", "dr", "prof", "rev", "gen", "gov", "capt", "col", "lt", "sgt", "cmdr", "adm", "maj",
    "hon", "pres", "sen", "rep", "st", "mt", "ft", "mme", "mlle", "messrs", "sr", "vs", "v", "cf", "e.g",
    "i.e", "viz", "approx", "ca", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "dept", "univ", "assn", "est", "eg", "ie", "ave", "blvd", "rd", "mssrs", NULL};
static const char *const ABBR_NUMERIC[] = {"no", "nos", "vol", "vols", "pp", "p", "fig", "figs", "art", "sec",
                                           "ch", "eq", "ex", "para", "pg", "op", "nr", NULL};
static const char *const ABBR_SOMETIMES[] = {"etc", "inc", "ltd", "co", "corp", "jr", "al", "llc", "plc",
                                             "bros", "dept", "min", "max", "hrs", "mins", "yrs", NULL};

/* Is cps[a..b) (ASCII letters and periods) in list, ignoring case? */
static int in_list(const uint32_t *cps, int64_t a, int64_t b, const char *const *list) {
    if (b - a > 10) return 0;
    char w[12];
    for (int64_t i = a; i < b; i++) {
        uint32_t c = cps[i];
        if (c >= 0x80) return 0;
        w[i - a] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    w[b - a] = 0;
    for (int i = 0; list[i]; i++)
        if (strcmp(w, list[i]) == 0) return 1;
    return 0;
}

/* The first character of the next word after position j (skipping spaces and openers), or 0. */
static uint32_t next_word_char(const uint32_t *cps, int64_t n, int64_t j) {
    while (j < n && (tide_py_isspace(cps[j]) || is_opener(cps[j]))) j++;
    return j < n ? cps[j] : 0;
}

/* Does the terminator run cps[i..e) (closers up to j) end a sentence? */
static int ends_sentence(const uint32_t *cps, int64_t n, int64_t i, int64_t e, int64_t j) {
    uint32_t next = next_word_char(cps, n, j);
    if (next == 0) return 1;
    int dots = 0, others = 0;
    for (int64_t k = i; k < e; k++) {
        if (cps[k] == '.') dots++;
        else if (cps[k] == 0x2026) dots += 3;
        else others++;
    }
    int capital_next = is_upper(next);
    if (others) /* ! ? (with or without dots): a sentence, unless a quote closes it mid-sentence */
        return j > e ? !(is_alpha(next) && !capital_next) : 1;
    if (dots > 1) return capital_next; /* an ellipsis: only before a capital */
    /* one period: look at the word before it */
    int64_t ws = i;
    int inner_dot = 0;
    while (ws > 0 && (is_alpha(cps[ws - 1]) || cps[ws - 1] == '.')) {
        ws--;
        if (cps[ws] == '.') inner_dot = 1;
    }
    if (ws == i) return 1;
    if (i - ws == 1 && is_upper(cps[ws]) && cps[ws] != 'I') return 0; /* an initial: J. K. Rowling */
    if (in_list(cps, ws, i, ABBR_ALWAYS)) return 0;
    if (in_list(cps, ws, i, ABBR_NUMERIC)) return !(next >= '0' && next <= '9');
    if (inner_dot || in_list(cps, ws, i, ABBR_SOMETIMES)) return capital_next;
    return 1;
}

static int put_sentence(tide_tokens *t, const char *s, const int64_t *bo, const uint32_t *cps, int64_t a, int64_t b,
                        const char *op) {
    while (a < b && tide_py_isspace(cps[a])) a++;
    while (b > a && tide_py_isspace(cps[b - 1])) b--;
    if (a == b) return 0;
    if (tide_tokens_reserve(t, 1, bo[b] - bo[a], op) < 0) return -1;
    tide_tokens_put(t, s + bo[a], bo[b] - bo[a], TIDE_TOKEN_NONE);
    return 0;
}

int64_t tide_sentences(const char *s, int64_t len, const tide_sentence_opts *o, tide_tokens *t) {
    const char *op = "sentences";
    tide_sentence_opts def = {0, 1};
    if (!o) o = &def;
    uint32_t *cps;
    int64_t n = begin(op, s, len, t, 12, &cps);
    if (n < 0) return -1;
    int64_t *bo = (int64_t *)((char *)t->scratch + (((4 * (len + 1)) + 7) & ~(int64_t)7));
    for (int64_t i = 0, b = 0; i <= n; i++) {
        bo[i] = b;
        if (i < n) b += utf8_len(cps[i]);
    }
    int64_t n0 = t->n, start = 0;
    for (int64_t i = 0; i < n;) {
        uint32_t c = cps[i];
        if (c == '\n' || c == '\r' || c == 0x2029) {
            int64_t j = i + 1;
            if (c == '\r' && j < n && cps[j] == '\n') j++;
            int64_t k = j;
            while (k < n && tide_py_isspace(cps[k]) && cps[k] != '\n' && cps[k] != '\r') k++;
            int blank = c == 0x2029 || (k < n && (cps[k] == '\n' || cps[k] == '\r'));
            if (o->newlines || (o->paragraphs && blank)) {
                if (put_sentence(t, s, bo, cps, start, i, op) < 0) goto fail;
                start = j;
            }
            i = j;
            continue;
        }
        if (!is_terminator(c)) {
            i++;
            continue;
        }
        int64_t e = i;
        int cjk = 0;
        while (e < n && is_terminator(cps[e])) cjk |= is_cjk_terminator(cps[e++]);
        int64_t j = e;
        while (j < n && is_closer(cps[j])) j++;
        if ((cjk || j == n || tide_py_isspace(cps[j])) && ends_sentence(cps, n, i, e, j)) {
            if (put_sentence(t, s, bo, cps, start, j, op) < 0) goto fail;
            start = j;
        }
        i = j > e ? j : e;
    }
    if (put_sentence(t, s, bo, cps, start, n, op) < 0) goto fail;
    return t->n - n0;
fail:
    t->n = n0;
    return -1;
}
