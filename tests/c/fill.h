/* fill.h — helpers for C tests over float tensors: a new tensor filled with generated values, and
 * one element read back as double. */
#ifndef TIDE_TEST_FILL_H
#define TIDE_TEST_FILL_H
#include "tide/tensor.h"

/* A new contiguous float32 / float64 tensor (ndim, shape) holding next() in element order. */
static inline tide_tensor *tensor_filled(int ndim, const int64_t *shape, int dtype, double (*next)(void)) {
    tide_tensor *t = tide_tensor_empty(ndim, shape, dtype);
    for (int64_t i = 0; i < t->numel; i++) {
        double v = next();
        if (dtype == TIDE_FLOAT32)
            ((float *)t->storage->data)[i] = (float)v;
        else
            ((double *)t->storage->data)[i] = v;
    }
    return t;
}

/* Element i (counted from the data pointer) of a float32, float64, int32 or int64 tensor. */
static inline double elem_at(const tide_tensor *t, int64_t i) {
    const void *p = tide_tensor_data_ptr(t);
    switch (t->dtype) {
    case TIDE_FLOAT32: return ((const float *)p)[i];
    case TIDE_FLOAT64: return ((const double *)p)[i];
    case TIDE_INT32: return ((const int32_t *)p)[i];
    default: return (double)((const int64_t *)p)[i];
    }
}
#endif
