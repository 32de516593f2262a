/* image_ops.c — image conversion and the transform pipeline (Normalize, RandomCrop, CenterCrop,
 * horizontal / vertical flips, bilinear Resize) on float32 images [C, H, W].
 *
 * A pipeline runs image by image: each op reads the current image and writes the next one into
 * one of two scratch buffers (the last op writes straight into the output), so a whole batch
 * needs scratch for one image per thread. Random choices come from a splitmix64 stream keyed by
 * (seed, image position), never from shared state: the same seed gives the same batch on any
 * thread count, and the loader's worker thread can run a pipeline while the main thread runs
 * another. The per-image kernels use no OpenMP; only tide_transforms_apply splits a batch across
 * threads, and only when called from the caller's thread. */
#include "data_internal.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- conversion */

static float u8_scale[256]; /* v / 255 as torchvision's ToTensor computes it (a float division) */
static int u8_scale_ready;

static void init_u8_scale(void) {
    if (__atomic_load_n(&u8_scale_ready, __ATOMIC_ACQUIRE)) return;
    for (int i = 0; i < 256; i++) u8_scale[i] = (float)i / 255.0f;
    __atomic_store_n(&u8_scale_ready, 1, __ATOMIC_RELEASE);
}

/* src [h, w, c] uint8 -> dst [c, h, w] float in [0, 1] */
void tide_u8_hwc_to_chw(const uint8_t *src, int64_t h, int64_t w, int64_t c, float *dst) {
    init_u8_scale();
    int64_t hw = h * w;
    if (c == 1) {
        for (int64_t i = 0; i < hw; i++) dst[i] = u8_scale[src[i]];
        return;
    }
    for (int64_t i = 0; i < hw; i++)
        for (int64_t k = 0; k < c; k++) dst[k * hw + i] = u8_scale[src[i * c + k]];
}

/* The result r of an op that wrote into dst: when dst was a contiguous stand-in for a
 * non-contiguous r, copy it over and free it. On failure frees r unless it is the caller's out. */
static tide_tensor *finish_staged(tide_tensor *r, tide_tensor *dst, tide_tensor *out) {
    if (dst == r) return r;
    int st = tide_copy_(r, dst);
    tide_tensor_free(dst);
    if (st != 0) {
        if (r != out) tide_tensor_free(r);
        return NULL;
    }
    return r;
}

tide_tensor *tide_image_to_float(const tide_tensor *x, tide_tensor *out, int batched) {
    const char *op = "to_tensor";
    if (!x) {
        TIDE_FAIL("%s: expected a tensor", op);
        return NULL;
    }
    char sb[TIDE_SHAPE_BUFSZ];
    int nd = x->ndim, b = batched ? 1 : 0;
    int64_t shape[4];
    if (x->dtype == TIDE_UINT8) {
        if (nd != 2 + b && nd != 3 + b) {
            TIDE_FAIL("%s: a uint8 %s must be %s, got shape %s", op, b ? "batch" : "image",
                      b ? "[N, H, W] or [N, H, W, C]" : "[H, W] or [H, W, C]", tide_shape_str(nd, x->shape, sb, sizeof sb));
            return NULL;
        }
        if (b) shape[0] = x->shape[0];
        shape[b] = nd == 3 + b ? x->shape[nd - 1] : 1;
        shape[b + 1] = x->shape[b];
        shape[b + 2] = x->shape[b + 1];
    } else if (x->dtype == TIDE_FLOAT32 || x->dtype == TIDE_FLOAT64) {
        if (nd != 3 + b) {
            TIDE_FAIL("%s: a float %s must be %s, got shape %s", op, b ? "batch" : "image", b ? "[N, C, H, W]" : "[C, H, W]",
                      tide_shape_str(nd, x->shape, sb, sizeof sb));
            return NULL;
        }
        for (int d = 0; d < nd; d++) shape[d] = x->shape[d];
    } else {
        TIDE_FAIL("%s: expected a uint8, float32 or float64 image, got %s", op, tide_dtype_name(x->dtype));
        return NULL;
    }
    tide_tensor *r = tide_out_or_alloc(op, out, 3 + b, shape, TIDE_FLOAT32);
    if (!r) return NULL;
    if (x->dtype != TIDE_UINT8) {
        if (tide_copy_(r, x) != 0) {
            if (r != out) tide_tensor_free(r);
            return NULL;
        }
        return r;
    }
    tide_tensor *src = tide_contiguous(x);
    tide_tensor *dst = tide_tensor_is_contiguous(r) ? r : tide_alloc(op, 3 + b, shape, TIDE_FLOAT32);
    if (!src || !dst) {
        tide_tensor_free(src);
        if (dst != r) tide_tensor_free(dst);
        if (r != out) tide_tensor_free(r);
        return NULL;
    }
    int64_t n = b ? shape[0] : 1, c = shape[b], h = shape[b + 1], w = shape[b + 2], per = c * h * w;
    const uint8_t *s = tide_tensor_data_ptr(src);
    float *d = tide_tensor_data_ptr(dst);
    int nt = tide_threads_for(n * per);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t i = 0; i < n; i++) tide_u8_hwc_to_chw(s + i * per, h, w, c, d + i * per);
    tide_tensor_free(src);
    return finish_staged(r, dst, out);
}

