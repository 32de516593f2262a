/* test_index.c — joining and indexing kernels through the public C API: cat / stack / split,
 * gather / scatter / scatter_add against hand-computed values with 0- and 1-based indices,
 * index_select on contiguous and strided inputs, index_add_, masked_select, nonzero, take,
 * put_; range errors raised before any write; nothing leaks. */
#include "check.h"
#include "tide/index.h"
#include "tide/tensor.h"

#include <string.h>

static double at(const tide_tensor *t, int64_t i, int64_t j) {
    int64_t idx[2] = {i, j};
    double v = NAN;
    tide_tensor_get(t, t->ndim == 1 ? idx + 1 : idx, &v);
    return v;
}
static double at1(const tide_tensor *t, int64_t i) {
    double v = NAN;
    tide_tensor_get(t, &i, &v);
    return v;
}

/* rows x cols tensor 0, 1, 2, ... of a dtype */
static tide_tensor *iota(int64_t rows, int64_t cols, int dtype) {
    int64_t shape[2] = {rows, cols};
    tide_tensor *r = tide_arange(0, (double)(rows * cols), 1, dtype);
    tide_tensor *v = tide_view(r, 2, shape);
    tide_tensor_free(r);
    return v;
}

static tide_tensor *index_of(int n, const int64_t *vals, int rows) {
    int64_t shape[2] = {rows, rows ? n / rows : n};
    tide_tensor *t = tide_tensor_empty(rows ? 2 : 1, rows ? shape : (int64_t[]){n}, TIDE_INT64);
    memcpy(tide_tensor_data_ptr(t), vals, sizeof(int64_t) * (size_t)n);
    return t;
}

static void test_cat_stack_split(void) {
    tide_tensor *a = iota(2, 3, TIDE_FLOAT32), *b = iota(2, 2, TIDE_INT64);
    const tide_tensor *ab[2] = {a, b};
    tide_tensor *c = tide_cat(ab, 2, NULL, 1);
    CHECK(c && c->shape[0] == 2 && c->shape[1] == 5 && c->dtype == TIDE_FLOAT32);
    CHECK(at(c, 1, 2) == 5 && at(c, 1, 3) == 2 && at(c, 0, 4) == 1);
    /* a transposed input goes through the strided copy */
    tide_tensor *bt = tide_transpose(b, 0, 1);
    const tide_tensor *abt[2] = {a, bt};
    tide_tensor *c2 = tide_cat(abt, 2, NULL, 1);
    CHECK(c2 && at(c2, 0, 4) == 2 && at(c2, 1, 3) == 1);
    CHECK(tide_cat(ab, 2, NULL, 0) == NULL);
    CHECK(strcmp(tide_last_error(), "cat: tensor 2 has shape [2, 2], expected [*, 3] matching [2, 3] except in dim 1") == 0);
    /* stack on a new middle dim */
    const tide_tensor *aa[3] = {a, a, a};
    tide_tensor *s = tide_stack(aa, 3, NULL, 1);
    CHECK(s && s->ndim == 3 && s->shape[0] == 2 && s->shape[1] == 3 && s->shape[2] == 3);
    CHECK(tide_stack(ab, 2, NULL, 0) == NULL && strstr(tide_last_error(), "stack: tensor 2 has shape [2, 2]"));
    /* split into views */
    tide_tensor *parts[3];
    int64_t sizes[3] = {1, 0, 2};
    CHECK(tide_split(a, parts, 1, 3, sizes) == 0);
    CHECK(parts[0]->shape[1] == 1 && parts[1]->shape[1] == 0 && parts[2]->shape[1] == 2);
    CHECK(parts[2]->storage == a->storage && at(parts[2], 1, 1) == 5);
    for (int i = 0; i < 3; i++) tide_tensor_free(parts[i]);
    int64_t bad[2] = {1, 1};
    CHECK(tide_split(a, parts, 1, 2, bad) == -1 && strstr(tide_last_error(), "split: sizes sum to 2 but dim 2 has size 3"));
    tide_tensor *all[] = {a, b, c, bt, c2, s};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) tide_tensor_free(all[i]);
}

