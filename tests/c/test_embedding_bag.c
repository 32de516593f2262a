/* test_embedding_bag.c — EmbeddingBag forward, backward and the fused SGD step through the public C
 * API against naive loops written from PyTorch's definitions: sum / mean / max, per-sample
 * weights, padding, empty bags, 1-d input with offsets (base 0 and 1) and 2-d input; float32 and
 * float64; the SGD step equal bit for bit to backward + tide_sgd_step; the same bits with 1 and 2
 * threads; bad input (ids, offsets, dtypes) with nothing written. */
#include "check.h"
#include "fill.h"
#include "tide/embedding.h"
#include "tide/optim.h"
#include "tide/tensor.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng = 12345;
static uint64_t next_u(void) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng >> 33;
}
static double next_val(void) { return (double)((int)(next_u() % 33) - 16) / 8; } /* ties happen */

static tide_tensor *int_tensor(int ndim, const int64_t *shape, const int64_t *v) {
    tide_tensor *t = tide_tensor_empty(ndim, shape, TIDE_INT64);
    memcpy(tide_tensor_data_ptr(t), v, sizeof(int64_t) * (size_t)t->numel);
    return t;
}

/* A random problem: n ids in B bags (some empty), V rows. */
typedef struct problem {
    int64_t n, B, V, D;
    int64_t *ids, *start; /* 0-based, start [B + 1] */
} problem;

static problem make_problem(int64_t B, int64_t V, int64_t D, int64_t max_len) {
    problem pr = {0, B, V, D, NULL, malloc(sizeof(int64_t) * (size_t)(B + 1))};
    int64_t *len = malloc(sizeof(int64_t) * (size_t)B);
    for (int64_t b = 0; b < B; b++) {
        len[b] = (int64_t)(next_u() % (uint64_t)(max_len + 1)); /* 0 sometimes: empty bags */
        pr.start[b] = pr.n;
        pr.n += len[b];
    }
    pr.start[B] = pr.n;
    pr.ids = malloc(sizeof(int64_t) * (size_t)(pr.n ? pr.n : 1));
    for (int64_t i = 0; i < pr.n; i++) pr.ids[i] = (int64_t)(next_u() % (uint64_t)V);
    free(len);
    return pr;
}

/* naive forward: y [B, D], argmax rows [B, D] */
static void naive_forward(const problem *pr, const tide_tensor *w, const double *psw, int mode, int64_t pad, double *y,
                          int64_t *arg) {
    int64_t D = pr->D;
    for (int64_t b = 0; b < pr->B; b++) {
        int64_t cnt = 0;
        for (int64_t d = 0; d < D; d++) y[b * D + d] = 0, arg[b * D + d] = -1;
        for (int64_t i = pr->start[b]; i < pr->start[b + 1]; i++) {
            int64_t r = pr->ids[i];
            if (r == pad) continue;
            for (int64_t d = 0; d < D; d++) {
                double v = elem_at(w, r * D + d);
                if (mode == TIDE_BAG_MAX) {
                    if (cnt == 0 || v > y[b * D + d]) y[b * D + d] = v, arg[b * D + d] = r;
                } else {
                    y[b * D + d] += (psw ? psw[i] : 1) * v;
                }
            }
            cnt++;
        }
        if (mode == TIDE_BAG_MEAN && cnt > 0)
            for (int64_t d = 0; d < D; d++) y[b * D + d] /= (double)cnt;
    }
}

/* naive backward into gw [V, D] (+=) and gp [n] */
static void naive_backward(const problem *pr, const tide_tensor *w, const double *psw, const double *go, int mode,
                           int64_t pad, const int64_t *arg, double *gw, double *gp) {
    int64_t D = pr->D;
    for (int64_t b = 0; b < pr->B; b++) {
        int64_t cnt = 0;
        for (int64_t i = pr->start[b]; i < pr->start[b + 1]; i++) cnt += pr->ids[i] != pad;
        if (mode == TIDE_BAG_MAX) {
            for (int64_t d = 0; d < D; d++)
                if (arg[b * D + d] >= 0) gw[arg[b * D + d] * D + d] += go[b * D + d];
            continue;
        }
        for (int64_t i = pr->start[b]; i < pr->start[b + 1]; i++) {
            int64_t r = pr->ids[i];
            if (r == pad) continue;
            double s = mode == TIDE_BAG_MEAN ? 1.0 / (double)cnt : psw ? psw[i] : 1;
            double dot = 0;
            for (int64_t d = 0; d < D; d++) {
                gw[r * D + d] += s * go[b * D + d];
                dot += go[b * D + d] * elem_at(w, r * D + d);
            }
            if (gp) gp[i] += dot;
        }
    }
}

