/* pool.c — max_pool2d (with argmax indices), avg_pool2d and adaptive_avg_pool2d, forward and
 * backward, over NCHW planes: argument checks and output sizes here, the per-plane kernels in
 * pool_impl.h (instantiated for float and double). Planes are split across threads; a plane's
 * backward zeroes and fills that plane while it sits in cache, so grad_input is written once.
 * The common 2x2 stride-2 max pool has its own kernel (no window bookkeeping, four compares).
 */
#include "internal.h"
#include "nn_check.h"
#include "tide/pool.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    int64_t N, C, H, W, OH, OW;
    int64_t kh, kw, sh, sw, ph, pw, dh, dw;
    int ceil_mode, count_include_pad;
    int64_t divisor;
} pgeom;

/* Fills the window and size parts of q from params (adaptive pooling does not use them). */
static void geom_from_params(pgeom *q, const tide_pool2d_params *p) {
    q->kh = p->kernel[0], q->kw = p->kernel[1], q->sh = p->stride[0], q->sw = p->stride[1];
    q->ph = p->padding[0], q->pw = p->padding[1], q->dh = p->dilation[0], q->dw = p->dilation[1];
    q->ceil_mode = p->ceil_mode != 0, q->count_include_pad = p->count_include_pad != 0;
    q->divisor = p->divisor_override;
}

/* The 2x2 stride-2 max pool of float32 planes with AVX-512: 16 outputs per step from two
 * masked 32-float row loads split into even and odd columns; masks cover any row length, so a
 * 14-wide output row is one step. Same rules as the portable kernel (pool_impl.h): the max of
 * each row's pair, then of the two rows; ties keep the first, a NaN wins. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(TIDE_NO_CLONES)
#include <immintrin.h>
#define HAVE_AVX512_POOL 1

__attribute__((target("avx512f"))) static void max_2x2_avx512(const pgeom *q, const float *xp, float *yp, void *ip,
                                                               int idx64, int64_t ioff) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512i lane2 = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    int64_t W = q->W, OW = q->OW;
    const __m512i one = _mm512_set1_epi32(1), wv = _mm512_set1_epi32((int)W), w1 = _mm512_set1_epi32((int)W + 1);
    for (int64_t oy = 0; oy < q->OH; oy++) {
        const float *r0 = xp + 2 * oy * W, *r1 = r0 + W;
        for (int64_t ox0 = 0; ox0 < OW; ox0 += 16) {
            int64_t n = OW - ox0 < 16 ? OW - ox0 : 16;
            __mmask16 m = (__mmask16)((1u << n) - 1);
            __mmask16 mlo = (__mmask16)(2 * n >= 16 ? 0xFFFF : (1u << (2 * n)) - 1);
            __mmask16 mhi = (__mmask16)(2 * n <= 16 ? 0 : (1u << (2 * n - 16)) - 1);
            __m512 a0 = _mm512_maskz_loadu_ps(mlo, r0 + 2 * ox0), a1 = _mm512_maskz_loadu_ps(mhi, r0 + 2 * ox0 + 16);
            __m512 b0 = _mm512_maskz_loadu_ps(mlo, r1 + 2 * ox0), b1 = _mm512_maskz_loadu_ps(mhi, r1 + 2 * ox0 + 16);
            __m512 a = _mm512_permutex2var_ps(a0, even, a1), b = _mm512_permutex2var_ps(a0, odd, a1);
            __m512 c = _mm512_permutex2var_ps(b0, even, b1), d = _mm512_permutex2var_ps(b0, odd, b1);
            __mmask16 tb = _mm512_cmp_ps_mask(b, a, _CMP_GT_OQ) | _mm512_cmp_ps_mask(b, b, _CMP_UNORD_Q);
            __mmask16 td = _mm512_cmp_ps_mask(d, c, _CMP_GT_OQ) | _mm512_cmp_ps_mask(d, d, _CMP_UNORD_Q);
            __m512 m0 = _mm512_mask_blend_ps(tb, a, b), m1 = _mm512_mask_blend_ps(td, c, d);
            __mmask16 t1 = _mm512_cmp_ps_mask(m1, m0, _CMP_GT_OQ) | _mm512_cmp_ps_mask(m1, m1, _CMP_UNORD_Q);
            _mm512_mask_storeu_ps(yp + oy * OW + ox0, m, _mm512_mask_blend_ps(t1, m0, m1));
            if (!ip) continue;
            /* offset in the window: row 0 -> tb, row 1 -> W + td */
            __m512i off = _mm512_maskz_mov_epi32(tb, one);
            off = _mm512_mask_mov_epi32(off, t1, _mm512_mask_mov_epi32(wv, td, w1));
            __m512i idx = _mm512_add_epi32(_mm512_set1_epi32((int)(2 * oy * W + 2 * ox0)), _mm512_add_epi32(lane2, off));
            int64_t k = ioff + oy * OW + ox0;
            if (!idx64)
                _mm512_mask_storeu_epi32((int32_t *)ip + k, m, idx);
            else {
                _mm512_mask_storeu_epi64((int64_t *)ip + k, (__mmask8)(m & 0xFF),
                                         _mm512_cvtepi32_epi64(_mm512_castsi512_si256(idx)));
                _mm512_mask_storeu_epi64((int64_t *)ip + k + 8, (__mmask8)(m >> 8),
                                         _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(idx, 1)));
            }
        }
    }
}

