#ifndef FUSIONLAB_KERNELS_H
#define FUSIONLAB_KERNELS_H

#include <stdint.h>

// Element-wise kernels over raw float buffers (llm.c style), AVX2+FMA when the CPU has it.
//
// Every kernel has a portable path that computes the same bits as the AVX2 one: reductions run in
// 8 lanes (element k goes to lane k mod 8) combined in one fixed order, and the same polynomial is
// evaluated with fmaf. So results depend neither on the CPU nor on which path ran.

/// 1 when the AVX2+FMA paths run (the CPU has them and the portable path is not forced).
int fl_kernels_use_avx2(void);
/// 1 when the AVX-512 paths of the unfold kernels run (the CPU has AVX-512F and the portable
/// path is not forced).
int fl_kernels_use_avx512(void);
/// Forces the portable path (1), the AVX2 path at most (2: no AVX-512), or lets the CPU decide
/// (0): for tests comparing the paths.
void fl_kernels_force_portable(int force);

/// y[i] = e^x[i] for `count` floats, within 2 ulp of the exact value; −∞ and x < −104 give 0,
/// x > 88.7228317 gives +∞, NaN stays NaN. `x` and `y` may be the same buffer.
void fl_exp(const float *x, float *y, long count);

/// Σ x[k] for `count` floats, summed in 8 lanes.
float fl_sum(const float *x, long count);

/// One piece of a long 8-lane sum: adds x[0..<count], elements `offset ..< offset + count` of the
/// sum, into `lanes` (start them at 0). `fl_sum_total(lanes)` then equals `fl_sum` over the pieces
/// laid end to end, bit for bit when every piece but the last is a multiple of 8 long (otherwise
/// a lane that is exactly −0 may end as +0).
void fl_sum_continue(const float *x, long count, long offset, float lanes[8]);
/// The total of an 8-lane sum taken in pieces, folded as `fl_sum` folds.
float fl_sum_total(const float lanes[8]);

/// One softmax row (AVX-512, AVX2 or portable: the same bits; the 8-lane sum kept on every path):
/// y = softmax of x over `n` positions, those with `excluded[k] != 0` excluded
/// (weight 0; `excluded` may be NULL). A row with every position excluded (or all −∞) is all 0.
/// `x` and `y` may be the same buffer.
void fl_softmax_row(const float *x, float *y, long n, const float *excluded);

/// The backward of one softmax row: dx = y ⊙ (g − Σ g⊙y); excluded positions pass no gradient.
/// `is_new`: dx is uninitialised and is written (0 where excluded), else added to.
/// `dx` may be the same buffer as `g`.
void fl_softmax_row_backward(const float *g, const float *y, float *dx, long n, const float *excluded, int is_new);

/// One layer-norm row of `d` values: xhat = (x − mean) · rstd with rstd = 1/sqrt(var + eps) (biased
/// variance), y = xhat · weight + bias (either may be NULL: 1 and 0). `xhat` may be NULL or `y`;
/// returns rstd.
float fl_layer_norm_row(const float *x, float *xhat, float *y, long d, const float *weight, const float *bias, float eps);

/// The input gradient of one layer-norm row: dĥ = g ⊙ weight (weight may be NULL),
/// dx = rstd · (dĥ − mean(dĥ) − xhat · mean(dĥ ⊙ xhat)); written when `is_new`, else added.
void fl_layer_norm_row_backward(const float *g, const float *xhat, float rstd, const float *weight, float *dx, long d, int is_new);

/// Attention scores of one (batch entry, head) block: s[i][j] = Σ_c q[i][c]·k[j][c] (i < lq, j < lk,
/// c < dh; row strides ldq, ldk, lds), each a fma chain over c in order. `scratch` holds
/// fl_attention_scores_scratch(lk, dh) floats (Kᵀ, padded).
void fl_attention_scores(const float *q, long ldq, const float *k, long ldk, long lq, long lk, long dh, float *s, long lds,
                         float *scratch);
long fl_attention_scores_scratch(long lk, long dh);

/// Attention weights of one block: y[i] = softmax over the lk keys (those with excluded[j] != 0
/// weight 0; excluded may be NULL) of the scores above, the bits of fl_attention_scores then
/// fl_softmax_row on each row (row stride ldy). `scratch` holds fl_attention_scores_scratch(lk, dh)
/// floats.
void fl_attention_weights(const float *q, long ldq, const float *k, long ldk, long lq, long lk, long dh, const float *excluded,
                          float *y, long ldy, float *scratch);

