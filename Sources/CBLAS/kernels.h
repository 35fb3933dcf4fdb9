#pragma once
// Elementwise kernels of the trainer compiled for AVX2 (8 lanes) next to the Swift loops,
// which the default x86-64 target vectorises with SSE (4 lanes). Every function does the
// same IEEE operations in the same order as its Swift twin (no FMA: the target is "avx2"
// without "fma", and contraction is off), so results are bit for bit those of the Swift
// loop; Swift calls them only when `mt_has_avx2()` says the CPU has AVX2.
#include <stdint.h>
#include <string.h>

#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__clang__)
#define MT_AVX2 __attribute__((target("avx2")))
static inline int mt_has_avx2(void) { return __builtin_cpu_supports("avx2"); }
// AVX-512 copies of the purely elementwise loops (GELU, the exponentials of softmax and
// log-sum-exp): sixteen lanes, each lane the same scalar operations, so the same bits. Sums
// keep their eight-lane AVX2 code (`mt_sum`), whose lane structure fixes the rounding.
#define MT_AVX512 __attribute__((target("avx2,avx512f,avx512dq,avx512vl"), min_vector_width(512)))
static inline int mt_has_avx512(void) {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}
#else
#define MT_AVX2
#define MT_AVX512
static inline int mt_has_avx2(void) { return 0; }
static inline int mt_has_avx512(void) { return 0; }
#endif
#define MT_BODY static inline __attribute__((always_inline))

/// e^{clamp(x, −87.33, 88.37)}: Kernels.clampedExp (Cephes expf polynomial, 2ⁿ from the
/// exponent bits), the same operations.
static inline float mt_clamped_exp(float x) {
    float lo = x < -87.33f ? -87.33f : x;
    float xc = lo > 88.37f ? 88.37f : lo;
    const float magic = 12582912.0f;
    float shifted = xc * 1.44269504f + magic;
    float n = shifted - magic;
    uint32_t sb, mb;
    memcpy(&sb, &shifted, 4);
    memcpy(&mb, &magic, 4);
    uint32_t k = sb - mb;
    float r = (xc - n * 0.693359375f) - n * -2.1219444e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float poly = (p * (r * r) + r) + 1.0f;
    uint32_t eb = (k + 127u) << 23;
    float scale;
    memcpy(&scale, &eb, 4);
    return poly * scale;
}

/// Kernels.biasGelu: pre[r, i] += bias[i]; out = pre·σ(2u) with σ(2u) = 1/(1 + e^{x(k₁ + k₂x²)});
/// `sig` (may be NULL) keeps σ(2u). The body of the AVX2 and AVX-512 entry points below.
MT_BODY void mt_bias_gelu_body(
    float *restrict out, float *restrict sig, float *restrict pre, const float *restrict bias,
    long n, long oc) {
    const float k1 = -1.5957691216057308f, k2 = -0.07135481627260025f;
    for (long r = 0; r < n; r++) {
        float *restrict x = pre + r * oc, *restrict g = out + r * oc;
        if (sig) {
            float *restrict s = sig + r * oc;
            for (long i = 0; i < oc; i++) {
                float v = x[i] + bias[i];
                float si = 1.0f / (1.0f + mt_clamped_exp(v * (k1 + k2 * (v * v))));
                x[i] = v;
                s[i] = si;
                g[i] = v * si;
            }
        } else {
            for (long i = 0; i < oc; i++) {
                float v = x[i] + bias[i];
                x[i] = v;
                g[i] = v * (1.0f / (1.0f + mt_clamped_exp(v * (k1 + k2 * (v * v)))));
            }
        }
    }
}

