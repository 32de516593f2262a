/* tide/frame.h — kernels behind tide.frame (lua/tide/frame/): factorizing string keys,
 * grouped aggregation, join index building, and gathering / comparing / parsing string columns.
 *
 * A string column is offsets int64 [n + 1] and bytes uint8 [total]: value i is
 * bytes[offsets[i] .. offsets[i + 1]) (0-based). Every tensor argument must be contiguous and
 * 1-d; missing masks are bool [n] or NULL. Row and group indices here are 0-based.
 * Failures return NULL / -1 with a message naming the op in tide_last_error().
 */
#ifndef TIDE_FRAME_H
#define TIDE_FRAME_H

#include "tide/tensor.h"

enum {
    TIDE_AGG_SUM = 0,
    TIDE_AGG_MEAN = 1,
    TIDE_AGG_COUNT = 2,
    TIDE_AGG_MIN = 3,
    TIDE_AGG_MAX = 4,
    TIDE_AGG_STD = 5,
    TIDE_AGG_VAR = 6,
    TIDE_AGG_MEDIAN = 7,
    TIDE_AGG_FIRST = 8,
    TIDE_AGG_LAST = 9,
    TIDE_AGG_NUNIQUE = 10,
    TIDE_AGG_SIZE = 11
};

/* String column [n] -> int64 codes [n]: the rank of each value among the distinct values in
 * byte-wise (UTF-8 code point) order, from 0; missing cells get -1. *n_unique receives the
 * number of distinct non-missing values. Hashes the values, then sorts only the distinct ones. */
tide_tensor *tide_frame_str_codes(const tide_tensor *offsets, const tide_tensor *bytes, const tide_tensor *missing,
                                  int64_t *n_unique);

/* values float64 [n], groups int64 [n] (0..ngroups-1; < 0: the row belongs to no group)
 * -> float64 [ngroups]: the aggregate op (TIDE_AGG_*) over each group's cells, skipping
 * missing and NaN cells as pandas does (SIZE counts every row). Empty groups give 0 for SUM,
 * COUNT, NUNIQUE and SIZE, NaN otherwise; STD / VAR use ddof = 1. */
tide_tensor *tide_frame_group_agg(const tide_tensor *values, const tide_tensor *missing, const tide_tensor *groups,
                                  int64_t ngroups, int32_t op);

/* Join key codes left int64 [nl], right int64 [nr] (>= 0; < 0 never matches) -> row index pairs
 * *left_index, *right_index int64 [m]: for each left row in order, every right row with the
 * same code in right order; how = 0 inner, 1 left (an unmatched left row gives right -1). */
int tide_frame_join(const tide_tensor *left, const tide_tensor *right, int32_t how, tide_tensor **left_index,
                    tide_tensor **right_index);

/* Gather a string column: index int64 [m] (0-based; -1 gives an empty string) -> new offsets
 * int64 [m + 1] (returned) and *bytes_out uint8. */
tide_tensor *tide_frame_str_take(const tide_tensor *offsets, const tide_tensor *bytes, const tide_tensor *index,
                                 tide_tensor **bytes_out);

/* String column == s (len bytes) -> bool [n] (cmp = 0), or a byte-wise comparison:
 * cmp = 1 "<", 2 "<=", 3 ">", 4 ">=", 5 "~=". */
tide_tensor *tide_frame_str_compare(const tide_tensor *offsets, const tide_tensor *bytes, const char *s, int64_t len,
                                    int32_t cmp);

/* Parse a string column -> float64 [n] numbers (datetime = 0; missing cells NaN) or int64 [n]
 * nanoseconds since the Unix epoch (datetime != 0; ISO 8601 dates / date-times as tide.csv reads
 * them; missing cells 0). Blanks around a value are allowed; a value that does not parse fails
 * naming its 1-based row and text. */
tide_tensor *tide_frame_str_parse(const tide_tensor *offsets, const tide_tensor *bytes, const tide_tensor *missing,
                                  int32_t datetime);

/* Numbers to text: data float64 / int64 / bool [n] -> offsets int64 [n + 1] (returned) and
 * *bytes_out uint8 of a string column. Floats as Python's repr ("2.0", "0.1", "1e+16", "nan"),
 * bools "True" / "False"; missing cells (mask may be NULL) give empty strings. */
tide_tensor *tide_frame_to_str(const tide_tensor *data, const tide_tensor *missing, tide_tensor **bytes_out);

#endif