static bool avx512_pool(void) {
    static int has = -1;
    if (has < 0) has = __builtin_cpu_supports("avx512f") ? 1 : 0;
    return has == 1;
}
#endif

#define T float
#define SFX f32
#include "pool_impl.h"
#undef T
#undef SFX

#define T double
#define SFX f64
#include "pool_impl.h"
#undef T
#undef SFX

/* ---------------------------------------------------------------- checks */

static int check_input(const char *op, const char *what, const tide_tensor *x) {
    if (!nn_check_float(op, x, what)) return -1;
    if (x->ndim != 4) return TIDE_FAIL("%s: %s must be 4-d [N, C, H, W], got %d-d", op, what, x->ndim);
    for (int d = 1; d < 4; d++)
        if (x->shape[d] < 1) {
            char b[TIDE_SHAPE_BUFSZ];
            return TIDE_FAIL("%s: %s has an empty dim: %s", op, what, tide_shape_str(4, x->shape, b, sizeof b));
        }
    return 0;
}

/* PyTorch's pooling_output_shape. */
static int64_t out_size(int64_t in, int64_t k, int64_t pad, int64_t s, int64_t d, int ceil_mode) {
    int64_t num = in + 2 * pad - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
    int64_t o = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
    if (ceil_mode && (o - 1) * s >= in + pad) o--;
    return o;
}

/* Checks params against an input of H x W and fills q (sizes included). */
static int setup(const char *op, bool is_max, const tide_pool2d_params *p, int64_t N, int64_t C, int64_t H, int64_t W,
                 pgeom *q) {
    if (!p) return TIDE_FAIL("%s: parameters are NULL", op);
    for (int i = 0; i < 2; i++) {
        if (p->kernel[i] < 1) return TIDE_FAIL("%s: kernel_size must be >= 1, got %lld", op, (long long)p->kernel[i]);
        if (p->stride[i] < 1) return TIDE_FAIL("%s: stride must be >= 1, got %lld", op, (long long)p->stride[i]);
        if (p->padding[i] < 0) return TIDE_FAIL("%s: padding must be >= 0, got %lld", op, (long long)p->padding[i]);
        if (p->dilation[i] < 1) return TIDE_FAIL("%s: dilation must be >= 1, got %lld", op, (long long)p->dilation[i]);
        if (!is_max && p->dilation[i] != 1) return TIDE_FAIL("%s: dilation is not supported (got %lld)", op, (long long)p->dilation[i]);
        if (p->kernel[i] > (1 << 20) || p->stride[i] > (1 << 20) || p->dilation[i] > (1 << 20))
            return TIDE_FAIL("%s: kernel_size, stride and dilation must be below 2^20", op);
        int64_t ext = p->dilation[i] * (p->kernel[i] - 1) + 1;
        if (2 * p->padding[i] > (is_max ? ext : p->kernel[i]))
            return TIDE_FAIL("%s: padding (%lld) should be at most half of the %skernel size (%lld)", op,
                             (long long)p->padding[i], is_max ? "dilated " : "", (long long)(is_max ? ext : p->kernel[i]));
    }
    if (!is_max && p->divisor_override < 0)
        return TIDE_FAIL("%s: divisor_override must be positive, got %lld", op, (long long)p->divisor_override);
    geom_from_params(q, p);
    if (is_max) q->count_include_pad = 0, q->divisor = 0;
    q->N = N, q->C = C, q->H = H, q->W = W;
    q->OH = out_size(H, q->kh, q->ph, q->sh, q->dh, q->ceil_mode);
    q->OW = out_size(W, q->kw, q->pw, q->sw, q->dw, q->ceil_mode);
    if (q->OH < 1 || q->OW < 1)
        return TIDE_FAIL("%s: output size would be %lld x %lld (input %lld x %lld, kernel %lld x %lld, stride %lld x %lld, "
                         "padding %lld x %lld%s); the input is too small",
                         op, (long long)q->OH, (long long)q->OW, (long long)H, (long long)W, (long long)q->kh,
                         (long long)q->kw, (long long)q->sh, (long long)q->sw, (long long)q->ph, (long long)q->pw,
                         is_max && (q->dh > 1 || q->dw > 1) ? ", dilated" : "");
    return 0;
}

