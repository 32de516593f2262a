/* test_frame.c — the tide.frame kernels from C: string factorizing (ranks in byte order,
 * missing -1), grouped aggregates skipping missing / NaN cells, join index pairs (inner / left,
 * duplicate keys), string gather / compare / parse, and bad arguments failing with a message
 * (never a crash; run under ASan in the sanitizer build). */
#include "check.h"
#include "tide/frame.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* A string column from NUL-separated values: offsets [n + 1] and bytes. */
static void strings(const char *const *v, int n, tide_tensor **offsets, tide_tensor **bytes) {
    int64_t total = 0;
    for (int i = 0; i < n; i++) total += (int64_t)strlen(v[i]);
    int64_t so[1] = {n + 1}, sb[1] = {total};
    *offsets = tide_tensor_empty(1, so, TIDE_INT64);
    *bytes = tide_tensor_empty(1, sb, TIDE_UINT8);
    int64_t *o = tide_tensor_data_ptr(*offsets);
    uint8_t *b = tide_tensor_data_ptr(*bytes);
    o[0] = 0;
    for (int i = 0; i < n; i++) {
        int64_t l = (int64_t)strlen(v[i]);
        memcpy(b + o[i], v[i], (size_t)l);
        o[i + 1] = o[i] + l;
    }
}

static tide_tensor *vec(int dtype, int64_t n) {
    int64_t s[1] = {n};
    return tide_tensor_zeros(1, s, dtype);
}

static void test_codes(void) {
    const char *v[] = {"pear", "apple", "", "pear", "Zed", "apple", "x"};
    tide_tensor *o, *b;
    strings(v, 7, &o, &b);
    tide_tensor *miss = vec(TIDE_BOOL, 7);
    ((bool *)tide_tensor_data_ptr(miss))[6] = true;
    int64_t u = -1;
    tide_tensor *c = tide_frame_str_codes(o, b, miss, &u);
    CHECK(c != NULL && u == 4);
    const int64_t want[] = {3, 2, 0, 3, 1, 2, -1}; /* "" < "Zed" < "apple" < "pear" */
    for (int i = 0; c && i < 7; i++) CHECK(((int64_t *)tide_tensor_data_ptr(c))[i] == want[i]);
    /* compare and take */
    tide_tensor *eq = tide_frame_str_compare(o, b, "pear", 4, 0);
    CHECK(eq && ((bool *)tide_tensor_data_ptr(eq))[3] && !((bool *)tide_tensor_data_ptr(eq))[1]);
    tide_tensor *lt = tide_frame_str_compare(o, b, "b", 1, 1);
    CHECK(lt && ((bool *)tide_tensor_data_ptr(lt))[1] && !((bool *)tide_tensor_data_ptr(lt))[0]);
    tide_tensor *idx = vec(TIDE_INT64, 3), *nb = NULL;
    int64_t *ix = tide_tensor_data_ptr(idx);
    ix[0] = 4, ix[1] = -1, ix[2] = 0;
    tide_tensor *no = tide_frame_str_take(o, b, idx, &nb);
    CHECK(no && nb && nb->shape[0] == 7 && memcmp(tide_tensor_data_ptr(nb), "Zedpear", 7) == 0);
    CHECK(no && ((int64_t *)tide_tensor_data_ptr(no))[2] == 3);
    ix[0] = 7; /* out of range */
    CHECK(tide_frame_str_take(o, b, idx, &nb) == NULL && strstr(tide_last_error(), "frame take"));
    /* bad arguments */
    CHECK(tide_frame_str_codes(NULL, b, NULL, &u) == NULL && strstr(tide_last_error(), "frame factorize"));
    CHECK(tide_frame_str_codes(b, o, NULL, &u) == NULL);
    tide_tensor *shortmiss = vec(TIDE_BOOL, 3);
    CHECK(tide_frame_str_codes(o, b, shortmiss, &u) == NULL && strstr(tide_last_error(), "missing"));
    ((int64_t *)tide_tensor_data_ptr(o))[7] = 99; /* offsets past the bytes */
    CHECK(tide_frame_str_codes(o, b, NULL, &u) == NULL && strstr(tide_last_error(), "out of range"));
    tide_tensor *ts[] = {o, b, miss, c, eq, lt, idx, no, nb, shortmiss};
    for (size_t i = 0; i < sizeof ts / sizeof *ts; i++)
        if (ts[i]) tide_tensor_free(ts[i]);
}

