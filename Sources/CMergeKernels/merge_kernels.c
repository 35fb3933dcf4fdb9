// The arithmetic of every merge and every angle: pairwise sums of (differences of) inputs, and
// the merge-and-interpolate of one chunk, read straight from bf16/f32/f64 bytes into Double.
//
// One body per kernel, written on 8-lane vectors (clang ext_vector_type), compiled three
// times: portable, AVX2 and AVX-512; the CPU's best is picked at run time. Every sum lane
// adds the elements ≡ j (mod 8) in element order (bf16 passes load the lanes permuted and
// reduce them back in order), and every level runs the same Double operations in the same
// order (no FMA contraction), so the results are bit-identical whatever the machine. The one
// exception is explicit: on levels with FMA, the sums of all-bf16 inputs fuse a product into
// its add where `bf16_check` has shown the product exact, which gives the same bits (NaN
// results stay NaN; their sign and payload depend on operand order chosen by the compiler,
// and were never the same across levels).
#pragma STDC FP_CONTRACT OFF
#pragma clang diagnostic ignored "-Wpsabi"  // the vector helpers are always inlined
#include "merge_kernels.h"
#include <string.h>

typedef double v8d __attribute__((ext_vector_type(8)));
typedef float v8f __attribute__((ext_vector_type(8)));
typedef uint32_t v8u __attribute__((ext_vector_type(8)));
typedef int32_t v8i __attribute__((ext_vector_type(8)));
typedef uint16_t v8h __attribute__((ext_vector_type(8)));

#define AI static inline __attribute__((always_inline))

AI size_t dtype_size(int dt) { return dt == MT_BF16 ? 2 : dt == MT_F32 ? 4 : 8; }

/// 8 elements of `p` from element k, widened exactly to Double.
AI v8d load8(const void *p, int dt, size_t k) {
    const char *b = (const char *)p;
    if (dt == MT_BF16) {
        v8h h;
        memcpy(&h, b + 2 * k, sizeof h);
        v8u w = __builtin_convertvector(h, v8u) << 16;
        return __builtin_convertvector((v8f)w, v8d);
    }
    if (dt == MT_F32) {
        v8f f;
        memcpy(&f, b + 4 * k, sizeof f);
        return __builtin_convertvector(f, v8d);
    }
    v8d d;
    memcpy(&d, b + 8 * k, sizeof d);
    return d;
}

/// The last r < 8 elements from element k, zero-padded.
AI v8d load_tail(const void *p, int dt, size_t k, size_t r) {
    unsigned char buf[64] = {0};
    size_t size = dtype_size(dt);
    memcpy(buf, (const char *)p + size * k, size * r);
    return load8(buf, dt, 0);
}

AI v8d load(const void *p, int dt, size_t k, size_t r) {
    return r == 8 ? load8(p, dt, k) : load_tail(p, dt, k, r);
}

/// How far ahead (in elements) the all-bf16 loops prefetch each input: the kernels read up to
/// 9 streams at once from memory (the page cache), more than the hardware prefetchers follow
/// well. Measured best (Benchmarks/kernels, data in DRAM): 512 for the merge, 1024 for the
/// sums (whose first touch is the fast `bf16_check`).
enum { PREFETCH_MERGE = 512, PREFETCH_SUMS = 1024 };

/// Prefetches the cache line `ahead` elements past element k of each bf16 input; call once
/// per 32 elements (64 bytes). Prefetches never fault, so reading past the end is harmless.
/// Performance only: no effect on any result.
AI void prefetch_bf16(const void *const *x, size_t inputs, size_t k, size_t ahead) {
    for (size_t i = 0; i < inputs; i++)
        __builtin_prefetch((const char *)x[i] + 2 * (k + ahead));
}

/// 8 bf16 elements from element k, widened exactly to Double, in the lane order
/// {0, 2, 4, 6, 1, 3, 5, 7}: the two halves of each 32-bit word moved to the top in place,
/// without the widening shuffle of `load8` (about a third cheaper). Only for sums, where
/// every input of a pass is loaded the same way and `reduce_perm` takes the lanes back in
/// element order, so each lane still sums the same elements in the same order.
AI v8d load8_perm(const void *p, size_t k) {
    typedef uint32_t v4u __attribute__((ext_vector_type(4)));
    const v8u shift = {16, 16, 16, 16, 0, 0, 0, 0};
    v4u q;
    memcpy(&q, (const char *)p + 2 * k, sizeof q);
    v8u w = __builtin_shufflevector(q, q, 0, 1, 2, 3, 0, 1, 2, 3);
    return __builtin_convertvector((v8f)((w << shift) & 0xffff0000u), v8d);
}

/// `load` in the permuted order when `perm` (all-bf16 passes), else in element order.
AI v8d load_sums(const void *p, int dt, size_t k, size_t r, int perm) {
    if (!perm) return load(p, dt, k, r);
    if (r == 8) return load8_perm(p, k);
    unsigned char buf[16] = {0};
    memcpy(buf, (const char *)p + 2 * k, 2 * r);
    return load8_perm(buf, 0);
}