/* ---------------------------------------------------------------- building a pipeline */

tide_transforms *tide_transforms_new(void) {
    tide_transforms *tf = calloc(1, sizeof *tf);
    if (!tf) tide_fail(TIDE_ENOMEM, "transforms: out of memory");
    return tf;
}

void tide_transforms_free(tide_transforms *tf) {
    if (!tf) return;
    for (int64_t i = 0; i < tf->n; i++) {
        free(tf->ops[i].mean);
        free(tf->ops[i].std);
    }
    free(tf->ops);
    free(tf);
}

static tf_op *push(tide_transforms *tf, const char *op) {
    if (!tf) {
        TIDE_FAIL("%s: no pipeline given", op);
        return NULL;
    }
    if (tf->n == tf->cap) {
        int64_t cap = tf->cap ? 2 * tf->cap : 4;
        tf_op *ops = realloc(tf->ops, (size_t)cap * sizeof *ops);
        if (!ops) {
            tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
            return NULL;
        }
        tf->ops = ops, tf->cap = cap;
    }
    tf_op *o = &tf->ops[tf->n];
    memset(o, 0, sizeof *o);
    return o;
}

int tide_transforms_add_normalize(tide_transforms *tf, int64_t n, const double *mean, const double *std) {
    const char *op = "Normalize";
    if (n < 1 || !mean || !std) return TIDE_FAIL("%s: expected at least one mean and std value", op);
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(mean[i])) return TIDE_FAIL("%s: mean %lld is not finite", op, (long long)i + 1);
        if (!(std[i] > 0) || !isfinite(std[i]))
            return TIDE_FAIL("%s: std %lld is %g, it must be positive", op, (long long)i + 1, std[i]);
    }
    tf_op *o = push(tf, op);
    if (!o) return -1;
    o->mean = malloc((size_t)n * sizeof(float));
    o->std = malloc((size_t)n * sizeof(float));
    if (!o->mean || !o->std) {
        free(o->mean), free(o->std);
        return tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
    }
    for (int64_t i = 0; i < n; i++) o->mean[i] = (float)mean[i], o->std[i] = (float)std[i];
    o->kind = TF_NORMALIZE, o->nvalues = n;
    tf->n++;
    return 0;
}

static int check_size(const char *op, int64_t h, int64_t w) {
    if (h < 1 || w < 1) return TIDE_FAIL("%s: size must be positive, got %lldx%lld", op, (long long)h, (long long)w);
    if (h > (1 << 20) || w > (1 << 20)) return TIDE_FAIL("%s: size %lldx%lld is too large", op, (long long)h, (long long)w);
    return 0;
}

int tide_transforms_add_random_crop(tide_transforms *tf, int64_t h, int64_t w, const int64_t *padding) {
    const char *op = "RandomCrop";
    if (!(h == 0 && w == 0) && check_size(op, h, w)) return -1;
    for (int i = 0; padding && i < 4; i++)
        if (padding[i] < 0 || padding[i] > (1 << 20))
            return TIDE_FAIL("%s: padding must be between 0 and 2^20, got %lld", op, (long long)padding[i]);
    tf_op *o = push(tf, op);
    if (!o) return -1;
    o->kind = TF_RANDOM_CROP, o->h = h, o->w = w;
    for (int i = 0; padding && i < 4; i++) o->pad[i] = padding[i];
    tf->n++;
    return 0;
}

