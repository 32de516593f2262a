/* test_reduce.c — reductions, scans and sorting against naive references computed here in
 * long double: every op over every subset of dims of 4-d tensors (contiguous, transposed,
 * sliced, expanded), the parallel paths on larger shapes, the float32 sum of 16M values,
 * max/argmax ties and NaN, cumsum/cumprod, sort/topk/kthvalue/median/unique invariants, and
 * bad arguments. */
#include "check.h"
#include "tide/reduce.h"
#include "tide/sort.h"
#include "tide/tensor.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static double get(const tide_tensor *t, const int64_t *idx) {
    double v = NAN;
    tide_tensor_get(t, idx, &v);
    return v;
}

/* x's element at row-major linear position lin */
static double get_lin(const tide_tensor *t, int64_t lin) {
    int64_t idx[TIDE_MAX_DIMS];
    for (int d = t->ndim - 1; d >= 0; d--) {
        idx[d] = t->shape[d] ? lin % t->shape[d] : 0;
        lin = t->shape[d] ? lin / t->shape[d] : 0;
    }
    return get(t, idx);
}

/* output position (row-major over kept dims) of x's element at linear position lin */
static int64_t out_pos(const tide_tensor *x, const bool *mask, int64_t lin) {
    int64_t idx[TIDE_MAX_DIMS];
    for (int d = x->ndim - 1; d >= 0; d--) {
        idx[d] = lin % x->shape[d];
        lin /= x->shape[d];
    }
    int64_t m = 0;
    for (int d = 0; d < x->ndim; d++)
        if (!mask[d]) m = m * x->shape[d] + idx[d];
    return m;
}

/* naive op over mask -> res[M] */
static void naive(const tide_tensor *x, const bool *mask, int op, double p, double *res, int64_t M) {
    long double *a = calloc((size_t)M, sizeof *a), *b = calloc((size_t)M, sizeof *b);
    int64_t N = x->numel / (M ? M : 1);
    for (int64_t m = 0; m < M; m++) {
        a[m] = op == TIDE_REDUCE_PROD ? 1 : op == TIDE_REDUCE_MIN ? INFINITY : op == TIDE_REDUCE_MAX || op == TIDE_REDUCE_LOGSUMEXP ? -INFINITY : 0;
        if (op == TIDE_REDUCE_NORM && p == -INFINITY) a[m] = INFINITY;
    }
    for (int64_t i = 0; i < x->numel; i++) {
        long double v = get_lin(x, i);
        int64_t m = out_pos(x, mask, i);
        switch (op) {
        case TIDE_REDUCE_SUM: case TIDE_REDUCE_MEAN: case TIDE_REDUCE_VAR: case TIDE_REDUCE_STD: a[m] += v; break;
        case TIDE_REDUCE_PROD: a[m] *= v; break;
        case TIDE_REDUCE_MIN:
            if (!isnan(a[m]) && (isnan(v) || v < a[m])) a[m] = v;
            break;
        case TIDE_REDUCE_MAX: case TIDE_REDUCE_LOGSUMEXP:
            if (!isnan(a[m]) && (isnan(v) || v > a[m])) a[m] = v;
            break;
        case TIDE_REDUCE_ANY: case TIDE_REDUCE_ALL: case TIDE_REDUCE_COUNT_NONZERO: a[m] += v != 0; break;
        case TIDE_REDUCE_NORM:
            if (p == INFINITY) a[m] = fmaxl(a[m], fabsl(v));
            else if (p == -INFINITY) a[m] = fminl(a[m], fabsl(v));
            else if (p == 0) a[m] += v != 0;
            else a[m] += powl(fabsl(v), p);
            break;
        }
    }
    if (op == TIDE_REDUCE_VAR || op == TIDE_REDUCE_STD || op == TIDE_REDUCE_LOGSUMEXP) {
        for (int64_t i = 0; i < x->numel; i++) {
            long double v = get_lin(x, i);
            int64_t m = out_pos(x, mask, i);
            if (op == TIDE_REDUCE_LOGSUMEXP) b[m] += expl(v - a[m]);
            else b[m] += (v - a[m] / N) * (v - a[m] / N);
        }
    }
    for (int64_t m = 0; m < M; m++) {
        long double r = a[m];
        switch (op) {
        case TIDE_REDUCE_MEAN: r = a[m] / N; break;
        case TIDE_REDUCE_ANY: r = a[m] > 0; break;
        case TIDE_REDUCE_ALL: r = a[m] == N; break;
        case TIDE_REDUCE_NORM: if (isfinite(p) && p != 0) r = powl(a[m], 1 / (long double)p); break;
        case TIDE_REDUCE_LOGSUMEXP: r = a[m] + logl(b[m]); break;
        case TIDE_REDUCE_VAR: r = b[m] / (N - p); break;
        case TIDE_REDUCE_STD: r = sqrtl(b[m] / (N - p)); break;
        }
        res[m] = (double)r;
    }
    free(a);
    free(b);
}

