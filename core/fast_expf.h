/* fast_expf.h — a float32 exp the compiler can vectorise, shared by the elementwise kernels
 * (core/elementwise_kernels.c) and the neural-network kernels (core/nn_internal.h). Not a public
 * header.
 *
 * Include it after `#pragma GCC optimize("no-trapping-math")`, as both users do: GCC does not
 * inline across different optimisation options, so the helper must be compiled with the same
 * options as the loops that call it (else it becomes a call per element and the loops do not
 * vectorise). */
#ifndef TIDE_FAST_EXPF_H
#define TIDE_FAST_EXPF_H

#include <stdint.h>

/* exp for float32 written so the compiler vectorises it (glibc's expf is a call per element):
 * Cody-Waite reduction x = n ln2 + r, a degree-7 polynomial for e^r (Cephes), and 2^n applied
 * in two halves so results down to the denormals and up to overflow come out right. ~1 ulp. */
static inline float tide_fast_expf(float x) {
    float xc = x < -104.0f ? -104.0f : x;
    xc = xc > 89.0f ? 89.0f : xc;
    xc = xc != xc ? 0.0f : xc;
    float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f; /* round to nearest */
    float r = xc - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * (r * r) + r + 1.0f;
    int32_t ni = (int32_t)n, n1 = ni >> 1, n2 = ni - n1;
    union {
        int32_t i;
        float f;
    } s1 = {.i = (n1 + 127) << 23}, s2 = {.i = (n2 + 127) << 23};
    float e = y * s1.f * s2.f;
    return x != x ? x : e;
}

#endif