int tide_transforms_add_center_crop(tide_transforms *tf, int64_t h, int64_t w) {
    if (check_size("CenterCrop", h, w)) return -1;
    tf_op *o = push(tf, "CenterCrop");
    if (!o) return -1;
    o->kind = TF_CENTER_CROP, o->h = h, o->w = w;
    tf->n++;
    return 0;
}

static int add_flip(tide_transforms *tf, double p, int kind, const char *op) {
    if (!(p >= 0 && p <= 1)) return TIDE_FAIL("%s: p must be in [0, 1], got %g", op, p);
    tf_op *o = push(tf, op);
    if (!o) return -1;
    o->kind = kind, o->p = p;
    tf->n++;
    return 0;
}
int tide_transforms_add_hflip(tide_transforms *tf, double p) { return add_flip(tf, p, TF_HFLIP, "RandomHorizontalFlip"); }
int tide_transforms_add_vflip(tide_transforms *tf, double p) { return add_flip(tf, p, TF_VFLIP, "RandomVerticalFlip"); }

int tide_transforms_add_resize(tide_transforms *tf, int64_t h, int64_t w) {
    if (check_size("Resize", h, w)) return -1;
    tf_op *o = push(tf, "Resize");
    if (!o) return -1;
    o->kind = TF_RESIZE, o->h = h, o->w = w;
    tf->n++;
    return 0;
}

int tide_transforms_append(tide_transforms *tf, const tide_transforms *src) {
    if (!src) return TIDE_FAIL("Compose: no pipeline given");
    if (src == tf) return TIDE_FAIL("Compose: cannot append a pipeline to itself");
    for (int64_t i = 0; i < src->n; i++) {
        const tf_op *s = &src->ops[i];
        int st = 0;
        switch (s->kind) {
        case TF_NORMALIZE: {
            double m[64], d[64], *mp = m, *dp = d;
            if (s->nvalues > 64) {
                mp = malloc((size_t)s->nvalues * sizeof(double));
                dp = malloc((size_t)s->nvalues * sizeof(double));
                if (!mp || !dp) {
                    free(mp), free(dp);
                    return tide_fail(TIDE_ENOMEM, "Compose: out of memory");
                }
            }
            for (int64_t k = 0; k < s->nvalues; k++) mp[k] = s->mean[k], dp[k] = s->std[k];
            st = tide_transforms_add_normalize(tf, s->nvalues, mp, dp);
            if (mp != m) free(mp), free(dp);
            break;
        }
        case TF_RANDOM_CROP: st = tide_transforms_add_random_crop(tf, s->h, s->w, s->pad); break;
        case TF_CENTER_CROP: st = tide_transforms_add_center_crop(tf, s->h, s->w); break;
        case TF_HFLIP: st = tide_transforms_add_hflip(tf, s->p); break;
        case TF_VFLIP: st = tide_transforms_add_vflip(tf, s->p); break;
        case TF_RESIZE: st = tide_transforms_add_resize(tf, s->h, s->w); break;
        }
        if (st) return st;
    }
    return 0;
}

int64_t tide_transforms_count(const tide_transforms *tf) { return tf ? tf->n : 0; }

/* ---------------------------------------------------------------- shapes */