static bool close_to(double got, double want, double rtol) {
    if (isnan(want)) return isnan(got);
    if (isinf(want)) return got == want;
    return fabs(got - want) <= rtol * (1 + fabs(want));
}

/* every op over every subset of dims of x, against naive; returns the number of mismatches */
static int check_all_dims(const tide_tensor *x, double rtol, const char *what) {
    int bad = 0;
    double params[TIDE_REDUCE_NOPS] = {0};
    for (int op = 0; op < TIDE_REDUCE_NOPS; op++) {
        int np = op == TIDE_REDUCE_NORM ? 6 : op == TIDE_REDUCE_VAR || op == TIDE_REDUCE_STD ? 2 : 1;
        for (int pi = 0; pi < np; pi++) {
            static const double norm_p[] = {2, 1, 3, INFINITY, -INFINITY, 0};
            double p = op == TIDE_REDUCE_NORM ? norm_p[pi] : op == TIDE_REDUCE_VAR || op == TIDE_REDUCE_STD ? pi : params[op];
            for (int mask_bits = 0; mask_bits < (1 << x->ndim); mask_bits++) {
                bool mask[TIDE_MAX_DIMS] = {0};
                int32_t dims[TIDE_MAX_DIMS];
                int nd = 0;
                int64_t M = 1;
                for (int d = 0; d < x->ndim; d++) {
                    mask[d] = mask_bits >> d & 1;
                    if (mask[d]) dims[nd++] = d;
                    else M *= x->shape[d];
                }
                if (nd == 0) continue;
                for (int keep = 0; keep < 2; keep++) {
                    tide_tensor *r = tide_reduce(x, NULL, op, nd, dims, keep, -1, p);
                    if (!r) {
                        fprintf(stderr, "%s op %d mask %d: %s\n", what, op, mask_bits, tide_last_error());
                        bad++;
                        continue;
                    }
                    double *want = malloc((size_t)M * sizeof *want);
                    naive(x, mask, op, p, want, M);
                    CHECK(r->numel == M);
                    CHECK(r->ndim == (keep ? x->ndim : x->ndim - nd));
                    for (int64_t m = 0; m < M; m++) {
                        double got = get_lin(r, m);
                        if (!close_to(got, want[m], rtol)) {
                            if (bad < 10)
                                fprintf(stderr, "%s op %d p %g mask %d out %lld: got %.10g want %.10g\n", what, op, p,
                                        mask_bits, (long long)m, got, want[m]);
                            bad++;
                        }
                    }
                    free(want);
                    tide_tensor_free(r);
                }
            }
            /* all dims at once through tide_reduce_all */
            bool mask[TIDE_MAX_DIMS] = {1, 1, 1, 1, 1, 1, 1, 1};
            double want, got = NAN;
            naive(x, mask, op, p, &want, 1);
            CHECK(tide_reduce_all(x, op, p, &got) == 0);
            if (!close_to(got, want, rtol)) {
                fprintf(stderr, "%s reduce_all op %d p %g: got %.10g want %.10g\n", what, op, p, got, want);
                bad++;
            }
        }
    }
    return bad;
}

static tide_tensor *randn_tensor(int nd, const int64_t *shape, int dtype) {
    tide_tensor *t = tide_tensor_empty(nd, shape, dtype);
    if (dtype == TIDE_FLOAT32 || dtype == TIDE_FLOAT64) tide_randn_(t, 0, 1);
    else tide_randint_(t, 0, 4);
    return t;
}