static int plane_threads(const pgeom *q, int64_t work_per_plane) {
    int64_t planes = q->N * q->C;
    int nth = tide_threads_for(planes * work_per_plane);
    if (nth > planes) nth = (int)planes;
    return nth < 1 ? 1 : nth;
}

/* ---------------------------------------------------------------- max_pool2d */

tide_tensor *tide_max_pool2d_forward(const tide_tensor *x, tide_tensor *out, tide_tensor **indices, int indices_dtype,
                                     const tide_pool2d_params *p) {
    const char *op = "max_pool2d";
    pgeom q;
    if (indices) *indices = NULL;
    if (check_input(op, "input", x)) return NULL;
    if (setup(op, true, p, x->shape[0], x->shape[1], x->shape[2], x->shape[3], &q)) return NULL;
    if (indices && indices_dtype != TIDE_INT32 && indices_dtype != TIDE_INT64) {
        TIDE_FAIL("%s: indices must be int32 or int64, got %s", op, tide_dtype_name(indices_dtype));
        return NULL;
    }
    if (indices_dtype == TIDE_INT32 && q.H * q.W > INT32_MAX) {
        TIDE_FAIL("%s: int32 indices cannot address a %lld x %lld plane", op, (long long)q.H, (long long)q.W);
        return NULL;
    }
    int64_t ys[4] = {q.N, q.C, q.OH, q.OW};
    tide_tensor *y = nn_result(op, out, 4, ys, x->dtype);
    if (!y) return NULL;
    tide_tensor *ix = indices ? tide_alloc(op, 4, ys, indices_dtype) : NULL;
    tide_tensor *xc = indices && !ix ? NULL : tide_contiguous(x);
    if (!xc) {
        if (y != out) tide_tensor_free(y);
        tide_tensor_free(ix);
        return NULL;
    }
    if (y->numel) {
        int nth = plane_threads(&q, q.H * q.W + q.OH * q.OW * q.kh * q.kw);
        void *ip = ix ? tide_tensor_data_ptr(ix) : NULL;
        int idx64 = indices_dtype == TIDE_INT64;
        if (x->dtype == TIDE_FLOAT32)
            max_forward_f32(&q, tide_tensor_data_ptr(xc), tide_tensor_data_ptr(y), ip, idx64, nth);
        else
            max_forward_f64(&q, tide_tensor_data_ptr(xc), tide_tensor_data_ptr(y), ip, idx64, nth);
    }
    tide_tensor_free(xc);
    if (indices) *indices = ix;
    return y;
}

/* Shapes of a backward call: grad_input gives N, C, H, W; grad_output must match the pooled size. */
static int backward_setup(const char *op, bool is_max, const tide_tensor *gy, const tide_tensor *gx,
                          const tide_pool2d_params *p, pgeom *q) {
    if (check_input(op, "grad_output", gy)) return -1;
    if (check_input(op, "grad_input", gx)) return -1;
    if (setup(op, is_max, p, gx->shape[0], gx->shape[1], gx->shape[2], gx->shape[3], q)) return -1;
    int64_t ys[4] = {q->N, q->C, q->OH, q->OW};
    /* a strided grad_output is fine: a contiguous copy is taken */
    if (!nn_check_shape(op, gy, 4, ys, gx->dtype, "grad_output")) return -1;
    if (!nn_check_buffer(op, gx, 4, gx->shape, gx->dtype, "grad_input")) return -1;
    if (gx->storage == gy->storage) return TIDE_FAIL("%s: grad_input shares memory with grad_output", op);
    return 0;
}