static double max_abs_diff(const tide_tensor *t, const double *ref, int64_t n) {
    double m = 0;
    for (int64_t i = 0; i < n; i++) {
        double e = fabs(elem_at(t, i) - ref[i]);
        if (e > m || e != e) m = e != e ? INFINITY : e;
    }
    return m;
}

static void check_case(int mode, int dtype, int use_psw, int64_t pad, int base) {
    problem pr = make_problem(9, 7, 5, 6);
    int64_t V = pr.V, D = pr.D, B = pr.B, n = pr.n;
    int64_t wshape[2] = {V, D}, oshape[2] = {B, D}, nshape[1] = {n}, bshape[1] = {B};
    tide_tensor *w = tensor_filled(2, wshape, dtype, next_val);
    int64_t *idv = malloc(sizeof(int64_t) * (size_t)(n + 1)), *offv = malloc(sizeof(int64_t) * (size_t)B);
    for (int64_t i = 0; i < n; i++) idv[i] = pr.ids[i] + base;
    for (int64_t b = 0; b < B; b++) offv[b] = pr.start[b] + base;
    tide_tensor *ids = int_tensor(1, nshape, idv), *off = int_tensor(1, bshape, offv);
    tide_tensor *psw = use_psw ? tensor_filled(1, nshape, dtype, next_val) : NULL;
    double *pswd = NULL;
    if (psw) {
        pswd = malloc(sizeof(double) * (size_t)n);
        for (int64_t i = 0; i < n; i++) pswd[i] = elem_at(psw, i);
    }
    tide_embedding_bag_params p = {mode, base, pad};
    double tol = dtype == TIDE_FLOAT32 ? 1e-5 : 1e-12;

    double *y = calloc((size_t)(B * D), sizeof(double));
    int64_t *arg = calloc((size_t)(B * D), sizeof(int64_t));
    naive_forward(&pr, w, pswd, mode, pad, y, arg);
    tide_tensor *mi = NULL;
    tide_tensor *out = tide_embedding_bag_forward(ids, off, psw, NULL, &mi, w, &p);
    CHECK(out != NULL);
    if (!out) {
        fprintf(stderr, "%s\n", tide_last_error());
        return;
    }
    CHECK(max_abs_diff(out, y, B * D) <= tol);
    CHECK((mode == TIDE_BAG_MAX) == (mi != NULL));
    if (mi)
        for (int64_t k = 0; k < B * D; k++) CHECK(elem_at(mi, k) == (double)arg[k]);

    /* backward accumulates onto what grad_weight holds */
    tide_tensor *go = tensor_filled(2, oshape, dtype, next_val);
    double *god = malloc(sizeof(double) * (size_t)(B * D));
    for (int64_t k = 0; k < B * D; k++) god[k] = elem_at(go, k);
    tide_tensor *gw = tensor_filled(2, wshape, dtype, next_val);
    double *gwr = malloc(sizeof(double) * (size_t)(V * D)), *gpr = calloc((size_t)(n + 1), sizeof(double));
    for (int64_t k = 0; k < V * D; k++) gwr[k] = elem_at(gw, k);
    tide_tensor *gp = psw ? tide_tensor_zeros(1, nshape, dtype) : NULL;
    naive_backward(&pr, w, pswd, god, mode, pad, arg, gwr, gpr);
    CHECK(tide_embedding_bag_backward(ids, off, psw, mi, go, gw, gp, w, &p) == 0);
    CHECK(max_abs_diff(gw, gwr, V * D) <= tol);
    if (gp) CHECK(max_abs_diff(gp, gpr, n) <= tol);

    /* SGD step = backward into zeros + sgd_step */
    tide_tensor *gz = tide_tensor_zeros(2, wshape, dtype);
    CHECK(tide_embedding_bag_backward(ids, off, psw, mi, go, gz, NULL, w, &p) == 0);
    tide_tensor *dense = tide_clone(w), *sparse = tide_clone(w);
    CHECK(tide_sgd_step(dense, gz, NULL, 0.3, 0, 0, 0, 0, 0, 0) == 0);
    CHECK(tide_embedding_bag_sgd_(ids, off, psw, mi, go, sparse, 0.3, &p) == 0);
    if (mode == TIDE_BAG_MAX) {
        double *dv = malloc(sizeof(double) * (size_t)(V * D));
        for (int64_t k = 0; k < V * D; k++) dv[k] = elem_at(dense, k);
        CHECK(max_abs_diff(sparse, dv, V * D) <= tol);
        free(dv);
    } else {
        CHECK(memcmp(tide_tensor_data_ptr(dense), tide_tensor_data_ptr(sparse),
                     (size_t)(V * D) * (dtype == TIDE_FLOAT32 ? 4 : 8)) == 0);
    }

    tide_tensor_free(out);
    tide_tensor_free(mi);
    tide_tensor_free(go);
    tide_tensor_free(gw);
    tide_tensor_free(gp);
    tide_tensor_free(gz);
    tide_tensor_free(dense);
    tide_tensor_free(sparse);
    tide_tensor_free(w);
    tide_tensor_free(ids);
    tide_tensor_free(off);
    tide_tensor_free(psw);
    free(y), free(arg), free(god), free(gwr), free(gpr), free(pswd), free(idv), free(offv);
    free(pr.ids), free(pr.start);
}