/// bf16 bits of v, rounded once: round to odd into Float (exact sticky bit), then to nearest
/// even; NaN gives a quiet NaN of the same sign; overflow gives ±Inf.
AI v8h to_bf16_exact(v8d v) {
    v8f f = __builtin_convertvector(v, v8f);
    v8d back = __builtin_convertvector(f, v8d);
    v8i inexact = __builtin_convertvector(back != v, v8i);  // -1 where inexact (or NaN)
    v8i away = __builtin_convertvector(
        __builtin_elementwise_abs(back) > __builtin_elementwise_abs(v), v8i);
    v8u b = (v8u)f;
    b = (b + (v8u)away) | ((v8u)inexact & 1u);  // toward zero, then sticky bit
    v8u rne = (b + 0x7fffu + ((b >> 16) & 1u)) >> 16;
    v8u nan = (v8u)__builtin_convertvector(v != v, v8i);
    v8u quiet = ((b >> 16) & 0x8000u) | 0x7fc0u;
    return __builtin_convertvector((nan & quiet) | (~nan & rne), v8h);
}

/// The same, fast: rounding to Float then to bf16 (both to nearest even) is already the single
/// rounding unless the Float is an inexact image of v that lands exactly on a bf16 midpoint
/// (low half 0x8000), or is Inf/NaN; only vectors holding such a lane take the exact path. A
/// Float that is v itself (the usual case when averaging bf16 inputs: ties are common there)
/// rounds correctly as it is.
AI v8h to_bf16(v8d v) {
    v8f f = __builtin_convertvector(v, v8f);
    v8u b = (v8u)f;
    v8i mid = (b & 0xffffu) == 0x8000u;
    v8i special = (b & 0x7f800000u) == 0x7f800000u;
    // one test, not a test on ties first: averages of bf16 inputs land on ties in no pattern
    // the branch predictor can follow (LERP of 8 models spent a third of its time there)
    v8i inexact = __builtin_convertvector(__builtin_convertvector(f, v8d) != v, v8i);
    if (__builtin_reduce_or((mid & inexact) | special)) return to_bf16_exact(v);
    return __builtin_convertvector((b + 0x7fffu + ((b >> 16) & 1u)) >> 16, v8h);
}

/// Lanes j < r of a vector: -1 where kept, 0 past the tail.
AI v8i lanes_below(size_t r) {
    const v8i j = {0, 1, 2, 3, 4, 5, 6, 7};
    return j < (int)r;
}

/// How many of the first r lanes are NaN/±Inf (-1 per lane in `bad`, 0 elsewhere).
AI size_t count_bad(v8i bad, size_t r) {
    if (r < 8) bad &= lanes_below(r);
    if (!__builtin_reduce_or(bad)) return 0;  // the common case: one test, no count
    return (size_t)(-__builtin_reduce_add(bad));
}

/// Stores the first r lanes of v as `dt` at element k of p; returns how many of the stored
/// values are NaN/±Inf, judged on the stored bits (so after rounding: a finite Double that
/// rounds to ±Inf counts), the same at every SIMD level.
AI size_t store(void *p, int dt, size_t k, size_t r, v8d v) {
    unsigned char buf[64];
    size_t size = dtype_size(dt);
    char *dst = r == 8 ? (char *)p + size * k : (char *)buf;
    v8i bad;
    if (dt == MT_BF16) {
        v8h h = to_bf16(v);
        memcpy(dst, &h, sizeof h);
        v8u w = __builtin_convertvector(h, v8u);
        bad = (w & 0x7f80u) == 0x7f80u;
    } else if (dt == MT_F32) {
        v8f f = __builtin_convertvector(v, v8f);
        memcpy(dst, &f, sizeof f);
        bad = ((v8u)f & 0x7f800000u) == 0x7f800000u;
    } else {
        memcpy(dst, &v, sizeof v);
        bad = __builtin_convertvector(v - v != v - v, v8i);  // Inf − Inf and NaN are NaN
    }
    if (r < 8) memcpy((char *)p + size * k, buf, size * r);
    return count_bad(bad, r);
}

AI double reduce(v8d a) {
    double s = -0.0;
    for (int j = 0; j < 4; j++) s += a[j] + a[j + 4];
    return s;
}

/// `reduce` of lanes loaded by `load8_perm` (element lane j sits at {0, 4, 1, 5, 2, 6, 3, 7}[j]):
/// the same additions of the same values.
AI double reduce_sums(v8d a, int perm) {
    if (!perm) return reduce(a);
    return -0.0 + (a[0] + a[2]) + (a[4] + a[6]) + (a[1] + a[3]) + (a[5] + a[7]);
}

enum { MAX_FUSED = 8, MAX_PAIRS = MAX_FUSED * (MAX_FUSED + 1) / 2, MAX_OUTPUTS = 64 };

typedef uint16_t v32h __attribute__((ext_vector_type(32)));

/// What `bf16_check` found: FINITE when no input holds NaN/±Inf, and CLOSE when moreover the
/// exponent fields of all inputs lie within 17 of each other, element by element.
enum { CHECK_FINITE = 1, CHECK_CLOSE = 2, CHECK_GAP = 17 };

