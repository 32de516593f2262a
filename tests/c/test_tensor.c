/* test_tensor.c — the tensor core: creation, views sharing storage, copies, casts, random,
 * memory accounting and error reporting, through the public C API only. */
#include "check.h"
#include "tide/tensor.h"

#include <string.h>

static double at(const tide_tensor *t, int64_t i0, int64_t i1) {
    int64_t idx[2] = {i0, i1};
    double v = NAN;
    tide_tensor_get(t, idx, &v);
    return v;
}

static void test_creation(void) {
    int64_t shape[2] = {2, 3};
    tide_tensor *z = tide_tensor_zeros(2, shape, TIDE_FLOAT32);
    CHECK(z && z->numel == 6 && z->ndim == 2 && z->stride[0] == 3 && z->stride[1] == 1);
    CHECK(((uintptr_t)tide_tensor_data_ptr(z) & 63) == 0); /* 64-byte aligned */
    CHECK(at(z, 1, 2) == 0);
    tide_tensor *f = tide_tensor_full(2, shape, TIDE_INT64, 7);
    CHECK(at(f, 0, 1) == 7);
    tide_tensor *e = tide_eye(3, 4, TIDE_FLOAT64);
    CHECK(at(e, 2, 2) == 1 && at(e, 2, 3) == 0 && at(e, 0, 0) == 1);
    tide_tensor *a = tide_arange(0, 1, 0.25, TIDE_FLOAT64);
    CHECK(a && a->numel == 4);
    tide_tensor *l = tide_linspace(0, 1, 11, TIDE_FLOAT64);
    int64_t last = 10;
    double v;
    tide_tensor_get(l, &last, &v);
    CHECK(v == 1.0);
    tide_tensor_free(z);
    tide_tensor_free(f);
    tide_tensor_free(e);
    tide_tensor_free(a);
    tide_tensor_free(l);
}

static void test_views_share_storage(void) {
    int64_t shape[2] = {3, 4};
    tide_tensor *t = tide_arange(0, 12, 1, TIDE_FLOAT32);
    tide_tensor *m = tide_view(t, 2, shape);
    CHECK(m && m->storage == t->storage && m->storage->refcount == 2);
    tide_tensor *tr = tide_transpose(m, 0, 1);
    CHECK(tr->shape[0] == 4 && tr->stride[0] == 1 && tr->stride[1] == 4);
    CHECK(!tide_tensor_is_contiguous(tr));
    CHECK(at(tr, 3, 2) == 11);
    /* a transposed matrix cannot be viewed flat: view fails, reshape copies */
    int64_t flat = 12;
    CHECK(tide_view(tr, 1, &flat) == NULL && strstr(tide_last_error(), "view"));
    tide_tensor *r = tide_reshape(tr, 1, &flat);
    CHECK(r && r->storage != t->storage);
    int64_t i1 = 1;
    double v;
    tide_tensor_get(r, &i1, &v);
    CHECK(v == 4); /* row-major order of the transpose: 0 4 8 1 ... */
    tide_tensor *row = tide_select(m, 0, 2);
    CHECK(row->ndim == 1 && row->shape[0] == 4);
    int64_t j = 0;
    tide_tensor_set(row, &j, 100);
    CHECK(at(m, 2, 0) == 100); /* writes through the view */
    tide_tensor *col = tide_narrow(m, 1, 1, 2);
    CHECK(col->shape[1] == 2 && at(col, 0, 0) == 1);
    tide_tensor *s = tide_slice(m, 1, 0, 4, 2);
    CHECK(s->shape[1] == 2 && at(s, 1, 1) == 6);
    tide_tensor *u = tide_unsqueeze(row, 0);
    CHECK(u->ndim == 2 && u->shape[0] == 1);
    int64_t big[2] = {5, 4};
    tide_tensor *x = tide_expand(u, 2, big);
    CHECK(x && x->stride[0] == 0 && at(x, 4, 0) == 100);
    tide_tensor *sq = tide_squeeze(u, -1);
    CHECK(sq->ndim == 1);
    int32_t perm[2] = {1, 0};
    tide_tensor *p = tide_permute(m, perm);
    CHECK(at(p, 1, 2) == at(m, 2, 1));
    tide_tensor *fl = tide_flatten(m, 0, 1);
    CHECK(fl && fl->ndim == 1 && fl->storage == t->storage);
    tide_tensor *c = tide_contiguous(tr);
    CHECK(c && tide_tensor_is_contiguous(c) && at(c, 3, 2) == 11);
    tide_tensor *views[] = {m, tr, r, row, col, s, u, x, sq, p, fl, c};
    for (size_t i = 0; i < sizeof views / sizeof *views; i++) tide_tensor_free(views[i]);
    CHECK(t->storage->refcount == 1);
    tide_tensor_free(t);
}

