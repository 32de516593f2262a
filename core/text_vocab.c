/* text_vocab.c — the vectorisers' vocabulary (term -> id hash map over an arena of term bytes),
 * fit's pruning and sorting of the vocabulary (scikit-learn's _limit_features and _sort_features,
 * with NumPy's argsort for max_features ties) and MurmurHash3 for the hashing vectoriser.
 * See tide/vectorize.h. */
#include "internal.h"
#include "tide/vectorize.h"
#include "text_vectorize_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the hash map
 * Open addressing with linear probing over a power-of-two table of slots {id + 1, 32 bits of the
 * hash}; the tag avoids touching the term bytes on most mismatches. Terms are appended to one
 * arena in id order, so term id is arena[off[id] .. off[id + 1]). Load factor <= 1/2. */
typedef struct slot {
    uint32_t id1; /* id + 1; 0: empty */
    uint32_t tag;
} slot;

struct tide_vocab {
    char *arena;
    int64_t arena_cap;
    int64_t *off;   /* [cap + 1] */
    uint64_t *hash; /* [cap] */
    int64_t n, cap;
    slot *slots;
    uint64_t mask;  /* nslots - 1 */
};

#define VOCAB_MAX_TERMS ((int64_t)INT32_MAX - 1)

static inline uint64_t mix64(uint64_t h) {
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    return h;
}

uint64_t tide_text_hash_bytes(const char *s, int64_t len) {
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)len;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        s += 8;
        len -= 8;
    }
    if (len > 0) {
        uint64_t w = 0;
        memcpy(&w, s, (size_t)len);
        h = (h ^ w) * 0x94d049bb133111ebull;
        h ^= h >> 29;
    }
    return mix64(h);
}

tide_vocab *tide_vocab_new(void) {
    tide_vocab *v = calloc(1, sizeof *v);
    if (!v) goto fail;
    v->cap = 64;
    v->arena_cap = 1024;
    v->off = malloc(sizeof(int64_t) * (size_t)(v->cap + 1));
    v->hash = malloc(sizeof(uint64_t) * (size_t)v->cap);
    v->arena = malloc((size_t)v->arena_cap);
    v->slots = calloc(128, sizeof(slot));
    v->mask = 127;
    if (!v->off || !v->hash || !v->arena || !v->slots) goto fail;
    v->off[0] = 0;
    return v;
fail:
    tide_vocab_free(v);
    tide_fail(TIDE_ENOMEM, "vocabulary: out of memory");
    return NULL;
}

void tide_vocab_free(tide_vocab *v) {
    if (!v) return;
    free(v->arena);
    free(v->off);
    free(v->hash);
    free(v->slots);
    free(v);
}

int64_t tide_vocab_size(const tide_vocab *v) { return v ? v->n : 0; }
int64_t tide_vocab_bytes(const tide_vocab *v) { return v ? v->off[v->n] : 0; }

const char *tide_vocab_term(const tide_vocab *v, int64_t id, int64_t *len) {
    if (!v || id < 0 || id >= v->n) return NULL;
    *len = v->off[id + 1] - v->off[id];
    return v->arena + v->off[id];
}

