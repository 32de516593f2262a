/* text_vectorize.c — counting features into CSR (CountVectorizer, HashingVectorizer) and TF-IDF
 * weighting (TfidfTransformer) as scikit-learn 1.2 computes them. See tide/vectorize.h. */
#include "internal.h"
#include "text_vectorize_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the CSR being built */
typedef struct builder {
    int32_t *idx;
    double *val;
    int64_t nnz, cap;
} builder;

static int builder_push(builder *b, int32_t c, double v) {
    if (b->nnz == b->cap) {
        int64_t cap = b->cap ? b->cap * 2 : 4096;
        int32_t *idx = realloc(b->idx, sizeof(int32_t) * (size_t)cap);
        if (!idx) return tide_fail(TIDE_ENOMEM, "vectorizer: out of memory at %lld stored values", (long long)b->nnz);
        b->idx = idx;
        double *val = realloc(b->val, sizeof(double) * (size_t)cap);
        if (!val) return tide_fail(TIDE_ENOMEM, "vectorizer: out of memory at %lld stored values", (long long)b->nnz);
        b->val = val;
        b->cap = cap;
    }
    b->idx[b->nnz] = c;
    b->val[b->nnz++] = v;
    return 0;
}

/* The result tensors from indptr (already a tensor) and the builder's arrays. */
static int finish(builder *b, tide_tensor *indptr, int64_t rows, int64_t cols, tide_csr_result *out, const char *op) {
    int64_t n = b->nnz;
    tide_tensor *idx = tide_tensor_empty(1, &n, TIDE_INT32);
    tide_tensor *val = idx ? tide_tensor_empty(1, &n, TIDE_FLOAT64) : NULL;
    if (!idx || !val) {
        tide_tensor_free(idx);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory for %lld stored values", op, (long long)n);
    }
    if (n) {
        memcpy(idx->storage->data, b->idx, sizeof(int32_t) * (size_t)n);
        memcpy(val->storage->data, b->val, sizeof(double) * (size_t)n);
    }
    out->rows = rows;
    out->cols = cols;
    out->nnz = n;
    out->indptr = indptr;
    out->indices = idx;
    out->data = val;
    return 0;
}

static tide_tensor *new_indptr(int64_t rows, const char *op) {
    int64_t n = rows + 1;
    tide_tensor *t = tide_tensor_empty(1, &n, TIDE_INT64);
    if (!t) {
        tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        return NULL;
    }
    ((int64_t *)t->storage->data)[0] = 0;
    return t;
}

/* ---------------------------------------------------------------- the document loop
 * Every document through the analyser into sink; row_end closes its row (ctx's builder b holds
 * the entries from `start`). binary: every stored value 1. The CSR goes to out (cols left 0). */
typedef int (*row_end_fn)(void *ctx, int64_t start, tide_text_scratch *sc);

static int vectorize(const tide_docs *docs, const tide_analyzer_opts *a, tide_text_sink sink, row_end_fn row_end,
                     void *ctx, builder *b, int binary, tide_csr_result *out, const char *op) {
    if (!out) return TIDE_FAIL("%s: output missing", op);
    if (tide_text_check_input(docs, a, op)) return -1;
    memset(out, 0, sizeof *out);
    tide_text_ws *w = tide_text_ws_new();
    tide_tensor *indptr = w ? new_indptr(docs->n, op) : NULL;
    tide_text_scratch sc = { 0 };
    int rc = -1;
    if (!indptr) goto done;
    int64_t *ip = indptr->storage->data;
    for (int64_t i = 0; i < docs->n; i++) {
        int64_t start = b->nnz;
        if (tide_text_analyze_doc(w, docs, i, a, sink, ctx, op) || row_end(ctx, start, &sc)) goto done;
        ip[i + 1] = b->nnz;
    }
    if (binary)
        for (int64_t k = 0; k < b->nnz; k++) b->val[k] = 1;
    if (finish(b, indptr, docs->n, 0, out, op)) goto done;
    indptr = NULL;
    rc = 0;
done:
    tide_tensor_free(indptr);
    tide_text_ws_free(w);
    free(sc.buf);
    return rc;
}

/* ---------------------------------------------------------------- counting
 * The features of a document are first gathered with their hashes (prefetching the hash table
 * slot each will probe), then looked up in order: the table and the term arena are larger than
 * the cache, and a document's ~50 independent misses then overlap instead of queueing. */
typedef struct count_ctx {
    tide_vocab *vocab;
    int grow;
    int64_t doc;
    int64_t *mark, *pos; /* per term id: the last document it was seen in, its entry there */
    int64_t mark_cap;
    builder b;
    /* the current document's features */
    char *text;
    int64_t text_len, text_cap;
    int64_t *off; /* [n + 1] */
    uint64_t *hash;
    int64_t n, cap;
} count_ctx;

