#pragma once
#include <stddef.h>
#include <stdint.h>

/// Element types the merge kernels read and write directly (little-endian, any alignment).
enum {
    MT_BF16 = 1,
    MT_F32 = 2,
    MT_F64 = 3,
};

/// What `mt_pair_sums` accumulates.
enum {
    MT_SUM_TASK = 1,     /// task[a][b] += Σ (x_a − x_0)(x_b − x_0)   (needs a base x_0)
    MT_SUM_WEIGHT = 2,   /// weight[a][b] += Σ x_a x_b
    MT_SUM_DISTANCE = 4, /// distance[a][b] += Σ (x_a − x_b)²
};

/// SIMD levels: 0 portable C, 1 AVX2 (with FMA), 2 AVX-512 (F, BW, VL, DQ). Every level
/// performs the same Double operations in the same order (an FMA only where the product is
/// exact, so the same rounding), so all give identical bits; a NaN result is NaN at every
/// level, its sign and payload may differ.
int mt_simd_level(void);

/// Pairwise sums of one chunk of n elements, in Double, added into the upper triangles
/// (a ≤ b, row-major models×models) of the matrices selected by `what` (others may be NULL).
/// `x[0]` is the base when `has_base`, followed by the `models` inputs; `dtype[i]` is input i's
/// element type. Each sum is kept in 8 lanes (lane j takes the elements ≡ j mod 8, the last
/// partial group zero-padded) and reduced as -0 + (l0+l4) + (l1+l5) + (l2+l6) + (l3+l7): the
/// result depends only on the chunk, never on the SIMD level.
void mt_pair_sums(const void *const *x, const int *dtype, size_t models, int has_base,
                  size_t n, unsigned what, double *task, double *weight, double *distance);

/// The merge of one chunk, written to `outputs` buffers of `out_dtype` (one per η):
///     s   = x_0 + Σ_m c_m (x_m − x_0)       (without base: s = Σ_m c_m x_m; with
///                                            `s_is_model`: s = x_1, or x_0 without base)
///     out = η == 1 ? s : x_0 + η (s − x_0)  (η ≠ 1 needs a base)
/// summed in the order written, in Double, and rounded once to `out_dtype` (bf16 correctly
/// rounded to nearest even, via round-to-odd Float).
/// Returns how many written values are NaN/±Inf (judged on the written bits, so a finite
/// Double that overflows the output type counts), over all outputs; when `nonfinite` is not
/// NULL, output e's count is also added to `nonfinite[e]`. The same at every SIMD level.
size_t mt_merge(const void *const *x, const int *dtype, size_t models, int has_base,
                int s_is_model, const double *c, size_t n, const double *eta, size_t outputs,
                void *const *out, int out_dtype, size_t *nonfinite);

/// The same at an explicit SIMD level (clamped to what the CPU has): for tests.
void mt_pair_sums_at(int level, const void *const *x, const int *dtype, size_t models,
                     int has_base, size_t n, unsigned what, double *task, double *weight,
                     double *distance);
size_t mt_merge_at(int level, const void *const *x, const int *dtype, size_t models,
                   int has_base, int s_is_model, const double *c, size_t n, const double *eta,
                   size_t outputs, void *const *out, int out_dtype, size_t *nonfinite);
