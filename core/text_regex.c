/* text_regex.c — PCRE2 (8-bit, UTF + UCP, JIT) behind tide_regex (see tide/text_regex.h).
 *
 * A compiled pattern is read-only once built, so one tide_regex serves many threads. What a
 * match writes (match data, the JIT stack, the resume memory of tide_regex_next) lives in one
 * block per thread, created on the thread's first match and freed when the thread exits: no
 * allocation per call.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tide/text_regex.h"
#include "internal.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct tide_regex {
    pcre2_code *code;
    pcre2_match_context *mctx; /* the JIT stack callback; shared, never written after new */
    int groups;
    int jit; /* 1 when JIT compilation succeeded */
};

/* ---------------------------------------------------------------- per-thread state */

#define JIT_STACK_MIN (32 * 1024)
#define JIT_STACK_MAX (1024 * 1024)

typedef struct thread_state {
    pcre2_match_data *md; /* two pairs: the whole match and group 1 (enough: see find) */
    pcre2_jit_stack *stack;
    /* resume memory of tide_regex_next: the last match it reported */
    const tide_regex *re;
    const char *s;
    int64_t len, reported_end, match_end;
} thread_state;

static pthread_key_t state_key;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;
static int state_key_ok;
static _Thread_local thread_state *tls_state;

static void state_free(void *p) {
    thread_state *st = p;
    if (!st) return;
    pcre2_match_data_free(st->md);
    if (st->stack) pcre2_jit_stack_free(st->stack);
    free(st);
}

static void state_key_init(void) { state_key_ok = pthread_key_create(&state_key, state_free) == 0; }

static thread_state *thread_state_get(void) {
    if (tls_state) return tls_state;
    pthread_once(&state_once, state_key_init);
    thread_state *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    st->md = pcre2_match_data_create(2, NULL);
    if (!st->md) {
        free(st);
        return NULL;
    }
    /* without the key the block lives as long as the process: one small leak per thread */
    if (state_key_ok) pthread_setspecific(state_key, st);
    tls_state = st;
    return st;
}

/* PCRE2 asks for the JIT stack at each JIT match; each thread has its own, made on first use
 * (NULL makes PCRE2 use 32 KiB of the machine stack, our fallback when allocation fails). */
static pcre2_jit_stack *jit_stack_of_thread(void *unused) {
    thread_state *st = tls_state;
    if (!st) return NULL;
    if (!st->stack) st->stack = pcre2_jit_stack_create(JIT_STACK_MIN, JIT_STACK_MAX, NULL);
    return st->stack;
}

/* ---------------------------------------------------------------- compile */

static int has_u_prefix(const char *p, int64_t len) { return len >= 4 && memcmp(p, "(?u)", 4) == 0; }

tide_regex *tide_regex_new(const char *pattern, int64_t len, int flags) {
    if (!pattern) {
        TIDE_FAIL("regex: pattern is NULL");
        return NULL;
    }
    if (len < 0) {
        TIDE_FAIL("regex: pattern length %lld is negative", (long long)len);
        return NULL;
    }
    if (flags & ~TIDE_REGEX_CASELESS) {
        TIDE_FAIL("regex: unknown flags %d (allowed: TIDE_REGEX_CASELESS = 1)", flags);
        return NULL;
    }
    int64_t skip = 0;
    while (has_u_prefix(pattern + skip, len - skip)) skip += 4;

    uint32_t options = PCRE2_UTF | PCRE2_UCP;
    if (flags & TIDE_REGEX_CASELESS) options |= PCRE2_CASELESS;
    int err = 0;
    PCRE2_SIZE erroff = 0;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)(pattern + skip), (PCRE2_SIZE)(len - skip), options, &err,
                                     &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(err, msg, sizeof msg) < 0) strcpy((char *)msg, "unknown error");
        int shown = len > 200 ? 200 : (int)len;
        TIDE_FAIL("regex: %s at offset %lld in '%.*s%s'", (const char *)msg, (long long)(erroff + skip), shown,
                  pattern, len > shown ? "..." : "");
        return NULL;
    }
    tide_regex *re = calloc(1, sizeof *re);
    pcre2_match_context *mctx = pcre2_match_context_create(NULL);
    if (!re || !mctx) {
        free(re);
        pcre2_match_context_free(mctx);
        pcre2_code_free(code);
        tide_fail(TIDE_ENOMEM, "regex: out of memory");
        return NULL;
    }
    uint32_t groups = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
    re->code = code;
    re->mctx = mctx;
    re->groups = (int)groups;
    re->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    if (re->jit) pcre2_jit_stack_assign(mctx, jit_stack_of_thread, NULL);
    return re;
}

void tide_regex_free(tide_regex *re) {
    if (!re) return;
    pcre2_match_context_free(re->mctx);
    pcre2_code_free(re->code);
    free(re);
}

int tide_regex_groups(const tide_regex *re) { return re ? re->groups : 0; }

