/* csv_internal.h — what the CSV reader's two files (csv_read.c: rows and fields; csv_parse.c:
 * cell values into tensors) and the writer (csv_write.c) share. Not part of the public API. */
#ifndef TIDE_CSV_INTERNAL_H
#define TIDE_CSV_INTERNAL_H

#include "internal.h"
#include "tide/csv.h"
#include <locale.h>

/* flen bits: the field was quoted; its text holds doubled quotes to undo. */
#define CSV_QUOTED 0x80000000u
#define CSV_ESCAPED 0x40000000u
#define CSV_LEN_MASK 0x3fffffffu

struct tide_csv {
    tide_tensor *buf;       /* the file's bytes (owner of data) */
    const char *data;
    int64_t len;
    char name[200];         /* the file's name in messages */
    int32_t delim, quote, comment, replace_utf8;
    int64_t ncols, nrows, skipped;
    char **names;           /* ncols */
    int64_t *fstart;        /* [nrows * ncols] byte offset of each field's text (inside quotes) */
    uint32_t *flen;         /* [nrows * ncols] length | CSV_QUOTED | CSV_ESCAPED */
    int64_t *line;          /* [nrows] 1-based line of each row's start */
    int64_t cap_rows;
    /* missing-value markers */
    int n_na;
    char **na;
    int32_t *na_len;
    uint8_t na_first[256];  /* a marker starts with this byte */
    uint64_t na_lens;       /* bit k: a marker has length k (k < 64) */
    int na_empty;           /* "" is a marker */
};

/* The "C" locale object (created once, never freed) for strtod_l / snprintf through uselocale. */
locale_t tide_csv_c_locale(void);

/* Value parsers over n bytes (no NUL needed); return 1 on success. */
int tide_csv_parse_bool(const char *p, int64_t n, uint8_t *v);
int tide_csv_parse_int(const char *p, int64_t n, int64_t *v);
int tide_csv_parse_float(const char *p, int64_t n, double *v);
int tide_csv_parse_datetime(const char *p, int64_t n, int64_t *ns);

/* Length of the longest valid UTF-8 prefix of p[0..n); p[0..n) copied to out (NULL: only
 * measured) with each byte of an invalid sequence replaced by U+FFFD, returning the length. */
int64_t tide_csv_utf8_valid_prefix(const uint8_t *p, int64_t n);
int64_t tide_csv_utf8_replace(const uint8_t *p, int64_t n, uint8_t *out);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t tide_csv_days_from_civil(int64_t y, int64_t m, int64_t d);
void tide_csv_civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d);

#endif