static inline MT_AVX2 void mt_bias_gelu_avx2(
    float *restrict out, float *restrict sig, float *restrict pre, const float *restrict bias,
    long n, long oc) {
    mt_bias_gelu_body(out, sig, pre, bias, n, oc);
}
static inline MT_AVX512 void mt_bias_gelu_avx512(
    float *restrict out, float *restrict sig, float *restrict pre, const float *restrict bias,
    long n, long oc) {
    mt_bias_gelu_body(out, sig, pre, bias, n, oc);
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#include <math.h>

/// Kernels.laneSum: ((v0 + v1) + (v2 + v3)) + ((v4 + v5) + (v6 + v7)).
static inline MT_AVX2 float mt_lane_sum(__m256 v) {
    __m256 h = _mm256_hadd_ps(v, v);  // v0+v1, v2+v3 | v4+v5, v6+v7 (per half)
    h = _mm256_hadd_ps(h, h);         // (v0+v1)+(v2+v3) | (v4+v5)+(v6+v7)
    return _mm_cvtss_f32(_mm256_castps256_ps128(h)) + _mm_cvtss_f32(_mm256_extractf128_ps(h, 1));
}

/// Kernels.sum: eight partial sums, then the lanes, then the tail in order.
static inline MT_AVX2 float mt_sum(const float *p, long n) {
    __m256 acc = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(p + i));
    float s = mt_lane_sum(acc);
    for (; i < n; i++) s += p[i];
    return s;
}

/// Kernels.fastExp: clampedExp, +∞ above 88.37, 0 below −87.33.
static inline float mt_fast_exp(float x) {
    float y = mt_clamped_exp(x);
    return x > 88.37f ? INFINITY : (x < -87.33f ? 0.0f : y);
}

/// Kernels.maximum: four running maxima (a NaN wins), combined (m0, m1), (m2, m3), then both.
static inline float mt_maximum(const float *p, long n) {
    float m0 = -INFINITY, m1 = m0, m2 = m0, m3 = m0;
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        m0 = p[i] > m0 || isnan(p[i]) ? p[i] : m0;
        m1 = p[i + 1] > m1 || isnan(p[i + 1]) ? p[i + 1] : m1;
        m2 = p[i + 2] > m2 || isnan(p[i + 2]) ? p[i + 2] : m2;
        m3 = p[i + 3] > m3 || isnan(p[i + 3]) ? p[i + 3] : m3;
    }
    for (; i < n; i++) m0 = p[i] > m0 || isnan(p[i]) ? p[i] : m0;
    float a = m1 > m0 || isnan(m1) ? m1 : m0, b = m3 > m2 || isnan(m3) ? m3 : m2;
    return b > a || isnan(b) ? b : a;
}

/// out[i] = fastExp(z[i]·invT − mx) (no multiply when invT is 1), as wide as the caller.
MT_BODY void mt_exp_shifted(
    float *restrict out, const float *restrict z, long n, float invT, float mx) {
    if (invT == 1.0f) {
#pragma clang loop vectorize(assume_safety)
        for (long i = 0; i < n; i++) out[i] = mt_fast_exp(z[i] - mx);
    } else {
#pragma clang loop vectorize(assume_safety)
        for (long i = 0; i < n; i++) out[i] = mt_fast_exp(z[i] * invT - mx);
    }
}

/// Kernels.softmax: out = softmax(logits·invT); returns max + log Σ.
MT_BODY float mt_softmax_body(float *out, const float *logits, long n, float invT) {
    float mx = mt_maximum(logits, n) * invT;
    if (out == logits) {  // in place: element i reads only z[i]
        for (long i = 0; i < n; i++)
            out[i] = mt_fast_exp((invT == 1.0f ? logits[i] : logits[i] * invT) - mx);
    } else {
        mt_exp_shifted(out, logits, n, invT, mx);
    }
    float total = mt_sum(out, n);
    float inv = 1.0f / total;
#pragma clang loop vectorize(assume_safety)
    for (long i = 0; i < n; i++) out[i] *= inv;
    return mx + logf(total);
}