/* Shape after op o for a c x h x w input; nonzero (message set) when o cannot take it. */
static int op_shape(const tf_op *o, int64_t *c, int64_t *h, int64_t *w) {
    switch (o->kind) {
    case TF_NORMALIZE:
        if (o->nvalues != 1 && o->nvalues != *c)
            return TIDE_FAIL("Normalize: %lld mean/std values for an image with %lld channels", (long long)o->nvalues,
                             (long long)*c);
        return 0;
    case TF_RANDOM_CROP: {
        int64_t ph = *h + o->pad[0] + o->pad[2], pw = *w + o->pad[1] + o->pad[3];
        int64_t ch = o->h ? o->h : *h, cw = o->w ? o->w : *w; /* size 0: the input's size */
        if (ch > ph || cw > pw)
            return TIDE_FAIL("RandomCrop: crop %lldx%lld is larger than the %simage (%lldx%lld)", (long long)ch,
                             (long long)cw, o->pad[0] + o->pad[1] + o->pad[2] + o->pad[3] ? "padded " : "",
                             (long long)ph, (long long)pw);
        *h = ch, *w = cw;
        return 0;
    }
    case TF_CENTER_CROP:
        if (o->h > *h || o->w > *w)
            return TIDE_FAIL("CenterCrop: crop %lldx%lld is larger than the image (%lldx%lld)", (long long)o->h,
                             (long long)o->w, (long long)*h, (long long)*w);
        *h = o->h, *w = o->w;
        return 0;
    case TF_RESIZE: *h = o->h, *w = o->w; return 0;
    default: return 0;
    }
}

int tide_transforms_output_shape(const tide_transforms *tf, int64_t c, int64_t h, int64_t w, int64_t *out3) {
    if (!tf) return TIDE_FAIL("transforms: no pipeline given");
    if (c < 1 || h < 1 || w < 1)
        return TIDE_FAIL("transforms: an image must have at least one channel, row and column, got [%lld, %lld, %lld]",
                         (long long)c, (long long)h, (long long)w);
    for (int64_t i = 0; i < tf->n; i++)
        if (op_shape(&tf->ops[i], &c, &h, &w)) return -1;
    out3[0] = c, out3[1] = h, out3[2] = w;
    return 0;
}

/* Scratch layout for one image: two image buffers of `most` floats each (most is even, so what
 * follows is 8-byte aligned), then the resize index tables (`tables` floats). */
static int scratch_sizes(const tide_transforms *tf, int64_t c, int64_t h, int64_t w, int64_t *most, int64_t *tables) {
    *most = c * h * w, *tables = 0;
    for (int64_t i = 0; i < tf->n; i++) {
        const tf_op *o = &tf->ops[i];
        if (op_shape(o, &c, &h, &w)) return -1;
        if (c * h * w > *most) *most = c * h * w;
        if (o->kind == TF_RESIZE && 6 * (h + w) > *tables) *tables = 6 * (h + w);
    }
    *most += *most & 1;
    return 0;
}

int64_t tide_transforms_scratch(const tide_transforms *tf, int64_t c, int64_t h, int64_t w) {
    int64_t most, tables;
    if (scratch_sizes(tf, c, h, w, &most, &tables)) return -1;
    return 2 * most + tables;
}

/* ---------------------------------------------------------------- per-image kernels */

static inline uint64_t next_draw(uint64_t *state) { return tide_mix64(*state += 0x9E3779B97F4A7C15ull); }
static inline double unit(uint64_t *state) { return (double)(next_draw(state) >> 11) * 0x1.0p-53; }
static inline int64_t below(uint64_t *state, int64_t n) { /* uniform in [0, n) */
    int64_t v = (int64_t)(unit(state) * (double)n);
    return v < n ? v : n - 1;
}

/* in [c, h, w] -> out [c, oh, ow]: out[k, i, j] = in[k, i + top, j + left], zero outside in */
static void crop_padded(const float *in, int64_t c, int64_t h, int64_t w, float *out, int64_t oh, int64_t ow,
                        int64_t top, int64_t left) {
    for (int64_t k = 0; k < c; k++)
        for (int64_t i = 0; i < oh; i++) {
            float *o = out + (k * oh + i) * ow;
            int64_t si = i + top;
            if (si < 0 || si >= h) {
                memset(o, 0, (size_t)ow * sizeof(float));
                continue;
            }
            const float *row = in + (k * h + si) * w;
            int64_t j0 = left < 0 ? -left : 0;          /* first column inside the image */
            int64_t j1 = w - left < ow ? w - left : ow; /* one past the last */
            if (j1 < j0) j1 = j0;
            for (int64_t j = 0; j < j0 && j < ow; j++) o[j] = 0;
            if (j1 > j0) memcpy(o + j0, row + j0 + left, (size_t)(j1 - j0) * sizeof(float));
            for (int64_t j = j1 > j0 ? j1 : j0; j < ow; j++) o[j] = 0;
        }
}

