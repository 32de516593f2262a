/* data_internal.h — what image_ops.c shares with data_loader.c; not part of the public API. */
#ifndef TIDE_DATA_INTERNAL_H
#define TIDE_DATA_INTERNAL_H

#include "internal.h"
#include "tide/data.h"

enum { TF_NORMALIZE, TF_RANDOM_CROP, TF_CENTER_CROP, TF_HFLIP, TF_VFLIP, TF_RESIZE };

typedef struct tf_op {
    int kind;
    int64_t h, w;      /* crop / resize size */
    int64_t pad[4];    /* random crop: top, left, bottom, right */
    double p;          /* flip probability */
    int64_t nvalues;   /* normalize: values per channel (1 = all channels) */
    float *mean, *std; /* normalize: nvalues each */
} tf_op;

struct tide_transforms {
    int64_t n, cap;
    tf_op *ops;
};

/* splitmix64's finaliser: a well-mixed 64-bit value of x. */
static inline uint64_t tide_mix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* The seed of image i of a batch drawn with `seed`. */
static inline uint64_t tide_image_seed(uint64_t seed, int64_t i) {
    return tide_mix64(seed ^ tide_mix64((uint64_t)i * 0xD1B54A32D192ED03ull + 0x632BE59BD9B4E019ull));
}

/* Floats of scratch one image needs to go through tf (two buffers of the largest intermediate). */
int64_t tide_transforms_scratch(const tide_transforms *tf, int64_t c, int64_t h, int64_t w);
/* Run tf on one contiguous float image in [c, h, w] into out (the output shape, already checked
 * with tide_transforms_output_shape); image_seed from tide_image_seed. Cannot fail. */
void tide_transforms_run(const tide_transforms *tf, const float *in, int64_t c, int64_t h, int64_t w, float *out,
                         float *scratch, uint64_t image_seed);
/* uint8 [h, w, c] -> float [c, h, w] / 255 */
void tide_u8_hwc_to_chw(const uint8_t *src, int64_t h, int64_t w, int64_t c, float *dst);

#endif
