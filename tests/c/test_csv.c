/* test_csv.c — the CSV reader and writer from C: value parsers (numbers exactly as strtod,
 * datetimes), row and field boundaries, errors with line numbers, a write -> read round trip,
 * and fuzzing: every truncation and random byte mutations of a tricky file must give a result
 * or an error, never a crash (run under ASan in the sanitizer build). */
#define _GNU_SOURCE
#include "check.h"
#include "csv_internal.h"
#include "tide/csv.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static tide_csv *open_text(const char *s, const tide_csv_options *o) { return tide_csv_open_buffer(s, (int64_t)strlen(s), o); }

static void test_numbers(void) {
    const char *cases[] = { "0",      "1",         "-1",     "0.1",      "1e23",     "2.2250738585072011e-308",
                            "4.9e-324", "1e-400", "1e400",  ".5",       "5.",       "+1.5E+3",
                            "123456789012345678901234567890", "0.30000000000000004", "3.14159265358979323846",
                            "9007199254740993", "1.00000000000000011102230246251565404236316680908203125",
                            "-0.0", "  42  " };
    locale_t c = tide_csv_c_locale();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double v = -1, w = strtod_l(cases[i], NULL, c);
        CHECK(tide_csv_parse_float(cases[i], (int64_t)strlen(cases[i]), &v));
        CHECK(memcmp(&v, &w, sizeof v) == 0);
    }
    double v;
    const char *bad[] = { "", "-", "e5", "1e", "1.2.3", "0x10", "1,5", "abc", "1e+", "--1", "." };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK(!tide_csv_parse_float(bad[i], (int64_t)strlen(bad[i]), &v));
    CHECK(tide_csv_parse_float("-Inf", 4, &v) && isinf(v) && v < 0);
    CHECK(tide_csv_parse_float("nan", 3, &v) && isnan(v));
    int64_t k;
    CHECK(tide_csv_parse_int("-9223372036854775808", 20, &k) && k == INT64_MIN);
    CHECK(tide_csv_parse_int("9223372036854775807", 19, &k) && k == INT64_MAX);
    CHECK(!tide_csv_parse_int("9223372036854775808", 19, &k));
    CHECK(!tide_csv_parse_int("1.0", 3, &k));
    CHECK(!tide_csv_parse_int("", 0, &k));
}

static void test_datetimes(void) {
    int64_t ns;
    CHECK(tide_csv_parse_datetime("1970-01-01", 10, &ns) && ns == 0);
    CHECK(tide_csv_parse_datetime("2017-02-16 13:45:00", 19, &ns) && ns == 1487252700000000000LL);
    CHECK(tide_csv_parse_datetime("2017-02-16T13:45:00Z", 20, &ns) && ns == 1487252700000000000LL);
    CHECK(tide_csv_parse_datetime("2017-02-16T14:45:00+01:00", 25, &ns) && ns == 1487252700000000000LL);
    CHECK(tide_csv_parse_datetime("1969-12-31 23:59:59.999999999", 29, &ns) && ns == -1);
    CHECK(!tide_csv_parse_datetime("2019-02-29", 10, &ns));
    CHECK(!tide_csv_parse_datetime("2017-13-01", 10, &ns));
    CHECK(!tide_csv_parse_datetime("2017-02-16 25:00", 16, &ns));
    CHECK(!tide_csv_parse_datetime("2017-02-16x", 11, &ns));
    for (int64_t d = -800000; d <= 800000; d += 997) {
        int64_t y, m, dd;
        tide_csv_civil_from_days(d, &y, &m, &dd);
        CHECK(tide_csv_days_from_civil(y, m, dd) == d);
    }
}

static void test_rows(void) {
    tide_csv *r = open_text("\xEF\xBB\xBF" "a;b\r\n1;\"x;\"\"y\"\"\r\nz\"\r\n\r\n2;w", NULL);
    CHECK(r != NULL);
    if (!r) return;
    CHECK(tide_csv_ncols(r) == 2 && tide_csv_nrows(r) == 2 && tide_csv_delimiter(r) == ';');
    CHECK(strcmp(tide_csv_name(r, 0), "a") == 0 && tide_csv_name(r, 2) == NULL);
    int64_t cols[2] = { 0, 1 };
    int32_t types[2] = { TIDE_CSV_AUTO, TIDE_CSV_AUTO };
    tide_tensor *out[6];
    CHECK(tide_csv_parse(r, 2, cols, types, out) == 0);
    CHECK(types[0] == TIDE_CSV_INT64 && types[1] == TIDE_CSV_STRING);
    const int64_t *off = tide_tensor_data_ptr(out[3]);
    const char *bytes = tide_tensor_data_ptr(out[4]);
    CHECK(off[1] - off[0] == 8 && memcmp(bytes, "x;\"y\"\r\nz", 8) == 0);
    CHECK(off[2] - off[1] == 1 && bytes[off[1]] == 'w');
    CHECK(out[2] == NULL && out[5] == NULL);
    for (int i = 0; i < 6; i++) tide_tensor_free(out[i]);
    tide_csv_close(r);

    /* errors name the line */
    r = open_text("a,b\n1,2\n3\n", NULL);
    CHECK(r == NULL && strstr(tide_last_error(), "line 3: expected 2 fields, got 1"));
    r = open_text("a,b\n1,\"2\n", NULL);
    CHECK(r == NULL && strstr(tide_last_error(), "line 2: unterminated quoted field"));
    r = open_text("a,b\n1,\"2\"x\n", NULL);
    CHECK(r == NULL && strstr(tide_last_error(), "line 2: unexpected character after a closing quote"));
    r = open_text("", NULL);
    CHECK(r == NULL && strstr(tide_last_error(), "is empty"));
    tide_csv_options o = { 0 };
    o.header = 1;
    o.nrows = -1;
    o.n_na = -1;
    o.skip_bad_rows = 1;
    r = open_text("a,b\n1,2\n3\n4,5,6\n7,8\n", &o);
    CHECK(r && tide_csv_nrows(r) == 2 && tide_csv_skipped(r) == 2);
    tide_csv_close(r);
}