static void test_gather_scatter(void) {
    tide_tensor *t = iota(3, 4, TIDE_FLOAT64); /* [[0 1 2 3] [4 5 6 7] [8 9 10 11]] */
    int64_t iv[4] = {2, 0, 1, 2};                /* 0-based, dim 0, shape [1, 4] */
    tide_tensor *idx = index_of(4, iv, 1);
    tide_tensor *g = tide_gather(t, idx, NULL, 0, 0);
    CHECK(g && g->shape[0] == 1 && at(g, 0, 0) == 8 && at(g, 0, 1) == 1 && at(g, 0, 2) == 6 && at(g, 0, 3) == 11);
    /* 1-based along dim 1 on a transposed view: tt[i][j] = t[j][i] */
    int64_t iv1[6] = {3, 1, 2, 2, 1, 3}; /* shape [2, 3] */
    tide_tensor *idx1 = index_of(6, iv1, 2), *tt = tide_transpose(t, 0, 1);
    tide_tensor *g1 = tide_gather(tt, idx1, NULL, 1, 1);
    CHECK(g1 && at(g1, 0, 0) == 8 && at(g1, 0, 1) == 0 && at(g1, 1, 0) == 5 && at(g1, 1, 2) == 9);
    /* out of range, reported 1-based */
    int64_t bad[1] = {5};
    tide_tensor *ib = index_of(1, bad, 1);
    CHECK(tide_gather(t, ib, NULL, 1, 1) == NULL);
    CHECK(strcmp(tide_last_error(), "gather: index 5 out of range for dim 2 of size 4") == 0);
    /* scatter_add with duplicates, in place */
    int64_t zs[2] = {2, 3};
    tide_tensor *z = tide_tensor_zeros(2, zs, TIDE_INT32);
    int64_t sv[3] = {1, 1, 0}; /* shape [1, 3], dim 0 */
    tide_tensor *si = index_of(3, sv, 1), *one = tide_tensor_full(2, (int64_t[]){1, 3}, TIDE_INT32, 4);
    CHECK(tide_scatter_(z, si, one, 0, 0, TIDE_SCATTER_ADD, 0) == 0);
    CHECK(tide_scatter_(z, si, one, 0, 0, TIDE_SCATTER_ADD, 0) == 0);
    CHECK(at(z, 1, 0) == 8 && at(z, 1, 1) == 8 && at(z, 0, 2) == 8 && at(z, 0, 0) == 0);
    /* out-of-place scatter of a scalar leaves the input alone */
    tide_tensor *r = tide_scatter(z, si, NULL, NULL, 0, -1, TIDE_SCATTER_SET, 0);
    CHECK(r && at(r, 1, 0) == -1 && at(z, 1, 0) == 8);
    /* a bad index anywhere means no write at all */
    int64_t sv2[3] = {0, 1, 7};
    tide_tensor *si2 = index_of(3, sv2, 1);
    CHECK(tide_scatter_(z, si2, NULL, 0, 99, TIDE_SCATTER_SET, 0) == -1);
    CHECK(strstr(tide_last_error(), "scatter_: index 7 out of range for dim 1 of size 2"));
    CHECK(at(z, 0, 0) == 0);
    tide_tensor *all[] = {t, idx, g, idx1, tt, g1, ib, z, si, one, r, si2};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) tide_tensor_free(all[i]);
}

static void test_select_mask_take(void) {
    tide_tensor *t = iota(3, 4, TIDE_FLOAT32);
    int64_t iv[3] = {3, 3, 1}; /* 1-based along dim 1 */
    tide_tensor *idx = index_of(3, iv, 0);
    tide_tensor *s = tide_index_select(t, idx, NULL, 1, 1);
    CHECK(s && s->shape[0] == 3 && s->shape[1] == 3 && at(s, 2, 0) == 10 && at(s, 2, 2) == 8);
    /* the strided path: select rows of the transpose */
    tide_tensor *tt = tide_transpose(t, 0, 1), *s2 = tide_index_select(tt, idx, NULL, 0, 1);
    CHECK(s2 && s2->shape[0] == 3 && s2->shape[1] == 3 && at(s2, 0, 1) == 6 && at(s2, 2, 2) == 8);
    /* index_add_ */
    tide_tensor *acc = tide_tensor_zeros(2, (int64_t[]){3, 2}, TIDE_FLOAT32);
    tide_tensor *src = tide_tensor_full(2, (int64_t[]){3, 2}, TIDE_FLOAT32, 1);
    CHECK(tide_index_add_(acc, idx, src, 0, 2, 1) == 0);
    CHECK(at(acc, 2, 0) == 4 && at(acc, 0, 1) == 2 && at(acc, 1, 0) == 0);
    /* masked_select with a broadcast row mask */
    tide_tensor *mask = tide_tensor_zeros(1, (int64_t[]){4}, TIDE_BOOL);
    int64_t k = 1;
    tide_tensor_set(mask, &k, 1);
    tide_tensor *m = tide_masked_select(t, mask);
    CHECK(m && m->ndim == 1 && m->shape[0] == 3 && at1(m, 0) == 1 && at1(m, 2) == 9);
    /* nonzero, 1-based */
    tide_tensor *nz = tide_nonzero(mask, 1);
    CHECK(nz && nz->shape[0] == 1 && nz->shape[1] == 1 && at(nz, 0, 0) == 2);
    /* take on a transposed view, put_ with accumulate */
    int64_t tv[2] = {1, 12};
    tide_tensor *ti = index_of(2, tv, 0), *tk = tide_take(tt, ti, NULL, 1);
    CHECK(tk && at1(tk, 0) == 0 && at1(tk, 1) == 11);
    tide_tensor *pv = tide_tensor_full(1, (int64_t[]){2}, TIDE_FLOAT32, 5);
    CHECK(tide_put_(tt, ti, pv, 1, 1) == 0);
    CHECK(at(t, 0, 0) == 5 && at(t, 2, 3) == 16);
    int64_t tb[1] = {13};
    tide_tensor *tib = index_of(1, tb, 0);
    CHECK(tide_take(t, tib, NULL, 1) == NULL && strstr(tide_last_error(), "take: index 13 out of range for a tensor of 12"));
    tide_clear_error();
    tide_tensor *all[] = {t, idx, s, tt, s2, acc, src, mask, m, nz, ti, tk, pv, tib};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) tide_tensor_free(all[i]);
}

int main(void) {
    int64_t live = tide_memory()->live_tensors;
    test_cat_stack_split();
    test_gather_scatter();
    test_select_mask_take();
    CHECK(tide_memory()->live_tensors == live); /* every temporary was released */
    return check_report("test_index");
}