static int gather_sink(void *p, const char *s, int64_t len) {
    count_ctx *c = p;
    if (c->n + 1 >= c->cap) {
        int64_t cap = c->cap ? c->cap * 2 : 256;
        int64_t *o = realloc(c->off, sizeof(int64_t) * (size_t)(cap + 1));
        if (!o) return tide_fail(TIDE_ENOMEM, "vectorizer: out of memory");
        c->off = o;
        uint64_t *h = realloc(c->hash, sizeof(uint64_t) * (size_t)cap);
        if (!h) return tide_fail(TIDE_ENOMEM, "vectorizer: out of memory");
        c->hash = h;
        c->cap = cap;
    }
    if (c->text_len + len > c->text_cap) {
        int64_t cap = c->text_cap ? c->text_cap * 2 : 4096;
        while (cap < c->text_len + len) cap *= 2;
        char *t = realloc(c->text, (size_t)cap);
        if (!t) return tide_fail(TIDE_ENOMEM, "vectorizer: out of memory");
        c->text = t;
        c->text_cap = cap;
    }
    if (c->n == 0) c->off[0] = 0;
    memcpy(c->text + c->text_len, s, (size_t)len);
    c->text_len += len;
    uint64_t h = tide_text_hash_bytes(s, len);
    tide_text_vocab_prefetch(c->vocab, h);
    c->hash[c->n++] = h;
    c->off[c->n] = c->text_len;
    return 0;
}

static int count_one(count_ctx *c, const char *s, int64_t len, uint64_t h) {
    int64_t id = c->grow ? tide_text_vocab_add_hashed(c->vocab, s, len, h)
                         : tide_text_vocab_find_hashed(c->vocab, s, len, h);
    if (id < 0) return c->grow ? -1 : 0; /* transform: unseen features are ignored */
    if (id >= c->mark_cap) {
        int64_t cap = c->mark_cap ? c->mark_cap * 2 : 1024;
        while (cap <= id) cap *= 2;
        int64_t *m = realloc(c->mark, sizeof(int64_t) * (size_t)cap);
        if (!m) return tide_fail(TIDE_ENOMEM, "vectorizer: out of memory");
        c->mark = m;
        int64_t *q = realloc(c->pos, sizeof(int64_t) * (size_t)cap);
        if (!q) return tide_fail(TIDE_ENOMEM, "vectorizer: out of memory");
        c->pos = q;
        for (int64_t i = c->mark_cap; i < cap; i++) c->mark[i] = -1;
        c->mark_cap = cap;
    }
    if (c->mark[id] == c->doc) {
        c->b.val[c->pos[id]] += 1;
        return 0;
    }
    c->mark[id] = c->doc;
    c->pos[id] = c->b.nnz;
    return builder_push(&c->b, (int32_t)id, 1);
}

/* Count the gathered features of the current document, in their order. */
static int count_gathered(count_ctx *c) {
    for (int64_t k = 0; k < c->n; k++) tide_text_vocab_prefetch_term(c->vocab, c->hash[k]);
    for (int64_t k = 0; k < c->n; k++)
        if (count_one(c, c->text + c->off[k], c->off[k + 1] - c->off[k], c->hash[k])) return -1;
    c->n = 0;
    c->text_len = 0;
    return 0;
}

/* the end of a document's row: count what was gathered, sort the row (transform; fit's rows are
 * renumbered and sorted by tide_vocab_limit) */
static int count_row_end(void *p, int64_t start, tide_text_scratch *sc) {
    count_ctx *c = p;
    if (count_gathered(c)) return -1;
    c->doc++;
    return c->grow ? 0 : tide_text_sort_row(c->b.idx + start, c->b.val + start, c->b.nnz - start, sc);
}

int tide_text_count(const tide_docs *docs, const tide_analyzer_opts *a, tide_vocab *vocab, int grow, int binary,
                    tide_csr_result *out, const char *op) {
    if (!op) op = "CountVectorizer";
    if (!vocab || !out) return TIDE_FAIL("%s: vocabulary or output missing", op);
    count_ctx c = { .vocab = vocab, .grow = grow };
    int rc = vectorize(docs, a, gather_sink, count_row_end, &c, &c.b, binary, out, op);
    free(c.mark);
    free(c.pos);
    free(c.text);
    free(c.off);
    free(c.hash);
    free(c.b.idx);
    free(c.b.val);
    if (rc) return -1;
    out->cols = tide_vocab_size(vocab);
    if (grow && out->cols == 0) {
        tide_tensor_free(out->indptr);
        tide_tensor_free(out->indices);
        tide_tensor_free(out->data);
        memset(out, 0, sizeof *out);
        return TIDE_FAIL("%s: empty vocabulary; perhaps the documents only contain stop words", op);
    }
    return 0;
}

/* ---------------------------------------------------------------- hashing */
typedef struct hash_ctx {
    int64_t n_features;
    int alternate_sign;
    builder b;
} hash_ctx;