/* PyTorch's source index for align_corners = false: scale * (dst + 0.5) - 0.5, clamped at 0 */
static void linear_weights(int64_t in, int64_t out, int64_t *i0, int64_t *i1, float *l0, float *l1) {
    float scale = (float)in / (float)out;
    for (int64_t d = 0; d < out; d++) {
        float src = scale * ((float)d + 0.5f) - 0.5f;
        if (src < 0) src = 0;
        int64_t a = (int64_t)src;
        if (a > in - 1) a = in - 1;
        float lam = src - (float)a;
        i0[d] = a;
        i1[d] = a + (a < in - 1 ? 1 : 0);
        l1[d] = lam;
        l0[d] = 1.0f - lam;
    }
}

/* in [c, h, w] -> out [c, oh, ow], bilinear (align_corners = false), as F.interpolate. tables:
 * room for 2 * (oh + ow) int64 indices and as many float weights (from the pipeline's scratch). */
static void resize_bilinear(const float *in, int64_t c, int64_t h, int64_t w, float *out, int64_t oh, int64_t ow,
                            void *tables) {
    int64_t *y0 = tables, *y1 = y0 + oh, *x0 = y1 + oh, *x1 = x0 + ow;
    float *ly0 = (float *)(x1 + ow), *ly1 = ly0 + oh, *lx0 = ly1 + oh, *lx1 = lx0 + ow;
    linear_weights(h, oh, y0, y1, ly0, ly1);
    linear_weights(w, ow, x0, x1, lx0, lx1);
    for (int64_t k = 0; k < c; k++) {
        const float *src = in + k * h * w;
        float *dst = out + k * oh * ow;
        for (int64_t i = 0; i < oh; i++) {
            const float *r0 = src + y0[i] * w, *r1 = src + y1[i] * w;
            float a = ly0[i], b = ly1[i];
            for (int64_t j = 0; j < ow; j++)
                dst[i * ow + j] = a * (lx0[j] * r0[x0[j]] + lx1[j] * r0[x1[j]]) + b * (lx0[j] * r1[x0[j]] + lx1[j] * r1[x1[j]]);
        }
    }
}

void tide_transforms_run(const tide_transforms *tf, const float *in, int64_t c, int64_t h, int64_t w, float *out,
                         float *scratch, uint64_t image_seed) {
    uint64_t rng = image_seed;
    if (tf->n == 0) {
        memcpy(out, in, (size_t)(c * h * w) * sizeof(float));
        return;
    }
    int64_t half, tables;
    scratch_sizes(tf, c, h, w, &half, &tables);
    const float *cur = in;
    for (int64_t t = 0; t < tf->n; t++) {
        const tf_op *o = &tf->ops[t];
        float *dst = t == tf->n - 1 ? out : scratch + (t % 2) * half;
        int64_t oh = h, ow = w;
        switch (o->kind) {
        case TF_NORMALIZE: {
            int64_t hw = h * w;
            for (int64_t k = 0; k < c; k++) {
                float m = o->mean[o->nvalues == 1 ? 0 : k], s = o->std[o->nvalues == 1 ? 0 : k];
                for (int64_t i = 0; i < hw; i++) dst[k * hw + i] = (cur[k * hw + i] - m) / s;
            }
            break;
        }
        case TF_RANDOM_CROP: {
            int64_t ph = h + o->pad[0] + o->pad[2], pw = w + o->pad[1] + o->pad[3];
            oh = o->h ? o->h : h, ow = o->w ? o->w : w;
            int64_t top = below(&rng, ph - oh + 1), left = below(&rng, pw - ow + 1);
            crop_padded(cur, c, h, w, dst, oh, ow, top - o->pad[0], left - o->pad[1]);
            break;
        }
        case TF_CENTER_CROP:
            oh = o->h, ow = o->w;
            crop_padded(cur, c, h, w, dst, oh, ow, (int64_t)nearbyint((double)(h - oh) / 2),
                        (int64_t)nearbyint((double)(w - ow) / 2));
            break;
        case TF_HFLIP: {
            int flip = unit(&rng) < o->p;
            for (int64_t r = 0; r < c * h; r++) {
                const float *s = cur + r * w;
                float *d = dst + r * w;
                if (flip)
                    for (int64_t j = 0; j < w; j++) d[j] = s[w - 1 - j];
                else if (d != s)
                    memcpy(d, s, (size_t)w * sizeof(float));
            }
            break;
        }
        case TF_VFLIP: {
            int flip = unit(&rng) < o->p;
            for (int64_t k = 0; k < c; k++)
                for (int64_t i = 0; i < h; i++)
                    memcpy(dst + (k * h + i) * w, cur + (k * h + (flip ? h - 1 - i : i)) * w, (size_t)w * sizeof(float));
            break;
        }
        case TF_RESIZE:
            oh = o->h, ow = o->w;
            if (oh == h && ow == w)
                memcpy(dst, cur, (size_t)(c * h * w) * sizeof(float));
            else
                resize_bilinear(cur, c, h, w, dst, oh, ow, scratch + 2 * half);
            break;
        }
        h = oh, w = ow;
        cur = dst;
    }
}