/// Elements at ..< at + count of `inputs` bf16 inputs, checked for the FMA bodies of the sums
/// (exponent field f read as max(f, 1): zero and subnormals are multiples of 2^−133 like
/// field 1).
///
/// Why FMA is exact there: a bf16 value with field f is a multiple of 2^(f−134) below
/// 2^(f−126) in magnitude. The difference of two with fields f ≤ g is a multiple of 2^(f−134)
/// below 2^(g−125): at most g − f + 9 ≤ 26 significant bits when g − f ≤ CHECK_GAP, so exact
/// in Double; the product of two such differences has at most 52 bits and lies between 2^−266
/// and 2^260, so it is exact too, and fma(x, y, acc) rounds the same sum as acc + x·y. The
/// product of two finite bf16 values (8 bits each) is always exact. Without NaN/Inf inputs
/// no NaN arises, so there is no NaN payload for FMA to propagate differently either.
AI unsigned bf16_check(const void *const *x, size_t inputs, size_t at, size_t count) {
    v32h gap = 0, top = 0;
    size_t k = 0;
    for (; k + 32 <= count; k += 32) {
        prefetch_bf16(x, inputs, at + k, PREFETCH_SUMS);
        v32h hi = 0, lo = 0x7fff;
        for (size_t i = 0; i < inputs; i++) {
            v32h h;
            memcpy(&h, (const char *)x[i] + 2 * (at + k), sizeof h);
            v32h f = __builtin_elementwise_max(h & (uint16_t)0x7f80, (v32h)0x80);
            hi = __builtin_elementwise_max(hi, f);
            lo = __builtin_elementwise_min(lo, f);
        }
        gap = __builtin_elementwise_max(gap, hi - lo);
        top = __builtin_elementwise_max(top, hi);
    }
    unsigned g = __builtin_reduce_max(gap), t = __builtin_reduce_max(top);
    for (; k < count; k++) {
        unsigned hi = 0, lo = 0x7fff;
        for (size_t i = 0; i < inputs; i++) {
            uint16_t h;
            memcpy(&h, (const char *)x[i] + 2 * (at + k), sizeof h);
            unsigned f = h & 0x7f80u;
            f = f < 0x80u ? 0x80u : f;
            hi = f > hi ? f : hi;
            lo = f < lo ? f : lo;
        }
        g = hi - lo > g ? hi - lo : g;
        t = hi > t ? hi : t;
    }
    if (t >= 0x7f80u) return 0;
    return g <= CHECK_GAP << 7 ? CHECK_FINITE | CHECK_CLOSE : CHECK_FINITE;
}

/// Whether the FMA body may run on a sub-block `bf16_check` judged `ok`: finite inputs, and
/// close exponents when the sums take differences (task, distance).
AI int fma_allowed(unsigned ok, unsigned what) {
    unsigned need = what & (MT_SUM_TASK | MT_SUM_DISTANCE) ? CHECK_FINITE | CHECK_CLOSE
                                                            : CHECK_FINITE;
    return (ok & need) == need;
}

/// acc + x·y, by one FMA when `fast` (only where the caller has shown x·y exact: then the
/// bits are the same).
AI v8d mul_add(v8d x, v8d y, v8d acc, int fast) {
    return fast ? __builtin_elementwise_fma(x, y, acc) : acc + x * y;
}

/// One 8-element group of the fused sums: base b (zero without base) and inputs v[0..m).
/// The task differences v[a] − b are taken once per input (the same values the pairwise
/// form recomputes per pair, so the same bits). `fast` (inputs checked by `bf16_check`):
/// products by FMA, and no distance diagonal ((v − v)² adds +0 to a sum that is +0 or NaN,
/// which leaves it as it is).
AI void sums_group(v8d b, const v8d *v, size_t m, unsigned what, int fast, v8d *t, v8d *w,
                   v8d *d) {
    v8d delta[MAX_FUSED];
    if (what & MT_SUM_TASK) {
        for (size_t a = 0; a < m; a++) delta[a] = v[a] - b;
    }
    size_t p = 0;
    for (size_t a = 0; a < m; a++) {
        for (size_t c = a; c < m; c++, p++) {
            if (what & MT_SUM_TASK) t[p] = mul_add(delta[a], delta[c], t[p], fast);
            if (what & MT_SUM_WEIGHT) w[p] = mul_add(v[a], v[c], w[p], fast);
            if ((what & MT_SUM_DISTANCE) && !(fast && a == c)) {
                v8d e = v[a] - v[c];
                d[p] = mul_add(e, e, d[p], fast);
            }
        }
    }
}

/// Groups staged per sub-block of the tiled pass: 8 inputs × 32 groups × 64 bytes = 16 KiB per
/// staged kind, so a sub-block stays in L1 while every tile reads it. Also the unit of the
/// FMA check (`bf16_check`) of both passes.
enum { SUB_GROUPS = 32 };

/// Groups k..end (whole groups of 8) of the fused sums into t, w, d; `use_fma` is a constant
/// after inlining, so the FMA body and the plain one are two loops without a branch inside.
AI void sums_fused_groups(const void *const *x, const int *dt, size_t m, int hb, size_t k,
                          size_t end, unsigned what, int use_fma, int prefetch, int perm,
                          v8d *t, v8d *w, v8d *d) {
    const size_t first = hb ? 1 : 0;
    v8d v[MAX_FUSED];
    for (; k < end; k += 8) {
        if (prefetch && (k & 31) == 0) prefetch_bf16(x, m + first, k, PREFETCH_SUMS);
        v8d b = hb ? load_sums(x[0], dt[0], k, 8, perm) : (v8d)0;
        for (size_t a = 0; a < m; a++) v[a] = load_sums(x[first + a], dt[first + a], k, 8, perm);
        sums_group(b, v, m, what, use_fma, t, w, d);
    }
}