/* ---------------------------------------------------------------- match */

static int match_failed(int rc, const char *s, int64_t len) {
    PCRE2_UCHAR msg[256];
    if (pcre2_get_error_message(rc, msg, sizeof msg) < 0) strcpy((char *)msg, "unknown error");
    return TIDE_FAIL("regex: %s", (const char *)msg);
}

static int find_with(thread_state *st, const tide_regex *re, const char *s, int64_t len, int64_t start, int opts,
                     int64_t span[4]) {
    if (!re) return TIDE_FAIL("regex: the regex is NULL");
    if (!s && len > 0) return TIDE_FAIL("regex: the subject is NULL");
    if (len < 0) return TIDE_FAIL("regex: subject length %lld is negative", (long long)len);
    if (start < 0 || start > len)
        return TIDE_FAIL("regex: start %lld is outside the subject [0, %lld]", (long long)start, (long long)len);
    if (opts & ~TIDE_REGEX_VALID_UTF8)
        return TIDE_FAIL("regex: unknown options %d (allowed: TIDE_REGEX_VALID_UTF8 = 1)", opts);
    if (!s) s = "";

    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(st->md);
    int valid = opts & TIDE_REGEX_VALID_UTF8;
    uint32_t mopts = valid ? PCRE2_NO_UTF_CHECK : 0;
    PCRE2_SIZE at = (PCRE2_SIZE)start;
    for (;;) {
        int rc;
        if (re->jit && valid)
            rc = pcre2_jit_match(re->code, (PCRE2_SPTR)s, (PCRE2_SIZE)len, at, mopts, st->md, re->mctx);
        else
            rc = pcre2_match(re->code, (PCRE2_SPTR)s, (PCRE2_SIZE)len, at, mopts, st->md, re->mctx);
        if (rc == PCRE2_ERROR_NOMATCH) return 0;
        if (rc < 0) {
            if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21) {
                PCRE2_UCHAR msg[256];
                if (pcre2_get_error_message(rc, msg, sizeof msg) < 0) strcpy((char *)msg, "invalid UTF-8");
                return TIDE_FAIL("regex: invalid UTF-8 in the subject at byte %lld: %s",
                                 (long long)pcre2_get_startchar(st->md) + 1, (const char *)msg);
            }
            if (rc == PCRE2_ERROR_BADUTFOFFSET)
                return TIDE_FAIL("regex: start %lld is inside a character", (long long)start);
            return match_failed(rc, s, len);
        }
        /* rc == 0: more groups than the two pairs of md; pairs 0 and 1 are set all the same */
        PCRE2_SIZE ms = ov[0], me = ov[1];
        if (me <= ms) { /* empty match (or \K trickery): look again here, but not empty here */
            if (ms >= (PCRE2_SIZE)len) return 0;
            mopts |= PCRE2_NOTEMPTY_ATSTART;
            at = ms;
            if (me < ms) { /* start after end: step one character past the start */
                at = ms + 1;
                while (at < (PCRE2_SIZE)len && ((unsigned char)s[at] & 0xC0) == 0x80) at++;
                mopts &= ~(uint32_t)PCRE2_NOTEMPTY_ATSTART;
            }
            continue;
        }
        span[0] = (int64_t)ms;
        span[1] = (int64_t)me;
        if (re->groups == 1) {
            if (ov[2] == PCRE2_UNSET) {
                span[2] = span[3] = (int64_t)me;
            } else {
                span[2] = (int64_t)ov[2];
                span[3] = (int64_t)ov[3];
            }
        } else {
            span[2] = span[0];
            span[3] = span[1];
        }
        return 1;
    }
}

int tide_regex_find(const tide_regex *re, const char *s, int64_t len, int64_t start, int opts, int64_t span[4]) {
    if (!span) return TIDE_FAIL("regex: span is NULL");
    thread_state *st = thread_state_get();
    if (!st) return tide_fail(TIDE_ENOMEM, "regex: out of memory");
    return find_with(st, re, s, len, start, opts, span);
}

int tide_regex_next(const tide_regex *re, const char *s, int64_t len, int64_t start, int opts, int64_t *mstart,
                    int64_t *mend) {
    if (!mstart || !mend) return TIDE_FAIL("regex: mstart or mend is NULL");
    thread_state *st = thread_state_get();
    if (!st) return tide_fail(TIDE_ENOMEM, "regex: out of memory");
    /* resuming after a group that ended inside its match: go on after the whole match */
    if (re && st->re == re && st->s == s && st->len == len && start == st->reported_end && st->match_end > start)
        start = st->match_end;
    int64_t span[4];
    int rc = find_with(st, re, s, len, start, opts, span);
    if (rc != 1) {
        st->re = NULL;
        return rc;
    }
    *mstart = span[2];
    *mend = span[3];
    st->re = re;
    st->s = s;
    st->len = len;
    st->reported_end = span[3];
    st->match_end = span[1];
    return 1;
}