int tide_max_pool2d_backward(const tide_tensor *grad_output, const tide_tensor *indices, tide_tensor *grad_input,
                             const tide_pool2d_params *p, int accumulate) {
    const char *op = "max_pool2d backward";
    pgeom q;
    if (backward_setup(op, true, grad_output, grad_input, p, &q)) return -1;
    if (!indices) return TIDE_FAIL("%s: indices is NULL (freed tensor?)", op);
    if (indices->dtype != TIDE_INT32 && indices->dtype != TIDE_INT64)
        return TIDE_FAIL("%s: indices must be int32 or int64, got %s", op, tide_dtype_name(indices->dtype));
    if (!nn_check_shape(op, indices, 4, grad_output->shape, indices->dtype, "indices")) return -1;
    if (grad_input->numel == 0) return 0;
    tide_tensor *gyc = tide_contiguous(grad_output), *ic = tide_contiguous(indices);
    int rc = -1;
    if (gyc && ic) {
        int nth = plane_threads(&q, q.H * q.W + q.OH * q.OW);
        int64_t bad = 0;
        bool ok = grad_input->dtype == TIDE_FLOAT32
                      ? max_backward_f32(&q, tide_tensor_data_ptr(gyc), tide_tensor_data_ptr(ic), ic->dtype == TIDE_INT64,
                                         tide_tensor_data_ptr(grad_input), accumulate, nth, &bad)
                      : max_backward_f64(&q, tide_tensor_data_ptr(gyc), tide_tensor_data_ptr(ic), ic->dtype == TIDE_INT64,
                                         tide_tensor_data_ptr(grad_input), accumulate, nth, &bad);
        if (!ok)
            TIDE_FAIL("%s: index %lld is outside the %lld x %lld input plane", op, (long long)bad, (long long)q.H,
                      (long long)q.W);
        else
            rc = 0;
    }
    tide_tensor_free(gyc);
    tide_tensor_free(ic);
    return rc;
}

/* ---------------------------------------------------------------- avg_pool2d */

tide_tensor *tide_avg_pool2d_forward(const tide_tensor *x, tide_tensor *out, const tide_pool2d_params *p) {
    const char *op = "avg_pool2d";
    pgeom q;
    if (check_input(op, "input", x)) return NULL;
    if (setup(op, false, p, x->shape[0], x->shape[1], x->shape[2], x->shape[3], &q)) return NULL;
    int64_t ys[4] = {q.N, q.C, q.OH, q.OW};
    tide_tensor *y = nn_result(op, out, 4, ys, x->dtype);
    if (!y) return NULL;
    tide_tensor *xc = tide_contiguous(x);
    if (!xc) {
        if (y != out) tide_tensor_free(y);
        return NULL;
    }
    if (y->numel) {
        int nth = plane_threads(&q, q.H * q.W + q.OH * q.OW * q.kh * q.kw);
        if (x->dtype == TIDE_FLOAT32)
            avg_forward_f32(&q, tide_tensor_data_ptr(xc), tide_tensor_data_ptr(y), nth);
        else
            avg_forward_f64(&q, tide_tensor_data_ptr(xc), tide_tensor_data_ptr(y), nth);
    }
    tide_tensor_free(xc);
    return y;
}

int tide_avg_pool2d_backward(const tide_tensor *grad_output, tide_tensor *grad_input, const tide_pool2d_params *p,
                             int accumulate) {
    pgeom q;
    if (backward_setup("avg_pool2d backward", false, grad_output, grad_input, p, &q)) return -1;
    if (grad_input->numel == 0) return 0;
    tide_tensor *gyc = tide_contiguous(grad_output);
    if (!gyc) return -1;
    int nth = plane_threads(&q, q.H * q.W + q.OH * q.OW * q.kh * q.kw);
    if (grad_input->dtype == TIDE_FLOAT32)
        avg_backward_f32(&q, tide_tensor_data_ptr(gyc), tide_tensor_data_ptr(grad_input), accumulate, nth);
    else
        avg_backward_f64(&q, tide_tensor_data_ptr(gyc), tide_tensor_data_ptr(grad_input), accumulate, nth);
    tide_tensor_free(gyc);
    return 0;
}