/* ---------------------------------------------------------------- applying to tensors */

tide_tensor *tide_transforms_apply(const tide_transforms *tf, const tide_tensor *x, tide_tensor *out, uint64_t seed) {
    const char *op = "transforms";
    if (!tf || !x) {
        TIDE_FAIL("%s: expected a pipeline and a tensor", op);
        return NULL;
    }
    char sb[TIDE_SHAPE_BUFSZ];
    if ((x->ndim != 3 && x->ndim != 4) || (x->dtype != TIDE_FLOAT32 && x->dtype != TIDE_FLOAT64)) {
        TIDE_FAIL("%s: expected a float image [C, H, W] or batch [N, C, H, W], got a %s tensor of shape %s", op,
                  tide_dtype_name(x->dtype), tide_shape_str(x->ndim, x->shape, sb, sizeof sb));
        return NULL;
    }
    int b = x->ndim == 4;
    int64_t n = b ? x->shape[0] : 1, c = x->shape[b], h = x->shape[b + 1], w = x->shape[b + 2], o3[3];
    if (tide_transforms_output_shape(tf, c, h, w, o3)) return NULL;
    int64_t oshape[4] = {n, o3[0], o3[1], o3[2]};
    tide_tensor *r = tide_out_or_alloc(op, out, 3 + b, b ? oshape : oshape + 1, TIDE_FLOAT32);
    if (!r) return NULL;
    if (n == 0) return r;
    tide_tensor *src = x->dtype == TIDE_FLOAT32 ? tide_contiguous(x) : tide_cast(x, TIDE_FLOAT32);
    int direct = tide_tensor_is_contiguous(r) && (src == NULL || src->storage != r->storage);
    tide_tensor *dst = direct ? r : tide_alloc(op, 3 + b, b ? oshape : oshape + 1, TIDE_FLOAT32);
    int64_t per_scratch = tide_transforms_scratch(tf, c, h, w);
    int nt = tide_threads_for(n * c * h * w * 4);
    float *scratch = src && dst ? malloc((size_t)(nt * per_scratch + 1) * sizeof(float)) : NULL;
    if (!src || !dst || !scratch) {
        if (src && dst) tide_fail(TIDE_ENOMEM, "%s: out of memory", op);
        free(scratch);
        tide_tensor_free(src);
        if (dst != r) tide_tensor_free(dst);
        if (r != out) tide_tensor_free(r);
        return NULL;
    }
    const float *s = tide_tensor_data_ptr(src);
    float *d = tide_tensor_data_ptr(dst);
    int64_t in_per = c * h * w, out_per = o3[0] * o3[1] * o3[2];
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        int th = omp_get_thread_num();
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; i++)
            tide_transforms_run(tf, s + i * in_per, c, h, w, d + i * out_per, scratch + th * per_scratch,
                                tide_image_seed(seed, i));
    }
    free(scratch);
    tide_tensor_free(src);
    return finish_staged(r, dst, out);
}
