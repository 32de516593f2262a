/* tide/csv.h — CSV files: a reader (RFC 4180 quoting with embedded newlines and doubled quotes,
 * CRLF / LF, UTF-8 byte-order mark, delimiter detection, missing-value markers, per-column type
 * inference) and an atomic writer.
 *
 * Reading is two steps. tide_csv_open reads the whole file (gunzipped when it starts with the
 * gzip magic), and finds every row and field boundary in one pass; malformed rows (a wrong
 * field count, an unterminated quote) fail naming their line, or are skipped and counted.
 * tide_csv_parse then converts the chosen columns into tensors, columns in parallel (OpenMP).
 * Column values (the contract of lua/tide/csv.lua):
 *   BOOL     data bool [n]            INT64    data int64 [n]       FLOAT64  data float64 [n]
 *   DATETIME data int64 [n], nanoseconds since 1970-01-01T00:00:00 UTC
 *   STRING   offsets int64 [n + 1] and bytes uint8 [total]: value i is bytes[offsets[i] ..
 *            offsets[i + 1]), valid UTF-8
 *   missing  bool [n], true where the cell is a missing-value marker; NULL when none is.
 * A missing cell holds 0 / false / NaN (float64) / an empty string in data.
 * Failures return NULL / -1 with a message in tide_last_error() naming "csv read" or "csv
 * write", the file, and for bad cells the line and column. Nothing here touches the locale.
 */
#ifndef TIDE_CSV_H
#define TIDE_CSV_H

#include "tide/tensor.h"

enum {
    TIDE_CSV_AUTO = -1,
    TIDE_CSV_BOOL = 0,
    TIDE_CSV_INT64 = 1,
    TIDE_CSV_FLOAT64 = 2,
    TIDE_CSV_DATETIME = 3,
    TIDE_CSV_STRING = 4
};

typedef struct tide_csv_options {
    int32_t delimiter;            /* a byte; 0 detects among ',' ';' TAB '|' */
    int32_t quote;                /* a byte; 0 means '"' */
    int32_t comment;              /* a byte; 0: none. Outside quotes it ends the row's text */
    int32_t header;               /* nonzero: the first row names the columns (else col1, ...) */
    int64_t skip_rows;            /* lines skipped at the start of the file (after a BOM) */
    int64_t nrows;                /* data rows read at most; < 0: all */
    int32_t skip_bad_rows;        /* nonzero: malformed rows are skipped and counted */
    int32_t replace_invalid_utf8; /* nonzero: invalid UTF-8 in strings becomes U+FFFD */
    int32_t allow_empty;          /* nonzero: a file with no rows gives no columns, not an error */
    int32_t n_na;                 /* number of na_values; < 0: pandas' default markers */
    const char *const *na_values; /* missing-value markers (exact, case-sensitive) */
    const char *name;             /* the file's name in messages; NULL: the path */
} tide_csv_options;

typedef struct tide_csv tide_csv;

/* Open a file; opts NULL: defaults (detect the delimiter, header row, pandas' markers). */
tide_csv *tide_csv_open(const char *path, const tide_csv_options *opts);
/* The same over len bytes in memory (copied). */
tide_csv *tide_csv_open_buffer(const void *data, int64_t len, const tide_csv_options *opts);
void tide_csv_close(tide_csv *r);
int64_t tide_csv_ncols(const tide_csv *r);
int64_t tide_csv_nrows(const tide_csv *r);    /* data rows kept */
int64_t tide_csv_skipped(const tide_csv *r);  /* malformed rows skipped */
int32_t tide_csv_delimiter(const tide_csv *r); /* the delimiter used (given or detected) */
/* Column col's name (0-based): the header's text (duplicates get ".1", ".2"; empty ones
 * "Unnamed: col"), or "col1", ... without a header. NULL when col is out of range. */
const char *tide_csv_name(const tide_csv *r, int64_t col);
/* Convert n columns: cols[i] (0-based) with types[i] (TIDE_CSV_AUTO infers: bool, int64,
 * float64, datetime, else string; the type used is written back). out must hold 3 * n
 * pointers and receives per column: data (offsets for strings), bytes (strings, else NULL),
 * missing (NULL when no cell is missing). A cell that cannot be read as a forced type, or
 * invalid UTF-8 in a string, fails naming its line and column. */
int tide_csv_parse(tide_csv *r, int64_t n, const int64_t *cols, int32_t *types, tide_tensor **out);

/* ---- writing ---- */
typedef struct tide_csv_column {
    const char *name;
    int32_t type;                 /* TIDE_CSV_BOOL .. TIDE_CSV_STRING */
    int32_t pad_;
    const tide_tensor *data;      /* contiguous [n]: bool / int64 / float64 / int64 ns (datetime) */
    const tide_tensor *offsets;   /* strings: contiguous int64 [n + 1] */
    const tide_tensor *bytes;     /* strings: contiguous uint8 */
    const tide_tensor *missing;   /* contiguous bool [n] or NULL */
} tide_csv_column;

/* Write ncols columns of equal length atomically. Fields holding the delimiter, a quote, CR or
 * LF (or leading / trailing spaces) are quoted with quotes doubled; missing cells are empty
 * (na_rep NULL) or na_rep; floats use the shortest text that reads back to the same double;
 * datetimes are ISO 8601 ("2017-02-16", "2017-02-16 13:45:00[.fffffffff]").
 * header nonzero writes the names first; line_end NULL means "\n". */
int tide_csv_write(const char *path, int64_t ncols, const tide_csv_column *cols, int32_t delimiter,
                   int32_t header, const char *line_end, const char *na_rep);

#endif