/* ---------------------------------------------------------------- adaptive_avg_pool2d */

static int adaptive_sizes(const char *op, int64_t oh, int64_t ow) {
    if (oh < 1 || ow < 1) return TIDE_FAIL("%s: output size must be >= 1, got %lld x %lld", op, (long long)oh, (long long)ow);
    if (oh > (1LL << 31) || ow > (1LL << 31)) return TIDE_FAIL("%s: output size too large", op);
    return 0;
}

tide_tensor *tide_adaptive_avg_pool2d_forward(const tide_tensor *x, tide_tensor *out, int64_t oh, int64_t ow) {
    const char *op = "adaptive_avg_pool2d";
    if (check_input(op, "input", x) || adaptive_sizes(op, oh, ow)) return NULL;
    pgeom q;
    memset(&q, 0, sizeof q);
    q.N = x->shape[0], q.C = x->shape[1], q.H = x->shape[2], q.W = x->shape[3], q.OH = oh, q.OW = ow;
    int64_t ys[4] = {q.N, q.C, oh, ow};
    tide_tensor *y = nn_result(op, out, 4, ys, x->dtype);
    if (!y) return NULL;
    tide_tensor *xc = tide_contiguous(x);
    if (!xc) {
        if (y != out) tide_tensor_free(y);
        return NULL;
    }
    if (y->numel) {
        int64_t kh = (q.H + oh - 1) / oh + 1, kw = (q.W + ow - 1) / ow + 1;
        int nth = plane_threads(&q, q.H * q.W + oh * ow * kh * kw);
        if (x->dtype == TIDE_FLOAT32)
            adaptive_forward_f32(&q, tide_tensor_data_ptr(xc), tide_tensor_data_ptr(y), nth);
        else
            adaptive_forward_f64(&q, tide_tensor_data_ptr(xc), tide_tensor_data_ptr(y), nth);
    }
    tide_tensor_free(xc);
    return y;
}

int tide_adaptive_avg_pool2d_backward(const tide_tensor *grad_output, tide_tensor *grad_input, int accumulate) {
    const char *op = "adaptive_avg_pool2d backward";
    if (check_input(op, "grad_output", grad_output)) return -1;
    if (check_input(op, "grad_input", grad_input)) return -1;
    pgeom q;
    memset(&q, 0, sizeof q);
    q.N = grad_input->shape[0], q.C = grad_input->shape[1], q.H = grad_input->shape[2], q.W = grad_input->shape[3];
    q.OH = grad_output->shape[2], q.OW = grad_output->shape[3];
    int64_t ys[4] = {q.N, q.C, q.OH, q.OW};
    if (grad_output->shape[0] != q.N || grad_output->shape[1] != q.C) {
        char b1[TIDE_SHAPE_BUFSZ], b2[TIDE_SHAPE_BUFSZ];
        return TIDE_FAIL("%s: grad_output has shape %s, expected %s", op,
                         tide_shape_str(4, grad_output->shape, b1, sizeof b1), tide_shape_str(4, ys, b2, sizeof b2));
    }
    if (grad_output->dtype != grad_input->dtype)
        return TIDE_FAIL("%s: grad_output is %s, expected %s", op, tide_dtype_name(grad_output->dtype),
                         tide_dtype_name(grad_input->dtype));
    if (!nn_check_buffer(op, grad_input, 4, grad_input->shape, grad_input->dtype, "grad_input")) return -1;
    if (grad_input->storage == grad_output->storage)
        return TIDE_FAIL("%s: grad_input shares memory with grad_output", op);
    if (grad_input->numel == 0) return 0;
    tide_tensor *gyc = tide_contiguous(grad_output);
    if (!gyc) return -1;
    int64_t kh = (q.H + q.OH - 1) / q.OH + 1, kw = (q.W + q.OW - 1) / q.OW + 1;
    int nth = plane_threads(&q, q.H * q.W + q.OH * q.OW * kh * kw);
    if (grad_input->dtype == TIDE_FLOAT32)
        adaptive_backward_f32(&q, tide_tensor_data_ptr(gyc), tide_tensor_data_ptr(grad_input), accumulate, nth);
    else
        adaptive_backward_f64(&q, tide_tensor_data_ptr(gyc), tide_tensor_data_ptr(grad_input), accumulate, nth);
    tide_tensor_free(gyc);
    return 0;
}
