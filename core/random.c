/* random.c — the seedable generator. Counter-based: element i of a draw gets
 * splitmix64(key + (counter + i) * golden), and the counter then advances past the draw. So a
 * seed gives the same numbers on every run, machine and thread count, and large fills run in
 * parallel. Shapes: any tensor; non-contiguous ones are filled through a contiguous copy. */
#include "internal.h"

#include <math.h>

static uint64_t rng_key, rng_counter, rng_seed;
static int rng_ready;

static inline uint64_t mix(uint64_t ctr) {
    uint64_t z = rng_key + ctr * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void tide_manual_seed(uint64_t seed) {
    uint64_t x = seed ^ 0x5DEECE66Dull;
    rng_key = (x ^ (x >> 33)) * 0xFF51AFD7ED558CCDull;
    rng_key ^= rng_key >> 33;
    rng_counter = 0;
    rng_seed = seed;
    rng_ready = 1;
}

uint64_t tide_initial_seed(void) { return rng_seed; }

/* Reserve n counters for one draw; returns the first. */
static uint64_t reserve(int64_t n) {
    if (!rng_ready) tide_manual_seed(0x7469646521ull);
    uint64_t c = rng_counter;
    rng_counter += (uint64_t)n;
    return c;
}

/* For kernels elsewhere (dropout masks, augmentation): reserve n draws, then draw i is
 * tide_rng_bits(first + i) — the same stream rand/randn use, so one seed fixes them all. */
uint64_t tide_rng_reserve(int64_t n) { return reserve(n); }
uint64_t tide_rng_bits(uint64_t counter) { return mix(counter); }

/* The generator's whole state is (seed, counter): saved with checkpoints so a resumed run
 * draws what the uninterrupted run would have drawn. */
void tide_rng_get_state(uint64_t *seed, uint64_t *counter) {
    if (!rng_ready) tide_manual_seed(0x7469646521ull);
    *seed = rng_seed;
    *counter = rng_counter;
}

void tide_rng_set_state(uint64_t seed, uint64_t counter) {
    tide_manual_seed(seed);
    rng_counter = counter;
}

static inline double unit_double(uint64_t r) { return (double)(r >> 11) * 0x1.0p-53; }  /* [0, 1) */
static inline float unit_float(uint64_t r) { return (float)(int32_t)(r >> 40) * 0x1.0p-24f; } /* [0, 1) */

enum { DRAW_UNIFORM, DRAW_NORMAL, DRAW_INT };

/* Fill n contiguous elements starting at p with draws c0, c0+1, ... */
static TIDE_HOT void fill_contiguous(void *p, int dtype, int64_t n, int kind, double a, double b, uint64_t c0) {
    int nt = tide_threads_for(n * 8);
    if (kind == DRAW_UNIFORM && dtype == TIDE_FLOAT32) {
        float *d = p, lo = (float)a, w = (float)(b - a), hi = (float)b, below = nextafterf(hi, lo);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (int64_t i = 0; i < n; i++) {
            float v = lo + w * unit_float(mix(c0 + (uint64_t)i));
            d[i] = v < hi ? v : below; /* rounding must not reach `high` */
        }
    } else if (kind == DRAW_UNIFORM) {
        double below = nextafter(b, a);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (int64_t i = 0; i < n; i++) {
            double v = a + (b - a) * unit_double(mix(c0 + (uint64_t)i));
            ((double *)p)[i] = v < b ? v : below;
        }
    } else if (kind == DRAW_NORMAL) {
        /* Box-Muller on counter pairs (2k, 2k+1): both the cosine and the sine value are used */
        int64_t pairs = (n + 1) / 2;
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (int64_t k = 0; k < pairs; k++) {
            double u1 = 1.0 - unit_double(mix(c0 + 2 * (uint64_t)k)); /* (0, 1]: log is finite */
            double u2 = unit_double(mix(c0 + 2 * (uint64_t)k + 1));
            double r = b * sqrt(-2.0 * log(u1)), th = 2.0 * M_PI * u2;
            double z0 = a + r * cos(th), z1 = a + r * sin(th);
            if (dtype == TIDE_FLOAT32) {
                float *d = p;
                d[2 * k] = (float)z0;
                if (2 * k + 1 < n) d[2 * k + 1] = (float)z1;
            } else {
                double *d = p;
                d[2 * k] = z0;
                if (2 * k + 1 < n) d[2 * k + 1] = z1;
            }
        }
    } else {
        /* integers in [a, b): Lemire's multiply-shift maps 64 random bits onto the range */
        uint64_t range = (uint64_t)((int64_t)b - (int64_t)a);
        int64_t low = (int64_t)a;
        size_t es = tide_dtype_size(dtype);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (int64_t i = 0; i < n; i++) {
            uint64_t r = (uint64_t)(((unsigned __int128)mix(c0 + (uint64_t)i) * range) >> 64);
            int64_t v = low + (int64_t)r;
            char *q = (char *)p + i * (int64_t)es;
            switch (dtype) {
            case TIDE_FLOAT32: *(float *)q = (float)v; break;
            case TIDE_FLOAT64: *(double *)q = (double)v; break;
            case TIDE_INT32: *(int32_t *)q = (int32_t)v; break;
            case TIDE_INT64: *(int64_t *)q = v; break;
            case TIDE_UINT8: *(uint8_t *)q = (uint8_t)v; break;
            case TIDE_BOOL: *(bool *)q = v != 0; break;
            }
        }
    }
}

static int fill_random(const char *op, tide_tensor *t, int kind, double a, double b) {
    if (!t) return TIDE_FAIL("%s: tensor is NULL (freed?)", op);
    if (t->numel == 0) return 0;
    uint64_t c0 = reserve(kind == DRAW_NORMAL ? (t->numel + 1) / 2 * 2 : t->numel);
    if (tide_tensor_is_contiguous(t) && t->storage) {
        fill_contiguous(tide_elem_ptr(t), t->dtype, t->numel, kind, a, b, c0);
        return 0;
    }
    tide_tensor *tmp = tide_alloc(op, t->ndim, t->shape, t->dtype);
    if (!tmp) return -1;
    fill_contiguous(tide_elem_ptr(tmp), t->dtype, t->numel, kind, a, b, c0);
    int st = tide_copy_(t, tmp);
    tide_tensor_free(tmp);
    return st;
}

int tide_rand_(tide_tensor *t, double low, double high) {
    if (!(low < high)) return TIDE_FAIL("rand: low (%g) must be below high (%g)", low, high);
    if (t && !tide_is_float(t->dtype))
        return TIDE_FAIL("rand: needs a float dtype, got %s (use randint)", tide_dtype_name(t->dtype));
    return fill_random("rand", t, DRAW_UNIFORM, low, high);
}

int tide_randn_(tide_tensor *t, double mean, double std) {
    if (!(std >= 0)) return TIDE_FAIL("randn: std must be >= 0, got %g", std);
    if (t && !tide_is_float(t->dtype))
        return TIDE_FAIL("randn: needs a float dtype, got %s", tide_dtype_name(t->dtype));
    return fill_random("randn", t, DRAW_NORMAL, mean, std);
}

int tide_randint_(tide_tensor *t, int64_t low, int64_t high) {
    if (low >= high) return TIDE_FAIL("randint: low (%lld) must be below high (%lld)", (long long)low, (long long)high);
    if (t && t->dtype == TIDE_BOOL && (low < 0 || high > 2))
        return TIDE_FAIL("randint: a bool tensor takes values in [0, 2), got [%lld, %lld)", (long long)low,
                         (long long)high);
    return fill_random("randint", t, DRAW_INT, (double)low, (double)high);
}