static void test_layouts(void) {
    int64_t shape[4] = {4, 5, 6, 3};
    tide_tensor *x = randn_tensor(4, shape, TIDE_FLOAT64);
    CHECK(check_all_dims(x, 1e-12, "contiguous f64") == 0);
    tide_tensor *t = tide_transpose(x, 0, 2); /* [6, 5, 4, 3] */
    CHECK(check_all_dims(t, 1e-12, "transposed f64") == 0);
    tide_tensor *s = tide_slice(x, 1, 1, 5, 2); /* [4, 2, 6, 3] */
    CHECK(check_all_dims(s, 1e-12, "sliced f64") == 0);
    int64_t small[4] = {4, 1, 6, 1}, big[4] = {4, 5, 6, 3};
    tide_tensor *b = randn_tensor(4, small, TIDE_FLOAT64);
    tide_tensor *e = tide_expand(b, 4, big);
    CHECK(check_all_dims(e, 1e-12, "expanded f64") == 0);
    tide_tensor *f = randn_tensor(4, shape, TIDE_FLOAT32);
    CHECK(check_all_dims(f, 2e-6, "contiguous f32") == 0);
    tide_tensor *ft = tide_transpose(f, 1, 3);
    CHECK(check_all_dims(ft, 2e-6, "transposed f32") == 0);
    tide_tensor *i = randn_tensor(4, shape, TIDE_INT32);
    CHECK(check_all_dims(i, 2e-6, "int32") == 0);
    tide_tensor *u = randn_tensor(3, shape, TIDE_UINT8);
    CHECK(check_all_dims(u, 2e-6, "uint8") == 0);
    tide_tensor *bo = tide_cast(u, TIDE_BOOL);
    CHECK(check_all_dims(bo, 2e-6, "bool") == 0);
    tide_tensor *ts[] = {x, t, s, b, e, f, ft, i, u, bo};
    for (size_t k = 0; k < sizeof ts / sizeof *ts; k++) tide_tensor_free(ts[k]);
}

/* shapes that take the parallel paths: few long outputs, strided runs, outer loop with row blocks */
static void test_parallel_paths(void) {
    tide_set_num_threads(2);
    static const int64_t shapes[][2] = {{2, 300000}, {300000, 3}, {100000, 20}, {4096, 64}, {64, 4096}, {3, 70000}, {70, 3001}};
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
        tide_tensor *x = randn_tensor(2, shapes[k], TIDE_FLOAT32);
        tide_tensor *xi = randn_tensor(2, shapes[k], TIDE_INT64);
        static const int ops[] = {TIDE_REDUCE_SUM, TIDE_REDUCE_MAX, TIDE_REDUCE_VAR, TIDE_REDUCE_LOGSUMEXP};
        for (int dim = 0; dim < 2; dim++) {
            int32_t d = dim;
            bool mask[2] = {dim == 0, dim == 1};
            int64_t M = shapes[k][1 - dim];
            double *want = malloc((size_t)M * sizeof *want);
            /* float32 sums add up to 8 values in float before going to double: the bound is
             * relative to the sum of magnitudes (like NumPy's pairwise sums), not to the result */
            double *absum = malloc((size_t)M * sizeof *absum);
            naive(x, mask, TIDE_REDUCE_NORM, 1, absum, M);
            for (size_t o = 0; o < sizeof ops / sizeof *ops; o++) {
                double p = ops[o] == TIDE_REDUCE_VAR ? 1 : 0;
                tide_tensor *r = tide_reduce(x, NULL, ops[o], 1, &d, 0, -1, p);
                naive(x, mask, ops[o], p, want, M);
                int bad = 0;
                for (int64_t m = 0; m < M; m++) {
                    double got = get_lin(r, m);
                    if (ops[o] == TIDE_REDUCE_SUM)
                        bad += !(fabs(got - want[m]) <= 1e-6 * absum[m] + 1e-6 * fabs(want[m]));
                    else
                        bad += !close_to(got, want[m], 1e-5);
                }
                if (bad) fprintf(stderr, "parallel [%lld, %lld] dim %d op %d: %d bad\n", (long long)shapes[k][0],
                                 (long long)shapes[k][1], dim, ops[o], bad);
                CHECK(bad == 0);
                tide_tensor_free(r);
            }
            free(absum);
            tide_tensor *r = tide_reduce(xi, NULL, TIDE_REDUCE_SUM, 1, &d, 0, -1, 0);
            CHECK(r->dtype == TIDE_INT64);
            naive(xi, mask, TIDE_REDUCE_SUM, 0, want, M);
            int bad = 0;
            for (int64_t m = 0; m < M; m++) bad += get_lin(r, m) != want[m];
            CHECK(bad == 0);
            tide_tensor_free(r);
            free(want);
        }
        tide_tensor_free(x);
        tide_tensor_free(xi);
    }
}