/* A 2-d input [B, L] equals the 1-d input with offsets 0, L, 2L, ... */
static void check_2d(void) {
    int64_t V = 6, D = 3, B = 4, L = 3;
    int64_t wshape[2] = {V, D}, ishape[2] = {B, L}, fshape[1] = {B * L}, bshape[1] = {B};
    tide_tensor *w = tensor_filled(2, wshape, TIDE_FLOAT64, next_val);
    int64_t v[12] = {0, 1, 2, 5, 5, 5, 3, 0, 3, 4, 2, 1}, o[4] = {0, 3, 6, 9};
    tide_tensor *i2 = int_tensor(2, ishape, v), *i1 = int_tensor(1, fshape, v), *off = int_tensor(1, bshape, o);
    for (int mode = 0; mode < 3; mode++) {
        tide_embedding_bag_params p = {mode, 0, 5};
        tide_tensor *a = tide_embedding_bag_forward(i2, NULL, NULL, NULL, NULL, w, &p);
        tide_tensor *b = tide_embedding_bag_forward(i1, off, NULL, NULL, NULL, w, &p);
        CHECK(a && b && memcmp(tide_tensor_data_ptr(a), tide_tensor_data_ptr(b), sizeof(double) * (size_t)(B * D)) == 0);
        /* bag 2 is all padding: zeros */
        if (a) CHECK(elem_at(a, 3) == 0 && elem_at(a, 4) == 0 && elem_at(a, 5) == 0);
        tide_tensor_free(a);
        tide_tensor_free(b);
    }
    tide_tensor_free(w);
    tide_tensor_free(i2);
    tide_tensor_free(i1);
    tide_tensor_free(off);
}