static void test_agg(void) {
    /* values 1, NaN, 3, 4, 10, 6 in groups 0, 0, 1, 0, -1, 1; row 3 missing */
    tide_tensor *v = vec(TIDE_FLOAT64, 6), *g = vec(TIDE_INT64, 6), *m = vec(TIDE_BOOL, 6);
    double *pv = tide_tensor_data_ptr(v);
    int64_t *pg = tide_tensor_data_ptr(g);
    const double vals[] = {1, NAN, 3, 4, 10, 6};
    const int64_t grp[] = {0, 0, 1, 0, -1, 1};
    for (int i = 0; i < 6; i++) pv[i] = vals[i], pg[i] = grp[i];
    ((bool *)tide_tensor_data_ptr(m))[3] = true;
    struct { int op; double g0, g1, g2; } cases[] = {
        {TIDE_AGG_SUM, 1, 9, 0},      {TIDE_AGG_MEAN, 1, 4.5, NAN},  {TIDE_AGG_COUNT, 1, 2, 0},
        {TIDE_AGG_MIN, 1, 3, NAN},    {TIDE_AGG_MAX, 1, 6, NAN},     {TIDE_AGG_STD, NAN, sqrt(4.5), NAN},
        {TIDE_AGG_MEDIAN, 1, 4.5, NAN}, {TIDE_AGG_FIRST, 1, 3, NAN}, {TIDE_AGG_LAST, 1, 6, NAN},
        {TIDE_AGG_NUNIQUE, 1, 2, 0},  {TIDE_AGG_SIZE, 3, 2, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        tide_tensor *r = tide_frame_group_agg(v, m, g, 3, cases[k].op);
        CHECK(r != NULL);
        if (!r) continue;
        double *pr = tide_tensor_data_ptr(r), want[3] = {cases[k].g0, cases[k].g1, cases[k].g2};
        for (int j = 0; j < 3; j++) CHECK(isnan(want[j]) ? isnan(pr[j]) : fabs(pr[j] - want[j]) < 1e-12);
        tide_tensor_free(r);
    }
    CHECK(tide_frame_group_agg(v, m, g, 1, TIDE_AGG_SUM) == NULL && strstr(tide_last_error(), "group_by agg"));
    CHECK(tide_frame_group_agg(v, m, g, 3, 42) == NULL && strstr(tide_last_error(), "unknown aggregate"));
    CHECK(tide_frame_group_agg(g, m, g, 3, 0) == NULL);
    tide_tensor_free(v), tide_tensor_free(g), tide_tensor_free(m);
}

static void test_join(void) {
    tide_tensor *l = vec(TIDE_INT64, 4), *r = vec(TIDE_INT64, 3), *li = NULL, *ri = NULL;
    const int64_t lk[] = {2, 0, 5, -1}, rk[] = {0, 2, 0};
    for (int i = 0; i < 4; i++) ((int64_t *)tide_tensor_data_ptr(l))[i] = lk[i];
    for (int i = 0; i < 3; i++) ((int64_t *)tide_tensor_data_ptr(r))[i] = rk[i];
    CHECK(tide_frame_join(l, r, 0, &li, &ri) == 0 && li->shape[0] == 3);
    const int64_t wl[] = {0, 1, 1}, wr[] = {1, 0, 2};
    for (int i = 0; li && i < 3; i++) {
        CHECK(((int64_t *)tide_tensor_data_ptr(li))[i] == wl[i]);
        CHECK(((int64_t *)tide_tensor_data_ptr(ri))[i] == wr[i]);
    }
    tide_tensor_free(li), tide_tensor_free(ri);
    li = ri = NULL;
    CHECK(tide_frame_join(l, r, 1, &li, &ri) == 0 && li->shape[0] == 5);
    CHECK(ri && ((int64_t *)tide_tensor_data_ptr(ri))[3] == -1 && ((int64_t *)tide_tensor_data_ptr(ri))[4] == -1);
    if (li) tide_tensor_free(li), tide_tensor_free(ri);
    CHECK(tide_frame_join(l, r, 2, &li, &ri) != 0 && strstr(tide_last_error(), "join: how"));
    tide_tensor_free(l), tide_tensor_free(r);
}

static void test_parse(void) {
    const char *v[] = {" 1.5", "-2e3", "2024-02-29", "abc"};
    tide_tensor *o, *b;
    strings(v, 2, &o, &b);
    tide_tensor *x = tide_frame_str_parse(o, b, NULL, 0);
    CHECK(x && ((double *)tide_tensor_data_ptr(x))[0] == 1.5 && ((double *)tide_tensor_data_ptr(x))[1] == -2000);
    tide_tensor_free(o), tide_tensor_free(b), tide_tensor_free(x);
    strings(v + 2, 1, &o, &b);
    tide_tensor *d = tide_frame_str_parse(o, b, NULL, 1);
    CHECK(d && ((int64_t *)tide_tensor_data_ptr(d))[0] == INT64_C(1709164800) * 1000000000);
    tide_tensor_free(o), tide_tensor_free(b), tide_tensor_free(d);
    strings(v + 3, 1, &o, &b);
    CHECK(tide_frame_str_parse(o, b, NULL, 0) == NULL && strstr(tide_last_error(), "cannot convert 'abc' (row 1)"));
    tide_tensor_free(o), tide_tensor_free(b);
}

int main(void) {
    test_codes();
    test_agg();
    test_join();
    test_parse();
    return check_report("test_frame");
}