/* float32 sum of 16M values within 1e-6 of the float64 result */
static void test_sum_accuracy(void) {
    int64_t n = 16 << 20;
    tide_tensor *x = tide_tensor_empty(1, &n, TIDE_FLOAT32);
    tide_manual_seed(7);
    tide_rand_(x, -0.5, 1.5);
    const float *p = tide_tensor_data_ptr(x);
    long double ref = 0;
    for (int64_t i = 0; i < n; i++) ref += p[i];
    double got;
    CHECK(tide_reduce_all(x, TIDE_REDUCE_SUM, 0, &got) == 0);
    CHECK(fabsl(got - ref) <= 1e-6 * fabsl(ref));
    tide_tensor *r = tide_reduce(x, NULL, TIDE_REDUCE_SUM, 0, NULL, 0, -1, 0);
    CHECK(r && r->ndim == 0 && fabsl(get_lin(r, 0) - ref) <= 1e-6 * fabsl(ref));
    double mean, var;
    CHECK(tide_reduce_all(x, TIDE_REDUCE_MEAN, 0, &mean) == 0 && fabsl(mean - ref / n) <= 1e-6 * fabsl(ref / n));
    CHECK(tide_reduce_all(x, TIDE_REDUCE_VAR, 0, &var) == 0 && fabs(var - 1.0 / 3) < 1e-3); /* uniform width 2 */
    tide_tensor_free(r);
    tide_tensor_free(x);
}

static void test_index_reductions(void) {
    /* ties: first occurrence; NaN wins */
    double data[] = {1, 3, 3, 0, 3, 1, 2, 2, 0, NAN, 5, NAN};
    int64_t shape[2] = {3, 4};
    tide_tensor *x = tide_tensor_from_ptr(data, 2, shape, NULL, TIDE_FLOAT64);
    tide_tensor *v = NULL, *i = NULL;
    CHECK(tide_reduce_index(x, &v, &i, 1, 1, 0, 1) == 0);
    int64_t k0[1] = {0}, k1[1] = {1}, k2[1] = {2};
    CHECK(get(i, k0) == 2 && get(v, k0) == 3);
    CHECK(get(i, k1) == 1 && get(v, k1) == 3);
    CHECK(get(i, k2) == 2 && isnan(get(v, k2)));
    tide_tensor_free(v);
    tide_tensor_free(i);
    v = i = NULL;
    CHECK(tide_reduce_index(x, &v, &i, 0, 0, 1, 0) == 0); /* min over dim 1, keepdim, 0-based */
    CHECK(i->ndim == 2 && i->shape[0] == 1 && i->shape[1] == 4);
    int64_t j[2] = {0, 0};
    CHECK(get(i, j) == 2);
    j[1] = 1;
    CHECK(get(i, j) == 2); /* NaN in column 2 */
    tide_tensor_free(v);
    tide_tensor_free(i);
    int64_t flat;
    CHECK(tide_arg_all(x, 1, 1, &flat) == 0 && flat == 10); /* first NaN, 1-based */
    tide_tensor *t = tide_transpose(x, 0, 1);
    CHECK(tide_arg_all(t, 0, 0, &flat) == 0 && flat == 5); /* row-major order of the transposed view */
    tide_tensor_free(t);
    tide_tensor_free(x);

    /* random ties on both paths (row and column), against a naive scan */
    int64_t big[2] = {300, 50};
    tide_tensor *r = randn_tensor(2, big, TIDE_INT32);
    for (int dim = 0; dim < 2; dim++)
        for (int largest = 0; largest < 2; largest++) {
            tide_tensor *iv = NULL, *vv = NULL;
            CHECK(tide_reduce_index(r, &vv, &iv, largest, dim, 0, 1) == 0);
            int64_t n = big[dim], M = big[1 - dim];
            int bad = 0;
            for (int64_t m = 0; m < M; m++) {
                int64_t best = 0;
                double bv = 0;
                for (int64_t q = 0; q < n; q++) {
                    int64_t id[2] = {dim ? m : q, dim ? q : m};
                    double w = get(r, id);
                    if (q == 0 || (largest ? w > bv : w < bv)) {
                        bv = w;
                        best = q;
                    }
                }
                bad += get_lin(iv, m) != best + 1 || get_lin(vv, m) != bv;
            }
            CHECK(bad == 0);
            tide_tensor_free(iv);
            tide_tensor_free(vv);
        }
    tide_tensor_free(r);
}