/// All sums of m ≤ MAX_FUSED models in one pass over the chunk (m is a constant after
/// inlining; up to 4 models the accumulators live in registers, beyond in L1). Each sum is
/// the same lanes in the same order as the pairwise pass, so the bits do not depend on m.
/// `fast` (all-bf16 inputs on a level with FMA): each sub-block that `bf16_check` passes
/// runs the FMA body, the others (and the zero-padded last group) the plain one.
AI void sums_fused(const void *const *x, const int *dt, size_t m, int hb, size_t n,
                   unsigned what, int fast, int perm, double *task, double *weight,
                   double *dist) {
    v8d t[MAX_PAIRS], w[MAX_PAIRS], d[MAX_PAIRS], v[MAX_FUSED];
    for (size_t p = 0; p < MAX_PAIRS; p++) t[p] = w[p] = d[p] = 0;
    const size_t first = hb ? 1 : 0;
    size_t k = 0;
    while (k + 8 <= n) {
        size_t end = n - k >= 8 * SUB_GROUPS ? k + 8 * SUB_GROUPS : k + (n - k) / 8 * 8;
        // with `fast`, `bf16_check` has already prefetched (it reads every input first)
        if (fast && fma_allowed(bf16_check(x, m + first, k, end - k), what))
            sums_fused_groups(x, dt, m, hb, k, end, what, 1, 0, perm, t, w, d);
        else
            sums_fused_groups(x, dt, m, hb, k, end, what, 0, perm && !fast, perm, t, w, d);
        k = end;
    }
    if (k < n) {
        v8d b = hb ? load_sums(x[0], dt[0], k, n - k, perm) : (v8d)0;
        for (size_t a = 0; a < m; a++)
            v[a] = load_sums(x[first + a], dt[first + a], k, n - k, perm);
        sums_group(b, v, m, what, 0, t, w, d);
    }
    size_t p = 0;
    for (size_t a = 0; a < m; a++) {
        for (size_t c = a; c < m; c++, p++) {
            if (what & MT_SUM_TASK) task[a * m + c] += reduce_sums(t[p], perm);
            if (what & MT_SUM_WEIGHT) weight[a * m + c] += reduce_sums(w[p], perm);
            if (what & MT_SUM_DISTANCE) dist[a * m + c] += reduce_sums(d[p], perm);
        }
    }
}

/// Many models: one pass per pair; each sum is the same lanes as the fused pass.
AI void sums_pairwise(const void *const *x, const int *dt, size_t m, int hb, size_t n,
                      unsigned what, double *task, double *weight, double *dist) {
    const size_t first = hb ? 1 : 0;
    for (size_t a = 0; a < m; a++) {
        for (size_t c = a; c < m; c++) {
            const void *xs[3] = {hb ? x[0] : x[first + a], x[first + a], x[first + c]};
            const int ds[3] = {hb ? dt[0] : dt[first + a], dt[first + a], dt[first + c]};
            v8d t = 0, w = 0, d = 0;
            for (size_t k = 0; k < n; k += 8) {
                size_t r = n - k < 8 ? n - k : 8;
                v8d b = hb ? load(xs[0], ds[0], k, r) : (v8d)0;
                v8d u = load(xs[1], ds[1], k, r), y = load(xs[2], ds[2], k, r);
                if (what & MT_SUM_TASK) t += (u - b) * (y - b);
                if (what & MT_SUM_WEIGHT) w += u * y;
                if (what & MT_SUM_DISTANCE) {
                    v8d e = u - y;
                    d += e * e;
                }
            }
            if (what & MT_SUM_TASK) task[a * m + c] += reduce(t);
            if (what & MT_SUM_WEIGHT) weight[a * m + c] += reduce(w);
            if (what & MT_SUM_DISTANCE) dist[a * m + c] += reduce(d);
        }
    }
}

/// One tile of the pair sums over a staged sub-block: the pairs (a, c) with a in
/// [a0, a0 + tile), c in [c0, c0 + tile), a ≤ c < m. Their accumulators stay in registers over
/// the sub-block; each still takes the groups in order, by the same Double operations as
/// `sums_group` (a product, or a difference squared, then one add; with `fast`, one FMA and
/// no distance diagonal, as there): the same bits.
AI void sums_tile(v8d xs[MAX_FUSED][SUB_GROUPS], size_t groups, size_t m, size_t tile,
                  size_t a0, size_t c0, int distance, int fast,
                  v8d acc[MAX_FUSED][MAX_FUSED]) {
    v8d r[4][4];
    for (size_t i = 0; i < tile; i++)
        for (size_t j = 0; j < tile; j++)
            if (a0 + i < m && c0 + j < m && a0 + i <= c0 + j) r[i][j] = acc[a0 + i][c0 + j];
    for (size_t g = 0; g < groups; g++) {
        v8d xa[4], xc[4];
#pragma clang loop unroll(full)
        for (size_t i = 0; i < tile; i++)
            if (a0 + i < m) xa[i] = xs[a0 + i][g];
#pragma clang loop unroll(full)
        for (size_t j = 0; j < tile; j++)
            if (c0 + j < m) xc[j] = xs[c0 + j][g];
#pragma clang loop unroll(full)
        for (size_t i = 0; i < tile; i++) {
#pragma clang loop unroll(full)
            for (size_t j = 0; j < tile; j++) {
                if (!(a0 + i < m && c0 + j < m && a0 + i <= c0 + j)) continue;
                if (distance) {
                    if (fast && a0 + i == c0 + j) continue;
                    v8d e = xa[i] - xc[j];
                    r[i][j] = mul_add(e, e, r[i][j], fast);
                } else {
                    r[i][j] = mul_add(xa[i], xc[j], r[i][j], fast);
                }
            }
        }
    }
    for (size_t i = 0; i < tile; i++)
        for (size_t j = 0; j < tile; j++)
            if (a0 + i < m && c0 + j < m && a0 + i <= c0 + j) acc[a0 + i][c0 + j] = r[i][j];
}