/// Attention context of one block: out[i][c] = Σ_j w[i][j]·v[j][c], a fma chain over j in order.
void fl_attention_context(const float *w, long ldw, const float *v, long ldv, long lq, long lk, long dh, float *out, long ldo);

/// 1 when the CPU runs AVX-512F (fl_sgemm_avx512 may be called).
int fl_gemm_avx512_supported(void);

/// The K block of fl_sgemm_avx512: its sums over k run in blocks of this many terms, each block
/// added to C in turn. Splitting K between calls (beta 1 after the first) at multiples of it gives
/// the bits of one call.
#define FL_GEMM_AVX512_K_BLOCK 512

/// Row-major C = alpha·op(A)·op(B) + beta·C (op transposes when `ta`/`tb`), C m×n, k the inner
/// size; C is not read when beta is 0. AVX-512 only: check fl_gemm_avx512_supported first. Each
/// element is computed the same way however C is cut into row or column blocks between calls.
void fl_sgemm_avx512(int ta, int tb, long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
                     float beta, float *c, long ldc);

/// Stride-1 im2col of one `[C, height, width]` image for a kh×kw kernel with padding (ph, pw):
/// rows `row_begin ..< row_end` of the column matrix (row r = (c·kh + ki)·kw + kj, one value per
/// output position, 0 where the input is padding), row r written at `col + (r − row_begin)·row_stride`.
/// AVX-512 only: check fl_kernels_use_avx512 first.
void fl_im2col_stride1_avx512(const float *x, long height, long width, long kh, long kw, long ph, long pw,
                              long row_begin, long row_end, float *col, long row_stride);

/// A stride-1 convolution of one `[channels, height, width]` image computed directly (no unfold):
/// y `[outputs, ho·wo]` = weight `[outputs, channels·kh·kw]` ⊛ x (+ bias when not NULL), each value
/// the bits of the AVX-512 GEMM on the unfolded columns with the bias written first (one fma chain
/// over the taps in order, then the bias added): for at most FL_GEMM_AVX512_K_BLOCK taps. `outputs`
/// a multiple of 16. AVX-512 only.
void fl_conv2d_stride1_avx512(const float *x, long channels, long height, long width, long kh, long kw, long ph, long pw,
                              const float *weight, long outputs, const float *bias, float *y);

/// Its adjoint: adds every row of `col` (all C·kh·kw, `row_stride` apart) back onto the image `x`,
/// tap by tap in row order (the portable loop's order of additions). AVX-512 only.
void fl_col2im_add_stride1_avx512(const float *col, long row_stride, long channels, long height, long width, long kh,
                                  long kw, long ph, long pw, float *x);

/// One Adam(W) step over `count` parameters `p` with gradients `g` and moments `m`, `v`, in this
/// order of operations: grad = g + l2·p, m ← β1·m + (1 − β1)·grad, v ← β2·v + ((1 − β2)·grad)·grad,
/// p ← p·decay − (step_size·m) / (√v / correction2 + eps). AVX-512 where the CPU has it; the same
/// bits on either path.
void fl_adam_update(float *p, const float *g, float *m, float *v, long count, float beta1, float beta2, float eps, float step_size,
                    float correction2, float decay, float l2);

/// Inverted dropout of `count` floats from element `first_lane` (0…3) of the xoshiro256** stream
/// `state`'s next draw: with e = first_lane + j, factor j is 0 when bits 16·(e mod 4) ..< +16 of
/// draw e / 4 fall below `threshold`, else `scale`; `y[j] = x[j] · factor` (`x` may be `y`) and
/// `mask[j]` = factor unless `mask` is NULL. `state` is advanced past the draws used. The same
/// bits on either path.
void fl_dropout(uint64_t state[4], long first_lane, long count, uint32_t threshold, float scale, const float *x, float *mask, float *y);

/// 2×2/2 max pooling of one plane (rows `row_length` apart) into `[ho, wo]`, of the ReLU of its
/// values (`v > 0 ? v : 0`) when `relu`. `argmax` (may be NULL) receives each maximum's index in
/// the plane; the first of equal values wins, in the order top-left, top-right, bottom-left,
/// bottom-right.
void fl_max_pool2x2(const float *x, long row_length, float *y, long ho, long wo, int32_t *argmax, int relu);

/// The gradient of one plane through `fl_max_pool2x2(…, relu: 1)`: writes all `rows` rows of
/// `row_length` of `dx`: each window's pooled gradient `g` at its argmax where the pooled value
/// is positive, 0 everywhere else.
void fl_max_pool2x2_scatter(const float *g, const float *pooled, const int32_t *argmax, long ho, long wo, float *dx,
                            long row_length, long rows);

#endif