static int hash_sink(void *p, const char *s, int64_t len) {
    hash_ctx *c = p;
    int32_t h = tide_murmurhash3_32(s, len, 0);
    int64_t col = h == INT32_MIN ? (INT32_MAX - (c->n_features - 1)) % c->n_features
                                 : (int64_t)(h < 0 ? -(int64_t)h : h) % c->n_features;
    return builder_push(&c->b, (int32_t)col, c->alternate_sign && h < 0 ? -1.0 : 1.0);
}

/* sum_duplicates: sort the row (stable), then add up equal columns; zeros stay */
static int hash_row_end(void *p, int64_t start, tide_text_scratch *sc) {
    hash_ctx *c = p;
    if (tide_text_sort_row(c->b.idx + start, c->b.val + start, c->b.nnz - start, sc)) return -1;
    int64_t k = start;
    for (int64_t j = start; j < c->b.nnz;) {
        int32_t col = c->b.idx[j];
        double v = c->b.val[j++];
        while (j < c->b.nnz && c->b.idx[j] == col) v += c->b.val[j++];
        c->b.idx[k] = col;
        c->b.val[k++] = v;
    }
    c->b.nnz = k;
    return 0;
}

int tide_text_hash(const tide_docs *docs, const tide_analyzer_opts *a, int64_t n_features, int alternate_sign,
                   int binary, tide_csr_result *out, const char *op) {
    if (!op) op = "HashingVectorizer";
    if (n_features < 1 || n_features > INT32_MAX)
        return TIDE_FAIL("%s: n_features must be in [1, 2147483647], got %lld", op, (long long)n_features);
    hash_ctx c = { .n_features = n_features, .alternate_sign = alternate_sign };
    int rc = vectorize(docs, a, hash_sink, hash_row_end, &c, &c.b, binary, out, op);
    free(c.b.idx);
    free(c.b.val);
    if (rc) return -1;
    out->cols = n_features;
    return 0;
}

/* ---------------------------------------------------------------- tf-idf */
int tide_tfidf_idf(int64_t rows, int64_t cols, int64_t nnz, const int32_t *indices, int smooth_idf, double *idf) {
    const char *op = "TfidfTransformer.fit";
    if (rows < 0 || cols < 0 || nnz < 0 || (nnz > 0 && !indices) || (cols > 0 && !idf))
        return TIDE_FAIL("%s: bad arguments", op);
    for (int64_t j = 0; j < cols; j++) idf[j] = 0;
    for (int64_t k = 0; k < nnz; k++) {
        if (indices[k] < 0 || indices[k] >= cols) return TIDE_FAIL("%s: column %d out of range", op, indices[k]);
        idf[indices[k]] += 1;
    }
    double s = smooth_idf ? 1 : 0, n = (double)rows + s;
    for (int64_t j = 0; j < cols; j++) idf[j] = log(n / (idf[j] + s)) + 1;
    return 0;
}

int64_t tide_tfidf_apply(int64_t rows, int64_t cols, int64_t *indptr, int32_t *indices, double *data,
                         const double *idf, int sublinear_tf, int norm, const char *op) {
    if (!op) op = "TfidfTransformer.transform";
    if (rows < 0 || !indptr || norm < TIDE_NORM_ROWS_NONE || norm > TIDE_NORM_ROWS_L2)
        return TIDE_FAIL("%s: bad arguments", op);
    int64_t nnz = indptr[rows];
    if (indptr[0] != 0 || nnz < 0 || (nnz > 0 && (!indices || !data))) return TIDE_FAIL("%s: bad CSR", op);
    for (int64_t r = 0; r < rows; r++)
        if (indptr[r + 1] < indptr[r]) return TIDE_FAIL("%s: indptr decreases at row %lld", op, (long long)r);
    if (idf)
        for (int64_t k = 0; k < nnz; k++)
            if (indices[k] < 0 || indices[k] >= cols) return TIDE_FAIL("%s: column %d out of range", op, indices[k]);
    int64_t w = 0, start = 0;
    for (int64_t r = 0; r < rows; r++) {
        int64_t end = indptr[r + 1], row = w;
        for (int64_t k = start; k < end; k++) {
            double x = data[k];
            if (sublinear_tf) x = log(x) + 1;
            if (idf) {
                x *= idf[indices[k]];
                if (x == 0) continue; /* scipy's sparse product stores no zeros */
            }
            indices[w] = indices[k];
            data[w++] = x;
        }
        start = end;
        indptr[r + 1] = w;
        if (norm != TIDE_NORM_ROWS_NONE) {
            double sum = 0;
            if (norm == TIDE_NORM_ROWS_L2) {
                for (int64_t k = row; k < w; k++) sum += data[k] * data[k];
                if (sum == 0) continue;
                sum = sqrt(sum);
            } else {
                for (int64_t k = row; k < w; k++) sum += fabs(data[k]);
                if (sum == 0) continue;
            }
            for (int64_t k = row; k < w; k++) data[k] /= sum;
        }
    }
    return w;
}
