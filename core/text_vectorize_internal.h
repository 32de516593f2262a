/* text_vectorize_internal.h — what text_vocab.c and text_vectorize.c share; not public. */
#ifndef TIDE_TEXT_VECTORIZE_INTERNAL_H
#define TIDE_TEXT_VECTORIZE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tide/vectorize.h"

/* A reusable scratch allocation. */
typedef struct tide_text_scratch {
    void *buf;
    size_t cap;
} tide_text_scratch;

/* The vocabulary's 64-bit hash of a term, and lookups with it computed once. */
uint64_t tide_text_hash_bytes(const char *s, int64_t len);
int64_t tide_text_vocab_find_hashed(const tide_vocab *v, const char *s, int64_t len, uint64_t h);
int64_t tide_text_vocab_add_hashed(tide_vocab *v, const char *s, int64_t len, uint64_t h);

/* Prefetch the slot a lookup of hash h probes first; then (once that slot is cached) the
 * offsets of the term it holds. */
void tide_text_vocab_prefetch(const tide_vocab *v, uint64_t h);
void tide_text_vocab_prefetch_term(const tide_vocab *v, uint64_t h);

/* NumPy 1.24's argsort (default kind): tosort[0..num) = the permutation sorting v ascending. */
void tide_text_numpy_argsort(const double *v, int64_t *tosort, int64_t num);

/* Sort one CSR row by column, values following; stable (equal columns keep their order). */
int tide_text_sort_row(int32_t *idx, double *val, int64_t n, tide_text_scratch *sc);

/* ---------------------------------------------------------------- the analyser (text_analyze.c)
 * analyze_doc runs document i of d through the analyser a and gives each feature to sink (bytes
 * valid during the call only). A workspace holds one thread's buffers. */
typedef int (*tide_text_sink)(void *ctx, const char *s, int64_t len);
typedef struct tide_text_ws tide_text_ws;

tide_text_ws *tide_text_ws_new(void);
void tide_text_ws_free(tide_text_ws *w);
/* Structure of the documents (offsets in range, non-decreasing) and the options. */
int tide_text_check_input(const tide_docs *d, const tide_analyzer_opts *a, const char *op);
int tide_text_analyze_doc(tide_text_ws *w, const tide_docs *d, int64_t i, const tide_analyzer_opts *a,
                          tide_text_sink sink, void *ctx, const char *op);

#endif