static void test_copy_cast(void) {
    int64_t shape[2] = {2, 2};
    tide_tensor *a = tide_tensor_full(2, shape, TIDE_FLOAT64, -2.7);
    tide_tensor *i = tide_cast(a, TIDE_INT32);
    CHECK(at(i, 1, 1) == -2); /* truncation toward zero, as NumPy's astype */
    tide_tensor *b = tide_cast(a, TIDE_BOOL);
    CHECK(at(b, 0, 0) == 1);
    int64_t one = 2;
    tide_tensor *row = tide_arange(0, 2, 1, TIDE_FLOAT32);
    tide_tensor *dst = tide_tensor_zeros(2, shape, TIDE_FLOAT64);
    CHECK(tide_copy_(dst, row) == 0); /* broadcast [2] into [2, 2] */
    CHECK(at(dst, 1, 1) == 1 && at(dst, 1, 0) == 0);
    int64_t three = 3;
    tide_tensor *bad = tide_tensor_zeros(1, &three, TIDE_FLOAT32);
    CHECK(tide_copy_(dst, bad) == -1 && strstr(tide_last_error(), "copy_"));
    (void)one;
    tide_tensor_free(a);
    tide_tensor_free(i);
    tide_tensor_free(b);
    tide_tensor_free(row);
    tide_tensor_free(dst);
    tide_tensor_free(bad);
}

static void test_random(void) {
    int64_t n = 1000;
    tide_tensor *a = tide_tensor_empty(1, &n, TIDE_FLOAT32), *b = tide_tensor_empty(1, &n, TIDE_FLOAT32);
    tide_manual_seed(42);
    tide_randn_(a, 0, 1);
    tide_manual_seed(42);
    tide_randn_(b, 0, 1);
    CHECK(memcmp(tide_tensor_data_ptr(a), tide_tensor_data_ptr(b), 4000) == 0);
    double mean = 0;
    float *p = tide_tensor_data_ptr(a);
    for (int i = 0; i < n; i++) mean += p[i];
    CHECK(fabs(mean / n) < 0.1);
    tide_tensor *k = tide_tensor_empty(1, &n, TIDE_INT64);
    CHECK(tide_randint_(k, 3, 7) == 0);
    int64_t *q = tide_tensor_data_ptr(k);
    int ok = 1;
    for (int i = 0; i < n; i++) ok &= q[i] >= 3 && q[i] < 7;
    CHECK(ok);
    CHECK(tide_randint_(k, 7, 7) == -1);
    CHECK(tide_rand_(k, 0, 1) == -1); /* rand needs a float dtype */
    tide_tensor_free(a);
    tide_tensor_free(b);
    tide_tensor_free(k);
}

static void test_memory_accounting(void) {
    int64_t live0 = tide_memory()->live_bytes;
    int64_t n = 1 << 20;
    tide_tensor *t = tide_tensor_empty(1, &n, TIDE_FLOAT32);
    CHECK(tide_memory()->live_bytes - live0 == 4 << 20);
    CHECK(tide_memory()->peak_bytes >= tide_memory()->live_bytes);
    tide_tensor *v = tide_alias(t);
    tide_tensor_free(t);
    CHECK(tide_memory()->live_bytes - live0 == 4 << 20); /* the view keeps the storage alive */
    tide_tensor_free(v);
    CHECK(tide_memory()->live_bytes == live0);
    float buf[4] = {1, 2, 3, 4};
    int64_t four = 4;
    tide_tensor *w = tide_tensor_from_ptr(buf, 1, &four, NULL, TIDE_FLOAT32);
    CHECK(w && tide_memory()->live_bytes == live0 && tide_tensor_data_ptr(w) == buf);
    tide_tensor_free(w);
    CHECK(buf[3] == 4); /* foreign memory untouched */
}

static void test_errors(void) {
    int64_t neg[2] = {2, -1};
    CHECK(tide_tensor_zeros(2, neg, TIDE_FLOAT32) == NULL && strstr(tide_last_error(), "negative"));
    CHECK(tide_tensor_zeros(1, neg, 99) == NULL && strstr(tide_last_error(), "dtype"));
    CHECK(tide_arange(0, 1, 0, TIDE_FLOAT32) == NULL && strstr(tide_last_error(), "arange"));
    int64_t shape[2] = {2, 3};
    tide_tensor *t = tide_tensor_zeros(2, shape, TIDE_FLOAT32);
    CHECK(tide_select(t, 0, 2) == NULL && strstr(tide_last_error(), "select: index 3 out of range for dim 1 of size 2"));
    CHECK(tide_transpose(t, 0, 2) == NULL && strstr(tide_last_error(), "dim 3 out of range"));
    CHECK(tide_narrow(t, 1, 2, 2) == NULL && strstr(tide_last_error(), "narrow"));
    int64_t to[2] = {4, 3};
    CHECK(tide_expand(t, 2, to) == NULL && strstr(tide_last_error(), "expand"));
    int64_t five = 5;
    CHECK(tide_view(t, 1, &five) == NULL && strstr(tide_last_error(), "6 elements"));
    int32_t perm[2] = {0, 0};
    CHECK(tide_permute(t, perm) == NULL && strstr(tide_last_error(), "permutation"));
    CHECK(tide_permute(NULL, perm) == NULL && strstr(tide_last_error(), "NULL"));
    int64_t idx[2] = {0, 3};
    double v;
    CHECK(tide_tensor_get(t, idx, &v) == -1 && strstr(tide_last_error(), "index 4 out of range for dim 2"));
    tide_clear_error();
    CHECK(tide_last_status() == 0 && tide_last_error()[0] == 0);
    tide_tensor_free(t);
}

int main(void) {
    test_creation();
    test_views_share_storage();
    test_copy_cast();
    test_random();
    test_memory_accounting();
    test_errors();
    return check_report("test_tensor");
}