/// Every tile of the upper triangle, `tile` × `tile` pairs at a time (m ≤ 8; the tile
/// corners are written out so that they are constants and the tiles unroll completely).
AI void sums_tiles(v8d xs[MAX_FUSED][SUB_GROUPS], size_t groups, size_t m, size_t tile,
                   int distance, int fast, v8d acc[MAX_FUSED][MAX_FUSED]) {
#define TILE(a0, c0)                                                                           \
    if ((c0) < m) sums_tile(xs, groups, m, tile, a0, c0, distance, fast, acc)
    if (tile == 4) {
        TILE(0, 0);
        TILE(0, 4);
        TILE(4, 4);
    } else {
        TILE(0, 0);
        TILE(0, 2);
        TILE(0, 4);
        TILE(0, 6);
        TILE(2, 2);
        TILE(2, 4);
        TILE(2, 6);
        TILE(4, 4);
        TILE(4, 6);
        TILE(6, 6);
    }
#undef TILE
}

/// Widens group g (elements at ..< at + r, zero-padded) of the base and the m inputs into the
/// staging arrays: δ_a = x_a − b into `ds` for the task sums, x_a into `vs` for the others.
AI void stage_group(const void *const *x, const int *dt, size_t m, int hb, size_t at, size_t r,
                    unsigned what, int perm, size_t g, v8d ds[MAX_FUSED][SUB_GROUPS],
                    v8d vs[MAX_FUSED][SUB_GROUPS]) {
    const size_t first = hb ? 1 : 0;
    v8d b = hb ? load_sums(x[0], dt[0], at, r, perm) : (v8d)0;
    for (size_t a = 0; a < m; a++) {
        v8d v = load_sums(x[first + a], dt[first + a], at, r, perm);
        if (what & MT_SUM_TASK) ds[a][g] = v - b;
        if (what & (MT_SUM_WEIGHT | MT_SUM_DISTANCE)) vs[a][g] = v;
    }
}

/// The fused sums of 5 ≤ m ≤ MAX_FUSED models, register-tiled: the inputs of SUB_GROUPS
/// groups are widened once into L1 (the task differences δ_a = x_a − b, and/or the values),
/// then each tile of pairs runs over them with its accumulators in registers (`tile` = 4 on
/// AVX-512's 32 registers, 2 below). Every accumulator sees the same operations on the same
/// values in the same group order as `sums_fused`, so the results are bit-identical to it
/// (and to the pairwise pass); only the order in which different accumulators advance
/// changes.
AI void sums_tiled(const void *const *x, const int *dt, size_t m, int hb, size_t n,
                   unsigned what, size_t tile, int fast, int perm, double *task,
                   double *weight, double *dist) {
    v8d t[MAX_FUSED][MAX_FUSED], w[MAX_FUSED][MAX_FUSED], d[MAX_FUSED][MAX_FUSED];
    v8d ds[MAX_FUSED][SUB_GROUPS] __attribute__((aligned(64)));
    v8d vs[MAX_FUSED][SUB_GROUPS] __attribute__((aligned(64)));
    for (size_t a = 0; a < m; a++)
        for (size_t c = 0; c < m; c++) t[a][c] = w[a][c] = d[a][c] = 0;
    for (size_t k = 0; k < n; k += 8 * SUB_GROUPS) {
        size_t groups = (n - k) / 8 < SUB_GROUPS ? (n - k) / 8 : SUB_GROUPS;
        if (what == MT_SUM_TASK) {  // SLERP's case: a copy of the loop without branches
            for (size_t g = 0; g < groups; g++) {
                if (perm && (g & 3) == 0)
                    prefetch_bf16(x, m + (hb ? 1 : 0), k + 8 * g, PREFETCH_SUMS);
                stage_group(x, dt, m, hb, k + 8 * g, 8, MT_SUM_TASK, perm, g, ds, vs);
            }
        } else {
            for (size_t g = 0; g < groups; g++) {
                if (perm && (g & 3) == 0)
                    prefetch_bf16(x, m + (hb ? 1 : 0), k + 8 * g, PREFETCH_SUMS);
                stage_group(x, dt, m, hb, k + 8 * g, 8, what, perm, g, ds, vs);
            }
        }
        if (groups < SUB_GROUPS && k + 8 * groups < n) {  // the zero-padded last group
            stage_group(x, dt, m, hb, k + 8 * groups, n - k - 8 * groups, what, perm, groups,
                        ds, vs);
            groups++;
        }
        size_t count = n - k < 8 * SUB_GROUPS ? n - k : 8 * SUB_GROUPS;
        if (fast && (what & MT_SUM_DISTANCE)
            && fma_allowed(bf16_check(x, m + (hb ? 1 : 0), k, count), what)) {
            if (what & MT_SUM_TASK) sums_tiles(ds, groups, m, tile, 0, 1, t);
            if (what & MT_SUM_WEIGHT) sums_tiles(vs, groups, m, tile, 0, 1, w);
            if (what & MT_SUM_DISTANCE) sums_tiles(vs, groups, m, tile, 1, 1, d);
        } else {
            if (what & MT_SUM_TASK) sums_tiles(ds, groups, m, tile, 0, 0, t);
            if (what & MT_SUM_WEIGHT) sums_tiles(vs, groups, m, tile, 0, 0, w);
            if (what & MT_SUM_DISTANCE) sums_tiles(vs, groups, m, tile, 1, 0, d);
        }
    }
    for (size_t a = 0; a < m; a++) {
        for (size_t c = a; c < m; c++) {
            if (what & MT_SUM_TASK) task[a * m + c] += reduce_sums(t[a][c], perm);
            if (what & MT_SUM_WEIGHT) weight[a * m + c] += reduce_sums(w[a][c], perm);
            if (what & MT_SUM_DISTANCE) dist[a * m + c] += reduce_sums(d[a][c], perm);
        }
    }
}