/* The backward and the SGD step give the same bits with 1 and 2 threads (a big batch). */
static void check_threads(void) {
    problem pr = make_problem(3000, 500, 64, 40);
    int64_t wshape[2] = {pr.V, pr.D}, oshape[2] = {pr.B, pr.D}, nshape[1] = {pr.n}, bshape[1] = {pr.B};
    tide_tensor *w = tensor_filled(2, wshape, TIDE_FLOAT32, next_val);
    tide_tensor *ids = int_tensor(1, nshape, pr.ids), *off = int_tensor(1, bshape, pr.start);
    tide_tensor *go = tensor_filled(2, oshape, TIDE_FLOAT32, next_val);
    tide_embedding_bag_params p = {TIDE_BAG_MEAN, 0, -1};
    tide_tensor *g[2], *s[2], *y[2];
    for (int k = 0; k < 2; k++) {
        tide_set_num_threads(k + 1);
        y[k] = tide_embedding_bag_forward(ids, off, NULL, NULL, NULL, w, &p);
        g[k] = tide_tensor_zeros(2, wshape, TIDE_FLOAT32);
        CHECK(tide_embedding_bag_backward(ids, off, NULL, NULL, go, g[k], NULL, w, &p) == 0);
        s[k] = tide_clone(w);
        CHECK(tide_embedding_bag_sgd_(ids, off, NULL, NULL, go, s[k], 0.1, &p) == 0);
    }
    size_t wb = sizeof(float) * (size_t)(pr.V * pr.D);
    CHECK(memcmp(tide_tensor_data_ptr(y[0]), tide_tensor_data_ptr(y[1]), sizeof(float) * (size_t)(pr.B * pr.D)) == 0);
    CHECK(memcmp(tide_tensor_data_ptr(g[0]), tide_tensor_data_ptr(g[1]), wb) == 0);
    CHECK(memcmp(tide_tensor_data_ptr(s[0]), tide_tensor_data_ptr(s[1]), wb) == 0);
    tide_set_num_threads(0);
    for (int k = 0; k < 2; k++) tide_tensor_free(g[k]), tide_tensor_free(s[k]), tide_tensor_free(y[k]);
    tide_tensor_free(w);
    tide_tensor_free(ids);
    tide_tensor_free(off);
    tide_tensor_free(go);
    free(pr.ids), free(pr.start);
}

static int error_has(const char *s) {
    int ok = strstr(tide_last_error(), s) != NULL;
    if (!ok) fprintf(stderr, "  message: %s\n  lacks:   %s\n", tide_last_error(), s);
    tide_clear_error();
    return ok;
}

