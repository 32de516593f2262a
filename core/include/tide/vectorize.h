/* tide/vectorize.h — the n-gram vectorisers of tide.text in C: scikit-learn 1.2's CountVectorizer,
 * TfidfTransformer and HashingVectorizer (sklearn.feature_extraction.text), producing CSR
 * matrices in tide/sparse.h's layout (indptr int64 [rows + 1], indices int32, data float64,
 * column ids strictly increasing within a row).
 *
 * One call analyses every document (UTF-8 validation, lower-casing as Python's str.lower,
 * accent stripping, tokenisation, stop words, word or character n-grams) and counts its
 * features, without a string per token: documents arrive as one byte buffer with offsets.
 * Strings are (pointer, length) byte buffers, never NUL-terminated. Offsets are 0-based.
 * Functions return 0 (or a count >= 0) on success, -1 / NULL with a message in tide_last_error()
 * on failure; op names the caller in messages ("CountVectorizer.fit: document 3: ...").
 */
#ifndef TIDE_VECTORIZE_H
#define TIDE_VECTORIZE_H

#include <stdint.h>

#include "tide/tensor.h"
#include "tide/text_regex.h"

/* ---------------------------------------------------------------- vocabulary
 * A map from terms (byte strings) to ids 0, 1, 2, ... in the order the terms were added: an
 * open-addressing hash table over one growable arena of term bytes. Not thread-safe for writes;
 * lookups (tide_vocab_find) may run from several threads when nobody adds. */
typedef struct tide_vocab tide_vocab;

tide_vocab *tide_vocab_new(void);
void tide_vocab_free(tide_vocab *v);
/* Number of terms; total bytes of all terms. */
int64_t tide_vocab_size(const tide_vocab *v);
int64_t tide_vocab_bytes(const tide_vocab *v);
/* The id of s[0..len), added with the next id when new. -1 on failure (memory, or more than
 * 2^31 - 2 terms). */
int64_t tide_vocab_add(tide_vocab *v, const char *s, int64_t len);
/* The id of s[0..len), or -1 when absent (not an error). */
int64_t tide_vocab_find(const tide_vocab *v, const char *s, int64_t len);
/* Add the n terms text[offsets[i] .. offsets[i + 1]) in order. *first_repeat (may be NULL) gets
 * the index of the first term that was already there (added earlier or repeated in the list),
 * -1 when none. Returns the number of new terms, or -1. */
int64_t tide_vocab_add_list(tide_vocab *v, const char *text, const int64_t *offsets, int64_t n,
                            int64_t *first_repeat);
/* Every term in id order: its bytes into text [tide_vocab_bytes(v)], offsets [size + 1]. */
int tide_vocab_terms(const tide_vocab *v, char *text, int64_t *offsets);
/* The bytes of term id (pointer into the vocabulary, valid until the next add), length in *len;
 * NULL when id is out of range. */
const char *tide_vocab_term(const tide_vocab *v, int64_t id, int64_t *len);

/* ---------------------------------------------------------------- documents and analysers */

/* How documents are given. TEXT: raw documents, doc i = text[doc_offsets[i] .. doc_offsets[i+1]).
 * TOKENS: documents already tokenised: doc i is the tokens doc_offsets[i] .. doc_offsets[i+1],
 * token j = text[token_offsets[j] .. token_offsets[j+1]); stop words and word n-grams apply.
 * FEATURES: as TOKENS, but the tokens are the features themselves (a custom analyzer's output),
 * counted as given. */
enum { TIDE_DOCS_TEXT = 0, TIDE_DOCS_TOKENS = 1, TIDE_DOCS_FEATURES = 2 };

typedef struct tide_docs {
    int64_t n;                    /* number of documents */
    int32_t kind;                 /* TIDE_DOCS_* */
    int32_t reserved_;
    const char *text;
    const int64_t *doc_offsets;   /* [n + 1] */
    const int64_t *token_offsets; /* TOKENS / FEATURES: [doc_offsets[n] + 1]; TEXT: NULL */
} tide_docs;

/* analyzer: scikit-learn's analyzer="word" | "char" | "char_wb" (TEXT documents only). */
enum { TIDE_ANALYZER_WORD = 0, TIDE_ANALYZER_CHAR = 1, TIDE_ANALYZER_CHAR_WB = 2 };
/* strip_accents: None | "unicode" (NFKD, then drop code points with a non-zero canonical
 * combining class) | "ascii" (NFKD, then drop every non-ASCII code point). */
enum { TIDE_ACCENTS_NONE = 0, TIDE_ACCENTS_UNICODE = 1, TIDE_ACCENTS_ASCII = 2 };
/* decode_error: invalid UTF-8 is an error ("strict"), each bad sequence becomes U+FFFD
 * ("replace", Python's maximal-subpart rule) or is dropped ("ignore"). */
enum { TIDE_DECODE_STRICT = 0, TIDE_DECODE_REPLACE = 1, TIDE_DECODE_IGNORE = 2 };

typedef struct tide_analyzer_opts {
    int32_t analyzer;       /* TIDE_ANALYZER_* */
    int32_t lowercase;      /* 1: Python's str.lower (simple mappings, U+0130 -> "i̇", final sigma) */
    int32_t strip_accents;  /* TIDE_ACCENTS_*, after lower-casing (TEXT documents) */
    int32_t decode_error;   /* TIDE_DECODE_* */
    int32_t ngram_min, ngram_max; /* 1 <= ngram_min <= ngram_max */
    const tide_regex *token_pattern; /* word analyser: findall of this pattern (at most one group);
                                        NULL: the default "(?u)\b\w\w+\b" by a hand-written scanner
                                        (runs of 2+ word characters: Python's \w, i.e. Unicode
                                        letters and numbers (categories L*, N*) and "_") */
    const tide_vocab *stop_words;    /* word analyser, TOKENS: tokens to drop before n-grams; NULL: none */
} tide_analyzer_opts;