/// `sums_fused` with the usual selections as constants (no `what` tests in the loop).
AI void sums_fused_what(const void *const *x, const int *dt, size_t m, int hb, size_t n,
                        unsigned what, int fast, int perm, double *task, double *weight,
                        double *dist) {
    const unsigned all = MT_SUM_TASK | MT_SUM_WEIGHT | MT_SUM_DISTANCE;
    if (what == all) {
        sums_fused(x, dt, m, hb, n, all, fast, perm, task, weight, dist);
    } else if (what == MT_SUM_TASK) {
        sums_fused(x, dt, m, hb, n, MT_SUM_TASK, fast, perm, task, weight, dist);
    } else if (what == MT_SUM_WEIGHT) {
        sums_fused(x, dt, m, hb, n, MT_SUM_WEIGHT, fast, perm, task, weight, dist);
    } else {
        sums_fused(x, dt, m, hb, n, what, fast, perm, task, weight, dist);
    }
}

/// The task pairs (a, c), a ≤ c < m, over the whole groups at k0 ..< k1 of all-bf16 inputs
/// with a base, accumulators in registers; the differences δ_a = x_a − b are taken in
/// registers per group (no staging).
AI void task_block(const void *const *x, size_t m, size_t k0, size_t k1, int fast,
                   v8d acc[MAX_FUSED][MAX_FUSED]) {
    v8d r[MAX_FUSED][MAX_FUSED];
    for (size_t c = 0; c < m; c++)
        for (size_t a = 0; a <= c; a++) r[a][c] = acc[a][c];
    for (size_t k = k0; k < k1; k += 8) {
        v8d b = load8_perm(x[0], k), dl[MAX_FUSED];
#pragma clang loop unroll(full)
        for (size_t a = 0; a < m; a++) dl[a] = load8_perm(x[1 + a], k) - b;
#pragma clang loop unroll(full)
        for (size_t c = 0; c < m; c++)
#pragma clang loop unroll(full)
            for (size_t a = 0; a <= c; a++) r[a][c] = mul_add(dl[a], dl[c], r[a][c], fast);
    }
    for (size_t c = 0; c < m; c++)
        for (size_t a = 0; a <= c; a++) acc[a][c] = r[a][c];
}

/// Up to 6 models the task pairs (≤ 21) and differences (≤ 6) fit AVX-512's 32 registers.
enum { IN_REGISTERS = 6 };

/// Task sums of 3 ≤ m ≤ IN_REGISTERS all-bf16 models with a base on AVX-512, per sub-block
/// of 8 · SUB_GROUPS elements: `bf16_check` (which also prefetches), then `task_block` by
/// FMA where it passed, plain where not. Every accumulator sees the same operations on the
/// same values in the same group order as in `sums_tiled`, so the same bits. (Measured:
/// faster than staging up to 6 models; at 7 and 8 the pairs no longer fit the registers.)
AI void sums_in_registers(const void *const *x, size_t m, size_t n, double *task) {
    v8d acc[MAX_FUSED][MAX_FUSED];
    for (size_t a = 0; a < m; a++)
        for (size_t c = 0; c < m; c++) acc[a][c] = 0;
    const size_t whole = n / 8 * 8;
    for (size_t k = 0; k < whole; k += 8 * SUB_GROUPS) {
        size_t end = whole - k < 8 * SUB_GROUPS ? whole : k + 8 * SUB_GROUPS;
        if (fma_allowed(bf16_check(x, m + 1, k, end - k), MT_SUM_TASK)) {
            task_block(x, m, k, end, 1, acc);
        } else {
            task_block(x, m, k, end, 0, acc);
        }
    }
    if (whole < n) {  // the zero-padded last group
        unsigned char pad[MAX_FUSED + 1][16] = {{0}};
        const void *xp[MAX_FUSED + 1];
        for (size_t i = 0; i <= m; i++) {
            memcpy(pad[i], (const char *)x[i] + 2 * whole, 2 * (n - whole));
            xp[i] = pad[i];
        }
        task_block(xp, m, 0, 8, 0, acc);
    }
    for (size_t a = 0; a < m; a++)
        for (size_t c = a; c < m; c++) task[a * m + c] += reduce_sums(acc[a][c], 1);
}