static void test_scans(void) {
    int64_t shape[3] = {5, 6, 7};
    tide_tensor *x = randn_tensor(3, shape, TIDE_FLOAT64);
    tide_tensor *xt = tide_transpose(x, 0, 2);
    tide_tensor *xs[2] = {x, xt};
    for (int w = 0; w < 2; w++)
        for (int dim = 0; dim < 3; dim++)
            for (int op = 0; op < 2; op++) {
                const tide_tensor *a = xs[w];
                tide_tensor *y = tide_scan(a, NULL, op, dim, -1);
                int bad = 0;
                int64_t idx[3];
                for (idx[0] = 0; idx[0] < a->shape[0]; idx[0]++)
                    for (idx[1] = 0; idx[1] < a->shape[1]; idx[1]++)
                        for (idx[2] = 0; idx[2] < a->shape[2]; idx[2]++) {
                            int64_t k[3] = {idx[0], idx[1], idx[2]};
                            double acc = op ? 1 : 0;
                            for (k[dim] = 0; k[dim] <= idx[dim]; k[dim]++) acc = op ? acc * get(a, k) : acc + get(a, k);
                            bad += !close_to(get(y, idx), acc, 1e-12);
                        }
                CHECK(bad == 0);
                tide_tensor_free(y);
            }
    /* the column path (dim 1 of a wide matrix) and int32 -> int64 */
    int64_t wide[2] = {300, 40};
    tide_tensor *c = randn_tensor(2, wide, TIDE_INT32);
    tide_tensor *y = tide_scan(c, NULL, TIDE_SCAN_SUM, 0, -1);
    CHECK(y->dtype == TIDE_INT64);
    int bad = 0;
    for (int64_t j = 0; j < 40; j++) {
        double acc = 0;
        for (int64_t q = 0; q < 300; q++) {
            int64_t id[2] = {q, j};
            acc += get(c, id);
            bad += get(y, id) != acc;
        }
    }
    CHECK(bad == 0);
    tide_tensor_free(y);
    tide_tensor_free(c);
    tide_tensor_free(xt);
    tide_tensor_free(x);

    /* long lines take the blocked parallel scan: float64 sums, int64 products of +-1 */
    tide_set_num_threads(2);
    int64_t longn[2] = {2, 300001};
    tide_tensor *lf = randn_tensor(2, longn, TIDE_FLOAT64);
    tide_tensor *li = tide_tensor_empty(2, longn, TIDE_INT64);
    tide_randint_(li, 0, 2);
    int64_t *lp = tide_tensor_data_ptr(li);
    for (int64_t q = 0; q < li->numel; q++) lp[q] = lp[q] ? 1 : -1;
    tide_tensor *ys = tide_scan(lf, NULL, TIDE_SCAN_SUM, 1, -1), *yp = tide_scan(li, NULL, TIDE_SCAN_PROD, 1, -1);
    bad = 0;
    const double *fp = tide_tensor_data_ptr(lf), *sp = tide_tensor_data_ptr(ys);
    const int64_t *pp = tide_tensor_data_ptr(yp);
    for (int64_t r = 0; r < 2; r++) {
        double acc = 0;
        int64_t pr = 1;
        for (int64_t q = 0; q < longn[1]; q++) {
            acc += fp[r * longn[1] + q];
            pr *= lp[r * longn[1] + q];
            bad += !close_to(sp[r * longn[1] + q], acc, 1e-9) || pp[r * longn[1] + q] != pr;
        }
    }
    CHECK(bad == 0);
    tide_tensor_free(ys);
    tide_tensor_free(yp);
    tide_tensor_free(lf);
    tide_tensor_free(li);
}

static bool before(double a, int64_t ia, double b, int64_t ib, int desc) {
    bool an = isnan(a), bn = isnan(b);
    if (a == b || (an && bn)) return ia < ib;
    bool lt = an ? false : bn ? true : a < b;
    return desc ? !lt : lt;
}