/* A growable list of byte strings: item i = text[offsets[i] .. offsets[i + 1]), offsets[0] = 0. */
typedef struct tide_strings {
    char *text;
    int64_t *offsets;
    int64_t n;
    int64_t cap, text_cap; /* private */
} tide_strings;

tide_strings *tide_strings_new(void);
void tide_strings_free(tide_strings *s);
void tide_strings_clear(tide_strings *s);

/* Append the features of document `doc` (0-based) of docs to out, in scikit-learn's order (all
 * ngram_min-grams, then ngram_min + 1, ...; char_wb word by word). Returns how many were
 * appended. build_analyzer() of the Lua classes. */
int64_t tide_text_analyze(const tide_docs *docs, int64_t doc, const tide_analyzer_opts *a, tide_strings *out,
                          const char *op);

/* Append s[0..len) decoded (decode_error), lower-cased and accent-stripped as the analyser's
 * preprocessing does, as one string. Returns 1, or -1. */
int64_t tide_text_preprocess(const char *s, int64_t len, const tide_analyzer_opts *a, tide_strings *out,
                             const char *op);

/* ---------------------------------------------------------------- counting */

/* A CSR result: three tensors allocated here (indptr int64 [rows + 1], indices int32 [nnz], data
 * float64 [nnz]), owned by the caller afterwards (tide_tensor_free). */
typedef struct tide_csr_result {
    int64_t rows, cols, nnz;
    tide_tensor *indptr, *indices, *data;
} tide_csr_result;

/* Feature counts of docs: a CSR [docs->n, size of vocab afterwards], column = the feature's id
 * in vocab. grow 1 (fit): unseen features are added to vocab in order of first appearance (an
 * empty vocabulary afterwards is an error: "empty vocabulary; perhaps the documents only contain
 * stop words"); grow 0 (transform): unseen features are ignored. binary 1: every stored count is
 * 1. Rows are sorted by column id. On failure nothing is allocated in out. */
int tide_text_count(const tide_docs *docs, const tide_analyzer_opts *a, tide_vocab *vocab, int grow, int binary,
                    tide_csr_result *out, const char *op);

/* scikit-learn's _limit_features + _sort_features after fit's count: keeps the terms with
 * min_doc_count <= document frequency <= max_doc_count; when more than max_features remain
 * (max_features >= 0; -1: no limit), the max_features largest by total count (the column sums of
 * X), ties broken as NumPy 1.24's argsort (introsort) of the negated totals in term order breaks
 * them. The kept terms are sorted by bytes (= Python's str order) and numbered 0, 1, ...: vocab
 * is rebuilt so, X's columns renumbered, the entries of dropped terms removed and each row sorted,
 * in place (X's arrays: indptr [rows + 1], indices / data [nnz]). removed (may be NULL) receives
 * the dropped terms. Returns the new nnz; -1 with "max_df corresponds to < documents than
 * min_df" or "After pruning, no terms remain. Try a lower min_df or a higher max_df.". */
int64_t tide_vocab_limit(tide_vocab *vocab, int64_t rows, int64_t *indptr, int32_t *indices, double *data,
                         double max_doc_count, double min_doc_count, int64_t max_features, tide_vocab *removed,
                         const char *op);

/* ---------------------------------------------------------------- hashing */

/* scikit-learn's murmurhash3_32(bytes, seed, positive=False): MurmurHash3 x86 32-bit, as int32. */
int32_t tide_murmurhash3_32(const char *s, int64_t len, uint32_t seed);

/* HashingVectorizer: CSR [docs->n, n_features] of signed feature counts. Feature f goes to column
 * |h| mod n_features with h = murmurhash3_32(f, 0) (h = INT32_MIN: (2^31 - 1 - (n_features - 1))
 * mod n_features, as scikit-learn), with sign -1 when alternate_sign and h < 0. Duplicates are
 * summed (entries that cancel stay as explicit zeros, as scipy's sum_duplicates leaves them);
 * binary 1 then sets every stored value to 1. 1 <= n_features <= 2^31 - 1. */
int tide_text_hash(const tide_docs *docs, const tide_analyzer_opts *a, int64_t n_features, int alternate_sign,
                   int binary, tide_csr_result *out, const char *op);

/* ---------------------------------------------------------------- tf-idf */

/* idf [cols] of X's column document frequencies df (stored entries per column, scikit-learn's
 * _document_frequency): ln((n + s) / (df + s)) + 1 with s = smooth_idf (0 or 1). */
int tide_tfidf_idf(int64_t rows, int64_t cols, int64_t nnz, const int32_t *indices, int smooth_idf, double *idf);

/* norm: none, "l1", "l2" */
enum { TIDE_NORM_ROWS_NONE = 0, TIDE_NORM_ROWS_L1 = 1, TIDE_NORM_ROWS_L2 = 2 };

/* TfidfTransformer.transform in place on a CSR [rows, cols]: sublinear_tf: x = 1 + ln x; idf
 * (may be NULL: use_idf false): x *= idf[column], entries that become exactly 0 removed (as
 * scipy's product with the diagonal does); then each row divided by its l1 or l2 norm (rows of
 * norm 0 unchanged). Returns the new nnz (indptr updated, arrays compacted). */
int64_t tide_tfidf_apply(int64_t rows, int64_t cols, int64_t *indptr, int32_t *indices, double *data,
                         const double *idf, int sublinear_tf, int norm, const char *op);

#endif