AI void sums_body(const void *const *x, const int *dt, size_t m, int hb, size_t n,
                  unsigned what, size_t tile, int fast, int perm, double *task, double *weight,
                  double *dist) {
    if (!hb) what &= ~(unsigned)MT_SUM_TASK;
    if (fast && perm && hb && tile == 4 && what == MT_SUM_TASK && m >= 3 && m <= IN_REGISTERS) {
        switch (m) {
        case 3: sums_in_registers(x, 3, n, task); return;
        case 4: sums_in_registers(x, 4, n, task); return;
        case 5: sums_in_registers(x, 5, n, task); return;
        default: sums_in_registers(x, 6, n, task); return;
        }
    }
    switch (m) {
    case 1: sums_fused_what(x, dt, 1, hb, n, what, fast, perm, task, weight, dist); break;
    case 2: sums_fused_what(x, dt, 2, hb, n, what, fast, perm, task, weight, dist); break;
    case 3: sums_tiled(x, dt, 3, hb, n, what, tile, fast, perm, task, weight, dist); break;
    case 4: sums_tiled(x, dt, 4, hb, n, what, tile, fast, perm, task, weight, dist); break;
    case 5: sums_tiled(x, dt, 5, hb, n, what, tile, fast, perm, task, weight, dist); break;
    case 6: sums_tiled(x, dt, 6, hb, n, what, tile, fast, perm, task, weight, dist); break;
    case 7: sums_tiled(x, dt, 7, hb, n, what, tile, fast, perm, task, weight, dist); break;
    case 8: sums_tiled(x, dt, 8, hb, n, what, tile, fast, perm, task, weight, dist); break;
    default: sums_pairwise(x, dt, m, hb, n, what, task, weight, dist); break;
    }
}

/// Elements k ..< k + r (r ≤ 8) of the merge.
AI void merge_group(const void *const *x, const int *dt, size_t m, int hb, int sm,
                    const double *c, size_t k, size_t r, const double *eta, size_t outs,
                    void *const *out, int odt, size_t *bad) {
    const size_t first = hb ? 1 : 0;
    {
        v8d b = hb ? load(x[0], dt[0], k, r) : (v8d)0;
        v8d s;
        if (sm) {
            s = load(x[first], dt[first], k, r);
        } else {
            v8d d = load(x[first], dt[first], k, r);
            if (hb) d = d - b;
            s = c[0] * d;
            for (size_t j = 1; j < m; j++) {
                v8d dj = load(x[first + j], dt[first + j], k, r);
                if (hb) dj = dj - b;
                s = s + c[j] * dj;
            }
            if (hb) s = b + s;
        }
        for (size_t e = 0; e < outs; e++) {
            v8d v = (eta[e] == 1.0 || !hb) ? s : b + eta[e] * (s - b);
            size_t nb = store(out[e], odt, k, r, v);
            if (nb) bad[e] += nb;
        }
    }
}

AI void merge_body(const void *const *x, const int *dt, size_t m, int hb, int sm,
                   const double *c, size_t n, const double *eta, size_t outs, void *const *out,
                   int odt, size_t *bad, int prefetch) {
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        if (prefetch && (k & 31) == 0) prefetch_bf16(x, m + 1, k, PREFETCH_MERGE);
        merge_group(x, dt, m, hb, sm, c, k, 8, eta, outs, out, odt, bad);
    }
    if (k < n) merge_group(x, dt, m, hb, sm, c, k, n - k, eta, outs, out, odt, bad);
}

// All-bf16 inputs and output (the usual checkpoint) get a copy per model count up to 8, free
// of dtype branches and with the coefficient loop unrolled.
AI void merge_dispatch(const void *const *x, const int *dt, size_t m, int hb, int sm,
                       const double *c, size_t n, const double *eta, size_t outs,
                       void *const *out, int odt, size_t *bad) {
    static const int bf[MAX_FUSED + 1] = {MT_BF16, MT_BF16, MT_BF16, MT_BF16, MT_BF16,
                                          MT_BF16, MT_BF16, MT_BF16, MT_BF16};
    int all_bf16 = m <= MAX_FUSED && hb && !sm && odt == MT_BF16;
    for (size_t i = 0; all_bf16 && i <= m; i++) all_bf16 = dt[i] == MT_BF16;
    if (!all_bf16) {
        merge_body(x, dt, m, hb, sm, c, n, eta, outs, out, odt, bad, 0);
        return;
    }
    switch (m) {
#define MERGE_BF16(k)                                                                          \
    case k: merge_body(x, bf, k, 1, 0, c, n, eta, outs, out, MT_BF16, bad, 1); break;
        MERGE_BF16(1)
        MERGE_BF16(2)
        MERGE_BF16(3)
        MERGE_BF16(4)
        MERGE_BF16(5)
        MERGE_BF16(6)
        MERGE_BF16(7)
        MERGE_BF16(8)
#undef MERGE_BF16
    default: merge_body(x, bf, m, 1, 0, c, n, eta, outs, out, MT_BF16, bad, 1); break;
    }
}

/// All-bf16 inputs (the usual checkpoint) get their own copy of the body, free of dtype
/// branches in the loads, and with `fma` (levels that have it) the checked FMA sub-blocks.
AI void sums_dispatch(const void *const *x, const int *dt, size_t m, int hb, size_t n,
                      unsigned what, size_t tile, int fma, double *task, double *weight,
                      double *dist) {
    static const int bf[MAX_FUSED + 1] = {MT_BF16, MT_BF16, MT_BF16, MT_BF16, MT_BF16,
                                          MT_BF16, MT_BF16, MT_BF16, MT_BF16};
    int all_bf16 = m <= MAX_FUSED;
    for (size_t i = 0; all_bf16 && i < m + (hb ? 1 : 0); i++) all_bf16 = dt[i] == MT_BF16;
    if (all_bf16 && hb) {
        sums_body(x, bf, m, 1, n, what, tile, fma, 1, task, weight, dist);
    } else if (all_bf16) {
        sums_body(x, bf, m, 0, n, what, tile, fma, 1, task, weight, dist);
    } else {
        sums_body(x, dt, m, hb, n, what, tile, 0, 0, task, weight, dist);
    }
}