static void test_sorting(void) {
    int64_t shape[2] = {37, 41};
    tide_tensor *x = tide_tensor_empty(2, shape, TIDE_FLOAT32);
    tide_randint_(x, 0, 6); /* many ties */
    int64_t nanpos[2] = {3, 4}, nanpos2[2] = {20, 4};
    tide_tensor_set(x, nanpos, NAN);
    tide_tensor_set(x, nanpos2, NAN);
    for (int dim = 0; dim < 2; dim++)
        for (int desc = 0; desc < 2; desc++) {
            tide_tensor *v = NULL, *i = NULL;
            CHECK(tide_sort(x, &v, &i, dim, desc, 1, 0) == 0);
            int bad = 0;
            int64_t n = shape[dim], M = shape[1 - dim];
            for (int64_t m = 0; m < M; m++) {
                double pv = 0;
                int64_t pi = 0;
                bool *seen = calloc((size_t)n, 1);
                for (int64_t q = 0; q < n; q++) {
                    int64_t id[2] = {dim ? m : q, dim ? q : m};
                    double val = get(v, id);
                    int64_t src = (int64_t)get(i, id);
                    int64_t sid[2] = {dim ? m : src, dim ? src : m};
                    double orig = get(x, sid);
                    bad += !(val == orig || (isnan(val) && isnan(orig)));
                    bad += seen[src];
                    seen[src] = true;
                    if (q) bad += !before(pv, pi, val, src, desc);
                    pv = val;
                    pi = src;
                }
                free(seen);
            }
            CHECK(bad == 0);
            /* topk == the first k of the stable sort */
            for (int64_t k = 0; k <= n; k += 7) {
                tide_tensor *tv = NULL, *ti = NULL;
                CHECK(tide_topk(x, &tv, &ti, k, dim, desc, 1, 0) == 0);
                int tb = 0;
                for (int64_t m = 0; m < M; m++)
                    for (int64_t q = 0; q < k; q++) {
                        int64_t id[2] = {dim ? m : q, dim ? q : m};
                        tb += get(ti, id) != get(i, id);
                    }
                CHECK(tb == 0);
                tide_tensor_free(tv);
                tide_tensor_free(ti);
            }
            /* kthvalue: the k-th of the ascending sort */
            if (!desc)
                for (int64_t k = 1; k <= n; k += 5) {
                    tide_tensor *kv = NULL, *ki = NULL;
                    CHECK(tide_kthvalue(x, &kv, &ki, k, dim, 0, 0) == 0);
                    int kb = 0;
                    for (int64_t m = 0; m < M; m++) {
                        int64_t id[2] = {dim ? m : k - 1, dim ? k - 1 : m};
                        kb += get_lin(ki, m) != get(i, id);
                    }
                    CHECK(kb == 0);
                    tide_tensor_free(kv);
                    tide_tensor_free(ki);
                }
            tide_tensor_free(v);
            tide_tensor_free(i);
        }
    /* median: lower median; NaN lines give NaN at the first NaN */
    tide_tensor *mv = NULL, *mi = NULL;
    CHECK(tide_median(x, &mv, &mi, 0, 0, 0) == 0);
    int64_t c4[1] = {4}, c5[1] = {5};
    CHECK(isnan(get(mv, c4)) && get(mi, c4) == 3);
    tide_tensor *sv = NULL;
    int64_t five = 5;
    tide_tensor *col = tide_select(x, 1, 5);
    CHECK(tide_sort(col, &sv, NULL, 0, 0, 1, 0) == 0);
    int64_t mid[1] = {(37 - 1) / 2};
    CHECK(get(mv, c5) == get(sv, mid));
    (void)five;
    tide_tensor_free(col);
    tide_tensor_free(sv);
    tide_tensor_free(mv);
    tide_tensor_free(mi);

    /* unique: sorted distinct values, counts, inverse */
    tide_tensor *u = NULL, *inv = NULL, *cnt = NULL;
    CHECK(tide_unique(x, &u, &inv, &cnt, 0) == 0);
    CHECK(u->numel == 7); /* 0..5 and one NaN */
    int64_t total = 0;
    for (int64_t q = 0; q < u->numel; q++) {
        total += (int64_t)get_lin(cnt, q);
        if (q) CHECK(get_lin(u, q) > get_lin(u, q - 1) || isnan(get_lin(u, q)));
    }
    CHECK(total == x->numel);
    int bad = 0;
    for (int64_t q = 0; q < x->numel; q++) {
        double a = get_lin(x, q), b = get_lin(u, (int64_t)get_lin(inv, q));
        bad += !(a == b || (isnan(a) && isnan(b)));
    }
    CHECK(bad == 0);
    tide_tensor_free(u);
    tide_tensor_free(inv);
    tide_tensor_free(cnt);
    tide_tensor_free(x);
}