/// Kernels.logSumExp: scratch = e^{z − max}; returns max + log Σ.
MT_BODY float mt_log_sum_exp_body(const float *z, float *scratch, long n) {
    float mx = mt_maximum(z, n);
    mt_exp_shifted(scratch, z, n, 1.0f, mx);
    return mx + logf(mt_sum(scratch, n));
}
static inline MT_AVX2 float mt_softmax_avx2(float *out, const float *logits, long n, float invT) {
    return mt_softmax_body(out, logits, n, invT);
}
static inline MT_AVX512 float mt_softmax_avx512(
    float *out, const float *logits, long n, float invT) {
    return mt_softmax_body(out, logits, n, invT);
}
static inline MT_AVX2 float mt_log_sum_exp_avx2(const float *z, float *scratch, long n) {
    return mt_log_sum_exp_body(z, scratch, n);
}
static inline MT_AVX512 float mt_log_sum_exp_avx512(const float *z, float *scratch, long n) {
    return mt_log_sum_exp_body(z, scratch, n);
}

/// Kernels.layerNormForward per row: μ = sum/c, var = squaredDeviations/c (eight lanes, then
/// the lanes, then the tail), rstd = 1/√(var + ε), out = ((x − μ)·rstd)·w + b.
static inline MT_AVX2 void mt_layer_norm_forward_avx2(
    float *restrict out, float *restrict mean, float *restrict rstd, const float *restrict inp,
    const float *restrict w, const float *restrict b, long n, long c, float eps) {
    for (long r = 0; r < n; r++) {
        const float *x = inp + r * c;
        float *o = out + r * c;
        float m = mt_sum(x, c) / (float)c;
        __m256 vm = _mm256_set1_ps(m), acc = _mm256_setzero_ps();
        long i = 0;
        for (; i + 8 <= c; i += 8) {
            __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), vm);
            acc = _mm256_add_ps(acc, _mm256_mul_ps(d, d));
        }
        float sq = mt_lane_sum(acc);
        for (; i < c; i++) sq += (x[i] - m) * (x[i] - m);
        float v = sq / (float)c;
        float sd = 1.0f / sqrtf(v + eps);
#pragma clang loop vectorize(assume_safety)
        for (i = 0; i < c; i++) o[i] = ((x[i] - m) * sd) * w[i] + b[i];
        mean[r] = m;
        rstd[r] = sd;
    }
}

/// Kernels.layerNormBackward per row, with n̂ = (x − μ)·rstd and g = w·dout: Σ g and Σ g·n̂ in
/// eight lanes, then the lanes, then the tail; dx += rstd·((g − mean g) − n̂·mean(g·n̂)),
/// dw += n̂·dout, db += dout.
static inline MT_AVX2 void mt_layer_norm_backward_avx2(
    float *restrict dinp, float *restrict dw, float *restrict db, const float *restrict dout,
    const float *restrict inp, const float *restrict w, const float *restrict mean,
    const float *restrict rstd, long n, long c) {
    for (long r = 0; r < n; r++) {
        const float *x = inp + r * c, *d = dout + r * c;
        float *dx = dinp + r * c;
        float m = mean[r], s = rstd[r];
        __m256 vm = _mm256_set1_ps(m), vs = _mm256_set1_ps(s);
        __m256 ag = _mm256_setzero_ps(), agn = _mm256_setzero_ps();
        long i = 0;
        for (; i + 8 <= c; i += 8) {
            __m256 nh = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm), vs);
            __m256 g = _mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(d + i));
            ag = _mm256_add_ps(ag, g);
            agn = _mm256_add_ps(agn, _mm256_mul_ps(g, nh));
        }
        float gMean = mt_lane_sum(ag), gnMean = mt_lane_sum(agn);
        for (; i < c; i++) {
            float nh = (x[i] - m) * s, g = w[i] * d[i];
            gMean += g;
            gnMean += g * nh;
        }
        gMean /= (float)c;
        gnMean /= (float)c;
#pragma clang loop vectorize(assume_safety)
        for (i = 0; i < c; i++) {
            float nh = (x[i] - m) * s, g = w[i] * d[i];
            db[i] += d[i];
            dw[i] += nh * d[i];
            dx[i] += s * ((g - gMean) - nh * gnMean);
        }
    }
}

