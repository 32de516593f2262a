/* test_metrics.c — tide_binary_clf_curve against a naive quadratic reference computed here: for
 * each distinct score v from the largest down, the (weighted) negatives and positives scoring
 * >= v. Small inputs (the insertion-sort path) and large ones (the radix path), ties, negative
 * and signed-zero scores, weights with zeros; then bad arguments. */
#include "check.h"
#include "tide/metrics.h"
#include "tide/tensor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static tide_tensor *vec(int64_t n) { return tide_tensor_empty(1, &n, TIDE_FLOAT64); }
static double *D(tide_tensor *t) { return (double *)tide_tensor_data_ptr(t); }

static uint64_t rng_state = 12345;
static double uniform(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* one case: n samples, scores rounded to `decimals` (ties), weights when weighted */
static void check_case(int64_t n, int decimals, int weighted) {
    tide_tensor *s = vec(n), *t = vec(n), *w = weighted ? vec(n) : NULL;
    tide_tensor *fps = vec(n), *tps = vec(n), *thr = vec(n);
    double scale = pow(10, decimals);
    for (int64_t i = 0; i < n; i++) {
        double pos = uniform() < 0.4;
        D(t)[i] = pos;
        D(s)[i] = round((uniform() * 4 - 2 + pos) * scale) / scale;
        if (i % 17 == 3) D(s)[i] = -0.0;
        if (w) D(w)[i] = uniform() < 0.1 ? 0 : round(uniform() * 200) / 100;
    }
    int64_t T = tide_binary_clf_curve(s, t, w, fps, tps, thr);
    CHECK(T >= 0);
    /* the reference: distinct scores of the non-zero-weight samples, descending */
    double *vals = malloc((size_t)n * sizeof *vals);
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        if (w && D(w)[i] == 0) continue;
        double v = D(s)[i] == 0 ? 0.0 : D(s)[i];
        int seen = 0;
        for (int64_t j = 0; j < m && !seen; j++) seen = vals[j] == v;
        if (!seen) vals[m++] = v;
    }
    for (int64_t a = 1; a < m; a++) /* insertion sort, descending */
        for (int64_t b = a; b > 0 && vals[b - 1] < vals[b]; b--) {
            double x = vals[b];
            vals[b] = vals[b - 1];
            vals[b - 1] = x;
        }
    CHECK(T == m);
    for (int64_t k = 0; k < T && k < m; k++) {
        long double fp = 0, tp = 0;
        for (int64_t i = 0; i < n; i++) {
            double wi = w ? D(w)[i] : 1;
            if (wi == 0 || D(s)[i] < vals[k]) continue;
            if (D(t)[i] == 1) tp += wi; else fp += wi;
        }
        CHECK(D(thr)[k] == vals[k]);
        CHECK_NEAR(D(tps)[k], tp, 1e-9 * (1 + tp));
        CHECK_NEAR(D(fps)[k], fp, 1e-9 * (1 + fp));
        if (!w) CHECK(D(tps)[k] == (double)tp && D(fps)[k] == (double)fp); /* counts are exact */
    }
    free(vals);
    tide_tensor_free(s);
    tide_tensor_free(t);
    tide_tensor_free(w);
    tide_tensor_free(fps);
    tide_tensor_free(tps);
    tide_tensor_free(thr);
}

static void check_errors(void) {
    int64_t n = 4;
    tide_tensor *s = vec(n), *t = vec(n), *o1 = vec(n), *o2 = vec(n), *o3 = vec(n);
    for (int i = 0; i < 4; i++) {
        D(s)[i] = i;
        D(t)[i] = i % 2;
    }
    CHECK(tide_binary_clf_curve(s, t, NULL, o1, o2, o3) == 4);
    D(s)[2] = NAN;
    CHECK(tide_binary_clf_curve(s, t, NULL, o1, o2, o3) == -1);
    CHECK(strstr(tide_last_error(), "score 2 is not finite") != NULL);
    D(s)[2] = 1;
    D(t)[1] = 2;
    CHECK(tide_binary_clf_curve(s, t, NULL, o1, o2, o3) == -1);
    CHECK(strstr(tide_last_error(), "truth 1 must be 0 or 1") != NULL);
    D(t)[1] = 1;
    CHECK(tide_binary_clf_curve(NULL, t, NULL, o1, o2, o3) == -1);
    CHECK(tide_binary_clf_curve(s, NULL, NULL, o1, o2, o3) == -1);
    int64_t three = 3;
    tide_tensor *small = tide_tensor_empty(1, &three, TIDE_FLOAT64);
    CHECK(tide_binary_clf_curve(s, t, NULL, small, o2, o3) == -1);
    CHECK(strstr(tide_last_error(), "fps has 3 elements, needs 4") != NULL);
    tide_tensor *f32 = tide_tensor_empty(1, &n, TIDE_FLOAT32);
    CHECK(tide_binary_clf_curve(f32, t, NULL, o1, o2, o3) == -1);
    CHECK(strstr(tide_last_error(), "score must be float64") != NULL);
    tide_tensor *neg = vec(n);
    for (int i = 0; i < 4; i++) D(neg)[i] = 1;
    D(neg)[3] = -1;
    CHECK(tide_binary_clf_curve(s, t, neg, o1, o2, o3) == -1);
    CHECK(strstr(tide_last_error(), "weight 3 must be finite and >= 0") != NULL);
    for (int i = 0; i < 4; i++) D(neg)[i] = 0;
    CHECK(tide_binary_clf_curve(s, t, neg, o1, o2, o3) == 0); /* every weight zero: no points */
    tide_tensor_free(s);
    tide_tensor_free(t);
    tide_tensor_free(o1);
    tide_tensor_free(o2);
    tide_tensor_free(o3);
    tide_tensor_free(small);
    tide_tensor_free(f32);
    tide_tensor_free(neg);
}

int main(void) {
    int64_t sizes[] = {1, 2, 7, 48, 49, 300, 5000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        for (int decimals = 0; decimals <= 6; decimals += 3) {
            check_case(sizes[i], decimals, 0);
            check_case(sizes[i], decimals, 1);
        }
    }
    check_errors();
    return check_report("test_metrics");
}
