/* random.c — the seedable generator: xoshiro256** seeded through splitmix64.
 * Tensors are filled sequentially in row-major order, so a seed gives the same numbers on every
 * run, machine and thread count. */
#include "internal.h"

#include <math.h>

static uint64_t rng_state[4];
static uint64_t rng_seed;
static int rng_ready;

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void tide_manual_seed(uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) rng_state[i] = splitmix64(&x);
    rng_seed = seed;
    rng_ready = 1;
}

uint64_t tide_initial_seed(void) { return rng_seed; }

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next_u64(void) {
    if (!rng_ready) tide_manual_seed(0x7469646521ull);
    uint64_t *s = rng_state;
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

/* uniform double in [0, 1) with 53 random bits */
static inline double next_double(void) { return (double)(next_u64() >> 11) * 0x1.0p-53; }

typedef double (*draw_fn)(const double *args);

static double draw_uniform(const double *a) { return a[0] + (a[1] - a[0]) * next_double(); }

static double draw_normal(const double *a) {
    /* Box-Muller; one of the pair is discarded to keep the sequence position simple */
    double u1 = next_double(), u2 = next_double();
    if (u1 < 1e-300) u1 = 1e-300;
    return a[0] + a[1] * sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static double draw_int(const double *a) {
    uint64_t range = (uint64_t)(int64_t)a[1] - (uint64_t)(int64_t)a[0];
    /* rejection sampling for an unbiased draw */
    uint64_t limit = UINT64_MAX - UINT64_MAX % range, x;
    do x = next_u64();
    while (x >= limit);
    return (double)((int64_t)a[0] + (int64_t)(x % range));
}

static int fill_random(const char *op, tide_tensor *t, draw_fn draw, const double *args) {
    if (!t) return TIDE_FAIL("%s: tensor is NULL (freed?)", op);
    size_t es = tide_dtype_size(t->dtype);
    char *base = tide_elem_ptr(t);
    if (t->numel == 0) return 0;
    int64_t idx[TIDE_MAX_DIMS] = {0};
    do {
        int64_t o = 0;
        for (int i = 0; i < t->ndim; i++) o += idx[i] * t->stride[i];
        tide_store_from_double(base + o * (int64_t)es, t->dtype, draw(args));
    } while (tide_next_index(t->ndim, t->shape, idx));
    return 0;
}

int tide_rand_(tide_tensor *t, double low, double high) {
    if (!(low < high)) return TIDE_FAIL("rand: low (%g) must be below high (%g)", low, high);
    if (t && !tide_is_float(t->dtype))
        return TIDE_FAIL("rand: needs a float dtype, got %s (use randint)", tide_dtype_name(t->dtype));
    double a[2] = {low, high};
    return fill_random("rand", t, draw_uniform, a);
}

int tide_randn_(tide_tensor *t, double mean, double std) {
    if (!(std >= 0)) return TIDE_FAIL("randn: std must be >= 0, got %g", std);
    if (t && !tide_is_float(t->dtype))
        return TIDE_FAIL("randn: needs a float dtype, got %s", tide_dtype_name(t->dtype));
    double a[2] = {mean, std};
    return fill_random("randn", t, draw_normal, a);
}

int tide_randint_(tide_tensor *t, int64_t low, int64_t high) {
    if (low >= high) return TIDE_FAIL("randint: low (%lld) must be below high (%lld)", (long long)low, (long long)high);
    double a[2] = {(double)low, (double)high};
    return fill_random("randint", t, draw_int, a);
}