static void test_round_trip(void) {
    char path[] = "/tmp/tide_test_csv_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    close(fd);
    const char *text = "i,f,b,d,s\n1,0.1,True,2017-02-16 13:45:00,\"a,b\"\n,1e+300,False,,\"q\"\"\"\n-3,,True,1970-01-01 00:00:00.5,\"l1\nl2\"\n";
    tide_csv *r = open_text(text, NULL);
    CHECK(r != NULL);
    if (!r) return;
    int64_t cols[5] = { 0, 1, 2, 3, 4 };
    int32_t types[5] = { -1, -1, -1, -1, -1 };
    tide_tensor *out[15];
    CHECK(tide_csv_parse(r, 5, cols, types, out) == 0);
    CHECK(types[0] == TIDE_CSV_INT64 && types[1] == TIDE_CSV_FLOAT64 && types[2] == TIDE_CSV_BOOL &&
          types[3] == TIDE_CSV_DATETIME && types[4] == TIDE_CSV_STRING);
    tide_csv_column wc[5];
    for (int c = 0; c < 5; c++) {
        wc[c] = (tide_csv_column){ tide_csv_name(r, c), types[c], 0, NULL, NULL, NULL, out[3 * c + 2] };
        if (types[c] == TIDE_CSV_STRING) {
            wc[c].offsets = out[3 * c];
            wc[c].bytes = out[3 * c + 1];
        } else
            wc[c].data = out[3 * c];
    }
    CHECK(tide_csv_write(path, 5, wc, ',', 1, NULL, NULL) == 0);
    FILE *f = fopen(path, "rb");
    char buf[512] = { 0 };
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    CHECK(n == strlen(text) && strcmp(buf, text) == 0);
    /* bad columns are refused before anything is written */
    wc[1].data = out[0]; /* int64 for a float64 column */
    CHECK(tide_csv_write(path, 5, wc, ',', 1, NULL, NULL) != 0 && strstr(tide_last_error(), "csv write: column f"));
    for (int i = 0; i < 15; i++) tide_tensor_free(out[i]);
    tide_csv_close(r);
    unlink(path);
}

/* Every truncation and many random mutations: open and parse all columns, never crash. */
static void fuzz_one(const char *s, int64_t n, int skip) {
    tide_csv_options o = { 0 };
    o.header = 1;
    o.nrows = -1;
    o.n_na = -1;
    o.skip_bad_rows = skip;
    o.replace_invalid_utf8 = skip;
    tide_csv *r = tide_csv_open_buffer(s, n, &o);
    if (!r) return;
    int64_t nc = tide_csv_ncols(r);
    int64_t *cols = malloc(sizeof *cols * (size_t)(nc + 1));
    int32_t *types = malloc(sizeof *types * (size_t)(nc + 1));
    tide_tensor **out = calloc((size_t)(3 * nc + 1), sizeof *out);
    for (int64_t c = 0; c < nc; c++) cols[c] = c, types[c] = -1;
    if (tide_csv_parse(r, nc, cols, types, out) == 0)
        for (int64_t i = 0; i < 3 * nc; i++) tide_tensor_free(out[i]);
    free(cols);
    free(types);
    free(out);
    tide_csv_close(r);
}

static void test_fuzz(void) {
    const char *s = "\xEF\xBB\xBF" "id,name,x,when\r\n1,\"a \"\"q\"\", b\",1.5e3,2017-02-16\r\n2,\"multi\nline\",NA,"
                    "2017-02-16T13:45:00Z\n3,caf\xC3\xA9,-inf,\n4,\"\",1e-400,2020-02-29 00:00:00\n";
    int64_t n = (int64_t)strlen(s);
    for (int64_t k = 0; k <= n; k++) {
        fuzz_one(s, k, 0);
        fuzz_one(s, k, 1);
    }
    char *m = malloc((size_t)n);
    uint32_t seed = 12345;
    const char alphabet[] = "\",\r\n;|\t#\xC3\xFF" "a1.e-";
    for (int it = 0; it < 4000; it++) {
        memcpy(m, s, (size_t)n);
        for (int j = 0; j < 3; j++) {
            seed = seed * 1664525u + 1013904223u;
            int64_t at = (seed >> 8) % (uint32_t)n;
            seed = seed * 1664525u + 1013904223u;
            m[at] = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
        }
        fuzz_one(m, n, it & 1);
    }
    free(m);
    CHECK(1);
}

int main(void) {
    test_numbers();
    test_datetimes();
    test_rows();
    test_round_trip();
    test_fuzz();
    return check_report("test_csv");
}
