/* tide/embedding.h — EmbeddingBag as PyTorch 1.13's torch.nn.functional.embedding_bag
 * (include_last_offset = false): each bag of ids is reduced to one row, the sum, mean or
 * element-wise max of its rows of weight. Forward, backward (accumulating into the weight
 * gradient) and a fused sparse SGD step that touches only the rows of the bags' ids.
 *
 * Shapes:
 *   weight  [V, D] float32 or float64; its rows must be contiguous (stride[1] == 1), the row
 *           stride is free (a narrowed table works)
 *   ids     int64 or int32: 1-d [n] with offsets [B] (bag b = ids[offsets[b] .. offsets[b+1]),
 *           the last bag ends at n), or 2-d [B, L] with offsets NULL (B bags of L ids)
 *   offsets int64 or int32 [B]: offsets[0] == base, never decreasing, at most n + base;
 *           equal neighbours make an empty bag
 *   per_sample_weights  weight's dtype, as many elements as ids (same shape), or NULL; SUM only:
 *           each row is scaled by its weight before the sum
 *   out / grad_output   [B, D], weight's dtype
 *   max_indices int64 [B, D]: in MAX mode the 0-based row of weight that gave each maximum
 *           (-1 in an empty bag); the backward and the SGD step of MAX mode need it
 * ids and offsets hold numbers counted from params->base (0 from C, 1 from Lua: no copy is made
 * to translate them); padding_idx is always a 0-based row, or -1. Ids equal to padding_idx are
 * left out of their bag (not counted by MEAN either). An empty bag (or one of padding only)
 * gives a row of zeros. MEAN divides the sum by the count; MAX keeps the first maximum (a
 * later equal value does not replace it).
 *
 * Argument order: inputs, outputs, parameters, options. Every function validates all ids and
 * offsets before it writes anything, and returns NULL / nonzero with a message in
 * tide_last_error() ("embedding_bag: input[7] = 12 (bag 3, position 2) is out of range for 10
 * embeddings"). Forward is parallel over bags; backward and the SGD step are deterministic
 * (ids sorted by row, then parallel over distinct rows; MAX mode parallel over columns): the
 * result does not depend on the thread count.
 */
#ifndef TIDE_EMBEDDING_H
#define TIDE_EMBEDDING_H

#include "tide/tensor.h"

enum { TIDE_BAG_SUM = 0, TIDE_BAG_MEAN = 1, TIDE_BAG_MAX = 2 };

typedef struct tide_embedding_bag_params {
    int32_t mode;        /* TIDE_BAG_SUM, TIDE_BAG_MEAN or TIDE_BAG_MAX */
    int32_t base;        /* 0 or 1: what ids and offsets count from */
    int64_t padding_idx; /* a 0-based row of weight that bags skip, or -1 for none */
} tide_embedding_bag_params;

/* out [B, D] = the reduction of each bag. out NULL allocates; non-NULL must be contiguous
 * [B, D] of weight's dtype. In MAX mode with max_indices non-NULL, *max_indices receives a new
 * int64 [B, D] tensor (see above); in other modes it is set to NULL. */
tide_tensor *tide_embedding_bag_forward(const tide_tensor *ids, const tide_tensor *offsets,
                                        const tide_tensor *per_sample_weights, tide_tensor *out,
                                        tide_tensor **max_indices, const tide_tensor *weight,
                                        const tide_embedding_bag_params *p);

/* From grad_output [B, D]: grad_weight [V, D] += d out / d weight (contiguous; NULL: not
 * wanted) and grad_per_sample_weights (+)= <grad_output[bag], weight[row]> per id (contiguous,
 * ids' shape, weight's dtype; NULL: not wanted; SUM mode with per_sample_weights only).
 * max_indices is the forward's (MAX mode; NULL otherwise). */
int tide_embedding_bag_backward(const tide_tensor *ids, const tide_tensor *offsets,
                                const tide_tensor *per_sample_weights, const tide_tensor *max_indices,
                                const tide_tensor *grad_output, tide_tensor *grad_weight,
                                tide_tensor *grad_per_sample_weights, const tide_tensor *weight,
                                const tide_embedding_bag_params *p);

/* Plain SGD on the rows the bags touch, in place: weight[r] -= lr * grad_weight[r], where
 * grad_weight is what tide_embedding_bag_backward would accumulate into zeros; the other rows
 * are not read or written, so a step costs O(n * D), not O(V * D). SUM and MEAN: equal to that
 * backward followed by tide_sgd_step bit for bit; MAX: equal up to rounding where one row
 * gives the maximum of a column in several bags. weight must be contiguous. */
int tide_embedding_bag_sgd_(const tide_tensor *ids, const tide_tensor *offsets,
                            const tide_tensor *per_sample_weights, const tide_tensor *max_indices,
                            const tide_tensor *grad_output, tide_tensor *weight, double lr,
                            const tide_embedding_bag_params *p);

#endif