/// Kernels.attendRow16: p_j = softmax_j(scale·q·k_j), o = Σ_j p_j v_j, head size 16.
static inline MT_AVX2 void mt_attend_row16_avx2(
    const float *q, const float *k, const float *v, long stride, long n, float scale,
    float *row, float *o) {
    __m256 q0 = _mm256_loadu_ps(q), q1 = _mm256_loadu_ps(q + 8);
    float mx = -INFINITY;
    for (long j = 0; j < n; j++) {
        const float *kj = k + j * stride;
        __m256 acc = _mm256_add_ps(
            _mm256_mul_ps(q0, _mm256_loadu_ps(kj)), _mm256_mul_ps(q1, _mm256_loadu_ps(kj + 8)));
        float s = mt_lane_sum(acc) * scale;
        row[j] = s;
        mx = s > mx || isnan(s) ? s : mx;
    }
#pragma clang loop vectorize(assume_safety)
    for (long j = 0; j < n; j++) row[j] = mt_fast_exp(row[j] - mx);
    float inv = 1.0f / mt_sum(row, n);
    __m256 o0 = _mm256_setzero_ps(), o1 = _mm256_setzero_ps();
    for (long j = 0; j < n; j++) {
        float pj = row[j] * inv;
        row[j] = pj;
        __m256 p = _mm256_set1_ps(pj);
        const float *vj = v + j * stride;
        o0 = _mm256_add_ps(o0, _mm256_mul_ps(p, _mm256_loadu_ps(vj)));
        o1 = _mm256_add_ps(o1, _mm256_mul_ps(p, _mm256_loadu_ps(vj + 8)));
    }
    _mm256_storeu_ps(o, o0);
    _mm256_storeu_ps(o + 8, o1);
}
/// Four heads of `mt_attend_row16_avx2` at once (head h reads q, k, v at offset 16·h, writes
/// its probabilities to rows[h] and its output to o + 16·h): each head's operations and their
/// order are exactly the one-head kernel's; interleaving the heads only gives the CPU four
/// independent chains (the P·v sums are serial in j) instead of one.
static inline MT_AVX2 void mt_attend_row16x4_avx2(
    const float *q, const float *k, const float *v, long stride, long n, float scale,
    float *const rows[4], float *o) {
    __m256 qa[4], qb[4];
    float mx[4];
    for (int h = 0; h < 4; h++) {
        qa[h] = _mm256_loadu_ps(q + 16 * h);
        qb[h] = _mm256_loadu_ps(q + 16 * h + 8);
        mx[h] = -INFINITY;
    }
    const __m128 vscale = _mm_set1_ps(scale);
    for (long j = 0; j < n; j++) {
        const float *kj = k + j * stride;
        __m256 acc[4];
        for (int h = 0; h < 4; h++)
            acc[h] = _mm256_add_ps(
                _mm256_mul_ps(qa[h], _mm256_loadu_ps(kj + 16 * h)),
                _mm256_mul_ps(qb[h], _mm256_loadu_ps(kj + 16 * h + 8)));
        // The four heads' `mt_lane_sum`s at once: hadd pairs give, per head and 128-bit half,
        // (v0 + v1) + (v2 + v3) and (v4 + v5) + (v6 + v7); the halves are then added.
        __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(acc[0], acc[1]), _mm256_hadd_ps(acc[2], acc[3]));
        __m128 sum = _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
        float sc[4];
        _mm_storeu_ps(sc, _mm_mul_ps(sum, vscale));
        for (int h = 0; h < 4; h++) {
            float s = sc[h];
            rows[h][j] = s;
            mx[h] = s > mx[h] || isnan(s) ? s : mx[h];
        }
    }
    float inv[4];
    for (int h = 0; h < 4; h++) {
        float *row = rows[h];
        float m = mx[h];
#pragma clang loop vectorize(assume_safety)
        for (long j = 0; j < n; j++) row[j] = mt_fast_exp(row[j] - m);
        inv[h] = 1.0f / mt_sum(row, n);
    }
    __m256 oa[4], ob[4];
    for (int h = 0; h < 4; h++) {
        oa[h] = _mm256_setzero_ps();
        ob[h] = _mm256_setzero_ps();
    }
    for (long j = 0; j < n; j++) {
        const float *vj = v + j * stride;
        for (int h = 0; h < 4; h++) {
            float pj = rows[h][j] * inv[h];
            rows[h][j] = pj;
            __m256 p = _mm256_set1_ps(pj);
            oa[h] = _mm256_add_ps(oa[h], _mm256_mul_ps(p, _mm256_loadu_ps(vj + 16 * h)));
            ob[h] = _mm256_add_ps(ob[h], _mm256_mul_ps(p, _mm256_loadu_ps(vj + 16 * h + 8)));
        }
    }
    for (int h = 0; h < 4; h++) {
        _mm256_storeu_ps(o + 16 * h, oa[h]);
        _mm256_storeu_ps(o + 16 * h + 8, ob[h]);
    }
}
/// AdamW.update's ‖g‖²: four Double partial sums (lane j adds g[j], g[j+4], …), the tail into
/// the first, then (s0 + s1) + (s2 + s3).
static inline MT_AVX2 double mt_squared_norm_avx2(const float *g, long n) {
    __m256d acc = _mm256_setzero_pd();
    long j = 0;
    for (; j + 4 <= n; j += 4) {
        __m256d x = _mm256_cvtps_pd(_mm_loadu_ps(g + j));
        acc = _mm256_add_pd(acc, _mm256_mul_pd(x, x));
    }
    double s[4];
    _mm256_storeu_pd(s, acc);
    for (; j < n; j++) s[0] += (double)g[j] * (double)g[j];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

/// AdamW.update's element loop (same operations): gi = g·clip; m = b1·m + a1·gi;
/// v = b2·v + (a2·gi)·gi; p −= lr·((m/c1)/(√|v/c2| + eps) + (wd·decay)·p).
static inline MT_AVX2 void mt_adamw_avx2(
    float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
    const float *restrict decay, long n, float clip, float b1, float b2, float a1, float a2,
    float c1, float c2, float lr, float eps, float wd) {
    const __m256 vclip = _mm256_set1_ps(clip), vb1 = _mm256_set1_ps(b1),
                 vb2 = _mm256_set1_ps(b2), va1 = _mm256_set1_ps(a1), va2 = _mm256_set1_ps(a2),
                 vc1 = _mm256_set1_ps(c1), vc2 = _mm256_set1_ps(c2), vlr = _mm256_set1_ps(lr),
                 veps = _mm256_set1_ps(eps), vwd = _mm256_set1_ps(wd),
                 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gi = _mm256_mul_ps(_mm256_loadu_ps(g + i), vclip);
        __m256 mi = _mm256_add_ps(
            _mm256_mul_ps(vb1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(va1, gi));
        __m256 vi = _mm256_add_ps(
            _mm256_mul_ps(vb2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(va2, gi), gi));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 mh = _mm256_div_ps(mi, vc1), vh = _mm256_div_ps(vi, vc2);
        __m256 pi = _mm256_loadu_ps(p + i);
        __m256 step = _mm256_add_ps(
            _mm256_div_ps(mh, _mm256_add_ps(_mm256_sqrt_ps(_mm256_and_ps(vh, absMask)), veps)),
            _mm256_mul_ps(_mm256_mul_ps(vwd, _mm256_loadu_ps(decay + i)), pi));
        _mm256_storeu_ps(p + i, _mm256_sub_ps(pi, _mm256_mul_ps(vlr, step)));
    }
    for (; i < n; i++) {
        float gi = g[i] * clip;
        m[i] = b1 * m[i] + a1 * gi;
        v[i] = b2 * v[i] + a2 * gi * gi;
        float mh = m[i] / c1, vh = v[i] / c2;
        p[i] -= lr * (mh / (__builtin_sqrtf(__builtin_fabsf(vh)) + eps) + wd * decay[i] * p[i]);
    }
}
/// `mt_adamw_avx2` with sixteen lanes, then its eight-lane loop for the rest: every element
/// the same operations (elementwise only), so the same bits.
static inline MT_AVX512 void mt_adamw_avx512(
    float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
    const float *restrict decay, long n, float clip, float b1, float b2, float a1, float a2,
    float c1, float c2, float lr, float eps, float wd) {
    const __m512 vclip = _mm512_set1_ps(clip), vb1 = _mm512_set1_ps(b1),
                 vb2 = _mm512_set1_ps(b2), va1 = _mm512_set1_ps(a1), va2 = _mm512_set1_ps(a2),
                 vc1 = _mm512_set1_ps(c1), vc2 = _mm512_set1_ps(c2), vlr = _mm512_set1_ps(lr),
                 veps = _mm512_set1_ps(eps), vwd = _mm512_set1_ps(wd);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 gi = _mm512_mul_ps(_mm512_loadu_ps(g + i), vclip);
        __m512 mi = _mm512_add_ps(
            _mm512_mul_ps(vb1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(va1, gi));
        __m512 vi = _mm512_add_ps(
            _mm512_mul_ps(vb2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(va2, gi), gi));
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        __m512 mh = _mm512_div_ps(mi, vc1), vh = _mm512_div_ps(vi, vc2);
        __m512 pi = _mm512_loadu_ps(p + i);
        __m512 step = _mm512_add_ps(
            _mm512_div_ps(mh, _mm512_add_ps(_mm512_sqrt_ps(_mm512_abs_ps(vh)), veps)),
            _mm512_mul_ps(_mm512_mul_ps(vwd, _mm512_loadu_ps(decay + i)), pi));
        _mm512_storeu_ps(p + i, _mm512_sub_ps(pi, _mm512_mul_ps(vlr, step)));
    }
    mt_adamw_avx2(
        p + i, g + i, m + i, v + i, decay + i, n - i, clip, b1, b2, a1, a2, c1, c2, lr, eps, wd);
}
/// Kernels.attentionBackwardRow16: query row i of the attention backward at head size 16
/// (dv_j += P_ij·dout_i, dS_ij = P_ij(dP_ij − Σ_k P_ik dP_ik)·scale, dq_i += Σ_j dS_ij k_j,
/// dk_j += dS_ij q_i), the same operations in the same order.
static inline MT_AVX2 void mt_attention_backward_row16_avx2(
    long i, const float *pr, float *dr, const float *doi, const float *q, const float *k,
    const float *v, float *dq, float *dk, float *dv, long stride, float scale) {
    __m256 d0 = _mm256_loadu_ps(doi), d1 = _mm256_loadu_ps(doi + 8);
    float total = 0;
    for (long j = 0; j <= i; j++) {
        const float *vj = v + j * stride;
        __m256 acc = _mm256_add_ps(
            _mm256_mul_ps(d0, _mm256_loadu_ps(vj)), _mm256_mul_ps(d1, _mm256_loadu_ps(vj + 8)));
        float dp = mt_lane_sum(acc);
        dr[j] = dp;
        total += pr[j] * dp;
        float *y = dv + j * stride;
        __m256 a = _mm256_set1_ps(pr[j]);
        _mm256_storeu_ps(y, _mm256_add_ps(_mm256_loadu_ps(y), _mm256_mul_ps(a, d0)));
        _mm256_storeu_ps(y + 8, _mm256_add_ps(_mm256_loadu_ps(y + 8), _mm256_mul_ps(a, d1)));
    }
    for (long j = 0; j <= i; j++) dr[j] = pr[j] * (dr[j] - total) * scale;
    const float *qi = q + i * stride;
    float *dqi = dq + i * stride;
    __m256 q0 = _mm256_loadu_ps(qi), q1 = _mm256_loadu_ps(qi + 8);
    __m256 g0 = _mm256_loadu_ps(dqi), g1 = _mm256_loadu_ps(dqi + 8);
    for (long j = 0; j <= i; j++) {
        const float *kj = k + j * stride;
        __m256 a = _mm256_set1_ps(dr[j]);
        g0 = _mm256_add_ps(g0, _mm256_mul_ps(a, _mm256_loadu_ps(kj)));
        g1 = _mm256_add_ps(g1, _mm256_mul_ps(a, _mm256_loadu_ps(kj + 8)));
        float *y = dk + j * stride;
        _mm256_storeu_ps(y, _mm256_add_ps(_mm256_loadu_ps(y), _mm256_mul_ps(a, q0)));
        _mm256_storeu_ps(y + 8, _mm256_add_ps(_mm256_loadu_ps(y + 8), _mm256_mul_ps(a, q1)));
    }
    _mm256_storeu_ps(dqi, g0);
    _mm256_storeu_ps(dqi + 8, g1);
}
#endif

#if !(defined(__x86_64__) && defined(__clang__))
// Other targets: never called (mt_has_avx2() is 0); declared so the Swift callers compile.
static inline float mt_softmax_avx2(float *out, const float *logits, long n, float invT) {
    (void)out; (void)logits; (void)n; (void)invT;
    return 0;
}
static inline float mt_log_sum_exp_avx2(const float *z, float *scratch, long n) {
    (void)z; (void)scratch; (void)n;
    return 0;
}
static inline float mt_softmax_avx512(float *out, const float *logits, long n, float invT) {
    (void)out; (void)logits; (void)n; (void)invT;
    return 0;
}
static inline float mt_log_sum_exp_avx512(const float *z, float *scratch, long n) {
    (void)z; (void)scratch; (void)n;
    return 0;
}
static inline void mt_layer_norm_forward_avx2(
    float *out, float *mean, float *rstd, const float *inp, const float *w, const float *b,
    long n, long c, float eps) {
    (void)out; (void)mean; (void)rstd; (void)inp; (void)w; (void)b; (void)n; (void)c; (void)eps;
}
static inline void mt_layer_norm_backward_avx2(
    float *dinp, float *dw, float *db, const float *dout, const float *inp, const float *w,
    const float *mean, const float *rstd, long n, long c) {
    (void)dinp; (void)dw; (void)db; (void)dout; (void)inp; (void)w; (void)mean; (void)rstd;
    (void)n; (void)c;
}
static inline void mt_attend_row16_avx2(
    const float *q, const float *k, const float *v, long stride, long n, float scale,
    float *row, float *o) {
    (void)q; (void)k; (void)v; (void)stride; (void)n; (void)scale; (void)row; (void)o;
}
static inline void mt_attend_row16x4_avx2(
    const float *q, const float *k, const float *v, long stride, long n, float scale,
    float *const rows[4], float *o) {
    (void)q; (void)k; (void)v; (void)stride; (void)n; (void)scale; (void)rows; (void)o;
}
static inline void mt_attention_backward_row16_avx2(
    long i, const float *pr, float *dr, const float *doi, const float *q, const float *k,
    const float *v, float *dq, float *dk, float *dv, long stride, float scale) {
    (void)i; (void)pr; (void)dr; (void)doi; (void)q; (void)k; (void)v; (void)dq; (void)dk;
    (void)dv; (void)stride; (void)scale;
}
static inline double mt_squared_norm_avx2(const float *g, long n) {
    (void)g; (void)n;
    return 0;
}
static inline void mt_adamw_avx512(
    float *p, const float *g, float *m, float *v, const float *decay, long n, float clip,
    float b1, float b2, float a1, float a2, float c1, float c2, float lr, float eps, float wd) {
    (void)p; (void)g; (void)m; (void)v; (void)decay; (void)n; (void)clip; (void)b1; (void)b2;
    (void)a1; (void)a2; (void)c1; (void)c2; (void)lr; (void)eps; (void)wd;
}
static inline void mt_adamw_avx2(
    float *p, const float *g, float *m, float *v, const float *decay, long n, float clip,
    float b1, float b2, float a1, float a2, float c1, float c2, float lr, float eps, float wd) {
    (void)p; (void)g; (void)m; (void)v; (void)decay; (void)n; (void)clip; (void)b1; (void)b2;
    (void)a1; (void)a2; (void)c1; (void)c2; (void)lr; (void)eps; (void)wd;
}
#endif