/* a[0..n) == b[0..n), inline for short terms (most are) */
static inline int same_bytes(const char *a, const char *b, int64_t n) {
    if (n >= 8) {
        if (n > 16) return memcmp(a, b, (size_t)n) == 0;
        uint64_t x0, y0, x1, y1;
        memcpy(&x0, a, 8);
        memcpy(&y0, b, 8);
        memcpy(&x1, a + n - 8, 8);
        memcpy(&y1, b + n - 8, 8);
        return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    if (n >= 4) {
        uint32_t x0, y0, x1, y1;
        memcpy(&x0, a, 4);
        memcpy(&y0, b, 4);
        memcpy(&x1, a + n - 4, 4);
        memcpy(&y1, b + n - 4, 4);
        return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    for (int64_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static inline int64_t lookup(const tide_vocab *v, const char *s, int64_t len, uint64_t h, uint64_t *pos) {
    uint64_t i = h & v->mask;
    uint32_t tag = (uint32_t)(h >> 32);
    for (;;) {
        slot e = v->slots[i];
        if (e.id1 == 0) break;
        if (e.tag == tag) {
            int64_t id = (int64_t)e.id1 - 1;
            int64_t a = v->off[id];
            if (v->off[id + 1] - a == len && same_bytes(v->arena + a, s, len)) return id;
        }
        i = (i + 1) & v->mask;
    }
    *pos = i;
    return -1;
}

void tide_text_vocab_prefetch(const tide_vocab *v, uint64_t h) { __builtin_prefetch(&v->slots[h & v->mask]); }

void tide_text_vocab_prefetch_term(const tide_vocab *v, uint64_t h) {
    slot e = v->slots[h & v->mask];
    if (e.id1) __builtin_prefetch(&v->off[e.id1 - 1]);
}

int64_t tide_text_vocab_find_hashed(const tide_vocab *v, const char *s, int64_t len, uint64_t h) {
    uint64_t pos;
    return lookup(v, s, len, h, &pos);
}

int64_t tide_vocab_find(const tide_vocab *v, const char *s, int64_t len) {
    if (!v || len < 0 || (!s && len > 0)) return -1;
    return tide_text_vocab_find_hashed(v, s, len, tide_text_hash_bytes(s, len));
}

static int rehash(tide_vocab *v, uint64_t nslots) {
    slot *t = calloc((size_t)nslots, sizeof(slot));
    if (!t) return -1;
    uint64_t mask = nslots - 1;
    for (int64_t id = 0; id < v->n; id++) {
        uint64_t h = v->hash[id], i = h & mask;
        while (t[i].id1) i = (i + 1) & mask;
        t[i].id1 = (uint32_t)(id + 1);
        t[i].tag = (uint32_t)(h >> 32);
    }
    free(v->slots);
    v->slots = t;
    v->mask = mask;
    return 0;
}

static int reserve_terms(tide_vocab *v, int64_t extra_bytes) {
    if (v->n + 1 > v->cap) {
        int64_t cap = v->cap * 2;
        int64_t *off = realloc(v->off, sizeof(int64_t) * (size_t)(cap + 1));
        if (!off) return -1;
        v->off = off;
        uint64_t *hash = realloc(v->hash, sizeof(uint64_t) * (size_t)cap);
        if (!hash) return -1;
        v->hash = hash;
        v->cap = cap;
    }
    int64_t need = v->off[v->n] + extra_bytes;
    if (need > v->arena_cap) {
        int64_t cap = v->arena_cap * 2;
        while (cap < need) cap *= 2;
        char *a = realloc(v->arena, (size_t)cap);
        if (!a) return -1;
        v->arena = a;
        v->arena_cap = cap;
    }
    return 0;
}

int64_t tide_text_vocab_add_hashed(tide_vocab *v, const char *s, int64_t len, uint64_t h) {
    uint64_t pos;
    int64_t id = lookup(v, s, len, h, &pos);
    if (id >= 0) return id;
    if (v->n >= VOCAB_MAX_TERMS) {
        TIDE_FAIL("vocabulary: more than %lld terms", (long long)VOCAB_MAX_TERMS);
        return -1;
    }
    if (reserve_terms(v, len) != 0) {
        tide_fail(TIDE_ENOMEM, "vocabulary: out of memory at %lld terms", (long long)v->n);
        return -1;
    }
    id = v->n;
    memcpy(v->arena + v->off[id], s, (size_t)len);
    v->off[id + 1] = v->off[id] + len;
    v->hash[id] = h;
    v->slots[pos].id1 = (uint32_t)(id + 1);
    v->slots[pos].tag = (uint32_t)(h >> 32);
    v->n++;
    if ((uint64_t)v->n * 2 > v->mask + 1 && rehash(v, (v->mask + 1) * 2) != 0) {
        /* the table stays valid (just fuller); report the failure */
        tide_fail(TIDE_ENOMEM, "vocabulary: out of memory at %lld terms", (long long)v->n);
        return -1;
    }
    return id;
}

int64_t tide_vocab_add(tide_vocab *v, const char *s, int64_t len) {
    if (!v || len < 0 || (!s && len > 0)) {
        TIDE_FAIL("vocabulary.add: bad arguments");
        return -1;
    }
    return tide_text_vocab_add_hashed(v, s, len, tide_text_hash_bytes(s, len));
}

int64_t tide_vocab_add_list(tide_vocab *v, const char *text, const int64_t *offsets, int64_t n,
                            int64_t *first_repeat) {
    if (first_repeat) *first_repeat = -1;
    if (!v || n < 0 || (n > 0 && (!offsets || !text))) {
        TIDE_FAIL("vocabulary.add_list: bad arguments");
        return -1;
    }
    for (int64_t i = 0; i < n; i++) {
        if (offsets[i + 1] < offsets[i] || offsets[i] < 0) {
            TIDE_FAIL("vocabulary.add_list: offsets must be non-decreasing (term %lld)", (long long)i);
            return -1;
        }
    }
    int64_t before = v->n;
    for (int64_t i = 0; i < n; i++) {
        int64_t size = v->n;
        if (tide_vocab_add(v, text + offsets[i], offsets[i + 1] - offsets[i]) < 0) return -1;
        if (v->n == size && first_repeat && *first_repeat < 0) *first_repeat = i;
    }
    return v->n - before;
}

int tide_vocab_terms(const tide_vocab *v, char *text, int64_t *offsets) {
    if (!v || !offsets || (!text && v->off[v->n] > 0)) return TIDE_FAIL("vocabulary.terms: bad arguments");
    if (v->off[v->n]) memcpy(text, v->arena, (size_t)v->off[v->n]);
    memcpy(offsets, v->off, sizeof(int64_t) * (size_t)(v->n + 1));
    return 0;
}

/* ---------------------------------------------------------------- MurmurHash3 x86 32 */
static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

int32_t tide_murmurhash3_32(const char *s, int64_t len, uint32_t seed) {
    const uint8_t *p = (const uint8_t *)s;
    const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
    uint32_t h = seed;
    int64_t nblocks = len / 4;
    for (int64_t i = 0; i < nblocks; i++) {
        uint32_t k;
        memcpy(&k, p + 4 * i, 4); /* little-endian, as scikit-learn's build on x86 */
        k *= c1;
        k = rotl32(k, 15);
        k *= c2;
        h ^= k;
        h = rotl32(h, 13);
        h = h * 5 + 0xe6546b64u;
    }
    const uint8_t *tail = p + 4 * nblocks;
    uint32_t k = 0;
    switch (len & 3) {
    case 3: k ^= (uint32_t)tail[2] << 16; /* fall through */
    case 2: k ^= (uint32_t)tail[1] << 8;  /* fall through */
    case 1:
        k ^= tail[0];
        k *= c1;
        k = rotl32(k, 15);
        k *= c2;
        h ^= k;
    }
    h ^= (uint32_t)len;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return (int32_t)h;
}

/* ---------------------------------------------------------------- NumPy's argsort
 * npy_aquicksort (numpy/core/src/npysort/quicksort.cpp, NumPy 1.24, the default kind for
 * argsort): introsort, median of three, insertion sort up to 16 elements, heapsort past a depth
 * of 2 log2(n). Not stable, so which of several equal totals max_features keeps depends on
 * exactly these steps; ported as written. */
#define SMALL_QUICKSORT 15 /* partitions start at 17 elements, as NumPy 1.24's argsort does (checked against it) */
#define PYA_QS_STACK 128

/* Move tmp down the 1-based heap a[1..n] from position i (the larger child climbs). */
static void asift_down(const double *v, int64_t *a, int64_t i, int64_t n, int64_t tmp) {
    for (int64_t j = i << 1; j <= n;) {
        if (j < n && v[a[j]] < v[a[j + 1]]) j += 1;
        if (v[tmp] < v[a[j]]) {
            a[i] = a[j];
            i = j;
            j += j;
        } else break;
    }
    a[i] = tmp;
}

static void aheapsort(const double *v, int64_t *tosort, int64_t n) {
    int64_t *a = tosort - 1; /* 1-based heap indexing */
    for (int64_t l = n >> 1; l > 0; --l) asift_down(v, a, l, n, a[l]);
    for (; n > 1;) {
        int64_t tmp = a[n];
        a[n] = a[1];
        n -= 1;
        asift_down(v, a, 1, n, tmp);
    }
}

#define ISWAP(a, b)                                                                                                    \
    do {                                                                                                               \
        int64_t t_ = (a);                                                                                              \
        (a) = (b);                                                                                                     \
        (b) = t_;                                                                                                      \
    } while (0)

void tide_text_numpy_argsort(const double *v, int64_t *tosort, int64_t num) {
    for (int64_t i = 0; i < num; i++) tosort[i] = i;
    if (num < 2) return;
    double vp;
    int64_t *pl = tosort, *pr = tosort + num - 1;
    int64_t *stack[PYA_QS_STACK], **sptr = stack;
    int64_t *pm, *pi, *pj, *pk, vi;
    int depth[PYA_QS_STACK], *psdepth = depth;
    int cdepth = 0;
    for (uint64_t u = (uint64_t)num; u >>= 1;) cdepth++;
    cdepth *= 2;
    for (;;) {
        if (cdepth < 0) {
            aheapsort(v, pl, pr - pl + 1);
            goto stack_pop;
        }
        while ((pr - pl) > SMALL_QUICKSORT) {
            pm = pl + ((pr - pl) >> 1);
            if (v[*pm] < v[*pl]) ISWAP(*pm, *pl);
            if (v[*pr] < v[*pm]) ISWAP(*pr, *pm);
            if (v[*pm] < v[*pl]) ISWAP(*pm, *pl);
            vp = v[*pm];
            pi = pl;
            pj = pr - 1;
            ISWAP(*pm, *pj);
            for (;;) {
                do ++pi;
                while (v[*pi] < vp);
                do --pj;
                while (vp < v[*pj]);
                if (pi >= pj) break;
                ISWAP(*pi, *pj);
            }
            pk = pr - 1;
            ISWAP(*pi, *pk);
            /* push the larger partition on the stack */
            if (pi - pl < pr - pi) {
                *sptr++ = pi + 1;
                *sptr++ = pr;
                pr = pi - 1;
            } else {
                *sptr++ = pl;
                *sptr++ = pi - 1;
                pl = pi + 1;
            }
            *psdepth++ = --cdepth;
        }
        /* insertion sort */
        for (pi = pl + 1; pi <= pr; ++pi) {
            vi = *pi;
            vp = v[vi];
            pj = pi;
            pk = pi - 1;
            while (pj > pl && vp < v[*pk]) *pj-- = *pk--;
            *pj = vi;
        }
    stack_pop:
        if (sptr == stack) break;
        pr = *(--sptr);
        pl = *(--sptr);
        cdepth = *(--psdepth);
    }
}

/* ---------------------------------------------------------------- sorting terms
 * By bytes (memcmp, then length: Python's str order for UTF-8). Each term carries its first 16
 * bytes as big-endian keys, so most comparisons never touch the arena. */
typedef struct term_key {
    uint64_t key, key2; /* bytes 0..7 and 8..15, big-endian, zero-padded */
    int64_t id;
} term_key;

static inline int term_cmp(const tide_vocab *v, const term_key *x, const term_key *y) {
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    if (x->key2 != y->key2) return x->key2 < y->key2 ? -1 : 1;
    int64_t lx = v->off[x->id + 1] - v->off[x->id], ly = v->off[y->id + 1] - v->off[y->id];
    int c = memcmp(v->arena + v->off[x->id], v->arena + v->off[y->id], (size_t)(lx < ly ? lx : ly));
    if (c) return c;
    return lx < ly ? -1 : lx > ly;
}

static void merge_sort_keys(const tide_vocab *v, term_key *a, term_key *tmp, int64_t n) {
    if (n <= 16) {
        for (int64_t i = 1; i < n; i++) {
            term_key x = a[i];
            int64_t j = i;
            while (j > 0 && term_cmp(v, &a[j - 1], &x) > 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    int64_t h = n / 2;
    merge_sort_keys(v, a, tmp, h);
    merge_sort_keys(v, a + h, tmp, n - h);
    if (term_cmp(v, &a[h - 1], &a[h]) <= 0) return;
    int64_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = term_cmp(v, &a[j], &a[i]) < 0 ? a[j++] : a[i++];
    while (i < h) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, sizeof(term_key) * (size_t)n);
}

/* order[0..m) = the ids of v sorted by term. */
static int sort_terms(const tide_vocab *v, int64_t *order) {
    int64_t m = v->n;
    term_key *a = malloc(sizeof(term_key) * ((size_t)m + 1)), *tmp = malloc(sizeof(term_key) * ((size_t)m + 1));
    if (!a || !tmp) {
        free(a);
        free(tmp);
        return -1;
    }
    for (int64_t id = 0; id < m; id++) {
        const uint8_t *s = (const uint8_t *)v->arena + v->off[id];
        int64_t len = v->off[id + 1] - v->off[id];
        uint64_t key = 0, key2 = 0;
        for (int k = 0; k < 8; k++) key = (key << 8) | (k < len ? s[k] : 0);
        for (int k = 8; k < 16; k++) key2 = (key2 << 8) | (k < len ? s[k] : 0);
        a[id].key = key;
        a[id].key2 = key2;
        a[id].id = id;
    }
    merge_sort_keys(v, a, tmp, m);
    for (int64_t k = 0; k < m; k++) order[k] = a[k].id;
    free(a);
    free(tmp);
    return 0;
}

/* ---------------------------------------------------------------- CSR rows */

/* ascending sort of 64-bit keys: quicksort (median of three), insertion sort below 24 */
static void sort_u64(uint64_t *a, int64_t n) {
    while (n > 24) {
        uint64_t x = a[0], y = a[n / 2], z = a[n - 1];
        uint64_t piv = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        int64_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < piv) i++;
            while (a[j] > piv) j--;
            if (i >= j) break;
            uint64_t t = a[i];
            a[i++] = a[j];
            a[j--] = t;
        }
        /* a[0..j] <= piv <= a[j+1..n): recurse on the smaller side */
        if (j + 1 < n - j - 1) {
            sort_u64(a, j + 1);
            a += j + 1;
            n -= j + 1;
        } else {
            sort_u64(a + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (int64_t i = 1; i < n; i++) {
        uint64_t x = a[i];
        int64_t j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

int tide_text_sort_row(int32_t *idx, double *val, int64_t n, tide_text_scratch *sc) {
    if (n <= 32) {
        for (int64_t i = 1; i < n; i++) {
            int32_t c = idx[i];
            double x = val[i];
            int64_t j = i;
            while (j > 0 && idx[j - 1] > c) {
                idx[j] = idx[j - 1];
                val[j] = val[j - 1];
                j--;
            }
            idx[j] = c;
            val[j] = x;
        }
        return 0;
    }
    /* key = column << 32 | position: distinct keys, so the order is stable; values follow */
    size_t need = (size_t)n * (sizeof(uint64_t) + sizeof(double));
    if (need > sc->cap) {
        void *p = realloc(sc->buf, need);
        if (!p) return tide_fail(TIDE_ENOMEM, "sort: out of memory");
        sc->buf = p;
        sc->cap = need;
    }
    uint64_t *key = sc->buf;
    double *tmp = (double *)(key + n);
    for (int64_t i = 0; i < n; i++) key[i] = ((uint64_t)(uint32_t)idx[i] << 32) | (uint64_t)i;
    sort_u64(key, n);
    for (int64_t i = 0; i < n; i++) {
        idx[i] = (int32_t)(key[i] >> 32);
        tmp[i] = val[key[i] & 0xffffffffu];
    }
    memcpy(val, tmp, sizeof(double) * (size_t)n);
    return 0;
}

/* ---------------------------------------------------------------- fit's pruning */
int64_t tide_vocab_limit(tide_vocab *vocab, int64_t rows, int64_t *indptr, int32_t *indices, double *data,
                         double max_doc_count, double min_doc_count, int64_t max_features, tide_vocab *removed,
                         const char *op) {
    if (!op) op = "vectorizer.fit";
    if (!vocab || rows < 0 || !indptr) return TIDE_FAIL("%s: bad arguments", op);
    if (max_doc_count < min_doc_count) return TIDE_FAIL("%s: max_df corresponds to < documents than min_df", op);
    int64_t m = vocab->n, nnz = indptr[rows];
    for (int64_t k = 0; k < nnz; k++)
        if (indices[k] < 0 || indices[k] >= m) return TIDE_FAIL("%s: column %d out of range", op, indices[k]);
    int64_t *df = calloc((size_t)m + 1, sizeof(int64_t));
    double *tf = calloc((size_t)m + 1, sizeof(double));
    int64_t *order = malloc(sizeof(int64_t) * ((size_t)m + 1));
    int64_t *tmp = malloc(sizeof(int64_t) * ((size_t)m + 1));
    int64_t *new_id = malloc(sizeof(int64_t) * ((size_t)m + 1));
    double *neg = NULL;
    int64_t *pos = NULL;
    tide_vocab *kept = NULL;
    tide_text_scratch sc = { 0 };
    int64_t result = -1;
    if (!df || !tf || !order || !tmp || !new_id) goto nomem;
    for (int64_t k = 0; k < nnz; k++) {
        df[indices[k]]++;
        tf[indices[k]] += data[k];
    }
    if (sort_terms(vocab, order)) goto nomem;
    /* mask over the terms in sorted order */
    int64_t n_kept = 0;
    for (int64_t k = 0; k < m; k++) {
        int64_t d = df[order[k]];
        int keep = (double)d <= max_doc_count && (double)d >= min_doc_count;
        tmp[k] = keep;
        n_kept += keep;
    }
    if (max_features >= 0 && n_kept > max_features) {
        /* mask_inds = (-tfs[mask]).argsort()[:limit] */
        neg = malloc(sizeof(double) * (size_t)n_kept);
        pos = malloc(sizeof(int64_t) * (size_t)n_kept);
        int64_t *where = new_id; /* scratch: sorted positions of the masked terms */
        if (!neg || !pos) goto nomem;
        int64_t j = 0;
        for (int64_t k = 0; k < m; k++)
            if (tmp[k]) {
                where[j] = k;
                neg[j++] = -tf[order[k]];
            }
        tide_text_numpy_argsort(neg, pos, n_kept);
        for (int64_t k = 0; k < m; k++) tmp[k] = 0;
        for (int64_t i = 0; i < max_features; i++) tmp[where[pos[i]]] = 1;
        n_kept = max_features;
    }
    if (n_kept == 0) {
        TIDE_FAIL("%s: After pruning, no terms remain. Try a lower min_df or a higher max_df.", op);
        goto done;
    }
    kept = tide_vocab_new();
    if (!kept) goto done;
    for (int64_t i = 0; i < m; i++) new_id[i] = -1;
    for (int64_t k = 0; k < m; k++) {
        int64_t id = order[k], len = vocab->off[id + 1] - vocab->off[id];
        const char *s = vocab->arena + vocab->off[id];
        if (tmp[k]) {
            new_id[id] = tide_text_vocab_add_hashed(kept, s, len, vocab->hash[id]);
            if (new_id[id] < 0) goto done;
        } else if (removed && tide_vocab_add(removed, s, len) < 0) {
            goto done;
        }
    }
    /* renumber X's columns, drop the removed terms' entries, sort each row */
    int64_t w = 0, start = 0;
    for (int64_t r = 0; r < rows; r++) {
        int64_t end = indptr[r + 1], row_start = w;
        for (int64_t k = start; k < end; k++) {
            int64_t c = new_id[indices[k]];
            if (c >= 0) {
                indices[w] = (int32_t)c;
                data[w++] = data[k];
            }
        }
        start = end;
        indptr[r + 1] = w;
        if (tide_text_sort_row(indices + row_start, data + row_start, w - row_start, &sc) != 0) goto done;
    }
    /* vocab becomes the kept vocabulary */
    tide_vocab old = *vocab;
    *vocab = *kept;
    *kept = old;
    result = w;
    goto done;
nomem:
    tide_fail(TIDE_ENOMEM, "%s: out of memory pruning %lld terms", op, (long long)m);
done:
    tide_vocab_free(kept);
    free(df);
    free(tf);
    free(order);
    free(tmp);
    free(new_id);
    free(neg);
    free(pos);
    free(sc.buf);
    return result;
}