#define SUMS_ARGS                                                                             \
    const void *const *x, const int *dt, size_t m, int hb, size_t n, unsigned what,          \
        double *task, double *weight, double *dist
#define MERGE_ARGS                                                                            \
    const void *const *x, const int *dt, size_t m, int hb, int sm, const double *c, size_t n, \
        const double *eta, size_t outs, void *const *out, int odt, size_t *bad

static void sums_portable(SUMS_ARGS) {
    sums_dispatch(x, dt, m, hb, n, what, 2, 0, task, weight, dist);
}
static void merge_portable(MERGE_ARGS) {
    merge_dispatch(x, dt, m, hb, sm, c, n, eta, outs, out, odt, bad);
}

#if defined(__x86_64__)
#define TARGET_AVX2 __attribute__((target("avx2,f16c,fma")))
#define TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,f16c,fma")))
TARGET_AVX2 static void sums_avx2(SUMS_ARGS) {
    sums_dispatch(x, dt, m, hb, n, what, 2, 1, task, weight, dist);
}
TARGET_AVX2 static void merge_avx2(MERGE_ARGS) {
    merge_dispatch(x, dt, m, hb, sm, c, n, eta, outs, out, odt, bad);
}
TARGET_AVX512 static void sums_avx512(SUMS_ARGS) {
    sums_dispatch(x, dt, m, hb, n, what, 4, 1, task, weight, dist);
}
TARGET_AVX512 static void merge_avx512(MERGE_ARGS) {
    merge_dispatch(x, dt, m, hb, sm, c, n, eta, outs, out, odt, bad);
}

static int detect_level(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
    return 0;
}
#else
static int detect_level(void) { return 0; }
#endif

int mt_simd_level(void) {
    static int cached = -1;  // benign race: every thread computes the same value
    if (cached < 0) cached = detect_level();
    return cached;
}

static int clamp_level(int level) {
    int top = mt_simd_level();
    return level < 0 ? 0 : level > top ? top : level;
}

void mt_pair_sums_at(int level, const void *const *x, const int *dtype, size_t models,
                     int has_base, size_t n, unsigned what, double *task, double *weight,
                     double *distance) {
    switch (clamp_level(level)) {
#if defined(__x86_64__)
    case 2: sums_avx512(x, dtype, models, has_base, n, what, task, weight, distance); return;
    case 1: sums_avx2(x, dtype, models, has_base, n, what, task, weight, distance); return;
#endif
    default: sums_portable(x, dtype, models, has_base, n, what, task, weight, distance);
    }
}

size_t mt_merge_at(int level, const void *const *x, const int *dtype, size_t models,
                   int has_base, int s_is_model, const double *c, size_t n, const double *eta,
                   size_t outputs, void *const *out, int out_dtype, size_t *nonfinite) {
    size_t local[MAX_OUTPUTS] = {0};
    size_t *bad = nonfinite;
    if (!bad) {
        if (outputs > MAX_OUTPUTS) {  // count anyway, in groups of MAX_OUTPUTS outputs
            size_t total = 0;
            for (size_t o = 0; o < outputs; o += MAX_OUTPUTS) {
                size_t part = outputs - o < MAX_OUTPUTS ? outputs - o : MAX_OUTPUTS;
                total += mt_merge_at(level, x, dtype, models, has_base, s_is_model, c, n,
                                     eta + o, part, out + o, out_dtype, NULL);
            }
            return total;
        }
        bad = local;
    }
    size_t before = 0;
    for (size_t e = 0; e < outputs; e++) before += bad[e];
    switch (clamp_level(level)) {
#if defined(__x86_64__)
    case 2:
        merge_avx512(x, dtype, models, has_base, s_is_model, c, n, eta, outputs, out, out_dtype,
                     bad);
        break;
    case 1:
        merge_avx2(x, dtype, models, has_base, s_is_model, c, n, eta, outputs, out, out_dtype,
                   bad);
        break;
#endif
    default:
        merge_portable(x, dtype, models, has_base, s_is_model, c, n, eta, outputs, out,
                       out_dtype, bad);
    }
    size_t after = 0;
    for (size_t e = 0; e < outputs; e++) after += bad[e];
    return after - before;
}

void mt_pair_sums(const void *const *x, const int *dtype, size_t models, int has_base, size_t n,
                  unsigned what, double *task, double *weight, double *distance) {
    mt_pair_sums_at(mt_simd_level(), x, dtype, models, has_base, n, what, task, weight,
                    distance);
}

size_t mt_merge(const void *const *x, const int *dtype, size_t models, int has_base,
                int s_is_model, const double *c, size_t n, const double *eta, size_t outputs,
                void *const *out, int out_dtype, size_t *nonfinite) {
    return mt_merge_at(mt_simd_level(), x, dtype, models, has_base, s_is_model, c, n, eta,
                       outputs, out, out_dtype, nonfinite);
}
