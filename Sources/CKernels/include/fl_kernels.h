#ifndef FUSIONLAB_KERNELS_H
#define FUSIONLAB_KERNELS_H

// Element-wise kernels over raw float buffers (llm.c style), AVX2+FMA when the CPU has it.
//
// Every kernel has a portable path that computes the same bits as the AVX2 one: reductions run in
// 8 lanes (element k goes to lane k mod 8) combined in one fixed order, and the same polynomial is
// evaluated with fmaf. So results depend neither on the CPU nor on which path ran.

/// 1 when the AVX2+FMA paths run (the CPU has them and the portable path is not forced).
int fl_kernels_use_avx2(void);
/// Forces the portable path (nonzero) or lets the CPU decide (0): for tests comparing both paths.
void fl_kernels_force_portable(int force);

/// y[i] = e^x[i] for `count` floats, within 2 ulp of the exact value; −∞ and x < −104 give 0,
/// x > 88.7228317 gives +∞, NaN stays NaN. `x` and `y` may be the same buffer.
void fl_exp(const float *x, float *y, long count);

/// Σ x[k] for `count` floats, summed in 8 lanes.
float fl_sum(const float *x, long count);

/// One softmax row: y = softmax of x over `n` positions, those with `excluded[k] != 0` excluded
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

/// Attention context of one block: out[i][c] = Σ_j w[i][j]·v[j][c], a fma chain over j in order.
void fl_attention_context(const float *w, long ldw, const float *v, long ldv, long lq, long lk, long dh, float *out, long ldo);

/// 1 when the CPU runs AVX-512F (fl_sgemm_avx512 may be called).
int fl_gemm_avx512_supported(void);

/// Row-major C = alpha·op(A)·op(B) + beta·C (op transposes when `ta`/`tb`), C m×n, k the inner
/// size; C is not read when beta is 0. AVX-512 only: check fl_gemm_avx512_supported first. Each
/// element is computed the same way however C is cut into row or column blocks between calls.
void fl_sgemm_avx512(int ta, int tb, long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
                     float beta, float *c, long ldc);

/// Adam's update of `count` parameters (NN/Adam.swift): g' = g + l2·p, m ← b1·m + (1 − b1)·g',
/// v ← b2·v + (1 − b2)·g'², p ← p·decay_factor − step_size·m / (√v / correction2 + eps), each
/// operation rounded in that order. AVX-512 where the CPU has it (and the portable path is not
/// forced); the same bits as the portable path.
void fl_adam_update(float *p, const float *g, float *m, float *v, long count, float b1, float b2, float eps, float step_size,
                    float correction2, float decay_factor, float l2);

#endif