static void check_errors(void) {
    int64_t wshape[2] = {4, 2}, s5[1] = {5}, s2[1] = {2}, s3[1] = {3}, o2[2] = {2, 2};
    tide_tensor *w = tensor_filled(2, wshape, TIDE_FLOAT32, next_val);
    tide_tensor *gw = tide_tensor_zeros(2, wshape, TIDE_FLOAT32);
    tide_tensor *go = tide_tensor_zeros(2, o2, TIDE_FLOAT32);
    int64_t good[5] = {1, 2, 3, 4, 1}, bad[5] = {1, 2, 3, 5, 1}, off[2] = {1, 3};
    tide_tensor *ids = int_tensor(1, s5, good), *bids = int_tensor(1, s5, bad), *offs = int_tensor(1, s2, off);
    tide_embedding_bag_params p = {TIDE_BAG_SUM, 1, -1};

    CHECK(tide_embedding_bag_forward(bids, offs, NULL, NULL, NULL, w, &p) == NULL);
    CHECK(error_has("embedding_bag: input[4] = 5 (bag 2, position 2) is out of range for 4 embeddings (ids count from 1)"));
    int64_t o0[2] = {2, 3}, od[2] = {1, 0}, oe[2] = {1, 7};
    tide_tensor *t = int_tensor(1, s2, o0);
    CHECK(tide_embedding_bag_forward(ids, t, NULL, NULL, NULL, w, &p) == NULL);
    CHECK(error_has("offsets[1] must be 1 (the first bag starts at the first id), got 2"));
    tide_tensor_free(t);
    t = int_tensor(1, s2, od);
    CHECK(tide_embedding_bag_forward(ids, t, NULL, NULL, NULL, w, &p) == NULL);
    CHECK(error_has("offsets must not decrease: offsets[2] = 0 is below offsets[1] = 1"));
    tide_tensor_free(t);
    t = int_tensor(1, s2, oe);
    CHECK(tide_embedding_bag_forward(ids, t, NULL, NULL, NULL, w, &p) == NULL);
    CHECK(error_has("offsets[2] = 7 is past the end of the input's 5 ids"));
    tide_tensor_free(t);
    CHECK(tide_embedding_bag_forward(ids, NULL, NULL, NULL, NULL, w, &p) == NULL);
    CHECK(error_has("a 1-d input needs offsets"));
    /* float ids, psw with mean, bad mode, padding out of range */
    tide_tensor *fids = tide_tensor_zeros(1, s5, TIDE_FLOAT32);
    CHECK(tide_embedding_bag_forward(fids, offs, NULL, NULL, NULL, w, &p) == NULL);
    CHECK(error_has("input must be int64 (or int32), got float32"));
    tide_tensor *psw = tide_tensor_zeros(1, s5, TIDE_FLOAT32), *psw3 = tide_tensor_zeros(1, s3, TIDE_FLOAT32);
    tide_embedding_bag_params pm = {TIDE_BAG_MEAN, 1, -1};
    CHECK(tide_embedding_bag_forward(ids, offs, psw, NULL, NULL, w, &pm) == NULL);
    CHECK(error_has("per_sample_weights are only supported for mode 'sum', got mode 'mean'"));
    CHECK(tide_embedding_bag_forward(ids, offs, psw3, NULL, NULL, w, &p) == NULL);
    CHECK(error_has("per_sample_weights has shape [3], expected the input's [5]"));
    tide_embedding_bag_params px = {7, 1, -1}, pp = {TIDE_BAG_SUM, 1, 4};
    CHECK(tide_embedding_bag_forward(ids, offs, NULL, NULL, NULL, w, &px) == NULL);
    CHECK(error_has("mode must be 0 (sum), 1 (mean) or 2 (max), got 7"));
    CHECK(tide_embedding_bag_forward(ids, offs, NULL, NULL, NULL, w, &pp) == NULL);
    CHECK(error_has("padding_idx 4 is out of range for 4 embeddings"));
    /* nothing written when the ids are bad */
    float *g = tide_tensor_data_ptr(gw);
    g[0] = 7;
    CHECK(tide_embedding_bag_backward(bids, offs, NULL, NULL, go, gw, NULL, w, &p) != 0);
    CHECK(error_has("embedding_bag_backward: input[4] = 5"));
    CHECK(tide_embedding_bag_sgd_(bids, offs, NULL, NULL, go, gw, 0.1, &p) != 0);
    CHECK(error_has("embedding_bag_sgd_: input[4] = 5"));
    CHECK(g[0] == 7);
    int64_t o3[2] = {3, 2};
    tide_tensor *go3 = tide_tensor_zeros(2, o3, TIDE_FLOAT32);
    CHECK(tide_embedding_bag_backward(ids, offs, NULL, NULL, go3, gw, NULL, w, &p) != 0);
    CHECK(error_has("grad_output has shape [3, 2], expected [2, 2]"));
    tide_embedding_bag_params pmax = {TIDE_BAG_MAX, 1, -1};
    CHECK(tide_embedding_bag_backward(ids, offs, NULL, NULL, go, gw, NULL, w, &pmax) != 0);
    CHECK(error_has("mode 'max' needs the max_indices of the forward"));
    CHECK(tide_embedding_bag_sgd_(ids, offs, NULL, NULL, go, gw, NAN, &p) != 0);
    CHECK(error_has("lr must be a finite number"));

    tide_tensor_free(fids), tide_tensor_free(psw), tide_tensor_free(psw3), tide_tensor_free(go3);
    tide_tensor_free(w), tide_tensor_free(gw), tide_tensor_free(go);
    tide_tensor_free(ids), tide_tensor_free(bids), tide_tensor_free(offs);
}

int main(void) {
    for (int dtype = 0; dtype < 2; dtype++) {
        int dt = dtype ? TIDE_FLOAT64 : TIDE_FLOAT32;
        for (int mode = 0; mode < 3; mode++) {
            check_case(mode, dt, 0, -1, 0);
            check_case(mode, dt, 0, 2, 1);
        }
        check_case(TIDE_BAG_SUM, dt, 1, -1, 1);
        check_case(TIDE_BAG_SUM, dt, 1, 3, 0);
    }
    check_2d();
    check_threads();
    check_errors();
    return check_report("test_embedding_bag");
}