static bool fails_with(void *r, const char *op) {
    bool ok = r == NULL && strncmp(tide_last_error(), op, strlen(op)) == 0;
    if (!ok) fprintf(stderr, "expected a failure naming %s, got '%s'\n", op, tide_last_error());
    tide_clear_error();
    return ok;
}

static void test_errors(void) {
    int64_t shape[2] = {3, 4}, zero[2] = {0, 4}, wrong[1] = {5};
    tide_tensor *x = tide_tensor_zeros(2, shape, TIDE_FLOAT32);
    tide_tensor *e = tide_tensor_zeros(2, zero, TIDE_FLOAT32);
    tide_tensor *o = tide_tensor_zeros(1, wrong, TIDE_FLOAT32);
    int32_t bad_dim = 2, dup[2] = {1, 1}, d0 = 0;
    double r;
    CHECK(fails_with(tide_reduce(x, NULL, TIDE_REDUCE_SUM, 1, &bad_dim, 0, -1, 0), "sum"));
    CHECK(fails_with(tide_reduce(x, NULL, TIDE_REDUCE_MEAN, 2, dup, 0, -1, 0), "mean"));
    CHECK(fails_with(tide_reduce(x, o, TIDE_REDUCE_SUM, 1, &d0, 0, -1, 0), "sum"));
    CHECK(fails_with(tide_reduce(x, NULL, TIDE_REDUCE_NORM, 1, &d0, 0, -1, -2), "norm"));
    CHECK(fails_with(tide_reduce(x, NULL, TIDE_REDUCE_MEAN, 1, &d0, 0, TIDE_INT32, 0), "mean"));
    CHECK(fails_with(tide_reduce(e, NULL, TIDE_REDUCE_MAX, 1, &d0, 0, -1, 0), "max"));
    CHECK(fails_with(tide_reduce_all(e, TIDE_REDUCE_MIN, 0, &r) ? NULL : (void *)1, "min"));
    CHECK(fails_with(tide_arg_all(e, 1, 1, (int64_t *)&r) ? NULL : (void *)1, "argmax"));
    tide_tensor *v = NULL, *i = NULL;
    CHECK(fails_with(tide_reduce_index(e, &v, &i, 1, 0, 0, 1) ? NULL : (void *)1, "max"));
    CHECK(fails_with(tide_topk(x, &v, &i, 5, 1, 1, 1, 1) ? NULL : (void *)1, "topk"));
    CHECK(fails_with(tide_kthvalue(x, &v, &i, 0, 1, 0, 1) ? NULL : (void *)1, "kthvalue"));
    CHECK(fails_with(tide_scan(x, o, TIDE_SCAN_SUM, 0, -1), "cumsum"));
    CHECK(fails_with(tide_sort(x, &v, &i, 3, 0, 1, 1) ? NULL : (void *)1, "sort"));
    CHECK(v == NULL && i == NULL);
    /* empty reductions with identities */
    CHECK(tide_reduce_all(e, TIDE_REDUCE_SUM, 0, &r) == 0 && r == 0);
    CHECK(tide_reduce_all(e, TIDE_REDUCE_PROD, 0, &r) == 0 && r == 1);
    CHECK(tide_reduce_all(e, TIDE_REDUCE_MEAN, 0, &r) == 0 && isnan(r));
    CHECK(tide_reduce_all(e, TIDE_REDUCE_LOGSUMEXP, 0, &r) == 0 && r == -INFINITY);
    CHECK(tide_reduce_all(e, TIDE_REDUCE_ALL, 0, &r) == 0 && r == 1);
    tide_tensor *s = tide_reduce(e, NULL, TIDE_REDUCE_SUM, 1, &d0, 0, -1, 0);
    CHECK(s && s->ndim == 1 && s->shape[0] == 4 && get_lin(s, 0) == 0);
    tide_tensor_free(s);
    tide_tensor_free(x);
    tide_tensor_free(e);
    tide_tensor_free(o);
}

int main(void) {
    tide_manual_seed(1234);
    test_layouts();
    test_parallel_paths();
    test_sum_accuracy();
    test_index_reductions();
    test_scans();
    test_sorting();
    test_errors();
    return check_report("test_reduce");
}
